/** Tables: column headers that sort on the server, a list's loading states, and paging controls. */
import { html, useState } from '../lib.js'
import { Loading, ErrorBox } from './states.js'

/** A column header that sorts on the server: a button, with aria-sort for screen readers. */
export function SortHeader({ label, column, sort, order, onSort, className }) {
  const active = sort === column
  const next = active && order === 'asc' ? 'desc' : 'asc'
  return html`<th scope="col" class=${className} aria-sort=${active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
    <button type="button" class="sort" onClick=${() => onSort(column, next)} title=${`Sort by ${label.toLowerCase()}`}>
      ${label}<span class="arrow" aria-hidden="true">${active ? (order === 'asc' ? ' ▲' : ' ▼') : ' ↕'}</span>
    </button>
  </th>`
}

/**
 * A list's states from a useAsync result whose data has `items`, so that no list shows an answer
 * as another's: loading with nothing yet shows a placeholder; loading other data (another view,
 * search or page) keeps the previous rows greyed, inert and aria-busy; an empty answer shows
 * `empty()` only once it is the answer to what is asked now, never while that loads.
 */
export function ListBody({ state, empty, loadingLabel, errorTitle, retry, children }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${retry ?? state.reload} title=${errorTitle} />`
  const data = state.data
  if (data === undefined || (state.stale && !data.items.length)) return html`<${Loading} label=${loadingLabel} />`
  if (!data.items.length && !state.loading) return empty()
  return html`<div class=${state.stale ? 'list-body stale' : 'list-body'} aria-busy=${state.loading ? 'true' : 'false'} inert=${state.stale ? true : undefined}>${children(data)}</div>`
}

/** "18,003 users" when counted; "more than 10,000 users" when a count stopped at a cap (`total` is then the cap + 1). */
export function countText(total, totalExact, noun) {
  if (total === undefined || total === null) return null
  return totalExact === false ? `more than ${(total - 1).toLocaleString()} ${noun}` : `${total.toLocaleString()} ${noun}`
}

/**
 * Paging controls. `pages` (useCursorPages, or the same shape kept in the URL) moves by cursor;
 * optional: `pages.last()` for a Last button, `jump` ({ label, go(text) }) for a "go to" box that
 * seeks by the sort column, `pageCount` to say "page 3 of 361".
 */
export function Pager({ pages, next, total, totalExact, noun = 'items', pageCount, jump }) {
  const count = countText(total, totalExact, noun)
  // A page number when it is known (counted from the first page, or from the end); else where a jump landed.
  let where = pages.where ?? ''
  if (pages.page && (pages.page > 1 || pageCount > 1)) where = `page ${pages.page.toLocaleString()}${pageCount ? ` of ${pageCount.toLocaleString()}` : ''}`
  const atFirst = pages.page === 1
  const atLast = !next
  return html`<nav class="pager" aria-label="Pages">
    <span class="count" role="status">${count}${count && where ? ' · ' : ''}${where}</span>
    ${jump && html`<${JumpBox} jump=${jump} />`}
    <button type="button" onClick=${pages.first} disabled=${atFirst}>First</button>
    <button type="button" onClick=${pages.previous} disabled=${atFirst}>Previous</button>
    <button type="button" onClick=${() => next && pages.next(next)} disabled=${atLast}>Next</button>
    ${pages.last && html`<button type="button" onClick=${pages.last} disabled=${atLast}>Last</button>`}
  </nav>`
}

function JumpBox({ jump }) {
  const [text, setText] = useState('')
  const submit = (e) => {
    e.preventDefault()
    const t = text.trim()
    if (t) jump.go(t)
  }
  return html`<form class="pager-jump" role="search" aria-label="Go to" onSubmit=${submit}>
    <label for="pager-jump-text">${jump.label}</label>
    <input id="pager-jump-text" type="text" value=${text} onInput=${(e) => setText(e.currentTarget.value)} maxlength="200" size="6" autocomplete="off" spellcheck="false" />
    <button type="submit">Go</button>
  </form>`
}

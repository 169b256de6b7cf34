/** Tables: column headers that sort on the server, and cursor paging controls. */
import { html } from '../lib.js'

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

export function Pager({ pages, next, total, totalExact, noun = 'items' }) {
  return html`<nav class="pager" aria-label="Pages">
    <span class="count">${total !== undefined && total !== null ? html`${totalExact === false ? 'about ' : ''}${total.toLocaleString()} ${noun}` : null}${pages.page > 1 ? ` · page ${pages.page}` : ''}</span>
    <button type="button" onClick=${pages.first} disabled=${pages.page === 1}>First</button>
    <button type="button" onClick=${pages.previous} disabled=${pages.page === 1}>Previous</button>
    <button type="button" onClick=${() => next && pages.next(next)} disabled=${!next}>Next</button>
  </nav>`
}

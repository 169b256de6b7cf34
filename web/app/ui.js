/**
 * The console's shared building blocks: navigation, async data, states (loading, empty, error),
 * dialogs, forms, tables with server-side sorting, cursor paging, secrets shown once.
 */
import { html, useState, useEffect, useRef, useCallback } from './lib.js'
import { explain } from './api.js'
import { useMe } from './session.js'

// ---------- navigation (history API; every screen has a real /admin/… URL) ----------

const routeListeners = new Set()

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  for (const l of routeListeners) l()
  window.scrollTo(0, 0)
}

/** The current path and query, re-rendering the caller whenever it changes. */
export function useLocation() {
  const read = () => ({ path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search) })
  const [loc, setLoc] = useState(read)
  useEffect(() => {
    const update = () => setLoc(read())
    routeListeners.add(update)
    window.addEventListener('popstate', update)
    return () => {
      routeListeners.delete(update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return loc
}

/** Replaces the query of the current URL (list state: view, search, sort) without a new history entry. */
export function setQuery(params) {
  const q = new URLSearchParams(location.search)
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') q.delete(k)
    else q.set(k, String(v))
  }
  const s = q.toString()
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, { replace: true })
}

/** An in-console link: a real <a href> (open in new tab works), routed without a page load. */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
    e.preventDefault()
    navigate(href)
  }
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`
}

// ---------- data ----------

/** Runs `load` and re-runs it when `deps` change; `reload()` runs it again. Stale answers are dropped. */
export function useAsync(load, deps) {
  const [state, setState] = useState({ loading: true, error: null, data: undefined })
  const seq = useRef(0)
  const run = useCallback(() => {
    const n = ++seq.current
    setState((s) => ({ ...s, loading: true, error: null }))
    Promise.resolve()
      .then(load)
      .then(
        (data) => n === seq.current && setState({ loading: false, error: null, data }),
        (error) => n === seq.current && setState({ loading: false, error, data: undefined }),
      )
  }, deps)
  useEffect(run, [run])
  return { ...state, reload: run }
}

/** A value that follows `value` after `ms` of quiet: search as you type without a request per key. */
export function useDebounced(value, ms = 250) {
  const [v, setV] = useState(value)
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return v
}

// ---------- states ----------

export function Loading({ label = 'Loading…' }) {
  return html`<p class="state loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${label}</p>`
}

export function ErrorBox({ error, retry, title }) {
  const { message, next } = explain(error)
  return html`<div class="state error" role="alert">
    <strong>${title ?? 'Something went wrong.'}</strong>
    <p>${message}</p>
    ${next && html`<p class="next">${next}</p>`}
    ${error?.requestId && html`<p class="ref">Reference: <code>${error.requestId}</code></p>`}
    ${retry && html`<button type="button" onClick=${retry}>Try again</button>`}
  </div>`
}

/** An inline error under a form: the message, what to do next, the field at fault if any. */
export function FormError({ error }) {
  if (!error) return null
  const { message, next } = explain(error)
  return html`<div class="form-error" role="alert">
    <p>${message}${error.field ? html` <span class="field-name">(field: <code>${error.field}</code>)</span>` : null}</p>
    ${next && html`<p class="next">${next}</p>`}
  </div>`
}

export function Empty({ title, children }) {
  return html`<div class="state empty"><strong>${title}</strong>${children && html`<p>${children}</p>`}</div>`
}

/** Loading / error / content for a useAsync result. */
export function Async({ state, children, loadingLabel }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${state.reload} />`
  if (state.data === undefined) return html`<${Loading} label=${loadingLabel} />`
  return children(state.data)
}

// ---------- notices ----------

const flashListeners = new Set()
let flashes = []
let flashSeq = 0

/** A short confirmation or failure message at the top of the page ("User created"). */
export function flash(message, kind = 'ok') {
  const id = ++flashSeq
  flashes = [...flashes, { id, message, kind }]
  for (const l of flashListeners) l(flashes)
  setTimeout(() => dismissFlash(id), kind === 'ok' ? 6000 : 12000)
}

function dismissFlash(id) {
  flashes = flashes.filter((f) => f.id !== id)
  for (const l of flashListeners) l(flashes)
}

export function Flashes() {
  const [items, setItems] = useState(flashes)
  useEffect(() => {
    flashListeners.add(setItems)
    return () => flashListeners.delete(setItems)
  }, [])
  return html`<div class="flashes" role="status" aria-live="polite">
    ${items.map((f) => html`<div key=${f.id} class=${`flash ${f.kind}`}>
      <span>${f.message}</span>
      <button type="button" class="link" aria-label="Dismiss" onClick=${() => dismissFlash(f.id)}>×</button>
    </div>`)}
  </div>`
}

// ---------- dialogs ----------

/** A modal <dialog>: focus moves in, Escape closes, focus returns to where it was. */
let dialogSeq = 0

export function Dialog({ open, title, onClose, children, wide }) {
  const ref = useRef(null)
  // Each dialog names itself by its own heading: closed dialogs stay in the page.
  const titleId = useRef(`dialog-title-${++dialogSeq}`).current
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return html`<dialog ref=${ref} class=${wide ? 'wide' : ''} aria-labelledby=${titleId} onClose=${() => open && onClose?.()} onCancel=${(e) => {
    e.preventDefault()
    onClose?.()
  }}>
    ${open &&
    html`<h2 id=${titleId}>${title}</h2>
      ${children}`}
  </dialog>`
}

/**
 * Asks before doing something that cannot be undone; runs `action`, shows its error in the dialog
 * and closes on success.
 */
export function ConfirmDialog({ open, title, children, confirmLabel = 'Confirm', danger, onClose, action, disabled }) {
  const { busy, error, setError, submit: go } = useSubmit(async () => {
    await action()
    onClose()
  })
  useEffect(() => {
    if (open) setError(null)
  }, [open])
  return html`<${Dialog} open=${open} title=${title} onClose=${onClose}>
    <form onSubmit=${go}>
      ${children}
      <${FormError} error=${error} />
      <div class="actions">
        <button type="submit" class=${danger ? 'danger' : 'primary'} disabled=${busy || disabled}>${busy ? 'Working…' : confirmLabel}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

// ---------- forms ----------

/**
 * A form's save: `busy` while `action` runs (to disable its button) and what it threw in `error`
 * (for FormError), cleared at the next try. `submit` serves as onSubmit or as a plain click handler.
 */
export function useSubmit(action) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const submit = async (e) => {
    e?.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, submit }
}

/**
 * A dialog's form: `values` start again from `blank` (and the last error goes) each time the dialog
 * opens, since a closed dialog stays mounted; `action` gets the values to save.
 */
export function useDialogForm(open, blank, action) {
  const [values, setValues] = useState(blank)
  const save = useSubmit(() => action(values))
  useEffect(() => {
    if (!open) return
    setValues(blank)
    save.setError(null)
  }, [open])
  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }))
  return { values, set, ...save }
}

export function Field({ label, id, hint, children, required }) {
  return html`<div class="field">
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${children}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
  </div>`
}

/** A secret the server shows this once (token, password): copy it now. */
export function SecretOnce({ label, value, children }) {
  return html`<div class="secret-once" role="alert">
    <p><strong>${label}</strong></p>
    <${CopyField} value=${value} label=${label} />
    <p class="hint">${children ?? 'Copy it now: Roster keeps only a hash and cannot show it again.'}</p>
  </div>`
}

export function CopyField({ value, label }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value)
      setCopied(true)
      setTimeout(() => setCopied(false), 2000)
    } catch {
      setCopied(false)
    }
  }
  return html`<div class="copy-field">
    <input type="text" readonly value=${value} aria-label=${label} onFocus=${(e) => e.currentTarget.select()} class="mono" />
    <button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
  </div>`
}

// ---------- tables ----------

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
 * Cursor paging: the server gives the cursor of the next page; the cursors of the pages seen are
 * kept so "Previous" goes back without offsets (which large lists cannot answer fast).
 */
export function useCursorPages(resetKey) {
  const [stack, setStack] = useState([null])
  useEffect(() => setStack([null]), [resetKey])
  const cursor = stack[stack.length - 1]
  return {
    cursor,
    page: stack.length,
    next: (c) => setStack((s) => [...s, c]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    first: () => setStack([null]),
  }
}

export function Pager({ pages, next, total, totalExact, noun = 'items' }) {
  return html`<nav class="pager" aria-label="Pages">
    <span class="count">${total !== undefined && total !== null ? html`${totalExact === false ? 'about ' : ''}${total.toLocaleString()} ${noun}` : null}${pages.page > 1 ? ` · page ${pages.page}` : ''}</span>
    <button type="button" onClick=${pages.first} disabled=${pages.page === 1}>First</button>
    <button type="button" onClick=${pages.previous} disabled=${pages.page === 1}>Previous</button>
    <button type="button" onClick=${() => next && pages.next(next)} disabled=${!next}>Next</button>
  </nav>`
}

// ---------- formatting ----------

export function formatDate(iso, { time = true } = {}) {
  if (!iso) return '—'
  const d = new Date(iso)
  return time ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : d.toLocaleDateString(undefined, { dateStyle: 'medium' })
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${status}</span>`
}

/**
 * In a directory- or IdP-managed tenant: why an action is off and where to make the change instead
 * ("Managed by Active Directory — change it there").
 */
export function ManagedNote({ managedBy }) {
  const { me } = useMe()
  if (!managedBy) return null
  const where = me?.tenant?.sourceName ?? 'its identity source'
  const how = me?.tenant?.source === 'ldap' ? 'the next directory sync brings the change here.' : 'your identity provider provisions it here over SCIM.'
  return html`<div class="managed-note" role="note"><strong>Managed by ${where} — change it there</strong>; ${how}</div>`
}

export function sourceName(source) {
  return source === 'ldap' ? 'Managed by a directory (Active Directory / LDAP)' : source === 'scim' ? 'Managed by your identity provider (SCIM)' : 'Managed here in Roster'
}

export const can = (me, permission) => Boolean(me?.permissions?.includes(permission))

/** A page title and its actions; sets the document title too. */
export function PageHeader({ title, children, back }) {
  useEffect(() => {
    document.title = `${title} · Roster`
  }, [title])
  return html`<header class="page-header">
    ${back && html`<${Link} class="back" href=${back.href}>← ${back.label}<//>`}
    <div class="title-row">
      <h1 tabindex="-1" id="page-title">${title}</h1>
      <div class="page-actions">${children}</div>
    </div>
  </header>`
}

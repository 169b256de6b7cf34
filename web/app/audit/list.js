/**
 * The audit log (GET /api/audit): who changed what, when; filtered by actor, action, target and time.
 * The filters live in the URL so a filtered view can be bookmarked or sent to a colleague.
 */
import { html, useState, useEffect } from '../lib.js'
import { get, apiUrl } from '../api.js'
import { PageHeader } from '../ui/page.js'
import { setQuery } from '../ui/router.js'
import { useAsync, useCursorPages } from '../ui/data.js'
import { Pager, ListBody } from '../ui/tables.js'
import { Empty } from '../ui/states.js'
import { FormError } from '../ui/forms.js'
import { AuditRow } from './entry.js'

const FILTERS = ['actor', 'action', 'target', 'from', 'to']
// The server's pattern for `action` (AuditListParams): checked here too, so a typo is explained before a request.
const ACTION = /^[a-z-]+(\.[a-z-]+|\.\*)?$/
const ACTION_PREFIXES = ['user.*', 'group.*', 'role.*', 'token.*', 'personal-token.*', 'session.*', 'saml.*', 'directory.*', 'attribute.*', 'tenant.*']

/** An ISO instant as the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

const fromLocalInput = (value) => (value ? new Date(value).toISOString() : '')

const filtersOf = (query) => Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? '']))

function checkFilters(f) {
  if (f.action && !ACTION.test(f.action)) return { field: 'action', message: 'An action is written like user.update, or user.* for every user action.' }
  if (f.from && f.to && new Date(f.from) > new Date(f.to)) return { field: 'to', message: '"To" is before "From": no entry can match.' }
  return null
}

export function AuditPage({ query }) {
  const applied = filtersOf(query)
  const key = FILTERS.map((k) => applied[k]).join('\u0000')
  const pages = useCursorPages(key)
  const active = FILTERS.some((k) => applied[k])
  const state = useAsync(() => get('/audit', { ...applied, cursor: pages.cursor ?? undefined, limit: 50 }), [key, pages.cursor])
  const clear = () => setQuery(Object.fromEntries(FILTERS.map((k) => [k, undefined])))
  const exportHref = (format) => {
    const url = apiUrl('/audit/export', { format, ...applied })
    return `${url.pathname}${url.search}`
  }
  // A 400 names the filter at fault: it belongs next to the form, not in place of the table.
  const filterError = state.error?.status === 400 ? state.error : null

  return html`<div class="audit">
    <${PageHeader} title="Audit log">
      <a class="button" href=${exportHref('csv')} download>Export CSV</a>
      <a class="button" href=${exportHref('jsonl')} download>Export JSON Lines</a>
    <//>
    <${FilterForm} applied=${applied} onClear=${clear} serverError=${filterError} />
    <p class="hint export-note">Exports hold every entry that matches the filters (up to 100,000), not only this page.</p>
    ${!filterError &&
    html`<${ListBody}
      state=${state}
      loadingLabel="Loading the audit log…"
      errorTitle="The audit log could not be loaded."
      empty=${() => (pages.page === 1 ? html`<${NoEntries} active=${active} onClear=${clear} />` : html`<p class="muted">No more entries.</p>`)}
    >
      ${(data) => html`<${Entries} data=${data} pages=${pages} />`}
    <//>`}
  </div>`
}

function FilterForm({ applied, onClear, serverError }) {
  const [f, setF] = useState(() => ({ ...applied, from: toLocalInput(applied.from), to: toLocalInput(applied.to) }))
  const [problem, setProblem] = useState(null)
  // Back/forward or a link changes the URL: the form follows it.
  useEffect(() => {
    setF({ ...applied, from: toLocalInput(applied.from), to: toLocalInput(applied.to) })
    setProblem(null)
  }, [FILTERS.map((k) => applied[k]).join('\u0000')])
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value })
  const submit = (e) => {
    e.preventDefault()
    const next = { actor: f.actor.trim(), action: f.action.trim(), target: f.target.trim(), from: fromLocalInput(f.from), to: fromLocalInput(f.to) }
    const p = checkFilters(next)
    setProblem(p)
    if (!p) setQuery(next)
  }
  const invalid = (k) => problem?.field === k || serverError?.field === k || undefined
  return html`<form class="audit-filters" onSubmit=${submit} aria-label="Audit filters">
    <div class="audit-filter-grid">
      <div class="field">
        <label for="audit-actor">Actor</label>
        <input id="audit-actor" type="text" value=${f.actor} onInput=${set('actor')} aria-describedby="audit-actor-hint" aria-invalid=${invalid('actor')} autocomplete="off" />
        <p class="hint" id="audit-actor-hint">A user name, token name or id</p>
      </div>
      <div class="field">
        <label for="audit-action">Action</label>
        <input id="audit-action" type="text" list="audit-actions" value=${f.action} onInput=${set('action')} aria-describedby="audit-action-hint" aria-invalid=${invalid('action')} autocomplete="off" spellcheck="false" />
        <datalist id="audit-actions">${ACTION_PREFIXES.map((a) => html`<option key=${a} value=${a} />`)}</datalist>
        <p class="hint" id="audit-action-hint">Exact (<code>user.update</code>) or every action of a kind (<code>user.*</code>)</p>
      </div>
      <div class="field">
        <label for="audit-target">Target</label>
        <input id="audit-target" type="text" value=${f.target} onInput=${set('target')} aria-describedby="audit-target-hint" aria-invalid=${invalid('target')} autocomplete="off" spellcheck="false" />
        <p class="hint" id="audit-target-hint">The id of the user, group or other resource changed</p>
      </div>
      <div class="field">
        <label for="audit-from">From</label>
        <input id="audit-from" type="datetime-local" value=${f.from} onInput=${set('from')} aria-invalid=${invalid('from')} />
      </div>
      <div class="field">
        <label for="audit-to">To</label>
        <input id="audit-to" type="datetime-local" value=${f.to} onInput=${set('to')} aria-invalid=${invalid('to')} />
      </div>
    </div>
    ${problem && html`<div class="form-error" role="alert"><p>${problem.message}</p></div>`}
    <${FormError} error=${serverError} />
    <div class="actions">
      <button type="submit" class="primary">Apply filters</button>
      <button type="button" onClick=${onClear}>Clear</button>
    </div>
  </form>`
}

function NoEntries({ active, onClear }) {
  return active
    ? html`<div class="state empty">
        <strong>No audit entries match these filters</strong>
        <p>Widen the time range, use a prefix such as <code>user.*</code> for the action, or clear the filters.</p>
        <button type="button" onClick=${onClear}>Clear</button>
      </div>`
    : html`<${Empty} title="No audit entries yet">Changes made in this tenant — through the console, SCIM, the directory sync or the API — appear here as they happen.<//>`
}

function Entries({ data, pages }) {
  const [open, setOpen] = useState(() => new Set())
  useEffect(() => setOpen(new Set()), [data])
  const toggle = (id) =>
    setOpen((s) => {
      const n = new Set(s)
      if (n.has(id)) n.delete(id)
      else n.add(id)
      return n
    })
  return html`<div>
    <div class="table-wrap">
      <table class="audit-table">
        <caption class="visually-hidden">Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          ${data.items.map((e) => html`<${AuditRow} key=${e.id} entry=${e} open=${open.has(e.id)} onToggle=${() => toggle(e.id)} />`)}
        </tbody>
      </table>
    </div>
    <${Pager} pages=${pages} next=${data.next} noun="entries" />
    <p class="hint">Times are in your browser's time zone.</p>
  </div>`
}

/**
 * The provisioning log (GET /api/provisioning-log, audit.view): every SCIM request the tenant's
 * identity provider sent, newest first, with what Roster answered and made of it. Filters and the
 * open entry (`?entry=<id>`) live in the URL, so a failing request can be sent to a colleague.
 */
import { html, useState, useEffect } from '../lib.js'
import { get } from '../api.js'
import { Link, setQuery } from '../ui/router.js'
import { useAsync, useCursorPages } from '../ui/data.js'
import { Loading, ErrorBox, Empty } from '../ui/states.js'
import { FormError } from '../ui/forms.js'
import { ProvisioningEntry, OutcomeBadge, LogOffNote } from './provisioning-entry.js'

export const PROVISIONING_PATH = '/admin/settings/scim/provisioning'
const FILTERS = ['status', 'q', 'resource', 'from', 'to']
const PAGE_SIZE = 50

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
const keyOf = (f) => FILTERS.map((k) => f[k]).join('\u0000')
// Seconds matter here: an IdP sends many requests a minute.
const formatTime = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** The URL of the log with `filters` applied (and an entry opened, with `entry`). */
export function logHref(filters, entry) {
  const q = new URLSearchParams()
  for (const k of FILTERS) if (filters[k]) q.set(k, filters[k])
  if (entry) q.set('entry', entry)
  const s = q.toString()
  return `${PROVISIONING_PATH}${s ? `?${s}` : ''}`
}

export function ProvisioningLogPage({ me, query }) {
  const applied = filtersOf(query)
  const entry = query.get('entry')
  if (entry) return html`<${ProvisioningEntry} id=${entry} back=${logHref(applied)} />`
  return html`<${LogList} applied=${applied} slug=${me.tenant.slug} />`
}

function LogList({ applied, slug }) {
  const key = keyOf(applied)
  const pages = useCursorPages(key)
  const active = FILTERS.some((k) => applied[k])
  const state = useAsync(() => get('/provisioning-log', { ...applied, cursor: pages.cursor ?? undefined, limit: PAGE_SIZE }), [key, pages.cursor])
  const clear = () => setQuery(Object.fromEntries(FILTERS.map((k) => [k, undefined])))
  // A 400 names the filter at fault: it belongs next to the form, not in place of the table.
  const filterError = state.error?.status === 400 ? state.error : null

  return html`<div class="provisioning-log">
    <div class="title-row section-title">
      <h2>Provisioning log</h2>
      <${Link} href="/admin/settings/scim">SCIM settings<//>
    </div>
    <p>Every SCIM request your identity provider sent, newest first: what Roster answered, which of its dialects Roster read, what it ignored and what it changed. Open an entry to see why a request failed.</p>
    <${LogOffNote} data=${state.data} slug=${slug} />
    <${FilterForm} applied=${applied} onClear=${clear} serverError=${filterError} />
    ${state.error && !filterError
      ? html`<${ErrorBox} error=${state.error} retry=${state.reload} title="The provisioning log could not be loaded." />`
      : state.data === undefined && !filterError
        ? html`<${Loading} label="Loading the provisioning log…" />`
        : state.data && html`<${Entries} data=${state.data} applied=${applied} pages=${pages} active=${active} onClear=${clear} loading=${state.loading} />`}
  </div>`
}

function checkFilters(f) {
  if (f.from && f.to && new Date(f.from) > new Date(f.to)) return { field: 'to', message: '"To" is before "From": no entry can match.' }
  return null
}

function FilterForm({ applied, onClear, serverError }) {
  const local = () => ({ ...applied, from: toLocalInput(applied.from), to: toLocalInput(applied.to) })
  const [f, setF] = useState(local)
  const [problem, setProblem] = useState(null)
  // Back/forward or a link changes the URL: the form follows it.
  useEffect(() => {
    setF(local())
    setProblem(null)
  }, [keyOf(applied)])
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value })
  const submit = (e) => {
    e.preventDefault()
    const next = { status: f.status, q: f.q.trim(), resource: f.resource.trim(), from: fromLocalInput(f.from), to: fromLocalInput(f.to) }
    const p = checkFilters(next)
    setProblem(p)
    if (!p) setQuery(next)
  }
  const invalid = (k) => problem?.field === k || serverError?.field === k || undefined
  return html`<form class="audit-filters" onSubmit=${submit} aria-label="Provisioning log filters">
    <div class="audit-filter-grid">
      <div class="field">
        <label for="prov-status">Outcome</label>
        <select id="prov-status" value=${f.status} onChange=${set('status')} aria-invalid=${invalid('status')}>
          <option value="">All requests</option>
          <option value="failed">Failed</option>
          <option value="succeeded">Succeeded</option>
        </select>
      </div>
      <div class="field">
        <label for="prov-q">User or path</label>
        <input id="prov-q" type="search" value=${f.q} onInput=${set('q')} aria-describedby="prov-q-hint" aria-invalid=${invalid('q')} autocomplete="off" spellcheck="false" />
        <p class="hint" id="prov-q-hint">Text in the userName or the request path</p>
      </div>
      <div class="field">
        <label for="prov-resource">Resource id</label>
        <input id="prov-resource" type="text" value=${f.resource} onInput=${set('resource')} aria-describedby="prov-resource-hint" aria-invalid=${invalid('resource')} autocomplete="off" spellcheck="false" />
        <p class="hint" id="prov-resource-hint">Only requests about this user or group</p>
      </div>
      <div class="field">
        <label for="prov-from">From</label>
        <input id="prov-from" type="datetime-local" value=${f.from} onInput=${set('from')} aria-invalid=${invalid('from')} />
      </div>
      <div class="field">
        <label for="prov-to">To</label>
        <input id="prov-to" type="datetime-local" value=${f.to} onInput=${set('to')} aria-invalid=${invalid('to')} />
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

function Entries({ data, applied, pages, active, onClear, loading }) {
  if (!data.items.length && pages.page === 1) {
    return active
      ? html`<div class="state empty">
          <strong>No requests match these filters</strong>
          <p>Widen the time range or clear the filters. Entries older than the tenant's retention window are gone.</p>
          <button type="button" onClick=${onClear}>Clear</button>
        </div>`
      : html`<${Empty} title="No SCIM requests yet">Give your identity provider the SCIM base URL and a token (SCIM settings); its requests appear here as they arrive.<//>`
  }
  const only = (resource) => logHref({ ...applied, resource })
  return html`<div aria-busy=${loading ? 'true' : 'false'}>
    <div class="table-wrap">
      <table class="audit-table provisioning-table">
        <caption class="visually-hidden">SCIM requests, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Request</th>
            <th scope="col">Outcome</th>
            <th scope="col">Token</th>
            <th scope="col">Resource</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          ${data.items.map(
            (e) => html`<tr key=${e.id}>
              <td><time datetime=${e.at} title=${e.at}>${formatTime(e.at)}</time></td>
              <td class="mono prov-request"><strong>${e.method}</strong> ${e.path}</td>
              <td><${OutcomeBadge} status=${e.status} /></td>
              <td>${e.token ? e.token.label : html`<span class="muted">—</span>`}</td>
              <td>
                ${e.resourceId
                  ? html`<${Link} href=${only(e.resourceId)} title="Only requests about this resource">${e.resourceName ?? e.resourceId}<//><div class="via">${e.resourceType}</div>`
                  : html`<span class="muted">—</span>`}
              </td>
              <td><${Link} href=${logHref(applied, e.id)}>${e.summary}<//></td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${!data.items.length && html`<p class="muted">No older requests.</p>`}
    <nav class="pager" aria-label="Pages">
      <span class="count">${pages.page > 1 ? `page ${pages.page}` : ''}</span>
      <button type="button" onClick=${pages.first} disabled=${pages.page === 1}>Newest</button>
      <button type="button" onClick=${pages.previous} disabled=${pages.page === 1}>Newer</button>
      <button type="button" onClick=${() => data.next && pages.next(data.next)} disabled=${!data.next}>Older</button>
    </nav>
    <p class="hint">Times are in your browser's time zone.</p>
  </div>`
}

/**
 * The user list: active, inactive and archived views, search as you type, server-side sorting and
 * keyset paging (Next, Previous, Last, and "go to" a name by the sort column). View, search, sort
 * and the page's cursor live in the URL, so reload, Back from a user and a shared link show the
 * same page.
 */
import { html, useState, useEffect, useRef } from '../lib.js'
import { get } from '../api.js'
import { useMe, can } from '../session.js'
import { personName } from './form.js'
import { Link, setQuery } from '../ui/router.js'
import { useAsync, useDebounced } from '../ui/data.js'
import { Empty } from '../ui/states.js'
import { SortHeader, Pager, ListBody } from '../ui/tables.js'
import { formatDate, StatusBadge } from '../ui/format.js'
import { ManagedNote, sourceName } from '../ui/tenant.js'
import { PageHeader } from '../ui/page.js'

const VIEWS = [
  { id: 'active', label: 'Active' },
  { id: 'inactive', label: 'Inactive' },
  { id: 'archived', label: 'Archived' },
]

const COLUMNS = [
  { column: 'userName', label: 'Username' },
  { column: 'name', label: 'Name' },
  { column: 'email', label: 'Email', wide: true },
  { column: 'status', label: 'Status' },
  { column: 'lastSignIn', label: 'Last sign-in', wide: true },
  { column: 'created', label: 'Created', wide: true },
]

// A hand-edited or outdated URL must not make the list fail: unknown values fall back to defaults.
const oneOf = (value, allowed, fallback) => (allowed.includes(value) ? value : fallback)

/** Rows per page (the API's default). */
const LIMIT = 50
/** Sorts by text, where "go to" can seek a prefix (the others are dates). */
const JUMPABLE = ['userName', 'name', 'email', 'status']
/** Where in the list: cleared whenever what is listed changes (view, search, sort). */
const AT_START = { cursor: null, page: null, from: null, last: null }

/** The page shown, from the URL: a cursor (with its page number when counted), a jump, or the last page. */
function positionOf(query, sort) {
  const cursor = query.get('cursor') || null
  const from = !cursor && JUMPABLE.includes(sort) ? (query.get('from') ?? '').slice(0, 200) || null : null
  const last = !cursor && !from && query.get('last') === '1'
  const n = Number(query.get('page'))
  return { cursor, from, last, page: cursor && Number.isInteger(n) && n > 1 ? n : null }
}

/**
 * Paging kept in the URL, in the shape the Pager takes. The page number is known from the first
 * page on and from the last page back (the count is exact); after a jump it is not, and the pager
 * says where the jump landed instead.
 */
function urlPages(at, data, sortedBy) {
  const atStart = (!at.cursor && !at.from && !at.last) || (data !== undefined && !data.previous)
  const pageCount = data && data.totalExact !== false ? Math.max(1, Math.ceil(data.total / LIMIT)) : null
  const page = atStart ? 1 : at.last ? pageCount : at.page
  return {
    page,
    pageCount,
    where: at.from ? `${sortedBy} from “${at.from}”` : at.last ? 'last page' : '',
    first: () => setQuery(AT_START),
    previous: () => data?.previous && setQuery({ ...AT_START, cursor: data.previous, page: page > 1 ? page - 1 : null }),
    next: (cursor) => setQuery({ ...AT_START, cursor, page: page ? page + 1 : null }),
    last: () => setQuery({ ...AT_START, last: '1' }),
  }
}

export function UsersPage({ query }) {
  const { me } = useMe()
  const view = oneOf(query.get('view'), VIEWS.map((v) => v.id), 'active')
  const q = (query.get('q') ?? '').trim().slice(0, 200)
  const sort = oneOf(query.get('sort'), COLUMNS.map((c) => c.column), 'userName')
  const order = query.get('order') === 'desc' ? 'desc' : 'asc'

  const searchRef = useRef(null)
  const [text, setText] = useState(q)
  const typed = useDebounced(text.trim().slice(0, 200), 250)
  // The search last written to the URL: tells our own change from back/forward, which resets the box.
  const written = useRef(q)
  useEffect(() => {
    if (typed === written.current) return
    written.current = typed
    setQuery({ q: typed, ...AT_START })
  }, [typed])
  useEffect(() => {
    if (q === written.current) return
    written.current = q
    setText(q)
  }, [q])

  const at = positionOf(query, sort)
  const list = useAsync(
    () => get('/users', { view, q, sort, order, cursor: at.cursor ?? undefined, from: at.from ?? undefined, last: at.last ? 'true' : undefined, limit: LIMIT }),
    [view, q, sort, order, at.cursor, at.from, at.last],
  )

  const clearSearch = () => {
    setText('')
    written.current = ''
    setQuery({ q: null, ...AT_START })
    searchRef.current?.focus()
  }

  const managed = me.tenant.source !== 'local'
  const reason = me.managedBy ?? sourceName(me.tenant.source)
  let newUser = null
  if (can(me, 'users.create')) {
    newUser = managed
      ? html`<button type="button" disabled aria-describedby="users-managed-note" title=${reason}>New user</button>`
      : html`<${Link} class="button primary" href="/admin/users/new">New user<//>`
  }

  return html`<div class="users-page">
    <${PageHeader} title="Users">${newUser}<//>
    ${managed && html`<div id="users-managed-note" class="managed-wrap"><${ManagedNote} managedBy=${reason} source=${me.tenant.source} /><p class="hint">New users are created there and appear here on their own; roles and API credentials are still managed in Roster.</p></div>`}
    <${ViewTabs} view=${view} />
    <div role="tabpanel" id="users-panel" aria-labelledby=${`users-tab-${view}`}>
      <div class="toolbar users-toolbar">
        <label for="users-search">Search users</label>
        <input
          id="users-search"
          ref=${searchRef}
          type="search"
          value=${text}
          onInput=${(e) => setText(e.currentTarget.value)}
          placeholder="Username, name, email or external ID"
          autocomplete="off"
          maxlength="200"
          aria-controls="users-results"
        />
        ${list.loading && list.data && html`<span class="muted updating" role="status">Updating…</span>`}
      </div>
      <div id="users-results">
        <${Results} list=${list} at=${at} view=${view} q=${q} sort=${sort} order=${order} me=${me} clearSearch=${clearSearch} />
      </div>
    </div>
  </div>`
}

/** Views as tabs: arrows move between them (and show them), Tab leaves to the search box. */
function ViewTabs({ view }) {
  const refs = useRef({})
  const go = (id, focus) => {
    setQuery({ view: id === 'active' ? null : id, ...AT_START })
    if (focus) refs.current[id]?.focus()
  }
  const onKeyDown = (e) => {
    const i = VIEWS.findIndex((v) => v.id === view)
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key]
    if (to === undefined) return
    e.preventDefault()
    go(VIEWS[(to + VIEWS.length) % VIEWS.length].id, true)
  }
  return html`<div class="tabs" role="tablist" aria-label="Which users" onKeyDown=${onKeyDown}>
    ${VIEWS.map(
      (v) => html`<button
        key=${v.id}
        type="button"
        role="tab"
        id=${`users-tab-${v.id}`}
        ref=${(el) => (refs.current[v.id] = el)}
        aria-selected=${v.id === view ? 'true' : 'false'}
        aria-controls="users-panel"
        tabindex=${v.id === view ? 0 : -1}
        onClick=${() => go(v.id, false)}
      >${v.label}</button>`,
    )}
  </div>`
}

function Results({ list, at, view, q, sort, order, me, clearSearch }) {
  const onSort = (column, nextOrder) => setQuery({ sort: column === 'userName' ? null : column, order: nextOrder === 'asc' ? null : nextOrder, ...AT_START })
  const sortedBy = COLUMNS.find((c) => c.column === sort)?.label.toLowerCase()
  const moved = at.cursor || at.from || at.last
  return html`<${ListBody}
    state=${list}
    loadingLabel="Loading users…"
    errorTitle="The users could not be listed."
    retry=${moved ? () => setQuery(AT_START) : list.reload}
    empty=${() => (moved ? html`<${Empty} title="No users here">This page is past the end of the list. <button type="button" class="link" onClick=${() => setQuery(AT_START)}>Go to the first page</button><//>` : html`<${EmptyList} view=${view} q=${q} me=${me} clearSearch=${clearSearch} />`)}
  >
    ${(data) => {
      const pages = urlPages(at, list.stale ? undefined : data, sortedBy)
      return html`<div class="table-wrap">
          <table class="users-table" aria-busy=${list.loading ? 'true' : 'false'}>
            <caption class="visually-hidden">${VIEWS.find((v) => v.id === view).label} users${q ? ` matching “${q}”` : ''}, sorted by ${sortedBy} (${order === 'asc' ? 'ascending' : 'descending'})</caption>
            <thead>
              <tr>
                ${COLUMNS.map((c) => html`<${SortHeader} key=${c.column} label=${c.label} column=${c.column} sort=${sort} order=${order} onSort=${onSort} className=${c.wide ? 'wide-only' : undefined} />`)}
              </tr>
            </thead>
            <tbody>
              ${data.items.map((u) => html`<${UserRow} key=${u.id} user=${u} />`)}
            </tbody>
          </table>
        </div>
        <${Pager}
          pages=${pages}
          next=${data.next}
          total=${data.total}
          totalExact=${data.totalExact}
          noun=${data.total === 1 ? 'user' : 'users'}
          pageCount=${pages.pageCount}
          jump=${JUMPABLE.includes(sort) ? { label: `Go to ${sortedBy}`, go: (text) => setQuery({ ...AT_START, from: text }) } : null}
        />`
    }}
  <//>`
}

function UserRow({ user: u }) {
  return html`<tr>
    <td class="user-cell">
      <${Link} href=${`/admin/users/${u.id}`}>${u.userName}<//>
      ${u.managedBy && html` <span class="badge managed" title=${`Synced: ${u.managedBy}`}>managed</span>`}
    </td>
    <td>${personName(u) || html`<span class="muted">—</span>`}</td>
    <td class="wide-only">${u.email ?? html`<span class="muted">—</span>`}</td>
    <td><${StatusBadge} status=${u.status} /></td>
    <td class="wide-only">${u.lastSignIn ? formatDate(u.lastSignIn) : html`<span class="muted">Never</span>`}</td>
    <td class="wide-only">${formatDate(u.created, { time: false })}</td>
  </tr>`
}

function EmptyList({ view, q, me, clearSearch }) {
  if (q) {
    return html`<div class="state empty">
      <strong>No users match “${q}”</strong>
      <p>Search looks at usernames, names, emails and external IDs: every word must match. Check the spelling, use fewer words${view === 'active' ? ', or look in the Inactive and Archived views' : ''}.</p>
      <p><button type="button" onClick=${clearSearch}>Clear search</button></p>
    </div>`
  }
  if (view === 'archived') {
    return html`<${Empty} title="No archived users">
      Archiving takes someone out of use without deleting them: their sessions end at once, their tokens and API password stop,
      and they leave the Active list while their history stays. Archive a user from their page; an archived user can be restored, or deleted for good.
    <//>`
  }
  if (view === 'inactive') {
    return html`<${Empty} title="No inactive users">
      Deactivated users appear here. They cannot sign in or use the API until someone activates them again.
    <//>`
  }
  const managed = me.tenant.source !== 'local'
  return html`<div class="state empty">
    <strong>No active users</strong>
    <p>${managed
      ? `Users arrive from ${me.tenant.source === 'ldap' ? 'the directory sync' : 'your identity provider over SCIM'}; none is active yet.`
      : can(me, 'users.create')
        ? html`<${Link} href="/admin/users/new">Create the first user<//>.`
        : 'Someone with the users.create permission can add users.'}</p>
  </div>`
}

/**
 * The user list: active, inactive and archived views, search as you type, server-side sorting and
 * cursor paging. View, search and sort live in the URL, so reload and back keep the list as it was.
 */
import { html, useState, useEffect, useRef } from '../lib.js'
import { get } from '../api.js'
import { useMe, can } from '../session.js'
import { personName } from './form.js'
import { Link, setQuery } from '../ui/router.js'
import { useAsync, useDebounced, useCursorPages } from '../ui/data.js'
import { Loading, ErrorBox, Empty } from '../ui/states.js'
import { SortHeader, Pager } from '../ui/tables.js'
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
    setQuery({ q: typed })
  }, [typed])
  useEffect(() => {
    if (q === written.current) return
    written.current = q
    setText(q)
  }, [q])

  const pages = useCursorPages(`${view}|${q}|${sort}|${order}`)
  const list = useAsync(() => get('/users', { view, q, sort, order, cursor: pages.cursor ?? undefined }), [view, q, sort, order, pages.cursor])

  const clearSearch = () => {
    setText('')
    written.current = ''
    setQuery({ q: null })
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
          placeholder="Username, name or email"
          autocomplete="off"
          maxlength="200"
          aria-controls="users-results"
        />
        ${list.loading && list.data && html`<span class="muted updating" role="status">Updating…</span>`}
      </div>
      <div id="users-results">
        <${Results} list=${list} pages=${pages} view=${view} q=${q} sort=${sort} order=${order} me=${me} clearSearch=${clearSearch} />
      </div>
    </div>
  </div>`
}

/** Views as tabs: arrows move between them (and show them), Tab leaves to the search box. */
function ViewTabs({ view }) {
  const refs = useRef({})
  const go = (id, focus) => {
    setQuery({ view: id === 'active' ? null : id })
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

function Results({ list, pages, view, q, sort, order, me, clearSearch }) {
  if (list.error) {
    return html`<${ErrorBox} error=${list.error} retry=${pages.page > 1 ? pages.first : list.reload} title="The users could not be listed." />`
  }
  if (list.data === undefined) return html`<${Loading} label="Loading users…" />`
  const { items, next, total, totalExact } = list.data
  if (!items.length) return html`<${EmptyList} view=${view} q=${q} me=${me} clearSearch=${clearSearch} />`
  const onSort = (column, nextOrder) => setQuery({ sort: column === 'userName' ? null : column, order: nextOrder === 'asc' ? null : nextOrder })
  const sortedBy = COLUMNS.find((c) => c.column === sort)?.label.toLowerCase()
  return html`<div>
    <div class="table-wrap">
      <table class="users-table" aria-busy=${list.loading ? 'true' : 'false'}>
        <caption class="visually-hidden">${VIEWS.find((v) => v.id === view).label} users${q ? ` matching “${q}”` : ''}, sorted by ${sortedBy} (${order === 'asc' ? 'ascending' : 'descending'})</caption>
        <thead>
          <tr>
            ${COLUMNS.map((c) => html`<${SortHeader} key=${c.column} label=${c.label} column=${c.column} sort=${sort} order=${order} onSort=${onSort} className=${c.wide ? 'wide-only' : undefined} />`)}
          </tr>
        </thead>
        <tbody>
          ${items.map((u) => html`<${UserRow} key=${u.id} user=${u} />`)}
        </tbody>
      </table>
    </div>
    <${Pager} pages=${pages} next=${next} total=${total} totalExact=${totalExact} noun=${total === 1 ? 'user' : 'users'} />
  </div>`
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
      <p>Search looks at usernames, names and emails: every word must match. Check the spelling, use fewer words${view === 'active' ? ', or look in the Inactive and Archived views' : ''}.</p>
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

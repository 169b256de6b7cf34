/** The console's shell: who is signed in, navigation, and which screen the URL shows. */
import { html, render, useState, useEffect } from './lib.js'
import { get, onSignedOut } from './api.js'
import { MeContext } from './session.js'
import { Link, useLocation, Flashes, Loading, ErrorBox, can, sourceName } from './ui.js'
import { SignIn } from './pages/sign-in.js'
import { UsersPage } from './pages/users.js'
import { NewUserPage } from './pages/user-new.js'
import { UserPage } from './pages/user-detail.js'
import { GroupsPage, GroupPage } from './pages/groups.js'
import { ServiceAccountsPage } from './pages/service-accounts.js'
import { RolesPage } from './pages/roles.js'
import { TokensPage } from './pages/tokens.js'
import { AuditPage } from './pages/audit.js'
import { SettingsPage } from './pages/settings.js'

const NAV = [
  { href: '/admin/users', label: 'Users', permission: 'users.view' },
  { href: '/admin/groups', label: 'Groups', permission: 'groups.view' },
  { href: '/admin/roles', label: 'Roles', permission: 'users.view' },
  { href: '/admin/service-accounts', label: 'Service accounts', permission: 'credentials.manage' },
  { href: '/admin/audit', label: 'Audit log', permission: 'audit.view' },
  { href: '/admin/settings', label: 'Settings', permission: 'settings.manage' },
  { href: '/admin/tokens', label: 'My tokens', permission: null },
]

/** The screen for a path; `params` are the path's ids. */
function route(path, me) {
  const parts = path.split('/').filter(Boolean).slice(1) // drop "admin"
  const [section, id, sub] = parts
  switch (section) {
    case undefined:
      // Someone who may not see the user list (a general user) starts at their own tokens.
      if (!can(me, 'users.view')) return [TokensPage, {}]
    // falls through
    case 'users':
      if (id === 'new') return [NewUserPage, {}]
      if (id) return [UserPage, { id }]
      return [UsersPage, {}]
    case 'groups':
      return id ? [GroupPage, { id }] : [GroupsPage, {}]
    case 'service-accounts':
      return [ServiceAccountsPage, {}]
    case 'roles':
      return [RolesPage, {}]
    case 'tokens':
      return [TokensPage, {}]
    case 'audit':
      return [AuditPage, {}]
    case 'settings':
      return [SettingsPage, { section: id ?? 'overview', sub }]
    default:
      return [NotFound, {}]
  }
}

function NotFound() {
  return html`<div class="state empty"><strong>There is no such page in the console.</strong><p><${Link} href="/admin/users">Go to the user list<//></p></div>`
}

function Shell({ me, reloadMe }) {
  const { path, query } = useLocation()
  const [menuOpen, setMenuOpen] = useState(false)
  useEffect(() => setMenuOpen(false), [path])
  // A new screen: move focus to its heading so keyboard and screen reader users start there.
  useEffect(() => {
    const t = setTimeout(() => document.getElementById('page-title')?.focus({ preventScroll: true }), 0)
    return () => clearTimeout(t)
  }, [path])
  const [Page, params] = route(path, me)
  const nav = NAV.filter((n) => n.permission === null || can(me, n.permission))
  const section = `/${path.split('/').filter(Boolean).slice(0, 2).join('/')}`
  return html`<${MeContext.Provider} value=${{ me, reloadMe }}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <button type="button" class="menu-toggle" aria-expanded=${menuOpen} aria-controls="nav" onClick=${() => setMenuOpen(!menuOpen)}>Menu</button>
      <${Link} class="brand" href="/admin/users">Roster<//>
      <span class="tenant" title=${sourceName(me.tenant.source)}>${me.tenant.displayName}<span class=${`source source-${me.tenant.source}`}>${me.tenant.source === 'local' ? 'local' : me.tenant.source === 'ldap' ? 'directory' : 'SCIM'}</span></span>
      <span class="whoami">${me.userName}</span>
      <form method="post" action="/logout" class="signout"><button type="submit" class="link">Sign out</button></form>
    </header>
    <div class="layout">
      <nav id="nav" class=${menuOpen ? 'open' : ''} aria-label="Console">
        <ul>
          ${nav.map((n) => html`<li key=${n.href}><${Link} href=${n.href} aria-current=${section === n.href || (n.href === '/admin/users' && section === '/admin') ? 'page' : undefined}>${n.label}<//></li>`)}
        </ul>
      </nav>
      <main id="main">
        <${Flashes} />
        <${Page} ...${params} query=${query} key=${path} />
      </main>
    </div>
  <//>`
}

function App() {
  const [state, setState] = useState({ loading: true, me: null, error: null })
  const load = () =>
    get('/me').then(
      (me) => setState({ loading: false, me, error: null }),
      (error) => setState({ loading: false, me: null, error }),
    )
  useEffect(() => {
    load()
    return onSignedOut(() => setState({ loading: false, me: null, error: null, ended: true }))
  }, [])
  if (state.loading) return html`<${Loading} label="Loading the Roster console…" />`
  if (state.me) return html`<${Shell} me=${state.me} reloadMe=${load} />`
  if (state.error && state.error.status !== 401) return html`<main class="narrow"><${ErrorBox} error=${state.error} retry=${load} title="The console could not start." /></main>`
  return html`<${SignIn} ended=${Boolean(state.ended)} />`
}

render(html`<${App} />`, document.getElementById('app'))

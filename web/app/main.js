/** The console's shell: who is signed in, navigation, and which screen the URL shows. */
import { html, render, useState, useEffect } from './lib.js'
import { get, onSignedOut } from './api.js'
import { MeContext, can } from './session.js'
import { Link, useLocation } from './ui/router.js'
import { Flashes } from './ui/notices.js'
import { Loading, ErrorBox, Empty } from './ui/states.js'
import { sourceName } from './ui/tenant.js'
import { PageHeader } from './ui/page.js'
import { SignIn } from './sign-in/page.js'
import { match, menu } from './routes.js'

const visible = (entries, me) => entries.filter((n) => n.permission === null || can(me, n.permission))

/** The screen the path shows to `me`: its route's page, guarded by the route's permission. */
function Screen({ path, query, me }) {
  const found = match(path)
  if (!found) return html`<${NotFound} />`
  let { route, params } = found
  if (route.permission && !can(me, route.permission)) {
    if (route.otherwise) ({ route, params } = match(route.otherwise))
    else if (route.denied) return html`<${Denied} ...${route.denied} />`
  }
  const page = html`<${route.page} ...${params} me=${me} query=${query} />`
  return route.layout ? html`<${route.layout} sections=${visible(menu('settings'), me)} current=${route.path}>${page}<//>` : page
}

function Denied({ title, back, heading, says }) {
  return html`<div>
    <${PageHeader} title=${title} back=${back} />
    <${Empty} title=${heading}>${says}<//>
  </div>`
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
  const nav = visible(menu('console'), me)
  // The side-menu entry of this screen: the one the path is under (or the route's `within`).
  const within = match(path)?.route.within ?? path
  const current = (href) => within === href || within.startsWith(`${href}/`)
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
          ${nav.map((n) => html`<li key=${n.href}><${Link} href=${n.href} aria-current=${current(n.href) ? 'page' : undefined}>${n.label}<//></li>`)}
        </ul>
      </nav>
      <main id="main">
        <${Flashes} />
        <${Screen} path=${path} query=${query} me=${me} key=${path} />
      </main>
    </div>
  <//>`
}

function App() {
  const [state, setState] = useState({ loading: true, me: null, error: null })
  // /session first: signed out is an answer there, where /me would log a 401 in the browser's console.
  const load = () =>
    get('/session')
      .then((s) => (s.signedIn ? get('/me') : null))
      .then(
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

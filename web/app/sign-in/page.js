import { html, useState, useEffect } from '../lib.js'

const LAST_TENANT = 'roster.console.tenant'

/**
 * Signed out: the console signs in through the tenant's own sign-in page (/login/<tenant>: its SSO
 * button and/or password form), which brings the browser back here.
 */
export function SignIn({ ended }) {
  const fromUrl = new URLSearchParams(location.search).get('tenant')
  const [tenant, setTenant] = useState(fromUrl ?? localStorage.getItem(LAST_TENANT) ?? 'default')
  useEffect(() => {
    document.title = 'Sign in · Roster console'
    // The look of the tenant's sign-in page (/login/<tenant>) the visitor continues to: one style.
    document.body.classList.add('sign-in-page')
    return () => document.body.classList.remove('sign-in-page')
  }, [])
  const submit = (e) => {
    e.preventDefault()
    const slug = tenant.trim().toLowerCase()
    if (!slug) return
    localStorage.setItem(LAST_TENANT, slug)
    const back = `${location.pathname}${location.search.replace(/([?&])tenant=[^&]*&?/, '$1').replace(/[?&]$/, '')}`
    // Back to the console screen the visitor was on. This is the browser's own location, a path on
    // this origin; the sign-in page decides whether it is safe to return to (src/auth/return-to.ts,
    // the one check), and sends the visitor to the landing page if not.
    const consoleScreen = back === '/admin' || back.startsWith('/admin/') || back.startsWith('/admin?') ? back : '/admin'
    location.assign(`/login/${encodeURIComponent(slug)}?returnTo=${encodeURIComponent(consoleScreen)}`)
  }
  return html`<main class="narrow sign-in">
    <h1>Roster console</h1>
    ${ended && html`<p class="state error" role="alert">Your session has ended (signed out, timed out, or your access changed). Sign in again to go on.</p>`}
    <form onSubmit=${submit}>
      <div class="field">
        <label for="tenant">Tenant</label>
        <input id="tenant" name="tenant" value=${tenant} onInput=${(e) => setTenant(e.currentTarget.value)} required autocomplete="organization" aria-describedby="tenant-hint" />
        <p class="hint" id="tenant-hint">The short name of your organisation in Roster (the first start creates <code>default</code>). You continue on its sign-in page: single sign-on or password.</p>
      </div>
      <div class="actions"><button type="submit" class="primary">Continue to sign-in</button></div>
    </form>
  </main>`
}

/**
 * Open redirects (issue 12, finding 3): every place that sends a browser somewhere named by the
 * request (SAML returnTo and RelayState, the stored return path of a SAML request, password sign-in,
 * sign-out, Single Logout, the console's sign-in hop) is driven with the hostile corpus of
 * test/security/hostile-redirects.ts. Each hostile value must land on the default page; the safe
 * paths must still arrive as they were asked for. Tables collect every offender before asserting,
 * so a regression names all the forms it lets through.
 *
 * Server side on both stores (supertest, signed assertions from the in-process IdP); then a real
 * browser (headless Chromium), whose own URL parsing decides where a Location really goes.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { safeReturnTo } from '../../src/auth/return-to.js'
import { spEndpoints } from '../../src/saml/service-provider.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { launchChromium } from '../services/chromium.mjs'
import { backends, pgliteBackend, type TestStore } from '../support/stores.js'
import { cookieOf, newUser, PUBLIC_URL, samlTenant, sessionCookie, signInApp, type SamlTenant } from '../support/sign-in.js'
import { testApp } from '../support/app.js'
import { testKey } from '../support/sync.js'
import { HOST, HOSTILE_REDIRECTS, SAFE_REDIRECTS } from './hostile-redirects.js'

type App = ReturnType<typeof signInApp>
const PASSWORD = 'correct horse battery staple'
const MINUTE = 60_000

const landing = (tenant: Tenant) => `/login/${tenant.slug}`
const signedOut = (tenant: Tenant) => `/login/${tenant.slug}?signedOut=1`
const show = (s: string) => JSON.stringify(s)
/**
 * NUL is refused with 400 before any route runs (src/http/router.ts, body.ts: no text column holds
 * it); for such input, that refusal is as good as the default page.
 */
const REFUSED = 'refused with 400'
const refusedBeforeRouting = (input: string) => input.includes('\u0000')

/**
 * Runs `go` (which returns the Location the place answered, or a description of what went wrong)
 * for every hostile value, which must give `home`, and, unless the place always goes home, for
 * every safe path, which must arrive as asked.
 */
async function redirectTable(go: (input: string) => Promise<string>, home: string, options: { safePathsKept?: boolean } = {}): Promise<void> {
  const wrong: string[] = []
  for (const hostile of HOSTILE_REDIRECTS) {
    const location = await go(hostile)
    if (location !== home && !(location === REFUSED && refusedBeforeRouting(hostile))) wrong.push(`${show(hostile)} -> ${show(location)}`)
  }
  for (const safe of SAFE_REDIRECTS) {
    const location = await go(safe.input)
    const expected = options.safePathsKept === false ? home : safe.location
    if (location !== expected) wrong.push(`safe ${show(safe.input)} -> ${show(location)} (expected ${show(expected)})`)
  }
  assert.deepEqual(wrong, [], `redirects that did not go where they should:\n${wrong.join('\n')}`)
}

const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!)

describe('safeReturnTo: the one check every redirect uses', () => {
  it('refuses every hostile form and keeps safe paths, as parsed', () => {
    const let_through = HOSTILE_REDIRECTS.filter((h) => safeReturnTo(h, PUBLIC_URL) !== null).map((h) => `${show(h)} -> ${show(safeReturnTo(h, PUBLIC_URL)!)}`)
    assert.deepEqual(let_through, [])
    for (const safe of SAFE_REDIRECTS) assert.equal(safeReturnTo(safe.input, PUBLIC_URL), safe.location, safe.input)
  })

  it('returns the parsed path, never the raw string', () => {
    assert.equal(safeReturnTo('/admin/a b?x=<y>', PUBLIC_URL), '/admin/a%20b?x=%3Cy%3E')
    assert.equal(safeReturnTo('/admin/x/../users', PUBLIC_URL), '/admin/users')
    // An encoded CR LF stays encoded: harmless in a Location header, and no header is split.
    assert.equal(safeReturnTo('/%0d%0aSet-Cookie:x=1', PUBLIC_URL), '/%0d%0aSet-Cookie:x=1')
  })

  it('refuses what is not a string or is too long', () => {
    for (const v of [undefined, null, 42, ['/admin'], { a: 1 }]) assert.equal(safeReturnTo(v, PUBLIC_URL), null)
    assert.equal(safeReturnTo(`/${'a'.repeat(2048)}`, PUBLIC_URL), null)
  })
})

for (const backend of backends()) {
  describe(`open redirects on ${backend.name}: every redirect stays on the origin`, function () {
    this.timeout(180_000)
    let t: TestStore
    let app: App
    let s: SamlTenant

    before(async () => {
      t = await backend.open()
      app = signInApp(t.store)
      s = await samlTenant(t.store, 'redirect', { allowIdpInitiated: true })
      await newUser(t.store, s.tenant, 'alice@example.com', { email: 'alice@example.com' })
      await newUser(t.store, s.tenant, 'bob', { password: PASSWORD })
    })
    after(async () => t?.dispose())

    const assertion = (inResponseTo: string | null) =>
      s.idp.loginResponse({ spEntityId: s.sp.entityId, acsUrl: s.sp.acsUrl, nameId: 'alice@example.com', inResponseTo })
    const acs = (samlResponse: string, relayState?: string) =>
      request(app)
        .post(`/saml/${s.tenant.slug}/acs`)
        .type('form')
        .send({ SAMLResponse: samlResponse, ...(relayState !== undefined ? { RelayState: relayState } : {}) })
    const locationOf = (res: request.Response, status: number) =>
      res.status === status ? String(res.headers.location) : res.status === 400 && !res.headers.location ? REFUSED : `status ${res.status}: ${res.text.slice(0, 200)}`

    /** SP-initiated sign-in: the id of the AuthnRequest, or why there was none. */
    const startSaml = async (returnTo: string, cookie?: string): Promise<{ id: string } | { error: string }> => {
      const req = request(app).get(`/saml/${s.tenant.slug}/login?returnTo=${encodeURIComponent(returnTo)}`)
      const res = await (cookie ? req.set('Cookie', cookie) : req)
      if (res.status !== 302) return { error: locationOf(res, 302) }
      return { id: s.idp.parseRedirect(String(res.headers.location)).id }
    }

    /** Password sign-in the way a browser does it: the page (with ?returnTo), then its own form. */
    const passwordViaPage = async (returnTo: string | null, userName = 'bob') => {
      const page = await request(app).get(`/login/${s.tenant.slug}${returnTo === null ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`)
      if (page.status !== 200) return page
      const formCookie = cookieOf(page, 'roster_form')!
      const field = /name="returnTo" value="([^"]*)"/.exec(page.text)?.[1]
      return request(app)
        .post(`/login/${s.tenant.slug}`)
        .set('Cookie', formCookie)
        .type('form')
        .send({ formToken: formCookie.slice(formCookie.indexOf('=') + 1), username: userName, password: PASSWORD, ...(field !== undefined ? { returnTo: unescapeHtml(field) } : {}) })
    }

    it('SAML SP-initiated: returnTo, then a valid assertion', async () => {
      await redirectTable(async (input) => {
        const started = await startSaml(input)
        if ('error' in started) return started.error
        return locationOf(await acs(assertion(started.id)), 303)
      }, landing(s.tenant))
    })

    it('SAML IdP-initiated: RelayState of an unsolicited assertion', async () => {
      await redirectTable(async (input) => locationOf(await acs(assertion(null), input), 303), landing(s.tenant))
    })

    it('SAML ACS checks the stored return path again (whatever wrote it)', async () => {
      let n = 0
      await redirectTable(async (input) => {
        if (refusedBeforeRouting(input)) return landing(s.tenant) // no text column holds NUL: nothing stores it
        const id = `_stored_${n++}_${Date.now()}`
        const now = new Date()
        await t.store.samlRequests.save({ tenantId: s.tenant.id, id, kind: 'authn', returnTo: input, replacesSession: null, created: now, expires: new Date(now.getTime() + 5 * MINUTE) })
        return locationOf(await acs(assertion(id)), 303)
      }, landing(s.tenant))
    })

    it('the sign-in page never carries a hostile returnTo into its form or its SSO link', async () => {
      const wrong: string[] = []
      for (const input of HOSTILE_REDIRECTS) {
        const page = await request(app).get(`/login/${s.tenant.slug}?returnTo=${encodeURIComponent(input)}`)
        if (refusedBeforeRouting(input) && page.status === 400) continue
        if (page.status !== 200) wrong.push(`${show(input)}: status ${page.status}`)
        if (/name="returnTo"/.test(page.text)) wrong.push(`${show(input)}: form field`)
        if (!page.text.includes(`href="/saml/${s.tenant.slug}/login"`)) wrong.push(`${show(input)}: SSO link carries it`)
      }
      assert.deepEqual(wrong, [])
    })

    it('password sign-in: returnTo through the sign-in page and its form', async () => {
      await redirectTable(async (input) => locationOf(await passwordViaPage(input), 303), landing(s.tenant))
    })

    it('password sign-in: returnTo posted directly', async () => {
      await redirectTable(async (input) => {
        const page = await request(app).get(`/login/${s.tenant.slug}`)
        const formCookie = cookieOf(page, 'roster_form')!
        const res = await request(app)
          .post(`/login/${s.tenant.slug}`)
          .set('Cookie', formCookie)
          .type('form')
          .send({ formToken: formCookie.slice(formCookie.indexOf('=') + 1), username: 'bob', password: PASSWORD, returnTo: input })
        return locationOf(res, 303)
      }, landing(s.tenant))
    })

    it('sign-out ignores a returnTo in its query and body', async () => {
      await redirectTable(
        async (input) => {
          const cookie = sessionCookie(await passwordViaPage(null))
          if (!cookie) return 'no session to sign out of'
          const res = await request(app).post(`/logout?returnTo=${encodeURIComponent(input)}`).set('Cookie', cookie).type('form').send({ returnTo: input })
          return locationOf(res, 303)
        },
        signedOut(s.tenant),
        { safePathsKept: false },
      )
    })

    it('Single Logout: RelayState of the IdP LogoutResponse', async () => {
      await redirectTable(
        async (input) => {
          const started = await startSaml('/admin')
          if ('error' in started) return started.error
          const cookie = sessionCookie(await acs(assertion(started.id)))
          if (!cookie) return 'no SAML session'
          const out = await request(app).post('/logout').set('Cookie', cookie)
          if (out.status !== 303 || !String(out.headers.location).startsWith('https://idp.example/slo?')) return `sign-out answered ${out.status} ${String(out.headers.location)}`
          const { query } = s.idp.logoutResponse({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, inResponseTo: s.idp.parseRedirect(String(out.headers.location)).id, relayState: input })
          return locationOf(await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`), 303)
        },
        signedOut(s.tenant),
        { safePathsKept: false },
      )
    })

    it('Single Logout checks the stored return path of the LogoutRequest again', async () => {
      let n = 0
      await redirectTable(async (input) => {
        if (refusedBeforeRouting(input)) return signedOut(s.tenant) // no text column holds NUL: nothing stores it
        const id = `_slo_${n++}_${Date.now()}`
        const now = new Date()
        await t.store.samlRequests.save({ tenantId: s.tenant.id, id, kind: 'logout', returnTo: input, replacesSession: null, created: now, expires: new Date(now.getTime() + 5 * MINUTE) })
        const { query } = s.idp.logoutResponse({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, inResponseTo: id })
        return locationOf(await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`), 303)
      }, signedOut(s.tenant))
    })
  })
}

/** A path the console answers with its page (not one of its static files). */
const isConsoleScreen = (pathname: string) => (pathname === '/admin' || pathname.startsWith('/admin/')) && !/^\/admin\/(app|assets|vendor)\//.test(pathname)

function skipWhenBrowserMissing(ctx: Mocha.Context): void {
  // Under CI=true test/run.mjs has already failed the run when Chromium is missing.
  if (process.env.CI !== 'true' && process.env.ROSTER_TEST_BROWSER_MISSING) ctx.skip()
}

describe('open redirects in headless Chromium: the browser never leaves the origin', function () {
  this.timeout(300_000)
  let t: TestStore
  let server: http.Server
  let base: string
  let browser: Browser
  let s: SamlTenant
  /** Requests the browser tried to make to any host but Roster. */
  const offOrigin: string[] = []

  before(async function () {
    skipWhenBrowserMissing(this)
    t = await pgliteBackend.open()
    // The public URL names the port, so the server listens before the app exists.
    let handler: http.RequestListener = (_req, res) => res.end()
    server = http.createServer((req, res) => handler(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    handler = testApp(t.store, { config: { publicUrl: base, encryptionKey: testKey } }).callback as http.RequestListener
    s = await samlTenant(t.store, 'browser-redirect')
    s = { ...s, sp: spEndpoints(base, s.tenant.slug) }
    await newUser(t.store, s.tenant, 'alice@example.com', { email: 'alice@example.com' })
    await newUser(t.store, s.tenant, 'bob', { password: PASSWORD })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close().catch(() => undefined)
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
    await t?.dispose()
  })

  beforeEach(() => {
    offOrigin.length = 0
  })

  /**
   * A fresh context that notes every request the browser makes off Roster's origin, redirects
   * included (route handlers would see only the first request of a redirect chain). There is no
   * network: such a request fails, and the page shows where it went.
   */
  const newContext = async (sink: string[] = offOrigin): Promise<BrowserContext> => {
    const context = await browser.newContext({ bypassCSP: true })
    context.setDefaultTimeout(10_000)
    context.on('request', (r) => {
      const url = new URL(r.url())
      if (url.origin !== base && url.protocol !== 'about:' && url.protocol !== 'data:') sink.push(url.href)
    })
    return context
  }

  /**
   * Splits `items` over LANES browser contexts that run side by side (each with its own record of
   * off-origin requests), so a corpus of seventy sign-ins takes a fraction of the time in a row.
   */
  const LANES = 4
  async function inLanes<T>(items: T[], each: (page: Page, item: T, offOrigin: string[]) => Promise<void>): Promise<void> {
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const sink: string[] = []
        const context = await newContext(sink)
        try {
          const page = await context.newPage()
          for (let i = lane; i < items.length; i += LANES) {
            await context.clearCookies()
            sink.length = 0
            await each(page, items[i]!, sink)
          }
        } finally {
          await context.close()
        }
      }),
    )
  }

  /** Where the browser ended up, as a path on our origin, or the whole URL when it is not ours. */
  const whereIs = (page: Page) => {
    const u = new URL(page.url())
    return u.origin === base ? `${u.pathname}${u.search}${u.hash}` : u.href
  }

  /** Fills the sign-in page's password form and waits until the browser has left it. */
  const signInWithPassword = async (page: Page, sink: string[] = offOrigin) => {
    await page.fill('input[name="username"]', 'bob')
    await page.fill('input[name="password"]', PASSWORD)
    await Promise.all([page.waitForURL((u) => u.pathname !== `/login/${s.tenant.slug}` || u.search === '' || sink.length > 0), page.click('button[type="submit"]')])
    await page.waitForLoadState()
  }

  /**
   * Runs `go` for every value, in one page whose cookies are cleared between values (a context or
   * page per value would cost a second each), and collects where the browser ended up and what it
   * tried to reach.
   */
  async function browserTable(go: (page: Page, input: string, sink: string[]) => Promise<void>, home: string, safePathsKept = true): Promise<void> {
    const wrong: string[] = []
    const cases = [...HOSTILE_REDIRECTS.map((input) => ({ input, expected: home })), ...SAFE_REDIRECTS.map((c) => ({ input: c.input, expected: safePathsKept ? c.location : home }))]
    await inLanes(cases, async (page, { input, expected }, sink) => {
      const failed = await go(page, input, sink).then(
        () => null,
        (err: Error) => err.message.split('\n')[0],
      )
      const at = whereIs(page)
      if (failed && !refusedBeforeRouting(input)) wrong.push(`${show(input)}: ${failed} (at ${show(at)})`)
      else if (!failed && at !== expected) wrong.push(`${show(input)}: at ${show(at)}, expected ${show(expected)}`)
      if (sink.length) wrong.push(`${show(input)}: tried to reach ${sink.join(', ')}`)
    })
    assert.deepEqual(wrong, [], `the browser went astray:\n${wrong.join('\n')}`)
  }

  it('password sign-in from a crafted /login link', async () => {
    await browserTable(async (page, input, sink) => {
      await page.goto(`${base}/login/${s.tenant.slug}?returnTo=${encodeURIComponent(input)}`)
      await signInWithPassword(page, sink)
    }, landing(s.tenant))
  })

  it('SAML sign-in from a crafted /saml/<t>/login link: the IdP posts back, the browser follows our Location', async () => {
    await browserTable(async (page, input) => {
      // The AuthnRequest is made with the context's own request client (same cookies); the IdP's
      // answer is the page a real IdP sends: a form that posts the signed assertion to our ACS.
      const login = await page.context().request.get(`${base}/saml/${s.tenant.slug}/login?returnTo=${encodeURIComponent(input)}`, { maxRedirects: 0 })
      if (login.status() !== 302) throw new Error(`login answered ${login.status()}`)
      const id = s.idp.parseRedirect(login.headers().location!).id
      const samlResponse = s.idp.loginResponse({ spEntityId: s.sp.entityId, acsUrl: s.sp.acsUrl, nameId: 'alice@example.com', inResponseTo: id })
      await page.goto('about:blank')
      await page.setContent(`<form method="post" action="${s.sp.acsUrl}"><input type="hidden" name="SAMLResponse" value="${samlResponse}"></form>`)
      await Promise.all([page.waitForURL((u) => u.href !== s.sp.acsUrl && u.protocol !== 'about:'), page.evaluate(() => document.forms[0]!.submit())])
      await page.waitForLoadState()
    }, landing(s.tenant))
  })

  it("the console's sign-in hop: from a crafted console URL through the sign-in page and back", async () => {
    const wrong: string[] = []
    // The hostile value as the console URL's path (and, for the rest, its query): what a link into
    // the console could carry. The browser normalises the URL before the console sees it, so many
    // values come to the same URL; each URL is tried once.
    const targets = new Map<string, string>()
    for (const input of HOSTILE_REDIRECTS) {
      const target = input.startsWith('/') ? `${base}/admin${input}` : `${base}/admin?next=${encodeURIComponent(input)}`
      const key = URL.canParse(target) ? new URL(target).href : target
      if (!targets.has(key)) targets.set(key, input)
    }
    // Each hop is a whole sign-in (seconds in a browser). The console hands the sign-in page only
    // its own location (a path on this origin), and the page's check is the one the password
    // sign-in table above runs over the whole corpus; so the hop takes every third distinct URL.
    await inLanes([...targets].filter((_, i) => i % 3 === 0), async (page, [target, input], sink) => {
        await page.goto(target).catch(() => undefined)
        const landed = new URL(page.url())
        if (refusedBeforeRouting(input)) {
          // Chromium refuses a URL with NUL before sending it; nothing to follow.
        } else if (landed.origin === base && isConsoleScreen(landed.pathname)) {
          try {
            // The console asks /api/me first, then shows its sign-in screen.
            const tenantField = page.getByLabel('Tenant')
            await tenantField.fill(s.tenant.slug)
            await Promise.all([page.waitForURL((u) => u.pathname === `/login/${s.tenant.slug}`), page.getByRole('button', { name: 'Continue to sign-in' }).click()])
            await signInWithPassword(page, sink)
            const at = new URL(page.url())
            // A console screen, or — when the sign-in page found the screen's path unsafe to return
            // to (an encoded slash or backslash in it) — the tenant's landing page: never elsewhere.
            const home = at.origin === base && (at.pathname.startsWith('/admin') || whereIs(page) === landing(s.tenant))
            if (!home) wrong.push(`${show(input)}: at ${page.url()}, expected a console page or ${landing(s.tenant)}`)
          } catch (err) {
            wrong.push(`${show(input)}: ${(err as Error).message.split('\n')[0]} (at ${page.url()})`)
          }
        } else if (new URL(page.url()).origin !== base && page.url() !== 'about:blank') {
          wrong.push(`${show(input)}: at ${page.url()}`)
        }
        if (sink.length) wrong.push(`${show(input)}: tried to reach ${sink.join(', ')}`)
    })
    assert.deepEqual(wrong, [], `the console went astray:\n${wrong.join('\n')}`)
  })

  it('a safe console path survives the whole hop', async () => {
    const context = await newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${base}/admin/users?q=a#x`)
      await page.getByLabel('Tenant').fill(s.tenant.slug)
      await Promise.all([page.waitForURL((u) => u.pathname === `/login/${s.tenant.slug}`), page.getByRole('button', { name: 'Continue to sign-in' }).click()])
      await signInWithPassword(page)
      assert.equal(whereIs(page), '/admin/users?q=a')
      assert.equal(offOrigin.length, 0)
      assert.ok(!page.url().includes(HOST))
    } finally {
      await context.close()
    }
  })
})

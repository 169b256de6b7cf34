/**
 * End to end against a real IdP: SimpleSAMLphp (Debian) and Roster as real processes, driven in
 * headless Chromium. The tenant is configured with the three CLI calls from the IdP's metadata
 * file; people sign in through the IdP's own form, sign out through Single Logout, an inactive user
 * is refused, and deactivating the signed-in user over SCIM ends its session at the next request.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startSimpleSamlPhp, type SimpleSamlPhp } from '../services/simplesamlphp.mjs'
import { launchChromium } from '../services/chromium.mjs'
import { freshServerDatabase } from '../support/stores.js'
import { freePort, runCli, startServer, tempDir, type ServerProcess } from '../support/process.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'

function skipWhenMissing(ctx: Mocha.Context): void {
  // Under CI=true test/run.mjs has already failed the run when these are missing.
  if (process.env.CI !== 'true' && (process.env.ROSTER_TEST_SAML_MISSING || process.env.ROSTER_TEST_BROWSER_MISSING)) ctx.skip()
}

describe('SAML sign-in end to end: SimpleSAMLphp + headless Chromium', function () {
  this.timeout(120_000)
  let db: Awaited<ReturnType<typeof freshServerDatabase>>
  let idp: SimpleSamlPhp
  let server: ServerProcess
  let browser: Browser
  let env: Record<string, string>
  let base: string
  let scimToken: string
  const contexts: BrowserContext[] = []

  const scim = async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${base}/scim/v2${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${scimToken}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    assert.ok(res.ok, `${method} ${pathname}: ${res.status} ${text}`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : {}
  }
  const cli = async (...args: string[]) => {
    const r = await runCli(args, env)
    assert.equal(r.code, 0, `roster ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  /** A fresh browser context per person: SimpleSAMLphp would otherwise reuse the first one's IdP session. */
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext()
    contexts.push(context)
    return context.newPage()
  }
  const signInAtIdp = async (page: Page, username: string, password: string) => {
    await page.goto(`${base}/saml/e2e/login?returnTo=${encodeURIComponent('/api/me')}`)
    await page.waitForURL((u) => u.href.startsWith(idp.baseUrl))
    await page.fill('input[name="username"]', username)
    await page.fill('input[name="password"]', password)
    await Promise.all([page.waitForURL((u) => u.href.startsWith(base), { timeout: 30_000 }), page.click('#submit_button')])
  }
  const meOf = async (page: Page) => {
    const res = await page.request.get(`${base}/api/me`)
    return { status: res.status(), body: res.status() === 200 ? ((await res.json()) as Record<string, unknown>) : null }
  }

  before(async function () {
    skipWhenMissing(this)
    db = await freshServerDatabase()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    env = { DATABASE_URL: db.url, PUBLIC_URL: base, ENCRYPTION_KEY: randomBytes(32).toString('base64'), PORT: String(port), SYNC_WORKER: 'off' }
    idp = await startSimpleSamlPhp({
      users: [
        { username: 'alice', password: 'alicepass', attributes: { uid: ['alice'], email: ['alice@example.com'], givenName: ['Alice'] } },
        { username: 'bob', password: 'bobpass', attributes: { uid: ['bob'], email: ['bob@example.com'] } },
      ],
    })
    server = await startServer(env)
    await cli('tenant', 'create', 'e2e', '--source', 'local')
    scimToken = (await cli('token', 'create', '--tenant', 'e2e', '--name', 'e2e')).trim()

    // The three calls of docs/sso.md: import the IdP's metadata file, show, export our metadata.
    const dir = tempDir('roster-e2e-')
    const metadataFile = path.join(dir, 'idp-metadata.xml')
    fs.writeFileSync(metadataFile, await idp.metadataXml())
    await cli('saml', 'set', '--tenant', 'e2e', '--metadata', metadataFile)
    const shown = await cli('saml', 'show', '--tenant', 'e2e')
    assert.match(shown, new RegExp(`IdP entityID\\s+${idp.entityId.replace(/[.?]/g, '\\$&')}`))
    assert.match(shown, new RegExp(`SP ACS URL\\s+${base}/saml/e2e/acs`))
    const spMetadata = await cli('saml', 'show', '--tenant', 'e2e', '--metadata')
    const spCert = /<ds:X509Certificate>([^<]+)</.exec(spMetadata)![1]!
    // The IdP learns our SP from that metadata, signing certificate included: it then requires
    // and verifies signed AuthnRequests and LogoutRequests.
    await idp.setServiceProviders([
      {
        entityId: `${base}/saml/e2e/metadata`,
        acsUrl: `${base}/saml/e2e/acs`,
        sloUrl: `${base}/saml/e2e/slo`,
        signingCertPem: `-----BEGIN CERTIFICATE-----\n${spCert}\n-----END CERTIFICATE-----\n`,
      },
    ])

    await scim('POST', '/Users', { schemas: [USER], userName: 'alice@example.com', emails: [{ value: 'alice@example.com', primary: true }], active: true })
    await scim('POST', '/Users', { schemas: [USER], userName: 'bob@example.com', active: false })
    browser = await launchChromium()
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await idp?.stop()
    await db?.drop()
  })

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(`\n--- SimpleSAMLphp log ---\n${idp?.logs().slice(-4000)}\n--- Roster log ---\n${server?.stdout().slice(-4000)}\n`)
    }
  })

  it('signs alice in through the IdP form, shows her at /api/me, and signs her out through Single Logout', async () => {
    const page = await newPage()
    await signInAtIdp(page, 'alice', 'alicepass')
    assert.equal(new URL(page.url()).pathname, '/api/me')
    const me = await meOf(page)
    assert.equal(me.status, 200)
    assert.equal(me.body!.userName, 'alice@example.com')
    assert.equal((me.body!.session as { method: string }).method, 'saml')
    const cookies = await page.context().cookies(base)
    const session = cookies.find((c) => c.name === 'roster_session')!
    assert.equal(session.httpOnly, true)
    assert.equal(session.sameSite, 'Lax')

    // Sign out from the tenant page: Roster → IdP (signed LogoutRequest) → Roster (LogoutResponse).
    await page.goto(`${base}/login/e2e`)
    await page.getByText('signed in as').waitFor()
    await Promise.all([page.waitForURL(`${base}/login/e2e?signedOut=1`, { timeout: 30_000 }), page.click('button[type="submit"]')])
    await page.getByText('You have signed out.').waitFor()
    assert.equal((await meOf(page)).status, 401)
  })

  it('signs alice in to the web console through single sign-on, and out again from the console', async () => {
    await cli('role', 'assign', '--tenant', 'e2e', '--role', 'Viewer', '--user', 'alice@example.com')
    const page = await newPage()
    await page.goto(`${base}/admin?tenant=e2e`)
    await page.getByRole('button', { name: 'Continue to sign-in' }).click()
    await page.getByText('Sign in with single sign-on').click()
    await page.waitForURL((u) => u.href.startsWith(idp.baseUrl))
    await page.fill('input[name="username"]', 'alice')
    await page.fill('input[name="password"]', 'alicepass')
    await Promise.all([page.waitForURL(`${base}/admin`, { timeout: 30_000 }), page.click('#submit_button')])
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await page.getByRole('link', { name: 'alice@example.com', exact: true }).waitFor()
    // A viewer reads the list but is offered no way to create people.
    assert.equal(await page.getByRole('link', { name: 'New user' }).count(), 0)
    await Promise.all([page.waitForURL(`${base}/login/e2e?signedOut=1`, { timeout: 30_000 }), page.getByRole('button', { name: 'Sign out' }).click()])
    assert.equal((await meOf(page)).status, 401)
    await cli('role', 'unassign', '--tenant', 'e2e', '--role', 'Viewer', '--user', 'alice@example.com')
  })

  it('refuses bob, who is inactive, after the IdP vouched for him', async () => {
    const page = await newPage()
    await signInAtIdp(page, 'bob', 'bobpass')
    await page.getByText('You could not be signed in').waitFor()
    assert.equal((await meOf(page)).status, 401)
  })

  it('ends alice’s session at her next request once she is deactivated over SCIM', async () => {
    const page = await newPage()
    await signInAtIdp(page, 'alice', 'alicepass')
    const me = await meOf(page)
    assert.equal(me.status, 200)
    await scim('PATCH', `/Users/${String(me.body!.id)}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })
    assert.equal((await meOf(page)).status, 401)
    await page.goto(`${base}/login/e2e`)
    await page.getByText('Sign in with single sign-on').waitFor()
  })
})

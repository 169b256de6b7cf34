/**
 * The provisioning log in the console, end to end: Roster as a real process on a PostgreSQL
 * server, SCIM requests sent as an identity provider would (one that succeeds, one refused, one
 * with an attribute the tenant's schema lacks), then headless Chromium reads them on the
 * Provisioning page: filtered to failures, the failing entry opened, its reason readable in words.
 *
 * With ROSTER_SCREENSHOTS=<dir> (npm run screenshots) the entry is saved there as provisioning-log.png.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium } from '../services/chromium.mjs'
import { freshServerDatabase } from '../support/stores.js'
import { freePort, runCli, startServer, type ServerProcess } from '../support/process.js'
import { until } from '../support/wait.js'
import { DIALECT_RULES } from '../../src/scim/dialect-rules.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PAGE = '/admin/settings/scim/provisioning'
type Json = Record<string, unknown>

const shotsDir = process.env.ROSTER_SCREENSHOTS ? path.resolve(process.env.ROSTER_SCREENSHOTS) : null

describe('provisioning log end to end: SCIM requests read on the console’s Provisioning page', function () {
  this.timeout(180_000)
  let db: Awaited<ReturnType<typeof freshServerDatabase>>
  let server: ServerProcess
  let browser: Browser
  let env: Record<string, string>
  let base: string
  let adminPassword: string
  let scimToken: string
  let page: Page
  const contexts: BrowserContext[] = []

  const cli = async (...args: string[]) => {
    const r = await runCli(args, env)
    assert.equal(r.code, 0, `roster ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const scim = async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${base}/scim/v2${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${scimToken}`, 'Content-Type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} }
  }
  const shot = async (p: Page, name: string) => {
    if (!shotsDir) return
    fs.mkdirSync(shotsDir, { recursive: true })
    await p.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true })
  }
  const newPage = async () => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 820 } })
    contexts.push(c)
    const p = await c.newPage()
    p.on('pageerror', (e) => process.stderr.write(`[console page error] ${e.message}\n`))
    return p
  }
  const signIn = async (p: Page, tenant: string, userName: string, password: string) => {
    await p.goto(`${base}/admin`)
    await p.getByLabel('Tenant').fill(tenant)
    await p.getByRole('button', { name: 'Continue to sign-in' }).click()
    await p.waitForURL(new RegExp(`/login/${tenant}\\?`))
    await p.fill('input[name="username"]', userName)
    await p.fill('input[name="password"]', password)
    await Promise.all([p.waitForURL(/\/admin/), p.click('button[type="submit"]')])
  }
  const rows = (p: Page) => p.locator('main table.provisioning-table tbody tr')

  before(async function () {
    // Under CI=true test/run.mjs has already failed the run when Chromium is missing.
    if (process.env.CI !== 'true' && process.env.ROSTER_TEST_BROWSER_MISSING) this.skip()
    db = await freshServerDatabase()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    env = { DATABASE_URL: db.url, PUBLIC_URL: base, PORT: String(port), ENCRYPTION_KEY: randomBytes(32).toString('base64'), SYNC_WORKER: 'off', LOG_LEVEL: 'warn' }
    server = await startServer(env)
    adminPassword = /^Admin password: (\S+)$/m.exec(server.stdout())![1]!
    scimToken = /^SCIM token: (\S+)$/m.exec(server.stdout())![1]!

    // What an identity provider's first cycle could send: a user created, the same user created
    // again (refused: the userName is taken), and a user with a misspelt attribute (kept, the
    // attribute ignored in the tenant's default lenient mode, and Entra's "True" for a boolean).
    const ann = { schemas: [USER], userName: 'ann.lee', name: { givenName: 'Ann', familyName: 'Lee' }, active: true }
    assert.equal((await scim('POST', '/Users', ann)).status, 201)
    const again = await scim('POST', '/Users', ann)
    assert.equal(again.status, 409, JSON.stringify(again.body))
    const bo = await scim('POST', '/Users', { schemas: [USER], userName: 'bo.chen', active: 'True', adreses: [{ streetAddress: '1 Main St' }] })
    assert.equal(bo.status, 201, JSON.stringify(bo.body))

    browser = await launchChromium()
    page = await newPage()
    await signIn(page, 'default', 'admin', adminPassword)
    // The log is written in batches after the answers: wait until the three are readable.
    await until('the provisioning log holds the three requests', 30_000, async () => {
      const res = await page.request.get(`${base}/api/provisioning-log?q=%2FUsers`)
      return res.ok() && ((await res.json()) as { items: Json[] }).items.filter((e) => e.method === 'POST').length >= 3
    })
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await db?.drop()
  })

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      if (page) {
        const file = path.join(fs.mkdtempSync('/tmp/roster-provisioning-failure-'), 'page.png')
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined)
        process.stderr.write(`\n--- failure screenshot: ${file}\n`)
      }
      process.stderr.write(`\n--- Roster log ---\n${server?.stderr().slice(-3000)}\n`)
    }
  })

  it('is linked from the SCIM settings and lists the requests newest first', async () => {
    await page.goto(`${base}/admin/settings/scim`)
    await page.getByRole('link', { name: 'Provisioning log' }).first().click()
    await page.waitForURL(`${base}${PAGE}`)
    await page.getByRole('heading', { level: 2, name: 'Provisioning log' }).waitFor()
    // Newest first: bo.chen's create, the refused second create of ann.lee, then ann.lee's create.
    await page.waitForFunction(() => document.querySelectorAll('main table.provisioning-table tbody tr').length >= 3)
    const texts = await rows(page).allInnerTexts()
    const posts = texts.filter((t) => /POST\s+\/scim\/v2\/Users|POST\s+\/Users/.test(t))
    assert.equal(posts.length, 3, texts.join('\n'))
    assert.match(posts[0]!, /201 succeeded/)
    assert.match(posts[1]!, /409 failed/)
    assert.match(posts[2]!, /201 succeeded/)
  })

  it('filters to failures, opens the failed request and says why it failed without JSON', async () => {
    await page.getByLabel('Outcome').selectOption('failed')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.waitForURL(/status=failed/)
    await page.waitForFunction(() => {
      const r = [...document.querySelectorAll('main table.provisioning-table tbody tr')]
      return r.length === 1 && r[0]!.textContent!.includes('409')
    })
    await rows(page).first().locator('td').last().getByRole('link').click()
    await page.waitForURL(/entry=/)
    const why = page.getByRole('group', { name: 'Why it failed' })
    await why.waitFor()
    const reason = await why.innerText()
    assert.match(reason, /userName/, reason)
    assert.match(reason, /already taken/, reason)
    // The bodies are there, but folded: the reason comes first.
    const request = page.locator('details.prov-body').first()
    assert.equal(await request.getAttribute('open'), null)
    await request.locator('summary').click()
    assert.match(await request.locator('pre').innerText(), /"userName": "ann.lee"/)
    await shot(page, 'provisioning-log')
    // Back to the filtered list.
    await page.getByRole('link', { name: '← Provisioning log' }).click()
    await page.waitForURL((u) => u.searchParams.get('status') === 'failed' && !u.searchParams.has('entry'))
  })

  it('says which attribute it ignored, and which dialect rule it applied, in words', async () => {
    await page.goto(`${base}${PAGE}?q=bo.chen`)
    await rows(page).first().waitFor()
    await rows(page).first().locator('td').last().getByRole('link').click()
    const note = page.locator('ul.prov-notes li.note-ignored')
    await note.first().waitFor()
    assert.match(await note.first().innerText(), /adreses is not an attribute of this tenant’s schema/)
    // The rule's sentence comes from the server's catalogue, through the API.
    const dialect = page.locator('ul.prov-notes li', { hasText: 'rule boolean-string' })
    await dialect.first().waitFor()
    assert.ok((await dialect.first().innerText()).includes(DIALECT_RULES['boolean-string']))
    assert.equal(await page.getByRole('group', { name: 'Why it failed' }).count(), 0)
    // The user was created: the change is a before/after table.
    const diff = page.locator('.prov-change table.audit-diff')
    await diff.first().waitFor()
    assert.match(await diff.first().innerText(), /bo\.chen/)
  })

  it('pages back to older requests by cursor', async () => {
    // An IdP's matching queries: enough of them to fill the page of 50 and push the creates back.
    const reads = await Promise.all(Array.from({ length: 50 }, () => scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ann.lee"')}`)))
    assert.ok(reads.every((r) => r.status === 200))
    let total = 0
    await until('the log holds the 50 reads too', 30_000, async () => {
      const res = await page.request.get(`${base}/api/provisioning-log?limit=200`)
      total = ((await res.json()) as { items: Json[] }).items.length
      return total >= 53
    })
    await page.goto(`${base}${PAGE}`)
    await page.waitForFunction(() => document.querySelectorAll('main table.provisioning-table tbody tr').length === 50)
    assert.match(await rows(page).first().innerText(), /GET/)
    await page.getByRole('button', { name: 'Older' }).click()
    await page.waitForFunction((n) => document.querySelectorAll('main table.provisioning-table tbody tr').length === n, total - 50)
    assert.match(await rows(page).last().innerText(), /Created user ann\.lee/)
    assert.equal(await page.getByRole('button', { name: 'Older' }).isDisabled(), true)
    await page.getByRole('button', { name: 'Newest' }).click()
    await page.waitForFunction(() => document.querySelectorAll('main table.provisioning-table tbody tr').length === 50)
  })

  it('says when the tenant turned the log off, and still shows what it kept', async () => {
    await cli('tenant', 'update', 'default', '--provisioning-log', 'off')
    try {
      // The page knows from the list's `enabled` (src/admin/provisioning-api.ts).
      const listed = (await (await page.request.get(`${base}/api/provisioning-log?limit=1`)).json()) as Json
      assert.equal(listed.enabled, false, 'GET /api/provisioning-log says whether the tenant records its requests (`enabled`)')
      await page.goto(`${base}${PAGE}`)
      const note = page.getByRole('note').filter({ hasText: 'The provisioning log is off' })
      await note.waitFor()
      assert.match(await note.innerText(), /roster tenant update default --provisioning-log on/)
      assert.ok((await rows(page).count()) >= 3, 'the entries recorded before stay listed')
    } finally {
      await cli('tenant', 'update', 'default', '--provisioning-log', 'on')
    }
  })

  it('works for a Viewer (audit.view without settings.manage)', async () => {
    const password = (await cli('admin', 'create', '--tenant', 'default', '--username', 'vera')).trim()
    await cli('role', 'assign', '--tenant', 'default', '--role', 'Viewer', '--user', 'vera')
    await cli('role', 'unassign', '--tenant', 'default', '--role', 'Administrator', '--user', 'vera')
    const p = await newPage()
    await signIn(p, 'default', 'vera', password)
    await p.goto(`${base}${PAGE}?status=failed`)
    await p.waitForFunction(() => document.querySelectorAll('main table.provisioning-table tbody tr').length === 1)
    assert.equal(await p.getByRole('navigation', { name: 'Settings sections' }).getByRole('link').count(), 1, 'only the log among the settings')
  })
})

/**
 * The console's user list and audit log end to end (issue 17): Roster as a real process on a
 * PostgreSQL server, a tenant of 261 active users provisioned over SCIM, headless Chromium.
 * - Switching views never shows a false empty state or another view's rows as its own: the API is
 *   held back by route interception, so the in-between state is looked at, not raced.
 * - An answer that arrives after a newer one is never shown.
 * - The page (cursor), view, sort and search are in the URL: Back from a user opened on page 3
 *   shows page 3; Last and "go to" jump by keyset.
 * - Counts read the same on every view, exact; the external id is searchable.
 * - The audit log names its targets and links them.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { launchChromium } from '../services/chromium.mjs'
import { freshServerDatabase } from '../support/stores.js'
import { freePort, startServer, type ServerProcess } from '../support/process.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
const PEOPLE = 260
const IDLE = 5
type Json = Record<string, unknown>
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

/** A gate: requests matching it wait until opened. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

describe('console user list and audit names end to end: views, paging in the URL, counts, search, names', function () {
  this.timeout(180_000)
  let db: Awaited<ReturnType<typeof freshServerDatabase>>
  let server: ServerProcess
  let browser: Browser
  let base: string
  let adminPassword: string
  let scimToken: string
  let page: Page
  const contexts: BrowserContext[] = []

  const ok = async (method: string, pathname: string, body?: unknown) => {
    const res = await page.request.fetch(`${base}/api${pathname}`, { method, headers: { 'Content-Type': 'application/json' }, data: method === 'GET' ? undefined : JSON.stringify(body ?? {}) })
    const text = await res.text()
    assert.ok(res.status() < 300, `${method} ${pathname}: ${res.status()} ${text}`)
    return (text ? JSON.parse(text) : {}) as Json
  }
  const firstRow = () => page.locator('main table.users-table tbody tr').first().locator('a').first()
  const waitFirstRow = (userName: string) =>
    page.waitForFunction((w) => document.querySelector('main table.users-table tbody tr a')?.textContent?.trim() === w && !document.querySelector('.list-body.stale'), userName)
  const usersRequest = (view: string) => (url: URL) => url.pathname === '/api/users' && url.searchParams.get('view') === view

  before(async function () {
    if (process.env.CI !== 'true' && process.env.ROSTER_TEST_BROWSER_MISSING) this.skip()
    db = await freshServerDatabase()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const env = { DATABASE_URL: db.url, PUBLIC_URL: base, PORT: String(port), ENCRYPTION_KEY: randomBytes(32).toString('base64'), SYNC_WORKER: 'off', LOG_LEVEL: 'warn' }
    server = await startServer(env)
    adminPassword = /^Admin password: (\S+)$/m.exec(server.stdout())![1]!
    scimToken = /^SCIM token: (\S+)$/m.exec(server.stdout())![1]!

    // user000…user259 (active, each with an HR id IMS-00000…) and idle0…idle4 (inactive).
    const Operations = [
      ...Array.from({ length: PEOPLE }, (_, i) => {
        const n = String(i).padStart(3, '0')
        return { method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER], userName: `user${n}`, externalId: `IMS-${String(i).padStart(5, '0')}`, name: { givenName: `Given${n}`, familyName: 'Person' }, active: true } }
      }),
      ...Array.from({ length: IDLE }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `i${i}`, data: { schemas: [USER], userName: `idle${i}`, active: false } })),
    ]
    const res = await fetch(`${base}/scim/v2/Bulk`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${scimToken}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [BULK], Operations }),
    })
    assert.equal(res.status, 200, await res.text())

    browser = await launchChromium()
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    contexts.push(c)
    page = await c.newPage()
    page.on('pageerror', (e) => process.stderr.write(`[console page error] ${e.message}\n`))
    await page.goto(`${base}/admin`)
    await page.getByLabel('Tenant').fill('default')
    await page.getByRole('button', { name: 'Continue to sign-in' }).click()
    await page.waitForURL(/\/login\/default\?/)
    await page.fill('input[name="username"]', 'admin')
    await page.fill('input[name="password"]', adminPassword)
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')])
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await db?.drop()
  })

  afterEach(async function () {
    await page?.unrouteAll({ behavior: 'ignoreErrors' }).catch(() => undefined)
    if (this.currentTest?.state === 'failed') {
      if (page) {
        const file = path.join(fs.mkdtempSync('/tmp/roster-user-list-failure-'), 'page.png')
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined)
        process.stderr.write(`\n--- failure screenshot: ${file}\n`)
      }
      process.stderr.write(`\n--- Roster log ---\n${server?.stderr().slice(-3000)}\n`)
    }
  })

  it('Archived → Active while Active loads: a placeholder, never "No active users"', async () => {
    await page.goto(`${base}/admin/users?view=archived`)
    await page.getByText('No archived users').waitFor()
    const held = gate()
    await page.route(usersRequest('active'), async (route: Route) => {
      await held.opened
      await route.continue()
    })
    const asked = page.waitForRequest((r) => usersRequest('active')(new URL(r.url())))
    await page.getByRole('tab', { name: 'Active', exact: true }).click()
    await asked
    // The Active answer is held back: whatever shows now is the in-between state.
    await page.getByRole('status').filter({ hasText: 'Loading users…' }).waitFor()
    assert.equal(await page.getByText('No active users').count(), 0)
    assert.equal(await page.getByText('No archived users').count(), 0)
    held.open()
    await waitFirstRow('admin')
    assert.equal(await page.getByText('No active users').count(), 0)
  })

  it('Active → Inactive while Inactive loads: the active rows stay greyed and busy, then the inactive ones replace them', async () => {
    await page.goto(`${base}/admin/users`)
    await waitFirstRow('admin')
    const held = gate()
    await page.route(usersRequest('inactive'), async (route: Route) => {
      await held.opened
      await route.continue()
    })
    const asked = page.waitForRequest((r) => usersRequest('inactive')(new URL(r.url())))
    await page.getByRole('tab', { name: 'Inactive' }).click()
    await asked
    assert.equal(await page.getByRole('tab', { name: 'Inactive' }).getAttribute('aria-selected'), 'true')
    // The rows still on screen are the Active view's: marked busy and stale (greyed, inert).
    await page.locator('.list-body.stale table.users-table[aria-busy="true"]').waitFor()
    assert.equal(await page.locator('.list-body.stale').getAttribute('inert'), '')
    held.open()
    await waitFirstRow('idle0')
    assert.equal(await page.locator('main table.users-table tbody tr').count(), IDLE)
  })

  it('never shows an answer that arrives after a newer one', async () => {
    await page.goto(`${base}/admin/users`)
    await waitFirstRow('admin')
    const held = gate()
    await page.route(usersRequest('inactive'), async (route: Route) => {
      await held.opened
      await route.continue()
    })
    const asked = page.waitForRequest((r) => usersRequest('inactive')(new URL(r.url())))
    await page.getByRole('tab', { name: 'Inactive' }).click()
    await asked
    await page.getByRole('tab', { name: 'Archived' }).click()
    await page.getByText('No archived users').waitFor()
    // Now the older request (Inactive) answers.
    const late = page.waitForResponse((r) => usersRequest('inactive')(new URL(r.url())))
    held.open()
    await (await late).finished()
    // Let the page take the answer in (two frames), then it must still be the Archived view.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
    await page.getByText('No archived users').waitFor()
    assert.equal(await page.locator('main table.users-table').count(), 0)
    assert.equal(await page.getByRole('tab', { name: 'Archived' }).getAttribute('aria-selected'), 'true')
  })

  it('counts exactly, in the same words on every view', async () => {
    await page.goto(`${base}/admin/users`)
    const count = page.locator('nav.pager .count')
    await count.getByText(`${(PEOPLE + 1).toLocaleString('en')} users`).waitFor()
    assert.doesNotMatch(await count.innerText(), /about|more than/)
    await page.getByRole('tab', { name: 'Inactive' }).click()
    await count.getByText(`${IDLE} users`).waitFor()
    assert.doesNotMatch(await count.innerText(), /about|more than/)
  })

  it('keeps the page in the URL: Back from a user opened on page 3 shows page 3, as does a reload', async () => {
    await page.goto(`${base}/admin/users`)
    await waitFirstRow('admin')
    await page.getByRole('button', { name: 'Next' }).click()
    await waitFirstRow('user049')
    await page.getByRole('button', { name: 'Next' }).click()
    // admin, user000… : page 3 starts at the 101st user.
    await waitFirstRow('user099')
    await page.locator('nav.pager .count').getByText('page 3 of 6').waitFor()
    const url = new URL(page.url())
    assert.ok(url.searchParams.get('cursor'), url.href)
    assert.equal(url.searchParams.get('page'), '3')

    await page.getByRole('link', { name: 'user120', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'user120' }).waitFor()
    await page.goBack()
    await waitFirstRow('user099')
    await page.locator('nav.pager .count').getByText('page 3 of 6').waitFor()
    await page.reload()
    await waitFirstRow('user099')
    await page.getByRole('button', { name: 'Previous' }).click()
    await waitFirstRow('user049')
    await page.locator('nav.pager .count').getByText('page 2 of 6').waitFor()
  })

  it('jumps to the last page and to a name, by keyset', async () => {
    const requests: URL[] = []
    page.on('request', (r) => {
      const u = new URL(r.url())
      if (u.pathname === '/api/users') requests.push(u)
    })
    await page.goto(`${base}/admin/users`)
    await waitFirstRow('admin')
    await page.getByRole('button', { name: 'Last', exact: true }).click()
    // 261 users: five whole pages, and the last page holds the 11 left over.
    await waitFirstRow('user249')
    assert.equal(await page.locator('main table.users-table tbody tr').count(), 11)
    assert.equal(await page.locator('main table.users-table tbody tr').last().locator('a').first().innerText(), 'user259')
    assert.ok(await page.getByRole('button', { name: 'Next' }).isDisabled())
    await page.locator('nav.pager .count').getByText('page 6 of 6').waitFor()
    assert.ok(requests.some((u) => u.searchParams.get('last') === 'true' && !u.searchParams.has('offset')))
    await page.getByRole('button', { name: 'Previous' }).click()
    await waitFirstRow('user199')
    await page.locator('nav.pager .count').getByText('page 5 of 6').waitFor()

    await page.getByLabel('Go to username').fill('user2')
    await page.getByRole('button', { name: 'Go', exact: true }).click()
    await waitFirstRow('user200')
    assert.equal(new URL(page.url()).searchParams.get('from'), 'user2')
    await page.getByRole('button', { name: 'Previous' }).click()
    await waitFirstRow('user150')
  })

  it('finds a user by external id', async () => {
    await page.goto(`${base}/admin/users`)
    await waitFirstRow('admin')
    await page.getByLabel('Search users').fill('IMS-00042')
    await page.waitForFunction(() => document.querySelectorAll('main table.users-table tbody tr').length === 1 && !document.querySelector('.list-body.stale'))
    assert.equal(await firstRow().innerText(), 'user042')
    assert.equal(new URL(page.url()).searchParams.get('q'), 'IMS-00042')
  })

  it('names the audit log’s targets, linked to their pages, with no bare ids', async () => {
    const people = (await ok('GET', '/users?q=user042')).items as Json[]
    const user = people.find((u) => u.userName === 'user042')!
    const owner = ((await ok('GET', '/users?q=user043')).items as Json[]).find((u) => u.userName === 'user043')!
    await ok('POST', `/users/${user.id}/deactivate`)
    await ok('POST', `/users/${user.id}/activate`)
    await ok('POST', `/users/${user.id}/roles`, { role: 'Viewer' })
    await ok('PUT', `/users/${user.id}/api-access`, { enabled: true })
    await ok('PUT', `/users/${user.id}/api-password`, { password: 'generate' })
    await ok('POST', `/users/${user.id}/tokens`, { name: 'script', permissions: ['users.view'] })
    const group = await ok('POST', '/groups', { displayName: 'Night shift', ownerId: owner.id })
    await ok('PATCH', `/groups/${group.id}`, { ownerId: user.id })

    await page.goto(`${base}/admin/audit`)
    const rows = page.locator('main table.audit-table tbody tr')
    await rows.first().waitFor()
    const rowOf = (action: string) => rows.filter({ has: page.locator('code', { hasText: new RegExp(`^${action.replace('.', '\\.')}$`) }) }).first()
    for (const action of ['user.activate', 'user.deactivate', 'role.assign', 'user.api-password', 'personal-token.create']) {
      const target = rowOf(action).locator('td').nth(3)
      const link = target.getByRole('link', { name: 'user042', exact: true })
      await link.waitFor()
      assert.equal(await link.getAttribute('href'), `/admin/users/${user.id}`, action)
      assert.doesNotMatch(await target.innerText(), UUID, `${action}: ${await target.innerText()}`)
    }
    const ownerCell = rowOf('group.owner').locator('td').nth(3)
    assert.equal(await ownerCell.getByRole('link', { name: 'Night shift' }).getAttribute('href'), `/admin/groups/${group.id}`)
    await ownerCell.getByRole('link', { name: 'user043' }).waitFor()
    await ownerCell.getByRole('link', { name: 'user042' }).waitFor()
    assert.doesNotMatch(await ownerCell.innerText(), UUID)
    const signIn = rowOf('session.sign-in').locator('td').nth(3)
    await signIn.getByRole('link', { name: 'admin', exact: true }).waitFor()
    // The actor is named and linked too.
    await rowOf('user.activate').locator('td').nth(1).getByRole('link', { name: 'admin', exact: true }).waitFor()

    // The names lead to the pages.
    await rowOf('user.activate').locator('td').nth(3).getByRole('link', { name: 'user042' }).click()
    await page.getByRole('heading', { level: 1, name: 'user042' }).waitFor()
  })
})

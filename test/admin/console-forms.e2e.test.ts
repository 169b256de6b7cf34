/**
 * The console's forms and finish, end to end (Roster as a real process on PostgreSQL, headless
 * Chromium): editing a custom role, a typed API password checked by the policy as it is typed,
 * errors in the form's words under their field, and the cosmetic points of the first hour (no 401
 * before sign-in, one look for the sign-in pages, the SCIM base URL whole, tables without a stray
 * line, a heading that matches its field).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../services/chromium.mjs'
import { freshServerDatabase } from '../support/stores.js'
import { freePort, startServer, type ServerProcess } from '../support/process.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('web console forms end to end: Roster + headless Chromium', function () {
  this.timeout(180_000)
  let db: Awaited<ReturnType<typeof freshServerDatabase>>
  let server: ServerProcess
  let browser: Browser
  let base: string
  let adminPassword: string
  let page: Page
  /** Every /api answer the browser got, for the "nothing failed" checks. */
  const answers: Array<{ url: string; status: number }> = []
  const consoleErrors: string[] = []

  const api = async (method: string, pathname: string, body?: unknown) => {
    const res = await page.request.fetch(`${base}/api${pathname}`, { method, headers: { 'Content-Type': 'application/json' }, data: method === 'GET' ? undefined : JSON.stringify(body ?? {}) })
    const text = await res.text()
    return { status: res.status(), body: text ? (JSON.parse(text) as Json) : {} }
  }
  const ok = async (method: string, pathname: string, body?: unknown) => {
    const r = await api(method, pathname, body)
    assert.ok(r.status < 300, `${method} ${pathname}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  const dialog = () => page.locator('dialog[open]')
  /** The text under the field labelled `label` (its error), waited for. */
  const fieldError = async (id: string) => {
    const error = page.locator(`#${id}-error`)
    await error.waitFor()
    return (await error.innerText()).trim()
  }

  before(async function () {
    if (process.env.CI !== 'true' && process.env.ROSTER_TEST_BROWSER_MISSING) this.skip()
    db = await freshServerDatabase()
    const port = await freePort()
    base = `http://localhost:${port}`
    server = await startServer({ DATABASE_URL: db.url, PUBLIC_URL: base, PORT: String(port), ENCRYPTION_KEY: randomBytes(32).toString('base64'), SYNC_WORKER: 'off', LOG_LEVEL: 'warn' })
    adminPassword = /^Admin password: (\S+)$/m.exec(server.stdout())![1]!
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } })
    page = await context.newPage()
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`))
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()))
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) answers.push({ url: r.url(), status: r.status() })
    })
  })

  after(async () => {
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await db?.drop()
  })

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const file = path.join(fs.mkdtempSync('/tmp/roster-console-forms-failure-'), 'page.png')
      await page?.screenshot({ path: file, fullPage: true }).catch(() => undefined)
      process.stderr.write(`\n--- failure screenshot: ${file}\n--- Roster log ---\n${server?.stderr().slice(-3000)}\n`)
    }
  })

  it('shows the sign-in screen without a failed API call, and the tenant sign-in page in the console’s own style', async () => {
    await page.goto(`${base}/admin`)
    await page.getByLabel('Tenant').waitFor()
    assert.deepEqual(answers.filter((a) => a.status >= 400), [], 'no API call fails before sign-in')
    assert.ok(answers.some((a) => a.url.endsWith('/api/session') && a.status === 200))
    assert.ok(!answers.some((a) => a.url.endsWith('/api/me')), 'the sign-in screen does not ask who is signed in')
    assert.deepEqual(consoleErrors, [])
    const consoleLook = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector('main.sign-in button.primary')!)
      return { background: s.backgroundColor, font: s.fontFamily }
    })

    await page.getByLabel('Tenant').fill('default')
    await page.getByRole('button', { name: 'Continue to sign-in' }).click()
    await page.waitForURL(/\/login\/default\?/)
    const loginLook = await page.evaluate(() => {
      const s = getComputedStyle(document.querySelector('main.sign-in button[type="submit"]')!)
      return { background: s.backgroundColor, font: s.fontFamily, sheet: [...document.styleSheets].map((x) => x.href) }
    })
    assert.deepEqual(loginLook.sheet, [`${base}/admin/assets/console.css`])
    assert.deepEqual({ background: loginLook.background, font: loginLook.font }, consoleLook)
    assert.deepEqual(consoleErrors, [], 'the stylesheet is allowed by the page’s CSP')

    await page.fill('input[name="username"]', 'admin')
    await page.fill('input[name="password"]', adminPassword)
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type="submit"]')])
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
  })

  it('edits a custom role in a dialog; its holder has the new permissions at once; clashes are said under the name', async () => {
    await ok('POST', '/roles', { name: 'Helpdesk', description: 'First line', permissions: ['users.view'] })
    await ok('POST', '/roles', { name: 'Auditors', permissions: ['audit.view'] })
    const ann = await ok('POST', '/users', { firstName: 'Ann', lastName: 'Example', userName: 'ann', email: 'ann@example.com', password: null, roles: ['Helpdesk'] })
    await page.goto(`${base}/admin/roles`)
    await page.getByRole('button', { name: 'Edit Helpdesk' }).click()
    const d = dialog()
    await d.getByRole('heading', { name: 'Edit the role Helpdesk' }).waitFor()
    assert.equal(await d.getByLabel('Role name').inputValue(), 'Helpdesk')
    assert.equal(await d.locator('#edit-role-perm-users-view').isChecked(), true)

    await d.getByLabel('Role name').fill('Viewer')
    await d.getByRole('button', { name: 'Save role' }).click()
    assert.match(await fieldError('edit-role-name'), /^Role name: "Viewer" is the name of a built-in role/)
    await d.getByLabel('Role name').fill('auditors')
    await d.getByRole('button', { name: 'Save role' }).click()
    await page.waitForFunction(() => /already in use/.test(document.querySelector('#edit-role-name-error')?.textContent ?? ''))
    assert.equal(await fieldError('edit-role-name'), 'This role name is already in use in this tenant: choose another.')
    assert.equal(await d.getByLabel('Role name').getAttribute('aria-invalid'), 'true')

    await d.getByLabel('Role name').fill('Service desk')
    await d.locator('#edit-role-perm-users-edit').check()
    await d.getByRole('button', { name: 'Save role' }).click()
    await d.waitFor({ state: 'detached' })
    await page.getByRole('rowheader', { name: 'Service desk' }).waitFor()
    assert.deepEqual((await ok('GET', `/users/${ann.id}`)).permissions, ['users.edit', 'users.view'])
    const event = ((await ok('GET', '/audit?action=role.update')).items as Json[])[0]!
    assert.deepEqual([event.before.name, event.after.name, event.after.permissions], ['Helpdesk', 'Service desk', ['users.edit', 'users.view']])
    // Built-in roles offer no Edit.
    assert.equal(await page.getByRole('button', { name: 'Edit Viewer' }).count(), 0)
  })

  it('has no stray line under the last row of a table', async () => {
    await page.goto(`${base}/admin/roles`)
    await page.getByRole('rowheader', { name: 'Service desk' }).waitFor()
    const widths = await page.evaluate(() => [...document.querySelectorAll('table.roles-table tbody tr:last-child > *')].map((c) => getComputedStyle(c).borderBottomWidth))
    assert.ok(widths.length > 1)
    assert.deepEqual(new Set(widths), new Set(['0px']), `every cell of the last row, the row header included: ${widths.join(' ')}`)
  })

  it('sets a typed API password, checked against the policy rule by rule as it is typed, or generates one', async () => {
    await page.goto(`${base}/admin/tokens`)
    const box = page.locator('section.api-password')
    await box.getByText('Enter a password manually or select Auto-Generate.').waitFor()
    await box.getByLabel('Enter a password manually').check()
    const rule = (id: string) => box.locator(`.policy-checks [data-rule="${id}"]`).getAttribute('class')
    const submit = box.getByRole('button', { name: 'Set API password' })
    await box.getByLabel('Password', { exact: true }).fill('short')
    assert.equal(await rule('min'), 'unmet')
    assert.equal(await rule('match'), 'unmet')
    assert.equal(await submit.isDisabled(), true)
    const typed = 'a typed API password 1'
    await box.getByLabel('Password', { exact: true }).fill(typed)
    await box.getByLabel('Type it again').fill(typed)
    assert.deepEqual([await rule('min'), await rule('max'), await rule('match')], ['met', 'met', 'met'])
    await submit.click()
    await page.getByText('API password set.').waitFor()
    const auth = `Basic ${Buffer.from(`default/admin:${typed}`).toString('base64')}`
    const me = await fetch(`${base}/api/me`, { headers: { Authorization: auth } })
    assert.equal(me.status, 200)

    // Auto-Generate replaces it, after asking, and shows the new one once.
    await box.getByLabel('Auto-Generate').check()
    await box.getByRole('button', { name: 'Generate API password' }).click()
    await dialog().getByRole('button', { name: 'Generate API password' }).click()
    const secret = await box.locator('.secret-once input').inputValue()
    assert.match(secret, /^[A-Za-z0-9_-]{24}$/)
    assert.equal((await fetch(`${base}/api/me`, { headers: { Authorization: auth } })).status, 401)
  })

  it('says form errors in the form’s words, under their field: a real email address, a user name taken', async () => {
    await page.goto(`${base}/admin/users/new`)
    await page.getByLabel('First name').fill('Bob')
    await page.getByLabel('Last name').fill('Example')
    await page.getByLabel('Username').fill('ann')
    await page.getByLabel('Email').fill('bob@x')
    await page.getByRole('button', { name: 'Create user' }).click()
    const email = await fieldError('new-user-email')
    assert.equal(email, 'Enter email as an email address, such as name@example.com.')
    await page.getByLabel('Email').fill('bob@example.com')
    await page.getByRole('button', { name: 'Create user' }).click()
    await page.waitForFunction(() => /already in use/.test(document.querySelector('#new-user-userName-error')?.textContent ?? ''))
    assert.equal(await fieldError('new-user-userName'), 'This username is already in use in this tenant: choose another.')
    const everything = await page.locator('main').innerText()
    assert.doesNotMatch(everything, /must NOT|userName|firstName|is already taken in this tenant/)
  })

  it('shows the SCIM base URL whole (overview card and SCIM page, wide and phone), and a group’s "Add members" heading above a field that says what it does', async () => {
    for (const width of [1280, 1024, 390]) {
      await page.setViewportSize({ width, height: 820 })
      for (const screen of ['/admin/settings', '/admin/settings/scim']) {
        await page.goto(`${base}${screen}`)
        const url = page.getByLabel('SCIM base URL').first()
        await url.waitFor()
        assert.equal(await url.inputValue(), `${base}/scim/v2`)
        const fits = await url.evaluate((el: HTMLInputElement) => ({ scroll: el.scrollWidth, client: el.clientWidth }))
        assert.ok(fits.scroll <= fits.client, `${screen} at ${width} px shows the whole URL: ${JSON.stringify(fits)}`)
      }
    }
    await page.setViewportSize({ width: 1280, height: 820 })

    const group = await ok('POST', '/groups', { displayName: 'Support' })
    await page.goto(`${base}/admin/groups/${group.id}`)
    await page.getByRole('heading', { name: 'Add members' }).waitFor()
    assert.equal(await page.getByLabel('Add member', { exact: true }).count(), 0)
    await page.getByLabel('Find users or groups to add').waitFor()
  })
})

/**
 * The web console end to end: Roster as a real process (`npm start`'s command) on a PostgreSQL
 * server, a tenant of a few thousand users, headless Chromium (Debian's) driven by playwright-core,
 * and a real OpenLDAP directory for the directory-managed tenant. Everything the admin does goes
 * through the console's screens; the API is only used to check what the screens did and to prepare
 * what another admin would have done meanwhile.
 *
 * With ROSTER_SCREENSHOTS=<dir> (npm run screenshots) the main screens are saved there.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { launchChromium } from '../services/chromium.mjs'
import { openLdapServer } from '../support/directories.js'
import { freshServerDatabase } from '../support/stores.js'
import { freePort, runCli, startServer, type ServerProcess } from '../support/process.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
const PEOPLE = 3000
type Json = Record<string, unknown>

const shotsDir = process.env.ROSTER_SCREENSHOTS ? path.resolve(process.env.ROSTER_SCREENSHOTS) : null

describe('web console end to end: Roster + headless Chromium', function () {
  this.timeout(180_000)
  let db: Awaited<ReturnType<typeof freshServerDatabase>>
  let server: ServerProcess
  let browser: Browser
  let env: Record<string, string>
  let base: string
  let adminPassword: string
  let scimToken: string
  let context: BrowserContext
  let page: Page
  const contexts: BrowserContext[] = []

  const cli = async (...args: string[]) => {
    const r = await runCli(args, env)
    assert.equal(r.code, 0, `roster ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  /** The admin API with the browser's own session cookie: what another tab of the same admin would do. */
  const api = async (p: Page, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await p.request.fetch(`${base}/api${pathname}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      data: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
    })
    const text = await res.text()
    return { status: res.status(), body: text ? (JSON.parse(text) as Json) : {}, headers: res.headers() }
  }
  const ok = async (p: Page, method: string, pathname: string, body?: unknown) => {
    const r = await api(p, method, pathname, body)
    assert.ok(r.status < 300, `${method} ${pathname}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }
  const shot = async (p: Page, name: string, fullPage = false) => {
    if (!shotsDir) return
    fs.mkdirSync(shotsDir, { recursive: true })
    await p.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage })
  }
  const newPage = async (viewport = { width: 1280, height: 820 }) => {
    const c = await browser.newContext({ viewport })
    contexts.push(c)
    const p = await c.newPage()
    p.on('pageerror', (e) => process.stderr.write(`[console page error] ${e.message}\n`))
    return { c, p }
  }
  const signIn = async (p: Page, tenant: string, userName: string, password: string) => {
    await p.goto(`${base}/admin`)
    await p.getByLabel('Tenant').fill(tenant)
    await p.getByRole('button', { name: 'Continue to sign-in' }).click()
    await p.waitForURL(new RegExp(`/login/${tenant}\\?`))
    await p.fill('input[name="username"]', userName)
    await p.fill('input[name="password"]', password)
    await Promise.all([p.waitForURL(`${base}/admin`), p.click('button[type="submit"]')])
  }
  const firstRowUserName = (p: Page) => p.locator('main table tbody tr').first().locator('a').first().innerText()
  /** Open a user's page from the list by searching for it, as an admin would. */
  const openUser = async (p: Page, userName: string) => {
    await p.goto(`${base}/admin/users`)
    await p.getByLabel('Search users').fill(userName)
    await p.getByRole('link', { name: userName, exact: true }).click()
    await p.getByRole('heading', { level: 1, name: userName }).waitFor()
  }
  const userByName = async (p: Page, userName: string) => {
    const list = await ok(p, 'GET', `/users?q=${encodeURIComponent(userName)}&view=active`)
    const hit = (list.items as Json[]).find((u) => u.userName === userName)
    if (hit) return hit
    for (const view of ['inactive', 'archived']) {
      const other = await ok(p, 'GET', `/users?q=${encodeURIComponent(userName)}&view=${view}`)
      const found = (other.items as Json[]).find((u) => u.userName === userName)
      if (found) return found
    }
    return null
  }
  const dialog = (p: Page) => p.locator('dialog[open]')

  before(async function () {
    // Under CI=true test/run.mjs has already failed the run when Chromium is missing.
    if (process.env.CI !== 'true' && process.env.ROSTER_TEST_BROWSER_MISSING) this.skip()
    db = await freshServerDatabase()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    env = { DATABASE_URL: db.url, PUBLIC_URL: base, PORT: String(port), ENCRYPTION_KEY: randomBytes(32).toString('base64'), SYNC_WORKER: 'off', LOG_LEVEL: 'warn' }
    // The first start prints where the console is and its administrator, once, in the banner
    // startServer waits for.
    server = await startServer(env)
    const out = server.stdout()
    assert.match(out, /^Admin console: http:\/\/127\.0\.0\.1:\d+\/admin$/m)
    assert.match(out, /^Admin user: admin$/m)
    adminPassword = /^Admin password: (\S+)$/m.exec(out)![1]!
    scimToken = /^SCIM token: (\S+)$/m.exec(out)![1]!

    // A few thousand people, provisioned the way an IdP would: SCIM Bulk, 1000 per request.
    for (let from = 0; from < PEOPLE; from += 1000) {
      const Operations = Array.from({ length: Math.min(1000, PEOPLE - from) }, (_, k) => {
        const i = from + k
        const n = String(i).padStart(4, '0')
        return {
          method: 'POST',
          path: '/Users',
          bulkId: `u${i}`,
          data: { schemas: [USER], userName: `person${n}`, name: { givenName: `Given${n}`, familyName: `Family${String((i * 7919) % PEOPLE).padStart(4, '0')}` }, emails: [{ value: `p${String((i * 104729) % PEOPLE).padStart(4, '0')}@example.com`, primary: true }], active: true },
        }
      })
      const res = await fetch(`${base}/scim/v2/Bulk`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${scimToken}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ schemas: [BULK], Operations }),
      })
      assert.equal(res.status, 200, await res.text())
    }
    browser = await launchChromium()
    ;({ c: context, p: page } = await newPage())
  })

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close().catch(() => undefined)
    await server?.stop()
    await db?.drop()
  })

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      if (page && shotsDir === null) {
        const file = path.join(fs.mkdtempSync('/tmp/roster-console-failure-'), 'page.png')
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined)
        process.stderr.write(`\n--- failure screenshot: ${file}\n`)
      }
      process.stderr.write(`\n--- Roster log ---\n${server?.stderr().slice(-3000)}\n`)
    }
  })

  it('signs in through the tenant’s sign-in page and lands on the user list', async () => {
    await signIn(page, 'default', 'admin', adminPassword)
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await page.getByText(/3,001 users/).waitFor()
    await shot(page, 'users-list')
  })

  it('sorts, searches and pages a few thousand users on the server', async () => {
    const listRequests: URL[] = []
    page.on('request', (r) => {
      const u = new URL(r.url())
      if (u.pathname === '/api/users') listRequests.push(u)
    })
    const expectFirst = async (query: string) => {
      const want = ((await ok(page, 'GET', `/users?${query}&limit=1`)).items as Json[])[0]!.userName as string
      await page.waitForFunction((w) => document.querySelector('main table tbody tr a')?.textContent?.trim() === w, want)
      assert.equal(await firstRowUserName(page), want)
    }
    await page.getByRole('button', { name: /^Email/ }).click()
    await expectFirst('sort=email&order=asc')
    assert.equal(await page.getByRole('columnheader', { name: /Email/ }).getAttribute('aria-sort'), 'ascending')
    await page.getByRole('button', { name: /^Email/ }).click()
    await expectFirst('sort=email&order=desc')
    assert.equal(await page.getByRole('columnheader', { name: /Email/ }).getAttribute('aria-sort'), 'descending')
    await page.getByRole('button', { name: /^Name/ }).click()
    await expectFirst('sort=name&order=asc')
    assert.ok(listRequests.some((u) => u.searchParams.get('sort') === 'email' && u.searchParams.get('order') === 'desc'), 'the sort ran on the server')

    // Paging by cursor: page 2 starts where the API's second page starts.
    const apiPage1 = await ok(page, 'GET', '/users?sort=name&order=asc&limit=50')
    const apiPage2 = await ok(page, 'GET', `/users?sort=name&order=asc&limit=50&cursor=${encodeURIComponent(apiPage1.next as string)}`)
    await page.getByRole('button', { name: 'Next' }).click()
    await page.waitForFunction((w) => document.querySelector('main table tbody tr a')?.textContent?.trim() === w, (apiPage2.items as Json[])[0]!.userName as string)
    assert.ok(listRequests.some((u) => u.searchParams.has('cursor')), 'the next page came by cursor')
    await page.getByRole('button', { name: 'Previous' }).click()
    await page.waitForFunction((w) => document.querySelector('main table tbody tr a')?.textContent?.trim() === w, (apiPage1.items as Json[])[0]!.userName as string)

    // Search as you type: userName, name and email all match, on the server.
    await page.getByLabel('Search users').fill('person0042')
    await page.waitForFunction(() => document.querySelectorAll('main table tbody tr').length === 1)
    assert.equal(await firstRowUserName(page), 'person0042')
    assert.ok(listRequests.some((u) => u.searchParams.get('q') === 'person0042'))
    await page.getByLabel('Search users').fill('Family2999')
    await page.waitForFunction(() => document.querySelectorAll('main table tbody tr').length === 1)
    await shot(page, 'users-search')
  })

  it('creates a user with a generated password that is shown once and works', async () => {
    await page.goto(`${base}/admin/users`)
    await page.getByRole('link', { name: 'New user' }).click()
    await page.getByLabel('First name').fill('Sam')
    await page.getByLabel('Last name').fill('Okafor')
    await page.getByLabel('Username').fill('sam.okafor')
    await page.getByLabel('Email').fill('sam.okafor@example.com')
    await page.getByLabel('Phone').fill('+44 20 7946 0000')
    await page.getByLabel('Generate a password').check()
    await shot(page, 'user-new', true)
    await page.getByRole('button', { name: 'Create user' }).click()
    const secret = page.locator('.secret-once input')
    await secret.waitFor()
    const password = await secret.inputValue()
    assert.ok(password.length >= 16, password)
    await shot(page, 'user-created-password-once')
    // The password signs Sam in (a separate browser: no shared cookies).
    const sam = await newPage()
    await sam.p.goto(`${base}/login/default`)
    await sam.p.fill('input[name="username"]', 'sam.okafor')
    await sam.p.fill('input[name="password"]', password)
    await sam.p.click('button[type="submit"]')
    assert.equal((await api(sam.p, 'GET', '/me')).body.userName, 'sam.okafor')
    // Shown once: the user's page never shows it again.
    await page.getByRole('link', { name: 'Open the user' }).click()
    await page.getByRole('heading', { level: 1, name: 'sam.okafor' }).waitFor()
    assert.ok(!(await page.content()).includes(password))
  })

  it('edits a user: the username is read-only, and a stale edit is explained', async () => {
    await openUser(page, 'sam.okafor')
    await page.getByRole('button', { name: 'Edit' }).click()
    const userName = page.getByLabel('Username')
    assert.equal(await userName.isEditable(), false, 'the username is read-only')
    assert.equal(await userName.inputValue(), 'sam.okafor')
    await page.getByLabel('Last name').fill('Okafor-Reyes')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Okafor-Reyes').first().waitFor()
    assert.equal(((await userByName(page, 'sam.okafor'))!.lastName as string), 'Okafor-Reyes')

    // Someone else changes Sam while this admin has the form open: the save is refused (412) and explained.
    await page.getByRole('button', { name: 'Edit' }).click()
    const sam = (await userByName(page, 'sam.okafor'))!
    await ok(page, 'PATCH', `/users/${sam.id}`, { phone: '+44 20 7946 0001' })
    await page.getByLabel('First name').fill('Samuel')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText(/Someone else changed this/).waitFor()
    await shot(page, 'user-edit-conflict')
    assert.equal(((await userByName(page, 'sam.okafor'))!.firstName as string), 'Sam', 'the stale edit was not saved')
  })

  it('shows an effective role with the group it comes from', async () => {
    const sam = (await userByName(page, 'sam.okafor'))!
    const group = await ok(page, 'POST', '/groups', { displayName: 'Support' })
    await ok(page, 'POST', `/groups/${group.id}/members`, { add: [{ id: sam.id, type: 'User' }], remove: [] })
    await ok(page, 'POST', `/groups/${group.id}/roles`, { role: 'User manager' })
    await openUser(page, 'sam.okafor')
    const row = page.locator('tr', { hasText: 'User manager' })
    await row.waitFor()
    assert.match(await row.innerText(), /via group Support/)
    await shot(page, 'user-detail', true)
    // The group's own page shows the member and the role its members hold.
    await page.goto(`${base}/admin/groups`)
    await page.getByRole('link', { name: 'Support', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Support' }).waitFor()
    await page.locator('main').getByText('sam.okafor').first().waitFor()
    await page.locator('main').getByText('User manager').first().waitFor()
    await shot(page, 'group-detail', true)
  })

  it('deactivates a user, who then appears in the Inactive view', async () => {
    await openUser(page, 'sam.okafor')
    await page.getByRole('button', { name: 'Deactivate' }).click()
    await dialog(page).getByRole('button', { name: 'Deactivate' }).click()
    await page.locator('.badge.status-inactive').first().waitFor()
    await page.goto(`${base}/admin/users`)
    await page.getByRole('tab', { name: 'Inactive', exact: true }).click()
    await page.getByRole('link', { name: 'sam.okafor', exact: true }).waitFor()
  })

  it('deletes a user who owns a group, handing it to a replacement owner in the same step', async () => {
    const sam = (await userByName(page, 'sam.okafor'))!
    const heir = (await userByName(page, 'person0001'))!
    const owned = await ok(page, 'POST', '/groups', { displayName: 'Field team', ownerId: sam.id })
    await page.goto(`${base}/admin/users/${sam.id}`)
    await page.getByRole('heading', { level: 1, name: 'sam.okafor' }).waitFor()
    await page.getByRole('button', { name: 'Delete user' }).click()
    const d = dialog(page)
    await d.getByText('Field team').waitFor()
    // Without a replacement owner the deletion cannot be confirmed.
    assert.equal(await d.getByRole('button', { name: 'Delete user' }).isDisabled(), true)
    await d.getByLabel('Replacement owner').fill('person0001')
    await d.getByRole('radio', { name: /person0001/ }).check()
    await shot(page, 'user-delete-replacement-owner')
    await d.getByRole('button', { name: 'Delete user' }).click()
    await page.waitForURL(/\/admin\/users$/)
    assert.equal((await api(page, 'GET', `/users/${sam.id}`)).status, 404)
    assert.equal((await ok(page, 'GET', `/groups/${owned.id}`)).ownerId, heir.id)
  })

  it('creates a personal access token and shows it only once', async () => {
    await page.goto(`${base}/admin/tokens`)
    await page.getByLabel('Name', { exact: true }).fill('deploy script')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secretField = page.locator('.secret-once input')
    await secretField.waitFor()
    const secret = await secretField.inputValue()
    assert.match(secret, /^rpt_/)
    await shot(page, 'token-created-once')
    const me = await fetch(`${base}/api/me`, { headers: { Authorization: `Bearer ${secret}` } })
    assert.equal(me.status, 200)
    await page.reload()
    await page.locator('main table').getByText('deploy script').waitFor()
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again')
    const listed = JSON.stringify(await ok(page, 'GET', '/me/tokens'))
    assert.ok(!listed.includes(secret))
  })

  it('finds these actions in the audit log, filtered and exported', async () => {
    await page.goto(`${base}/admin/audit`)
    await page.getByLabel('Action').fill('user.*')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    const table = page.locator('main table')
    await page.waitForFunction(() => {
      const t = document.querySelector('main table')?.textContent ?? ''
      return t.includes('user.delete') && !t.includes('personal-token.create')
    })
    const text = await table.innerText()
    for (const action of ['user.create', 'user.update', 'user.deactivate', 'user.delete']) assert.ok(text.includes(action), `${action} in\n${text}`)
    await page.getByRole('button', { name: 'Show changes' }).first().click()
    await shot(page, 'audit-log')
    await page.getByLabel('Action').fill('personal-token.*')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await table.getByText('personal-token.create').first().waitFor()
    const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')
    const csv = await (await page.request.get(new URL(csvHref!, base).href)).text()
    assert.match(csv, /personal-token\.create/)
    assert.doesNotMatch(csv, /user\.delete/)
  })

  it('creates a SCIM token in the settings, shown once beside the base URL to copy', async () => {
    await page.goto(`${base}/admin/settings/scim`)
    assert.equal(await page.getByLabel('SCIM base URL').first().inputValue(), `${base}/scim/v2`)
    await page.getByLabel('Token name').fill('Okta')
    await page.getByRole('button', { name: 'Create SCIM token' }).click()
    const secretField = page.locator('.secret-once input')
    await secretField.waitFor()
    const secret = await secretField.inputValue()
    const res = await fetch(`${base}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${secret}` } })
    assert.equal(res.status, 200)
    await shot(page, 'settings-scim', true)
    await page.reload()
    await page.locator('main table').getByText('Okta').waitFor()
    assert.ok(!(await page.content()).includes(secret))
  })

  it('defines a custom attribute in the settings, fills it in the user form, finds the user by it, and serves it over SCIM', async () => {
    await page.goto(`${base}/admin/settings/attributes`)
    await page.getByRole('button', { name: 'New attribute' }).click()
    const d = dialog(page)
    await d.getByLabel('Attribute name').fill('routingProfile')
    await d.getByLabel('Label', { exact: true }).fill('Routing profile')
    await d.getByLabel('Type').selectOption({ label: 'Choice from a list' })
    await d.getByLabel('Choices').fill('Tier 1\nTier 2\nOverflow')
    await d.getByRole('button', { name: 'Create attribute' }).click()
    await page.locator('main table').getByText('routingProfile').waitFor()
    await shot(page, 'settings-attributes', true)

    await page.goto(`${base}/admin/users/new`)
    await page.getByLabel('First name').fill('Rita')
    await page.getByLabel('Last name').fill('Moreau')
    await page.getByLabel('Username').fill('rita.moreau')
    await page.getByLabel('Email').fill('rita.moreau@example.com')
    await page.getByLabel('Routing profile').selectOption('Tier 2')
    await page.getByRole('button', { name: 'Create user' }).click()
    await page.locator('.secret-once input').waitFor()

    await page.goto(`${base}/admin/users`)
    await page.getByLabel('Search users').fill('Tier 2')
    await page.waitForFunction(() => document.querySelectorAll('main table tbody tr').length === 1)
    assert.equal(await firstRowUserName(page), 'rita.moreau')

    const urn = 'urn:roster:params:scim:schemas:extension:tenant:2.0:User'
    const scimGet = async (p: string) => (await (await fetch(`${base}/scim/v2${p}`, { headers: { Authorization: `Bearer ${scimToken}` } })).json()) as Json
    const schema = await scimGet(`/Schemas/${urn}`)
    const attr = (schema.attributes as Json[]).find((a) => a.name === 'routingProfile')!
    assert.deepEqual(attr.canonicalValues, ['Tier 1', 'Tier 2', 'Overflow'])
    const found = await scimGet(`/Users?filter=${encodeURIComponent(`${urn}:routingProfile eq "Tier 2"`)}`)
    assert.deepEqual((found.Resources as Json[]).map((u) => [u.userName, (u[urn] as Json).routingProfile]), [['rita.moreau', 'Tier 2']])
  })

  it('is readable on a phone: the list and its navigation fit a narrow screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() })
    contexts.push(phone)
    const p = await phone.newPage()
    await p.goto(`${base}/admin/users`)
    await p.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    await p.locator('main table tbody tr').first().waitFor()
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`)
    await p.getByRole('button', { name: 'Menu' }).click()
    await p.getByRole('link', { name: 'Audit log' }).waitFor()
    await shot(p, 'phone-users-list')
  })

  it('marks a directory-managed tenant’s users and refuses local edits, saying where to change them', async function () {
    const ldap = await openLdapServer(this)
    this.timeout(120_000)
    const ou = `ou=console-${Date.now().toString(36)},${ldap.suffix}`
    await ldap.ldif(
      [
        `dn: ${ou}\nobjectClass: organizationalUnit\nou: ${ou.slice(3, ou.indexOf(','))}\n`,
        `dn: uid=lina,${ou}\nobjectClass: inetOrgPerson\nuid: lina\ncn: Lina Larsen\ngivenName: Lina\nsn: Larsen\nmail: lina@example.org\n`,
      ].join('\n'),
    )
    await cli('tenant', 'create', 'corp', '--source', 'local')
    const bossPassword = (await cli('admin', 'create', '--tenant', 'corp', '--username', 'boss')).trim()
    const { p } = await newPage()
    await signIn(p, 'corp', 'boss', bossPassword)
    await ok(p, 'PUT', '/settings/directory', { preset: 'openldap', url: ldap.url, startTls: true, caPem: fs.readFileSync(ldap.caFile!, 'utf8'), bindDn: ldap.bindDn, bindPassword: ldap.password, baseDns: [ou] })
    const run = await ok(p, 'POST', '/settings/directory/sync', {})
    assert.equal((run.run as Json).status, 'succeeded')

    await p.goto(`${base}/admin/users`)
    await p.getByRole('link', { name: 'lina', exact: true }).waitFor()
    assert.equal(await p.getByRole('link', { name: 'New user' }).or(p.getByRole('button', { name: 'New user' })).first().isDisabled().catch(() => true), true)
    await p.getByRole('link', { name: 'lina', exact: true }).click()
    await p.getByRole('heading', { level: 1, name: 'lina' }).waitFor()
    const note: Locator = p.getByRole('note')
    assert.match(await note.first().innerText(), /Managed by the LDAP directory — change it there/)
    assert.equal(await p.getByRole('button', { name: 'Edit' }).isDisabled(), true)
    assert.equal(await p.getByRole('button', { name: 'Deactivate' }).isDisabled(), true)
    await shot(p, 'managed-tenant-user', true)
    // The server refuses too, whatever a page would send.
    await p.goto(`${base}/admin/settings/directory`)
    await p.getByRole('button', { name: 'Sync now' }).waitFor()
    await p.locator('main table').getByText(/succeeded/i).first().waitFor()
    await shot(p, 'settings-directory', true)
    const lina = (await userByName(p, 'lina'))!
    const refused = await api(p, 'PATCH', `/users/${lina.id}`, { lastName: 'X' })
    assert.equal(refused.status, 409)
    assert.match(refused.body.detail as string, /managed by its directory/)
  })
})

/**
 * The SCIM provisioning log end to end: what each SCIM request leaves in its tenant's log (success,
 * failure with its SCIM error, Bulk, redacted secrets, notes), the tenant's switch, pruning by age
 * and count, and reading it over the admin API (paging, filters, the change, audit.view).
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends, silentLog, type TestStore } from '../support/stores.js'
import { testConfig } from '../support/app.js'
import { userWithRole } from '../support/admin.js'
import { PUBLIC_URL, signInActor } from '../support/sign-in.js'
import { BULK_REQUEST, ENTERPRISE, PATCH_OP, USER } from '../support/scim.js'
import { DIALECT_RULES } from '../../src/domain/provisioning/dialect-rules.js'
import { logApp, scimAs, scimTenant, type App } from '../support/provisioning-log.js'
import { createApp } from '../../src/app.js'
import { UsageRecorder, issueToken } from '../../src/domain/credentials/tokens.js'
import { ProvisioningLogWriter } from '../../src/domain/provisioning/writer.js'
import { pruneProvisioningLog } from '../../src/domain/provisioning/retention.js'
import { updateTenant } from '../../src/domain/tenancy/tenants.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`SCIM provisioning log on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let writer: ProvisioningLogWriter
    let tenant: Tenant
    let cookie: string
    let scim: ReturnType<typeof scimAs>
    const api = (path: string, c = cookie) => request(app).get(`/api${path}`).set('Cookie', c)
    /** The tenant's entries, newest first, once everything recorded has been written. */
    const entries = async (query = '', c = cookie): Promise<Json[]> => {
      await writer.flush()
      return (await api(`/provisioning-log${query}`, c).expect(200)).body.items as Json[]
    }

    before(async () => {
      t = await backend.open()
      ;({ app, writer } = logApp(t))
    })
    after(async () => t?.dispose())
    beforeEach(async () => ({ tenant, cookie, scim } = await scimTenant(t, app, 'plog')))

    it('records a created user: request, answer, token, resource, summary, and the change joined by request id', async () => {
      const created = (await scim.post('/Users', { schemas: [USER], userName: 'bob', name: { givenName: 'Bob' } }).set('X-Request-Id', 'req-bob-1').expect(201)).body
      const [entry] = await entries()
      assert.ok(entry)
      assert.equal(entry.method, 'POST')
      assert.equal(entry.path, '/scim/v2/Users')
      assert.equal(entry.status, 201)
      assert.equal(typeof entry.durationMs, 'number')
      assert.equal(entry.token.label, 'Entra')
      assert.match(entry.token.id, /\S/)
      assert.equal(entry.requestId, 'req-bob-1')
      assert.deepEqual([entry.resourceType, entry.resourceId, entry.resourceName], ['User', created.id, 'bob'])
      assert.deepEqual(entry.request, { body: { schemas: [USER], userName: 'bob', name: { givenName: 'Bob' } }, truncated: false })
      assert.equal(entry.response.body.id, created.id)
      assert.equal(entry.error, null)
      assert.deepEqual(entry.notes, [])
      assert.equal(entry.summary, 'Created user bob')
      assert.ok(!Number.isNaN(Date.parse(entry.at)))

      const detail = (await api(`/provisioning-log/${entry.id}`).expect(200)).body
      assert.equal(detail.summary, 'Created user bob')
      assert.equal(detail.change.length, 1)
      assert.equal(detail.change[0].action, 'user.create')
      assert.equal(detail.change[0].resourceId, created.id)
      assert.ok(detail.change[0].attributes.includes('userName'))
    })

    it('records a refused request with its SCIM error body, and requests no route matched', async () => {
      await scim.post('/Users', { schemas: [USER], userName: 'x' }).expect(201)
      const refused = (await scim.post('/Users', { schemas: [USER], userName: 'x' }).expect(409)).body
      await scim.get('/NoSuchThing').expect(404)
      await scim.delete('/Users').expect(405)
      const [notAllowed, missing, conflict] = await entries()
      assert.equal(conflict!.status, 409)
      assert.deepEqual(conflict!.error, { scimType: 'uniqueness', detail: refused.detail })
      assert.deepEqual(conflict!.response.body, refused)
      assert.deepEqual([conflict!.resourceType, conflict!.resourceId, conflict!.resourceName], ['User', null, 'x'])
      assert.equal(conflict!.summary, `Refused: ${refused.detail} (409 uniqueness)`)
      assert.equal(missing!.status, 404)
      assert.match(missing!.error.detail, /no such endpoint/)
      assert.equal(notAllowed!.status, 405)
      assert.match(notAllowed!.error.detail, /not allowed/)
      assert.equal(notAllowed!.response.body.status, '405')
    })

    it('records a Bulk request once, with its operations’ outcome and passwords redacted', async () => {
      await scim.post('/Bulk', {
        schemas: [BULK_REQUEST],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'bulk-a', password: 'Bulk-Secret-1' } },
          { method: 'PATCH', path: '/Users/00000000-0000-4000-8000-000000000000', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Bulk-Secret-2' }] } },
        ],
      }).expect(200)
      const [entry] = await entries()
      assert.equal(entry!.path, '/scim/v2/Bulk')
      assert.equal(entry!.resourceType, null)
      assert.equal(entry!.summary, 'Bulk: 2 operations, 1 failed')
      assert.equal(entry!.request.body.Operations[0].data.password, '[redacted]')
      assert.equal(entry!.request.body.Operations[1].data.Operations[0].value, '[redacted]')
      assert.doesNotMatch(JSON.stringify(entry), /Bulk-Secret/)
      const detail = (await api(`/provisioning-log/${entry!.id}`).expect(200)).body
      assert.deepEqual(detail.change.map((c: Json) => c.action), ['user.create'])
    })

    it('redacts passwords in POST, PUT and PATCH bodies, as a path or inside a value', async () => {
      const id = (await scim.post('/Users', { schemas: [USER], userName: 'pw', password: 'Post-Secret-1' }).expect(201)).body.id
      await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Patch-Secret-2' }] })
      await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { password: 'Patch-Secret-3', displayName: 'P W' } }] })
      await scim.put(`/Users/${id}`, { schemas: [USER], userName: 'pw', password: 'Put-Secret-4' })
      const all = await entries()
      assert.equal(all.length, 4)
      assert.doesNotMatch(JSON.stringify(all), /Secret-\d/)
      assert.equal(all[3]!.request.body.password, '[redacted]')
      assert.equal(all[2]!.request.body.Operations[0].value, '[redacted]')
      assert.deepEqual(all[1]!.request.body.Operations[0].value, { password: '[redacted]', displayName: 'P W' })
    })

    it('keeps the notes of what Roster made of the request, and says them in the summary', async () => {
      // What the IdP's lenient reading produces for real: a misspelt attribute, a manager no user
      // has yet, and Entra's "True" for a boolean.
      await scim
        .post('/Users', { schemas: [USER, ENTERPRISE], userName: 'noted', active: 'True', adreses: [{ country: 'DE' }], [ENTERPRISE]: { manager: { value: 'SuzzyQ' } } })
        .expect(201)
      const [entry] = await entries()
      const byKind = (kind: string) => entry!.notes.filter((n: { kind: string }) => n.kind === kind)
      assert.deepEqual(byKind('ignored'), [{ kind: 'ignored', path: 'adreses' }])
      assert.deepEqual(byKind('unresolved'), [{ kind: 'unresolved', path: `${ENTERPRISE}:manager`, value: 'SuzzyQ' }])
      const [dialect] = byKind('dialect')
      assert.equal(dialect.rule, 'boolean-string')
      assert.equal(dialect.sentence, DIALECT_RULES['boolean-string'], 'the rule is explained in words')
      assert.match(dialect.detail, /"True".*true/)
      for (const part of ['Created user noted', 'ignored adreses', 'manager SuzzyQ unresolved', '"True"']) assert.ok(entry!.summary.includes(part), `${part} in ${entry!.summary}`)
    })

    it('records nothing for a tenant that turned its log off, and again once it is back on', async () => {
      await updateTenant(t.store, signInActor, tenant.slug, { provisioningLog: false })
      await scim.post('/Users', { schemas: [USER], userName: 'quiet' }).expect(201)
      await scim.get('/Users').expect(200)
      assert.deepEqual(await entries(), [])
      const events = await t.store.audit.list(tenant.id, { limit: 5, action: 'tenant.update' })
      assert.deepEqual(events.items[0]!.changes, { attributes: ['provisioningLog'], before: { provisioningLog: true }, after: { provisioningLog: false } })
      await updateTenant(t.store, signInActor, tenant.slug, { provisioningLog: true })
      await scim.get('/Users').expect(200)
      assert.equal((await entries()).length, 1)
    })

    it('keeps tenants apart: an admin sees only their tenant’s entries', async () => {
      const other = await scimTenant(t, app, 'plog-other')
      await other.scim.post('/Users', { schemas: [USER], userName: 'theirs' }).expect(201)
      await scim.post('/Users', { schemas: [USER], userName: 'mine' }).expect(201)
      const mine = await entries()
      assert.deepEqual(mine.map((e) => e.resourceName), ['mine'])
      const theirs = await entries('', other.cookie)
      assert.deepEqual(theirs.map((e) => e.resourceName), ['theirs'])
      await api(`/provisioning-log/${theirs[0]!.id}`).expect(404)
    })

    it('pages newest first with a cursor and filters by status, resource, text and time', async () => {
      const started = new Date()
      const alice = (await scim.post('/Users', { schemas: [USER], userName: 'alice' }).expect(201)).body.id
      await scim.post('/Users', { schemas: [USER], userName: 'alice' }).expect(409)
      await scim.patch(`/Users/${alice}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Alice' }] }).expect(200)
      await scim.get(`/Users?filter=${encodeURIComponent('userName eq "zed"')}`).expect(200)
      await scim.get('/Users/00000000-0000-4000-8000-000000000000').expect(404)
      await writer.flush()
      const seen: Json[] = []
      let next: string | null = null
      do {
        const page: Json = (await api(`/provisioning-log?limit=2${next ? `&cursor=${encodeURIComponent(next)}` : ''}`).expect(200)).body
        assert.ok(page.items.length <= 2)
        seen.push(...page.items)
        next = page.next
      } while (next)
      assert.deepEqual(seen.map((e) => e.status), [404, 200, 200, 409, 201])
      assert.ok(seen.every((e, i) => i === 0 || e.at <= seen[i - 1]!.at))
      const statuses = async (q: string) => (await entries(q)).map((e) => e.status)
      assert.deepEqual(await statuses('?status=failed'), [404, 409])
      assert.deepEqual(await statuses('?status=succeeded'), [200, 200, 201])
      assert.deepEqual(await statuses(`?resource=${alice}`), [200, 201])
      assert.deepEqual(await statuses('?q=ZED'), [200])
      assert.deepEqual(await statuses('?q=alice'), [200, 409, 201], 'by path or userName (a PATCH answers with the user)')
      assert.deepEqual(await statuses(`?from=${started.toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`), [404, 200, 200, 409, 201])
      assert.deepEqual(await statuses(`?to=${started.toISOString()}`), [])
      for (const bad of ['?limit=0', '?limit=201', '?status=weird', '?cursor=nonsense', '?from=yesterday', '?unknown=1']) await api(`/provisioning-log${bad}`).expect(400)
      await api('/provisioning-log/not-an-id').expect(404)
    })

    it('needs audit.view: a viewer reads it, a user manager does not', async () => {
      await scim.get('/Users').expect(200)
      await writer.flush()
      const viewer = await userWithRole(t.store, app, tenant, 'viewer', 'vera')
      const manager = await userWithRole(t.store, app, tenant, 'user-manager', 'manny')
      const [entry] = (await api('/provisioning-log', viewer.cookie).expect(200)).body.items as Json[]
      await api(`/provisioning-log/${entry!.id}`, viewer.cookie).expect(200)
      await api('/provisioning-log', manager.cookie).expect(403)
      await api(`/provisioning-log/${entry!.id}`, manager.cookie).expect(403)
      await request(app).get('/api/provisioning-log').expect(401)
    })

    it('prunes entries past the retention window and beyond the per-tenant cap (the periodic job, with its clock)', async () => {
      for (const userName of ['p1', 'p2', 'p3', 'p4']) await scim.post('/Users', { schemas: [USER], userName }).expect(201)
      await writer.flush()
      const now = Date.now()
      await pruneProvisioningLog(t.store, { retentionMs: 3_600_000, maxEntries: 3, batchSize: 1 }, new Date(now))
      assert.deepEqual((await entries()).map((e) => e.resourceName), ['p4', 'p3', 'p2'])
      await pruneProvisioningLog(t.store, { retentionMs: 3_600_000, maxEntries: 3, batchSize: 1 }, new Date(now))
      assert.equal((await entries()).length, 3, 'idempotent')
      await pruneProvisioningLog(t.store, { retentionMs: 3_600_000, maxEntries: 100, batchSize: 2 }, new Date(now + 2 * 3_600_000))
      assert.deepEqual(await entries(), [])
    })

    it('answers SCIM requests while the log cannot be written, counting what it dropped', async () => {
      const failing = new ProvisioningLogWriter({ provisioningLog: { ...t.store.provisioningLog, appendMany: () => Promise.reject(new Error('database down')) } }, silentLog, { batchSize: 2 })
      const broken = createApp({ config: testConfig({ publicUrl: PUBLIC_URL }), log: silentLog, store: t.store, usage: new UsageRecorder(t.store, silentLog, 60_000), provisioningLog: failing }).callback()
      const down = scimAs(broken, (await issueToken(t.store, tenant, 'Down', signInActor)).secret)
      for (const userName of ['d1', 'd2', 'd3']) await down.post('/Users', { schemas: [USER], userName }).expect(201)
      await failing.flush()
      assert.equal(failing.dropped, 3)
    })
  })
}

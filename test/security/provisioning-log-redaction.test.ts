/**
 * The provisioning log keeps what IdPs send, so it must never keep their secrets: passwords in any
 * body (POST, PUT, PATCH by path or inside a value, Bulk), secret-like members, tokens in a query
 * string, the bearer token itself. Checked in the stored rows, not only in the API's answers. And
 * a tenant's entries are visible to that tenant only, whatever the filter or cursor.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends, type TestStore } from '../support/stores.js'
import { BULK_REQUEST, PATCH_OP, USER } from '../support/scim.js'
import { logApp, scimTenant, type App } from '../support/provisioning-log.js'
import { redactedPath, storedBody } from '../../src/domain/provisioning/redaction.js'
import type { ProvisioningLogWriter } from '../../src/domain/provisioning/writer.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

describe('provisioning log redaction rule', () => {
  it('redacts secret-like members anywhere, a PATCH value whose path names a secret, and nothing else', () => {
    const body = {
      userName: 'u',
      password: 'p1',
      'urn:ietf:params:scim:schemas:core:2.0:User:password': 'p2',
      ext: { clientSecret: 's1', apiKey: 'k1', refresh_token: 't1', credentials: [{ value: 'c1' }] },
      Operations: [
        { op: 'replace', path: 'password', value: 'p3' },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: { nested: 'p4' } },
        { op: 'add', path: 'displayName', value: 'kept' },
      ],
    }
    const stored = storedBody(body, 16_384)
    assert.equal(stored.truncated, false)
    assert.doesNotMatch(stored.json!, /p[1-4]|s1|k1|t1|c1/)
    const read = JSON.parse(stored.json!) as Json
    assert.equal(read.userName, 'u')
    assert.equal(read.password, '[redacted]')
    assert.equal(read.Operations[2].value, 'kept')
  })

  it('cuts a body at the cap on a character boundary and says so; the secret before the cut is still redacted', () => {
    const stored = storedBody({ password: 'hunter2', title: 'é'.repeat(1000) }, 301)
    assert.equal(stored.truncated, true)
    assert.ok(Buffer.byteLength(stored.json!) <= 301)
    assert.doesNotMatch(stored.json!, /hunter2|\ufffd/)
    assert.deepEqual(storedBody(null, 10), { json: null, truncated: false })
  })

  it('redacts secret-like query parameters and filters naming a secret, bare or quoted', () => {
    assert.equal(redactedPath('/scim/v2/Users?access_token=abc&count=2'), '/scim/v2/Users?access_token=%5Bredacted%5D&count=2')
    assert.doesNotMatch(redactedPath(`/scim/v2/Users?filter=${encodeURIComponent('password eq "Filter-Secret"')}`), /Filter-Secret/)
    assert.doesNotMatch(redactedPath('/scim/v2/Users?filter=password+eq+BareSecret'), /BareSecret/)
    assert.equal(redactedPath('/scim/v2/Users?filter=userName%20eq%20%22bob%22'), '/scim/v2/Users?filter=userName%20eq%20%22bob%22')
  })
})

for (const backend of backends()) {
  describe(`provisioning log secrecy and isolation on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let writer: ProvisioningLogWriter
    before(async () => {
      t = await backend.open()
      ;({ app, writer } = logApp(t))
    })
    after(async () => t?.dispose())

    it('never stores a secret an IdP sent, nor the bearer token', async () => {
      const { tenant, token, scim } = await scimTenant(t, app, 'redact')
      const id = (await scim.post('/Users', { schemas: [USER], userName: 'sec', password: 'Secret-A-1' }).expect(201)).body.id
      await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'password', value: 'Secret-B-2' }] })
      await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: 'Secret-C-3' }] })
      await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: 'Secret-D-4' } }] })
      await scim.put(`/Users/${id}`, { schemas: [USER], userName: 'sec', password: 'Secret-E-5' })
      await scim.post('/Users', { schemas: [USER], userName: 'sec', password: 'Secret-F-6' }).expect(409)
      await scim.post('/Bulk', { schemas: [BULK_REQUEST], Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER], userName: 'sec2', password: 'Secret-G-7' } }] })
      await scim.post('/Users', { schemas: [USER], userName: 'sec3', 'urn:example:ext': { clientSecret: 'Secret-H-8' } })
      await scim.get(`/Users?access_token=Secret-I-9&filter=${encodeURIComponent('password eq "Secret-J-10"')}`)
      await scim.post('/Users', { schemas: [USER], userName: 'sec4', password: 'Secret-K-11' }).set('Content-Type', 'text/plain').expect(415)
      await writer.flush()
      const rows = await t.db.query('SELECT * FROM provisioning_log WHERE tenant_id = $1', [tenant.id])
      assert.ok(rows.length >= 10, `${rows.length} entries`)
      const stored = JSON.stringify(rows)
      assert.doesNotMatch(stored, /Secret-[A-K]/)
      assert.ok(!stored.includes(token), 'the bearer token')
      // rst_<16 hex id>_<secret>; the base64url secret may itself contain '_'.
      assert.ok(!stored.includes(token.slice('rst_'.length + 16 + 1)), 'nor its secret part')
      assert.match(stored, /\[redacted\]/)
    })

    it('shows a tenant its own entries only, whatever the filter, id or cursor', async () => {
      const a = await scimTenant(t, app, 'iso-a')
      const b = await scimTenant(t, app, 'iso-b')
      const bUser = (await b.scim.post('/Users', { schemas: [USER], userName: 'b-user' }).expect(201)).body.id
      for (let i = 0; i < 3; i++) await b.scim.get('/Users').expect(200)
      await a.scim.post('/Users', { schemas: [USER], userName: 'a-user' }).expect(201)
      await writer.flush()
      const as = (cookie: string) => (path: string) => request(app).get(`/api${path}`).set('Cookie', cookie)
      const [apiA, apiB] = [as(a.cookie), as(b.cookie)]
      const bPage = (await apiB('/provisioning-log?limit=2').expect(200)).body
      assert.ok(bPage.next)
      const names = async (path: string) => ((await apiA(path).expect(200)).body.items as Json[]).map((e) => e.resourceName)
      assert.deepEqual(await names('/provisioning-log'), ['a-user'])
      assert.deepEqual(await names(`/provisioning-log?resource=${bUser}`), [])
      assert.deepEqual(await names('/provisioning-log?q=b-user'), [])
      const afterForeignCursor = await names(`/provisioning-log?cursor=${encodeURIComponent(bPage.next)}`)
      assert.ok(afterForeignCursor.every((n) => n === 'a-user'), `another tenant's cursor only positions in time: ${afterForeignCursor.join(', ')}`)
      for (const entry of bPage.items as Json[]) await apiA(`/provisioning-log/${entry.id}`).expect(404)
    })
  })
}

/**
 * Personal access tokens: shown once, listed without secrets, regenerated, revoked, expired; never
 * more than the user's current permissions (a narrower set grants less); dead with the user's
 * deactivation, archiving or deletion.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { passwordSession } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { ManualClock, newTenant, newUser, signInActor, signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import { assignRole, unassignRole } from '../../src/domain/access/roles.js'

type App = ReturnType<typeof signInApp>

for (const backend of backends()) {
  describe(`admin API: personal access tokens on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let pat: User
    let cookie: string
    let clock: ManualClock
    const access = () => ({ tenant, actor: signInActor, requestId: null })
    const bearer = (token: string) => ({
      get: (path: string) => request(app).get(`/api${path}`).set('Authorization', `Bearer ${token}`),
      post: (path: string, body: object) => request(app).post(`/api${path}`).set('Authorization', `Bearer ${token}`).send(body),
    })
    const create = async (body: object) => (await request(app).post('/api/me/tokens').set('Cookie', cookie).send(body).expect(201)).body

    before(async () => {
      t = await backend.open()
      clock = new ManualClock()
      app = signInApp(t.store, clock)
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'pat')
      pat = await newUser(t.store, tenant, 'pat', { password: 'pat password 12' })
      await assignRole(t.store, access(), 'User manager', { type: 'User', id: pat.id, label: 'pat' })
      cookie = await passwordSession(app, tenant, 'pat', 'pat password 12')
    })

    it('creates a token shown once, lists it without the secret, records its last use', async () => {
      const created = await create({ name: 'deploy script' })
      assert.match(created.secret, /^rpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
      const me = await bearer(created.secret).get('/me').expect(200)
      assert.equal(me.body.userName, 'pat')
      assert.equal(me.body.session, null)
      const list = (await request(app).get('/api/me/tokens').set('Cookie', cookie).expect(200)).body.items
      assert.equal(list.length, 1)
      assert.equal(list[0].secret, undefined)
      assert.equal(list[0].name, 'deploy script')
      assert.ok(list[0].lastUsed)
      assert.equal((await request(app).post('/api/me/tokens').set('Cookie', cookie).send({ name: 'DEPLOY SCRIPT' })).status, 409)
    })

    it('never grants more than the user has now, and a narrower token grants less', async () => {
      const full = (await create({ name: 'full' })).secret
      const narrow = (await create({ name: 'read only', permissions: ['users.view'] })).secret
      const body = { firstName: 'A', lastName: 'B', userName: 'made-by-token', email: 'made@example.com' }
      await bearer(full).post('/users', body).expect(201)
      const refused = await bearer(narrow).post('/users', { ...body, userName: 'x', email: 'x@example.com' }).expect(403)
      assert.match(refused.body.detail, /missing permission users\.create/)
      await bearer(narrow).get(`/users/${pat.id}`).expect(200)
      assert.deepEqual((await bearer(narrow).get('/me').expect(200)).body.permissions, ['users.view'])
      // A token may not ask for what its user does not hold (docs/security.md, "Credentials never exceed their minter").
      const wide = await request(app).post('/api/me/tokens').set('Cookie', cookie).send({ name: 'wide', permissions: ['settings.manage', 'users.view'] }).expect(403)
      assert.match(wide.body.detail, /do not hold yourself: settings\.manage/)
      // The user loses the role: every token loses it at its next use.
      await unassignRole(t.store, access(), 'User manager', { type: 'User', id: pat.id, label: 'pat' })
      await bearer(full).post('/users', { ...body, userName: 'y', email: 'y@example.com' }).expect(403)
    })

    it('regenerates (the old secret stops), revokes, and refuses expired tokens', async () => {
      const created = await create({ name: 'rotating' })
      const again = (await request(app).post(`/api/me/tokens/${created.id}/regenerate`).set('Cookie', cookie).set('Content-Type', 'application/json').expect(200)).body
      assert.notEqual(again.secret, created.secret)
      await bearer(created.secret).get('/me').expect(401)
      await bearer(again.secret).get('/me').expect(200)
      await request(app).delete(`/api/me/tokens/${created.id}`).set('Cookie', cookie).set('Content-Type', 'application/json').expect(204)
      const revoked = await bearer(again.secret).get('/me').expect(401)
      assert.match(revoked.body.detail, /revoked/)
      // Issuing checks the expiry against the real time; verifying uses the test's clock, which
      // started when the suite did: move it to just past the expiry, however long the suite took.
      const expires = Date.now() + 60_000
      const soon = await create({ name: 'short', expires: new Date(expires).toISOString() })
      await bearer(soon.secret).get('/me').expect(200)
      clock.advance(expires - clock.now().getTime() + 1_000)
      assert.match((await bearer(soon.secret).get('/me').expect(401)).body.detail, /expired/)
      assert.equal((await request(app).post('/api/me/tokens').set('Cookie', cookie).send({ name: 'past', expires: '2001-01-01T00:00:00Z' })).body.field, 'expires')
    })

    it('dies with the user’s deactivation, archiving or deletion', async () => {
      const secret = (await create({ name: 'lifeline' })).secret
      await bearer(secret).get('/me').expect(200)
      await t.store.users.update(tenant.id, pat.id, { status: 'inactive' })
      assert.match((await bearer(secret).get('/me').expect(401)).body.detail, /not active/)
      await t.store.users.update(tenant.id, pat.id, { status: 'active' })
      await bearer(secret).get('/me').expect(200)
      await t.store.users.update(tenant.id, pat.id, { status: 'archived' })
      await bearer(secret).get('/me').expect(401)
      await t.store.users.delete(tenant.id, pat.id)
      await bearer(secret).get('/me').expect(401)
    })

    it('refuses malformed and unknown tokens, and SCIM tokens, with a Bearer challenge', async () => {
      for (const value of ['nonsense', 'rpt_0123456789abcdef_' + 'A'.repeat(43), 'rst_0123456789abcdef_' + 'A'.repeat(43)]) {
        const res = await request(app).get('/api/me').set('Authorization', `Bearer ${value}`).expect(401)
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="roster-admin"/)
      }
    })
  })
}

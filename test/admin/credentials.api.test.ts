/**
 * API credentials: the per-user API switch, API passwords over HTTP Basic, tokens for other users
 * (credentials.manage), service accounts with owners, roles and tokens, and their hand-over when the
 * owner is deleted.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { adminSuiteHooks, apiAs, passwordSession, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { cookieOf, newUser, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'

type App = ReturnType<typeof signInApp>

for (const backend of backends()) {
  describe(`admin API: credentials and service accounts on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let admin: User
    let cookie: string
    const api = (c = cookie) => apiAs(app, c)
    const basic = (login: string, password: string) => `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`
    const signIn = (userName: string, password: string) => passwordSession(app, tenant, userName, password)

    adminSuiteHooks(backend, 'creds', (s) => ({ t, app, tenant, admin, cookie } = s))

    it('signs API calls in with an API password over HTTP Basic (not the sign-in password)', async () => {
      const generated = (await api().put(`/users/${admin.id}/api-password`, { password: 'generate' }).expect(200)).body.generatedPassword
      assert.match(generated, /^[A-Za-z0-9_-]{24}$/)
      const me = await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/root`, generated)).expect(200)
      assert.equal(me.body.userName, 'root')
      const wrong = await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/root`, 'root password 1')).expect(401)
      assert.match(String(wrong.headers['www-authenticate']), /^Basic realm="roster-admin"/)
      await request(app).get('/api/me').set('Authorization', basic('root', generated)).expect(401)
      await request(app).get('/api/me').set('Authorization', basic(`nope/root`, generated)).expect(401)
      assert.equal((await api().get(`/users/${admin.id}`).expect(200)).body.hasApiPassword, true)
      await api().put(`/users/${admin.id}/api-password`, { password: null }).expect(200)
      await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/root`, generated)).expect(401)
    })

    it('sets a typed API password (no secret in the answer) by the password policy, naming the field and the fault', async () => {
      const typed = 'a typed API password 1'
      const set = (await api().put(`/users/${admin.id}/api-password`, { password: typed }).expect(200)).body
      assert.deepEqual(set, { set: true })
      assert.equal((await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/root`, typed)).expect(200)).body.userName, 'root')
      const short = (await api().put(`/users/${admin.id}/api-password`, { password: 'short' }).expect(400)).body
      assert.equal(short.field, 'password')
      const long = (await api().put(`/users/${admin.id}/api-password`, { password: 'x'.repeat(1025) }).expect(400)).body
      assert.equal(long.field, 'password')
      // The typed one still works: refusals change nothing.
      await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/root`, typed)).expect(200)
    })

    it('issues credentials for another user only within the operator’s own permissions (403 otherwise)', async () => {
      await api().post('/roles', { name: 'Key keeper', permissions: ['credentials.manage', 'users.view'] }).expect(201)
      const kim = await userWithRole(t.store, app, tenant, 'Key keeper', 'kim')
      const keeper = (c = kim.cookie) => api(c)
      // An administrator's token or API password would hand kim the administrator's rights.
      assert.match((await keeper().post(`/users/${admin.id}/tokens`, { name: 'x' }).expect(403)).body.detail, /would carry permissions you do not hold yourself: .*settings\.manage/)
      assert.match((await keeper().put(`/users/${admin.id}/api-password`, { password: 'generate' }).expect(403)).body.detail, /do not hold yourself/)
      assert.match((await keeper().put(`/users/${admin.id}/api-password`, { password: 'a typed one 123' }).expect(403)).body.detail, /do not hold yourself/)
      // A token narrowed to what kim holds is fine, and so is a user within kim's permissions.
      const narrowed = (await keeper().post(`/users/${admin.id}/tokens`, { name: 'read only', permissions: ['users.view'] }).expect(201)).body
      const bot = (await api().post('/service-accounts', { name: 'reporting-bot' }).expect(201)).body
      await keeper().post(`/users/${bot.id}/tokens`, { name: 'ci' }).expect(201)
      await keeper().put(`/users/${bot.id}/api-password`, { password: 'generate' }).expect(200)
      // Regenerating is issuing again: same rule (the narrowed token may be, a full one of the admin's may not).
      await keeper().post(`/users/${admin.id}/tokens/${narrowed.id}/regenerate`).expect(200)
      const full = (await api().post('/me/tokens', { name: 'admin full' }).expect(201)).body
      await keeper().post(`/users/${admin.id}/tokens/${full.id}/regenerate`).expect(403)
      // Taking away is never an escalation.
      await keeper().delete(`/users/${admin.id}/tokens/${full.id}`).expect(204)
      await keeper().put(`/users/${admin.id}/api-password`, { password: null }).expect(200)
    })

    it('switching API access off stops tokens and API passwords, not the console session', async () => {
      const ann = await newUser(t.store, tenant, 'ann', { password: 'ann password 12' })
      const token = (await api().post(`/users/${ann.id}/tokens`, { name: 'ci' }).expect(201)).body.secret
      await api().put(`/users/${ann.id}/api-password`, { password: 'ann api password 1' }).expect(200)
      await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200)
      await api().put(`/users/${ann.id}/api-access`, { enabled: false }).expect(204)
      assert.match((await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)).body.detail, /API access is switched off/)
      await request(app).get('/api/me').set('Authorization', basic(`${tenant.slug}/ann`, 'ann api password 1')).expect(401)
      await api(await signIn('ann', 'ann password 12')).get('/me').expect(200)
      assert.equal((await api().get(`/users/${ann.id}`).expect(200)).body.apiAccess, false)
    })

    it('manages another user’s tokens only with credentials.manage', async () => {
      const { cookie: vicCookie } = await userWithRole(t.store, app, tenant, 'User manager', 'vic')
      assert.match((await api(vicCookie).post(`/users/${admin.id}/tokens`, { name: 'x' }).expect(403)).body.detail, /credentials\.manage/)
      await api(vicCookie).post('/me/tokens', { name: 'mine' }).expect(201)
      assert.match((await api(vicCookie).put(`/users/${admin.id}/api-password`, { password: 'generate' }).expect(403)).body.detail, /credentials\.manage/)
    })

    it('creates service accounts with an owner, roles and tokens; they cannot sign in interactively; deleting the owner hands them over', async () => {
      const owner = await newUser(t.store, tenant, 'olga')
      const heir = await newUser(t.store, tenant, 'hank')
      const sa = (await api().post('/service-accounts', { name: 'hr-feed', description: 'HR system import', ownerId: owner.id, roles: ['User manager'] }).expect(201)).body
      const token = (await api().post(`/users/${sa.id}/tokens`, { name: 'import job' }).expect(201)).body.secret
      await request(app)
        .post('/api/users')
        .set('Authorization', `Bearer ${token}`)
        .send({ firstName: 'Fed', lastName: 'By HR', userName: 'fed', email: 'fed@example.com' })
        .expect(201)
      const list = (await api().get('/service-accounts').expect(200)).body.items
      assert.deepEqual(list.map((a: { userName: string; ownerId: string }) => [a.userName, a.ownerId]), [['hr-feed', owner.id]])
      // The list carries what its rows show (owner, roles, token figures), so the console reads no more.
      const [row] = list
      assert.deepEqual(row.owner, { id: owner.id, userName: 'olga', displayName: null })
      assert.deepEqual(row.roles, [{ id: 'user-manager', name: 'User manager' }])
      assert.equal(row.apiAccess, true)
      assert.equal(row.tokenCount, 1)
      assert.ok(Date.now() - Date.parse(row.lastUsed) < 60_000, 'lastUsed is the token’s use just now')
      const form = await request(app).get(`/login/${tenant.slug}`)
      const formCookie = cookieOf(form, 'roster_form')!
      const interactive = await request(app).post(`/login/${tenant.slug}`).set('Cookie', formCookie).type('form').send({ formToken: formCookie.split('=')[1], username: 'hr-feed', password: 'anything at all' })
      assert.equal(interactive.status, 401)
      const refused = await api().delete(`/users/${owner.id}`).expect(409)
      assert.match(refused.body.detail, /owns 1 service account/)
      await api().delete(`/users/${owner.id}?replacementOwnerId=${heir.id}`).expect(204)
      assert.equal((await api().get(`/users/${sa.id}`).expect(200)).body.serviceAccount.ownerId, heir.id)
      // Revoked tokens leave the count; an unused account says so.
      const spare = (await api().post(`/users/${sa.id}/tokens`, { name: 'spare' }).expect(201)).body
      assert.equal((await api().get('/service-accounts').expect(200)).body.items[0].tokenCount, 2)
      await api().delete(`/users/${sa.id}/tokens/${spare.id}`).expect(204)
      await api().post('/service-accounts', { name: 'idle-job' }).expect(201)
      const after = (await api().get('/service-accounts').expect(200)).body.items
      assert.deepEqual(after.map((a: Record<string, unknown>) => [a.userName, a.tokenCount, a.lastUsed === null, a.roles]), [['hr-feed', 1, false, [{ id: 'user-manager', name: 'User manager' }]], ['idle-job', 0, true, []]])
      assert.equal(after[1].owner.id, admin.id)
      // The account's credentials die with its deactivation.
      await api().post(`/users/${sa.id}/deactivate`).expect(200)
      await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(401)
    })
  })
}

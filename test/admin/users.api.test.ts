/**
 * The admin API's user administration: permissions checked at use time (each missing one named),
 * validation with the field at fault, self-protection, ETags, managed-tenant refusals, credentials
 * dying with deactivation, and an OpenAPI document that matches the routes.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { adminSuiteHooks, apiAs, tenantWithAdmin, passwordSession, userWithRole } from '../support/admin.js'
import { backends, silentLog, type TestStore } from '../support/stores.js'
import { testConfig } from '../support/app.js'
import { newUser, signInActor, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import { assignRole } from '../../src/domain/access/roles.js'
import { createGroup, changeMembersMany } from '../../src/domain/identity/groups.js'
import { adminRouters } from '../../src/admin/router.js'
import { openApiDocument } from '../../src/admin/openapi.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const signIn = passwordSession

for (const backend of backends()) {
  describe(`admin API: users on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let admin: User
    let adminCookie: string
    const api = (cookie = adminCookie) => apiAs(app, cookie)
    const person = (userName: string, extra: Json = {}) => ({ firstName: 'Ann', lastName: 'Example', userName, email: `${userName}@example.com`, ...extra })

    adminSuiteHooks(backend, 'admin-api', (s) => ({ t, app, tenant, admin, cookie: adminCookie } = s))

    it('creates a user with a generated password shown once, and reads it back with its roles', async () => {
      const res = await api().post('/users', person('ann', { phone: '+1 555 0100', roles: ['Viewer'] })).expect(201)
      assert.match(res.body.generatedPassword, /^[A-Za-z0-9_-]{24}$/)
      assert.equal(res.body.status, 'active')
      assert.equal(res.headers.location, `/api/users/${res.body.id}`)
      const read = await api().get(`/users/${res.body.id}`).expect(200)
      assert.equal(read.body.generatedPassword, undefined, 'shown only once')
      assert.equal(read.body.firstName, 'Ann')
      assert.equal(read.body.phone, '+1 555 0100')
      assert.deepEqual(read.body.roles.map((r: Json) => r.name), ['Viewer'])
      // The new user signs in with it.
      await signIn(app, tenant, 'ann', res.body.generatedPassword)
      // Asking for one by name does the same; null gives none (single sign-on only).
      const named = await api().post('/users', person('bea', { password: 'generate' })).expect(201)
      assert.match(named.body.generatedPassword, /^[A-Za-z0-9_-]{24}$/)
      const none = await api().post('/users', person('cem', { password: null })).expect(201)
      assert.equal(none.body.generatedPassword, undefined)
    })

    it('lists users: view, search as you type, sort by any column, cursor paging, last sign-in', async () => {
      for (const [userName, first, last] of [['zoe', 'Zoe', 'Adams'], ['yann', 'Yann', 'Brun'], ['xavi', 'Xavi', 'Costa']] as const) {
        await api().post('/users', person(userName, { firstName: first, lastName: last, password: `${userName} password 12` })).expect(201)
      }
      await signIn(app, tenant, 'yann', 'yann password 12')
      const byName = (await api().get('/users?sort=name&limit=2').expect(200)).body
      assert.deepEqual(byName.items.map((u: Json) => u.userName), ['root', 'xavi'])
      assert.equal(byName.total, 4)
      assert.equal(byName.totalExact, true)
      const page2 = (await api().get(`/users?sort=name&limit=2&cursor=${byName.next}`).expect(200)).body
      assert.deepEqual(page2.items.map((u: Json) => u.userName), ['yann', 'zoe'])
      const recent = (await api().get('/users?sort=lastSignIn&order=desc').expect(200)).body.items
      assert.deepEqual(recent.slice(0, 2).map((u: Json) => u.userName), ['yann', 'root'])
      assert.ok(recent[0].lastSignIn)
      assert.deepEqual((await api().get('/users?q=cost').expect(200)).body.items.map((u: Json) => u.userName), ['xavi'])
      await api().post(`/users/${recent.find((u: Json) => u.userName === 'zoe').id}/deactivate`).expect(200)
      assert.deepEqual((await api().get('/users?view=inactive').expect(200)).body.items.map((u: Json) => u.userName), ['zoe'])
      assert.equal((await api().get(`/users?sort=email&cursor=${byName.next}`).expect(400)).body.field, 'cursor')
    })

    it('never lets anyone change a more powerful user, or the membership of a more powerful group (403)', async () => {
      const { cookie: umi } = await userWithRole(t.store, app, tenant, 'User manager', 'umi')
      const ann = await newUser(t.store, tenant, 'ann', { email: 'ann@example.com' })
      // Changing an administrator's email could hand their SSO identity to whoever owns the new one.
      const refused = (await api(umi).patch(`/users/${admin.id}`, { email: 'mine@evil.example' }).expect(403)).body.detail
      assert.match(refused, /this user carries permissions you do not hold yourself \(.*settings\.manage.*\)/)
      await api(umi).post(`/users/${admin.id}/deactivate`).expect(403)
      await api(umi).post(`/users/${admin.id}/archive`).expect(403)
      await api(umi).delete(`/users/${admin.id}`).expect(403)
      assert.equal((await api().get(`/users/${admin.id}`).expect(200)).body.status, 'active')
      // People within the operator's own permissions are theirs to manage.
      await api(umi).patch(`/users/${ann.id}`, { lastName: 'Moved' }).expect(200)
      await api(umi).post(`/users/${ann.id}/deactivate`).expect(200)

      const ctx = { tenant, actor: signInActor, channel: 'cli' as const, requestId: null }
      const admins = await createGroup(t.store, ctx, { displayName: 'Admins', externalId: null, document: { displayName: 'Admins' } }, [])
      const inner = await createGroup(t.store, ctx, { displayName: 'On call', externalId: null, document: { displayName: 'On call' } }, [])
      await api().post(`/groups/${admins.id}/roles`, { role: 'Administrator' }).expect(204)
      await api().post(`/groups/${admins.id}/members`, { add: [{ id: inner.id, type: 'Group' }], remove: [] }).expect(204)
      const me = (await api(umi).get('/me').expect(200)).body
      // Adding yourself to the admins' group — or to a group inside it — would make you one.
      assert.match((await api(umi).post(`/groups/${admins.id}/members`, { add: [{ id: me.id, type: 'User' }], remove: [] }).expect(403)).body.detail, /group Admins carries permissions you do not hold/)
      await api(umi).post(`/groups/${inner.id}/members`, { add: [{ id: me.id, type: 'User' }], remove: [] }).expect(403)
      await api(umi).delete(`/groups/${admins.id}`).expect(403)
      assert.deepEqual((await api(umi).get('/me').expect(200)).body.permissions, me.permissions)
      const helpers = (await api(umi).post('/groups', { displayName: 'Helpers' }).expect(201)).body
      await api(umi).post(`/groups/${helpers.id}/members`, { add: [{ id: ann.id, type: 'User' }], remove: [] }).expect(204)
    })

    it('validates input, naming the field at fault', async () => {
      const cases: Array<[Json, string]> = [
        [{ ...person('x'), email: 'not-an-email' }, 'email'],
        [{ firstName: 'A', lastName: 'B', userName: 'x' }, 'email'],
        [{ ...person('x'), status: 'sleeping' }, 'status'],
        [{ ...person('x'), password: 'short' }, 'password'],
        [{ ...person('x'), admin: true }, 'admin'],
        [{ ...person(' padded ') }, 'userName'],
      ]
      for (const [body, field] of cases) {
        const res = await api().post('/users', body).expect(400)
        assert.match(String(res.headers['content-type']), /application\/problem\+json/)
        assert.equal(res.body.field, field, JSON.stringify(res.body))
      }
      await api().get('/users?limit=0').expect(400)
      await api().get('/users?sort=password').expect(400)
    })

    it('answers 409 for a taken userName or email', async () => {
      await api().post('/users', person('bob')).expect(201)
      assert.equal((await api().post('/users', person('BOB', { email: 'other@example.com' })).expect(409)).body.field, 'userName')
      assert.equal((await api().post('/users', person('bob2', { email: 'BOB@example.com' })).expect(409)).body.field, 'email')
    })

    it('edits with ETags (412 on a stale edit); the userName is read-only', async () => {
      const created = (await api().post('/users', person('carol')).expect(201)).body
      const first = await api().get(`/users/${created.id}`).expect(200)
      const etag = first.headers.etag!
      const edited = await api().patch(`/users/${created.id}`, { lastName: 'Changed' }, etag).expect(200)
      assert.equal(edited.body.lastName, 'Changed')
      assert.equal(edited.body.displayName, 'Ann Changed')
      const stale = await api().patch(`/users/${created.id}`, { firstName: 'Late' }, etag).expect(412)
      assert.match(stale.body.detail, /version/)
      const rename = await api().patch(`/users/${created.id}`, { userName: 'renamed' }).expect(400)
      assert.equal(rename.body.field, 'userName')
    })

    it('deactivates and activates others, never yourself; deactivation ends the user’s sessions at once', async () => {
      const created = (await api().post('/users', person('dave', { password: 'dave password 12' })).expect(201)).body
      const daveCookie = await signIn(app, tenant, 'dave', 'dave password 12')
      await api(daveCookie).get('/me').expect(200)
      const off = await api().post(`/users/${created.id}/deactivate`).expect(200)
      assert.equal(off.body.status, 'inactive')
      assert.equal(await t.store.sessions.countForUser(tenant.id, created.id), 0, 'ended at once')
      await api(daveCookie).get('/me').expect(401)
      assert.equal((await api().post(`/users/${created.id}/activate`).expect(200)).body.status, 'active')
      const self = await api().post(`/users/${admin.id}/deactivate`).expect(409)
      assert.match(self.body.detail, /yourself/)
      await api().delete(`/users/${admin.id}`).expect(409)
      const events = (await t.store.audit.list(tenant.id, { limit: 5, action: 'user.deactivate' })).items
      assert.equal(events[0]?.actor.label, 'root')
    })

    it('archives (ending sessions at once), restores and purges; a directory would restore its own', async () => {
      const created = (await api().post('/users', person('erin', { password: 'erin password 12' })).expect(201)).body
      const erinCookie = await signIn(app, tenant, 'erin', 'erin password 12')
      const archived = (await api().post(`/users/${created.id}/archive`).expect(200)).body
      assert.equal(archived.status, 'archived')
      await api(erinCookie).get('/me').expect(401)
      assert.match((await api().post(`/users/${created.id}/activate`).expect(409)).body.detail, /restore it first/)
      assert.equal((await api().post(`/users/${created.id}/restore`).expect(200)).body.status, 'active')
      assert.match((await api().post(`/users/${created.id}/restore`).expect(409)).body.detail, /not archived/)
      await api().post(`/users/${created.id}/archive`).expect(200)
      await api().delete(`/users/${created.id}`).expect(204)
      await api().get(`/users/${created.id}`).expect(404)
      const events = (await t.store.audit.list(tenant.id, { limit: 20, action: 'user.*' })).items.map((e) => e.action)
      assert.ok(['user.archive', 'user.restore', 'user.delete'].every((a) => events.includes(a)))
    })

    it('checks each permission at use time and names the missing one', async () => {
      const { cookie } = await userWithRole(t.store, app, tenant, 'Viewer', 'vera')
      await api(cookie).get(`/users/${admin.id}`).expect(200)
      assert.match((await api(cookie).post('/users', person('x')).expect(403)).body.detail, /missing permission users\.create/)
      assert.match((await api(cookie).patch(`/users/${admin.id}`, { lastName: 'x' }).expect(403)).body.detail, /missing permission users\.edit/)
      assert.match((await api(cookie).delete(`/users/${admin.id}`).expect(403)).body.detail, /missing permission users\.delete/)
      // A user manager may create users but not hand out roles.
      const { cookie: mia } = await userWithRole(t.store, app, tenant, 'User manager', 'mia')
      await api(mia).post('/users', person('plain')).expect(201)
      assert.match((await api(mia).post('/users', person('raised', { roles: ['Administrator'] })).expect(403)).body.detail, /missing permission roles\.manage/)
      // A general user (no role) may read only itself.
      const nobody = await newUser(t.store, tenant, 'nora', { password: 'nora password 1' })
      const nora = await signIn(app, tenant, 'nora', 'nora password 1')
      assert.equal((await api(nora).get('/me').expect(200)).body.id, nobody.id)
      assert.match((await api(nora).get(`/users/${admin.id}`).expect(403)).body.detail, /missing permission users\.view/)
    })

    it('grants permissions through a group’s roles (nested groups included) and shows where a role comes from', async () => {
      const gus = await newUser(t.store, tenant, 'gus', { password: 'gus password 12' })
      const write = { tenant, actor: signInActor, channel: 'cli' as const, requestId: null }
      const support = await createGroup(t.store, write, { displayName: 'Support', externalId: null, document: { displayName: 'Support' } })
      const staff = await createGroup(t.store, write, { displayName: 'Staff', externalId: null, document: { displayName: 'Staff' } })
      await changeMembersMany(t.store, write, [
        { groupId: support.id, add: [{ memberId: gus.id, memberType: 'User' }], remove: [] },
        { groupId: staff.id, add: [{ memberId: support.id, memberType: 'Group' }], remove: [] },
      ])
      await assignRole(t.store, { tenant, actor: signInActor, requestId: null }, 'User manager', { type: 'Group', id: staff.id, label: 'Staff' })
      const cookie = await signIn(app, tenant, 'gus', 'gus password 12')
      const me = (await api(cookie).get('/me').expect(200)).body
      assert.deepEqual(me.roles.map((r: Json) => [r.name, r.via.map((g: Json) => g.groupName)]), [['User manager', ['Staff']]])
      await api(cookie).post('/users', person('via-group')).expect(201)
    })

    it('refuses writes in a directory-managed tenant with 409 saying where to change it; reads work and show it as managed', async () => {
      const { tenant: synced, cookie } = await tenantWithAdmin(t.store, app, 'admin-ldap', 'boss', 'ldap')
      const worker = await newUser(t.store, synced, 'worker')
      const read = await api(cookie).get(`/users/${worker.id}`).expect(200)
      assert.match(read.body.managedBy, /managed by the directory/)
      const refused = await api(cookie).patch(`/users/${worker.id}`, { lastName: 'Local' }).expect(409)
      assert.match(refused.body.detail, /managed by its directory/)
      await api(cookie).post('/users', person('local')).expect(409)
      await api(cookie).post(`/users/${worker.id}/deactivate`).expect(409)
    })

    it('answers 401 without a session and 415 for a change that is not JSON (a cross-site form)', async () => {
      const res = await request(app).get('/api/users').expect(401)
      assert.match(String(res.headers['content-type']), /application\/problem\+json/)
      await request(app).post(`/api/users/${admin.id}/deactivate`).set('Cookie', adminCookie).type('form').send('x=1').expect(415)
    })

    it('publishes an OpenAPI 3.1 document whose paths and methods are exactly the routes', async () => {
      const doc = (await request(app).get('/api/openapi.json').expect(200)).body
      assert.equal(doc.openapi, '3.1.0')
      const { open, authenticated } = adminRouters({ store: t.store, bodyLimitBytes: 1024, idleMs: 1000, config: testConfig(), log: silentLog, box: undefined })
      const routes = new Set<string>()
      for (const layer of [...open.stack, ...authenticated.stack]) {
        for (const method of layer.methods.filter((m) => m !== 'HEAD')) routes.add(`${method} ${String(layer.path).replace(/^\/api/, '').replace(/:(\w+)/g, '{$1}')}`)
      }
      const documented = new Set<string>()
      for (const [path, item] of Object.entries(openApiDocument.paths)) for (const method of Object.keys(item)) documented.add(`${method.toUpperCase()} ${path}`)
      assert.deepEqual([...routes].sort(), [...documented].sort())
    })
  })
}

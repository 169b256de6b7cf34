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

    it('pages by keyset both ways: Previous, the last page, and go to a name prefix, in either order', async () => {
      for (const n of ['ada', 'bob', 'cyd', 'dan', 'eve', 'fay', 'gus']) await api().post('/users', person(n, { password: null })).expect(201)
      const names = (page: Json) => page.items.map((u: Json) => u.userName)
      const list = async (query: string) => (await api().get(`/users?${query}`).expect(200)).body
      const p1 = await list('limit=3')
      assert.deepEqual(names(p1), ['ada', 'bob', 'cyd'])
      assert.equal(p1.previous, null)
      assert.deepEqual([p1.total, p1.totalExact], [8, true])
      const p2 = await list(`limit=3&cursor=${p1.next}`)
      assert.deepEqual(names(p2), ['dan', 'eve', 'fay'])
      assert.deepEqual(names(await list(`limit=3&cursor=${p2.previous}`)), ['ada', 'bob', 'cyd'])
      assert.equal((await list(`limit=3&cursor=${p2.previous}`)).previous, null, 'back at the first page')
      // The last page: read backward from the end, not counted through; it holds what whole pages
      // leave over, so Previous from it is the second page counted from the first.
      const last = await list('limit=3&last=true')
      assert.deepEqual(names(last), ['gus', 'root'])
      assert.equal(last.next, null)
      const beforeLast = await list(`limit=3&cursor=${last.previous}`)
      assert.deepEqual(names(beforeLast), ['dan', 'eve', 'fay'])
      assert.deepEqual(names(await list(`limit=3&cursor=${beforeLast.next}`)), ['gus', 'root'])
      // A page back that would be short is the first page, whole.
      const fromEve = await list('limit=3&from=e')
      const beforeEve = await list(`limit=3&cursor=${fromEve.previous}`)
      assert.deepEqual(names(beforeEve), ['bob', 'cyd', 'dan'])
      const first = await list(`limit=3&cursor=${beforeEve.previous}`)
      assert.deepEqual(names(first), ['ada', 'bob', 'cyd'])
      assert.equal(first.previous, null)
      assert.deepEqual(names(await list('limit=3&order=desc&last=true')), ['bob', 'ada'])
      assert.deepEqual(names(await list('limit=4&last=true')), ['eve', 'fay', 'gus', 'root'], 'a whole last page')
      // Go to a prefix of the sort column, case-insensitively; descending lands on its last match.
      const jump = await list('limit=3&from=D')
      assert.deepEqual(names(jump), ['dan', 'eve', 'fay'])
      assert.ok(jump.previous)
      assert.deepEqual(names(await list('limit=3&from=d&order=desc')), ['dan', 'cyd', 'bob'])
      assert.deepEqual(names(await list('limit=3&from=zz')), [])
      assert.deepEqual(names(await list('limit=3&from=c&sort=email')), ['cyd', 'dan', 'eve'])
      assert.deepEqual(names(await list('limit=3&from=e&q=example.com')), ['eve', 'fay', 'gus'])
      assert.equal((await api().get('/users?sort=created&from=a').expect(400)).body.field, 'from')
      assert.equal((await api().get(`/users?last=true&cursor=${p1.next}`).expect(400)).body.field, 'last')
      assert.equal((await api().get('/users?last=yes').expect(400)).body.field, 'last')
    })

    it('finds users by external id, whole or in part', async () => {
      for (const [i, n] of ['ada', 'bob', 'cyd'].entries()) await api().post('/users', person(n, { externalId: `IMS-${String(40 + i).padStart(5, '0')}`, password: null })).expect(201)
      const found = async (q: string) => (await api().get(`/users?q=${encodeURIComponent(q)}`).expect(200)).body.items.map((u: Json) => u.userName)
      assert.deepEqual(await found('IMS-00042'), ['cyd'])
      assert.deepEqual(await found('ims-0004'), ['ada', 'bob', 'cyd'])
      assert.deepEqual(await found('00041'), ['bob'])
      assert.deepEqual(await found('IMS-00099'), [])
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

    it('says in a user\'s detail what the caller may do to them, by the rules the changes apply, and refuses what it says no to', async () => {
      const { user: uma, cookie: umaCookie } = await userWithRole(t.store, app, tenant, 'User manager', 'uma')
      const ann = await newUser(t.store, tenant, 'ann', { email: 'ann@example.com' })
      const all = { edit: true, activate: true, deactivate: true, archive: true, restore: true, delete: true, manageRoles: true, manageCredentials: true }
      const none = { edit: false, activate: false, deactivate: false, archive: false, restore: false, delete: false, manageRoles: false, manageCredentials: false }
      // The flags; which roles may be granted is checked apart.
      const detail = async (cookie: string, id: string) => {
        const body = (await api(cookie).get(`/users/${id}`).expect(200)).body
        const { grantRoles, ...allowed } = body.allowed
        return { ...body, allowed, grantRoles }
      }

      // The administrator holds everything: anyone else is theirs to change; themselves, only to edit.
      const annByAdmin = await detail(adminCookie, ann.id)
      assert.deepEqual(annByAdmin.allowed, all)
      assert.deepEqual(annByAdmin.grantRoles, ['administrator', 'user-manager', 'viewer', 'general-user'])
      assert.deepEqual(annByAdmin.permissionsBeyondYours, [])
      const adminSelf = await detail(adminCookie, admin.id)
      assert.deepEqual(adminSelf.allowed, { ...all, activate: false, deactivate: false, archive: false, restore: false, delete: false, manageRoles: false })
      assert.deepEqual(adminSelf.grantRoles, [], 'nobody changes their own roles')

      // A user manager may change ann, but neither hand out roles nor manage her credentials.
      const annByUma = await detail(umaCookie, ann.id)
      assert.deepEqual(annByUma.allowed, { ...all, manageRoles: false, manageCredentials: false })
      assert.deepEqual(annByUma.grantRoles, [])
      // The rule says no: the administrator holds permissions the user manager lacks.
      const adminByUma = await detail(umaCookie, admin.id)
      assert.deepEqual(adminByUma.allowed, none)
      assert.deepEqual([...adminByUma.permissionsBeyondYours].sort(), ['audit.view', 'credentials.manage', 'roles.manage', 'settings.manage'])
      // ... and the API refuses exactly that.
      await api(umaCookie).patch(`/users/${admin.id}`, { lastName: 'x' }).expect(403)
      await api(umaCookie).post(`/users/${admin.id}/deactivate`).expect(403)
      // Their own credentials are everyone's to manage.
      assert.equal((await detail(umaCookie, uma.id)).allowed.manageCredentials, true)

      // A viewer may read but change nothing.
      const { cookie: vic } = await userWithRole(t.store, app, tenant, 'Viewer', 'vic')
      assert.deepEqual((await detail(vic, ann.id)).allowed, none)

      // roles.manage hands out only what its holder has: a role keeper may grant Viewer, not User manager.
      const keeper = (await api().post('/roles', { name: 'Role keeper', permissions: ['users.view', 'groups.view', 'audit.view', 'roles.manage'] }).expect(201)).body
      const { cookie: rita } = await userWithRole(t.store, app, tenant, 'Role keeper', 'rita')
      const annByRita = await detail(rita, ann.id)
      assert.equal(annByRita.allowed.manageRoles, true)
      assert.deepEqual(annByRita.grantRoles, ['viewer', 'general-user', keeper.id])
      await api(rita).post(`/users/${ann.id}/roles`, { role: 'User manager' }).expect(403)
      await api(rita).post(`/users/${ann.id}/roles`, { role: 'Viewer' }).expect(204)
      // The same for a group's roles.
      const group = (await api().post('/groups', { displayName: 'Desk' }).expect(201)).body
      assert.deepEqual((await api().get(`/groups/${group.id}`).expect(200)).body.allowed, { manageRoles: true, grantRoles: ['administrator', 'user-manager', 'viewer', 'general-user', keeper.id] })
      assert.deepEqual((await api(rita).get(`/groups/${group.id}`).expect(200)).body.allowed, { manageRoles: true, grantRoles: ['viewer', 'general-user', keeper.id] })
      assert.deepEqual((await api(vic).get(`/groups/${group.id}`).expect(200)).body.allowed, { manageRoles: false, grantRoles: [] })
      await api(rita).post(`/groups/${group.id}/roles`, { role: 'Administrator' }).expect(403)
      await api(rita).post(`/groups/${group.id}/roles`, { role: 'Viewer' }).expect(204)
    })

    it('tells the caller in /me what they hold and the catalogue of permissions it is drawn from', async () => {
      const me = (await api().get('/me').expect(200)).body
      const catalogue = me.permissionCatalogue as Json[]
      assert.deepEqual(catalogue.map((p) => p.name), ['users.view', 'users.create', 'users.edit', 'users.delete', 'groups.view', 'groups.manage', 'roles.manage', 'credentials.manage', 'audit.view', 'settings.manage'])
      assert.deepEqual(catalogue.find((p) => p.name === 'users.create'), { name: 'users.create', label: 'Create users', allows: 'creating users' })
      assert.ok(catalogue.every((p) => p.label && p.allows))
      assert.deepEqual([...me.permissions].sort(), catalogue.map((p) => p.name).sort())
      const { cookie } = await userWithRole(t.store, app, tenant, 'Viewer', 'vim')
      const viewer = (await api(cookie).get('/me').expect(200)).body
      assert.deepEqual([...viewer.permissions].sort(), ['audit.view', 'groups.view', 'users.view'])
      assert.deepEqual(viewer.permissionCatalogue, me.permissionCatalogue)
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

    it('takes only real email addresses (one domain rule, create and edit) and says each fault with its field and kind', async () => {
      for (const email of ['bob@x', 'bob@localhost', 'bob@10.0.0.1', 'bob@-x.com', 'bob@x..com', '.bob@example.com', 'bob smith@example.com', 'bob@@example.com']) {
        const res = await api().post('/users', person('bob', { email })).expect(400)
        assert.deepEqual([res.body.field, res.body.code], ['email', 'format'], `${email}: ${JSON.stringify(res.body)}`)
        assert.match(res.body.detail, /email must be an email address/)
      }
      for (const [i, email] of ['bob@x.io', 'bob.o+tag@mail.example.co.uk', 'jürgen@bücher.de'].entries()) await api().post('/users', person(`ok${i}`, { email })).expect(201)
      const bob = (await api().post('/users', person('bob')).expect(201)).body
      assert.equal((await api().patch(`/users/${bob.id}`, { email: 'bob@x' }).expect(400)).body.code, 'format')
      // Words, not the validator's ("must NOT have fewer than 1 characters"), and a code a form can word itself.
      const empty = (await api().post('/users', person('carl', { firstName: '' })).expect(400)).body
      assert.deepEqual([empty.field, empty.code, empty.detail], ['firstName', 'required', 'firstName must not be empty'])
      const missing = (await api().post('/users', { firstName: 'A', lastName: 'B', email: 'a@example.com' }).expect(400)).body
      assert.deepEqual([missing.field, missing.code], ['userName', 'required'])
      const taken = (await api().post('/users', person('BOB', { email: 'other@example.com' })).expect(409)).body
      assert.deepEqual([taken.field, taken.code], ['userName', 'uniqueness'])
    })

    it('takes an action or a DELETE with no body at all (no Content-Type), but not from another origin, and never a body of another type', async () => {
      const erin = (await api().post('/users', person('erin')).expect(201)).body
      const bare = (method: 'post' | 'delete', path: string) => request(app)[method](`/api${path}`).set('Cookie', adminCookie)
      assert.equal((await bare('post', `/users/${erin.id}/deactivate`).expect(200)).body.status, 'inactive')
      await bare('post', `/users/${erin.id}/activate`).set('Content-Length', '0').set('Sec-Fetch-Site', 'same-origin').expect(200)
      // A bodiless POST is a "simple request" a page of another origin may send: refused as before.
      await bare('post', `/users/${erin.id}/deactivate`).set('Sec-Fetch-Site', 'same-site').expect(415)
      await bare('post', `/users/${erin.id}/deactivate`).set('Origin', 'https://evil.example').expect(415)
      await bare('post', `/users/${erin.id}/deactivate`).type('form').send('').expect(415)
      await bare('post', `/users/${erin.id}/deactivate`).set('Content-Type', 'text/plain').send('{}').expect(415)
      // A route that needs a body names what is missing (400), rather than 415.
      assert.equal((await bare('post', '/users').expect(400)).body.code, 'required')
      await bare('post', `/users/${erin.id}/archive`).expect(200)
      await bare('delete', `/users/${erin.id}`).expect(204)
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
      const { open, authenticated } = adminRouters({ store: t.store, bodyLimitBytes: 1024, idleMs: 1000, config: testConfig(), log: silentLog, box: undefined, scimBaseUrl: '' })
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

/**
 * The admin API's roles: giving users roles and taking them away (roles.manage, tenant-scoped,
 * self-protection, audited, allowed in managed tenants), custom roles (create, validation, delete
 * with its assignments; built-ins stay), effective roles with `via`, and sessions ending when their
 * user's roles change.
 */
import assert from 'node:assert/strict'
import { adminSuiteHooks, apiAs, tenantWithAdmin, passwordSession, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { newTenant, newUser, signInActor, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import { createGroup } from '../../src/domain/identity/groups.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const MISSING = '00000000-0000-4000-8000-000000000000'

for (const backend of backends()) {
  describe(`admin API: roles on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let admin: User
    let cookie: string
    const api = (c = cookie) => apiAs(app, c)
    const signIn = (tn: Tenant, userName: string, password: string) => passwordSession(app, tn, userName, password)
    const rolesOf = async (id: string, c = cookie) => ((await api(c).get(`/users/${id}`).expect(200)).body.roles as Json[]).map((r) => [r.name, r.via === null ? null : r.via.map((v: Json) => v.groupName)])

    adminSuiteHooks(backend, 'roles', (s) => ({ t, app, tenant, admin, cookie } = s))

    it('gives a user a role by name or id and takes it away; the user detail shows it beside its group roles, and each change is audited', async () => {
      const ann = await newUser(t.store, tenant, 'ann')
      const ctx = { tenant, actor: signInActor, channel: 'cli' as const, requestId: null }
      const support = await createGroup(t.store, ctx, { displayName: 'Support', externalId: null, document: { displayName: 'Support' } }, [{ value: ann.id, type: 'User' }])
      await api().post(`/groups/${support.id}/roles`, { role: 'Viewer' }).expect(204)

      await api().post(`/users/${ann.id}/roles`, { role: 'user manager' }).expect(204)
      await api().post(`/users/${ann.id}/roles`, { role: 'viewer' }).expect(204)
      // Again: nothing changes, still 204.
      await api().post(`/users/${ann.id}/roles`, { role: 'User manager' }).expect(204)
      assert.deepEqual(await rolesOf(ann.id), [
        ['User manager', null],
        ['Viewer', null],
      ])
      const detail = (await api().get(`/users/${ann.id}`).expect(200)).body
      assert.ok(detail.permissions.includes('users.edit'))

      // Taking her own Viewer away leaves the one Support brings.
      await api().delete(`/users/${ann.id}/roles/viewer`).expect(204)
      assert.deepEqual(await rolesOf(ann.id), [
        ['User manager', null],
        ['Viewer', ['Support']],
      ])
      await api().delete(`/users/${ann.id}/roles/${encodeURIComponent('User manager')}`).expect(204)
      await api().delete(`/users/${ann.id}/roles/user-manager`).expect(204)
      assert.deepEqual(await rolesOf(ann.id), [['Viewer', ['Support']]])
      assert.deepEqual((await api().get(`/users/${ann.id}`).expect(200)).body.permissions, ['audit.view', 'groups.view', 'users.view'])

      const events = (await api().get(`/audit?action=role.*&target=${ann.id}`).expect(200)).body.items as Json[]
      assert.deepEqual(
        events.map((e) => [e.action, e.actor.label, e.resourceType, e.before?.role ?? e.after?.role]).reverse(),
        [
          ['role.assign', 'root', 'User', 'User manager'],
          ['role.assign', 'root', 'User', 'Viewer'],
          ['role.unassign', 'root', 'User', 'Viewer'],
          ['role.unassign', 'root', 'User', 'User manager'],
        ],
      )
    })

    it('refuses without roles.manage (403 naming it), for unknown users, roles and other tenants\' users (404), and bad bodies (400)', async () => {
      const ann = await newUser(t.store, tenant, 'ann')
      const { cookie: vicCookie } = await userWithRole(t.store, app, tenant, 'User manager', 'vic')
      assert.match((await api(vicCookie).post(`/users/${ann.id}/roles`, { role: 'Viewer' }).expect(403)).body.detail, /missing permission roles\.manage/)
      assert.match((await api(vicCookie).delete(`/users/${ann.id}/roles/viewer`).expect(403)).body.detail, /roles\.manage/)
      assert.match((await api(vicCookie).post('/roles', { name: 'X', permissions: [] }).expect(403)).body.detail, /roles\.manage/)
      assert.match((await api(vicCookie).delete('/roles/viewer').expect(403)).body.detail, /roles\.manage/)
      // Reading the roles needs nothing: the console shows them in forms.
      assert.ok((await api(vicCookie).get('/roles').expect(200)).body.items.length >= 4)

      const other = await newTenant(t.store, 'roles-other')
      const stranger = await newUser(t.store, other, 'stranger')
      assert.match((await api().post(`/users/${stranger.id}/roles`, { role: 'Viewer' }).expect(404)).body.detail, /no user/)
      await api().delete(`/users/${stranger.id}/roles/viewer`).expect(404)
      await api().post(`/users/${MISSING}/roles`, { role: 'Viewer' }).expect(404)
      await api().post('/users/not-a-uuid/roles', { role: 'Viewer' }).expect(404)
      assert.match((await api().post(`/users/${ann.id}/roles`, { role: 'Superuser' }).expect(404)).body.detail, /no role "Superuser"/)
      await api().delete(`/users/${ann.id}/roles/superuser`).expect(404)
      assert.equal((await api().post(`/users/${ann.id}/roles`, {}).expect(400)).body.field, 'role')
      assert.equal((await api().post(`/users/${ann.id}/roles`, { role: '' }).expect(400)).body.field, 'role')
      assert.equal((await api().post(`/users/${ann.id}/roles`, { role: 'Viewer', extra: 1 }).expect(400)).body.field, 'extra')
      assert.deepEqual(await rolesOf(ann.id), [])
      assert.deepEqual((await t.store.audit.list(other.id, { limit: 10, action: 'role.assign' })).items, [])
    })

    it('never lets anyone change their own roles (409), nor hand out or take away permissions they do not hold (403)', async () => {
      const detail = (await api().delete(`/users/${admin.id}/roles/administrator`).expect(409)).body.detail
      assert.match(detail, /you cannot revoke your own roles/)
      assert.match((await api().post(`/users/${admin.id}/roles`, { role: 'Viewer' }).expect(409)).body.detail, /you cannot grant yourself roles/)
      assert.deepEqual(await rolesOf(admin.id), [['Administrator', null]])

      // A delegate with roles.manage and a few permissions hands out only roles within them.
      const sam = await newUser(t.store, tenant, 'sam', { password: 'sam password 12' })
      const ann = await newUser(t.store, tenant, 'ann')
      const delegate = (await api().post('/roles', { name: 'Role admin', permissions: ['roles.manage', 'users.view', 'users.create', 'groups.view', 'audit.view', 'credentials.manage'] }).expect(201)).body
      await api().post(`/users/${sam.id}/roles`, { role: delegate.id }).expect(204)
      const samCookie = await signIn(tenant, 'sam', 'sam password 12')
      assert.match((await api(samCookie).post(`/users/${sam.id}/roles`, { role: 'Administrator' }).expect(409)).body.detail, /you cannot grant yourself roles/)
      const refused = (await api(samCookie).post(`/users/${ann.id}/roles`, { role: 'Administrator' }).expect(403)).body.detail
      assert.match(refused, /role Administrator carries permissions you do not hold yourself: .*settings\.manage/)
      await api(samCookie).post(`/users/${ann.id}/roles`, { role: 'Viewer' }).expect(204)
      // Nor strip an administrator, nor mint a bigger role, nor give one to a group.
      assert.match((await api(samCookie).delete(`/users/${admin.id}/roles/administrator`).expect(403)).body.detail, /do not hold yourself/)
      assert.match((await api(samCookie).post('/roles', { name: 'Everything', permissions: ['settings.manage'] }).expect(403)).body.detail, /the new role carries permissions you do not hold yourself: settings\.manage/)
      // Nor through the roles a new user or service account starts with.
      const person = { firstName: 'Eve', lastName: 'Example', userName: 'eve', email: 'eve@example.com' }
      assert.match((await api(samCookie).post('/users', { ...person, roles: ['Administrator'] }).expect(403)).body.detail, /role Administrator carries permissions you do not hold yourself/)
      assert.match((await api(samCookie).post('/service-accounts', { name: 'ci-bot', roles: ['User manager'] }).expect(403)).body.detail, /do not hold yourself/)
      assert.deepEqual((await api().get('/users?q=eve').expect(200)).body.items, [])
      assert.deepEqual((await api().get('/service-accounts').expect(200)).body.items, [])
      await api(samCookie).post('/users', { ...person, roles: ['Viewer'] }).expect(201)
      const ctx = { tenant, actor: signInActor, channel: 'cli' as const, requestId: null }
      const staff = await createGroup(t.store, ctx, { displayName: 'Staff', externalId: null, document: { displayName: 'Staff' } }, [{ value: sam.id, type: 'User' }])
      assert.match((await api(samCookie).post(`/groups/${staff.id}/roles`, { role: 'User manager' }).expect(403)).body.detail, /do not hold yourself/)
      assert.deepEqual(await rolesOf(sam.id), [['Role admin', null]])
      assert.deepEqual(await rolesOf(admin.id), [['Administrator', null]])
      const events = (await t.store.audit.list(tenant.id, { limit: 50, action: 'role.assign' })).items
      assert.ok(!events.some((e) => (e.changes?.after as Json | undefined)?.role === 'Administrator' && e.resourceId !== admin.id))
    })

    it('ends the session of a user whose roles change through the endpoint, at its next request', async () => {
      const ann = await newUser(t.store, tenant, 'ann', { password: 'ann password 12' })
      const annCookie = await signIn(tenant, 'ann', 'ann password 12')
      await api(annCookie).get('/me').expect(200)
      await api().post(`/users/${ann.id}/roles`, { role: 'Viewer' }).expect(204)
      await api(annCookie).get('/me').expect(401)
      const again = await signIn(tenant, 'ann', 'ann password 12')
      assert.deepEqual((await api(again).get('/me').expect(200)).body.permissions, ['audit.view', 'groups.view', 'users.view'])
      await api().delete(`/users/${ann.id}/roles/viewer`).expect(204)
      await api(again).get('/users').expect(401)
      // The administrator's own session is untouched by changing someone else's roles.
      await api().get('/me').expect(200)
    })

    it('reads the roles reaching the operator once per request, for the session check and the permission checks together', async () => {
      const repo = t.store.roleAssignments
      const reaching = repo.reaching
      let calls = 0
      repo.reaching = (tenantId, userId) => {
        calls++
        return reaching.call(repo, tenantId, userId)
      }
      try {
        await api().get('/users').expect(200)
        assert.equal(calls, 1)
        calls = 0
        await api().get('/me').expect(200)
        assert.equal(calls, 1)
      } finally {
        repo.reaching = reaching
      }
    })

    it('creates custom roles, validates them (400 with field, 409 for names taken), and deletes them with their assignments; built-ins stay', async () => {
      const created = await api().post('/roles', { name: '  Contact centre supervisor ', description: 'Floor leads', permissions: ['users.view', 'users.edit', 'audit.view', 'users.view'] }).expect(201)
      const role = created.body
      assert.equal(role.name, 'Contact centre supervisor')
      assert.equal(role.description, 'Floor leads')
      assert.equal(role.builtIn, false)
      assert.deepEqual(role.permissions, ['audit.view', 'users.edit', 'users.view'])
      assert.ok((await api().get('/roles').expect(200)).body.items.some((r: Json) => r.id === role.id && r.name === 'Contact centre supervisor'))

      const bad = async (body: object, field: string, detail?: RegExp) => {
        const res = await api().post('/roles', body).expect(400)
        assert.equal(res.body.field, field, JSON.stringify(res.body))
        if (detail) assert.match(res.body.detail, detail)
      }
      await bad({ name: '', permissions: [] }, 'name')
      await bad({ name: '   ', permissions: [] }, 'name', /1-100 characters/)
      await bad({ name: 'x'.repeat(101), permissions: [] }, 'name')
      await bad({ permissions: [] }, 'name', /name is required/)
      await bad({ name: 'Auditors' }, 'permissions', /permissions is required/)
      await bad({ name: 'Auditors', permissions: ['audit.view', 'root.everything'] }, 'permissions', /unknown permission "root\.everything"/)
      await bad({ name: 'Auditors', permissions: 'audit.view' }, 'permissions')
      await bad({ name: 'Auditors', permissions: [], builtIn: true }, 'builtIn')
      const taken = await api().post('/roles', { name: 'contact centre SUPERVISOR', permissions: [] }).expect(409)
      assert.equal(taken.body.field, 'name')
      assert.match((await api().post('/roles', { name: 'viewer', permissions: [] }).expect(409)).body.detail, /built-in role/)

      // A role still held is deleted with its assignments; its holder's session ends.
      const ann = await newUser(t.store, tenant, 'ann', { password: 'ann password 12' })
      await api().post(`/users/${ann.id}/roles`, { role: 'Contact centre supervisor' }).expect(204)
      const annCookie = await signIn(tenant, 'ann', 'ann password 12')
      assert.deepEqual((await api(annCookie).get('/me').expect(200)).body.permissions, ['audit.view', 'users.edit', 'users.view'])
      await api().delete(`/roles/${role.id}`).expect(204)
      await api(annCookie).get('/me').expect(401)
      assert.deepEqual(await rolesOf(ann.id), [])
      assert.ok(!(await api().get('/roles').expect(200)).body.items.some((r: Json) => r.id === role.id))
      await api().delete(`/roles/${role.id}`).expect(404)

      // By name too.
      await api().post('/roles', { name: 'Auditors', permissions: ['audit.view'] }).expect(201)
      await api().delete('/roles/auditors').expect(204)

      for (const builtIn of ['administrator', 'Viewer', 'general-user', 'user-manager']) {
        assert.match((await api().delete(`/roles/${encodeURIComponent(builtIn)}`).expect(409)).body.detail, /built-in role and cannot be deleted/)
      }
      const events = (await api().get('/audit?action=role.*').expect(200)).body.items as Json[]
      const deleted = events.find((e) => e.action === 'role.delete' && e.resourceId === role.id)!
      assert.equal(deleted.before.holders, 1)
      assert.ok(events.some((e) => e.action === 'role.create' && e.resourceId === role.id && e.after.name === 'Contact centre supervisor'))
    })

    it('edits a custom role (PATCH /roles/:id): name, description, permissions; holders get them at their next request; audited before/after; built-ins read-only', async () => {
      const role = (await api().post('/roles', { name: 'Helpdesk', description: 'First line', permissions: ['users.view'] }).expect(201)).body
      const ann = await newUser(t.store, tenant, 'ann', { password: 'ann password 12' })
      await api().post(`/users/${ann.id}/roles`, { role: 'Helpdesk' }).expect(204)
      const annCookie = await signIn(tenant, 'ann', 'ann password 12')
      assert.deepEqual((await api(annCookie).get('/me').expect(200)).body.permissions, ['users.view'])

      const edited = (await api().patch(`/roles/${role.id}`, { name: ' Service desk ', description: 'First and second line', permissions: ['users.edit', 'users.view', 'users.edit'] }).expect(200)).body
      assert.deepEqual([edited.id, edited.name, edited.description, edited.permissions], [role.id, 'Service desk', 'First and second line', ['users.edit', 'users.view']])
      // Ann's session goes on (the role kept its id) with the new permissions at once.
      assert.deepEqual((await api(annCookie).get('/me').expect(200)).body.permissions, ['users.edit', 'users.view'])
      // By name, one field at a time; taking a permission away counts at once too.
      await api().patch('/roles/service%20desk', { permissions: ['users.view'] }).expect(200)
      assert.deepEqual((await api(annCookie).get('/me').expect(200)).body.permissions, ['users.view'])
      // The same again changes nothing and is not audited.
      await api().patch(`/roles/${role.id}`, { permissions: ['users.view'] }).expect(200)

      const events = ((await api().get('/audit?action=role.update').expect(200)).body.items as Json[]).filter((e) => e.resourceId === role.id)
      assert.equal(events.length, 2, JSON.stringify(events))
      const first = events.find((e) => e.after.name === 'Service desk' && e.before.name === 'Helpdesk')!
      assert.deepEqual(first.before, { name: 'Helpdesk', description: 'First line', permissions: ['users.view'] })
      assert.deepEqual(first.after, { name: 'Service desk', description: 'First and second line', permissions: ['users.edit', 'users.view'] })

      const bad = async (target: string, body: object, status: number, field?: string) => {
        const res = await api().patch(`/roles/${target}`, body).expect(status)
        if (field) assert.equal(res.body.field, field, JSON.stringify(res.body))
        return res.body
      }
      await bad(role.id, {}, 400)
      await bad(role.id, { name: '' }, 400, 'name')
      await bad(role.id, { permissions: ['root.everything'] }, 400, 'permissions')
      await bad(role.id, { builtIn: true }, 400, 'builtIn')
      await bad(role.id, { name: 'Viewer' }, 409, 'name')
      await api().post('/roles', { name: 'Auditors', permissions: ['audit.view'] }).expect(201)
      assert.equal((await bad(role.id, { name: 'AUDITORS' }, 409, 'name')).code, 'uniqueness')
      // A change of case of its own name is no clash.
      await api().patch(`/roles/${role.id}`, { name: 'SERVICE desk' }).expect(200)
      for (const builtIn of ['administrator', 'Viewer', 'general-user', 'user-manager']) {
        assert.match((await bad(encodeURIComponent(builtIn), { description: 'mine now' }, 409)).detail, /built-in role and cannot be changed/)
      }
      await bad(MISSING, { description: 'x' }, 404)
      const { cookie: vicCookie } = await userWithRole(t.store, app, tenant, 'User manager', 'vic')
      assert.match((await api(vicCookie).patch(`/roles/${role.id}`, { description: 'x' }).expect(403)).body.detail, /roles\.manage/)
    })

    it('in directory- and IdP-managed tenants still lets roles be given and taken (roles are Roster\'s own)', async () => {
      for (const source of ['ldap', 'scim'] as const) {
        const { tenant: managed, cookie: c } = await tenantWithAdmin(t.store, app, `roles-${source}`, 'boss', source)
        const ann = await newUser(t.store, managed, 'ann')
        await api(c).post(`/users/${ann.id}/roles`, { role: 'Viewer' }).expect(204)
        assert.deepEqual(await rolesOf(ann.id, c), [['Viewer', null]])
        await api(c).delete(`/users/${ann.id}/roles/viewer`).expect(204)
        const role = (await api(c).post('/roles', { name: 'Helpdesk', permissions: ['users.view'] }).expect(201)).body
        await api(c).delete(`/roles/${role.id}`).expect(204)
        // User writes themselves stay the directory's or the IdP's.
        await api(c).patch(`/users/${ann.id}`, { firstName: 'Anne' }).expect(409)
      }
    })
  })
}

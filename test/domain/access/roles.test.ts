/**
 * Roles and permissions: built-in and custom roles, assignments to users and groups, effective
 * access as the union over nested groups with where each role comes from, self-protection, and
 * sessions ending when a user's roles change through a group.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends, type TestStore } from '../../support/stores.js'
import { newTenant, newUser, sessionCookie, signInActor, signInApp } from '../../support/sign-in.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import type { User } from '../../../src/domain/identity/model.js'
import { assignRole, createRole, deleteRole, effectiveAccess, findRole, listRoles, requirePermission, unassignRole } from '../../../src/domain/access/roles.js'
import { createGroup, changeMembersMany, deleteGroup } from '../../../src/domain/identity/groups.js'
import { deleteUser } from '../../../src/domain/identity/users.js'
import { createAdministrator } from '../../../src/domain/administration/administrators.js'

for (const backend of backends()) {
  describe(`roles and permissions on ${backend.name}`, function () {
    let t: TestStore
    let tenant: Tenant
    let alice: User
    const ctx = () => ({ tenant, actor: signInActor, requestId: null })
    const write = () => ({ tenant, actor: signInActor, channel: 'cli' as const, requestId: null })
    const group = async (name: string) => createGroup(t.store, write(), { displayName: name, externalId: null, document: { displayName: name } })
    const addMembers = async (groupId: string, members: Array<{ id: string; type: 'User' | 'Group' }>) =>
      changeMembersMany(t.store, write(), [{ groupId, add: members.map((m) => ({ memberId: m.id, memberType: m.type })), remove: [] }])

    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'roles')
      alice = await newUser(t.store, tenant, 'alice', { password: 'alice password 1' })
    })

    it('lists the four built-in roles, then custom ones', async () => {
      await createRole(t.store, ctx(), { name: 'Contact centre supervisor', permissions: ['users.view', 'users.edit', 'audit.view'] })
      const roles = await listRoles(t.store, tenant.id)
      assert.deepEqual(roles.map((r) => r.name), ['Administrator', 'User manager', 'Viewer', 'General user', 'Contact centre supervisor'])
      assert.equal(roles[0]!.permissions.length, 10)
      assert.deepEqual(roles[3]!.permissions, [])
    })

    it('refuses unknown permissions, duplicate and built-in names, and deleting a built-in role', async () => {
      await assert.rejects(createRole(t.store, ctx(), { name: 'X', permissions: ['users.fly'] }), /unknown permission "users\.fly"/)
      await createRole(t.store, ctx(), { name: 'Helpdesk', permissions: ['users.view'] })
      await assert.rejects(createRole(t.store, ctx(), { name: 'HELPDESK', permissions: [] }), /exists/)
      await assert.rejects(createRole(t.store, ctx(), { name: 'viewer', permissions: [] }), /built-in role/)
      await assert.rejects(deleteRole(t.store, ctx(), 'Administrator'), /built-in role and cannot be deleted/)
    })

    it('unions the user’s own roles with those of every group it is in, nested groups included, and says where each comes from', async () => {
      const support = await group('Support')
      const staff = await group('Staff')
      await addMembers(support.id, [{ id: alice.id, type: 'User' }])
      await addMembers(staff.id, [{ id: support.id, type: 'Group' }])
      await createRole(t.store, ctx(), { name: 'Auditor', permissions: ['audit.view'] })
      await assignRole(t.store, ctx(), 'Viewer', { type: 'User', id: alice.id, label: 'alice' })
      await assignRole(t.store, ctx(), 'User manager', { type: 'Group', id: support.id, label: 'Support' })
      await assignRole(t.store, ctx(), 'Auditor', { type: 'Group', id: staff.id, label: 'Staff' })
      await assignRole(t.store, ctx(), 'Viewer', { type: 'Group', id: staff.id, label: 'Staff' })
      const access = await effectiveAccess(t.store, tenant.id, alice.id)
      const shown = Object.fromEntries(access.roles.map((r) => [r.role.name, r.via === null ? 'own' : r.via.map((g) => g.groupName).join(',')]))
      assert.deepEqual(shown, { Viewer: 'own', 'User manager': 'Support', Auditor: 'Staff' })
      assert.deepEqual(access.permissions, ['audit.view', 'groups.manage', 'groups.view', 'users.create', 'users.delete', 'users.edit', 'users.view'])
      await requirePermission(t.store, tenant.id, alice.id, 'users.edit')
      await assert.rejects(requirePermission(t.store, tenant.id, alice.id, 'settings.manage'), /missing permission settings\.manage/)
      // Leaving the group takes its roles away at once.
      await changeMembersMany(t.store, write(), [{ groupId: support.id, add: [], remove: [alice.id] }])
      assert.deepEqual((await effectiveAccess(t.store, tenant.id, alice.id)).roles.map((r) => r.role.name), ['Viewer'])
    })

    it('survives a nesting cycle in the data', async () => {
      const a = await group('A')
      const b = await group('B')
      await addMembers(a.id, [{ id: alice.id, type: 'User' }, { id: b.id, type: 'Group' }])
      // The domain refuses cycles; write the closing edge straight to the store, as an old import might have.
      await t.store.memberships.add(tenant.id, b.id, [{ memberId: a.id, memberType: 'Group' }])
      await assignRole(t.store, ctx(), 'Viewer', { type: 'Group', id: b.id, label: 'B' })
      assert.deepEqual((await effectiveAccess(t.store, tenant.id, alice.id)).permissions, ['audit.view', 'groups.view', 'users.view'])
    })

    it('keeps tenants apart', async () => {
      const other = await newTenant(t.store, 'roles-other')
      await createRole(t.store, { tenant: other, actor: signInActor, requestId: null }, { name: 'Elsewhere', permissions: ['users.view'] })
      await assert.rejects(findRole(t.store, tenant.id, 'Elsewhere'), /no role "Elsewhere"/)
    })

    it('never lets a user grant or revoke administrator rights on themselves', async () => {
      const self = { tenant, actor: { type: 'user' as const, id: alice.id, label: 'alice' }, requestId: null }
      await assert.rejects(assignRole(t.store, self, 'Administrator', { type: 'User', id: alice.id, label: 'alice' }), /cannot grant yourself administrator rights/)
      await assignRole(t.store, ctx(), 'Administrator', { type: 'User', id: alice.id, label: 'alice' })
      await assert.rejects(unassignRole(t.store, self, 'Administrator', { type: 'User', id: alice.id, label: 'alice' }), /cannot revoke your own administrator rights/)
    })

    it('audits assignments and removes a deleted user’s, group’s or role’s assignments with it', async () => {
      const g = await group('Temp')
      await createRole(t.store, ctx(), { name: 'Temporary', permissions: ['users.view'] })
      assert.equal(await assignRole(t.store, ctx(), 'Temporary', { type: 'User', id: alice.id, label: 'alice' }), true)
      assert.equal(await assignRole(t.store, ctx(), 'Temporary', { type: 'User', id: alice.id, label: 'alice' }), false, 'second assign changes nothing')
      await assignRole(t.store, ctx(), 'Viewer', { type: 'Group', id: g.id, label: 'Temp' })
      const events = (await t.store.audit.list(tenant.id, { limit: 10, action: 'role.assign' })).items
      assert.equal(events.length, 2)
      await deleteRole(t.store, ctx(), 'Temporary')
      assert.deepEqual(await t.store.roleAssignments.ofPrincipal(tenant.id, alice.id), [])
      await deleteGroup(t.store, write(), g.id)
      assert.deepEqual(await t.store.roleAssignments.holders(tenant.id, 'viewer'), [])
      await assignRole(t.store, ctx(), 'Viewer', { type: 'User', id: alice.id, label: 'alice' })
      await deleteUser(t.store, write(), alice.id)
      assert.deepEqual(await t.store.roleAssignments.holders(tenant.id, 'viewer'), [])
    })

    it('creates administrators with a generated password, only where Roster manages users', async () => {
      const { user, password } = await createAdministrator(t.store, ctx(), { userName: 'root', email: 'root@example.com' })
      assert.match(password, /^[A-Za-z0-9_-]{24}$/)
      assert.deepEqual((await effectiveAccess(t.store, tenant.id, user.id)).roles.map((r) => r.role.name), ['Administrator'])
      const synced = await newTenant(t.store, 'roles-ldap', 'ldap')
      await assert.rejects(createAdministrator(t.store, { tenant: synced, actor: signInActor, requestId: null }, { userName: 'root' }), /managed by its directory/)
    })

    it('ends a session at its next request when the user’s roles change through a group', async () => {
      const app = signInApp(t.store)
      const g = await group('Admins')
      await addMembers(g.id, [{ id: alice.id, type: 'User' }])
      const form = await request(app).get(`/login/${tenant.slug}`)
      const formCookie = String(([] as string[]).concat(form.headers['set-cookie']!).find((c) => c.startsWith('roster_form='))).split(';')[0]!
      const res = await request(app)
        .post(`/login/${tenant.slug}`)
        .set('Cookie', formCookie)
        .type('form')
        .send({ formToken: formCookie.split('=')[1], username: 'alice', password: 'alice password 1' })
      const cookie = sessionCookie(res)!
      await request(app).get('/api/me').set('Cookie', cookie).expect(200)
      await assignRole(t.store, ctx(), 'Administrator', { type: 'Group', id: g.id, label: 'Admins' })
      await request(app).get('/api/me').set('Cookie', cookie).expect(401)
    })
  })
}

/**
 * The admin API's groups: list and search, create, rename, owner, members (add, remove, search),
 * roles of a group reaching its members, managed-tenant refusals, and deleting a user who owns
 * groups with a replacement owner (hand-over and deletion in one transaction).
 */
import assert from 'node:assert/strict'
import { adminSuiteHooks, apiAs, tenantWithAdmin, passwordSession, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { newUser, signInActor, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`admin API: groups on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let admin: User
    let cookie: string
    const api = (c = cookie) => apiAs(app, c)
    const signIn = (tn: Tenant, userName: string, password: string) => passwordSession(app, tn, userName, password)

    adminSuiteHooks(backend, 'groups', (s) => ({ t, app, tenant, admin, cookie } = s))

    it('creates, lists and searches groups by name, paging by cursor', async () => {
      for (const name of ['Support', 'Sales', 'Engineering', 'support-tier-2', 'Ops']) await api().post('/groups', { displayName: name }).expect(201)
      const all = (await api().get('/groups?limit=2').expect(200)).body
      assert.equal(all.items.length, 2)
      const names: string[] = [...all.items.map((g: Json) => g.displayName)]
      let cursor = all.next
      while (cursor) {
        const page = (await api().get(`/groups?limit=2&cursor=${cursor}`).expect(200)).body
        names.push(...page.items.map((g: Json) => g.displayName))
        cursor = page.next
      }
      assert.deepEqual(names, ['Engineering', 'Ops', 'Sales', 'Support', 'support-tier-2'])
      const found = (await api().get('/groups?q=SUPP').expect(200)).body.items.map((g: Json) => g.displayName)
      assert.deepEqual(found, ['Support', 'support-tier-2'])
      assert.deepEqual((await api().get(`/groups?q=${encodeURIComponent('%')}`).expect(200)).body.items, [])
    })

    it('lists each group with its owner, named roles and member count, so the console needs no request per row', async () => {
      const ann = (await api().post('/users', { firstName: 'Ann', lastName: 'Lee', userName: 'ann', email: 'ann@example.com' }).expect(201)).body
      const auditors = (await api().post('/roles', { name: 'Auditors', permissions: ['audit.view'] }).expect(201)).body
      const sales = (await api().post('/groups', { displayName: 'Sales', ownerId: ann.id }).expect(201)).body
      const ops = (await api().post('/groups', { displayName: 'Ops' }).expect(201)).body
      await api().post(`/groups/${sales.id}/roles`, { role: 'Auditors' }).expect(204)
      await api().post(`/groups/${sales.id}/roles`, { role: 'Viewer' }).expect(204)
      await api().post(`/groups/${sales.id}/members`, { add: [{ id: ann.id }, { id: ops.id, type: 'Group' }] }).expect(204)
      const items = (await api().get('/groups').expect(200)).body.items as Json[]
      const byName = Object.fromEntries(items.map((g) => [g.displayName, g]))
      assert.equal(byName.Sales!.ownerId, ann.id)
      assert.deepEqual(byName.Sales!.owner, { id: ann.id, userName: 'ann', displayName: 'Ann Lee' })
      // Built-in roles first, then the tenant's own, each named.
      assert.deepEqual(byName.Sales!.roles, [{ id: 'viewer', name: 'Viewer' }, { id: auditors.id, name: 'Auditors' }])
      assert.equal(byName.Sales!.memberCount, 2)
      assert.deepEqual([byName.Ops!.ownerId, byName.Ops!.owner, byName.Ops!.roles, byName.Ops!.memberCount], [null, null, [], 0])
      // The detail names the owner too.
      assert.deepEqual((await api().get(`/groups/${sales.id}`).expect(200)).body.owner, { id: ann.id, userName: 'ann', displayName: 'Ann Lee' })
      // Paging and search carry the same fields.
      const page = (await api().get('/groups?q=sal&limit=1').expect(200)).body
      assert.deepEqual(page.items.map((g: Json) => [g.displayName, g.owner?.userName, g.roles.map((r: Json) => r.name)]), [['Sales', 'ann', ['Viewer', 'Auditors']]])
    })

    it('renames, sets an owner, changes and searches members, and gives the group a role its members hold', async () => {
      const g = (await api().post('/groups', { displayName: 'Support', ownerId: admin.id }).expect(201)).body
      const ann = await newUser(t.store, tenant, 'ann', { email: 'ann@example.com', password: 'ann password 12' })
      const bob = await newUser(t.store, tenant, 'bob', { email: 'bob@example.com' })
      const sub = (await api().post('/groups', { displayName: 'Tier 2' }).expect(201)).body
      await api().post(`/groups/${g.id}/members`, { add: [{ id: ann.id }, { id: bob.id }, { id: sub.id, type: 'Group' }] }).expect(204)
      const members = (await api().get(`/groups/${g.id}/members`).expect(200)).body.items
      assert.deepEqual(members.map((m: Json) => [m.name, m.type]), [['ann', 'User'], ['bob', 'User'], ['Tier 2', 'Group']])
      assert.deepEqual((await api().get(`/groups/${g.id}/members?q=bob@`).expect(200)).body.items.map((m: Json) => m.name), ['bob'])
      await api().post(`/groups/${g.id}/members`, { remove: [bob.id] }).expect(204)
      const bad = await api().post(`/groups/${g.id}/members`, { add: [{ id: '00000000-0000-4000-8000-000000000000' }] }).expect(400)
      assert.match(bad.body.detail, /not a user of this tenant/)
      const renamed = (await api().patch(`/groups/${g.id}`, { displayName: 'Customer support' }).expect(200)).body
      assert.equal(renamed.displayName, 'Customer support')
      assert.equal(renamed.ownerId, admin.id)
      assert.equal(renamed.memberCount, 2)
      await api().post(`/groups/${g.id}/roles`, { role: 'User manager' }).expect(204)
      assert.deepEqual((await api().get(`/groups/${g.id}`).expect(200)).body.roles, [{ id: 'user-manager', name: 'User manager' }])
      const annCookie = await signIn(tenant, 'ann', 'ann password 12')
      const me = (await api(annCookie).get('/me').expect(200)).body
      assert.deepEqual(me.roles.map((r: Json) => [r.name, r.via.map((v: Json) => v.groupName)]), [['User manager', ['Customer support']]])
      await api().delete(`/groups/${g.id}/roles/user-manager`).expect(204)
      // Her roles changed through the group: her session ends at its next request.
      await api(annCookie).get('/me').expect(401)
      const again = await signIn(tenant, 'ann', 'ann password 12')
      assert.deepEqual((await api(again).get('/me').expect(200)).body.roles, [])
    })

    it('deletes a user who owns groups only with a replacement owner, handing over in the same transaction', async () => {
      const owner = await newUser(t.store, tenant, 'olga')
      const heir = await newUser(t.store, tenant, 'hank')
      const g1 = (await api().post('/groups', { displayName: 'One', ownerId: owner.id }).expect(201)).body
      const g2 = (await api().post('/groups', { displayName: 'Two', ownerId: owner.id }).expect(201)).body
      assert.deepEqual((await api().get(`/users/${owner.id}`).expect(200)).body.ownedGroups.sort(), [g1.id, g2.id].sort())
      const refused = await api().delete(`/users/${owner.id}`).expect(409)
      assert.equal(refused.body.field, 'replacementOwnerId')
      assert.match(refused.body.detail, /owns 2 groups/)
      await api().delete(`/users/${owner.id}?replacementOwnerId=${owner.id}`).expect(400)
      await api().get(`/users/${owner.id}`).expect(200)
      await api().delete(`/users/${owner.id}?replacementOwnerId=${heir.id}`).expect(204)
      await api().get(`/users/${owner.id}`).expect(404)
      assert.equal((await api().get(`/groups/${g1.id}`).expect(200)).body.ownerId, heir.id)
      assert.equal((await api().get(`/groups/${g2.id}`).expect(200)).body.ownerId, heir.id)
      const handovers = (await t.store.audit.list(tenant.id, { limit: 10, action: 'group.owner' })).items.filter((e) => (e.changes?.after as Json).owner === heir.id)
      assert.equal(handovers.length, 2)
    })

    it('needs groups.view / groups.manage / roles.manage, named when missing', async () => {
      const { cookie: vic } = await userWithRole(t.store, app, tenant, 'Viewer', 'vic')
      const g = (await api().post('/groups', { displayName: 'Ops' }).expect(201)).body
      await api(vic).get('/groups').expect(200)
      assert.match((await api(vic).post('/groups', { displayName: 'X' }).expect(403)).body.detail, /groups\.manage/)
      assert.match((await api(vic).post(`/groups/${g.id}/roles`, { role: 'Viewer' }).expect(403)).body.detail, /roles\.manage/)
    })

    it('in a directory-managed tenant refuses renames and member changes (409) but lets roles and owners be set', async () => {
      const { tenant: synced, admin: boss, cookie: c } = await tenantWithAdmin(t.store, app, 'groups-ldap', 'boss', 'ldap')
      const { createGroup } = await import('../../src/domain/identity/groups.js')
      const g = await createGroup(t.store, { tenant: synced, actor: signInActor, channel: 'sync', requestId: null }, { displayName: 'Synced', externalId: null, document: { displayName: 'Synced' } })
      assert.match((await api(c).patch(`/groups/${g.id}`, { displayName: 'Local' }).expect(409)).body.detail, /managed by its directory/)
      await api(c).post(`/groups/${g.id}/members`, { add: [{ id: boss.id }] }).expect(409)
      await api(c).post('/groups', { displayName: 'New' }).expect(409)
      await api(c).patch(`/groups/${g.id}`, { ownerId: boss.id }).expect(200)
      await api(c).post(`/groups/${g.id}/roles`, { role: 'Viewer' }).expect(204)
      assert.match((await api(c).get(`/groups/${g.id}`).expect(200)).body.managedBy, /directory/)
    })
  })
}

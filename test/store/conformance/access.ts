/** Conformance of the access port (src/domain/access/persister.ts): custom roles and assignments. */
import assert from 'node:assert/strict'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { isConflict, MALFORMED_KEYS, newTenant, rolledBack, unknownId, useStore, type StoreUnderTest } from './harness.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`access port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const role = (tenant: Tenant, name: string) => ctx.store.roles.insert({ id: '', tenantId: tenant.id, name, description: '', permissions: ['users.view'] })

    it('stores roles with a name unique per tenant, case-insensitively', async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const r = await role(a, 'Supervisor')
      assert.deepEqual(r.permissions, ['users.view'])
      await assert.rejects(role(a, 'SUPERVISOR'), isConflict())
      await role(b, 'Supervisor')
      assert.deepEqual(await ctx.store.roles.get(a.id, r.id), r)
      assert.equal((await ctx.store.roles.getByName(a.id, 'supervisor'))?.id, r.id)
      assert.deepEqual((await ctx.store.roles.list(a.id)).map((x) => x.id), [r.id])
    })

    it('updates and deletes roles', async () => {
      const tenant = await newTenant(ctx.store)
      const r = await role(tenant, 'Editor')
      const updated = await ctx.store.roles.update(tenant.id, r.id, { description: 'edits', permissions: ['users.view', 'users.edit'] })
      assert.equal(updated?.description, 'edits')
      assert.deepEqual(updated?.permissions, ['users.view', 'users.edit'])
      assert.equal(updated?.name, 'Editor')
      await role(tenant, 'Other')
      await assert.rejects(ctx.store.roles.update(tenant.id, r.id, { name: 'other' }), isConflict())
      assert.equal(await ctx.store.roles.delete(tenant.id, r.id), true)
      assert.equal(await ctx.store.roles.get(tenant.id, r.id), null)
      assert.equal(await ctx.store.roles.delete(tenant.id, r.id), false)
    })

    it("never finds or changes another tenant's role", async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const r = await role(a, 'Private')
      assert.equal(await ctx.store.roles.get(b.id, r.id), null)
      assert.equal(await ctx.store.roles.getByName(b.id, 'Private'), null)
      assert.deepEqual(await ctx.store.roles.list(b.id), [])
      assert.equal(await ctx.store.roles.update(b.id, r.id, { description: 'x' }), null)
      assert.equal(await ctx.store.roles.delete(b.id, r.id), false)
      assert.equal((await ctx.store.roles.get(a.id, r.id))?.description, '')
    })

    it('assigns roles to users and groups; reaching follows nested groups', async () => {
      const tenant = await newTenant(ctx.store)
      const u = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'reached', origin: 'local' })
      const [outer, inner] = await Promise.all(['Outer', 'Inner'].map((displayName) => ctx.store.groups.insert({ tenantId: tenant.id, displayName, origin: 'local' })))
      await ctx.store.memberships.add(tenant.id, outer!.id, [{ memberId: inner!.id, memberType: 'Group' }])
      await ctx.store.memberships.add(tenant.id, inner!.id, [{ memberId: u.id, memberType: 'User' }])
      assert.equal(await ctx.store.roleAssignments.assign(tenant.id, 'viewer', 'User', u.id), true)
      assert.equal(await ctx.store.roleAssignments.assign(tenant.id, 'viewer', 'User', u.id), false, 'already held')
      await ctx.store.roleAssignments.assign(tenant.id, 'administrator', 'Group', outer!.id)
      assert.deepEqual(await ctx.store.roleAssignments.ofPrincipal(tenant.id, u.id), ['viewer'])
      assert.deepEqual(await ctx.store.roleAssignments.reaching(tenant.id, u.id), [
        { role: 'administrator', via: { groupId: outer!.id, groupName: 'Outer' } },
        { role: 'viewer', via: null },
      ])
      assert.deepEqual(await ctx.store.roleAssignments.holders(tenant.id, 'administrator'), [{ principalType: 'Group', principalId: outer!.id }])
      assert.equal(await ctx.store.roleAssignments.unassign(tenant.id, 'viewer', u.id), true)
      assert.equal(await ctx.store.roleAssignments.unassign(tenant.id, 'viewer', u.id), false)
      assert.deepEqual(await ctx.store.roleAssignments.removeForPrincipal(tenant.id, outer!.id), ['administrator'])
      assert.deepEqual(await ctx.store.roleAssignments.reaching(tenant.id, u.id), [])
    })

    it('removes every assignment of a role', async () => {
      const tenant = await newTenant(ctx.store)
      const ids = [unknownId(), unknownId()]
      for (const id of ids) await ctx.store.roleAssignments.assign(tenant.id, 'custom-1', 'User', id)
      assert.equal(await ctx.store.roleAssignments.removeForRole(tenant.id, 'custom-1'), 2)
      assert.deepEqual(await ctx.store.roleAssignments.holders(tenant.id, 'custom-1'), [])
    })

    it("keeps assignments within the tenant", async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const principal = unknownId()
      await ctx.store.roleAssignments.assign(a.id, 'viewer', 'User', principal)
      assert.deepEqual(await ctx.store.roleAssignments.ofPrincipal(b.id, principal), [])
      assert.deepEqual(await ctx.store.roleAssignments.reaching(b.id, principal), [])
      assert.deepEqual(await ctx.store.roleAssignments.holders(b.id, 'viewer'), [])
      assert.equal(await ctx.store.roleAssignments.unassign(b.id, 'viewer', principal), false)
      assert.deepEqual(await ctx.store.roleAssignments.removeForPrincipal(b.id, principal), [])
      assert.equal(await ctx.store.roleAssignments.removeForRole(b.id, 'viewer'), 0)
      assert.deepEqual(await ctx.store.roleAssignments.ofPrincipal(a.id, principal), ['viewer'])
    })

    it('finds nothing by a malformed key', async () => {
      const tenant = await newTenant(ctx.store)
      for (const key of MALFORMED_KEYS) {
        const k = JSON.stringify(key)
        assert.equal(await ctx.store.roles.get(tenant.id, key), null, k)
        assert.equal(await ctx.store.roles.update(tenant.id, key, { description: 'x' }), null, k)
        assert.equal(await ctx.store.roles.delete(tenant.id, key), false, k)
        assert.deepEqual(await ctx.store.roleAssignments.ofPrincipal(tenant.id, key), [], k)
        assert.deepEqual(await ctx.store.roleAssignments.reaching(tenant.id, key), [], k)
        assert.equal(await ctx.store.roleAssignments.unassign(tenant.id, 'viewer', key), false, k)
        assert.deepEqual(await ctx.store.roleAssignments.removeForPrincipal(tenant.id, key), [], k)
      }
      assert.equal(await ctx.store.roles.getByName(tenant.id, 'a\u0000b'), null)
      assert.deepEqual(await ctx.store.roleAssignments.holders(tenant.id, '\ud800'), [])
    })

    it('keeps nothing of a transaction that fails', async () => {
      const tenant = await newTenant(ctx.store)
      const principal = unknownId()
      await role(tenant, 'outside the transaction')
      await rolledBack(ctx.store, async (tx) => {
        await tx.roles.insert({ id: '', tenantId: tenant.id, name: 'Gone', description: '', permissions: [] })
        await tx.roleAssignments.assign(tenant.id, 'viewer', 'User', principal)
      })
      assert.deepEqual((await ctx.store.roles.list(tenant.id)).map((r) => r.name), ['outside the transaction'])
      assert.deepEqual(await ctx.store.roleAssignments.ofPrincipal(tenant.id, principal), [])
    })
  })
}

/**
 * "A membership change is a change of the member": the identity domain bumps a user's version (and
 * so its ETag) whenever its direct group memberships change, in the transaction of the change;
 * the store's membership writes change membership rows only.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../../support/stores.js'
import { newTenant, newUser, signInActor } from '../../support/sign-in.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import type { User } from '../../../src/domain/identity/model.js'
import { changeMembersMany, createGroup, deleteGroup, updateGroup } from '../../../src/domain/identity/groups.js'

for (const backend of backends()) {
  describe(`membership changes as changes of the member on ${backend.name}`, function () {
    let t: TestStore
    let tenant: Tenant
    let ann: User
    let bob: User
    const write = () => ({ tenant, actor: signInActor, channel: 'cli' as const, requestId: null })
    const group = (name: string, members: string[] = []) =>
      createGroup(t.store, write(), { displayName: name, externalId: null, document: { displayName: name } }, members.map((value) => ({ value })))
    const members = (groupId: string, change: { add?: string[]; remove?: string[]; removeAll?: boolean }) =>
      updateGroup(t.store, write(), groupId, () => ({ members: { add: (change.add ?? []).map((value) => ({ value })), remove: change.remove ?? [], removeAll: change.removeAll ?? false } }))
    const version = async (u: User) => (await t.store.users.get(tenant.id, u.id))!.version

    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'members')
      ann = await newUser(t.store, tenant, 'ann')
      bob = await newUser(t.store, tenant, 'bob')
    })

    it('bumps a user joining or leaving a group, once per change, and no one else', async () => {
      const g = await group('Staff', [ann.id])
      assert.equal(await version(ann), ann.version + 1, 'created with the group')
      assert.equal(await version(bob), bob.version)
      await members(g.id, { add: [bob.id, ann.id] })
      assert.equal(await version(bob), bob.version + 1)
      assert.equal(await version(ann), ann.version + 1, 'already a member: no change')
      await members(g.id, { remove: [ann.id] })
      assert.equal(await version(ann), ann.version + 2)
      await members(g.id, { remove: [ann.id] })
      assert.equal(await version(ann), ann.version + 2, 'not a member: no change')
      await members(g.id, { removeAll: true })
      assert.equal(await version(bob), bob.version + 2)
    })

    it('bumps the members of a deleted group, not the groups nested in it', async () => {
      const inner = await group('Inner')
      const outer = await group('Outer', [ann.id, inner.id])
      const innerVersion = (await t.store.groups.get(tenant.id, inner.id))!.version
      await deleteGroup(t.store, write(), outer.id)
      assert.equal(await version(ann), ann.version + 2)
      assert.equal((await t.store.groups.get(tenant.id, inner.id))!.version, innerVersion)
    })

    it('bumps each user once per batch statement in a many-group change', async () => {
      const [g1, g2] = [await group('One'), await group('Two')]
      const result = await changeMembersMany(t.store, write(), [
        { groupId: g1.id, add: [{ memberId: ann.id, memberType: 'User' }], remove: [] },
        { groupId: g2.id, add: [{ memberId: ann.id, memberType: 'User' }, { memberId: bob.id, memberType: 'User' }], remove: [] },
      ])
      assert.deepEqual(result.failed, [])
      assert.deepEqual(result.added, new Map([[g1.id, 1], [g2.id, 2]]))
      assert.equal(await version(ann), ann.version + 1)
      assert.equal(await version(bob), bob.version + 1)
      await changeMembersMany(t.store, write(), [{ groupId: g2.id, add: [], remove: [bob.id] }])
      assert.equal(await version(bob), bob.version + 2)
      assert.equal(await version(ann), ann.version + 1)
    })

    it('keeps the bump and the membership together: a failed change leaves the version', async () => {
      const g = await group('Strict', [ann.id])
      // The removal (and its bump) happens first; the unknown member then fails the change.
      await assert.rejects(members(g.id, { remove: [ann.id], add: ['not-a-member'] }))
      assert.equal(await version(ann), ann.version + 1)
      assert.equal(await t.store.memberships.count(tenant.id, g.id), 1)
    })
  })
}

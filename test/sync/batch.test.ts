/**
 * The domain's batch writes that a directory sync uses: the same rules as the one-at-a-time
 * functions (free userName, existing manager and members, no self-management), a report of what
 * broke them, versions and audit events for what was written. On every store backend.
 */
import assert from 'node:assert/strict'
import { changeMembersMany, createGroups } from '../../src/domain/identity/groups.js'
import { MANAGER_PATH } from '../../src/domain/identity/model.js'
import { type Actor } from '../../src/domain/audit/model.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { createUsers, setManagers, type UserWrite } from '../../src/domain/identity/users.js'
import type { WriteContext } from '../../src/domain/identity/writes.js'
import { ConflictError, ValidationError } from '../../src/domain/kernel/errors.js'
import { backends, type TestStore } from '../support/stores.js'

const actor: Actor = { type: 'sync', id: 'run-1', label: 'sync run run-1' }
const [URN] = MANAGER_PATH
let seq = 0

const write = (userName: string, managerId: string | null = null): UserWrite => ({
  userName,
  externalId: null,
  displayName: null,
  email: null,
  active: true,
  managerId,
  document: { userName, active: true, ...(managerId ? { [URN]: { manager: { value: managerId } } } : {}) },
  sourceAnchor: `anchor-${userName}`,
  origin: 'ldap',
})

for (const backend of backends()) {
  describe(`batch writes for the sync (${backend.name})`, () => {
    let t: TestStore
    let ctx: WriteContext

    before(async () => {
      t = await backend.open()
    })
    after(async () => {
      await t?.dispose()
    })
    beforeEach(async () => {
      const tenant = await createTenant(t.store, actor, { slug: `batch-${seq++}`, source: 'ldap' })
      ctx = { tenant, actor, channel: 'sync', requestId: null }
    })

    it('createUsers writes the valid inputs with one audit event each and reports the rest', async () => {
      const first = await createUsers(t.store, ctx, [write('ann'), write('bob')])
      assert.equal(first.created.length, 2)
      const ann = first.created.find((u) => u.userName === 'ann')!
      const result = await createUsers(t.store, ctx, [write('cat', ann.id), write('ANN'), write('dan'), write('Dan'), write('eve', '00000000-0000-4000-8000-000000000000'), write(' ')])
      assert.deepEqual(result.created.map((u) => u.userName).sort(), ['cat', 'dan'])
      const failures = new Map(result.failed.map((f) => [f.index, f.error]))
      assert.ok(failures.get(1) instanceof ConflictError, 'taken (case-insensitively)')
      assert.ok(failures.get(3) instanceof ConflictError, 'twice in one batch')
      assert.ok(failures.get(4) instanceof ValidationError && /manager/.test(failures.get(4)!.message))
      assert.ok(failures.get(5) instanceof ValidationError && /userName is required/.test(failures.get(5)!.message))
      const cat = result.created.find((u) => u.userName === 'cat')!
      assert.equal(cat.origin, 'ldap')
      assert.equal(cat.sourceAnchor, 'anchor-cat')
      const events = (await t.store.audit.list(ctx.tenant.id, { limit: 50 })).items.filter((e) => e.action === 'user.create')
      assert.equal(events.length, 4)
      assert.ok(events.every((e) => e.actor.id === 'run-1'))
      assert.deepEqual(new Set(events.map((e) => e.resourceId)), new Set([...first.created, ...result.created].map((u) => u.id)))
    })

    it('setManagers sets and removes managers, bumps versions, audits, and refuses self-management', async () => {
      const { created } = await createUsers(t.store, ctx, [write('boss'), write('ann'), write('bob')])
      const [boss, ann, bob] = ['boss', 'ann', 'bob'].map((n) => created.find((u) => u.userName === n)!)
      const set = await setManagers(t.store, ctx, [
        { user: ann!, managerId: boss!.id },
        { user: bob!, managerId: boss!.id },
        { user: boss!, managerId: boss!.id },
      ])
      assert.equal(set.failed.length, 1)
      assert.equal(set.failed[0]!.index, 2)
      const annNow = (await t.store.users.get(ctx.tenant.id, ann!.id))!
      assert.deepEqual(annNow.resource[URN], { manager: { value: boss!.id } })
      assert.equal(annNow.version, ann!.version + 1)
      // Removing the only enterprise attribute removes the extension object: no empty values.
      await setManagers(t.store, ctx, [{ user: annNow, managerId: null }])
      const annAfter = (await t.store.users.get(ctx.tenant.id, ann!.id))!
      assert.equal(annAfter.resource[URN], undefined)
      const events = (await t.store.audit.list(ctx.tenant.id, { limit: 50, resourceId: ann!.id })).items.filter((e) => e.action === 'user.update')
      assert.equal(events.length, 2)
      assert.deepEqual(events[0]!.changes!.before, { [MANAGER_PATH.join(':')]: { value: boss!.id } })
      // Unchanged managers write nothing.
      const bobNow = (await t.store.users.get(ctx.tenant.id, bob!.id))!
      await setManagers(t.store, ctx, [{ user: bobNow, managerId: boss!.id }])
      assert.equal((await t.store.users.get(ctx.tenant.id, bob!.id))!.version, bobNow.version)
    })

    it('changeUserMembers changes many groups at once; groups that did not change keep their version', async () => {
      const { created: users } = await createUsers(t.store, ctx, [write('u1'), write('u2'), write('u3')])
      const id = (n: string) => users.find((u) => u.userName === n)!.id
      const { created: groups } = await createGroups(t.store, ctx, ['g1', 'g2', 'g3'].map((name) => ({ displayName: name, externalId: null, document: { displayName: name }, origin: 'ldap' as const })))
      const g = (n: string) => groups.find((x) => x.displayName === n)!
      const u = (...names: string[]) => names.map((n) => ({ memberId: id(n), memberType: 'User' as const }))
      const result = await changeMembersMany(t.store, ctx, [
        { groupId: g('g1').id, add: u('u1', 'u2'), remove: [] },
        { groupId: g('g2').id, add: u('u3'), remove: [] },
        { groupId: g('g3').id, add: [{ memberId: '00000000-0000-4000-8000-000000000000', memberType: 'User' }], remove: [] },
      ])
      assert.equal(result.failed.length, 1)
      assert.equal(result.failed[0]!.index, 2)
      assert.equal(result.added.get(g('g1').id), 2)
      assert.equal(result.added.get(g('g2').id), 1)
      const again = await changeMembersMany(t.store, ctx, [
        { groupId: g('g1').id, add: u('u3'), remove: [id('u1')] },
        { groupId: g('g2').id, add: u('u3'), remove: [] },
      ])
      assert.equal(again.added.get(g('g1').id), 1)
      assert.equal(again.removed.get(g('g1').id), 1)
      assert.equal(again.added.get(g('g2').id) ?? 0, 0)
      const members = await t.store.memberships.membersOf(ctx.tenant.id, [g('g1').id, g('g2').id, g('g3').id])
      assert.deepEqual(members.get(g('g1').id)!.map((m) => m.memberId).sort(), [id('u2'), id('u3')].sort())
      assert.deepEqual(members.get(g('g2').id)!.map((m) => m.memberId), [id('u3')])
      assert.equal(members.get(g('g3').id), undefined)
      assert.equal((await t.store.groups.get(ctx.tenant.id, g('g1').id))!.version, g('g1').version + 2)
      assert.equal((await t.store.groups.get(ctx.tenant.id, g('g2').id))!.version, g('g2').version + 1, 'a no-op leaves the version alone')
      const events = (await t.store.audit.list(ctx.tenant.id, { limit: 50 })).items.filter((e) => e.action === 'group.update')
      assert.equal(events.length, 3)
    })

    it('changeMembersMany nests groups and leaves out a nesting that would close a cycle, even one made within the batch', async () => {
      const { created } = await createGroups(t.store, ctx, ['a', 'b', 'c'].map((name) => ({ displayName: name, externalId: null, document: { displayName: name }, origin: 'ldap' as const })))
      const g = (n: string) => created.find((x) => x.displayName === n)!.id
      const grp = (n: string) => ({ memberId: g(n), memberType: 'Group' as const })
      // a ⊃ b (stored), then in one batch: b ⊃ c, c ⊃ a (closes a → b → c → a), c ⊃ c.
      await changeMembersMany(t.store, ctx, [{ groupId: g('a'), add: [grp('b')], remove: [] }])
      const result = await changeMembersMany(t.store, ctx, [
        { groupId: g('b'), add: [grp('c')], remove: [] },
        { groupId: g('c'), add: [grp('a'), grp('c')], remove: [] },
      ])
      assert.deepEqual(result.failed.map((f) => f.index), [1, 1])
      assert.ok(result.failed.every((f) => /contain itself/.test(f.error.message)))
      const edges = await t.store.memberships.nestingEdges(ctx.tenant.id)
      assert.deepEqual(edges.map((e) => `${e.groupId}>${e.memberId}`).sort(), [`${g('a')}>${g('b')}`, `${g('b')}>${g('c')}`].sort())
      // Removing the closing edge first in the same delta makes the nesting fine.
      const swap = await changeMembersMany(t.store, ctx, [{ groupId: g('b'), add: [grp('a')], remove: [g('c')] }])
      assert.equal(swap.failed.length, 1, 'a ⊃ b still stands, so b ⊃ a is a cycle')
      await changeMembersMany(t.store, ctx, [{ groupId: g('a'), add: [], remove: [g('b')] }])
      assert.equal((await changeMembersMany(t.store, ctx, [{ groupId: g('b'), add: [grp('a')], remove: [] }])).failed.length, 0)
    })

    it('refuses batch writes on a tenant whose source does not allow the channel', async () => {
      const local = await createTenant(t.store, actor, { slug: `batch-local-${seq++}`, source: 'local' })
      await assert.rejects(createUsers(t.store, { ...ctx, tenant: local }, [write('x')]), /managed by Roster itself/)
      await assert.rejects(createGroups(t.store, { ...ctx, tenant: local }, []), /managed by Roster itself/)
    })
  })
}

/**
 * A change of one group (SCIM PUT/PATCH) without a lock held across round trips (issue 15): a
 * member change is one read and one write statement, no transaction; If-Match is checked against
 * the version the write bumps; a change made from a group that changed meanwhile is made again.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { backends, type TestStore } from '../../support/stores.js'
import { newTenant, newUser, signInActor } from '../../support/sign-in.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import type { Group, User } from '../../../src/domain/identity/model.js'
import { recorded } from '../../support/recorded-db.js'
import { postgresStore } from '../../../src/store/postgres/store.js'
import { PreconditionFailedError, ValidationError } from '../../../src/domain/kernel/errors.js'
import { changeGroupMembers, createGroup, updateGroup, type GroupChange, type MemberChanges } from '../../../src/domain/identity/groups.js'

for (const backend of backends()) {
  describe(`one group's change, lock-free, on ${backend.name}`, function () {
    let t: TestStore
    let tenant: Tenant
    let ann: User
    let bob: User
    const write = () => ({ tenant, actor: signInActor, channel: 'cli' as const, requestId: 'req-g' })
    const group = (name: string, members: string[] = []) =>
      createGroup(t.store, write(), { displayName: name, externalId: null, document: { displayName: name } }, members.map((value) => ({ value })))
    const memberChange = (change: Partial<MemberChanges>): MemberChanges => ({ add: [], remove: [], removeAll: false, ...change })
    const stored = async (g: Group) => (await t.store.groups.get(tenant.id, g.id))!
    const memberIds = async (g: Group) => (await t.store.memberships.list(tenant.id, g.id, { limit: 100 })).items.map((m) => m.memberId).sort()
    const lastEvent = async (g: Group) => (await t.store.audit.list(tenant.id, { limit: 1, resourceId: g.id, action: 'group.update' })).items[0]

    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'gchange')
      ann = await newUser(t.store, tenant, 'ann')
      bob = await newUser(t.store, tenant, 'bob')
    })

    it('changes members in two statements, a read and one write, without a transaction', async () => {
      const g = await group('Counted', [ann.id])
      const { db, statements } = recorded(t.db)
      const store = postgresStore(db)
      for (const members of [memberChange({ add: [{ value: bob.id, type: 'User' }] }), memberChange({ remove: [ann.id] }), memberChange({ add: [{ value: bob.id }] })]) {
        statements.length = 0
        await updateGroup(store, write(), g.id, () => ({ members }), { ifVersion: [(await stored(g)).version] })
        assert.equal(statements.length, 2, statements.join(' | '))
        assert.ok(!statements.includes('BEGIN'), statements.join(' | '))
      }
      assert.deepEqual(await memberIds(g), [bob.id])
      // Groups as members still go through the nesting lock and cycle check, in a transaction.
      const inner = await group('Inner')
      statements.length = 0
      await updateGroup(store, write(), g.id, () => ({ members: memberChange({ add: [{ value: inner.id }] }) }))
      assert.ok(statements.includes('BEGIN') && statements.some((s) => s.includes('pg_advisory_xact_lock')), statements.join(' | '))
      await assert.rejects(
        updateGroup(store, write(), inner.id, () => ({ members: memberChange({ add: [{ value: g.id, type: 'Group' }] }) })),
        (e: unknown) => e instanceof ValidationError && /contain itself through nested groups/.test(e.message),
      )
      await assert.rejects(updateGroup(store, write(), g.id, () => ({ members: memberChange({ add: [{ value: g.id }] }) })), /cannot be a member of itself/)
    })

    it('moves version, lastModified and the members\' versions with each change, and none of them for a change that changes nothing', async () => {
      const g = await group('Moves')
      const annVersion = (await t.store.users.get(tenant.id, ann.id))!.version
      const added = await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: ann.id }] }) }))
      assert.equal(added.version, g.version + 1)
      assert.ok(added.modified > g.modified)
      assert.equal((await t.store.users.get(tenant.id, ann.id))!.version, annVersion + 1)
      const again = await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: ann.id }], remove: [bob.id] }) }))
      assert.deepEqual([again.version, again.modified], [added.version, added.modified])
      assert.equal((await t.store.users.get(tenant.id, ann.id))!.version, annVersion + 1)
    })

    it('writes the audit event it wrote before, in the statement of the change', async () => {
      const g = await group('Audited', [ann.id])
      await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: bob.id }, { value: ann.id }], remove: [ann.id] }) }))
      const e = await lastEvent(g)
      assert.deepEqual(e?.changes, { attributes: ['members'], after: { membersAdded: [bob.id, ann.id], membersRemoved: [ann.id], memberCounts: { added: 2, removed: 1 } } })
      assert.deepEqual([e?.resourceType, e?.resourceId, e?.requestId, e?.actor.label], ['Group', g.id, 'req-g', signInActor.label])
      // PUT: new attributes and the member list replaced.
      await updateGroup(t.store, write(), g.id, (current) => ({
        group: { displayName: 'Renamed', externalId: null, document: { ...current.resource, displayName: 'Renamed' } },
        members: memberChange({ removeAll: true, add: [{ value: bob.id }] }),
      }))
      assert.deepEqual((await lastEvent(g))?.changes, {
        attributes: ['displayName', 'members'],
        before: { displayName: 'Audited' },
        after: { displayName: 'Renamed', membersAdded: [bob.id], membersCleared: true, memberCounts: { added: 1, removed: 2 } },
      })
      assert.deepEqual(await memberIds(g), [bob.id])
    })

    it('refuses an unknown member as before, writing nothing (the removal of the same request included)', async () => {
      const g = await group('Strict', [ann.id])
      const before = await stored(g)
      const unknown = randomUUID()
      await assert.rejects(
        updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ remove: [ann.id], add: [{ value: bob.id }, { value: unknown }] }) })),
        (e: unknown) => e instanceof ValidationError && e.message === `member "${unknown}" is not a user or group of this tenant`,
      )
      await assert.rejects(
        updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: bob.id, type: 'Group' }] }) })),
        (e: unknown) => e instanceof ValidationError && e.message === `member "${bob.id}" is a User, not a Group`,
      )
      assert.deepEqual(await memberIds(g), [ann.id])
      assert.equal((await stored(g)).version, before.version)
    })

    it('answers 412 when the group changed between the If-Match check and the write, checking the version the write bumps', async () => {
      const g = await group('Raced')
      let calls = 0
      const change = async (): Promise<GroupChange> => {
        // Another client's change lands after this one read the group, before it writes.
        if (calls++ === 0) await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: bob.id }] }) }))
        return { members: memberChange({ add: [{ value: ann.id }] }) }
      }
      await assert.rejects(updateGroup(t.store, write(), g.id, change, { ifVersion: [g.version] }), PreconditionFailedError)
      assert.equal(calls, 1, 'the write found another version; the group read again no longer matches If-Match')
      assert.deepEqual(await memberIds(g), [bob.id])
      assert.equal((await stored(g)).version, g.version + 1)
    })

    it('makes a change again from the group as it now is when new attributes were made from a version that moved on', async () => {
      const g = await group('Renamed')
      let calls = 0
      const seen: number[] = []
      const change = async (current: Group): Promise<GroupChange> => {
        seen.push(current.version)
        if (calls++ === 0) await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: bob.id }] }) }))
        return { group: { displayName: 'Other', externalId: null, document: { ...current.resource, displayName: 'Other' } }, members: memberChange({ add: [{ value: ann.id }] }) }
      }
      const updated = await updateGroup(t.store, write(), g.id, change)
      assert.deepEqual(seen, [g.version, g.version + 1])
      assert.deepEqual([updated.displayName, updated.version], ['Other', g.version + 2])
      assert.deepEqual(await memberIds(g), [ann.id, bob.id].sort())
    })

    it('writes a member-only change without If-Match once, whatever happened to the group meanwhile', async () => {
      const g = await group('Delta')
      let calls = 0
      const change = async (): Promise<GroupChange> => {
        if (calls++ === 0) await updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: bob.id }] }) }))
        return { members: memberChange({ add: [{ value: ann.id }] }) }
      }
      const updated = await updateGroup(t.store, write(), g.id, change)
      assert.equal(calls, 1)
      assert.equal(updated.version, g.version + 2)
      assert.deepEqual(await memberIds(g), [ann.id, bob.id].sort())
    })

    it("writes the console's member change as one statement, with changeMembersMany's rules, errors and audit event", async () => {
      const g = await group('Console', [ann.id])
      const { db, statements } = recorded(t.db)
      const store = postgresStore(db)
      const user = (id: string) => ({ memberId: id, memberType: 'User' as const })
      await changeGroupMembers(store, write(), g.id, { add: [user(bob.id)], remove: [ann.id] })
      assert.equal(statements.length, 1, statements.join(' | '))
      assert.deepEqual(await memberIds(g), [bob.id])
      assert.deepEqual((await lastEvent(g))?.changes, { attributes: ['members'], after: { membersAdded: [bob.id], membersRemoved: [ann.id], memberCounts: { added: 1, removed: 1 } } })
      const version = (await stored(g)).version
      await changeGroupMembers(store, write(), g.id, { add: [user(bob.id)], remove: [] })
      assert.equal((await stored(g)).version, version, 'nothing changed')
      await assert.rejects(
        changeGroupMembers(store, write(), g.id, { add: [user(ann.id), { memberId: bob.id, memberType: 'Group' }], remove: [bob.id] }),
        (e: unknown) => e instanceof ValidationError && e.message === `member "${bob.id}" is not a group of this tenant`,
      )
      assert.deepEqual(await memberIds(g), [bob.id], 'nothing written')
      // A group that would close a cycle is left out, the rest written, and the refusal thrown.
      const parent = await group('Parent', [g.id])
      await assert.rejects(
        changeGroupMembers(store, write(), g.id, { add: [user(ann.id), { memberId: parent.id, memberType: 'Group' }], remove: [] }),
        (e: unknown) => e instanceof ValidationError && e.message.startsWith(`group "${parent.id}" left out`),
      )
      assert.deepEqual(await memberIds(g), [ann.id, bob.id].sort())
      await assert.rejects(changeGroupMembers(store, write(), randomUUID(), { add: [user(ann.id)], remove: [] }), /no group with id/)
    })

    it('lands every one of many concurrent member changes to one group', async function () {
      this.timeout(60_000)
      const g = await group('Busy')
      const users = await Promise.all(Array.from({ length: 16 }, (_, i) => newUser(t.store, tenant, `busy${i}`)))
      await Promise.all(users.map((u) => updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ add: [{ value: u.id }] }) }))))
      assert.deepEqual(await memberIds(g), users.map((u) => u.id).sort())
      assert.equal((await stored(g)).version, g.version + users.length, 'one bump per change')
      await Promise.all(users.map((u) => updateGroup(t.store, write(), g.id, () => ({ members: memberChange({ remove: [u.id] }) }))))
      assert.deepEqual(await memberIds(g), [])
      for (const u of users) assert.equal((await t.store.users.get(tenant.id, u.id))!.version, u.version + 2, u.userName)
    })
  })
}

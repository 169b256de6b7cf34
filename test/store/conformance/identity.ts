/**
 * Conformance of the identity port (src/domain/identity/persister.ts): users, groups, memberships,
 * group owners, the console's group list, custom attribute definitions and (user-list.ts) the
 * console's user list; and the Store's transactions, shown on identity records.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Store } from '../../../src/domain/store.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { ConflictError, PreconditionFailedError } from '../../../src/domain/kernel/errors.js'
import { CUSTOM_ATTRIBUTES_URN } from '../../../src/domain/identity/custom-attribute-model.js'
import type { MemberUpdate } from '../../../src/domain/identity/persister.js'
import type { NewAuditEvent } from '../../../src/domain/audit/model.js'
import { actor, isConflict, MALFORMED_KEYS, newTenant, rolledBack, unknownId, useStore, type StoreUnderTest } from './harness.js'
import { describeUserListConformance } from './user-list.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`identity port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const user = (tenant: Tenant, userName: string, extra: Partial<Parameters<Store['users']['insert']>[0]> = {}) =>
      ctx.store.users.insert({ tenantId: tenant.id, userName, origin: 'local', ...extra })
    const group = (tenant: Tenant, displayName: string, extra: Partial<Parameters<Store['groups']['insert']>[0]> = {}) =>
      ctx.store.groups.insert({ tenantId: tenant.id, displayName, origin: 'local', ...extra })
    const asUser = (id: string) => ({ memberId: id, memberType: 'User' as const })
    const asGroup = (id: string) => ({ memberId: id, memberType: 'Group' as const })
    const version = async (tenant: Tenant, id: string) => (await ctx.store.users.get(tenant.id, id))?.version

    describe('users', () => {
      it('inserts with defaults and derives active from status', async () => {
        const tenant = await newTenant(ctx.store)
        const u = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'Ann@Example.com', origin: 'scim', resource: { name: { givenName: 'Ann' } } })
        assert.equal(u.status, 'active')
        assert.equal(u.active, true)
        assert.equal(u.version, 1)
        assert.deepEqual(u.resource, { name: { givenName: 'Ann' } })
        const off = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'bob', origin: 'local', status: 'archived' })
        assert.equal(off.active, false)
      })

      it('keeps userName unique per tenant, case-insensitively', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        await user(a, 'ann@example.com')
        await assert.rejects(user(a, 'ANN@example.com'), isConflict('userName'))
        await user(b, 'ann@example.com')
        assert.equal((await ctx.store.users.getByUserName(a.id, 'Ann@Example.COM'))?.tenantId, a.id)
      })

      it('inserts many or none: one taken userName fails the lot', async () => {
        const tenant = await newTenant(ctx.store)
        await user(tenant, 'taken')
        await assert.rejects(
          ctx.store.users.insertMany(['fresh1', 'TAKEN', 'fresh2'].map((userName) => ({ tenantId: tenant.id, userName, origin: 'local' as const }))),
          ConflictError,
        )
        assert.equal(await ctx.store.users.count(tenant.id), 1)
        const made = await ctx.store.users.insertMany(['x1', 'x2'].map((userName) => ({ tenantId: tenant.id, userName, origin: 'local' as const })))
        assert.deepEqual(made.map((u) => u.userName).sort(), ['x1', 'x2'])
        const byName = await ctx.store.users.getByUserNames(tenant.id, ['X1', 'x2', 'nobody'])
        assert.equal(byName.size, 2)
      })

      it("never returns another tenant's user", async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const u = await user(a, 'x', { sourceAnchor: 'anchor-x', email: 'x@example.com' })
        assert.equal(await ctx.store.users.get(b.id, u.id), null)
        assert.equal(await ctx.store.users.getByUserName(b.id, 'x'), null)
        assert.equal(await ctx.store.users.getBySourceAnchor(b.id, 'anchor-x'), null)
        assert.deepEqual(await ctx.store.users.getByEmail(b.id, 'x@example.com', 5), [])
        assert.equal(await ctx.store.users.update(b.id, u.id, { displayName: 'hijack' }), null)
        assert.equal(await ctx.store.users.delete(b.id, u.id), false)
        assert.equal((await ctx.store.users.existing(b.id, [u.id])).size, 0)
        await ctx.store.users.touchMany(b.id, [u.id])
        assert.equal(await ctx.store.users.count(b.id), 0)
        const stored = await ctx.store.users.get(a.id, u.id)
        assert.equal(stored?.displayName, null)
        assert.equal(stored?.version, 1)
      })

      it('finds nothing by a malformed or unknown key', async () => {
        const tenant = await newTenant(ctx.store)
        await user(tenant, 'someone')
        for (const key of [...MALFORMED_KEYS, unknownId()]) {
          const k = JSON.stringify(key)
          assert.equal(await ctx.store.users.get(tenant.id, key), null, k)
          assert.equal(await ctx.store.users.getByUserName(tenant.id, key), null, k)
          assert.equal(await ctx.store.users.getBySourceAnchor(tenant.id, key), null, k)
          assert.equal(await ctx.store.users.update(tenant.id, key, { displayName: 'x' }), null, k)
          assert.equal(await ctx.store.users.delete(tenant.id, key), false, k)
          assert.equal((await ctx.store.users.existing(tenant.id, [key])).size, 0, k)
          await ctx.store.users.touchMany(tenant.id, [key])
        }
      })

      it('updates with a version bump and checks the expected version', async () => {
        const tenant = await newTenant(ctx.store)
        const u = await user(tenant, 'v')
        const u2 = await ctx.store.users.update(tenant.id, u.id, { displayName: 'Vee', status: 'inactive' }, { ifVersion: 1 })
        assert.equal(u2?.version, 2)
        assert.equal(u2?.active, false)
        assert.ok(u2!.modified >= u.modified)
        await assert.rejects(ctx.store.users.update(tenant.id, u.id, { displayName: 'stale' }, { ifVersion: 1 }), PreconditionFailedError)
        assert.equal(await ctx.store.users.update(tenant.id, randomUUID(), { displayName: 'x' }, { ifVersion: 1 }), null)
        assert.equal((await ctx.store.users.get(tenant.id, u.id))?.displayName, 'Vee')
      })

      it('writes a user and its audit event in one call: both or neither', async () => {
        const tenant = await newTenant(ctx.store)
        const event = (action: string, resourceId: string | null = null): NewAuditEvent => ({
          tenantId: tenant.id,
          actor,
          action,
          resourceType: 'User',
          resourceId,
          changes: { attributes: ['displayName'] },
          requestId: 'req-1',
        })
        const u = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'audited', origin: 'scim' }, { audit: event('user.create') })
        const events = async () => (await ctx.store.audit.list(tenant.id, { limit: 10 })).items.map((e) => [e.action, e.resourceId])
        assert.deepEqual(await events(), [['user.create', u.id]], 'the event names the new user')
        await assert.rejects(
          ctx.store.users.insert({ tenantId: tenant.id, userName: 'AUDITED', origin: 'scim' }, { audit: event('user.create') }),
          isConflict('userName'),
        )
        const u2 = await ctx.store.users.update(tenant.id, u.id, { displayName: 'A' }, { ifVersion: 1, audit: event('user.update', u.id) })
        assert.equal(u2?.version, 2)
        await assert.rejects(ctx.store.users.update(tenant.id, u.id, { displayName: 'B' }, { ifVersion: 1, audit: event('user.update', u.id) }), PreconditionFailedError)
        assert.equal(await ctx.store.users.update(tenant.id, randomUUID(), { displayName: 'C' }, { audit: event('user.update') }), null)
        assert.deepEqual(await events(), [
          ['user.update', u.id],
          ['user.create', u.id],
        ], 'a refused or missed write records nothing')
      })

      it('reads users with their groups, direct and nested, in one call', async () => {
        const tenant = await newTenant(ctx.store)
        const [ann, bob] = await Promise.all([user(tenant, 'ann'), user(tenant, 'bob')])
        const all = await group(tenant, 'All')
        const support = await group(tenant, 'Support')
        const b = await group(tenant, 'Blue')
        await ctx.store.memberships.add(tenant.id, all.id, [asGroup(support.id)])
        await ctx.store.memberships.add(tenant.id, support.id, [asUser(ann.id)])
        await ctx.store.memberships.add(tenant.id, b.id, [asUser(ann.id)])
        const expected = [
          { groupId: b.id, displayName: 'Blue', direct: true },
          { groupId: support.id, displayName: 'Support', direct: true },
          { groupId: all.id, displayName: 'All', direct: false },
        ]
        assert.deepEqual((await ctx.store.users.get(tenant.id, ann.id, { withGroups: true }))?.groups, expected)
        assert.deepEqual((await ctx.store.users.get(tenant.id, bob.id, { withGroups: true }))?.groups, [])
        assert.equal((await ctx.store.users.get(tenant.id, ann.id))?.groups, undefined, 'only when asked')
        const page = await ctx.store.users.query(tenant.id, { page: { kind: 'index', startIndex: 1, count: 10 } }, { withGroups: true })
        assert.equal(page.totalResults, 2)
        assert.deepEqual(
          page.items.map((u) => [u.userName, u.groups]),
          [...page.items].sort((x, y) => (x.id < y.id ? -1 : 1)).map((u) => [u.userName, u.userName === 'ann' ? expected : []]),
          'in the page order, each with its own groups',
        )
        const updated = await ctx.store.users.update(tenant.id, ann.id, { displayName: 'Ann' }, { withGroups: true })
        assert.deepEqual(updated?.groups, expected)
        const beyond = await ctx.store.users.query(tenant.id, { page: { kind: 'index', startIndex: 5, count: 10 } }, { withGroups: true })
        assert.deepEqual([beyond.items.length, beyond.totalResults], [0, 2], 'a page past the end still counts the matches')
      })

      it('touches many users: version and modified move on, nothing else', async () => {
        const tenant = await newTenant(ctx.store)
        const [a, b, c] = await Promise.all(['ta', 'tb', 'tc'].map((n) => user(tenant, n, { displayName: n })))
        await ctx.store.users.touchMany(tenant.id, [a!.id, b!.id, b!.id])
        const [a2, b2, c2] = await Promise.all([a, b, c].map((u) => ctx.store.users.get(tenant.id, u!.id)))
        assert.equal(a2?.version, 2)
        assert.equal(b2?.version, 2, 'an id named twice is touched once')
        assert.equal(c2?.version, 1)
        assert.ok(a2!.modified >= a!.modified)
        assert.deepEqual({ ...a2, version: 1, modified: a!.modified }, a)
        await ctx.store.users.touchMany(tenant.id, [])
      })

      it('finds users by source anchor, unique per tenant', async () => {
        const tenant = await newTenant(ctx.store, 'ldap')
        const u = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'a', origin: 'ldap', sourceAnchor: 'guid-1' })
        assert.equal((await ctx.store.users.getBySourceAnchor(tenant.id, 'guid-1'))?.id, u.id)
        assert.equal((await ctx.store.users.getBySourceAnchors(tenant.id, ['guid-1', 'guid-2'])).get('guid-1')?.id, u.id)
        await assert.rejects(ctx.store.users.insert({ tenantId: tenant.id, userName: 'b', origin: 'ldap', sourceAnchor: 'guid-1' }), ConflictError)
      })

      it('pages through all users in a stable order', async () => {
        const tenant = await newTenant(ctx.store)
        for (let i = 0; i < 7; i++) await user(tenant, `u${i}`)
        const seen: string[] = []
        let after: string | null = null
        do {
          const page = await ctx.store.users.list(tenant.id, { limit: 3, after })
          seen.push(...page.items.map((u) => u.userName))
          after = page.next
        } while (after)
        assert.deepEqual(seen.sort(), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'])
        assert.equal(await ctx.store.users.count(tenant.id), 7)
      })

      it('sets and clears references, bumping the users changed', async () => {
        const tenant = await newTenant(ctx.store)
        const boss = await user(tenant, 'boss')
        const [r1, r2] = await Promise.all(['r1', 'r2'].map((n) => user(tenant, n)))
        const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
        const set = await ctx.store.users.setReferences(tenant.id, [urn, 'manager'], [r1!, r2!].map((r) => ({ id: r.id, value: boss.id })))
        assert.deepEqual(set.sort(), [r1!.id, r2!.id].sort())
        const withManager = await ctx.store.users.get(tenant.id, r1!.id)
        assert.deepEqual(withManager?.resource, { [urn]: { manager: { value: boss.id } } })
        assert.equal(withManager?.version, 2)
        assert.deepEqual((await ctx.store.users.clearReference(tenant.id, [urn, 'manager'], boss.id)).sort(), [r1!.id, r2!.id].sort())
        const cleared = await ctx.store.users.get(tenant.id, r1!.id)
        assert.equal(cleared?.version, 3)
        assert.equal((cleared?.resource as Record<string, { manager?: unknown }>)[urn]?.manager, undefined)
      })

      describe('unresolved manager references', () => {
        const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
        const waiting = (tenant: Tenant, userName: string, value: string) =>
          user(tenant, userName, { resource: { userName, [urn]: { department: 'Sales', manager: { value } } }, managerUnresolved: value })
        const managerOf = async (tenant: Tenant, id: string) => ((await ctx.store.users.get(tenant.id, id))?.resource[urn] as { manager?: { value: string } } | undefined)?.manager?.value
        const event: NewAuditEvent = { tenantId: '', actor, action: 'user.create', resourceType: 'User', resourceId: null, changes: null, requestId: 'req-1' }

        it('points the reports waiting for a new user at it, by externalId, userName key or id, in the insert', async () => {
          const tenant = await newTenant(ctx.store)
          const byExt = await waiting(tenant, 'r1', 'SuzzyQ')
          const byName = await waiting(tenant, 'r2', ' SUZY@example.com')
          const unrelated = await waiting(tenant, 'r3', 'someone-else')
          const boss = await user(tenant, 'suzy@example.com', { externalId: 'SuzzyQ' })
          assert.equal(await managerOf(tenant, byExt.id), boss.id)
          assert.equal(await managerOf(tenant, byName.id), boss.id)
          assert.equal(await managerOf(tenant, unrelated.id), 'someone-else')
          const moved = await ctx.store.users.get(tenant.id, byExt.id)
          assert.equal(moved?.version, 2)
          assert.deepEqual(moved?.resource, { userName: 'r1', [urn]: { department: 'Sales', manager: { value: boss.id } } })
          assert.equal((await ctx.store.users.get(tenant.id, unrelated.id))?.version, 1)
          // Resolved references leave the set: a later user with the same externalId takes nothing.
          await user(tenant, 'other', { externalId: 'SuzzyQ' })
          assert.equal(await managerOf(tenant, byExt.id), boss.id)
          // By id: the new user's id, chosen by the caller here.
          const id = unknownId()
          const byId = await waiting(tenant, 'r4', id)
          await user(tenant, 'given-id', { id })
          assert.equal(await managerOf(tenant, byId.id), id)
        })

        it('audits each report pointed at the new user with the insert\'s event as template', async () => {
          const tenant = await newTenant(ctx.store)
          const r = await waiting(tenant, 'r', 'ext-boss')
          const boss = await ctx.store.users.insert({ tenantId: tenant.id, userName: 'boss', externalId: 'ext-boss', origin: 'scim' }, { audit: { ...event, tenantId: tenant.id } })
          const events = (await ctx.store.audit.list(tenant.id, { limit: 10, resourceId: r.id })).items
          assert.equal(events.length, 1)
          assert.equal(events[0]!.action, 'user.update')
          assert.equal(events[0]!.requestId, 'req-1')
          assert.deepEqual(events[0]!.changes, {
            attributes: [`${urn}:manager`],
            before: { [`${urn}:manager`]: { value: 'ext-boss' } },
            after: { [`${urn}:manager`]: { value: boss.id } },
          })
        })

        it('never resolves across tenants', async () => {
          const a = await newTenant(ctx.store)
          const b = await newTenant(ctx.store)
          const r = await waiting(a, 'r', 'SuzzyQ')
          await user(b, 'suzy', { externalId: 'SuzzyQ' })
          assert.equal(await managerOf(a, r.id), 'SuzzyQ')
          assert.equal(await ctx.store.users.resolveReference(a.id, 'SuzzyQ'), null)
        })

        it('untracks a reference an update resolves or removes, and one setReferences sets', async () => {
          const tenant = await newTenant(ctx.store)
          const real = await user(tenant, 'real')
          const [r1, r2, r3] = await Promise.all(['r1', 'r2', 'r3'].map((n) => waiting(tenant, n, 'ghost')))
          await ctx.store.users.update(tenant.id, r1!.id, { resource: { [urn]: { manager: { value: real.id } } }, managerUnresolved: null })
          await ctx.store.users.update(tenant.id, r2!.id, { resource: {}, managerUnresolved: null })
          await ctx.store.users.setReferences(tenant.id, [urn, 'manager'], [{ id: r3!.id, value: real.id }])
          await user(tenant, 'ghost')
          assert.equal(await managerOf(tenant, r1!.id), real.id)
          assert.equal(await managerOf(tenant, r2!.id), undefined)
          assert.equal(await managerOf(tenant, r3!.id), real.id)
          assert.equal((await ctx.store.users.get(tenant.id, r1!.id))?.version, 2)
        })

        it('tracks a reference an update leaves unresolved, replacing the earlier one', async () => {
          const tenant = await newTenant(ctx.store)
          const r = await waiting(tenant, 'r', 'first')
          await ctx.store.users.update(tenant.id, r.id, { resource: { [urn]: { manager: { value: 'second' } } }, managerUnresolved: 'second' })
          await user(tenant, 'first')
          assert.equal(await managerOf(tenant, r.id), 'second')
          const second = await user(tenant, 'x', { externalId: 'second' })
          assert.equal(await managerOf(tenant, r.id), second.id)
        })

        it('forgets the reference of a deleted report', async () => {
          const tenant = await newTenant(ctx.store)
          const r = await waiting(tenant, 'r', 'later')
          assert.equal(await ctx.store.users.delete(tenant.id, r.id), true)
          await user(tenant, 'later')
          assert.equal(await ctx.store.users.count(tenant.id), 1)
        })

        it('resolves references from a batch insert too, by id before externalId before userName', async () => {
          const tenant = await newTenant(ctx.store)
          const r = await waiting(tenant, 'r', 'dup')
          const made = await ctx.store.users.insertMany(
            [
              { tenantId: tenant.id, userName: 'dup', origin: 'ldap' as const },
              { tenantId: tenant.id, userName: 'x', externalId: 'dup', origin: 'ldap' as const },
            ],
            { audit: { ...event, tenantId: tenant.id, action: 'user.update' } },
          )
          const byExt = made.find((u) => u.externalId === 'dup')!
          assert.equal(await managerOf(tenant, r.id), byExt.id)
          assert.equal((await ctx.store.audit.list(tenant.id, { limit: 10, resourceId: r.id })).items.length, 1)
        })

        it('resolveReference: by id, else externalId, else userName key; ambiguity and malformed values are null', async () => {
          const tenant = await newTenant(ctx.store)
          const a = await user(tenant, 'Ann', { externalId: 'ext-a' })
          const b = await user(tenant, 'ext-a')
          assert.equal(await ctx.store.users.resolveReference(tenant.id, a.id), a.id)
          // Ids are case-exact (RFC 7643 §3.1): an id in capitals names nobody.
          assert.equal(await ctx.store.users.resolveReference(tenant.id, a.id.toUpperCase()), null)
          assert.equal(await ctx.store.users.resolveReference(tenant.id, 'ext-a'), a.id)
          assert.equal(await ctx.store.users.resolveReference(tenant.id, ' ANN'), a.id)
          assert.equal(await ctx.store.users.resolveReference(tenant.id, 'EXT-A'), b.id)
          await user(tenant, 'twin', { externalId: 'shared' })
          await user(tenant, 'twin2', { externalId: 'shared' })
          assert.equal(await ctx.store.users.resolveReference(tenant.id, 'shared'), null)
          assert.equal(await ctx.store.users.resolveReference(tenant.id, 'nobody'), null)
          for (const key of MALFORMED_KEYS) assert.equal(await ctx.store.users.resolveReference(tenant.id, key), null, JSON.stringify(key))
        })
      })
    })

    describe('groups and memberships', () => {
      it('adds and removes members one row at a time, returning what changed', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await ctx.store.groups.insert({ tenantId: tenant.id, displayName: 'Staff', origin: 'scim' })
        const users = await Promise.all([1, 2, 3].map((i) => ctx.store.users.insert({ tenantId: tenant.id, userName: `m${i}`, origin: 'scim' })))
        const refs = users.map((u) => asUser(u.id))
        const sortRefs = (xs: Array<{ memberId: string }>) => [...xs].sort((x, y) => x.memberId.localeCompare(y.memberId))
        assert.deepEqual(sortRefs(await ctx.store.memberships.add(tenant.id, g.id, refs)), sortRefs(refs))
        assert.deepEqual(await ctx.store.memberships.add(tenant.id, g.id, refs.slice(0, 2)), [])
        assert.equal(await ctx.store.memberships.count(tenant.id, g.id), 3)
        assert.deepEqual(await ctx.store.memberships.remove(tenant.id, g.id, [users[0]!.id, randomUUID()]), [refs[0]])
        const page1 = await ctx.store.memberships.list(tenant.id, g.id, { limit: 1 })
        assert.equal(page1.items.length, 1)
        const page2 = await ctx.store.memberships.list(tenant.id, g.id, { limit: 1, after: page1.next })
        assert.equal(page2.next, null)
        assert.deepEqual([...page1.items, ...page2.items].map((m) => m.memberId).sort(), [users[1]!.id, users[2]!.id].sort())
        assert.deepEqual(await ctx.store.memberships.groupsOf(tenant.id, users[1]!.id), [g.id])
        assert.deepEqual(sortRefs(await ctx.store.memberships.removeAll(tenant.id, g.id)), sortRefs(refs.slice(1)))
        assert.equal(await ctx.store.memberships.count(tenant.id, g.id), 0)
      })

      it("changes membership rows only: the members' versions are the domain's to bump", async () => {
        const tenant = await newTenant(ctx.store)
        const [g1, g2] = await Promise.all([group(tenant, 'One'), group(tenant, 'Two')])
        const u = await user(tenant, 'member')
        await ctx.store.memberships.add(tenant.id, g1!.id, [asUser(u.id)])
        const many = await ctx.store.memberships.addMany(tenant.id, [
          { groupId: g1!.id, ...asUser(u.id) },
          { groupId: g2!.id, ...asUser(u.id) },
        ])
        assert.deepEqual(many, [{ groupId: g2!.id, ...asUser(u.id) }], 'only the new membership')
        const gone = await ctx.store.memberships.removeMany(tenant.id, [
          { groupId: g1!.id, memberId: u.id },
          { groupId: g2!.id, memberId: randomUUID() },
        ])
        assert.deepEqual(gone, [{ groupId: g1!.id, ...asUser(u.id) }], 'only the membership that was there')
        await ctx.store.memberships.remove(tenant.id, g2!.id, [u.id])
        assert.equal(await version(tenant, u.id), 1)
        assert.equal((await ctx.store.groups.get(tenant.id, g1!.id))?.version, 1)
      })

      it('supports nested groups and cleans memberships up on delete', async () => {
        const tenant = await newTenant(ctx.store)
        const parent = await group(tenant, 'All')
        const child = await group(tenant, 'Support')
        const u = await user(tenant, 'nest')
        await ctx.store.memberships.add(tenant.id, parent.id, [asGroup(child.id)])
        await ctx.store.memberships.add(tenant.id, child.id, [asUser(u.id)])
        const reach = (await ctx.store.memberships.groupsOfMembers(tenant.id, [u.id])).get(u.id)
        assert.deepEqual(reach, [
          { groupId: child.id, displayName: 'Support', direct: true },
          { groupId: parent.id, displayName: 'All', direct: false },
        ])
        assert.deepEqual(await ctx.store.memberships.nestingEdges(tenant.id), [{ groupId: parent.id, memberId: child.id }])
        assert.equal(await ctx.store.memberships.wouldCreateCycle(tenant.id, child.id, [parent.id]), true)
        assert.equal(await ctx.store.memberships.wouldCreateCycle(tenant.id, parent.id, [child.id]), false)
        assert.deepEqual((await ctx.store.memberships.membersOf(tenant.id, [parent.id, child.id])).get(child.id), [{ groupId: child.id, ...asUser(u.id) }])
        assert.equal(await ctx.store.users.delete(tenant.id, u.id), true)
        assert.equal(await ctx.store.memberships.count(tenant.id, child.id), 0)
        assert.equal((await ctx.store.groups.get(tenant.id, child.id))?.version, 2, 'a group losing a deleted member changes')
        assert.equal(await ctx.store.groups.delete(tenant.id, child.id), true)
        assert.equal(await ctx.store.memberships.count(tenant.id, parent.id), 0)
        assert.equal((await ctx.store.groups.get(tenant.id, parent.id))?.version, 2, 'a group losing a deleted nested group changes')
      })

      it('deletes a group without touching its members (the domain does)', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Going')
        const u = await user(tenant, 'stays')
        await ctx.store.memberships.add(tenant.id, g.id, [asUser(u.id)])
        assert.equal(await ctx.store.groups.delete(tenant.id, g.id), true)
        assert.deepEqual(await ctx.store.memberships.groupsOf(tenant.id, u.id), [])
        assert.equal(await version(tenant, u.id), 1)
      })

      it('touches the group version when members change', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'G')
        const touched = await ctx.store.groups.touch(tenant.id, g.id, { ifVersion: 1 })
        assert.equal(touched?.version, 2)
        await assert.rejects(ctx.store.groups.touch(tenant.id, g.id, { ifVersion: 1 }), PreconditionFailedError)
        await ctx.store.groups.touchMany(tenant.id, [g.id, 'not-a-uuid'])
        assert.equal((await ctx.store.groups.get(tenant.id, g.id))?.version, 3)
      })

      it('keeps group source anchors unique per tenant', async () => {
        const a = await newTenant(ctx.store, 'ldap')
        const b = await newTenant(ctx.store, 'ldap')
        await group(a, 'One', { origin: 'ldap', sourceAnchor: 'g-1' })
        await assert.rejects(group(a, 'Two', { origin: 'ldap', sourceAnchor: 'g-1' }), ConflictError)
        await group(b, 'One', { origin: 'ldap', sourceAnchor: 'g-1' })
      })

      it('keeps memberships within the tenant', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const g = await group(a, 'A')
        const u = await user(a, 'ua')
        await ctx.store.memberships.add(a.id, g.id, [asUser(u.id)])
        assert.equal(await ctx.store.memberships.count(b.id, g.id), 0)
        assert.deepEqual(await ctx.store.memberships.remove(b.id, g.id, [u.id]), [])
        assert.deepEqual(await ctx.store.memberships.removeAll(b.id, g.id), [])
        assert.deepEqual(await ctx.store.memberships.removeMany(b.id, [{ groupId: g.id, memberId: u.id }]), [])
        assert.deepEqual(await ctx.store.memberships.groupsOf(b.id, u.id), [])
        assert.equal((await ctx.store.memberships.membersOf(b.id, [g.id])).size, 0)
        assert.equal((await ctx.store.memberships.list(b.id, g.id, { limit: 10 })).items.length, 0)
        assert.equal(await ctx.store.groups.get(b.id, g.id), null)
        assert.equal(await ctx.store.groups.delete(b.id, g.id), false)
        assert.equal(await ctx.store.memberships.count(a.id, g.id), 1)
        assert.equal((await ctx.store.groups.getByDisplayName(a.id, 'a'))?.id, g.id)
      })

      it('finds nothing by a malformed or unknown key', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Real')
        for (const key of [...MALFORMED_KEYS, unknownId()]) {
          const k = JSON.stringify(key)
          assert.equal(await ctx.store.groups.get(tenant.id, key), null, k)
          assert.equal(await ctx.store.groups.getByDisplayName(tenant.id, key), null, k)
          assert.equal(await ctx.store.groups.update(tenant.id, key, { displayName: 'x' }), null, k)
          assert.equal(await ctx.store.groups.delete(tenant.id, key), false, k)
          assert.deepEqual(await ctx.store.memberships.remove(tenant.id, key, [key]), [], k)
          assert.deepEqual(await ctx.store.memberships.groupsOf(tenant.id, key), [], k)
          assert.equal(await ctx.store.memberships.count(tenant.id, key), 0, k)
        }
        for (const key of MALFORMED_KEYS) {
          assert.deepEqual(await ctx.store.memberships.add(tenant.id, key, [asUser(unknownId())]), [], JSON.stringify(key))
          assert.deepEqual(await ctx.store.memberships.add(tenant.id, g.id, [asUser(key)]), [], JSON.stringify(key))
        }
        assert.equal(await ctx.store.memberships.count(tenant.id, g.id), 0)
      })
    })

    describe('a group change in one write (GroupRepo.change)', () => {
      const members = (change: Partial<MemberUpdate> = {}): MemberUpdate => ({ removeAll: false, remove: [], add: [], addable: ['User'], ...change })
      const event = (tenant: Tenant, groupId: string, after: Record<string, unknown> = {}): NewAuditEvent => ({
        tenantId: tenant.id,
        actor,
        action: 'group.update',
        resourceType: 'Group',
        resourceId: groupId,
        changes: { attributes: ['members'], after: { ...after, memberCounts: { added: -1, removed: -1 } } },
        requestId: 'req-1',
      })
      const events = async (tenant: Tenant, groupId: string) => (await ctx.store.audit.list(tenant.id, { limit: 10, resourceId: groupId })).items
      const memberIds = async (tenant: Tenant, groupId: string) => (await ctx.store.memberships.list(tenant.id, groupId, { limit: 100 })).items.map((m) => m.memberId).sort()
      const groupVersion = async (tenant: Tenant, id: string) => (await ctx.store.groups.get(tenant.id, id))?.version

      it('adds and removes members, bumping each user that joined or left and the group once, with its audit event and counts', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Staff')
        const [ann, bob, cid] = await Promise.all(['ann', 'bob', 'cid'].map((n) => user(tenant, n)))
        await ctx.store.memberships.add(tenant.id, g.id, [asUser(ann!.id), asUser(bob!.id)])
        const result = await ctx.store.groups.change(
          tenant.id,
          g.id,
          { members: members({ remove: [ann!.id, randomUUID()], add: [{ memberId: cid!.id, memberType: 'User' }, { memberId: bob!.id }] }) },
          { audit: event(tenant, g.id, { membersAdded: [cid!.id, bob!.id] }) },
        )
        assert.equal(result.outcome, 'changed')
        assert.ok(result.outcome === 'changed')
        assert.deepEqual([result.added, result.removed], [1, 1], 'bob was a member already')
        assert.equal(result.group.version, 2)
        assert.ok(result.group.modified > g.modified)
        assert.deepEqual(await memberIds(tenant, g.id), [bob!.id, cid!.id].sort())
        assert.deepEqual([await version(tenant, ann!.id), await version(tenant, bob!.id), await version(tenant, cid!.id)], [2, 1, 2])
        const [e, ...more] = await events(tenant, g.id)
        assert.equal(more.length, 0)
        assert.deepEqual(e!.changes, { attributes: ['members'], after: { membersAdded: [cid!.id, bob!.id], memberCounts: { added: 1, removed: 1 } } }, 'counts filled by the store')
        assert.deepEqual([e!.action, e!.resourceId, e!.requestId, e!.actor.label], ['group.update', g.id, 'req-1', actor.label])
      })

      it('changes nothing, and records nothing, when no member joins or leaves', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Same')
        const ann = await user(tenant, 'ann')
        await ctx.store.memberships.add(tenant.id, g.id, [asUser(ann.id)])
        const result = await ctx.store.groups.change(tenant.id, g.id, { members: members({ add: [{ memberId: ann.id }], remove: [randomUUID()] }) }, { ifVersion: 1, audit: event(tenant, g.id) })
        assert.deepEqual(result, { outcome: 'unchanged' })
        assert.equal(await groupVersion(tenant, g.id), 1)
        assert.equal(await version(tenant, ann.id), 1)
        assert.deepEqual(await events(tenant, g.id), [])
      })

      it('refuses, writing nothing, a member to add that is unknown, of another type than stated, or a group when only users may be added', async () => {
        const tenant = await newTenant(ctx.store)
        const other = await newTenant(ctx.store)
        const g = await group(tenant, 'Strict')
        const inner = await group(tenant, 'Inner')
        const ann = await user(tenant, 'ann')
        const stranger = await user(other, 'stranger')
        const bob = await user(tenant, 'bob')
        await ctx.store.memberships.add(tenant.id, g.id, [asUser(bob.id)])
        const refusals: Array<MemberUpdate['add']> = [
          [{ memberId: ann.id }, { memberId: randomUUID() }],
          [{ memberId: ann.id }, { memberId: stranger.id }],
          [{ memberId: ann.id, memberType: 'Group' }],
          [{ memberId: ann.id }, { memberId: inner.id }],
          [{ memberId: ann.id }, { memberId: 'not-a-uuid' }],
        ]
        for (const add of refusals) {
          const result = await ctx.store.groups.change(tenant.id, g.id, { members: members({ removeAll: true, add }) }, { audit: event(tenant, g.id) })
          assert.equal(result.outcome, 'refused', JSON.stringify(add))
          assert.ok(result.outcome === 'refused')
          assert.deepEqual(result.found, new Map(add.flatMap((m) => (m.memberId === ann.id ? [[ann.id, 'User']] : m.memberId === inner.id ? [[inner.id, 'Group']] : []))))
        }
        assert.deepEqual(await memberIds(tenant, g.id), [bob.id], 'the removal did not happen either')
        assert.deepEqual([await groupVersion(tenant, g.id), await version(tenant, ann.id), await version(tenant, bob.id)], [1, 1, 1])
        assert.deepEqual(await events(tenant, g.id), [])
        const nested = await ctx.store.groups.change(tenant.id, g.id, { members: members({ add: [{ memberId: inner.id }], addable: ['User', 'Group'] }) })
        assert.ok(nested.outcome === 'changed' && nested.added === 1)
        assert.equal(await groupVersion(tenant, inner.id), 1, 'a group as member keeps its version')
      })

      it('writes nothing when the group is not at the version asked for, is gone, or is another tenant\'s', async () => {
        const tenant = await newTenant(ctx.store)
        const other = await newTenant(ctx.store)
        const g = await group(tenant, 'Checked')
        const ann = await user(tenant, 'ann')
        const change = { members: members({ add: [{ memberId: ann.id }] }) }
        assert.deepEqual(await ctx.store.groups.change(tenant.id, g.id, change, { ifVersion: 2, audit: event(tenant, g.id) }), { outcome: 'stale' })
        assert.deepEqual(await ctx.store.groups.change(other.id, g.id, change, { audit: event(other, g.id) }), { outcome: 'stale' })
        for (const id of [unknownId(), ...MALFORMED_KEYS]) assert.deepEqual(await ctx.store.groups.change(tenant.id, id, change), { outcome: 'stale' }, JSON.stringify(id))
        assert.deepEqual(await memberIds(tenant, g.id), [])
        assert.deepEqual([await groupVersion(tenant, g.id), await version(tenant, ann.id)], [1, 1])
        assert.deepEqual(await events(tenant, g.id), [])
        const done = await ctx.store.groups.change(tenant.id, g.id, change, { ifVersion: 1 })
        assert.ok(done.outcome === 'changed' && done.group.version === 2)
      })

      it('counts a member removed and added again as leaving and joining, keeping its row (PUT)', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Replaced')
        const [ann, bob, cid] = await Promise.all(['ann', 'bob', 'cid'].map((n) => user(tenant, n)))
        await ctx.store.memberships.add(tenant.id, g.id, [asUser(ann!.id), asUser(bob!.id)])
        const result = await ctx.store.groups.change(tenant.id, g.id, { members: members({ removeAll: true, add: [{ memberId: bob!.id }, { memberId: cid!.id }] }) }, { audit: event(tenant, g.id) })
        assert.ok(result.outcome === 'changed')
        assert.deepEqual([result.added, result.removed], [2, 2])
        assert.deepEqual(await memberIds(tenant, g.id), [bob!.id, cid!.id].sort())
        assert.deepEqual([await version(tenant, ann!.id), await version(tenant, bob!.id), await version(tenant, cid!.id)], [2, 3, 2], 'bob left and joined')
        assert.deepEqual(((await events(tenant, g.id))[0]!.changes as { after: unknown }).after, { memberCounts: { added: 2, removed: 2 } })
        const again = await ctx.store.groups.change(tenant.id, g.id, { members: members({ remove: [cid!.id], add: [{ memberId: cid!.id }] }) })
        assert.ok(again.outcome === 'changed' && again.added === 1 && again.removed === 1)
        assert.deepEqual(await memberIds(tenant, g.id), [bob!.id, cid!.id].sort())
      })

      it("writes the group's own attributes with the bump, members or not", async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Old', { resource: { displayName: 'Old' } })
        const ann = await user(tenant, 'ann')
        const renamed = await ctx.store.groups.change(
          tenant.id,
          g.id,
          { attributes: { displayName: 'New', externalId: 'x-1', resource: { displayName: 'New' } } },
          { ifVersion: 1, audit: { ...event(tenant, g.id), changes: { attributes: ['displayName'] } } },
        )
        assert.ok(renamed.outcome === 'changed')
        assert.deepEqual([renamed.group.displayName, renamed.group.externalId, renamed.group.resource, renamed.group.version], ['New', 'x-1', { displayName: 'New' }, 2])
        assert.deepEqual([renamed.added, renamed.removed], [0, 0])
        assert.deepEqual((await events(tenant, g.id)).map((e) => e.changes), [{ attributes: ['displayName'] }], 'no counts without members')
        const both = await ctx.store.groups.change(tenant.id, g.id, { attributes: { displayName: 'Newer' }, members: members({ add: [{ memberId: ann.id }] }) })
        assert.ok(both.outcome === 'changed' && both.group.displayName === 'Newer' && both.group.version === 3 && both.added === 1)
        assert.equal((await ctx.store.groups.getByDisplayName(tenant.id, 'newer'))?.id, g.id)
      })

      it('update writes options.audit with the change, and nothing when the version check fails', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Plain')
        const audit = { ...event(tenant, g.id), changes: { attributes: ['displayName'] } }
        await assert.rejects(ctx.store.groups.update(tenant.id, g.id, { displayName: 'Nope' }, { ifVersion: 2, audit }), PreconditionFailedError)
        assert.equal(await ctx.store.groups.update(tenant.id, unknownId(), { displayName: 'Nope' }, { audit }), null)
        assert.deepEqual(await events(tenant, g.id), [])
        assert.equal((await ctx.store.groups.update(tenant.id, g.id, { displayName: 'Yes' }, { ifVersion: 1, audit }))?.displayName, 'Yes')
        assert.deepEqual((await events(tenant, g.id)).map((e) => e.changes), [{ attributes: ['displayName'] }])
      })

      it('writes nothing that stays when its transaction fails', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Rolled')
        const ann = await user(tenant, 'ann')
        await rolledBack(ctx.store, (tx) => tx.groups.change(tenant.id, g.id, { members: members({ add: [{ memberId: ann.id }] }) }, { audit: event(tenant, g.id) }))
        assert.deepEqual([await groupVersion(tenant, g.id), await version(tenant, ann.id), (await memberIds(tenant, g.id)).length, (await events(tenant, g.id)).length], [1, 1, 0, 0])
      })
    })

    describe('group owners and the group list', () => {
      it('sets, reads, transfers and clears owners within the tenant', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const [g1, g2] = await Promise.all([group(a, 'Owned 1'), group(a, 'Owned 2')])
        const [ann, bob] = await Promise.all([user(a, 'ann', { displayName: 'Ann A' }), user(a, 'bob')])
        await ctx.store.groupOwners.set(a.id, g1!.id, ann!.id)
        await ctx.store.groupOwners.set(a.id, g2!.id, ann!.id)
        assert.equal(await ctx.store.groupOwners.get(a.id, g1!.id), ann!.id)
        assert.equal(await ctx.store.groupOwners.get(b.id, g1!.id), null)
        assert.deepEqual(await ctx.store.groupOwners.ownedBy(b.id, ann!.id), [])
        assert.deepEqual(await ctx.store.groupOwners.transfer(b.id, ann!.id, bob!.id), [])
        assert.deepEqual((await ctx.store.groupOwners.ownedBy(a.id, ann!.id)).sort(), [g1!.id, g2!.id].sort())
        assert.deepEqual((await ctx.store.groupOwners.transfer(a.id, ann!.id, bob!.id)).sort(), [g1!.id, g2!.id].sort())
        assert.deepEqual(await ctx.store.groupOwners.ownedBy(a.id, ann!.id), [])
        await ctx.store.groupOwners.set(a.id, g1!.id, null)
        assert.equal(await ctx.store.groupOwners.get(a.id, g1!.id), null)
        assert.equal(await ctx.store.groupOwners.get(a.id, 'not-a-uuid'), null)
      })

      it('lists groups by name with member count, owner and roles, searching and paging', async () => {
        const tenant = await newTenant(ctx.store)
        const other = await newTenant(ctx.store)
        const owner = await user(tenant, 'owner', { displayName: 'The Owner' })
        const [alpha, beta] = await Promise.all([group(tenant, 'Alpha team'), group(tenant, 'beta team'), group(tenant, 'Gamma')])
        await group(other, 'Alpha team')
        await ctx.store.memberships.add(tenant.id, alpha!.id, [asUser(owner.id), asGroup(beta!.id)])
        await ctx.store.groupOwners.set(tenant.id, alpha!.id, owner.id)
        const page1 = await ctx.store.groupList.list(tenant.id, { limit: 2, search: 'TEAM' })
        assert.deepEqual(page1.items.map((g) => g.displayName), ['Alpha team', 'beta team'])
        assert.equal(page1.items[0]!.memberCount, 2)
        assert.deepEqual(page1.items[0]!.owner, { id: owner.id, userName: 'owner', displayName: 'The Owner' })
        assert.deepEqual(page1.items[0]!.roleIds, [])
        assert.equal(page1.next, null)
        const first = await ctx.store.groupList.list(tenant.id, { limit: 1 })
        const second = await ctx.store.groupList.list(tenant.id, { limit: 5, after: first.next })
        assert.deepEqual([...first.items, ...second.items].map((g) => g.displayName), ['Alpha team', 'beta team', 'Gamma'])
        const members = await ctx.store.groupList.members(tenant.id, alpha!.id, { limit: 10 })
        assert.deepEqual(members.items.map((m) => [m.type, m.name]).sort(), [
          ['Group', 'beta team'],
          ['User', 'The Owner'],
        ])
        assert.deepEqual((await ctx.store.groupList.members(other.id, alpha!.id, { limit: 10 })).items, [])
      })
    })

    describe('custom attributes', () => {
      const definition = (tenant: Tenant, name: string, position = 0) =>
        ctx.store.customAttributes.insert({ tenantId: tenant.id, name, label: name, type: 'choice', choices: ['a', 'b'], required: false, description: '', position })

      it('defines attributes with a name unique per tenant, in display order', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const second = await definition(a, 'zone', 1)
        const first = await definition(a, 'Team', 0)
        await assert.rejects(definition(a, 'ZONE'), isConflict())
        await definition(b, 'zone')
        assert.deepEqual((await ctx.store.customAttributes.list(a.id)).map((x) => x.id), [first.id, second.id])
        const updated = await ctx.store.customAttributes.update(a.id, first.id, { label: 'The team', position: 5 })
        assert.equal(updated?.label, 'The team')
        assert.deepEqual((await ctx.store.customAttributes.list(a.id)).map((x) => x.id), [second.id, first.id])
        assert.equal(await ctx.store.customAttributes.get(b.id, first.id), null)
        assert.equal(await ctx.store.customAttributes.update(b.id, first.id, { label: 'x' }), null)
        assert.equal(await ctx.store.customAttributes.delete(b.id, first.id), false)
        for (const key of MALFORMED_KEYS) assert.equal(await ctx.store.customAttributes.get(a.id, key), null, JSON.stringify(key))
        assert.equal(await ctx.store.customAttributes.delete(a.id, first.id), true)
        assert.equal(await ctx.store.customAttributes.get(a.id, first.id), null)
      })

      it("counts and removes the values users hold, bumping those users", async () => {
        const tenant = await newTenant(ctx.store)
        await definition(tenant, 'zone')
        const holds = (value: string) => ({ resource: { [CUSTOM_ATTRIBUTES_URN]: { zone: value } } })
        const [u1, u2] = await Promise.all([user(tenant, 'z1', holds('a')), user(tenant, 'z2', holds('b')), user(tenant, 'z3')])
        await user(await newTenant(ctx.store), 'elsewhere', holds('a'))
        assert.deepEqual(await ctx.store.customAttributes.countValues(tenant.id, CUSTOM_ATTRIBUTES_URN, 'zone', ['a', 'b', 'c']), new Map([['a', 1], ['b', 1]]))
        assert.equal(await ctx.store.customAttributes.countHolders(tenant.id, CUSTOM_ATTRIBUTES_URN, 'zone'), 2)
        const removed = await ctx.store.customAttributes.removeValues(tenant.id, CUSTOM_ATTRIBUTES_URN, 'zone')
        assert.deepEqual(removed.sort((x, y) => x.id.localeCompare(y.id)), [{ id: u1!.id, value: 'a' }, { id: u2!.id, value: 'b' }].sort((x, y) => x.id.localeCompare(y.id)))
        const after = await ctx.store.users.get(tenant.id, u1!.id)
        assert.equal(after?.version, 2)
        assert.equal(after?.resource[CUSTOM_ATTRIBUTES_URN], undefined, 'an extension left empty is removed')
      })
    })

    describe('transactions', () => {
      it('commits everything or nothing', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'Kept')
        const u = await user(tenant, 'kept')
        await rolledBack(ctx.store, async (tx) => {
          await tx.users.insert({ tenantId: tenant.id, userName: 'rolled-back', origin: 'local' })
          await tx.memberships.add(tenant.id, g.id, [asUser(u.id)])
          await tx.users.touchMany(tenant.id, [u.id])
          await tx.groups.touch(tenant.id, g.id)
          await tx.audit.append({ tenantId: tenant.id, actor, action: 'user.create', resourceType: 'User', resourceId: null, changes: null, requestId: null })
        })
        assert.equal(await ctx.store.users.getByUserName(tenant.id, 'rolled-back'), null)
        assert.equal(await ctx.store.memberships.count(tenant.id, g.id), 0)
        assert.equal(await version(tenant, u.id), 1)
        assert.equal((await ctx.store.groups.get(tenant.id, g.id))?.version, 1)
        assert.equal((await ctx.store.audit.list(tenant.id, { limit: 10 })).items.length, 0)
      })

      it('rolls back on a conflict half-way and joins nested transactions', async () => {
        const tenant = await newTenant(ctx.store)
        await user(tenant, 'taken')
        await assert.rejects(
          ctx.store.transaction(async (tx) => {
            await tx.users.insert({ tenantId: tenant.id, userName: 'first', origin: 'local' })
            await tx.transaction(async (inner) => inner.users.insert({ tenantId: tenant.id, userName: 'TAKEN', origin: 'local' }))
          }),
          ConflictError,
        )
        assert.equal(await ctx.store.users.getByUserName(tenant.id, 'first'), null)
        const committed = await ctx.store.transaction(async (tx) => {
          const u = await tx.users.insert({ tenantId: tenant.id, userName: 'second', origin: 'local' })
          await tx.transaction(async (inner) => inner.users.update(tenant.id, u.id, { displayName: 'Two' }))
          return u.id
        })
        assert.equal((await ctx.store.users.get(tenant.id, committed))?.displayName, 'Two')
      })

      it('serialises concurrent transactions without losing writes', async () => {
        const tenant = await newTenant(ctx.store)
        const g = await group(tenant, 'busy')
        const users = await Promise.all(Array.from({ length: 10 }, (_, i) => user(tenant, `c${i}`)))
        await Promise.all(
          users.map((u) =>
            ctx.store.transaction(async (tx) => {
              await tx.memberships.add(tenant.id, g.id, [asUser(u.id)])
              await tx.groups.touch(tenant.id, g.id)
            }),
          ),
        )
        assert.equal(await ctx.store.memberships.count(tenant.id, g.id), 10)
        assert.equal((await ctx.store.groups.get(tenant.id, g.id))?.version, 11)
      })
    })

    describeUserListConformance(ctx)
  })
}

/**
 * Conformance of the directory-sync port (src/domain/directory-sync/persister.ts): the tenant's
 * directory connection, sync runs, sync state with its lease, and the snapshot a run reads.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { EMPTY_COUNTS, type NewSyncRun, type SnapshotEntry } from '../../../src/domain/directory-sync/model.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { MALFORMED_KEYS, newTenant, rolledBack, unknownId, useStore, type StoreUnderTest } from './harness.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`directory-sync port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const newRun = (tenant: Tenant, extra: Partial<NewSyncRun> = {}): NewSyncRun => ({
      id: randomUUID(),
      tenantId: tenant.id,
      mode: 'full',
      dryRun: false,
      forced: false,
      trigger: 'cli',
      holder: 'node-1',
      ...extra,
    })
    const entry = (anchor: string, dn: string, extra: Record<string, string> = {}): SnapshotEntry => ({ anchor, dn, entry: { userName: anchor, ...extra } })

    it('keeps one directory connection per tenant; syncs the tenants whose source is ldap', async () => {
      const ldap = await newTenant(ctx.store, 'ldap')
      const local = await newTenant(ctx.store, 'local')
      assert.equal(await ctx.store.directoryConnections.get(ldap.id), null)
      await ctx.store.directoryConnections.put(ldap.id, { url: 'ldap://one' }, 'sealed-1')
      const replaced = await ctx.store.directoryConnections.put(ldap.id, { url: 'ldap://two' }, 'sealed-2')
      assert.deepEqual(replaced.settings, { url: 'ldap://two' })
      assert.deepEqual(await ctx.store.directoryConnections.get(ldap.id), replaced)
      await ctx.store.directoryConnections.put(local.id, { url: 'ldap://three' }, 'sealed-3')
      const synced = await ctx.store.directoryConnections.syncedTenantIds()
      assert.ok(synced.includes(ldap.id))
      assert.ok(!synced.includes(local.id), 'a connection alone does not make a tenant synced')
    })

    it('records runs, finishes them and lists the most recent first', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const first = await ctx.store.syncRuns.insert(newRun(tenant))
      assert.equal(first.status, 'running')
      assert.deepEqual(first.counts, EMPTY_COUNTS)
      assert.equal(first.finished, null)
      const second = await ctx.store.syncRuns.insert(newRun(tenant, { mode: 'incremental', dryRun: true }))
      const finished = await ctx.store.syncRuns.finish(tenant.id, first.id, {
        status: 'succeeded',
        counts: { ...EMPTY_COUNTS, usersRead: 3 },
        errors: [{ entry: 'cn=x', message: 'bad' }],
        message: 'done',
        highWaterMark: { usn: '42' },
      })
      assert.equal(finished?.status, 'succeeded')
      assert.equal(finished?.counts.usersRead, 3)
      assert.deepEqual(finished?.highWaterMark, { usn: '42' })
      assert.ok(finished?.finished)
      assert.deepEqual(await ctx.store.syncRuns.get(tenant.id, first.id), finished)
      assert.deepEqual((await ctx.store.syncRuns.list(tenant.id, 10)).map((r) => r.id), [second.id, first.id])
      assert.deepEqual((await ctx.store.syncRuns.list(tenant.id, 1)).map((r) => r.id), [second.id])
    })

    it('holds one lease per tenant, renews and releases it; abandons runs no lease covers', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      assert.deepEqual(await ctx.store.syncState.get(tenant.id), { highWaterMark: null, runsSinceFull: 0, lastFull: null, lease: null })
      const covered = await ctx.store.syncRuns.insert(newRun(tenant))
      const orphan = await ctx.store.syncRuns.insert(newRun(tenant, { holder: 'dead-node' }))
      const mine = await ctx.store.syncState.acquireLease(tenant.id, 'node-1', covered.id, 60_000)
      assert.equal(mine.acquired, true)
      assert.equal(mine.lease.runId, covered.id)
      const theirs = await ctx.store.syncState.acquireLease(tenant.id, 'node-2', randomUUID(), 60_000)
      assert.equal(theirs.acquired, false)
      assert.equal(theirs.lease.holder, 'node-1')
      assert.equal((await ctx.store.syncState.acquireLease(tenant.id, 'node-1', covered.id, 60_000)).acquired, true, 'already ours')
      assert.equal(await ctx.store.syncState.renewLease(tenant.id, 'node-1', 60_000), true)
      assert.equal(await ctx.store.syncState.renewLease(tenant.id, 'node-2', 60_000), false)
      assert.equal(await ctx.store.syncRuns.abandon(tenant.id, 'worker died'), 1)
      assert.equal((await ctx.store.syncRuns.get(tenant.id, orphan.id))?.status, 'failed')
      assert.equal((await ctx.store.syncRuns.get(tenant.id, covered.id))?.status, 'running')
      await ctx.store.syncState.releaseLease(tenant.id, 'node-2')
      assert.equal((await ctx.store.syncState.get(tenant.id)).lease?.holder, 'node-1', 'only the holder releases')
      await ctx.store.syncState.releaseLease(tenant.id, 'node-1')
      assert.equal((await ctx.store.syncState.get(tenant.id)).lease, null)
      assert.equal((await ctx.store.syncState.acquireLease(tenant.id, 'node-2', randomUUID(), 60_000)).acquired, true)
    })

    it('takes over an expired lease', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      await ctx.store.syncState.acquireLease(tenant.id, 'node-1', randomUUID(), -1000)
      const taken = await ctx.store.syncState.acquireLease(tenant.id, 'node-2', randomUUID(), 60_000)
      assert.equal(taken.acquired, true)
      assert.equal(taken.lease.holder, 'node-2')
    })

    it('records successes: a full run resets the count of incremental runs since', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      await ctx.store.syncState.recordSuccess(tenant.id, { highWaterMark: { usn: '1' }, full: true })
      const full = await ctx.store.syncState.get(tenant.id)
      assert.deepEqual(full.highWaterMark, { usn: '1' })
      assert.equal(full.runsSinceFull, 0)
      assert.ok(full.lastFull)
      await ctx.store.syncState.recordSuccess(tenant.id, { highWaterMark: { usn: '2' }, full: false })
      await ctx.store.syncState.recordSuccess(tenant.id, { highWaterMark: { usn: '3' }, full: false })
      const incremental = await ctx.store.syncState.get(tenant.id)
      assert.equal(incremental.runsSinceFull, 2)
      assert.deepEqual(incremental.lastFull, full.lastFull)
      assert.deepEqual(incremental.highWaterMark, { usn: '3' })
    })

    it('keeps the entries a run read, pages them managers first, and resolves them', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const run = randomUUID()
      await ctx.store.syncSnapshot.add(tenant.id, run, 'user', [
        entry('c', 'cn=c', { managerDn: 'cn=b' }),
        entry('b', 'cn=b', { managerDn: 'cn=a' }),
        entry('a', 'cn=a', { userName: 'Alice' }),
      ])
      await ctx.store.syncSnapshot.add(tenant.id, run, 'group', [{ anchor: 'g', dn: 'cn=g', entry: { displayName: 'G' } }])
      await ctx.store.syncSnapshot.add(tenant.id, run, 'user', [entry('a', 'cn=a', { userName: 'Alice', title: 'reread' })])
      assert.equal(await ctx.store.syncSnapshot.count(tenant.id, run, 'user'), 3, 'a re-read entry replaces the first')
      await ctx.store.syncSnapshot.rankByManager(tenant.id, run)
      const first = await ctx.store.syncSnapshot.page(tenant.id, run, 'user', { after: null, limit: 2 })
      const rest = await ctx.store.syncSnapshot.page(tenant.id, run, 'user', { after: { rank: first[1]!.rank, anchor: first[1]!.anchor }, limit: 10 })
      assert.deepEqual([...first, ...rest].map((e) => e.anchor), ['a', 'b', 'c'])
      assert.equal(first[0]!.entry.title, 'reread')
      assert.deepEqual(await ctx.store.syncSnapshot.anchorsRead(tenant.id, run, 'user', ['a', 'g', 'z']), new Set(['a']))
      assert.deepEqual(await ctx.store.syncSnapshot.resolveDns(tenant.id, run, ['cn=a', 'cn=g', 'cn=z']), new Map([
        ['cn=a', { kind: 'user', anchor: 'a' }],
        ['cn=g', { kind: 'group', anchor: 'g' }],
      ]))
      assert.deepEqual(await ctx.store.syncSnapshot.resolveUserNames(tenant.id, run, ['ALICE', 'bob']), new Map([['alice', 'a']]))
      await ctx.store.syncSnapshot.clear(tenant.id, run)
      assert.equal(await ctx.store.syncSnapshot.count(tenant.id, run, 'user'), 0)
    })

    it('ranks managers before their reports; users in a manager cycle come last', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const run = randomUUID()
      await ctx.store.syncSnapshot.add(tenant.id, run, 'user', [
        entry('a-cycle', 'cn=x', { managerDn: 'cn=y' }),
        entry('b-cycle', 'cn=y', { managerDn: 'cn=x' }),
        entry('c-report', 'cn=r', { managerDn: 'cn=s' }),
        entry('d-self', 'cn=s', { managerDn: 'cn=s' }),
        entry('e-outside', 'cn=o', { managerDn: 'cn=not-read' }),
      ])
      await ctx.store.syncSnapshot.rankByManager(tenant.id, run)
      const page = await ctx.store.syncSnapshot.page(tenant.id, run, 'user', { after: null, limit: 10 })
      assert.deepEqual(
        page.map((e) => [e.anchor, e.rank]),
        [['d-self', 0], ['e-outside', 0], ['c-report', 1], ['a-cycle', 2147483647], ['b-cycle', 2147483647]],
      )
    })

    it('finds the synced users and groups a full run did not read', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const run = randomUUID()
      const synced = (userName: string, anchor: string) => ctx.store.users.insert({ tenantId: tenant.id, userName, origin: 'ldap', sourceAnchor: anchor })
      await synced('read', 'anchor-read')
      const gone = await synced('gone', 'anchor-gone')
      await ctx.store.users.insert({ tenantId: tenant.id, userName: 'local', origin: 'local' })
      await ctx.store.users.insert({ tenantId: tenant.id, userName: 'archived', origin: 'ldap', sourceAnchor: 'anchor-archived', status: 'archived' })
      const lostGroup = await ctx.store.groups.insert({ tenantId: tenant.id, displayName: 'Lost', origin: 'ldap', sourceAnchor: 'g-lost' })
      await ctx.store.syncSnapshot.add(tenant.id, run, 'user', [entry('anchor-read', 'cn=read')])
      assert.equal(await ctx.store.syncSnapshot.countSyncedUsers(tenant.id), 2)
      assert.equal(await ctx.store.syncSnapshot.countSyncedGroups(tenant.id), 1)
      assert.deepEqual((await ctx.store.syncSnapshot.absentUsers(tenant.id, run, { after: null, limit: 10 })).map((u) => u.id), [gone.id])
      assert.equal(await ctx.store.syncSnapshot.countAbsentUsers(tenant.id, run), 1)
      assert.deepEqual((await ctx.store.syncSnapshot.absentGroups(tenant.id, run, { after: null, limit: 10 })).map((g) => g.id), [lostGroup.id])
      assert.equal(await ctx.store.syncSnapshot.countAbsentGroups(tenant.id, run), 1)
      await ctx.store.syncSnapshot.analyze()
    })

    it("never shows or changes another tenant's connection, runs, state or snapshot", async () => {
      const a = await newTenant(ctx.store, 'ldap')
      const b = await newTenant(ctx.store, 'ldap')
      await ctx.store.directoryConnections.put(a.id, { url: 'ldap://a' }, 'sealed')
      const run = await ctx.store.syncRuns.insert(newRun(a))
      await ctx.store.syncState.acquireLease(a.id, 'node-1', run.id, 60_000)
      await ctx.store.syncSnapshot.add(a.id, run.id, 'user', [entry('x', 'cn=x')])
      assert.equal(await ctx.store.directoryConnections.get(b.id), null)
      assert.equal(await ctx.store.syncRuns.get(b.id, run.id), null)
      assert.equal(await ctx.store.syncRuns.finish(b.id, run.id, { status: 'failed', counts: EMPTY_COUNTS, errors: [], message: 'x', highWaterMark: null }), null)
      assert.deepEqual(await ctx.store.syncRuns.list(b.id, 10), [])
      assert.equal(await ctx.store.syncRuns.abandon(b.id, 'x'), 0)
      assert.equal((await ctx.store.syncState.get(b.id)).lease, null)
      assert.equal(await ctx.store.syncState.renewLease(b.id, 'node-1', 60_000), false)
      assert.equal(await ctx.store.syncSnapshot.count(b.id, run.id, 'user'), 0)
      await ctx.store.syncSnapshot.clear(b.id, run.id, { allRuns: true })
      assert.equal(await ctx.store.syncSnapshot.count(a.id, run.id, 'user'), 1)
      assert.equal((await ctx.store.syncRuns.get(a.id, run.id))?.status, 'running')
    })

    it('finds no run by a malformed or unknown id', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const outcome = { status: 'failed' as const, counts: EMPTY_COUNTS, errors: [], message: 'x', highWaterMark: null }
      for (const key of [...MALFORMED_KEYS, unknownId()]) {
        assert.equal(await ctx.store.syncRuns.get(tenant.id, key), null, JSON.stringify(key))
        assert.equal(await ctx.store.syncRuns.finish(tenant.id, key, outcome), null, JSON.stringify(key))
      }
    })

    it('keeps nothing of a transaction that fails', async () => {
      const tenant = await newTenant(ctx.store, 'ldap')
      const run = newRun(tenant)
      await rolledBack(ctx.store, async (tx) => {
        await tx.syncRuns.insert(run)
        await tx.directoryConnections.put(tenant.id, { url: 'ldap://tx' }, 'sealed')
        await tx.syncState.recordSuccess(tenant.id, { highWaterMark: { usn: '9' }, full: true })
        await tx.syncSnapshot.add(tenant.id, run.id, 'user', [entry('t', 'cn=t')])
      })
      assert.equal(await ctx.store.syncRuns.get(tenant.id, run.id), null)
      assert.equal(await ctx.store.directoryConnections.get(tenant.id), null)
      assert.equal((await ctx.store.syncState.get(tenant.id)).highWaterMark, null)
      assert.equal(await ctx.store.syncSnapshot.count(tenant.id, run.id, 'user'), 0)
    })
  })
}

/**
 * What keeps a directory sync from doing damage, against a real OpenLDAP slapd (PGlite store):
 * the archive safety rule (SYNC_MAX_ARCHIVE_PERCENT), dry runs, and the audit trail of real runs.
 */
import assert from 'node:assert/strict'
import type { SyncCounts } from '../../src/domain/directory-sync/model.js'
import type { SyncReport } from '../../sync/service.js'
import type { SlapdServer } from '../services/slapd.mjs'
import { openLdapServer } from '../support/directories.js'
import { pgliteBackend, type TestStore } from '../support/stores.js'
import { succeeded, syncTenant, type SyncTenant } from '../support/sync.js'
import { auditEvents, auditOfRun, LdapTree, tenantState } from './ldap-fixtures.js'

const pad = (i: number) => String(i).padStart(2, '0')
const USERS = 20
const GROUPS = 10

/**
 * u01..u20 (u02..u05 report to u01); groupOfNames g01..g10, g<i> holding u<i>, and g02 holding g01
 * too; posixGroup px with memberUid u11, u12, u13. 11 groups, 14 memberships.
 */
async function seed(tree: LdapTree): Promise<void> {
  for (let i = 1; i <= USERS; i++) {
    await tree.addPerson({ uid: `u${pad(i)}`, cn: `User ${pad(i)}`, sn: pad(i), title: 'Staff', ...(i >= 2 && i <= 5 ? { manager: tree.userDn('u01') } : {}) })
  }
  for (let i = 1; i <= GROUPS; i++) {
    await tree.addGroup(`g${pad(i)}`, [tree.userDn(`u${pad(i)}`), ...(i === 2 ? [tree.groupDn('g01')] : [])])
  }
  await tree.addPosixGroup('px', 9001, ['u11', 'u12', 'u13'])
}
const SEEDED_MEMBERSHIPS = 14

/** The counts that say what a run changes (not what it read). */
function changes(c: SyncCounts) {
  return {
    usersCreated: c.usersCreated,
    usersUpdated: c.usersUpdated,
    usersArchived: c.usersArchived,
    usersRestored: c.usersRestored,
    groupsCreated: c.groupsCreated,
    groupsUpdated: c.groupsUpdated,
    groupsDeleted: c.groupsDeleted,
    membersAdded: c.membersAdded,
    membersRemoved: c.membersRemoved,
  }
}



async function activeByName(t: SyncTenant): Promise<Map<string, boolean>> {
  return new Map([...(await t.scimUsers())].map(([name, u]) => [name, u.active as boolean]))
}

describe('Sync safety, dry runs and audit (OpenLDAP, pglite)', function () {
  let server: SlapdServer
  let ts: TestStore
  const trees: LdapTree[] = []

  before(async function () {
    server = await openLdapServer(this)
    ts = await pgliteBackend.open()
  })
  after(async () => {
    for (const tree of trees) await tree.destroy()
    await ts?.dispose()
  })

  /** A seeded subtree and a tenant that has synced it fully (unless `synced: false`). */
  async function setUp(label: string, synced = true): Promise<{ tree: LdapTree; t: SyncTenant }> {
    const tree = await LdapTree.create(server, label)
    trees.push(tree)
    await seed(tree)
    const t = await syncTenant(ts.store, tree.target(), 'safety')
    if (synced) {
      const first = succeeded(await t.sync())
      assert.equal(first.run.counts.usersCreated, USERS)
    }
    return { tree, t }
  }

  /** Asserts a refused run: its message, its record, and that the tenant did not change at all. */
  async function refused(t: SyncTenant, request: Parameters<SyncTenant['sync']>[0], message: RegExp, policy: Parameters<SyncTenant['sync']>[1] = {}): Promise<SyncReport> {
    const before = await tenantState(ts.store, t.tenant.id)
    const report = await t.sync(request, policy)
    assert.equal(report.run.status, 'refused', `expected refused, got ${report.run.status}: ${report.run.message}`)
    assert.match(String(report.run.message), message)
    assert.match(String(report.run.message), /SYNC_MAX_ARCHIVE_PERCENT=10%/)
    assert.match(String(report.run.message), /--force/)
    assert.equal(report.samples, null)
    assert.deepEqual(await tenantState(ts.store, t.tenant.id), before, 'users, groups, memberships, audit and high-water mark unchanged')
    assert.deepEqual(await auditOfRun(ts.store, t.tenant.id, report.run.id), [])
    const recorded = await ts.store.syncRuns.get(t.tenant.id, report.run.id)
    assert.equal(recorded?.status, 'refused')
    assert.equal(recorded?.message, report.run.message)
    assert.equal(recorded?.highWaterMark, null)
    return report
  }

  describe('archive safety', () => {
    it('refuses a full run that would archive more than 10 % of the synced users; --force archives them', async () => {
      const { tree, t } = await setUp('A')
      for (const uid of ['u18', 'u19', 'u20']) await tree.remove(tree.userDn(uid))

      const report = await refused(t, { full: true }, /^refused: this run would archive 3 of 20 synced users \(15\.0%\), more than SYNC_MAX_ARCHIVE_PERCENT=10%/)
      assert.equal(report.run.mode, 'full')
      assert.equal(report.run.counts.usersRead, 17)
      for (const active of (await activeByName(t)).values()) assert.equal(active, true)
      // A full run that comes from SYNC_FULL_EVERY rather than --full is checked the same way.
      const scheduled = await refused(t, {}, /archive 3 of 20 synced users/, { fullEvery: 1 })
      assert.equal(scheduled.run.mode, 'full')

      const forced = succeeded(await t.sync({ full: true, force: true }))
      assert.equal(forced.run.forced, true)
      assert.equal(forced.run.counts.usersArchived, 3)
      const active = await activeByName(t)
      assert.equal(active.size, USERS)
      assert.deepEqual(
        [...active].filter(([, a]) => !a).map(([n]) => n).sort(),
        ['u18', 'u19', 'u20'],
      )
      assert.equal((await auditOfRun(ts.store, t.tenant.id, forced.run.id)).filter((e) => e.action === 'user.archive').length, 3)
      assert.deepEqual((await ts.store.syncState.get(t.tenant.id)).highWaterMark, forced.run.highWaterMark)
    })

    it('refuses only above SYNC_MAX_ARCHIVE_COUNT too: a few departures never need --force, many do, and the refusal names both limits', async () => {
      const { tree, t } = await setUp('F')
      for (const uid of ['u18', 'u19', 'u20']) await tree.remove(tree.userDn(uid))
      // 3 of 20 is 15 %, over the share, but not over the count of 5: archived.
      const few = succeeded(await t.sync({ full: true }, { maxArchiveCount: 5 }))
      assert.equal(few.run.counts.usersArchived, 3)
      for (const uid of ['u11', 'u12', 'u13', 'u14', 'u15', 'u16']) await tree.remove(tree.userDn(uid))
      await refused(t, { full: true }, /^refused: this run would archive 6 of 1[78] synced users \(3\d\.\d%\), more than SYNC_MAX_ARCHIVE_PERCENT=10% and more than SYNC_MAX_ARCHIVE_COUNT=5\. /, { maxArchiveCount: 5 })
      // The same six are within a count of 6.
      assert.equal(succeeded(await t.sync({ full: true }, { maxArchiveCount: 6 })).run.counts.usersArchived, 6)
    })

    it('allows exactly 10 % (the rule is "more than")', async () => {
      const { tree, t } = await setUp('B')
      for (const uid of ['u19', 'u20']) await tree.remove(tree.userDn(uid))
      const report = succeeded(await t.sync({ full: true }))
      assert.equal(report.run.counts.usersArchived, 2)
      // 2 of the 18 left would be 11 %: refused.
      for (const uid of ['u17', 'u18']) await tree.remove(tree.userDn(uid))
      await refused(t, { full: true }, /archive 2 of 18 synced users \(11\.1%\)/)
    })

    it('refuses an empty answer: a filter that matches nothing, or the users moved out of the base', async () => {
      const { tree, t } = await setUp('C')
      const target = tree.target()
      await t.reconnect({ ...target, userFilter: '(&(objectClass=inetOrgPerson)(uid=nobody-by-this-name))' })
      const filtered = await refused(t, { full: true }, /archive 20 of 20 synced users \(100\.0%\)/)
      assert.equal(filtered.run.counts.usersRead, 0)

      await t.reconnect(target)
      const elsewhere = await LdapTree.create(server, 'Elsewhere')
      trees.push(elsewhere)
      await tree.rename(tree.people, 'ou=People', elsewhere.people)
      const moved = await refused(t, { full: true }, /archive 20 of 20 synced users/)
      assert.equal(moved.run.counts.usersRead, 0)
      assert.equal(moved.run.counts.groupsRead, GROUPS + 1)
      for (const active of (await activeByName(t)).values()) assert.equal(active, true)
    })

    it('refuses a full run that would delete more than 10 % of the synced groups; --force deletes them', async () => {
      const { tree, t } = await setUp('D')
      await tree.remove(tree.groupDn('g09'))
      await tree.remove(tree.groupDn('g10'))
      await refused(t, { full: true }, /^refused: this run would delete 2 of 11 synced groups \(18\.2%\)/)
      assert.equal((await t.scimGroups()).size, GROUPS + 1)
      const forced = succeeded(await t.sync({ full: true, force: true }))
      assert.equal(forced.run.counts.groupsDeleted, 2)
      assert.deepEqual([...(await t.scimGroups()).keys()].sort(), ['g01', 'g02', 'g03', 'g04', 'g05', 'g06', 'g07', 'g08', 'px'])
    })
  })

  describe('dry run', () => {
    it('on a fresh tenant: counts and samples everything, writes nothing; the real run then does exactly that', async () => {
      const { t } = await setUp('E', false)
      const before = await tenantState(ts.store, t.tenant.id)
      assert.equal(before.syncState.highWaterMark, null)

      const dry = succeeded(await t.sync({ dryRun: true }))
      assert.equal(dry.run.dryRun, true)
      assert.match(String(dry.run.message), /^dry run, nothing written/)
      assert.equal(dry.run.counts.usersCreated, USERS)
      assert.equal(dry.run.counts.groupsCreated, GROUPS + 1)
      const s = dry.samples!
      assert.ok(s, 'a dry run has samples')
      assert.equal(s.usersCreated.length, 5)
      for (const name of s.usersCreated) assert.match(name, /^u\d\d$/)
      assert.equal(s.groupsCreated.length, 5)
      for (const name of s.groupsCreated) assert.match(name, /^(g\d\d|px)$/)
      assert.equal(s.membersAdded.length, 5)
      assert.deepEqual([s.usersUpdated, s.usersArchived, s.groupsDeleted, s.membersRemoved], [[], [], [], []])

      assert.deepEqual(await tenantState(ts.store, t.tenant.id), before, 'users, groups, memberships, audit and high-water mark unchanged')
      assert.equal((await ts.store.syncRuns.get(t.tenant.id, dry.run.id))?.dryRun, true, 'the dry run is recorded')

      const real = succeeded(await t.sync())
      assert.equal(real.run.counts.membersAdded, SEEDED_MEMBERSHIPS)
      assert.deepEqual(changes(dry.run.counts), changes(real.run.counts), 'the dry run predicted the real run (posixGroup members by memberUid included)')
    })

    it('after changes: updates with attribute names, moves, archives, group and member changes; the real run matches', async () => {
      const { tree, t } = await setUp('F')
      await tree.replace(tree.userDn('u05'), { title: 'Lead' })
      await tree.replace(tree.userDn('u06'), { mail: 'u06.new@example.org', telephoneNumber: '+1 555 0106' })
      const other = await tree.addOu('Other')
      await tree.rename(tree.userDn('u15'), 'uid=u15', other)
      await tree.rename(tree.userDn('u16'), 'uid=u16b')
      await tree.remove(tree.userDn('u20'))
      const u21 = await tree.addPerson({ uid: 'u21' })
      await tree.addValues(tree.groupDn('g03'), 'member', [u21])
      await tree.deleteValues(tree.groupDn('g03'), 'member', [tree.userDn('u03')])
      await tree.remove(tree.groupDn('g10'))
      await tree.addGroup('g11', [tree.userDn('u01')])
      await tree.addValues(tree.groupDn('px'), 'memberUid', ['u14'])
      await tree.deleteValues(tree.groupDn('px'), 'memberUid', ['u11'])
      const ids = new Map([...(await t.scimUsers())].map(([n, u]) => [n, u.id as string]))
      const before = await tenantState(ts.store, t.tenant.id)

      const dry = succeeded(await t.sync({ full: true, dryRun: true }))
      assert.deepEqual(changes(dry.run.counts), {
        usersCreated: 1,
        usersUpdated: 4,
        usersArchived: 1,
        usersRestored: 0,
        groupsCreated: 1,
        groupsUpdated: 0,
        groupsDeleted: 1,
        membersAdded: 3,
        membersRemoved: 2,
      })
      const s = dry.samples!
      assert.deepEqual(s.usersCreated, ['u21'])
      assert.deepEqual(s.usersArchived, ['u20'])
      assert.deepEqual(s.groupsCreated, ['g11'])
      assert.deepEqual(s.groupsDeleted, ['g10'])
      assert.deepEqual(s.membersAdded.slice().sort(), [`g03 + ${u21.toLowerCase()}`, `g11 + ${ids.get('u01')}`, `px + ${ids.get('u14')}`].sort())
      assert.deepEqual(s.membersRemoved.slice().sort(), [`g03 - ${ids.get('u03')}`, `px - ${ids.get('u11')}`].sort())
      assert.deepEqual(await tenantState(ts.store, t.tenant.id), before, 'users, groups, memberships, audit and high-water mark unchanged')

      const real = succeeded(await t.sync({ full: true }))
      assert.deepEqual(changes(real.run.counts), changes(dry.run.counts))
      const after = await t.scimUsers()
      assert.equal(after.get('u16b')?.id, ids.get('u16'))
      assert.equal(after.get('u20')?.active, false)
      assert.equal(after.get('u05')?.title, 'Lead')
      // Updates name the attributes that change, and only those.
      assert.deepEqual(s.usersUpdated.slice().sort(), ['u05 (title)', 'u06 (emails, phoneNumbers)', 'u15 (directory location)', 'u16b (userName)'])
    })

    it('a renamed group member: the dry run predicts no member change, as the real run makes none', async () => {
      const { tree, t } = await setUp('G')
      await tree.rename(tree.userDn('u04'), 'uid=u04b') // member of g04; refint rewrites the member DN
      const dry = succeeded(await t.sync({ full: true, dryRun: true }))
      const real = succeeded(await t.sync({ full: true }))
      assert.deepEqual(changes(real.run.counts), { ...changes(real.run.counts), usersUpdated: 1, membersAdded: 0, membersRemoved: 0 })
      assert.deepEqual(dry.samples?.membersAdded, [], 'no member would be added')
      assert.deepEqual(dry.samples?.membersRemoved, [], 'no member would be removed')
      assert.deepEqual(changes(dry.run.counts), changes(real.run.counts))
    })
  })

  describe('audit', () => {
    it('every change a real run makes is an audit event by that run (actor type sync, id = run id)', async () => {
      const { tree, t } = await setUp('H', false)
      const tenantId = t.tenant.id

      /** Runs a sync and checks its audit trail against what changed in the tenant. */
      const audited = async (request: Parameters<SyncTenant['sync']>[0] = {}) => {
        const beforeEvents = (await auditEvents(ts.store, tenantId)).length
        const users0 = new Map((await ts.store.users.list(tenantId, { limit: 1000 })).items.map((u) => [u.id, u.version]))
        const groups0 = new Map((await ts.store.groups.list(tenantId, { limit: 1000 })).items.map((g) => [g.id, g.version]))
        const members0 = await ts.store.memberships.membersOf(tenantId, [...groups0.keys()])
        const report = succeeded(await t.sync(request))
        const c = report.run.counts
        const events = (await auditEvents(ts.store, tenantId)).slice(beforeEvents)
        for (const e of events) {
          assert.deepEqual({ type: e.actor.type, id: e.actor.id }, { type: 'sync', id: report.run.id }, `${e.action} ${e.resourceId} by ${JSON.stringify(e.actor)}`)
          assert.equal(e.tenantId, tenantId)
        }
        assert.deepEqual(await auditOfRun(ts.store, tenantId, report.run.id), events)
        const count = (action: string) => events.filter((e) => e.action === action).length
        assert.equal(count('user.create'), c.usersCreated)
        assert.equal(count('user.archive'), c.usersArchived)
        assert.equal(count('user.restore'), c.usersRestored)
        assert.ok(count('user.update') >= c.usersUpdated)
        assert.equal(count('group.create'), c.groupsCreated)
        assert.equal(count('group.delete'), c.groupsDeleted)
        const memberCounts = events.map((e) => (e.changes?.after?.memberCounts ?? { added: 0, removed: 0 }) as { added: number; removed: number })
        assert.equal(
          memberCounts.reduce((n, m) => n + m.added, 0),
          c.membersAdded,
        )
        assert.equal(
          memberCounts.reduce((n, m) => n + m.removed, 0),
          c.membersRemoved,
        )
        // Every record that is new, changed or gone has an event of this run naming it (a user whose
        // group memberships changed gets a new version too: the group's event names it as a member).
        const named = new Set(events.map((e) => e.resourceId))
        for (const e of events) {
          for (const key of ['membersAdded', 'membersRemoved']) for (const id of (e.changes?.after?.[key] ?? []) as string[]) named.add(id)
          // …and so does a member of a group deleted.
          if (e.action === 'group.delete') for (const m of members0.get(e.resourceId!) ?? []) named.add(m.memberId)
        }
        const users1 = (await ts.store.users.list(tenantId, { limit: 1000 })).items
        const groups1 = (await ts.store.groups.list(tenantId, { limit: 1000 })).items
        for (const u of users1) if (users0.get(u.id) !== u.version) assert.ok(named.has(u.id), `user ${u.userName} changed without an audit event`)
        for (const g of groups1) if (groups0.get(g.id) !== g.version) assert.ok(named.has(g.id), `group ${g.displayName} changed without an audit event`)
        for (const id of groups0.keys()) if (!groups1.some((g) => g.id === id)) assert.ok(named.has(id), `group ${id} deleted without an audit event`)
        return report
      }

      const first = await audited()
      assert.equal(first.run.counts.usersCreated, USERS)
      assert.equal(first.run.counts.membersAdded, SEEDED_MEMBERSHIPS)
      const created = (await auditOfRun(ts.store, tenantId, first.run.id)).find((e) => e.action === 'user.create')
      assert.equal(created?.actor.label, `sync run ${first.run.id}`)

      await tree.replace(tree.userDn('u07'), { title: 'Changed' })
      await tree.rename(tree.userDn('u08'), 'uid=u08b')
      await tree.remove(tree.userDn('u20'))
      await tree.remove(tree.groupDn('g10'))
      await tree.addGroup('g11', [tree.userDn('u01'), tree.groupDn('g02')])
      await tree.deleteValues(tree.groupDn('g02'), 'member', [tree.groupDn('g01')])
      const second = await audited({ full: true })
      assert.deepEqual(
        [second.run.counts.usersUpdated, second.run.counts.usersArchived, second.run.counts.groupsCreated, second.run.counts.groupsDeleted],
        [2, 1, 1, 1],
      )

      await tree.addPerson({ uid: 'u20' })
      const third = await audited({ full: true })
      assert.equal(third.run.counts.usersRestored, 1)

      // The events say what changed, and only that.
      const u07 = (await ts.store.users.getByUserName(tenantId, 'u07'))!
      const u07Events = (await auditOfRun(ts.store, tenantId, second.run.id)).filter((e) => e.resourceId === u07.id)
      assert.deepEqual(
        u07Events.map((e) => [e.action, e.changes?.attributes]),
        [['user.update', ['title']]],
      )
      assert.deepEqual(u07Events[0]?.changes?.before, { title: 'Staff' })
      assert.deepEqual(u07Events[0]?.changes?.after, { title: 'Changed' })
    })
  })
})

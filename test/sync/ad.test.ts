/**
 * Directory sync against a real Active Directory domain controller (Samba AD, test/services/samba.mjs).
 *
 * Each suite works in an OU of its own (OU=Ad<random>,DC=example,DC=test), with that OU as the
 * tenant's base DN, so suites and reruns never see each other's entries. The suites inside one
 * describe run in order and build on each other, as a directory changes between runs.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Context } from 'mocha'
import type { SambaDc } from '../services/samba.mjs'
import { setDirectoryConnection } from '../../src/domain/directory-sync/connection.js'
import { EMPTY_COUNTS } from '../../src/domain/directory-sync/model.js'
import { openStore } from '../../src/store/open.js'
import { DirectorySync, type SyncReport } from '../../sync/service.js'
import { settingsToJson } from '../../sync/settings.js'
import { capturingLogger } from '../support/app.js'
import { sambaDomainController } from '../support/directories.js'
import { freePort, runCli, tempDir } from '../support/process.js'
import { backends, pgliteBackend, silentLog, type TestStore } from '../support/stores.js'
import { defaultPolicy, directorySettings, syncTenant, testActor, testBox, type DirectoryTarget, type SyncTenant } from '../support/sync.js'
import { AdFixture, ENTERPRISE, type AdUser } from './ad-fixtures.js'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'

type Resource = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** Asserts a run went through cleanly; the message names the problems when it did not. */
function assertClean(report: SyncReport): void {
  assert.equal(report.run.status, 'succeeded', `run ${report.run.status}: ${report.run.message}`)
  assert.equal(report.run.counts.errors, 0, `problems: ${JSON.stringify(report.run.errors)}`)
}

/** The counts that say something changed (reads and unchanged users aside). */
function changes(report: SyncReport): Record<string, number> {
  const { usersRead: _r, groupsRead: _g, deletionsRead: _d, usersUnchanged: _u, ...rest } = report.run.counts
  return rest
}

/** The counts of a run that changed nothing (what it read aside). */
const { usersRead: _r, groupsRead: _g, deletionsRead: _d, usersUnchanged: _u, ...nothingChanged } = EMPTY_COUNTS

function adTarget(dc: SambaDc, baseDn: string, overrides: Partial<DirectoryTarget> = {}): DirectoryTarget {
  return { preset: 'ad', url: dc.url, caFile: dc.caFile, bindDn: dc.bindDn, password: dc.password, baseDns: [baseDn], ...overrides }
}

/** A user's groups as [displayName, direct|indirect], sorted. */
function groupsOf(u: Resource): Array<[string, string]> {
  return ((u.groups ?? []) as Resource[]).map((g): [string, string] => [String(g.display), String(g.type)]).sort()
}

/** A group's members as [id, type], sorted. */
function membersOf(g: Resource): Array<[string, string]> {
  return ((g.members ?? []) as Resource[]).map((m): [string, string] => [String(m.value), String(m.type)]).sort()
}

async function samba(ctx: Context): Promise<SambaDc> {
  const dc = await sambaDomainController(ctx)
  ctx.timeout(180_000)
  return dc
}

describe('Active Directory sync (Samba AD DC)', function () {
  this.timeout(60_000)

  // ---------------------------------------------------------------------------------------------
  for (const backend of backends()) {
    describe(`full and incremental runs with the Administrator bind, on ${backend.name}`, function () {
      let dc: SambaDc
      let fx: AdFixture
      let ts: TestStore
      let t: SyncTenant
      /** Roster ids by fixture name, from the first run. */
      const ids = new Map<string, string>()
      let staff: string
      let groups: string
      let engineering: string
      let everyone: string

      const people = (): AdUser[] => [
        { name: 'ann', given: 'Ann', sn: 'Archer', parent: staff, title: 'Head of Engineering', department: 'Engineering', employeeID: 'E-001', phone: '+1 555 0101' },
        { name: 'kim', given: 'Kim', sn: 'Kline', parent: staff, title: 'CTO', department: 'Office', employeeID: 'E-011' },
        { name: 'bob', given: 'Bob', sn: 'Baker', parent: staff, title: 'Engineer', department: 'Engineering', employeeID: 'E-002', phone: '+1 555 0102', manager: 'ann' },
        { name: 'cara', given: 'Cara', sn: 'Cole', parent: staff, title: 'Designer', department: 'Design', employeeID: 'E-003', manager: 'ann' },
        { name: 'dan', given: 'Dan', sn: 'Dorn', parent: staff, title: 'Contractor', disabled: true },
        { name: 'eve', given: 'Eve', sn: 'Ellis', parent: staff, title: 'Engineer', department: 'Engineering', manager: 'ann' },
        { name: 'fay', given: 'Fay', sn: 'Fox', parent: staff, department: 'Engineering' },
        { name: 'gus', given: 'Gus', sn: 'Gray', parent: staff, department: 'Operations' },
        { name: 'hal', given: 'Hal', sn: 'Hill', parent: staff, department: 'Operations' },
        { name: 'ivy', given: 'Ivy', sn: 'Irwin', parent: staff, title: 'Analyst', department: 'Finance', employeeID: 'E-009', manager: 'kim' },
        { name: 'jon', given: 'Jon', sn: 'Jones', parent: staff },
        { name: 'lee', given: 'Lee', sn: 'Lowe', parent: staff },
      ]

      before(async function () {
        dc = await samba(this)
        fx = new AdFixture(dc)
        staff = fx.sub('Staff')
        groups = fx.sub('Groups')
        await fx.createOus('Staff', 'Groups', 'Transfers')
        await fx.addUsers(people())
        engineering = await fx.addGroup('Engineering', groups, [fx.dn('ann'), fx.dn('bob'), fx.dn('eve')])
        everyone = await fx.addGroup('Everyone', groups, [engineering, fx.dn('cara')])
        ts = await backend.open()
        t = await syncTenant(ts.store, adTarget(dc, fx.ou), 'ad')
      })
      after(async () => ts?.dispose())

      const scimUser = async (name: string): Promise<Resource> => {
        const u = (await t.scimUsers()).get(fx.upn(name).toLowerCase())
        assert.ok(u, `${fx.upn(name)} is in the tenant`)
        return u
      }
      const byId = async (name: string): Promise<Resource> => (await t.scim(`/Users/${ids.get(name)}`).expect(200)).body as Resource
      const scimGroup = async (displayName: string): Promise<Resource> => {
        const g = (await t.scimGroups()).get(displayName.toLowerCase())
        assert.ok(g, `group ${displayName} is in the tenant`)
        return (await t.scim(`/Groups/${g.id}`).expect(200)).body as Resource
      }

      it('a first full run brings every user with the mapped attributes, the groups and their members', async () => {
        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'full')
        assert.equal(report.run.counts.usersRead, 12)
        assert.equal(report.run.counts.groupsRead, 2)
        assert.deepEqual(changes(report), { ...nothingChanged, usersCreated: 12, groupsCreated: 2, membersAdded: 5 })

        const users = await t.scimUsers()
        assert.deepEqual([...users.keys()].sort(), people().map((p) => fx.upn(p.name)).sort())
        for (const p of people()) ids.set(p.name, String(users.get(fx.upn(p.name))!.id))

        for (const p of people()) {
          const u = users.get(fx.upn(p.name))! as Resource
          const label = `user ${p.name}`
          assert.equal(u.userName, fx.upn(p.name), label)
          assert.equal(u.externalId, await fx.guid(fx.dn(p.name)), `${label}: externalId is the objectGUID`)
          assert.equal(u.name?.givenName, p.given, label)
          assert.equal(u.name?.familyName, p.sn, label)
          assert.equal(u.displayName, `${p.given} ${p.sn}`, label)
          assert.equal(u.emails?.[0]?.value, fx.mail(p.name), label)
          assert.equal(u.phoneNumbers?.[0]?.value, p.phone, label)
          assert.equal(u.title, p.title, label)
          assert.equal(u[ENTERPRISE]?.department, p.department, label)
          assert.equal(u[ENTERPRISE]?.employeeNumber, p.employeeID, label)
          assert.equal(u[ENTERPRISE]?.manager?.value, p.manager ? ids.get(p.manager) : undefined, `${label}: manager is the Roster id of the manager`)
          assert.equal(u.active, !p.disabled, `${label}: active follows userAccountControl`)
        }
        // The disabled account is kept, inactive (not archived).
        assert.equal((await ts.store.users.get(t.tenant.id, ids.get('dan')!))!.status, 'inactive')

        const eng = await scimGroup('Engineering')
        assert.equal(eng.externalId, await fx.guid(engineering))
        assert.deepEqual(membersOf(eng), [[ids.get('ann')!, 'User'], [ids.get('bob')!, 'User'], [ids.get('eve')!, 'User']].sort())
        const all = await scimGroup('Everyone')
        assert.deepEqual(membersOf(all), [[String(eng.id), 'Group'], [ids.get('cara')!, 'User']].sort())

        // A user's groups: direct, and indirect through the nested group.
        assert.deepEqual(groupsOf(await byId('bob')), [['Engineering', 'direct'], ['Everyone', 'indirect']])
        assert.deepEqual(groupsOf(await byId('cara')), [['Everyone', 'direct']])
        assert.deepEqual(groupsOf(await byId('kim')), [])
      })

      it('refuses SCIM writes to the directory-managed tenant with 409, and still answers reads', async () => {
        const ann = ids.get('ann')!
        const before = (await t.scim(`/Users/${ann}`).expect(200)).body as Resource
        const eng = await scimGroup('Engineering')
        const managed = /managed by its directory/
        const attempts: Array<[string, () => ReturnType<SyncTenant['scimRequest']>]> = [
          ['POST /Users', () => t.scimRequest('post', '/Users').send({ schemas: [USER_SCHEMA], userName: `intruder.${fx.tag}@example.test` })],
          ['PATCH /Users/:id', () => t.scimRequest('patch', `/Users/${ann}`).send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Changed' }] })],
          ['PUT /Users/:id', () => t.scimRequest('put', `/Users/${ann}`).send({ schemas: [USER_SCHEMA], userName: before.userName, title: 'Changed' })],
          ['DELETE /Users/:id', () => t.scimRequest('delete', `/Users/${ann}`)],
          ['POST /Groups', () => t.scimRequest('post', '/Groups').send({ schemas: [GROUP_SCHEMA], displayName: 'Intruders' })],
          ['DELETE /Groups/:id', () => t.scimRequest('delete', `/Groups/${eng.id}`)],
        ]
        for (const [what, send] of attempts) {
          const res = await send()
          assert.equal(res.status, 409, `${what}: ${JSON.stringify(res.body)}`)
          assert.match(String(res.body.detail), managed, what)
          assert.match(String(res.body.detail), new RegExp(t.tenant.slug), what)
        }
        const after = (await t.scim(`/Users/${ann}`).expect(200)).body as Resource
        assert.deepEqual(after, before)
        assert.equal((await t.scimUsers()).size, 12)
        assert.equal((await t.scimGroups()).size, 2)
        assert.equal((await t.scim(`/Users?filter=${encodeURIComponent(`userName eq "${fx.upn('ann')}"`)}`).expect(200)).body.totalResults, 1)
      })

      it('an incremental run adds a new user and applies changed and removed attributes, the manager included', async () => {
        await fx.addUsers([{ name: 'max', given: 'Max', sn: 'Moss', parent: staff, title: 'Intern', department: 'Engineering', manager: 'ann' }])
        await fx.modify(fx.dn('bob'), [
          ['replace', 'title', 'Staff Engineer'],
          ['replace', 'department', 'Platform'],
          ['replace', 'telephoneNumber', '+1 555 0199'],
          ['replace', 'mail', `robert.${fx.tag}@mail.example.test`],
          ['replace', 'employeeID', 'E-102'],
          ['replace', 'manager', fx.dn('kim')],
        ])
        await fx.modify(fx.dn('cara'), [
          ['delete', 'title'],
          ['delete', 'manager'],
        ])

        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'incremental')
        assert.ok(report.run.counts.usersRead >= 3 && report.run.counts.usersRead < 13, `only the changed entries are read (read ${report.run.counts.usersRead})`)
        assert.deepEqual(changes(report), { ...nothingChanged, usersCreated: 1, usersUpdated: 2 })

        const max = await scimUser('max')
        assert.equal(max.title, 'Intern')
        assert.equal(max.active, true)
        assert.equal(max.externalId, await fx.guid(fx.dn('max')))
        assert.equal(max[ENTERPRISE]?.manager?.value, ids.get('ann'))
        ids.set('max', String(max.id))

        const bob = await byId('bob')
        assert.equal(bob.title, 'Staff Engineer')
        assert.equal(bob[ENTERPRISE]?.department, 'Platform')
        assert.equal(bob[ENTERPRISE]?.employeeNumber, 'E-102')
        assert.equal(bob[ENTERPRISE]?.manager?.value, ids.get('kim'))
        assert.equal(bob.phoneNumbers?.[0]?.value, '+1 555 0199')
        assert.equal(bob.emails?.[0]?.value, `robert.${fx.tag}@mail.example.test`)
        assert.equal(bob.emails.length, 1)

        const cara = await byId('cara')
        assert.equal(cara.title, undefined, 'a title removed in AD is removed in Roster')
        assert.equal(cara[ENTERPRISE]?.manager, undefined, 'a manager removed in AD is removed in Roster')
        assert.equal(cara[ENTERPRISE]?.department, 'Design')

        // Nobody else was touched.
        assert.equal((await byId('ann')).meta.version, (await scimUser('ann')).meta.version)
        assert.equal((await t.scimUsers()).size, 13)
      })

      it('a rename and a move to another OU under the base keep the Roster id and the memberships', async () => {
        const { meta: _meta, ...eveBefore } = await byId('eve')
        await fx.rename('cara', 'Cara Renamed')
        await fx.rename('eve', 'eve', fx.sub('Transfers'))

        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'incremental')
        assert.equal(report.run.counts.usersCreated, 0)
        assert.equal(report.run.counts.usersArchived, 0)
        assert.equal(report.run.counts.membersRemoved, 0)

        const users = await t.scimUsers()
        assert.equal(users.size, 13)
        assert.equal(users.get(fx.upn('cara'))!.id, ids.get('cara'))
        assert.equal(users.get(fx.upn('eve'))!.id, ids.get('eve'))
        assert.equal(users.get(fx.upn('eve'))!.active, true)
        const { meta: _after, ...eveAfter } = await byId('eve')
        assert.deepEqual(eveAfter, eveBefore, 'a move changes no SCIM attribute')
        const stored = await ts.store.users.get(t.tenant.id, ids.get('eve')!)
        assert.equal(stored!.sourceDn, fx.dn('eve').toLowerCase(), 'the new DN is kept')

        assert.deepEqual(groupsOf(await byId('cara')), [['Everyone', 'direct']])
        assert.deepEqual(groupsOf(await byId('eve')), [['Engineering', 'direct'], ['Everyone', 'indirect']])
      })

      it('disabling and re-enabling an account in AD makes the user inactive and active again', async () => {
        await dc.samba(['user', 'disable', fx.sam('gus')])
        await dc.samba(['user', 'enable', fx.sam('dan')])
        const off = await t.sync()
        assertClean(off)
        assert.equal(off.run.mode, 'incremental')
        assert.deepEqual(changes(off), { ...nothingChanged, usersUpdated: 2 })
        assert.equal((await byId('gus')).active, false)
        assert.equal((await ts.store.users.get(t.tenant.id, ids.get('gus')!))!.status, 'inactive')
        assert.equal((await byId('dan')).active, true)

        await dc.samba(['user', 'enable', fx.sam('gus')])
        const on = await t.sync()
        assertClean(on)
        assert.deepEqual(changes(on), { ...nothingChanged, usersUpdated: 1 })
        assert.equal((await byId('gus')).active, true)
        assert.equal((await ts.store.users.get(t.tenant.id, ids.get('gus')!))!.status, 'active')
      })

      it('membership changes, a new group and a group nested into another reach the groups and the users’ effective groups', async () => {
        await fx.modify(engineering, [
          ['delete', 'member', fx.dn('ann')],
          ['add', 'member', fx.dn('fay')],
        ])
        const ops = await fx.addGroup('Ops', groups, [fx.dn('gus')])
        await fx.modify(everyone, [['add', 'member', ops]])

        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'incremental')
        assert.deepEqual(changes(report), { ...nothingChanged, groupsCreated: 1, membersAdded: 3, membersRemoved: 1 })

        const eng = await scimGroup('Engineering')
        assert.deepEqual(membersOf(eng), [[ids.get('bob')!, 'User'], [ids.get('eve')!, 'User'], [ids.get('fay')!, 'User']].sort())
        const opsGroup = await scimGroup('Ops')
        assert.equal(opsGroup.externalId, await fx.guid(ops))
        assert.deepEqual(membersOf(opsGroup), [[ids.get('gus')!, 'User']])
        const all = await scimGroup('Everyone')
        assert.deepEqual(membersOf(all), [[String(eng.id), 'Group'], [String(opsGroup.id), 'Group'], [ids.get('cara')!, 'User']].sort())

        assert.deepEqual(groupsOf(await byId('ann')), [], 'ann left Engineering, and with it Everyone')
        assert.deepEqual(groupsOf(await byId('fay')), [['Engineering', 'direct'], ['Everyone', 'indirect']])
        assert.deepEqual(groupsOf(await byId('gus')), [['Everyone', 'indirect'], ['Ops', 'direct']])
        const inEveryone = await t.scim(`/Users?filter=${encodeURIComponent(`groups.value eq "${all.id}"`)}&count=100`).expect(200)
        const names = ((inEveryone.body.Resources ?? []) as Resource[]).map((u) => String(u.userName)).sort()
        assert.deepEqual(names, ['bob', 'cara', 'eve', 'fay', 'gus'].map((n) => fx.upn(n)).sort())
      })

      it('a user deleted in AD is archived by the next incremental run (Deleted Objects), and stays readable', async () => {
        const hal = ids.get('hal')!
        await fx.delete(fx.dn('hal'))

        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'incremental')
        assert.ok(report.run.counts.deletionsRead > 0, `deletions read: ${report.run.counts.deletionsRead}`)
        assert.deepEqual(changes(report), { ...nothingChanged, usersArchived: 1 })
        assert.ok(!report.warnings.some((w) => /Deleted Objects/.test(w)), `no warning about Deleted Objects: ${report.warnings.join('; ')}`)

        const res = await t.scim(`/Users/${hal}`).expect(200)
        assert.equal(res.body.active, false)
        assert.equal(res.body.userName, fx.upn('hal'))
        assert.equal((await ts.store.users.get(t.tenant.id, hal))!.status, 'archived')
        assert.equal((await t.scimUsers()).size, 13, 'archived, not removed')
      })

      it('a full run afterwards agrees with what the incremental runs did', async () => {
        const report = await t.sync({ full: true })
        assertClean(report)
        assert.equal(report.run.mode, 'full')
        assert.equal(report.run.counts.usersRead, 12)
        assert.equal(report.run.counts.groupsRead, 3)
        assert.deepEqual(changes(report), nothingChanged)
      })

      it('a user deleted and recreated with the same UPN (new objectGUID) is adopted: one active user, no conflict', async () => {
        const ivy = ids.get('ivy')!
        const oldGuid = await fx.guid(fx.dn('ivy'))
        await fx.delete(fx.dn('ivy'))
        await fx.addUsers([{ ...fx.user('ivy'), title: 'Senior Analyst' }])
        const newGuid = await fx.guid(fx.dn('ivy'))
        assert.notEqual(newGuid, oldGuid)

        const report = await t.sync()
        assertClean(report)
        assert.equal(report.run.mode, 'incremental')
        assert.equal(report.run.counts.usersCreated, 0, 'no second user for the same UPN')

        const matches = [...(await t.scimUsers()).values()].filter((u) => String(u.userName).toLowerCase() === fx.upn('ivy'))
        assert.equal(matches.length, 1)
        assert.equal(matches[0]!.id, ivy, 'the Roster user is kept (adopted by the new entry)')
        assert.equal(matches[0]!.active, true)
        assert.equal(matches[0]!.externalId, newGuid)
        assert.equal(matches[0]!.title, 'Senior Analyst')
        const stored = (await ts.store.users.get(t.tenant.id, ivy))!
        assert.equal(stored.status, 'active')
        assert.equal(stored.sourceAnchor, newGuid)
      })

      it('the same, when a full run is the first to see the deletion and the new entry together', async () => {
        const jon = ids.get('jon')!
        await fx.delete(fx.dn('jon'))
        await fx.addUsers([{ ...fx.user('jon'), title: 'Returner' }])
        const newGuid = await fx.guid(fx.dn('jon'))

        const report = await t.sync({ full: true })
        assertClean(report)
        assert.equal(report.run.mode, 'full')
        assert.equal(report.run.counts.usersCreated, 0, 'no second user for the same UPN')

        const matches = [...(await t.scimUsers()).values()].filter((u) => String(u.userName).toLowerCase() === fx.upn('jon'))
        assert.equal(matches.length, 1)
        assert.equal(matches[0]!.id, jon, 'the Roster user is kept (adopted by the new entry)')
        assert.equal(matches[0]!.active, true)
        assert.equal(matches[0]!.externalId, newGuid)
        assert.equal(matches[0]!.title, 'Returner')
      })
    })
  }

  // ---------------------------------------------------------------------------------------------
  describe('deletions with a least-privilege bind account', function () {
    let dc: SambaDc
    let fx: AdFixture
    let ts: TestStore
    let t: SyncTenant
    const password = `Sync!${randomBytes(6).toString('hex')}Aa1`
    /** Roster id of the user deleted in AD. */
    let gil: string

    before(async function () {
      dc = await samba(this)
      fx = new AdFixture(dc, 'AdLp')
      await fx.createOus()
      const users: AdUser[] = ['ada', 'ben', 'cid', 'deb', 'eli', 'fin', 'gil', 'han', 'ira', 'joy', 'ken', 'liv'].map((name) => ({
        name,
        given: name[0]!.toUpperCase() + name.slice(1),
        sn: 'Tester',
        parent: fx.ou,
      }))
      await fx.addUsers([...users, { name: 'svc', given: 'Sync', sn: 'Service', parent: fx.ou, password }])
      ts = await pgliteBackend.open()
      t = await syncTenant(ts.store, adTarget(dc, fx.ou, { bindDn: fx.dn('svc'), password }), 'adlp')
      const first = await t.sync()
      assertClean(first)
      assert.equal(first.run.counts.usersCreated, 13, 'the service account is a user of the OU too')
      gil = String((await t.scimUsers()).get(fx.upn('gil'))!.id)
      await fx.delete(fx.dn('gil'))
    })
    after(async () => ts?.dispose())

    it('an incremental run says it cannot see deletions (CN=Deleted Objects) and archives nobody', async () => {
      const incremental = await t.sync()
      assertClean(incremental)
      assert.equal(incremental.run.mode, 'incremental')
      assert.equal(incremental.run.counts.deletionsRead, 0)
      assert.deepEqual(changes(incremental), nothingChanged)
      assert.equal((await t.scim(`/Users/${gil}`).expect(200)).body.active, true, 'not archived yet')
      assert.ok(
        incremental.warnings.some((w) => /cannot read CN=Deleted Objects/.test(w)),
        `the run must warn that it cannot see deletions; warnings: ${JSON.stringify(incremental.warnings)}`,
      )
    })

    it('a full run archives the deleted user', async () => {
      const full = await t.sync({ full: true })
      assertClean(full)
      assert.equal(full.run.mode, 'full')
      assert.deepEqual(changes(full), { ...nothingChanged, usersArchived: 1 })
      assert.equal((await t.scim(`/Users/${gil}`).expect(200)).body.active, false)
      assert.equal((await ts.store.users.get(t.tenant.id, gil))!.status, 'archived')
    })

    it('a full run that would archive more than maxArchivePercent is refused and writes nothing, unless forced', async () => {
      const gone = ['ada', 'ben', 'cid']
      const before = JSON.stringify([...(await t.scimUsers()).entries()])
      for (const name of gone) await fx.delete(fx.dn(name))

      const refused = await t.sync({ full: true })
      assert.equal(refused.run.status, 'refused', String(refused.run.message))
      assert.match(refused.run.message ?? '', /would archive 3 of 1[23] synced users .*SYNC_MAX_ARCHIVE_PERCENT=10%/)
      assert.equal(JSON.stringify([...(await t.scimUsers()).entries()]), before, 'nothing written')

      const forced = await t.sync({ full: true, force: true })
      assertClean(forced)
      assert.equal(forced.run.counts.usersArchived, 3)
      const users = await t.scimUsers()
      for (const name of gone) assert.equal(users.get(fx.upn(name))!.active, false, name)
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('failures are said plainly and change nothing', function () {
    let dc: SambaDc
    let fx: AdFixture
    let ts: TestStore
    let t: SyncTenant
    let good: DirectoryTarget
    let usersBefore: string
    let groupsBefore: string
    let markBefore: unknown

    before(async function () {
      dc = await samba(this)
      fx = new AdFixture(dc, 'AdErr')
      await fx.createOus()
      await fx.addUsers([
        { name: 'amy', given: 'Amy', sn: 'Adams', parent: fx.ou, title: 'Clerk' },
        { name: 'bea', given: 'Bea', sn: 'Brown', parent: fx.ou },
        { name: 'cal', given: 'Cal', sn: 'Clark', parent: fx.ou },
      ])
      await fx.addGroup('Clerks', fx.ou, [fx.dn('amy'), fx.dn('bea')])
      ts = await pgliteBackend.open()
      good = adTarget(dc, fx.ou)
      t = await syncTenant(ts.store, good, 'aderr')
      assertClean(await t.sync())
      // A change a run that wrongly went ahead would apply.
      await fx.modify(fx.dn('amy'), [['replace', 'title', 'Head Clerk']])
      usersBefore = JSON.stringify([...(await t.scimUsers()).entries()])
      groupsBefore = JSON.stringify([...(await t.scimGroups()).entries()])
      markBefore = (await ts.store.syncState.get(t.tenant.id)).highWaterMark
      assert.ok(markBefore, 'the first run left a mark')
    })
    after(async () => ts?.dispose())

    /** Points the tenant at another target, as `roster directory set` would. */
    async function connect(target: DirectoryTarget): Promise<void> {
      await setDirectoryConnection(ts.store, testBox, { tenant: t.tenant, actor: testActor, requestId: null }, settingsToJson(directorySettings(target)), target.password)
    }

    async function assertFailedCleanly(report: SyncReport, message: RegExp): Promise<void> {
      assert.equal(report.run.status, 'failed', `status ${report.run.status}: ${report.run.message}`)
      assert.match(report.run.message ?? '', message)
      assert.deepEqual(report.run.counts, EMPTY_COUNTS)
      assert.equal(JSON.stringify([...(await t.scimUsers()).entries()]), usersBefore, 'users unchanged')
      assert.equal(JSON.stringify([...(await t.scimGroups()).entries()]), groupsBefore, 'groups unchanged')
      assert.deepEqual((await ts.store.syncState.get(t.tenant.id)).highWaterMark, markBefore, 'the mark did not move')
      const [recorded] = await ts.store.syncRuns.list(t.tenant.id, 1)
      assert.equal(recorded!.id, report.run.id)
      assert.equal(recorded!.status, 'failed')
      assert.equal(recorded!.message, report.run.message)
    }

    it('a wrong bind password: invalid credentials', async () => {
      await connect({ ...good, password: 'not-the-password' })
      await assertFailedCleanly(await t.sync(), /invalid credentials/)
    })

    it('a simple bind over plain ldap:// on 389: the directory requires an encrypted connection', async () => {
      await connect({ ...good, url: dc.plainUrl, caFile: undefined })
      await assertFailedCleanly(await t.sync(), /requires an encrypted connection/)
    })

    it('LDAPS without the CA: the certificate is not trusted, give --ca-file', async () => {
      await connect({ ...good, caFile: undefined })
      await assertFailedCleanly(await t.sync(), /not trusted.*--ca-file/s)
    })

    it('a closed port: unreachable, after the retries asked for', async () => {
      const port = await freePort()
      await connect({ ...good, url: `ldaps://127.0.0.1:${port}` })
      const { log, lines } = capturingLogger()
      const report = await new DirectorySync({ store: ts.store, box: testBox, policy: defaultPolicy, log }).run(t.tenant, { trigger: 'cli', attempts: 2, retryDelayMs: 10 })
      await assertFailedCleanly(report, /cannot reach the directory at 127\.0\.0\.1:\d+ \(connection refused\)/)
      const retries = lines.filter((l) => l.msg === 'reading the directory failed; trying again')
      assert.equal(retries.length, 1, 'two attempts: one retry')
    })

    it('a base DN that does not exist: no-such-base', async () => {
      const missing = `OU=Missing${fx.tag},${dc.baseDn}`
      await connect({ ...good, baseDns: [missing] })
      await assertFailedCleanly(await t.sync(), /does not exist.*--base-dn/)
      assert.match((await ts.store.syncRuns.list(t.tenant.id, 1))[0]!.message!, new RegExp(missing, 'i'))
    })

    it('LDAPS with insecureTls works, with a warning that TLS checks are off, and catches up with the directory', async () => {
      await connect({ ...good, caFile: undefined, insecureTls: true })
      const report = await t.sync()
      assertClean(report)
      assert.ok(report.warnings.some((w) => /TLS certificate checks are OFF/.test(w)), JSON.stringify(report.warnings))
      assert.deepEqual(changes(report), { ...nothingChanged, usersUpdated: 1 })
      assert.equal((await t.scimUsers()).get(fx.upn('amy'))!.title, 'Head Clerk')
    })
  })

  // ---------------------------------------------------------------------------------------------
  describe('the CLI: tenant create → directory set/show/test → sync --once → sync status', function () {
    let dc: SambaDc
    let fx: AdFixture
    let work: string

    before(async function () {
      dc = await samba(this)
      fx = new AdFixture(dc, 'AdCli')
      await fx.createOus()
      await fx.addUsers([
        { name: 'boss', given: 'Bo', sn: 'Boss', parent: fx.ou, title: 'Director', department: 'Sales' },
        { name: 'rae', given: 'Rae', sn: 'Reed', parent: fx.ou, title: 'Seller', manager: 'boss' },
        { name: 'sam', given: 'Sam', sn: 'Shaw', parent: fx.ou, title: 'Seller', manager: 'boss' },
        { name: 'tia', given: 'Tia', sn: 'Tate', parent: fx.ou, disabled: true },
      ])
      await fx.addGroup('Sales', fx.ou, [fx.dn('rae'), fx.dn('sam')])
      work = tempDir('roster-ad-cli-')
    })
    after(() => {
      if (work) fs.rmSync(work, { recursive: true, force: true })
    })

    it('connects a tenant to AD and syncs it once, without ever printing the bind password', async function () {
      this.timeout(120_000)
      const dataDir = path.join(work, 'data')
      const env = { DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('base64') }
      const passwordFile = path.join(work, 'bind-password')
      fs.writeFileSync(passwordFile, `${dc.password}\n`, { mode: 0o600 })
      const slug = `ad-cli-${fx.tag}`
      const cli = async (args: string[]) => {
        const r = await runCli(args, env)
        assert.ok(!r.stdout.includes(dc.password) && !r.stderr.includes(dc.password), `roster ${args.join(' ')} printed the bind password`)
        assert.equal(r.code, 0, `roster ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`)
        return r
      }

      assert.equal((await cli(['tenant', 'create', slug])).stdout, `${slug}\n`)
      const set = await cli([
        'directory', 'set', '--tenant', slug, '--preset', 'ad', '--url', dc.url, '--ca-file', dc.caFile,
        '--bind-dn', dc.bindDn, '--bind-password-file', passwordFile, '--base-dn', fx.ou,
      ])
      assert.match(set.stdout, /managed by its directory \(source ldap\)/)

      const show = await cli(['directory', 'show', '--tenant', slug])
      assert.match(show.stdout, new RegExp(`^tenant\\s+${slug} \\(source ldap\\)$`, 'm'))
      assert.match(show.stdout, /^url\s+ldaps:\/\/127\.0\.0\.1:636$/m)
      assert.match(show.stdout, /^bind password\s+set \(sealed; never shown\)$/m)
      assert.ok(show.stdout.includes(fx.ou), 'shows the base DN')

      const probe = await cli(['directory', 'test', '--tenant', slug])
      assert.match(probe.stdout, /^Users: 4\s+Groups: 1\s/m)
      const samples = probe.stdout.split('Samples, as they would be synced:\n')[1] ?? ''
      const sampleNames = [...samples.matchAll(/^ {4}userName\s+(\S+)$/gm)].map((m) => m[1]!)
      assert.equal(sampleNames.length, 3, probe.stdout)
      for (const n of sampleNames) assert.ok(['boss', 'rae', 'sam', 'tia'].map((x) => fx.upn(x)).includes(n), n)

      const once = await cli(['sync', '--tenant', slug, '--once'])
      assert.match(once.stdout, /^Run \S+: full — succeeded in /m)
      assert.match(once.stdout, /^ {2}read\s+4 users, 1 groups$/m)
      assert.match(once.stdout, /^ {2}users\s+4 created, 0 updated, 0 archived, 0 restored, 0 unchanged$/m)
      assert.match(once.stdout, /^ {2}members\s+2 added, 0 removed$/m)

      const status = await cli(['sync', 'status', '--tenant', slug])
      assert.match(status.stdout, new RegExp(`^Tenant ${slug} \\(source ldap\\)\\. Resumes from: \\{"usn":\\d+`, 'm'))
      assert.match(status.stdout, /^\S+\s+full\s+succeeded\s+\S+\s+4u\/1g\s+\+4 ~0 -0 \^0\s+\+1 ~0 -0\s+\+2 -0\s+0\b/m)

      // What the CLI wrote, read back from its DATA_DIR.
      const opened = await openStore({ dataDir, databaseUrl: undefined, databasePoolMax: 1, databaseConnectTimeoutMs: 5000 }, silentLog, { role: 'cli', command: 'test' })
      try {
        const tenant = (await opened.store.tenants.getBySlug(slug))!
        assert.equal(tenant.source, 'ldap')
        const users = (await opened.store.users.list(tenant.id, { limit: 100 })).items
        const byName = new Map(users.map((u) => [u.userName, u]))
        assert.deepEqual([...byName.keys()].sort(), ['boss', 'rae', 'sam', 'tia'].map((n) => fx.upn(n)).sort())
        const boss = byName.get(fx.upn('boss'))!
        assert.equal(boss.origin, 'ldap')
        assert.equal(boss.externalId, await fx.guid(fx.dn('boss')))
        assert.equal((byName.get(fx.upn('rae'))!.resource[ENTERPRISE] as Resource | undefined)?.manager?.value, boss.id)
        assert.equal(byName.get(fx.upn('tia'))!.active, false)
      } finally {
        await opened.store.close()
      }
    })
  })
})

/**
 * Directory sync against a real OpenLDAP slapd: the full scenario (full sync over StartTLS,
 * incremental changes, deletions found by full runs) on every store backend, then mapping
 * overrides, hostile attribute values and failures on PGlite.
 */
import assert from 'node:assert/strict'
import pino from 'pino'
import type { Context } from 'mocha'
import { probeDirectory } from '../../sync/probe.js'
import { DirectorySync, type SyncReport } from '../../sync/service.js'
import { effectiveSettings } from '../../sync/settings.js'
import { getFreePort, startSlapd, type SlapdServer } from '../services/slapd.mjs'
import { openLdapServer } from '../support/directories.js'
import { backends, pgliteBackend, type TestStore } from '../support/stores.js'
import { defaultPolicy, directorySettings, succeeded, syncTenant, testBox, type DirectoryTarget, type SyncTenant } from '../support/sync.js'
import { auditOfRun, LdapTree, tenantState } from './ldap-fixtures.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

interface ScimUser {
  id: string
  userName: string
  externalId?: string
  displayName?: string
  active: boolean
  name?: { givenName?: string; familyName?: string; formatted?: string }
  title?: string
  emails?: Array<{ value: string; type?: string; primary?: boolean }>
  phoneNumbers?: Array<{ value: string; type?: string }>
  groups?: Array<{ value: string; display: string; type: 'direct' | 'indirect' }>
  [ENTERPRISE]?: { department?: string; employeeNumber?: string; manager?: { value: string } }
}

interface ScimGroup {
  id: string
  displayName: string
  externalId?: string
  members?: Array<{ value: string; type: 'User' | 'Group'; display?: string }>
}

async function users(t: SyncTenant): Promise<Map<string, ScimUser>> {
  return (await t.scimUsers()) as unknown as Map<string, ScimUser>
}

async function groups(t: SyncTenant): Promise<Map<string, ScimGroup>> {
  return (await t.scimGroups()) as unknown as Map<string, ScimGroup>
}

function get<K, V>(map: Map<K, V>, key: K): V {
  const v = map.get(key)
  assert.ok(v !== undefined, `expected ${String(key)} among ${[...map.keys()].join(', ')}`)
  return v
}

/** A group's members as sorted `Type:id`. */
const memberSet = (g: ScimGroup) => (g.members ?? []).map((m) => `${m.type}:${m.value}`).sort()
const userRefs = (...us: ScimUser[]) => us.map((u) => `User:${u.id}`)
/** A user's groups as sorted `displayName/direct|indirect`. */
const groupsOf = (u: ScimUser) => (u.groups ?? []).map((g) => `${g.display}/${g.type}`).sort()



for (const backend of backends()) {
  describe(`OpenLDAP sync on ${backend.name}`, function () {
    let server: SlapdServer
    let ts: TestStore
    let tree: LdapTree
    let t: SyncTenant
    const dn: Record<string, string> = {}
    const d = (key: string): string => {
      const v = dn[key]
      assert.ok(v, `no DN for ${key}`)
      return v
    }
    /** SCIM ids of the first full sync, by userName. */
    const ids = new Map<string, string>()
    const gids = new Map<string, string>()

    before(async function () {
      server = await openLdapServer(this)
      ts = await backend.open()
      tree = await LdapTree.create(server)
      const contractors = await tree.addOu('Contractors', true)
      await tree.addOu('Attic', true)
      const ann = await tree.addPerson(
        {
          uid: 'ann',
          cn: 'Ann Admin',
          givenName: 'Ann',
          sn: 'Admin',
          mail: 'ann@example.org',
          telephoneNumber: '+1 555 0100',
          title: 'Director',
          departmentNumber: 'Engineering',
          employeeNumber: 'E001',
        },
        true,
      )
      dn.ann = ann
      // The manager DN in another spelling than the entry's own: DNs compare case- and space-insensitively.
      const annOddly = `UID=ann, OU=People, ${tree.base.toUpperCase().replace(/,/g, ', ')}`
      dn.bob = await tree.addPerson({ uid: 'bob', cn: 'Bob Builder', givenName: 'Bob', sn: 'Builder', manager: annOddly, title: 'Engineer' }, true)
      // carol's manager zed is added after her.
      dn.carol = await tree.addPerson({ uid: 'carol', cn: 'Carol C', sn: 'C', manager: tree.userDn('zed'), title: 'Engineer' }, true)
      for (const uid of ['dave', 'erin']) dn[uid] = await tree.addPerson({ uid, manager: ann }, true)
      for (const uid of ['frank', 'grace', 'heidi', 'ivan', 'judy', 'ken', 'leo', 'mia', 'nina', 'olga', 'pat', 'quinn', 'rita', 'sam']) dn[uid] = await tree.addPerson({ uid }, true)
      dn.zed = await tree.addPerson({ uid: 'zed', cn: 'Zed Z', sn: 'Z', title: 'VP' }, true)
      dn.engineering = await tree.addGroup('engineering', [d('bob'), d('carol'), d('dave'), d('grace')], true)
      dn.staff = await tree.addGroup('staff', [ann, d('engineering')], true)
      dn.developers = await tree.addPosixGroup('developers', 5001, ['carol', 'erin', 'ghost'], true)
      dn.leads = await tree.addGroup('leads', [d('nina')], true)
      const teamMembers = ['frank', 'heidi', 'ivan', 'ken', 'leo', 'mia']
      for (let i = 0; i < teamMembers.length; i++) dn[`team-${i + 1}`] = await tree.addGroup(`team-${i + 1}`, [d(teamMembers[i]!)], true)
      // Seeded last: the full run's high-water mark is this entry's modifyTimestamp.
      dn['unix-admins'] = await tree.addPosixGroup('unix-admins', 5002, ['ann'], true)
      dn.contractors = contractors
      t = await syncTenant(ts.store, tree.target({ baseDns: [tree.people, tree.groups, contractors], pageSize: 5 }), 'openldap')
    })

    after(async () => {
      await tree?.destroy()
      await ts?.dispose()
    })

    it('full sync over StartTLS with the CA: users, managers, groups, nesting and posixGroups', async () => {
      const report = succeeded(await t.sync())
      const c = report.run.counts
      assert.equal(report.run.mode, 'full')
      assert.deepEqual(report.warnings, [])
      assert.deepEqual(
        [c.usersRead, c.groupsRead, c.usersCreated, c.usersUpdated, c.usersArchived, c.groupsCreated, c.groupsDeleted],
        [20, 11, 20, 0, 0, 11, 0],
      )
      // engineering 4, staff 2, developers 2 (ghost is nobody), leads 1, six teams, unix-admins 1.
      assert.equal(c.membersAdded, 16)
      assert.deepEqual((await ts.store.syncState.get(t.tenant.id)).highWaterMark, report.run.highWaterMark)
      assert.match(String(report.run.highWaterMark?.modifyTimestamp), /^2020\d{10}Z$/)

      const u = await users(t)
      assert.equal(u.size, 20)
      for (const [name, user] of u) ids.set(name, user.id)
      const ann = get(u, 'ann')
      assert.equal(ann.userName, 'ann')
      assert.equal(ann.externalId, await tree.uuid(d('ann')))
      assert.equal(ann.displayName, 'Ann Admin')
      assert.deepEqual(ann.name, { givenName: 'Ann', familyName: 'Admin', formatted: 'Ann Admin' })
      assert.equal(ann.title, 'Director')
      assert.equal(ann.active, true)
      assert.deepEqual(
        ann.emails?.map((e) => e.value),
        ['ann@example.org'],
      )
      assert.deepEqual(
        ann.phoneNumbers?.map((p) => p.value),
        ['+1 555 0100'],
      )
      assert.equal(ann[ENTERPRISE]?.department, 'Engineering')
      assert.equal(ann[ENTERPRISE]?.employeeNumber, 'E001')
      assert.equal(ann[ENTERPRISE]?.manager, undefined)
      for (const name of ['bob', 'dave', 'erin']) assert.equal(get(u, name)[ENTERPRISE]?.manager?.value, ann.id, `${name}'s manager`)
      assert.equal(get(u, 'carol')[ENTERPRISE]?.manager?.value, get(u, 'zed').id, 'a manager created after the report')
      for (const [name, user] of u) {
        assert.equal(user.externalId, await tree.uuid(d(name)), `${name}'s externalId is its entryUUID`)
        assert.equal(user.active, true)
      }
      // Over SCIM by id too, with the enterprise schema.
      const byId = await t.scim(`/Users/${get(u, 'bob').id}`).expect(200)
      assert.equal(byId.body.userName, 'bob')
      assert.ok((byId.body.schemas as string[]).includes(ENTERPRISE))

      const g = await groups(t)
      assert.equal(g.size, 11)
      for (const [name, group] of g) gids.set(name, group.id)
      const engineering = get(g, 'engineering')
      assert.equal(engineering.externalId, await tree.uuid(d('engineering')))
      assert.deepEqual(memberSet(engineering), userRefs(get(u, 'bob'), get(u, 'carol'), get(u, 'dave'), get(u, 'grace')).sort())
      assert.deepEqual(memberSet(get(g, 'staff')), [`Group:${engineering.id}`, `User:${ann.id}`].sort())
      assert.deepEqual(memberSet(get(g, 'developers')), userRefs(get(u, 'carol'), get(u, 'erin')).sort())
      assert.deepEqual(memberSet(get(g, 'unix-admins')), userRefs(ann))
      assert.deepEqual(memberSet(get(g, 'team-3')), userRefs(get(u, 'ivan')))

      const carol = (await t.scim(`/Users/${get(u, 'carol').id}`).expect(200)).body as ScimUser
      assert.deepEqual(groupsOf(carol), ['developers/direct', 'engineering/direct', 'staff/indirect'])
      assert.deepEqual(groupsOf(get(u, 'ann')), ['staff/direct', 'unix-admins/direct'])
    })

    it('incremental: adds, changes, renames, moves and membership changes; only what changed is read', async () => {
      dn.oscar = await tree.addPerson({ uid: 'oscar', cn: 'Oscar O', sn: 'O', manager: d('ann'), title: 'Intern' })
      // Changed in the very second of the mark (modifyTimestamp has one-second resolution): read too.
      dn.quinta = await tree.addPerson({ uid: 'quinta' }, 'again')
      await tree.replace(d('carol'), { title: 'Principal Engineer', telephoneNumber: '+1 555 0199' })
      dn.gracie = await tree.rename(d('grace'), 'uid=gracie')
      dn.heidi = await tree.rename(d('heidi'), 'uid=heidi', d('contractors'))
      await tree.addValues(d('engineering'), 'member', [d('oscar'), d('leads')])
      await tree.deleteValues(d('engineering'), 'member', [d('dave')])
      await tree.addValues(d('developers'), 'memberUid', ['frank'])
      await tree.deleteValues(d('developers'), 'memberUid', ['erin'])
      dn['squad-1'] = await tree.rename(d('team-1'), 'cn=squad-1')

      const report = succeeded(await t.sync())
      const c = report.run.counts
      assert.equal(report.run.mode, 'incremental')
      // oscar, quinta, carol, gracie, heidi; nothing else.
      assert.equal(c.usersRead, 5, `users read: ${c.usersRead}`)
      // engineering, developers, squad-1, unix-admins (at the mark); team-2 too if refint's rewrite
      // of its member DN touched its modifyTimestamp.
      assert.ok(c.groupsRead >= 4 && c.groupsRead <= 5, `groups read: ${c.groupsRead}`)
      assert.deepEqual(
        { created: c.usersCreated, updated: c.usersUpdated, archived: c.usersArchived, restored: c.usersRestored, gc: c.groupsCreated, gu: c.groupsUpdated, gd: c.groupsDeleted },
        { created: 2, updated: 3, archived: 0, restored: 0, gc: 0, gu: 1, gd: 0 },
      )
      assert.equal(c.membersAdded, 3)
      assert.equal(c.membersRemoved, 2)

      const u = await users(t)
      assert.equal(u.size, 22)
      assert.ok(u.has('quinta'), 'an entry stamped in the same second as the mark is not missed')
      assert.ok(!u.has('grace'))
      const gracie = get(u, 'gracie')
      assert.equal(gracie.id, ids.get('grace'), 'a renamed entry keeps its Roster id')
      assert.equal(gracie.externalId, await tree.uuid(d('gracie')))
      const heidi = get(u, 'heidi')
      assert.equal(heidi.id, ids.get('heidi'), 'a moved entry keeps its Roster id')
      assert.match(String((await ts.store.users.get(t.tenant.id, heidi.id))?.sourceDn), /^uid=heidi,ou=contractors,/)
      const carol = get(u, 'carol')
      assert.equal(carol.id, ids.get('carol'))
      assert.equal(carol.title, 'Principal Engineer')
      assert.deepEqual(
        carol.phoneNumbers?.map((p) => p.value),
        ['+1 555 0199'],
      )
      const oscar = get(u, 'oscar')
      assert.equal(oscar[ENTERPRISE]?.manager?.value, ids.get('ann'))

      const g = await groups(t)
      const leads = get(g, 'leads')
      assert.deepEqual(memberSet(get(g, 'engineering')), [...userRefs(get(u, 'bob'), carol, gracie, oscar), `Group:${leads.id}`].sort())
      assert.deepEqual(memberSet(get(g, 'developers')), userRefs(carol, get(u, 'frank')).sort())
      assert.deepEqual(memberSet(get(g, 'team-2')), userRefs(heidi), 'membership follows a moved member')
      assert.ok(!g.has('team-1'))
      const squad = get(g, 'squad-1')
      assert.equal(squad.id, gids.get('team-1'), 'a renamed group keeps its Roster id')
      assert.deepEqual(memberSet(squad), userRefs(get(u, 'frank')))
      assert.deepEqual(groupsOf(oscar), ['engineering/direct', 'staff/indirect'])
      assert.deepEqual(groupsOf(get(u, 'nina')), ['engineering/indirect', 'leads/direct', 'staff/indirect'])
      assert.deepEqual(groupsOf(get(u, 'dave')), [])
      assert.deepEqual(groupsOf(get(u, 'erin')), [])

      const again = succeeded(await t.sync())
      const a = again.run.counts
      assert.equal(again.run.mode, 'incremental')
      assert.deepEqual(
        [a.usersCreated, a.usersUpdated, a.usersArchived, a.usersRestored, a.groupsCreated, a.groupsUpdated, a.groupsDeleted, a.membersAdded, a.membersRemoved],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
      )
      assert.equal((await auditOfRun(ts.store, t.tenant.id, again.run.id)).length, 0)
    })

    it('deletions: not seen incrementally; a full run archives users and deletes groups; a user coming back is restored', async () => {
      const judyDn = d('judy')
      await tree.remove(judyDn)
      await tree.remove(d('team-6'))
      dn.pat = await tree.rename(d('pat'), 'uid=pat', `ou=Attic,${tree.base}`) // out of the synced bases

      const incremental = succeeded(await t.sync())
      assert.equal(incremental.run.mode, 'incremental')
      assert.equal(incremental.run.counts.usersArchived, 0)
      assert.equal(incremental.run.counts.groupsDeleted, 0)
      assert.equal(get(await users(t), 'judy').active, true)
      assert.ok((await groups(t)).has('team-6'))

      const full = succeeded(await t.sync({ full: true }))
      assert.equal(full.run.mode, 'full')
      assert.equal(full.run.counts.usersArchived, 2)
      assert.equal(full.run.counts.groupsDeleted, 1)
      assert.equal(full.run.counts.usersRead, 20)
      const u = await users(t)
      assert.equal(u.size, 22, 'archived users stay')
      for (const name of ['judy', 'pat']) {
        const res = await t.scim(`/Users/${ids.get(name)}`).expect(200)
        assert.equal(res.body.active, false, `${name} is archived`)
        assert.equal((await ts.store.users.get(t.tenant.id, ids.get(name)!))?.status, 'archived')
      }
      const g = await groups(t)
      assert.equal(g.size, 10)
      assert.ok(!g.has('team-6'))
      assert.deepEqual(groupsOf(get(u, 'mia')), [])

      // judy is created again (a new entryUUID), pat moves back.
      dn.judy = await tree.addPerson({ uid: 'judy', cn: 'Judy Again', sn: 'Again' })
      dn.pat = await tree.rename(d('pat'), 'uid=pat', tree.people)
      const back = succeeded(await t.sync())
      assert.equal(back.run.counts.usersRestored, 2)
      assert.equal(back.run.counts.usersCreated, 0)
      const after = await users(t)
      assert.equal(after.size, 22)
      const judy = get(after, 'judy')
      assert.equal(judy.id, ids.get('judy'), 'adopted: one judy, the same Roster user')
      assert.equal(judy.active, true)
      assert.equal(judy.displayName, 'Judy Again')
      assert.equal(judy.externalId, await tree.uuid(d('judy')))
      assert.equal((await ts.store.users.get(t.tenant.id, judy.id))?.sourceAnchor, judy.externalId)
      assert.equal(get(after, 'pat').id, ids.get('pat'))
      assert.equal(get(after, 'pat').active, true)
      const list = await t.scim(`/Users?filter=${encodeURIComponent('userName eq "judy"')}`).expect(200)
      assert.equal(list.body.totalResults, 1)
    })
  })
}

describe('OpenLDAP sync: mappings, hostile values and failures (pglite)', function () {
  let server: SlapdServer
  let ts: TestStore

  before(async function () {
    server = await openLdapServer(this)
    ts = await pgliteBackend.open()
  })
  after(async () => ts?.dispose())

  describe('mapping override', () => {
    let tree: LdapTree
    let t: SyncTenant
    const others = Array.from({ length: 10 }, (_, i) => `m${String(i + 1).padStart(2, '0')}`)
    before(async () => {
      tree = await LdapTree.create(server, 'M')
      await tree.addPerson({ uid: 'amy', mail: 'amy.adams@example.org' })
      await tree.addPerson({ uid: 'ben', mail: 'Ben.Bell@Example.org' })
      for (const uid of others) await tree.addPerson({ uid, mail: `${uid}.mail@example.org` })
      await tree.addPerson({ uid: 'nomail', mail: null })
    })
    after(async () => tree?.destroy())

    it('takes userName from mail with mapping { userName: "mail" }; an entry without mail is skipped and said so', async () => {
      t = await syncTenant(ts.store, tree.target({ mapping: { userName: 'mail' } }))
      const report = await t.sync()
      assert.equal(report.run.status, 'succeeded')
      assert.equal(report.run.counts.usersCreated, 12)
      assert.equal(report.run.counts.errors, 1)
      assert.match(report.run.errors[0]!.message, /has no mail/)
      assert.match(String(report.run.errors[0]!.entry), /uid=nomail/i)
      const u = await users(t)
      assert.deepEqual([...u.values()].map((x) => x.userName).sort(), ['Ben.Bell@Example.org', 'amy.adams@example.org', ...others.map((o) => `${o}.mail@example.org`)].sort())
      assert.equal(get(u, 'amy.adams@example.org').emails?.[0]?.value, 'amy.adams@example.org')
    })

    it('an entry that loses the attribute mapped to userName is a problem of the run, not a deletion: its user is not archived', async () => {
      await tree.replace(tree.userDn('ben'), { mail: [] })
      const report = await t.sync({ full: true })
      assert.equal(report.run.status, 'succeeded', String(report.run.message))
      assert.equal(report.run.counts.errors, 2)
      assert.ok(report.run.errors.some((e) => /uid=ben,/i.test(String(e.entry)) && /has no mail/.test(e.message)), JSON.stringify(report.run.errors))
      const ben = get(await users(t), 'ben.bell@example.org')
      assert.equal(ben.active, true, 'the entry is still in the directory')
      assert.equal(report.run.counts.usersArchived, 0)
    })
  })

  describe('entries that clash', () => {
    let tree: LdapTree
    before(async () => {
      tree = await LdapTree.create(server, 'R')
      await tree.addOu('Contractors')
      for (let i = 1; i <= 12; i++) await tree.addPerson({ uid: `r${String(i).padStart(2, '0')}` })
    })
    after(async () => tree?.destroy())

    it('a user deleted and created again (same uid, new entryUUID) before the next full run is taken over by the new entry', async () => {
      const t = await syncTenant(ts.store, tree.target())
      succeeded(await t.sync())
      const old = get(await users(t), 'r05')
      await tree.remove(tree.userDn('r05'))
      const again = await tree.addPerson({ uid: 'r05', cn: 'R05 Again' })

      const report = succeeded(await t.sync({ full: true }))
      assert.equal(report.run.counts.usersCreated, 0)
      assert.equal(report.run.counts.usersArchived, 0)
      const u = await users(t)
      assert.equal(u.size, 12)
      const r05 = get(u, 'r05')
      assert.equal(r05.id, old.id, 'the same Roster user')
      assert.equal(r05.active, true)
      assert.equal(r05.displayName, 'R05 Again')
      assert.equal(r05.externalId, await tree.uuid(again))
    })

    it('two entries with one uid: the second is a problem of the run, the rest goes ahead, the mark moves on, full runs report it again', async () => {
      const t = await syncTenant(ts.store, tree.target())
      succeeded(await t.sync())
      const mark = (await ts.store.syncState.get(t.tenant.id)).highWaterMark
      const twin = await tree.addPerson({ uid: 'r07', ou: 'Contractors', cn: 'The other r07' })
      await tree.addPerson({ uid: 'r13' })
      try {
        const report = await t.sync({ full: true })
        assert.equal(report.run.status, 'succeeded')
        assert.equal(report.run.counts.errors, 1)
        assert.match(report.run.errors[0]!.message, /^user r07: userName is already taken/)
        assert.equal(report.run.errors[0]!.entry?.toLowerCase(), twin.toLowerCase())
        const u = await users(t)
        assert.equal(u.size, 13)
        assert.notEqual(get(u, 'r07').displayName, 'The other r07')
        // A problem of the directory's data does not hold the mark back (later incremental runs
        // would otherwise re-read everything since): it stays until the directory changes.
        assert.ok(report.run.highWaterMark, 'the run reached a mark')
        assert.deepEqual((await ts.store.syncState.get(t.tenant.id)).highWaterMark, report.run.highWaterMark, 'and stored it')
        assert.ok(mark)
        assert.equal(report.run.counts.usersCreated, 1, 'counts say what was done: r13 created, not the r07 that could not be')
        const again = await t.sync({ full: true })
        assert.equal(again.run.counts.errors, 1, 'the next full run meets the same problem and says so')
        assert.match(again.run.errors[0]!.message, /^user r07: userName is already taken/)
      } finally {
        await tree.remove(twin)
        await tree.remove(tree.userDn('r13'))
      }
    })
  })

  describe('hostile values', () => {
    let tree: LdapTree
    let t: SyncTenant
    const hostile = ['*)(uid=*', 'jürgen', "o'brien", 'back\\slash', 'comma,plus+', '#hash']
    before(async () => {
      tree = await LdapTree.create(server, 'H')
      for (const uid of ['alice', 'bert', ...hostile]) await tree.addPerson({ uid, cn: `Name of ${uid}`, mail: null })
      await tree.addGroup('odd', [tree.userDn('back\\slash'), tree.userDn('jürgen'), tree.userDn('comma,plus+')])
      await tree.addPosixGroup('stars', 7001, ['*)(uid=*'])
      // memberUid is IA5: no jürgen here.
      await tree.addPosixGroup('quoted', 7002, ["o'brien", 'back\\slash', 'Alice'])
      t = await syncTenant(ts.store, tree.target())
    })
    after(async () => tree?.destroy())

    it('syncs users whose uid holds filter and DN syntax, and their memberships, exactly', async () => {
      const report = succeeded(await t.sync())
      assert.equal(report.run.counts.usersCreated, 2 + hostile.length)
      const u = await users(t)
      assert.deepEqual([...u.values()].map((x) => x.userName).sort(), ['alice', 'bert', ...hostile].sort())
      for (const uid of hostile) assert.equal(get(u, uid.toLowerCase()).displayName, `Name of ${uid}`)
      const g = await groups(t)
      assert.deepEqual(memberSet(get(g, 'odd')), userRefs(get(u, 'back\\slash'), get(u, 'jürgen'), get(u, 'comma,plus+')).sort())
      assert.deepEqual(memberSet(get(g, 'stars')), userRefs(get(u, '*)(uid=*')), 'memberUid *)(uid=* is that one user, not everyone')
      assert.deepEqual(memberSet(get(g, 'quoted')), userRefs(get(u, "o'brien"), get(u, 'back\\slash'), get(u, 'alice')).sort())
      // Looked up over SCIM by the exact name.
      const res = await t.scim(`/Users?filter=${encodeURIComponent('userName eq "*)(uid=*"')}`).expect(200)
      assert.equal(res.body.totalResults, 1)
    })

    it('roster directory test --user escapes the name into the filter', async () => {
      const settings = effectiveSettings(directorySettings(tree.target()))
      const probe = (userName: string) => probeDirectory(settings, server.password, { userName })
      const star = await probe('*)(uid=*')
      assert.equal(star.users, 1)
      assert.equal(star.samples[0]?.user.userName, '*)(uid=*')
      assert.equal((await probe('*')).users, 0, 'a lone * is a name, not a wildcard')
      assert.equal((await probe('a\u0000b')).users, 0)
      const umlaut = await probe('jürgen')
      assert.equal(umlaut.users, 1)
      assert.equal(umlaut.samples[0]?.user.userName, 'jürgen')
      assert.equal((await probe('back\\slash')).users, 1)
      assert.equal((await probe("o'brien")).users, 1)
      assert.equal((await probe('comma,plus+')).users, 1)
      const all = await probeDirectory(settings, server.password)
      assert.equal(all.users, 2 + hostile.length)
      assert.equal(all.groups, 3)
    })
  })

  describe('failures are said plainly and change nothing', () => {
    let tree: LdapTree
    let t: SyncTenant
    before(async () => {
      tree = await LdapTree.create(server, 'F')
      for (const uid of ['una', 'vic', 'wes']) await tree.addPerson({ uid })
      await tree.addGroup('crew', [tree.userDn('una'), tree.userDn('vic')])
      t = await syncTenant(ts.store, tree.target())
      succeeded(await t.sync())
      // A run that went ahead regardless would update vic.
      await tree.replace(tree.userDn('vic'), { title: 'Changed' })
    })
    after(async () => tree?.destroy())

    async function failing(target: DirectoryTarget, request: Parameters<SyncTenant['sync']>[0] = {}): Promise<SyncReport> {
      await t.reconnect(target)
      const before = await tenantState(ts.store, t.tenant.id)
      const report = await t.sync({ full: true, ...request })
      assert.equal(report.run.status, 'failed', `expected a failure, got ${report.run.status}: ${report.run.message}`)
      assert.equal(report.samples, null)
      assert.deepEqual(await tenantState(ts.store, t.tenant.id), before, 'the tenant is unchanged')
      const recorded = await ts.store.syncRuns.get(t.tenant.id, report.run.id)
      assert.equal(recorded?.status, 'failed')
      assert.equal(recorded?.message, report.run.message)
      return report
    }

    it('wrong bind password: invalid credentials', async () => {
      const r = await failing(tree.target({ password: 'not-the-password' }))
      assert.match(String(r.run.message), /invalid credentials/)
      assert.match(String(r.run.message), /check the bind DN and password/)
    })

    it('closed port: unreachable, after the requested attempts', async () => {
      const port = await getFreePort()
      await t.reconnect(tree.target({ url: `ldap://127.0.0.1:${port}`, startTls: false, caFile: undefined }))
      const before = await tenantState(ts.store, t.tenant.id)
      const lines: Array<{ msg?: string; attempt?: number }> = []
      const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) })
      const report = await new DirectorySync({ store: ts.store, box: testBox, policy: defaultPolicy, log }).run(t.tenant, { trigger: 'cli', full: true, attempts: 2, retryDelayMs: 10 })
      assert.equal(report.run.status, 'failed')
      assert.match(String(report.run.message), new RegExp(`cannot reach the directory at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`))
      const retries = lines.filter((l) => /trying again/.test(String(l.msg)))
      assert.deepEqual(
        retries.map((l) => l.attempt),
        [1],
        'one retry for two attempts',
      )
      assert.deepEqual(await tenantState(ts.store, t.tenant.id), before)
    })

    it('LDAPS without the CA: a TLS failure that points at --ca-file', async () => {
      const r = await failing(tree.target({ url: server.ldapsUrl!, startTls: false, caFile: undefined }))
      assert.match(String(r.run.message), /^TLS to 127\.0\.0\.1:\d+ failed: the server certificate is not trusted/)
      assert.match(String(r.run.message), /--ca-file/)
    })

    it('StartTLS without the CA fails the same way', async () => {
      const r = await failing(tree.target({ caFile: undefined }))
      assert.match(String(r.run.message), /not trusted.*--ca-file/)
    })

    it('a base DN that does not exist', async () => {
      const r = await failing(tree.target({ baseDns: [tree.base, `ou=Nowhere,${tree.base}`] }))
      assert.match(String(r.run.message), /the base DN ou=Nowhere,ou=F[0-9a-f]+,dc=example,dc=org does not exist on 127\.0\.0\.1:\d+; check --base-dn/)
    })

    it('LDAPS with the CA, and StartTLS with insecureTls, work; the latter warns that TLS checks are off', async () => {
      await t.reconnect(tree.target({ url: server.ldapsUrl!, startTls: false }))
      const ldaps = succeeded(await t.sync({ full: true }))
      assert.deepEqual(ldaps.warnings, [])
      assert.equal(ldaps.run.counts.usersRead, 3)
      assert.equal(ldaps.run.counts.usersUpdated, 1, 'vic, changed before, is updated now')

      await t.reconnect(tree.target({ caFile: undefined, insecureTls: true }))
      const insecure = succeeded(await t.sync({ full: true }))
      assert.equal(insecure.run.counts.usersRead, 3)
      assert.equal(insecure.warnings.length, 1)
      assert.match(insecure.warnings[0]!, /TLS certificate checks are OFF/)
    })
  })

  describe('size limit', () => {
    let limited: SlapdServer
    let tree: LdapTree
    let reader: { bindDn: string; password: string }

    before(async function (this: Context) {
      this.timeout(60_000)
      limited = await startSlapd({ sizeLimit: 3 })
      tree = await LdapTree.create(limited, 'S')
      for (const uid of ['s1', 's2', 's3', 's4', 's5', 's6']) await tree.addPerson({ uid })
      reader = { bindDn: `uid=reader,${limited.suffix}`, password: 'reader-secret' }
      await tree.add(reader.bindDn, { objectClass: 'inetOrgPerson', uid: 'reader', cn: 'reader', sn: 'reader', userPassword: reader.password })
    })
    after(async () => {
      await tree?.close()
      await limited?.destroy()
    })

    it('a search stopped at the server size limit fails the run before anything is archived', async () => {
      const plain = { url: limited.url, startTls: false, caFile: undefined }
      // The rootdn has no limits: the first run reads all six.
      const t = await syncTenant(ts.store, tree.target(plain))
      assert.equal(succeeded(await t.sync()).run.counts.usersCreated, 6)
      // Another account, under the global limit of 3, with paged results of 2.
      await t.reconnect(tree.target({ ...plain, ...reader, pageSize: 2 }))
      const before = await tenantState(ts.store, t.tenant.id)
      const report = await t.sync({ full: true })
      assert.equal(report.run.status, 'failed', String(report.run.message))
      assert.match(String(report.run.message), /stopped the search of .* at its size limit; the run read nothing and changed nothing/)
      assert.deepEqual(await tenantState(ts.store, t.tenant.id), before)
      assert.equal((await users(t)).size, 6)
      for (const user of (await users(t)).values()) assert.equal(user.active, true)
    })
  })
})

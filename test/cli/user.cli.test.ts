/**
 * `roster user …` on both stores: the embedded PGlite database (DATA_DIR) and a PostgreSQL server
 * (DATABASE_URL). Every write goes through the admin API's use cases (src/domain/administration),
 * so these tests check the CLI's side: arguments, output, refusals and exit codes, the audit actor.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { runCli, tempDir } from '../support/process.js'
import { cliPlaces, jsonLines, ok, type Place } from '../support/cli-places.js'

const places = cliPlaces('roster user')

interface UserJson {
  id: string
  userName: string
  firstName: string | null
  email: string | null
  externalId: string | null
  status: string
  attributes: Record<string, string | boolean>
  groups?: Array<{ displayName: string; direct: boolean }>
  roles?: { own: string[]; effective: Array<{ name: string; via: string[] | null }>; permissions: string[] }
  ownedGroups?: string[]
  editable?: boolean
}

for (const [name, open] of places) {
  describe(`roster user (${name})`, function () {
    // Many CLI processes, each opening the database (seconds apiece on a loaded machine).
    this.timeout(600_000)
    let place: Place
    const roster = (args: string[]) => runCli(args, place.env)
    const acme = (...args: string[]) => roster([...args, '--tenant', 'acme'])

    before(async () => {
      place = await open()
      ok(await roster(['tenant', 'create', 'acme']))
      ok(await acme('attribute', 'define', '--name', 'costCenter', '--label', 'Cost center', '--type', 'text'))
      ok(await acme('attribute', 'define', '--name', 'remote', '--label', 'Remote', '--type', 'boolean'))
    })
    after(async () => place?.dispose())

    it('creates users, shows them (table and JSON) and lists them with search, status and paging', async () => {
      const alice = ok(
        await acme('user', 'create', 'alice', '--first-name', 'Alice', '--last-name', 'Liddell', '--email', 'alice@acme.example', '--external-id', 'IMS-00042', '--attr', 'costCenter=CC-1', '--attr', 'remote=true', '--generate-password'),
      )
      // The id, then the generated password, alone on standard output.
      const [aliceId, password, ...rest] = alice.stdout.split('\n')
      assert.match(aliceId!, /^[0-9a-f-]{36}$/)
      assert.match(password!, /^[A-Za-z0-9_-]{24}$/)
      assert.deepEqual(rest, [''])
      assert.match(alice.stderr, /shown only this once/)
      ok(await acme('user', 'create', 'bob', '--first-name', 'Bob', '--last-name', 'Builder', '--email', 'bob@acme.example', '--inactive', '--role', 'Viewer'))
      const carol = ok(await acme('user', 'create', 'carol', '--first-name', 'Carol', '--last-name', 'Danvers', '--email', 'carol@acme.example'))
      assert.match(carol.stdout, /^[0-9a-f-]{36}\n$/)

      const [shown] = jsonLines<UserJson>(await acme('user', 'show', 'alice', '--json'))
      assert.equal(shown!.id, aliceId)
      assert.equal(shown!.externalId, 'IMS-00042')
      assert.deepEqual(shown!.attributes, { costCenter: 'CC-1', remote: true })
      assert.equal(shown!.editable, true)
      // By id as well as by userName.
      const table = ok(await acme('user', 'show', aliceId!))
      assert.match(table.stdout, /^userName\s+alice$/m)
      assert.match(table.stdout, /^attributes\s+Cost center: CC-1\n\s+Remote: true$/m)
      assert.match(table.stdout, /^roles\s+\(none\)$/m)

      const first = await acme('user', 'list', '--json', '--limit', '1')
      assert.deepEqual(jsonLines<UserJson>(first).map((u) => u.userName), ['alice'])
      const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1]
      assert.ok(cursor, first.stderr)
      const second = await acme('user', 'list', '--json', '--limit', '1', '--cursor', cursor)
      assert.deepEqual(jsonLines<UserJson>(second).map((u) => u.userName), ['carol'])
      assert.match(second.stderr, /^1 of 2 active users$/m)
      assert.doesNotMatch(second.stderr, /--cursor/)

      const searched = ok(await acme('user', 'list', '--search', 'danvers'))
      assert.deepEqual(searched.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0]), ['USERNAME', 'carol'])
      const inactive = jsonLines<UserJson>(await acme('user', 'list', '--status', 'inactive', '--json'))
      assert.deepEqual(inactive.map((u) => [u.userName, u.status]), [['bob', 'inactive']])
    })

    it('edits users and takes them through deactivate, activate, archive and restore, audited as the CLI', async () => {
      ok(await acme('user', 'edit', 'alice', '--email', 'alice@wonderland.example', '--attr', 'costCenter=', '--phone', '+1 555 0100'))
      const [edited] = jsonLines<UserJson>(await acme('user', 'show', 'alice', '--json'))
      assert.equal(edited!.email, 'alice@wonderland.example')
      assert.deepEqual(edited!.attributes, { remote: true })
      ok(await acme('user', 'deactivate', 'carol'))
      ok(await acme('user', 'activate', 'carol'))
      const notArchived = await acme('user', 'restore', 'carol')
      assert.equal(notArchived.code, 1)
      assert.match(notArchived.stderr, /^roster: carol is not archived$/m)
      ok(await acme('user', 'archive', 'carol'))
      const archived = jsonLines<UserJson>(await acme('user', 'list', '--status', 'archived', '--json'))
      assert.deepEqual(archived.map((u) => u.userName), ['carol'])
      const activateArchived = await acme('user', 'activate', 'carol')
      assert.equal(activateArchived.code, 1)
      assert.match(activateArchived.stderr, /carol is archived: restore it first/)
      ok(await acme('user', 'restore', 'carol'))
      const [restored] = jsonLines<UserJson>(await acme('user', 'show', 'carol', '--json'))
      assert.equal(restored!.status, 'active')

      const events = jsonLines<{ action: string; actor: { type: string; label: string } }>(await acme('audit', '--limit', '100', '--json'))
      const actions = events.map((e) => e.action)
      for (const action of ['user.create', 'user.update', 'user.deactivate', 'user.activate', 'user.archive', 'user.restore', 'role.assign']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`)
      for (const e of events.filter((e) => e.action.startsWith('user.'))) {
        assert.equal(e.actor.type, 'cli')
        assert.match(e.actor.label, /^cli:\S+$/)
      }
    })

    it("shows own and effective roles and groups, and deletes an owner only with a hand-over to an active user", async () => {
      ok(await acme('group', 'create', 'Support', '--owner', 'alice'))
      ok(await acme('group', 'members', 'add', 'Support', '--user', 'alice'))
      ok(await acme('role', 'assign', '--role', 'User manager', '--group', 'Support'))
      ok(await acme('role', 'assign', '--role', 'Viewer', '--user', 'alice'))
      const [roles] = jsonLines<NonNullable<UserJson['roles']>>(await acme('user', 'roles', 'alice', '--json'))
      assert.deepEqual(roles!.own, ['Viewer'])
      assert.deepEqual(roles!.effective.map((r) => [r.name, r.via]).sort(), [['User manager', ['Support']], ['Viewer', null]])
      assert.ok(roles!.permissions.includes('users.edit'))
      const table = ok(await acme('user', 'roles', 'alice'))
      assert.match(table.stdout, /^own\s+Viewer$/m)
      assert.match(table.stdout, /User manager \(via group Support\)/)
      const groups = jsonLines<{ displayName: string; direct: boolean }>(await acme('user', 'groups', 'alice', '--json'))
      assert.deepEqual(groups.map((g) => [g.displayName, g.direct]), [['Support', true]])

      const refused = await acme('user', 'delete', 'alice')
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /^roster: alice owns 1 group: choose a replacement owner \(--hand-over-to <userName>\)$/m)
      // bob is inactive: an owner must be able to act.
      const toInactive = await acme('user', 'delete', 'alice', '--hand-over-to', 'bob')
      assert.equal(toInactive.code, 1)
      assert.match(toInactive.stderr, /is not an active user/)
      const unknown = await acme('user', 'delete', 'alice', '--hand-over-to', 'nobody')
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /no user "nobody" in tenant acme/)
      ok(await acme('user', 'delete', 'alice', '--hand-over-to', 'carol'))
      const gone = await acme('user', 'show', 'alice')
      assert.equal(gone.code, 1)
      assert.match(gone.stderr, /no user "alice"/)
      const [support] = jsonLines<{ owner: { userName: string } | null }>(await acme('group', 'show', 'Support', '--json'))
      assert.equal(support!.owner?.userName, 'carol')
      const events = jsonLines<{ action: string; actor: { label: string } }>(await acme('audit', '--limit', '100', '--json'))
      assert.ok(events.some((e) => e.action === 'group.owner' && /^cli:/.test(e.actor.label)))
      assert.ok(events.some((e) => e.action === 'user.delete' && /^cli:/.test(e.actor.label)))
    })

    it('refuses a bad value, and local edits in a directory-managed tenant with the admin API\'s message', async () => {
      const badValue = await acme('user', 'edit', 'carol', '--attr', 'remote=maybe')
      assert.equal(badValue.code, 1)
      assert.match(badValue.stderr, /remote is yes\/no/)

      ok(await roster(['tenant', 'create', 'synced', '--source', 'ldap']))
      const managed = await roster(['user', 'create', 'erin', '--tenant', 'synced', '--first-name', 'Erin', '--last-name', 'E', '--email', 'erin@synced.example'])
      assert.equal(managed.code, 1)
      // The same message as the admin API's: the source-of-truth rule, not the CLI's words.
      assert.match(managed.stderr, /^roster: tenant synced is managed by its directory: users and groups are changed in the directory and synced to Roster$/m)
      // Reading is never restricted.
      assert.deepEqual(jsonLines(await roster(['user', 'list', '--tenant', 'synced', '--json'])), [])
    })
  })
}

describe('roster user: usage errors', function () {
  // CLI processes that never open a store, but load the CLI (seconds apiece on a loaded machine).
  this.timeout(300_000)
  const dir = tempDir()
  const dataDir = path.join(dir, 'data')
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('exits 2 with nothing on standard output and no store created, and lists every subcommand in --help', async () => {
    const usage: string[][] = [
      ['user', 'create', 'dan', '--tenant', 'acme', '--first-name', 'Dan'],
      ['user', 'list', '--tenant', 'acme', '--status', 'gone'],
      ['user', 'list', '--tenant', 'acme', '--limit', '0'],
      ['user', 'list', '--tenant', 'acme', '--sort', 'shoeSize'],
      ['user', 'edit', 'carol', '--tenant', 'acme'],
      ['user', 'edit', 'carol', '--tenant', 'acme', '--attr', 'novalue'],
      ['user', 'show', '--tenant', 'acme'],
      ['user', 'frobnicate'],
    ]
    for (const args of usage) {
      const r = await runCli(args, { DATA_DIR: dataDir })
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '', args.join(' '))
    }
    assert.equal(fs.existsSync(dataDir), false)
    const help = ok(await runCli(['user', '--help'], { DATA_DIR: dataDir }))
    for (const sub of ['list', 'show', 'create', 'edit', 'activate', 'deactivate', 'archive', 'restore', 'delete', 'roles', 'groups']) assert.match(help.stdout, new RegExp(`^  ${sub} `, 'm'))
  })
})

/**
 * `roster group …` on both stores: the embedded PGlite database (DATA_DIR) and a PostgreSQL server
 * (DATABASE_URL). Writes go through the admin API's use cases (src/domain/administration/groups.ts);
 * these tests check the CLI's side: arguments, output, refusals and exit codes, the audit actor.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { runCli, tempDir } from '../support/process.js'
import { cliPlaces, jsonLines, ok, type Place } from '../support/cli-places.js'

const places = cliPlaces('roster group')

interface GroupJson {
  id: string
  displayName: string
  owner: { userName: string } | null
  memberCount: number
  roles: string[]
  members?: { items: Array<{ id: string; type: string; name: string }>; next: string | null }
}

for (const [name, open] of places) {
  describe(`roster group (${name})`, function () {
    // Many CLI processes, each opening the database (seconds apiece on a loaded machine).
    this.timeout(600_000)
    let place: Place
    const roster = (args: string[]) => runCli(args, place.env)
    const acme = (...args: string[]) => roster([...args, '--tenant', 'acme'])

    before(async () => {
      place = await open()
      ok(await roster(['tenant', 'create', 'acme']))
      for (const [userName, first] of [['ann', 'Ann'], ['ben', 'Ben']]) {
        ok(await acme('user', 'create', userName!, '--first-name', first!, '--last-name', 'Example', '--email', `${userName}@acme.example`))
      }
    })
    after(async () => place?.dispose())

    it('creates, lists, shows (members paged), renames, re-owns and deletes groups, audited as the CLI', async () => {
      const created = ok(await acme('group', 'create', 'Engineering', '--owner', 'ann'))
      assert.match(created.stdout, /^[0-9a-f-]{36}\n$/)
      const engineeringId = created.stdout.trim()
      ok(await acme('group', 'create', 'Operations'))

      const all = jsonLines<GroupJson>(await acme('group', 'list', '--json'))
      assert.deepEqual(all.map((g) => [g.displayName, g.owner?.userName ?? null]), [['Engineering', 'ann'], ['Operations', null]])
      const searched = ok(await acme('group', 'list', '--search', 'oper'))
      assert.deepEqual(searched.stdout.trimEnd().split('\n').map((l) => l.split(/\s+/)[0]), ['NAME', 'Operations'])
      const paged = await acme('group', 'list', '--json', '--limit', '1')
      assert.equal(jsonLines(paged).length, 1)
      assert.match(paged.stderr, /more groups: --cursor \S+/)

      ok(await acme('group', 'members', 'add', 'Engineering', '--user', 'ann', '--user', 'ben', '--group', 'Operations'))
      const [shown] = jsonLines<GroupJson>(await acme('group', 'show', 'Engineering', '--json', '--limit', '2'))
      assert.equal(shown!.id, engineeringId)
      assert.equal(shown!.memberCount, 3)
      assert.equal(shown!.members!.items.length, 2)
      assert.ok(shown!.members!.next)
      const [rest] = jsonLines<GroupJson>(await acme('group', 'show', engineeringId, '--json', '--limit', '2', '--cursor', shown!.members!.next!))
      const names = [...shown!.members!.items, ...rest!.members!.items].map((m) => `${m.type}:${m.name}`).sort()
      assert.deepEqual(names, ['Group:Operations', 'User:Ann Example', 'User:Ben Example'])
      assert.equal(rest!.members!.next, null)
      const table = ok(await acme('group', 'show', 'Engineering'))
      assert.match(table.stdout, /^owner\s+ann$/m)
      assert.match(table.stdout, /^Ben Example\s+user\s+ben@acme\.example\s+[0-9a-f-]{36}$/m)

      ok(await acme('group', 'members', 'remove', 'Engineering', '--user', 'ben', '--group', 'Operations'))
      ok(await acme('group', 'edit', 'Engineering', '--name', 'Platform', '--owner', 'ben'))
      const [renamed] = jsonLines<GroupJson>(await acme('group', 'show', 'Platform', '--json'))
      assert.deepEqual([renamed!.id, renamed!.memberCount, renamed!.owner?.userName], [engineeringId, 1, 'ben'])
      ok(await acme('group', 'edit', 'Platform', '--no-owner'))
      const [ownerless] = jsonLines<GroupJson>(await acme('group', 'show', 'Platform', '--json'))
      assert.equal(ownerless!.owner, null)

      ok(await acme('group', 'delete', 'Operations'))
      assert.deepEqual(jsonLines<GroupJson>(await acme('group', 'list', '--json')).map((g) => g.displayName), ['Platform'])

      const events = jsonLines<{ action: string; actor: { type: string; label: string } }>(await acme('audit', '--limit', '100', '--json'))
      for (const action of ['group.create', 'group.update', 'group.owner', 'group.delete']) assert.ok(events.some((e) => e.action === action), action)
      for (const e of events.filter((e) => e.action.startsWith('group.'))) assert.match(e.actor.label, /^cli:\S+$/)
    })

    it('refuses unknown and ambiguous names, and writes to an IdP-managed tenant with the admin API\'s message', async () => {
      const missing = await acme('group', 'show', 'Nope')
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /^roster: no group "Nope" in tenant acme$/m)
      // Display names need not be unique (as over SCIM): a shared one is refused as a reference.
      ok(await acme('group', 'create', 'Platform'))
      const ambiguous = await acme('group', 'show', 'Platform')
      assert.equal(ambiguous.code, 1)
      assert.match(ambiguous.stderr, /^roster: 2 groups are named "Platform" in tenant acme: name one by id \([0-9a-f-]{36}, [0-9a-f-]{36}\)$/m)

      ok(await roster(['tenant', 'create', 'synced', '--source', 'scim']))
      const managed = await roster(['group', 'create', 'Sales', '--tenant', 'synced'])
      assert.equal(managed.code, 1)
      // The admin API's message: the source-of-truth rule, not the CLI's words.
      assert.match(managed.stderr, /^roster: tenant synced is managed by its identity provider: users and groups are changed there and provisioned over SCIM$/m)
    })
  })
}

describe('roster group: usage errors', function () {
  // CLI processes that never open a store, but load the CLI (seconds apiece on a loaded machine).
  this.timeout(300_000)
  const dir = tempDir()
  const dataDir = path.join(dir, 'data')
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('exits 2 with nothing on standard output and no store created', async () => {
    const usage: string[][] = [
      ['group', 'members', 'add', 'Platform', '--tenant', 'acme'],
      ['group', 'edit', 'Platform', '--tenant', 'acme'],
      ['group', 'list', '--tenant', 'acme', '--limit', 'many'],
      ['group', 'create', '--tenant', 'acme'],
      ['group', 'members'],
      ['group', 'frobnicate'],
    ]
    for (const args of usage) {
      const r = await runCli(args, { DATA_DIR: dataDir })
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '', args.join(' '))
    }
    assert.equal(fs.existsSync(dataDir), false)
  })
})

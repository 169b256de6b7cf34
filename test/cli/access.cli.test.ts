import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { runCli, tempDir } from '../support/process.js'

describe('roster role and roster admin', function () {
  // Each test runs several CLI processes, each opening the embedded database (seconds apiece on a
  // loaded 2-core machine; issue 17 is about making that fast): a minute is too tight.
  this.timeout(180_000)
  const dir = tempDir()
  const env = { DATA_DIR: path.join(dir, 'data') }
  const roster = (args: string[]) => runCli(args, env)
  before(async () => {
    assert.equal((await roster(['tenant', 'create', 'acme'])).code, 0)
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('creates an administrator, printing only the generated password on standard output', async () => {
    const r = await roster(['admin', 'create', '--tenant', 'acme', '--username', 'root', '--email', 'root@acme.example'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^[A-Za-z0-9_-]{24}\n$/)
    assert.match(r.stderr, /shown only this once/)
    const show = await roster(['role', 'show', '--tenant', 'acme', '--user', 'root'])
    assert.match(show.stdout, /roles\s+Administrator\n/)
    assert.match(show.stdout, /permissions\s+audit\.view credentials\.manage .* users\.view\n/)
    const again = await roster(['admin', 'create', '--tenant', 'acme', '--username', 'ROOT'])
    assert.equal(again.code, 1)
    assert.match(again.stderr, /userName/)
  })

  it('refuses an administrator in a directory-managed tenant, saying where the users come from', async () => {
    assert.equal((await roster(['tenant', 'create', 'synced', '--source', 'ldap'])).code, 0)
    const r = await roster(['admin', 'create', '--tenant', 'synced', '--username', 'root'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /managed by its directory/)
  })

  it('defines custom roles, assigns them to users and groups, and shows effective roles with their source', async () => {
    const created = await roster(['role', 'create', '--tenant', 'acme', '--name', 'Helpdesk', '--permission', 'users.view', '--permission', 'users.edit'])
    assert.equal(created.code, 0, created.stderr)
    const list = await roster(['role', 'list', '--tenant', 'acme'])
    assert.match(list.stdout, /^Administrator\s+built-in\s+users\.view/m)
    assert.match(list.stdout, /^Helpdesk\s+custom\s+users\.edit users\.view$/m)
    const bad = await roster(['role', 'create', '--tenant', 'acme', '--name', 'X', '--permission', 'everything'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /unknown permission "everything"/)
    assert.equal((await roster(['role', 'assign', '--tenant', 'acme', '--role', 'helpdesk', '--user', 'root'])).code, 0)
    const show = await roster(['role', 'show', '--tenant', 'acme', '--user', 'root', '--json'])
    const access = JSON.parse(show.stdout) as { roles: Array<{ role: { name: string } }> }
    assert.deepEqual(access.roles.map((r) => r.role.name).sort(), ['Administrator', 'Helpdesk'])
    const neither = await roster(['role', 'assign', '--tenant', 'acme', '--role', 'Viewer'])
    assert.equal(neither.code, 2)
    assert.match(neither.stderr, /exactly one of --user/)
    assert.equal((await roster(['role', 'unassign', '--tenant', 'acme', '--role', 'Helpdesk', '--user', 'root'])).code, 0)
    assert.equal((await roster(['role', 'delete', '--tenant', 'acme', '--name', 'Helpdesk'])).code, 0)
    const builtIn = await roster(['role', 'delete', '--tenant', 'acme', '--name', 'Viewer'])
    assert.equal(builtIn.code, 1)
    assert.match(builtIn.stderr, /built-in role/)
  })

  it('edits a custom role (role update): rename, description, the whole permission set or --add/--remove; built-ins stay read-only', async () => {
    assert.equal((await roster(['role', 'create', '--tenant', 'acme', '--name', 'Desk', '--permission', 'users.view'])).code, 0)
    const renamed = await roster(['role', 'update', '--tenant', 'acme', '--name', 'desk', '--rename', 'Service desk', '--description', 'Second line', '--add', 'users.edit'])
    assert.equal(renamed.code, 0, renamed.stderr)
    assert.equal(renamed.stdout, 'Service desk: users.edit users.view\n')
    const json = await roster(['role', 'update', '--tenant', 'acme', '--name', 'Service desk', '--remove', 'users.view', '--json'])
    assert.equal(json.code, 0, json.stderr)
    const role = JSON.parse(json.stdout) as { name: string; description: string; permissions: string[] }
    assert.deepEqual([role.name, role.description, role.permissions], ['Service desk', 'Second line', ['users.edit']])
    const nothing = await roster(['role', 'update', '--tenant', 'acme', '--name', 'Service desk'])
    assert.equal(nothing.code, 2)
    assert.match(nothing.stderr, /nothing to change/)
    const builtIn = await roster(['role', 'update', '--tenant', 'acme', '--name', 'Viewer', '--no-permissions'])
    assert.equal(builtIn.code, 1)
    assert.match(builtIn.stderr, /built-in role and cannot be changed/)
  })
})

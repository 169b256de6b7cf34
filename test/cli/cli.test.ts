import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { runCli, tempDir } from '../support/process.js'

const TOKEN = /^rst_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/

describe('roster CLI', function () {
  // Each test runs several CLI processes, each opening the embedded database (seconds apiece on a
  // loaded 2-core machine; issue 17 is about making that fast): a minute is too tight.
  this.timeout(180_000)
  const dataDir = path.join(tempDir(), 'data')
  const env = { DATA_DIR: dataDir }

  after(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }))

  it('answers --help on every level without touching the store', async () => {
    const levels = [[], ['tenant'], ['tenant', 'create'], ['tenant', 'list'], ['token'], ['token', 'create'], ['token', 'list'], ['token', 'revoke']]
    const probe = path.join(tempDir(), 'never-created')
    const results = await Promise.all(levels.map((l) => runCli([...l, '--help'], { DATA_DIR: probe })))
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `roster ${levels[i]!.join(' ')} --help`)
      assert.match(r.stdout, new RegExp(`^Usage: roster${levels[i]!.length ? ` ${levels[i]!.join(' ')}` : ''} `, 'm'))
    })
    assert.equal(fs.existsSync(probe), false)
  })

  it('prints usage and exits non-zero on bad arguments, without touching the store', async () => {
    const probe = path.join(tempDir(), 'never-created')
    const bad = [
      ['tenant', 'create'],
      ['tenant', 'create', 'Not_A_Slug'],
      ['tenant', 'create', 'ok', '--source', 'okta'],
      ['token', 'create', '--tenant', 'acme'],
      ['token', 'create', '--name', 'x'],
      ['token', 'revoke', '--tenant', 'acme'],
      ['tenant', 'destroy', 'acme'],
      ['tenant', 'list', '--bogus'],
    ]
    const results = await Promise.all(bad.map((args) => runCli(args, { DATA_DIR: probe })))
    results.forEach((r, i) => {
      assert.notEqual(r.code, 0, `roster ${bad[i]!.join(' ')} should fail`)
      assert.match(r.stderr, /error: /, `roster ${bad[i]!.join(' ')} says what is wrong`)
      assert.match(r.stderr + r.stdout, /Usage: roster/, `roster ${bad[i]!.join(' ')} prints usage`)
    })
    assert.equal(fs.existsSync(probe), false)
  })

  it('creates and lists tenants', async () => {
    const created = await runCli(['tenant', 'create', 'acme', '--name', 'Acme Corp', '--source', 'scim'], env)
    assert.equal(created.code, 0, created.stderr)
    assert.equal(created.stdout, 'acme\n')
    const dup = await runCli(['tenant', 'create', 'acme'], env)
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /already exists/)
    const list = await runCli(['tenant', 'list'], env)
    assert.match(list.stdout, /^SLUG\s+NAME\s+SOURCE\s+CREATED\s+ID$/m)
    assert.match(list.stdout, /^acme\s+Acme Corp\s+scim\s/m)
    const json = await runCli(['tenant', 'list', '--json'], env)
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>)
    assert.deepEqual(rows.map((r) => [r.slug, r.name, r.source]), [['acme', 'Acme Corp', 'scim']])
  })

  it('creates a token, printed once and alone on standard output, and lists it without the secret', async () => {
    const created = await runCli(['token', 'create', '--tenant', 'acme', '--name', 'Okta prod'], env)
    assert.equal(created.code, 0, created.stderr)
    const lines = created.stdout.split('\n').filter(Boolean)
    assert.equal(lines.length, 1)
    assert.match(lines[0]!, TOKEN)
    assert.match(created.stderr, /cannot be shown again/)
    const list = await runCli(['token', 'list', '--tenant', 'acme'], env)
    assert.equal(list.code, 0)
    assert.match(list.stdout, /^NAME\s+CREATED\s+LAST USED$/m)
    assert.match(list.stdout, /^Okta prod\s+\S+\s+-$/m)
    assert.ok(!list.stdout.includes(lines[0]!.slice(22)), 'the secret is never listed')
    assert.ok(!list.stdout.includes('rst_'))
  })

  it('revokes a token by name', async () => {
    const revoked = await runCli(['token', 'revoke', '--tenant', 'acme', '--name', 'okta PROD'], env)
    assert.equal(revoked.code, 0, revoked.stderr)
    const again = await runCli(['token', 'revoke', '--tenant', 'acme', '--name', 'Okta prod'], env)
    assert.equal(again.code, 1)
    assert.match(again.stderr, /no live token named/)
    const list = await runCli(['token', 'list', '--tenant', 'acme', '--all'], env)
    assert.match(list.stdout, /^Okta prod\s+\S+\s+-\s+\d{4}-\d\d-\d\dT/m)
  })

  it('names an unknown tenant', async () => {
    const r = await runCli(['token', 'list', '--tenant', 'nope'], env)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no tenant with slug "nope"/)
  })

  it('names the variable when the configuration is invalid', async () => {
    const r = await runCli(['tenant', 'list'], { ...env, DATABASE_URL: 'mysql://x' })
    assert.equal(r.code, 2)
    assert.match(r.stderr, /DATABASE_URL/)
  })

  it('says plainly who holds the embedded store when it is in use, and takes over a stale lock', async () => {
    const lock = path.join(dataDir, 'roster.lock')
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, role: 'server', command: 'roster server', started: '2026-01-01T00:00:00.000Z', url: 'http://localhost:3000' }))
    try {
      const busy = await runCli(['tenant', 'list'], env)
      assert.equal(busy.code, 1)
      assert.match(busy.stderr, new RegExp(`in use by a running Roster server \\(pid ${process.pid}, http://localhost:3000`))
      assert.match(busy.stderr, /Stop the server/)
      assert.match(busy.stderr, /DATABASE_URL/)
    } finally {
      fs.rmSync(lock, { force: true })
    }
    // A lock left by a process that no longer exists is stale.
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, role: 'cli', command: 'roster x', started: '2026-01-01T00:00:00.000Z' }))
    const ok = await runCli(['tenant', 'list'], env)
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(fs.existsSync(lock), false, 'the lock is released after the command')
  })
})

describe('npx roster in the checkout', () => {
  it('runs the package\'s own bin', async () => {
    const { spawnSync } = await import('node:child_process')
    const { ROOT } = await import('../support/process.js')
    const r = spawnSync('npx', ['--no-install', 'roster', 'token', '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DATA_DIR: tempDir() } })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /^Usage: roster token /m)
  })
})

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { runCli, tempDir } from '../support/process.js'

describe('roster says which store it uses, and read-only commands create none', function () {
  // Runs the full CLI (no server): seconds per process on a loaded machine.
  this.timeout(180_000)
  const cwd = tempDir('roster-cwd-')
  after(() => fs.rmSync(cwd, { recursive: true, force: true }))

  it('refuses a read-only command where there is no data, saying where it looked, and creates nothing', async () => {
    for (const args of [['tenant', 'list'], ['audit', '--tenant', 'acme'], ['token', 'list', '--tenant', 'acme'], ['backup', '--out', 'x.backup']]) {
      const r = await runCli(args, {}, cwd)
      assert.equal(r.code, 2, `roster ${args.join(' ')}: ${r.stderr}`)
      assert.ok(r.stderr.includes(`no Roster data in ${path.join(fs.realpathSync(cwd), 'data')}`) || r.stderr.includes(`no Roster data in ${path.join(cwd, 'data')}`), r.stderr)
      assert.match(r.stderr, /DATA_DIR/)
      assert.equal(r.stdout, '')
    }
    assert.deepEqual(fs.readdirSync(cwd), [], 'nothing was created')
  })

  it('names the store a writing command uses (here the default ./data), then reads from it', async () => {
    const created = await runCli(['tenant', 'create', 'acme'], {}, cwd)
    assert.equal(created.code, 0, created.stderr)
    const dataDir = path.join(fs.realpathSync(cwd), 'data')
    assert.match(created.stderr, /^roster: using the embedded store in (.*)\n/)
    assert.equal(fs.realpathSync(/^roster: using the embedded store in (.*)\n/.exec(created.stderr)![1]!), dataDir)
    const list = await runCli(['tenant', 'list'], {}, cwd)
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /^acme\s/m)
  })
})

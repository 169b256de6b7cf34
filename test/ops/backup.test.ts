/**
 * Backups and restores (issue 16, item 3). The embedded store: `store.backup` while the app serves
 * writes, `roster backup` / `roster restore` as processes, and what restore refuses. The server:
 * pg_dump and pg_restore as docs/backup-and-upgrade.md gives them. Each round trip is checked over
 * HTTP: SCIM token, personal token, password, audit log (verifySeeded).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import request from 'supertest'
import { loadConfig } from '../../src/config.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import { openStore, type OpenedStore } from '../../src/store/open.js'
import { latestSchemaVersion } from '../../src/store/backup.js'
import { seedApp, seedTenant, verifySeeded, type Seeded } from '../fixtures/upgrade/seed.js'
import { runCli, startServer, tempDir } from '../support/process.js'
import { freshServerDatabase, silentLog } from '../support/stores.js'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'

/** The server's client binaries from TEST_PG_BIN (test/run.mjs); under CI their absence fails. */
function pgBin(tool: string): string | null {
  const dir = process.env.TEST_PG_BIN
  if (dir && fs.existsSync(path.join(dir, tool))) return path.join(dir, tool)
  if (process.env.CI === 'true') throw new Error(`TEST_PG_BIN does not name a directory with ${tool}: the PostgreSQL half of this test needs it under CI`)
  return null
}
const openEmbedded = (dataDir: string) => openStore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), silentLog, { role: 'server', command: 'backup test' })

describe('backup and restore', function () {
  // Several stores opened, copied and restored, and CLI processes that each open one: minutes on a loaded machine.
  this.timeout(300_000)

  describe('embedded store (PGlite)', () => {
    const dir = tempDir('roster-backup-')
    const dataDir = path.join(dir, 'data')
    let opened: OpenedStore
    let seeded: Seeded
    before(async () => {
      opened = await openEmbedded(dataDir)
      seeded = await seedTenant(opened.store)
    })
    after(async () => {
      await opened.store.close().catch(() => undefined)
      fs.rmSync(dir, { recursive: true, force: true })
    })

    it('backs up while the app serves SCIM writes; the restored copy has every acknowledged write and the tokens still work', async () => {
      // Writes to a second tenant go on during the backup; the seeded tenant stays exactly as seeded.
      const load = await createTenant(opened.store, { type: 'system', id: null, label: 'test' }, { slug: 'load', source: 'scim' })
      const loadToken = (await issueToken(opened.store, load, 'load', { type: 'system', id: null, label: 'test' })).secret
      const app = seedApp(opened.store)
      const acked: string[] = []
      let writing = true
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const userName = `load-${i}`
          const res = await request(app).post('/scim/v2/Users').set('Authorization', `Bearer ${loadToken}`).set('Content-Type', 'application/scim+json').send(JSON.stringify({ schemas: [USER], userName }))
          assert.equal(res.status, 201, res.text)
          acked.push(userName)
        }
      })()
      const deadline = Date.now() + 60_000
      while (acked.length < 3 && Date.now() < deadline) await new Promise((r) => setImmediate(r))
      assert.ok(acked.length >= 3, 'the writer never got going')
      const ackedBefore = [...acked]
      const file = path.join(dir, 'running.roster-backup')
      const summary = await opened.store.backup!(file)
      writing = false
      await writer
      assert.equal(summary.schemaVersion, latestSchemaVersion)
      assert.equal(summary.includesEncryptionKey, fs.existsSync(path.join(dataDir, 'encryption.key')))

      const restoredDir = path.join(dir, 'restored-running')
      const r = await runCli(['restore', file], { DATA_DIR: restoredDir })
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, `${restoredDir}\n`)
      const restored = await openEmbedded(restoredDir)
      try {
        const restoredApp = seedApp(restored.store)
        await verifySeeded(restoredApp, seeded)
        const list = await request(restoredApp).get('/scim/v2/Users?count=1000').set('Authorization', `Bearer ${loadToken}`)
        assert.equal(list.status, 200, list.text)
        const names = new Set((list.body as { Resources: Array<{ userName: string }> }).Resources.map((u) => u.userName))
        for (const u of ackedBefore) assert.ok(names.has(u), `${u} was acknowledged before the backup began but is not in it`)
        // Nothing half-written: every user in the copy is one the writer sent, and at most all of them.
        for (const u of names) assert.match(u, /^load-\d+$/)
        assert.ok(names.size <= acked.length)
      } finally {
        await restored.store.close()
      }
    })

    it('roster backup through a running server (a relative --out is the caller\'s); restore refused until it stops, then replaces a data directory', async () => {
      await opened.store.close()
      const cwd = tempDir('roster-backup-cwd-')
      const server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, { waitMs: 120_000 })
      try {
        const b = await runCli(['backup', '--out', 'nightly.roster-backup'], { DATA_DIR: dataDir }, cwd)
        assert.equal(b.code, 0, b.stderr)
        assert.match(b.stderr, /through the running server/, 'the backup was not taken by the running server')
        const file = path.join(cwd, 'nightly.roster-backup')
        assert.equal(b.stdout, `${file}\n`)
        assert.match(b.stderr, /Backup written: .* schema version \d+/)
        assert.equal(fs.statSync(file).mode & 0o077, 0, 'the backup may hold the encryption key: only its owner reads it')

        const refused = await runCli(['restore', 'nightly.roster-backup'], { DATA_DIR: dataDir }, cwd)
        assert.equal(refused.code, 1, refused.stderr)
        assert.match(refused.stderr, /server is running on .*: stop it/)
        assert.equal(await server.stop(), 0)

        // Over an existing data directory with other data: afterwards only the backup's is there.
        const target = path.join(dir, 'target')
        const other = await openEmbedded(target)
        await seedTenant(other.store, 'other')
        await other.store.close()
        const keyFile = (d: string) => path.join(d, 'encryption.key')
        const keyBefore = fs.existsSync(keyFile(target)) ? fs.readFileSync(keyFile(target)) : null
        const r = await runCli(['restore', 'nightly.roster-backup'], { DATA_DIR: target }, cwd)
        assert.equal(r.code, 0, r.stderr)
        assert.deepEqual(fs.readdirSync(target).filter((f) => f.startsWith('pgdata')), ['pgdata'])
        // The key that sealed the backup's secrets comes with it; the one that was there is kept aside.
        if (fs.existsSync(keyFile(dataDir))) assert.deepEqual(fs.readFileSync(keyFile(target)), fs.readFileSync(keyFile(dataDir)))
        const replaced = fs.readdirSync(target).filter((f) => f.startsWith('encryption.key.replaced-'))
        if (keyBefore && !keyBefore.equals(fs.readFileSync(keyFile(target)))) assert.deepEqual(fs.readFileSync(path.join(target, replaced[0]!)), keyBefore)
        else assert.deepEqual(replaced, [])
        const restored = await openEmbedded(target)
        try {
          await verifySeeded(seedApp(restored.store), seeded)
          const gone = await request(seedApp(restored.store)).get('/login/other')
          assert.equal(gone.status, 404)
        } finally {
          await restored.store.close()
        }
      } finally {
        await server.stop()
        fs.rmSync(cwd, { recursive: true, force: true })
      }
    })

    it('refuses a file that is not a Roster backup and one of a newer schema, leaving DATA_DIR untouched', async () => {
      const target = path.join(dir, 'refusals')
      const notBackup = path.join(dir, 'notes.txt')
      fs.writeFileSync(notBackup, 'not a backup\n')
      const r1 = await runCli(['restore', notBackup], { DATA_DIR: target })
      assert.equal(r1.code, 1)
      assert.match(r1.stderr, /is not a Roster backup/)

      // A well-formed backup from the future: a manifest with a schema version this code does not know.
      const future = path.join(dir, 'future')
      fs.mkdirSync(future)
      fs.writeFileSync(path.join(future, 'pgdata.tar'), '')
      const manifest = { format: 'roster-backup', formatVersion: 1, store: 'pglite', schemaVersion: latestSchemaVersion + 1, created: new Date().toISOString(), pgdataSha256: '', encryptionKey: false }
      fs.writeFileSync(path.join(future, 'roster-backup.json'), JSON.stringify(manifest))
      const futureFile = path.join(dir, 'future.roster-backup')
      execFileSync('tar', ['-czf', futureFile, '-C', future, 'roster-backup.json', 'pgdata.tar'])
      const r2 = await runCli(['restore', futureFile], { DATA_DIR: target })
      assert.equal(r2.code, 1)
      assert.match(r2.stderr, new RegExp(`schema version ${latestSchemaVersion + 1}, newer than this Roster knows`))
      assert.equal(fs.existsSync(path.join(target, 'pgdata')), false)
    })
  })

  describe('PostgreSQL server (pg_dump / pg_restore)', () => {
    it('roster backup gives the pg_dump command; pg_dump -Fc and pg_restore --clean --if-exists into a new database keep everything', async function () {
      const pgDump = pgBin('pg_dump')
      const pgRestore = pgBin('pg_restore')
      if (!pgDump || !pgRestore || !process.env.TEST_DATABASE_URL) {
        if (process.env.CI === 'true') throw new Error('TEST_DATABASE_URL and TEST_PG_BIN are required under CI')
        this.skip()
      }
      const source = await freshServerDatabase()
      const target = await freshServerDatabase()
      const dir = tempDir('roster-pgdump-')
      try {
        const opened = await openStore(loadConfig({ DATABASE_URL: source.url, LOG_LEVEL: 'silent' }), silentLog, { role: 'server', command: 'backup test' })
        let seeded: Seeded
        try {
          seeded = await seedTenant(opened.store)
        } finally {
          await opened.store.close()
        }
        const advice = await runCli(['backup', '--out', 'roster.dump'], { DATABASE_URL: source.url }, dir)
        assert.equal(advice.code, 1)
        assert.match(advice.stderr, /pg_dump --format=custom --file=".*roster\.dump" "\$DATABASE_URL"/)
        assert.match(advice.stderr, /pg_restore --clean --if-exists/)

        // The commands of docs/backup-and-upgrade.md, as an operator would type them.
        const file = path.join(dir, 'roster.dump')
        execFileSync(pgDump, ['--format=custom', `--file=${file}`, source.url], { stdio: ['ignore', 'ignore', 'pipe'] })
        execFileSync(pgRestore, ['--clean', '--if-exists', '--no-owner', '--exit-on-error', `--dbname=${target.url}`, file], { stdio: ['ignore', 'ignore', 'pipe'] })
        const restored = await openStore(loadConfig({ DATABASE_URL: target.url, LOG_LEVEL: 'silent' }), silentLog, { role: 'server', command: 'backup test' })
        try {
          await verifySeeded(seedApp(restored.store), seeded)
        } finally {
          await restored.store.close()
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
        await source.drop()
        await target.drop()
      }
    })
  })
})

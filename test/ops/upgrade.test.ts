/**
 * Upgrades (issue 16, item 4): a database made by an earlier release's code (the fixtures in
 * test/fixtures/upgrade/, made by seed.ts at the commit its README names, schema version 16) is
 * opened by the current code as the service opens it: migrations apply, and everything reads back,
 * the SCIM token, the personal token and the password included.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/store/open.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { seedApp, verifySeeded, type Seeded } from '../fixtures/upgrade/seed.js'
import { ROOT, tempDir } from '../support/process.js'
import { freshServerDatabase, silentLog } from '../support/stores.js'

const FIXTURES = path.join(ROOT, 'test/fixtures/upgrade')
const seeded = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'seeded.json'), 'utf8')) as { pglite: Seeded; postgres: Seeded }
const OLD_VERSION = 16
const allVersions = migrations.map((m) => m.version).sort((a, b) => a - b)

async function versionsIn(query: (sql: string) => Promise<Array<{ version: number }>>): Promise<number[]> {
  return (await query('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version))
}

/** The server's client binaries (psql, pg_dump, pg_restore); under CI their absence fails. */
function pgBin(tool: string): string | null {
  const dir = process.env.TEST_PG_BIN
  if (dir && fs.existsSync(path.join(dir, tool))) return path.join(dir, tool)
  if (process.env.CI === 'true') throw new Error(`TEST_PG_BIN does not name a directory with ${tool}: the PostgreSQL half of this test needs it under CI`)
  return null
}

describe('upgrade from an earlier release', function () {
  // Opening, migrating and checking a database: seconds apiece on a loaded machine.
  this.timeout(240_000)

  it('PGlite: a data directory of the earlier release is migrated on start and reads back, tokens and password included', async () => {
    const dataDir = tempDir('roster-upgrade-')
    try {
      const tarball = fs.readFileSync(path.join(FIXTURES, 'pglite-datadir.tar.gz'))
      const old = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata'), loadDataDir: new Blob([new Uint8Array(tarball)]) })
      assert.deepEqual(await versionsIn(async (q) => (await old.query<{ version: number }>(q)).rows), allVersions.filter((v) => v <= OLD_VERSION))
      await old.close()

      const opened = await openStore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), silentLog, { role: 'server', command: 'upgrade test' })
      try {
        await verifySeeded(seedApp(opened.store), seeded.pglite)
      } finally {
        await opened.store.close()
      }
      const after = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata') })
      assert.deepEqual(await versionsIn(async (q) => (await after.query<{ version: number }>(q)).rows), allVersions)
      await after.close()
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('PostgreSQL server: a pg_dump of the earlier release, loaded into a new database, is migrated on start and reads back', async function () {
    const psql = pgBin('psql')
    if (!psql || !process.env.TEST_DATABASE_URL) {
      if (process.env.CI === 'true') throw new Error('TEST_DATABASE_URL and TEST_PG_BIN are required under CI')
      this.skip()
    }
    const fresh = await freshServerDatabase()
    try {
      execFileSync(psql, ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--dbname', fresh.url, '--file', path.join(FIXTURES, 'postgres.sql')], { stdio: ['ignore', 'ignore', 'pipe'] })
      const client = new pg.Client({ connectionString: fresh.url })
      await client.connect()
      try {
        const query = async (q: string) => (await client.query<{ version: number }>(q)).rows
        assert.deepEqual(await versionsIn(query), allVersions.filter((v) => v <= OLD_VERSION))
        const opened = await openStore(loadConfig({ DATABASE_URL: fresh.url, LOG_LEVEL: 'silent' }), silentLog, { role: 'server', command: 'upgrade test' })
        try {
          assert.deepEqual(await versionsIn(query), allVersions)
          await verifySeeded(seedApp(opened.store), seeded.postgres)
        } finally {
          await opened.store.close()
        }
      } finally {
        await client.end()
      }
    } finally {
      await fresh.drop()
    }
  })
})

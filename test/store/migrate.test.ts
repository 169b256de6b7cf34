import assert from 'node:assert/strict'
import { backends, postgresBackend, silentLog, freshServerDatabase } from '../support/stores.js'
import { migrate, MigrationError } from '../../src/store/postgres/migrate.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { openPg } from '../../src/store/postgres/pg-database.js'

for (const backend of backends()) {
  describe(`migrations on ${backend.name}`, () => {
    it('apply once and are idempotent', async () => {
      const t = await backend.open({ migrate: false })
      try {
        assert.deepEqual(await migrate(t.db), migrations.map((m) => m.version))
        assert.deepEqual(await migrate(t.db), [])
        const rows = await t.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
        assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version))
      } finally {
        await t.dispose()
      }
    })

    it('refuse a database migrated by a newer release', async () => {
      const t = await backend.open()
      try {
        await t.db.query(`INSERT INTO schema_migrations (version, name) VALUES (9999, 'from the future')`)
        await assert.rejects(migrate(t.db), (e: unknown) => e instanceof MigrationError && /newer release/.test(e.message))
      } finally {
        await t.dispose()
      }
    })

    it('roll a failing migration back entirely', async () => {
      const t = await backend.open()
      try {
        const broken = { version: 9998, name: 'broken', statements: ['CREATE TABLE half_done (id int)', 'SELECT * FROM no_such_table'] }
        await assert.rejects(migrate(t.db, [...migrations, broken]))
        const rows = await t.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`)
        assert.equal(rows.length, 0)
        assert.equal((await t.db.query('SELECT 1 FROM schema_migrations WHERE version = 9998')).length, 0)
      } finally {
        await t.dispose()
      }
    })
  })
}

if (backends().includes(postgresBackend)) describe('migrations on a PostgreSQL server, several processes at once', () => {
  it('apply each version exactly once when four pools start together', async () => {
    const fresh = await freshServerDatabase()
    const dbs = Array.from({ length: 4 }, () => openPg({ connectionString: fresh.url, max: 2, connectTimeoutMs: 5000, log: silentLog }))
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db)))
      assert.deepEqual(results.flat().sort(), migrations.map((m) => m.version).sort())
      const rows = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')
      assert.equal(rows[0]!.n, migrations.length)
    } finally {
      await Promise.all(dbs.map((db) => db.close()))
      await fresh.drop()
    }
  })
})

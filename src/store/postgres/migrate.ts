import type { Database, Sql } from './sql.js'
import { migrations as allMigrations } from './migrations/index.js'
import { type Migration, type MigrationContext, type MigrationLog } from './migrations/migration.js'

// An arbitrary but fixed key: every Roster process contends for the same advisory lock.
const MIGRATION_LOCK_KEY = 7_366_277_001

export class MigrationError extends Error {}

// Without the service's logger (tools, tests) warnings still reach the operator, as JSON on stderr.
const stderrLog: MigrationLog = { warn: (fields, message) => console.warn(JSON.stringify({ level: 'warn', msg: message, ...fields })) }

/**
 * Brings the schema up to date. Idempotent, and safe when several processes start at once against
 * one server: they queue on a session-level advisory lock, and each migration commits with its
 * bookkeeping row in one transaction. `log` hears what a migration reports (service logger).
 */
export async function migrate(db: Database, migrations: readonly Migration[] = allMigrations, log: MigrationLog = stderrLog): Promise<number[]> {
  return db.withConnection(async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    try {
      await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied timestamptz NOT NULL DEFAULT now()
      )`)
      const rows = await conn.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')
      const known = new Map(migrations.map((m) => [m.version, m]))
      for (const row of rows) {
        const m = known.get(row.version)
        if (!m) {
          throw new MigrationError(
            `the database has schema version ${row.version}, which this Roster does not know: it was migrated by a newer release. Upgrade Roster, or point it at another database.`,
          )
        }
        if (m.name !== row.name) {
          throw new MigrationError(`schema version ${row.version} was applied as "${row.name}" but this release calls it "${m.name}"; refusing to continue`)
        }
      }
      const done = new Set(rows.map((r) => r.version))
      const applied: number[] = []
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue
        await applyOne(conn, m, { log })
        applied.push(m.version)
      }
      return applied
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  })
}

async function applyOne(conn: Sql, m: Migration, context: MigrationContext): Promise<void> {
  await conn.query('BEGIN')
  try {
    for (const step of m.statements) {
      if (typeof step === 'string') await conn.query(step)
      else await step(conn, context)
    }
    await conn.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
    await conn.query('COMMIT')
  } catch (err) {
    await conn.query('ROLLBACK')
    throw err
  }
}

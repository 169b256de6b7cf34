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
      const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version))
      if (!pending.length) return []
      const started = performance.now()
      const latest = Math.max(...migrations.map((m) => m.version))
      log.info?.({ migrations: pending.map((m) => m.version) }, `applying ${describeRange(pending)} of ${latest}`)
      for (const m of pending) {
        if (m.rewrites?.length) await applyRewrite(conn, m, log)
        else await applyOne(conn, m, { log, progress: () => undefined })
      }
      log.info?.({ ms: Math.round(performance.now() - started) }, `schema is at version ${latest}`)
      return pending.map((m) => m.version)
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
    }
  })
}

/** "migrations 17–18", "migration 19", "migrations 3, 5–6". */
export function describeRange(pending: readonly Migration[]): string {
  const runs: Array<[number, number]> = []
  for (const { version } of pending) {
    const last = runs[runs.length - 1]
    if (last && version === last[1] + 1) last[1] = version
    else runs.push([version, version])
  }
  const text = runs.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ')
  return pending.length === 1 ? `migration ${text}` : `migrations ${text}`
}

// How often a batched step's row count is logged: often enough to show it moves, rarely enough to read.
const PROGRESS_EVERY_MS = 2000

/**
 * A migration that rewrites or reads whole tables: the operator hears which and how many rows
 * before it starts (the time grows with them, and Roster serves only after it), then how far it is
 * after every statement, and from batched steps every few seconds.
 */
async function applyRewrite(conn: Sql, m: Migration, log: MigrationLog): Promise<void> {
  const sizes: Record<string, number> = {}
  for (const table of m.rewrites ?? []) {
    const [exists] = await conn.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [table])
    if (exists?.found) sizes[table] = Number((await conn.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`))[0]?.n ?? 0)
  }
  const total = Object.values(sizes).reduce((a, b) => a + b, 0)
  // Empty tables (a new database) take no time: nothing to say.
  if (total === 0) return applyOne(conn, m, { log, progress: () => undefined })
  const label = `migration ${m.version} (${m.name})`
  const tables = Object.entries(sizes).map(([t, n]) => `${t} (${n.toLocaleString('en-US')} row${n === 1 ? '' : 's'})`)
  log.info?.({ migration: m.version, rows: sizes }, `${label} rewrites ${tables.join(', ')}: its time grows with these tables; progress follows`)
  const started = performance.now()
  let lastReport = started
  const progress = (rowsDone: number) => {
    const now = performance.now()
    if (now - lastReport < PROGRESS_EVERY_MS) return
    lastReport = now
    log.info?.({ migration: m.version, rowsDone, rowsTotal: total }, `${label}: ${rowsDone.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`)
  }
  await applyOne(conn, m, { log, progress }, (step, steps) =>
    log.info?.({ migration: m.version, step, steps, ms: Math.round(performance.now() - started) }, `${label}: step ${step} of ${steps} done`),
  )
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

async function applyOne(conn: Sql, m: Migration, context: MigrationContext, afterStep?: (step: number, steps: number) => void): Promise<void> {
  await conn.query('BEGIN')
  try {
    for (const [i, step] of m.statements.entries()) {
      if (typeof step === 'string') await conn.query(step)
      else await step(conn, context)
      afterStep?.(i + 1, m.statements.length)
    }
    await conn.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
    await conn.query('COMMIT')
  } catch (err) {
    await conn.query('ROLLBACK')
    throw err
  }
}

import path from 'node:path'
import type { Logger } from '../log.js'
import type { Store } from '../domain/store.js'
import { lockDataDir, type LockHolder } from './datadir-lock.js'
import { openPglite } from './postgres/pglite-database.js'
import { createEmbeddedDatabase, isDatabaseDir } from './postgres/pglite-template.js'
import { writeBackup } from './backup.js'
import { openPg } from './postgres/pg-database.js'
import type { Database } from './postgres/sql.js'
import { migrate } from './postgres/migrate.js'
import { postgresStore } from './postgres/store.js'
import { StoreUnavailableError } from '../domain/kernel/errors.js'
import type { DatabaseMetrics } from '../domain/kernel/metrics.js'

export class StoreOpenError extends Error {}

export interface OpenedStore {
  store: Store
  /** Human description for start-up logs: where the data lives. */
  location: string
  /** Updates what the DATA_DIR lock says about this process (the server adds its URL once listening). */
  describe(holder: Partial<LockHolder>): void
}

/** Where the store lives and how it may use the database (src/config.ts reads them from the environment). */
export interface StoreOptions {
  /** A PostgreSQL server; without it, the embedded PGlite database in `dataDir`. */
  databaseUrl?: string | null
  dataDir: string
  databasePoolMax: number
  databaseConnectTimeoutMs: number
  databaseStatementTimeoutMs?: number
  databaseAcquireTimeoutMs?: number
  databaseTenantConcurrency?: number | undefined
  /** Where statement times, pool state and database errors are reported (METRICS_PORT). */
  metrics?: DatabaseMetrics
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(
  config: StoreOptions,
  log: Logger,
  holder: Omit<LockHolder, 'pid' | 'started'>,
): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const db = openPg({
      connectionString: config.databaseUrl,
      max: config.databasePoolMax,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      acquireTimeoutMs: config.databaseAcquireTimeoutMs,
      tenantConcurrency: config.databaseTenantConcurrency,
      log,
      metrics: config.metrics,
    })
    const store = postgresStore(db)
    try {
      await store.ping(config.databaseConnectTimeoutMs + 1000)
      await migrate(db, undefined, log)
    } catch (err) {
      await db.close().catch(() => undefined)
      throw new StoreOpenError(`DATABASE_URL (${redact(config.databaseUrl)}): ${describePgError(err)}`)
    }
    await warnAboutCaseFolding(db, log)
    return { store, location: `PostgreSQL ${redact(config.databaseUrl)}`, describe: () => undefined }
  }

  const lock = lockDataDir(config.dataDir, holder)
  try {
    // Start-up says what it does: a first start takes seconds, and silence looks like a hang.
    const pgdata = path.join(config.dataDir, 'pgdata')
    const where = displayPath(config.dataDir)
    if (isDatabaseDir(pgdata)) log.info({ dataDir: config.dataDir }, `opening the embedded database in ${where}`)
    else log.info({ dataDir: config.dataDir }, `creating the embedded database in ${where}`)
    await createEmbeddedDatabase(pgdata, log)
    const db = await openPglite(pgdata, { acquireTimeoutMs: config.databaseAcquireTimeoutMs, metrics: config.metrics })
    await migrate(db, undefined, log)
    // The embedded store can copy itself (roster backup), also while it serves requests.
    const store = Object.assign(postgresStore(db, async () => lock.release()), { backup: (file: string) => writeBackup(db.snapshot, config.dataDir, file) })
    return { store, location: `embedded PostgreSQL (PGlite) in ${config.dataDir}`, describe: lock.update }
  } catch (err) {
    lock.release()
    throw new StoreOpenError(`DATA_DIR ${config.dataDir}: cannot open the embedded database: ${(err as Error).message}`)
  }
}

/** DATA_DIR as the operator would type it: relative when under the working directory. */
function displayPath(dir: string): string {
  const rel = path.relative(process.cwd(), dir)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `./${rel}` : dir
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable URL)'
  }
}

function describePgError(err: unknown): string {
  const e = (err instanceof StoreUnavailableError && err.cause ? err.cause : err) as { code?: string; message?: string }
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused: no PostgreSQL server is listening there (${e.message})`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name not found (${e.message})`
    case '28P01':
      return 'password authentication failed: check the user name and password'
    case '28000':
      return `the server refused the login: ${e.message}`
    case '3D000':
      return `${e.message}: create the database first`
    default:
      return e.message ?? String(err)
  }
}

/**
 * Case-insensitive SCIM filters (other than userName eq, which compares keys computed in
 * JavaScript) rely on the database's lower(). A database created with the plain C locale folds
 * only ASCII, so `title eq "Ä"` would not find "ä".
 */
async function warnAboutCaseFolding(db: { query: Database['query'] }, log: Logger): Promise<void> {
  const rows = await db.query<{ folds: boolean; collation: string }>(
    `SELECT lower('ÄÖÜ') = 'äöü' AS folds, (SELECT datctype FROM pg_database WHERE datname = current_database()) AS collation`,
  )
  if (rows[0] && !rows[0].folds) {
    log.warn(
      { ctype: rows[0].collation },
      'the database does not fold non-ASCII case (LC_CTYPE is C?): case-insensitive SCIM filters treat "Ä" and "ä" as different. Create the database with a UTF-8 locale, e.g. C.UTF-8.',
    )
  }
}

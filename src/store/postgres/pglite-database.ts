import { performance } from 'node:perf_hooks'
import { PGlite } from '@electric-sql/pglite'
import { noMetrics, type DatabaseMetrics } from '../../domain/kernel/metrics.js'
import type { Database, Sql } from './sql.js'
import { checkParams, translateError } from './sql.js'
import { TenantAdmission } from './tenant-admission.js'
import { pgliteNoticeFeed } from './notice-feed.js'

export interface PgliteOptions {
  /** How long work waits for its turn before StoreUnavailableError; 0: forever. */
  acquireTimeoutMs?: number
  /** Statement times and the turn queue (PGlite has no pool: one connection, in use or idle). */
  metrics?: DatabaseMetrics
}

/** A copy of the data directory (PGlite's tar of PGDATA) and the schema version it holds. */
export interface DataDirSnapshot {
  tar: Uint8Array
  schemaVersion: number
}

export interface PgliteDatabase extends Database {
  /**
   * Copies the data directory between two turns at the gate: no transaction is open then and no
   * statement runs, so the copy is a committed state (what `roster backup` writes).
   */
  snapshot(): Promise<DataDirSnapshot>
}

/**
 * Embedded PostgreSQL (PGlite, WASM) in a directory. One instance serves one process; `transaction`
 * holds the instance for its whole callback.
 *
 * Every statement and every transaction takes its turn at a fair gate (one at a time, round-robin
 * across tenants, each turn granted after pending I/O): PGlite runs a statement synchronously, so a
 * tenant running statement after statement (a 999-operation Bulk) would otherwise keep the event
 * loop from even reading another tenant's request until it was done.
 */
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const db = await PGlite.create(dataDir)
  const metrics = options.metrics ?? noMetrics.database
  const admission = new TenantAdmission({ capacity: 1, yieldToIo: true, waitTimeoutMs: options.acquireTimeoutMs ?? 0, onWaitTimeout: () => metrics.error('acquire_timeout') })
  metrics.pool(() => {
    const { active, waiting } = admission.snapshot()
    const inUse = Object.values(active).reduce((a, b) => a + b, 0)
    return { store: 'pglite', max: 1, inUse, idle: 1 - inUse, waiting: Object.values(waiting).reduce((a, b) => a + b, 0) }
  })
  // One process holds the data directory, but notices take the same path as on a server.
  const notices = pgliteNoticeFeed(db)
  const run = async <R>(q: Pick<PGlite, 'query'>, text: string, params?: unknown[]): Promise<R[]> => {
    checkParams(params)
    const started = performance.now()
    let failed = false
    try {
      return (await q.query<R>(text, params as unknown[])).rows
    } catch (err) {
      failed = true
      throw translateError(err)
    } finally {
      metrics.statement((performance.now() - started) / 1000, failed)
    }
  }
  return {
    kind: 'pglite',
    query: (text, params) => admission.run(() => run(db, text, params)),
    transaction: (fn) =>
      admission.run(async () => {
        try {
          return await db.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) } satisfies Sql))
        } catch (err) {
          throw translateError(err)
        }
      }),
    // A single embedded connection: every statement already runs on "the" connection.
    withConnection: (fn) => admission.run(() => fn({ query: (text, params) => run(db, text, params) })),
    notices,
    snapshot: () =>
      admission.run(async () => {
        // A checkpoint first: the copy then starts without WAL to replay.
        await db.query('CHECKPOINT')
        const versions = await run<{ version: number | null }>(db, 'SELECT max(version) AS version FROM schema_migrations')
        const tar = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer())
        return { tar, schemaVersion: versions[0]?.version ?? 0 }
      }),
    async close() {
      admission.close()
      await notices.close()
      await db.close()
    },
  }
}

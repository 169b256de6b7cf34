import { PGlite } from '@electric-sql/pglite'
import type { Database, Sql } from './sql.js'
import { checkParams, translateError } from './sql.js'
import { TenantAdmission } from './tenant-admission.js'
import { pgliteNoticeFeed } from './notice-feed.js'

export interface PgliteOptions {
  /** How long work waits for its turn before StoreUnavailableError; 0: forever. */
  acquireTimeoutMs?: number
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
export async function openPglite(dataDir: string | undefined, options: PgliteOptions = {}): Promise<Database> {
  const db = await PGlite.create(dataDir)
  const admission = new TenantAdmission({ capacity: 1, yieldToIo: true, waitTimeoutMs: options.acquireTimeoutMs ?? 0 })
  // One process holds the data directory, but notices take the same path as on a server.
  const notices = pgliteNoticeFeed(db)
  const run = async <R>(q: Pick<PGlite, 'query'>, text: string, params?: unknown[]): Promise<R[]> => {
    checkParams(params)
    try {
      return (await q.query<R>(text, params as unknown[])).rows
    } catch (err) {
      throw translateError(err)
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
    async close() {
      admission.close()
      await notices.close()
      await db.close()
    },
  }
}

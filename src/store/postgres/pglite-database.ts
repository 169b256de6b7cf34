import { PGlite } from '@electric-sql/pglite'
import type { Database, Sql } from './sql.js'
import { translateError } from './sql.js'

/**
 * Embedded PostgreSQL (PGlite, WASM) in a directory. One instance serves one process; PGlite queues
 * statements internally, and `transaction` holds the instance for its whole callback.
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dataDir)
  const run = async <R>(q: Pick<PGlite, 'query'>, text: string, params?: unknown[]): Promise<R[]> => {
    try {
      return (await q.query<R>(text, params as unknown[])).rows
    } catch (err) {
      throw translateError(err)
    }
  }
  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    async transaction(fn) {
      try {
        return await db.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) } satisfies Sql))
      } catch (err) {
        throw translateError(err)
      }
    },
    // A single embedded connection: every statement already runs on "the" connection.
    withConnection: (fn) => fn({ query: (text, params) => run(db, text, params) }),
    close: () => db.close(),
  }
}

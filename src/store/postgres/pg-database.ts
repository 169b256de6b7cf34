import pg from 'pg'
import type { Logger } from '../../log.js'
import type { Database, Sql } from './sql.js'
import { translateError } from './sql.js'

export interface PgOptions {
  connectionString: string
  max: number
  connectTimeoutMs: number
  log: Logger
}

// Without these, int8/numeric come back as strings and timestamps are parsed the same on both adapters.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

/** A PostgreSQL server through a node-postgres pool. */
export function openPg(options: PgOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'roster',
  })
  // An idle client whose server went away emits 'error'; unhandled, that would crash the process.
  // The pool drops the client, and the next query gets a fresh connection once the server is back.
  pool.on('error', (err) => options.log.warn({ err: err.message }, 'idle database connection lost'))

  const run = async <R>(q: pg.Pool | pg.PoolClient, text: string, params?: unknown[]): Promise<R[]> => {
    try {
      return (await q.query(text, params)).rows as R[]
    } catch (err) {
      throw translateError(err)
    }
  }
  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect()
    } catch (err) {
      throw translateError(err)
    }
  }

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await connect()
      let broken: Error | undefined
      try {
        await run(client, 'BEGIN')
        const result = await fn({ query: (text, params) => run(client, text, params) } satisfies Sql)
        await run(client, 'COMMIT')
        return result
      } catch (err) {
        try {
          await client.query('ROLLBACK')
        } catch (rollbackErr) {
          broken = rollbackErr as Error
        }
        throw err
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it instead of reusing it.
        client.release(broken)
      }
    },
    async withConnection(fn) {
      const client = await connect()
      try {
        return await fn({ query: (text, params) => run(client, text, params) })
      } finally {
        client.release()
      }
    },
    close: () => pool.end(),
  }
}

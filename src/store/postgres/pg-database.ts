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

  const once = async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
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
  }

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      // A deadlock or serialization failure means another transaction won a race; the whole
      // transaction is rolled back, so running it again is safe.
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(fn)
        } catch (err) {
          const code = (err as { code?: string }).code
          if (attempt >= 4 || (code !== '40P01' && code !== '40001')) throw err
          options.log.debug({ code, attempt }, 'retrying a transaction that lost a race')
        }
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

import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { noMetrics, type DatabaseMetrics } from '../../domain/kernel/metrics.js'
import { StoreUnavailableError } from '../../domain/kernel/errors.js'
import type { Logger } from '../../log.js'
import type { Database, Sql } from './sql.js'
import { checkParams, translateError } from './sql.js'
import { TenantAdmission } from './tenant-admission.js'
import { pgNoticeFeed } from './notice-feed.js'

export interface PgOptions {
  connectionString: string
  max: number
  connectTimeoutMs: number
  /** statement_timeout of every connection; 0: none. */
  statementTimeoutMs?: number
  /** How long work waits for admission (a free connection in its tenant's share); 0: forever. */
  acquireTimeoutMs?: number
  /** Connections one tenant may hold at once; default half the pool. */
  tenantConcurrency?: number
  /** application_name of the pool's sessions; the notice listener's is this with `-notices`. */
  applicationName?: string
  /** Backoff of the notice listener's reconnection (notice-feed.ts); tests shorten or lengthen it. */
  noticeReconnect?: { minMs: number; maxMs: number }
  log: Logger
  /** Statement times, the pool's state and connection faults (METRICS_PORT). */
  metrics?: DatabaseMetrics
}

// Without these, int8/numeric come back as strings and timestamps are parsed the same on both adapters.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))

/**
 * How long we wait for an answer before giving up on the connection. Past statement_timeout the
 * server itself would have cancelled the statement and answered, so a longer silence means the
 * server or the network is gone or frozen.
 */
export function queryTimeoutFor(statementTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + Math.max(1000, Math.round(statementTimeoutMs / 10)) : 0
}

/**
 * A PostgreSQL server through a node-postgres pool. Faults of the server (connections terminated,
 * the server stopped, frozen or unreachable) become StoreUnavailableError for the work that meets
 * them, never an unhandled 'error' event, and never a request waiting forever; the pool replaces
 * broken connections as soon as the server answers again.
 */
/**
 * Most distinct statement texts one process prepares. Every connection parses and plans each of
 * them once and keeps it (server memory per connection); texts beyond the cap still run, parsed and
 * planned each time. Statement texts carry no values (those are parameters), so the texts in use
 * are a few hundred at most: the cap only bounds what unusual filter shapes can add.
 */
export const MAX_PREPARED_STATEMENTS = 400

/**
 * The name a statement is prepared under: statements run as named prepared statements, so a
 * connection parses and plans each text once, and later runs send only Bind/Execute. For a point
 * read that is most of the database's work (planning the read of a user with its groups costs
 * several times executing it), and the generic plan of an indexed statement is the custom one.
 */
const preparedNames = new Map<string, string>()
function statementName(text: string): string | undefined {
  let name = preparedNames.get(text)
  if (name === undefined && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    name = `roster_${preparedNames.size.toString(36)}`
    preparedNames.set(text, name)
  }
  return name
}

export function openPg(options: PgOptions): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? 0
  const queryTimeoutMs = queryTimeoutFor(statementTimeoutMs)
  const applicationName = options.applicationName ?? 'roster'
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max,
    // Bounds both opening a connection and waiting in the pool's own queue.
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
    // Sent at connection start-up, so every statement on every connection is bounded by the server.
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    // Finds connections whose server vanished without closing them (a dead host, a dropped route).
    keepAlive: true,
  })
  const metrics = options.metrics ?? noMetrics.database
  const admission = new TenantAdmission({
    capacity: options.max,
    perTenant: options.tenantConcurrency,
    waitTimeoutMs: options.acquireTimeoutMs ?? 0,
    onWaitTimeout: () => metrics.error('acquire_timeout'),
  })
  // Work waits in the admission queue (per tenant) before it asks the pool, so both queues count.
  metrics.pool(() => {
    const waiting = Object.values(admission.snapshot().waiting).reduce((a, b) => a + b, 0)
    return { store: 'postgres', max: options.max, inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: waiting + pool.waitingCount }
  })
  const notices = pgNoticeFeed({
    connectionString: options.connectionString,
    applicationName: `${applicationName}-notices`,
    connectTimeoutMs: options.connectTimeoutMs,
    log: options.log,
    reconnect: options.noticeReconnect,
  })

  // A client whose server went away emits 'error'; unhandled, that would crash the process. The
  // pool listens on idle clients itself; this listener covers clients checked out by a request, whose
  // current or next statement then fails and the client is destroyed on release.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      metrics.error('connection_lost')
      options.log.warn({ err: err.message }, 'database connection lost')
    })
  })
  pool.on('error', (err) => {
    metrics.error('connection_lost')
    options.log.warn({ err: err.message }, 'idle database connection lost')
  })

  /** One checked-out connection; `broken` once it can no longer be trusted, so it is destroyed on release. */
  interface Lease {
    client: pg.PoolClient
    broken?: Error
  }

  const connect = async (): Promise<Lease> => {
    try {
      return { client: await pool.connect() }
    } catch (err) {
      metrics.error('connect')
      throw translateError(err)
    }
  }

  const run = async <R>(lease: Lease, text: string, params?: unknown[], bounded = true): Promise<R[]> => {
    checkParams(params)
    if (lease.broken) throw new StoreUnavailableError(`database unavailable: ${lease.broken.message}`, lease.broken)
    // Statements without parameters (BEGIN, COMMIT, SELECT 1) go by the simple protocol, unprepared.
    const name = params?.length ? statementName(text) : undefined
    const pending = lease.client.query({ text, values: params, name })
    let timer: NodeJS.Timeout | undefined
    const started = performance.now()
    let failed = false
    try {
      if (!bounded || queryTimeoutMs === 0) return (await pending).rows as R[]
      const silent = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The statement may still be running: the connection goes, and with it the statement.
          lease.broken = new Error(`no answer from the database within ${queryTimeoutMs} ms`)
          pending.catch(() => undefined)
          reject(new StoreUnavailableError(`database unavailable: ${lease.broken.message}`))
        }, queryTimeoutMs)
      })
      return (await Promise.race([pending, silent])).rows as R[]
    } catch (err) {
      failed = true
      // A schema change by another node (a rolling upgrade) can make a prepared plan's result type
      // stale; the connection's prepared statements cannot be trusted: it goes, the caller may retry.
      if (name && (err as { code?: string }).code === '0A000') lease.broken ??= err as Error
      const translated = translateError(err)
      if (translated instanceof StoreUnavailableError) {
        lease.broken ??= translated
        metrics.error('unavailable')
      }
      throw translated
    } finally {
      clearTimeout(timer)
      metrics.statement((performance.now() - started) / 1000, failed)
    }
  }

  const release = (lease: Lease): void => {
    // Destroying the client (release with an error) frees its pool slot at once, also for a server
    // that no longer answers.
    lease.client.release(lease.broken ?? undefined)
  }

  /** Runs fn on one connection of the pool, admitted for the current tenant. */
  const leased = <T>(fn: (lease: Lease) => Promise<T>): Promise<T> =>
    admission.run(async () => {
      const lease = await connect()
      try {
        return await fn(lease)
      } finally {
        release(lease)
      }
    })

  const once = <T>(fn: (sql: Sql) => Promise<T>): Promise<T> =>
    leased(async (lease) => {
      await run(lease, 'BEGIN')
      try {
        const result = await fn({ query: (text, params) => run(lease, text, params) } satisfies Sql)
        await run(lease, 'COMMIT')
        return result
      } catch (err) {
        // A connection already known to be broken is not asked to roll back: it is destroyed, and
        // the server rolls back the transaction of a connection that goes away.
        if (!lease.broken) {
          try {
            await run(lease, 'ROLLBACK')
          } catch (rollbackErr) {
            // A client whose rollback failed is in an unknown state: destroy it instead of reusing it.
            lease.broken ??= rollbackErr as Error
          }
        }
        throw err
      }
    })

  return {
    kind: 'postgres',
    query: (text, params) => leased((lease) => run(lease, text, params)),
    // One admission for the whole transaction, retries included: the statements inside it run on
    // its connection and never queue behind other work.
    transaction: (fn) =>
      admission.run(async () => {
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
      }),
    // Maintenance on a dedicated connection (migrations under a session-level advisory lock): waiting
    // for the lock or a long schema change is expected here, so no statement timeout applies.
    withConnection: (fn) =>
      leased(async (lease) => {
        if (statementTimeoutMs > 0) await run(lease, 'SET statement_timeout = 0')
        try {
          return await fn({ query: (text, params) => run(lease, text, params, false) })
        } finally {
          if (statementTimeoutMs > 0 && !lease.broken) await run(lease, 'RESET statement_timeout').catch(() => undefined)
        }
      }),
    notices,
    async close() {
      admission.close()
      await notices.close()
      await pool.end()
    },
  }
}

/**
 * Roster's metrics in Prometheus form (prom-client): the implementation of the domain's metrics
 * port (src/domain/kernel/metrics.ts) plus the HTTP request middleware, all in one registry per
 * process, served by metrics-server.ts on METRICS_PORT. docs/operations.md lists every metric.
 *
 * Label policy: every label takes its values from a small fixed set — a route *template* (never the
 * requested path), a method from a known list, a status code, an operation or reason word. User
 * names, ids and tokens never become labels; the sync tenant's slug labels one gauge only.
 */
import { performance } from 'node:perf_hooks'
import type { Middleware } from 'koa'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DatabaseErrorKind, Metrics, Outcome, PoolSample, ScimOperation, SyncRunMetric } from '../domain/kernel/metrics.js'

/** The route label of a request no route matched (404s, 401s before routing, probes for paths). */
export const UNMATCHED_ROUTE = 'unmatched'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const STATEMENT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const SYNC_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]

/** Reporting must never fail the work it reports on (a label mistake, a collector fault). */
function safely<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args)
    } catch {
      // A lost sample is better than a failed request.
    }
  }
}

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry()
  private readonly pools: Array<() => PoolSample> = []

  private readonly httpRequests = new Counter({
    name: 'roster_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  })
  private readonly httpDuration = new Histogram({
    name: 'roster_http_request_duration_seconds',
    help: 'Time from receiving a request to its answer, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  })
  private readonly httpInFlight = new Gauge({
    name: 'roster_http_requests_in_flight',
    help: 'HTTP requests being handled now.',
    registers: [this.registry],
  })
  private readonly statementDuration = new Histogram({
    name: 'roster_db_statement_duration_seconds',
    help: 'Time of one SQL statement (admission and connection wait excluded), by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    buckets: STATEMENT_BUCKETS,
    registers: [this.registry],
  })
  private readonly dbErrors = new Counter({
    name: 'roster_db_errors_total',
    help: 'Times the database could not serve: acquire_timeout, connect, connection_lost, unavailable.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  private readonly scimOperations = new Counter({
    name: 'roster_scim_operations_total',
    help: 'Authenticated SCIM operations, by operation, resource type and outcome (success, refused, failed).',
    labelNames: ['operation', 'resource_type', 'outcome'] as const,
    registers: [this.registry],
  })
  private readonly syncDuration = new Histogram({
    name: 'roster_sync_run_duration_seconds',
    help: 'Directory sync runs (not dry runs) by mode and final status (succeeded, failed, refused), and their duration.',
    labelNames: ['mode', 'status'] as const,
    buckets: SYNC_BUCKETS,
    registers: [this.registry],
  })
  private readonly syncChanges = new Counter({
    name: 'roster_sync_changes_total',
    help: 'Changes written by directory sync runs, by resource (user, group, membership) and change.',
    labelNames: ['resource', 'change'] as const,
    registers: [this.registry],
  })
  private readonly syncRefusals = new Counter({
    name: 'roster_sync_refusals_total',
    help: 'Sync runs stopped by the archive safety rule (SYNC_MAX_ARCHIVE_PERCENT) before writing anything.',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  })
  private readonly syncEntryErrors = new Counter({
    name: 'roster_sync_entry_errors_total',
    help: 'Directory entries sync runs could not apply.',
    registers: [this.registry],
  })
  private readonly syncLastSuccess = new Gauge({
    name: 'roster_sync_last_success_timestamp_seconds',
    help: 'When the last sync run of a tenant run by this process succeeded (Unix time), by tenant slug.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  })
  private readonly signIns = new Counter({
    name: 'roster_sign_ins_total',
    help: 'Browser sign-ins by method (password, saml), outcome (success, refused) and refusal reason (none on success).',
    labelNames: ['method', 'outcome', 'reason'] as const,
    registers: [this.registry],
  })
  private readonly lockouts = new Counter({
    name: 'roster_lockouts_total',
    help: 'Password lockouts begun, by scope (account, client_address).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  })

  constructor() {
    collectDefaultMetrics({ register: this.registry })
    const pools = this.pools
    const read = (): PoolSample[] => pools.flatMap((sample) => {
      try {
        return [sample()]
      } catch {
        return []
      }
    })
    new Gauge({
      name: 'roster_db_pool_connections',
      help: 'Database connections by state (in_use, idle); the embedded store has one.',
      labelNames: ['store', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset()
        for (const s of read()) {
          this.set({ store: s.store, state: 'in_use' }, s.inUse)
          this.set({ store: s.store, state: 'idle' }, s.idle)
        }
      },
    })
    new Gauge({
      name: 'roster_db_pool_max',
      help: 'Most database connections this process opens (DATABASE_POOL_MAX; 1 for the embedded store).',
      labelNames: ['store'] as const,
      registers: [this.registry],
      collect() {
        this.reset()
        for (const s of read()) this.set({ store: s.store }, s.max)
      },
    })
    new Gauge({
      name: 'roster_db_pool_waiting',
      help: 'Units of database work waiting for a connection now.',
      labelNames: ['store'] as const,
      registers: [this.registry],
      collect() {
        this.reset()
        for (const s of read()) this.set({ store: s.store }, s.waiting)
      },
    })
  }

  readonly database = {
    statement: safely((seconds: number, failed: boolean) => this.statementDuration.observe({ outcome: failed ? 'error' : 'ok' }, seconds)),
    error: safely((kind: DatabaseErrorKind) => this.dbErrors.inc({ kind })),
    pool: safely((sample: () => PoolSample) => void this.pools.push(sample)),
  }

  readonly scim = {
    operation: safely((operation: ScimOperation, resourceType: string, outcome: Outcome) => this.scimOperations.inc({ operation, resource_type: resourceType, outcome })),
  }

  readonly sync = {
    run: safely((run: SyncRunMetric) => {
      this.syncDuration.observe({ mode: run.mode, status: run.status }, run.seconds)
      for (const c of run.changes) if (c.count > 0) this.syncChanges.inc({ resource: c.resource, change: c.change }, c.count)
      if (run.entryErrors > 0) this.syncEntryErrors.inc(run.entryErrors)
      if (run.status === 'refused') this.syncRefusals.inc({ mode: run.mode })
      if (run.status === 'succeeded') this.syncLastSuccess.set({ tenant: run.tenant }, run.finished.getTime() / 1000)
    }),
  }

  readonly signIn = {
    signIn: safely((method: string, outcome: 'success' | 'refused', reason: string) => this.signIns.inc({ method, outcome, reason })),
    lockout: safely((scope: 'account' | 'client address') => this.lockouts.inc({ scope: scope === 'account' ? 'account' : 'client_address' })),
  }

  /**
   * Counts and times every request by its route template: outermost, so that it sees the status
   * the error handler answered with. @koa/router leaves the matched layer's path on the context.
   */
  requestMetrics(): Middleware {
    return async (ctx, next) => {
      const started = performance.now()
      safely(() => this.httpInFlight.inc())()
      let thrown = false
      try {
        await next()
      } catch (err) {
        thrown = true
        throw err
      } finally {
        safely(() => {
          this.httpInFlight.dec()
          const route = (ctx as { _matchedRoute?: unknown })._matchedRoute
          const labels = { method: METHODS.has(ctx.method) ? ctx.method : 'other', route: typeof route === 'string' && route ? route : UNMATCHED_ROUTE }
          this.httpRequests.inc({ ...labels, status: String(thrown ? 500 : ctx.status) })
          this.httpDuration.observe(labels, (performance.now() - started) / 1000)
        })()
      }
    }
  }

  /** The exposition text and its content type, for the scrape endpoint. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType }
  }
}

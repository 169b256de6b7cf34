/**
 * What Roster reports about its own work, as a port: the store adapter, the SCIM service, sign-in
 * and directory sync call it; src/ops/metrics.ts implements it with prom-client, and `noMetrics`
 * when METRICS_PORT is off. Every argument is a word from a small fixed vocabulary (an operation,
 * a status, a reason), never a user name, an id or a token, so that a metric's series stay few; the
 * one exception is a sync tenant's slug (an operator-chosen name, one per directory-managed tenant).
 *
 * Reporting never fails the work it reports on: implementations swallow their own errors.
 */

/** The database's connections as seen at one moment (sampled at each scrape). */
export interface PoolSample {
  /** `postgres`: a node-postgres pool; `pglite`: the single embedded instance (one "connection"). */
  store: 'pglite' | 'postgres'
  max: number
  inUse: number
  idle: number
  /** Units of work waiting for a connection (admission queue and the pool's own). */
  waiting: number
}

/** Why the database could not serve: `acquire_timeout` (DATABASE_ACQUIRE_TIMEOUT passed in the queue), `connect` (no new connection), `connection_lost`, `unavailable` (a statement met a dead or stopped server). */
export type DatabaseErrorKind = 'acquire_timeout' | 'connect' | 'connection_lost' | 'unavailable'

export interface DatabaseMetrics {
  /** One statement ran for `seconds`; `failed` whatever the reason (a conflict too). */
  statement(seconds: number, failed: boolean): void
  error(kind: DatabaseErrorKind): void
  /** How to read the connections now; the adapter registers it once when it opens. */
  pool(sample: () => PoolSample): void
}

export type ScimOperation = 'create' | 'replace' | 'patch' | 'delete' | 'get' | 'list' | 'search' | 'bulk'
/** `success` below 400, `refused` 4xx (the client's request, or a rule), `failed` 5xx. */
export type Outcome = 'success' | 'refused' | 'failed'

export interface ScimMetrics {
  /** `resourceType`: User, Group, Schema, ResourceType, ServiceProviderConfig; `all` for a root search, `Bulk` for a bulk request. */
  operation(operation: ScimOperation, resourceType: string, outcome: Outcome): void
}

/** One finished sync run, as the metrics need it. */
export interface SyncRunMetric {
  /** The tenant's slug: the label of the last-success gauge only. */
  tenant: string
  mode: 'full' | 'incremental'
  status: 'succeeded' | 'failed' | 'refused'
  seconds: number
  finished: Date
  /** Changes written, by resource and kind (`user`/`created`, `membership`/`removed`, …). */
  changes: Array<{ resource: 'user' | 'group' | 'membership'; change: string; count: number }>
  /** Entries the run could not apply (counts.errors). */
  entryErrors: number
}

export interface SyncMetrics {
  run(run: SyncRunMetric): void
}

export interface SignInMetrics {
  /** `method`: password, saml, …; `reason`: the refusal's reason word, `none` on success. */
  signIn(method: string, outcome: 'success' | 'refused', reason: string): void
  /** A lockout began: of an account, or of a client address. */
  lockout(scope: 'account' | 'client address'): void
}

export interface Metrics {
  database: DatabaseMetrics
  scim: ScimMetrics
  sync: SyncMetrics
  signIn: SignInMetrics
}

const nothing = (): void => undefined

/** Reports nowhere: the default wherever metrics are off. */
export const noMetrics: Metrics = {
  database: { statement: nothing, error: nothing, pool: nothing },
  scim: { operation: nothing },
  sync: { run: nothing },
  signIn: { signIn: nothing, lockout: nothing },
}

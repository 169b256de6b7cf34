/**
 * Directory sync as one application service: the tenant's connection (set, show), test it, dry run,
 * run now, status, and scheduled runs. The admin API, the CLI and the scheduler all come through
 * here, so loading a tenant's settings and opening its bind password happen in one place.
 */
import { getDirectoryConnection, openBindPassword, setDirectoryConnection, type ConnectionWriteContext } from '../src/domain/directory-sync/connection.js'
import type { SyncRun, SyncState } from '../src/domain/directory-sync/model.js'
import type { SecretBox } from '../src/domain/credentials/secrets.js'
import { DomainError, NotFoundError } from '../src/domain/kernel/errors.js'
import type { Store } from '../src/domain/store.js'
import type { Tenant } from '../src/domain/tenancy/model.js'
import { assertMayWrite } from '../src/domain/tenancy/source-of-truth.js'
import type { Logger } from '../src/log.js'
import type { SyncMetrics, SyncRunMetric } from '../src/domain/kernel/metrics.js'
import { probeDirectory, type ProbeOptions, type ProbeResult } from './probe.js'
import { runSync, type OpenConnection, type SyncPolicy, type SyncReport, type SyncRequest } from './run.js'
import { SyncScheduler } from './scheduler.js'
import { effectiveSettings, settingsFromJson, settingsToJson, validateSettings, type DirectorySettings, type EffectiveSettings } from './settings.js'

// What the faces need to read and check settings before they reach the service.
export { DirectoryError } from './errors.js'
export { MAPPING_TARGETS, PRESETS, PRESET_NAMES, type PresetName } from './presets.js'
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, effectiveSettings, parseMapping, validateSettings, type DirectorySettings, type EffectiveSettings } from './settings.js'
export type { ProbeOptions, ProbeResult, SampleUser } from './probe.js'
export { SyncBusyError, type SyncPolicy, type SyncReport, type SyncRequest } from './run.js'
export type { Samples } from './reconcile.js'
export type { SyncScheduler } from './scheduler.js'

export interface DirectorySyncDeps {
  store: Store
  /** Opens the sealed bind passwords (ENCRYPTION_KEY); undefined when no key is set. */
  box: SecretBox | undefined
  /** SYNC_FULL_EVERY, SYNC_MAX_ARCHIVE_PERCENT, SYNC_LEASE_TTL (config.sync has these fields). */
  policy: SyncPolicy
  log: Logger
  /** Runs, their duration, changes and refusals, the last success per tenant (METRICS_PORT). */
  metrics?: SyncMetrics
}

/** The tenant has no directory connection (yet). */
export class NoDirectoryConnectionError extends NotFoundError {
  constructor(readonly tenant: Pick<Tenant, 'slug'>) {
    super(`tenant ${tenant.slug} has no directory connection; set one with roster directory set --tenant ${tenant.slug} …`)
  }
}

/** ENCRYPTION_KEY is not set: the stored bind password cannot be opened. */
export class MissingKeyError extends DomainError {
  constructor() {
    super('ENCRYPTION_KEY is not set, so the stored bind password cannot be opened; set the key it was stored with')
  }
}

/** A tenant's connection as stored (never the password). */
export interface DirectoryConnection {
  settings: DirectorySettings
  /** The same with the preset applied: filters and mapping a run uses. */
  effective: EffectiveSettings
  modified: Date
}

/** `roster directory test`: what was tested, and what the directory answered. */
export interface ConnectionTest {
  settings: EffectiveSettings
  result: ProbeResult
}

export interface SyncStatus {
  /** Most recent first. */
  runs: SyncRun[]
  /** Where incremental sync resumes, the last full run, and the lease when a run holds it. */
  state: SyncState
}

export class DirectorySync {
  constructor(private readonly deps: DirectorySyncDeps) {}

  async connection(tenantId: string): Promise<DirectoryConnection | null> {
    const stored = await getDirectoryConnection(this.deps.store, tenantId)
    if (!stored) return null
    const settings = settingsFromJson(stored.settings)
    return { settings, effective: effectiveSettings(settings), modified: stored.modified }
  }

  /**
   * Checks and stores the tenant's connection; the tenant becomes directory-managed. `bindPassword`
   * null keeps the stored one (see setDirectoryConnection for when that is refused).
   */
  async setConnection(ctx: ConnectionWriteContext, settings: DirectorySettings, bindPassword: string | null): Promise<void> {
    const checked = validateSettings(settings)
    await setDirectoryConnection(this.deps.store, this.box(), ctx, settingsToJson(checked), bindPassword)
  }

  /** Connects, binds, counts and maps a few users; writes nothing. */
  async test(tenant: Tenant, options: ProbeOptions = {}): Promise<ConnectionTest> {
    const connection = await this.open(tenant)
    return { settings: connection.settings, result: await probeDirectory(connection.settings, connection.password(), options) }
  }

  /** One run now (a dry run with `dryRun`). Throws SyncBusyError when another worker holds the tenant. */
  async run(tenant: Tenant, request: SyncRequest): Promise<SyncReport> {
    assertMayWrite(tenant, 'sync')
    const report = await runSync(this.deps.store, tenant, await this.open(tenant), this.deps.policy, request, this.deps.log)
    if (this.deps.metrics && !report.run.dryRun) this.deps.metrics.run(syncRunMetric(tenant, report.run))
    return report
  }

  /** What a run would change (counts and samples); nothing written. */
  dryRun(tenant: Tenant, request: Omit<SyncRequest, 'dryRun'>): Promise<SyncReport> {
    return this.run(tenant, { ...request, dryRun: true })
  }

  async status(tenantId: string, limit: number): Promise<SyncStatus> {
    const [runs, state] = await Promise.all([this.deps.store.syncRuns.list(tenantId, limit), this.deps.store.syncState.get(tenantId)])
    return { runs, state }
  }

  /** Tenants the scheduler syncs: directory-managed ones with a connection. */
  syncedTenantIds(): Promise<string[]> {
    return this.deps.store.directoryConnections.syncedTenantIds()
  }

  /** A scheduled run of one tenant; null when the tenant is gone or no longer directory-managed. */
  async scheduledRun(tenantId: string, signal: AbortSignal): Promise<{ slug: string; report: SyncReport } | null> {
    const tenant = await this.deps.store.tenants.getById(tenantId)
    if (!tenant || tenant.source !== 'ldap') return null
    return { slug: tenant.slug, report: await this.run(tenant, { trigger: 'scheduler', signal }) }
  }

  /** Runs every interval (not started): each directory-managed tenant, or only `tenantIds`. */
  scheduler(options: { intervalMs: number; tenantIds?: string[] }): SyncScheduler {
    return new SyncScheduler(this, options, this.deps.log)
  }

  private box(): SecretBox {
    if (!this.deps.box) throw new MissingKeyError()
    return this.deps.box
  }

  /** The tenant's settings, and its bind password when the caller binds. */
  private async open(tenant: Tenant): Promise<OpenConnection> {
    const stored = await getDirectoryConnection(this.deps.store, tenant.id)
    if (!stored) throw new NoDirectoryConnectionError(tenant)
    return {
      settings: effectiveSettings(settingsFromJson(stored.settings)),
      password: () => openBindPassword(this.box(), stored),
    }
  }
}

/** A finished run as the metrics count it: changes by resource and kind, from its counts. */
function syncRunMetric(tenant: Tenant, run: SyncRun): SyncRunMetric {
  const c = run.counts
  const finished = run.finished ?? new Date()
  return {
    tenant: tenant.slug,
    mode: run.mode,
    status: run.status === 'running' ? 'failed' : run.status,
    seconds: Math.max(0, finished.getTime() - run.started.getTime()) / 1000,
    finished,
    changes: [
      { resource: 'user', change: 'created', count: c.usersCreated },
      { resource: 'user', change: 'updated', count: c.usersUpdated },
      { resource: 'user', change: 'archived', count: c.usersArchived },
      { resource: 'user', change: 'restored', count: c.usersRestored },
      { resource: 'group', change: 'created', count: c.groupsCreated },
      { resource: 'group', change: 'updated', count: c.groupsUpdated },
      { resource: 'group', change: 'deleted', count: c.groupsDeleted },
      { resource: 'membership', change: 'added', count: c.membersAdded },
      { resource: 'membership', change: 'removed', count: c.membersRemoved },
    ],
    entryErrors: c.errors,
  }
}

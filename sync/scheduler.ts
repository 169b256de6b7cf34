/**
 * The long-running worker: every SYNC_INTERVAL, one run for each tenant whose source is `ldap`.
 * Runs inside `npm start` with the embedded store, or as `roster sync` next to servers that share a
 * PostgreSQL database (the lease keeps two workers off one tenant).
 */
import type { Logger } from '../src/log.js'
import { SyncBusyError, type SyncReport } from './run.js'

export interface SchedulerOptions {
  intervalMs: number
  /** Only these tenants (ids); default every `ldap` tenant. */
  tenantIds?: string[]
}

/** What the scheduler needs of the sync service (sync/service.ts). */
export interface ScheduledRuns {
  syncedTenantIds(): Promise<string[]>
  scheduledRun(tenantId: string, signal: AbortSignal): Promise<{ slug: string; report: SyncReport } | null>
}

export class SyncScheduler {
  private timer: NodeJS.Timeout | null = null
  private current: Promise<void> | null = null
  private stopped = false
  private readonly abort = new AbortController()

  constructor(
    private readonly runs: ScheduledRuns,
    private readonly options: SchedulerOptions,
    private readonly log: Logger,
  ) {}

  /** Starts now and then every interval after the previous round ended. */
  start(): void {
    this.schedule(0)
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.current = this.round().finally(() => {
        this.current = null
        this.schedule(this.options.intervalMs)
      })
    }, delayMs)
    this.timer.unref()
  }

  /** One run for each tenant, one tenant after another. */
  async round(): Promise<void> {
    let ids: string[]
    try {
      ids = this.options.tenantIds ?? (await this.runs.syncedTenantIds())
    } catch (err) {
      this.log.error({ err }, 'sync scheduler: could not list the tenants to sync')
      return
    }
    for (const id of ids) {
      if (this.stopped) return
      try {
        const ran = await this.runs.scheduledRun(id, this.abort.signal)
        if (!ran) continue
        const { report } = ran
        const level = report.run.status === 'succeeded' ? 'info' : 'warn'
        this.log[level]({ tenant: ran.slug, run: report.run.id, status: report.run.status }, report.run.message ?? 'sync run ended')
      } catch (err) {
        if (err instanceof SyncBusyError) this.log.debug({ tenant: id }, err.message)
        else this.log.error({ err, tenant: id }, 'sync scheduler: run failed')
      }
    }
  }

  /**
   * Stops scheduling at once. A run in progress gets `graceMs` to finish (default none); after that
   * it is aborted and stops at its next checkpoint, between two changes: every change is whole, the
   * run is recorded as interrupted, its lease is released (another worker may start at once), and
   * the next run finishes the job from the stored mark.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    const current = this.current
    if (current && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([current, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))])
      clearTimeout(timer)
    }
    this.abort.abort()
    await current
  }
}

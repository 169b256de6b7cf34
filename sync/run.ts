/**
 * One sync run of one tenant, start to finish:
 *   lease → run record → read the directory into the snapshot (retried when the directory
 *   hiccups) → safety check → reconcile (or, dry run, only count) → mark, record, release.
 * A run that fails before reconciling has changed nothing; the record says why in one line.
 */
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import type { Actor } from '../src/domain/audit/model.js'
import type { Tenant } from '../src/domain/tenancy/model.js'
import { EMPTY_COUNTS, type HighWaterMark, type SyncCounts, type SyncLease, type SyncMode, type SyncProblem, type SyncRun, type SyncTrigger } from '../src/domain/directory-sync/model.js'
import { DomainError } from '../src/domain/kernel/errors.js'
import type { Store } from '../src/domain/store.js'
import type { Logger } from '../src/log.js'
import { DirectoryError } from './errors.js'
import { DirectoryClient, type ConnectOptions } from './ldap.js'
import { readDirectory, type ReadResult } from './read.js'
import { Reconciler, type Samples } from './reconcile.js'
import type { EffectiveSettings } from './settings.js'
import { RunSnapshot } from './snapshot.js'

export interface SyncPolicy {
  /** SYNC_FULL_EVERY: every this many runs, a full reconciliation. */
  fullEvery: number
  /** SYNC_MAX_ARCHIVE_PERCENT. */
  maxArchivePercent: number
  /** SYNC_MAX_ARCHIVE_COUNT: a run archiving this many or fewer is never refused; absent: 0 (the share alone decides). */
  maxArchiveCount?: number
  /** SYNC_LEASE_TTL. */
  leaseTtlMs: number
}

/**
 * A tenant's connection, ready to use: the settings with the preset applied, and the bind password,
 * opened only when the run binds (so that a missing key fails the run, recorded, like any other
 * reason it cannot read the directory).
 */
export interface OpenConnection {
  settings: EffectiveSettings
  password: () => string
}

export interface SyncRequest {
  /** Read everything and reconcile, whatever the stored mark. */
  full?: boolean
  dryRun?: boolean
  /** Go ahead even when the safety rule would stop the run. */
  force?: boolean
  trigger: SyncTrigger
  /** Reading attempts when the directory fails transiently (default 3), and the first wait. */
  attempts?: number
  retryDelayMs?: number
  connect?: ConnectOptions
  /** Aborted: the run stops at its next change (the worker is shutting down). */
  signal?: AbortSignal
}

export interface SyncReport {
  run: SyncRun
  samples: Samples | null
  /** Notes for the operator (insecure TLS, deletions not visible incrementally, …). */
  warnings: string[]
}

/** Another worker holds the tenant's lease: nothing was done, nothing recorded. */
export class SyncBusyError extends DomainError {
  constructor(
    readonly tenant: Pick<Tenant, 'slug'>,
    readonly lease: SyncLease,
  ) {
    super(`tenant ${tenant.slug} is being synced by another worker (${lease.holder}) until at least ${lease.expires.toISOString()}; try again when it has finished`)
  }
}

/** The run stopped because its lease was taken over (the worker stalled past SYNC_LEASE_TTL). */
class LeaseLostError extends DirectoryError {
  constructor() {
    super('protocol', 'the run lost its lease (it stalled longer than SYNC_LEASE_TTL and another worker may have taken over); it stopped where it was and the next run finishes the job', true)
  }
}

/**
 * A run stopped by a shutdown is `failed` with this message, worded like a run a dead worker left
 * behind (SyncRunRepo.abandon): both mean "interrupted, nothing half-done, the next run finishes".
 */
export const SHUTDOWN_MESSAGE = 'interrupted: the worker is shutting down; the run stopped between two changes and the next run finishes the job'

const MAX_PROBLEMS = 50
/** Snapshots smaller than this are planned well enough without fresh statistics. */
const ANALYZE_ABOVE = 1000

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function syncActor(runId: string): Actor {
  return { type: 'sync', id: runId, label: `sync run ${runId}` }
}

function summary(c: SyncCounts, dryRun: boolean): string {
  const parts = [
    `${c.usersRead} users and ${c.groupsRead} groups read`,
    `${c.usersCreated} created`,
    `${c.usersUpdated} updated`,
    `${c.usersArchived} archived`,
    `${c.usersRestored} restored`,
    `${c.groupsCreated}/${c.groupsUpdated}/${c.groupsDeleted} groups created/updated/deleted`,
    `${c.membersAdded} memberships added, ${c.membersRemoved} removed`,
  ]
  const problems = c.errors ? `; ${c.errors} problem${c.errors === 1 ? '' : 's'}` : ''
  return `${dryRun ? 'dry run, nothing written — would have: ' : ''}${parts.join(', ')}${problems}`
}

/** One run of `tenant` (whose connection the caller opened: sync/service.ts). */
export async function runSync(store: Store, tenant: Tenant, connection: OpenConnection, policy: SyncPolicy, request: SyncRequest, log: Logger): Promise<SyncReport> {
  const { settings } = connection
  const runId = randomUUID()
  const holder = `${os.hostname()}:${process.pid}:${runId.slice(0, 8)}`
  const taken = await store.syncState.acquireLease(tenant.id, holder, runId, policy.leaseTtlMs)
  if (!taken.acquired) throw new SyncBusyError(tenant, taken.lease)

  let lost = false
  const renew = setInterval(() => {
    store.syncState.renewLease(tenant.id, holder, policy.leaseTtlMs).then(
      (ok) => {
        if (!ok) lost = true
      },
      (err: unknown) => log.warn({ err }, 'could not renew the sync lease'),
    )
  }, Math.max(200, Math.floor(policy.leaseTtlMs / 3)))
  renew.unref()
  const checkpoint = () => {
    if (lost) throw new LeaseLostError()
    if (request.signal?.aborted) throw new DirectoryError('protocol', SHUTDOWN_MESSAGE, false)
  }

  const counts: SyncCounts = { ...EMPTY_COUNTS }
  const problems: SyncProblem[] = []
  const problem = (p: SyncProblem) => {
    counts.errors++
    if (problems.length < MAX_PROBLEMS) problems.push(p)
  }
  const warnings: string[] = []
  let run: SyncRun | null = null
  const snapshot = new RunSnapshot(store, tenant.id, runId)
  try {
    // Runs left `running` by a worker that died are over: say so, and drop what they read.
    await store.syncRuns.abandon(tenant.id, 'interrupted: the worker stopped before the run finished; a later run completes the work')
    await store.syncSnapshot.clear(tenant.id, runId, { allRuns: true })
    const state = await store.syncState.get(tenant.id)
    const wantFull = !!request.full || !state.highWaterMark || state.runsSinceFull + 1 >= policy.fullEvery
    let mode: SyncMode = wantFull ? 'full' : 'incremental'
    run = await store.syncRuns.insert({ id: runId, tenantId: tenant.id, mode, dryRun: !!request.dryRun, forced: !!request.force, trigger: request.trigger, holder })
    const runLog = log.child({ tenant: tenant.slug, run: runId })
    if (settings.insecureTls) {
      const w = `TLS certificate checks are OFF for ${settings.url} (--insecure-tls): anyone on the network path can read the bind password; use --ca-file outside a lab`
      warnings.push(w)
      runLog.warn(w)
    }
    runLog.info({ mode, dryRun: !!request.dryRun }, 'sync run started')

    const read = await readWithRetry(store, connection, snapshot, tenant, runId, mode === 'full' ? null : state.highWaterMark, request, checkpoint, runLog)
    if (read.full) mode = 'full'
    counts.usersRead = read.users
    counts.groupsRead = read.groups
    counts.deletionsRead = read.deletions
    for (const p of read.problems) problem(p)
    counts.errors += read.problemCount - read.problems.length
    if (!read.deletionsVisible) {
      warnings.push(
        `the bind account cannot read CN=Deleted Objects, so deletions are seen by the full reconciliation every SYNC_FULL_EVERY=${policy.fullEvery} runs rather than at once`,
      )
    }

    // Fresh statistics for the plans of the reconcile phase (see SyncSnapshotRepo.analyze), and
    // managers ordered before their reports.
    if (read.users + read.groups + read.deletions >= ANALYZE_ABOVE) await store.syncSnapshot.analyze()
    if (read.users) await store.syncSnapshot.rankByManager(tenant.id, runId)
    const refusal = await safetyCheck(store, snapshot, tenant, runId, mode, policy, !!request.force)
    if (refusal) {
      const finished = await store.syncRuns.finish(tenant.id, runId, { status: 'refused', counts, errors: problems, message: refusal, highWaterMark: null })
      runLog.warn({ reason: refusal }, 'sync run refused by the archive safety rule')
      return { run: finished ?? run, samples: null, warnings }
    }

    const ctx = { tenant, actor: syncActor(runId), channel: 'sync' as const, requestId: null }
    const reconciler = new Reconciler({ store, ctx, runId, snapshot, dryRun: !!request.dryRun, full: mode === 'full', counts, problem, checkpoint })
    await reconciler.run(read.deletions > 0)

    // The mark moves on even when some entries had problems: those are the directory's data (an
    // entry without a userName, two entries with one userName, a nesting cycle) and stay until the
    // entry changes there — which moves its change stamp, so an incremental run reads it again —
    // or until the next full reconciliation, which reads everything. Holding the mark back instead
    // would make every later incremental run re-read all changes since the first problem.
    // Failures that are not the entry's (the database, a bug) fail the run and keep the mark.
    const mark = request.dryRun ? null : (read.highWaterMark ?? state.highWaterMark)
    if (!request.dryRun) await store.syncState.recordSuccess(tenant.id, { highWaterMark: mark, full: mode === 'full' })
    const message = summary(counts, !!request.dryRun)
    const finished = await store.syncRuns.finish(tenant.id, runId, {
      status: 'succeeded',
      counts,
      errors: problems,
      message: mode !== run.mode ? `${message} (full: the stored mark was from another domain controller)` : message,
      highWaterMark: mark,
    })
    runLog.info({ counts }, 'sync run finished')
    return { run: { ...(finished ?? run), mode }, samples: reconciler.samples, warnings }
  } catch (err) {
    const message = err instanceof DomainError || err instanceof DirectoryError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`
    if (!(err instanceof DirectoryError || err instanceof DomainError)) log.error({ err, tenant: tenant.slug, run: runId }, 'sync run failed')
    if (run) {
      const finished = await store.syncRuns
        .finish(tenant.id, runId, { status: 'failed', counts, errors: problems, message, highWaterMark: null })
        .catch(() => null)
      return { run: finished ?? { ...run, status: 'failed', message }, samples: null, warnings }
    }
    throw err
  } finally {
    clearInterval(renew)
    await store.syncSnapshot.clear(tenant.id, runId).catch(() => {})
    await store.syncState.releaseLease(tenant.id, holder).catch(() => {})
  }
}

async function readWithRetry(
  store: Store,
  connection: OpenConnection,
  snapshot: RunSnapshot,
  tenant: Tenant,
  runId: string,
  since: HighWaterMark | null,
  request: SyncRequest,
  checkpoint: () => void,
  log: Logger,
): Promise<ReadResult> {
  const { settings } = connection
  const password = connection.password()
  const attempts = request.attempts ?? 3
  for (let attempt = 1; ; attempt++) {
    let client: DirectoryClient | null = null
    try {
      client = await DirectoryClient.open(settings, password, request.connect)
      return await readDirectory({ snapshot, client, settings, since, maxProblems: MAX_PROBLEMS, checkpoint })
    } catch (err) {
      if (!(err instanceof DirectoryError) || !err.transient || attempt >= attempts || err instanceof LeaseLostError) throw err
      const delay = (request.retryDelayMs ?? 2000) * 2 ** (attempt - 1)
      log.warn({ attempt, delayMs: delay, reason: err.message }, 'reading the directory failed; trying again')
      await store.syncSnapshot.clear(tenant.id, runId)
      await sleep(delay)
    } finally {
      await client?.close()
    }
  }
}

/**
 * The archive safety rule: a run that would archive more than SYNC_MAX_ARCHIVE_PERCENT of the
 * tenant's synced users (or delete that share of its synced groups) stops before writing, unless
 * forced. A directory that answers with nothing, or with half, looks exactly like this.
 *
 * Only when the number is also above SYNC_MAX_ARCHIVE_COUNT: in a 3-user directory one departure is
 * 33 %, and a share alone would make every departure need --force. Entra's accidental-deletion
 * threshold counts absolute deletions for the same reason; both numbers must be exceeded.
 */
async function safetyCheck(store: Store, snapshot: RunSnapshot, tenant: Tenant, runId: string, mode: SyncMode, policy: SyncPolicy, force: boolean): Promise<string | null> {
  if (force) return null
  let users: number
  let groups: number
  if (mode === 'full') {
    users = await store.syncSnapshot.countAbsentUsers(tenant.id, runId)
    groups = await store.syncSnapshot.countAbsentGroups(tenant.id, runId)
  } else {
    const deleted = await snapshot.count('deleted')
    if (!deleted) return null
    // Incremental deletions: count the synced users among them.
    let found = 0
    let foundGroups = 0
    await snapshot.eachPage('deleted', 1000, async (page) => {
      const anchors = page.map((p) => p.anchor)
      const [u, g] = await Promise.all([store.users.getBySourceAnchors(tenant.id, anchors), store.groups.getBySourceAnchors(tenant.id, anchors)])
      found += [...u.values()].filter((x) => x.origin === 'ldap' && x.status !== 'archived').length
      foundGroups += [...g.values()].filter((x) => x.origin === 'ldap').length
    })
    users = found
    groups = foundGroups
  }
  const limit = policy.maxArchivePercent
  const floor = policy.maxArchiveCount ?? 0
  const check = (n: number, of: number, what: string, verb: string) => {
    if (!n || !of || n * 100 <= limit * of || n <= floor) return null
    const pct = ((n * 100) / of).toFixed(1)
    return `refused: this run would ${verb} ${n} of ${of} synced ${what} (${pct}%), more than SYNC_MAX_ARCHIVE_PERCENT=${limit}% and more than SYNC_MAX_ARCHIVE_COUNT=${floor}. Nothing was changed. If the directory really lost them, run: roster sync --tenant ${tenant.slug} --once --full --force`
  }
  return (
    check(users, await store.syncSnapshot.countSyncedUsers(tenant.id), 'users', 'archive') ??
    check(groups, await store.syncSnapshot.countSyncedGroups(tenant.id), 'groups', 'delete')
  )
}

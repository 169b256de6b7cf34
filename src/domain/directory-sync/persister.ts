/**
 * The directory-sync concept's persistence port: a tenant's directory connection, its sync runs,
 * its sync state (lease, high-water mark) and the snapshot a run reads before applying it. Every
 * method is scoped by tenant; runs of another tenant are not found.
 */
import type { HighWaterMark, NewSyncRun, RankedSnapshotEntry, SnapshotEntry, SnapshotKind, SnapshotPosition, StoredDirectoryConnection, SyncLease, SyncOutcome, SyncRun, SyncState } from './model.js'
import type { JsonObject } from '../kernel/json.js'
import type { Transactional } from '../kernel/transaction.js'
import type { AuditPersister } from '../audit/persister.js'
import type { TenancyPersister } from '../tenancy/persister.js'
import type { Group, User } from '../identity/model.js'
import type { NoticesPersister } from '../kernel/notices.js'

export interface DirectoryConnectionRepo {
  get(tenantId: string): Promise<StoredDirectoryConnection | null>
  /** Creates or replaces the tenant's connection. */
  put(tenantId: string, settings: JsonObject, sealedBindPassword: string): Promise<StoredDirectoryConnection>
  /** Tenants whose source is `ldap` and that have a connection: what the scheduler syncs. */
  syncedTenantIds(): Promise<string[]>
}

export interface SyncRunRepo {
  insert(run: NewSyncRun): Promise<SyncRun>
  get(tenantId: string, id: string): Promise<SyncRun | null>
  finish(tenantId: string, id: string, outcome: SyncOutcome): Promise<SyncRun | null>
  /** Most recent first. */
  list(tenantId: string, limit: number): Promise<SyncRun[]>
  /**
   * Marks the tenant's runs still `running` that no live lease covers as failed with `message`
   * (their worker died); returns how many.
   */
  abandon(tenantId: string, message: string): Promise<number>
}

export interface SyncStateRepo {
  get(tenantId: string): Promise<SyncState>
  /**
   * Takes the tenant's sync lease for `ttlMs` when it is free, expired or already ours.
   * Returns null when taken, else the lease now held.
   */
  acquireLease(tenantId: string, holder: string, runId: string, ttlMs: number): Promise<{ acquired: true; lease: SyncLease } | { acquired: false; lease: SyncLease }>
  /** Extends our lease; false when it is no longer ours (expired and taken over). */
  renewLease(tenantId: string, holder: string, ttlMs: number): Promise<boolean>
  releaseLease(tenantId: string, holder: string): Promise<void>
  /** A run succeeded: store its mark; a full run resets the count of incremental runs since. */
  recordSuccess(tenantId: string, update: { highWaterMark: HighWaterMark | null; full: boolean }): Promise<void>
}

/** The directory entries a run has read, kept apart until the run applies them. */
export interface SyncSnapshotRepo {
  add(tenantId: string, runId: string, kind: SnapshotKind, entries: SnapshotEntry[]): Promise<void>
  /** In (rank, anchor) order; `after` is the position of the last entry of the previous page. */
  page(tenantId: string, runId: string, kind: SnapshotKind, options: { after: SnapshotPosition | null; limit: number }): Promise<RankedSnapshotEntry[]>
  /**
   * Ranks the run's users by their depth in the management chains it read (0: no manager among
   * them), so that paging writes managers before their reports. Users in a manager cycle stay
   * unranked and come last. Does nothing when every user read exists already.
   */
  rankByManager(tenantId: string, runId: string): Promise<void>
  count(tenantId: string, runId: string, kind: SnapshotKind): Promise<number>
  /** Which of these anchors the run read as `kind`. */
  anchorsRead(tenantId: string, runId: string, kind: SnapshotKind, anchors: string[]): Promise<Set<string>>
  /** Which of these normalised DNs the run read, and as what. */
  resolveDns(tenantId: string, runId: string, dns: string[]): Promise<Map<string, { kind: SnapshotKind; anchor: string }>>
  /** Which of these userNames (case-insensitive) the run read as users: lower-cased userName → anchor. */
  resolveUserNames(tenantId: string, runId: string, userNames: string[]): Promise<Map<string, string>>
  /** Users synced from the directory, not archived, whose anchor the run did not read (full runs). */
  absentUsers(tenantId: string, runId: string, options: { after: string | null; limit: number }): Promise<User[]>
  countAbsentUsers(tenantId: string, runId: string): Promise<number>
  /** Users synced from the directory and not archived: the base of the archive safety rule. */
  countSyncedUsers(tenantId: string): Promise<number>
  countSyncedGroups(tenantId: string): Promise<number>
  /** Groups synced from the directory whose anchor the run did not read (full runs). */
  absentGroups(tenantId: string, runId: string, options: { after: string | null; limit: number }): Promise<Group[]>
  countAbsentGroups(tenantId: string, runId: string): Promise<number>
  /**
   * Refreshes the planner's statistics of the tables a run reads (the snapshot just filled, and the
   * users and groups a previous run may have created in bulk, when they changed much since their
   * statistics were taken): the embedded store has no autovacuum, and plans made without
   * statistics are many times slower.
   */
  analyze(): Promise<void>
  /** Removes a run's rows; with `allRuns`, every run's rows of the tenant (left by killed runs). */
  clear(tenantId: string, runId: string, options?: { allRuns?: boolean }): Promise<void>
}

export interface DirectorySyncPersister {
  directoryConnections: DirectoryConnectionRepo
  syncRuns: SyncRunRepo
  syncState: SyncStateRepo
  syncSnapshot: SyncSnapshotRepo
}

/**
 * What the directory connection's writes use (connection.ts): the connection, the tenant (which
 * becomes directory-managed) and the audit trail.
 */
export type ConnectionStore = Transactional<Pick<DirectorySyncPersister, 'directoryConnections'> & TenancyPersister & AuditPersister & NoticesPersister>

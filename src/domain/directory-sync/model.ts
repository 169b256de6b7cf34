/**
 * Directory sync records, in domain terms: a tenant's directory connection as stored, the runs,
 * the per-tenant state between runs, and the snapshot a run reads the directory into.
 */
import type { JsonObject } from '../kernel/json.js'

export type SyncMode = 'full' | 'incremental'
/** `refused`: stopped by a safety rule before writing anything (see sync/run.ts). */
export type SyncRunStatus = 'running' | 'succeeded' | 'failed' | 'refused'
export type SyncTrigger = 'cli' | 'scheduler' | 'console'

export interface SyncCounts {
  usersRead: number
  groupsRead: number
  deletionsRead: number
  usersCreated: number
  usersUpdated: number
  usersArchived: number
  usersRestored: number
  usersUnchanged: number
  groupsCreated: number
  groupsUpdated: number
  groupsDeleted: number
  membersAdded: number
  membersRemoved: number
  errors: number
}

export const EMPTY_COUNTS: SyncCounts = {
  usersRead: 0,
  groupsRead: 0,
  deletionsRead: 0,
  usersCreated: 0,
  usersUpdated: 0,
  usersArchived: 0,
  usersRestored: 0,
  usersUnchanged: 0,
  groupsCreated: 0,
  groupsUpdated: 0,
  groupsDeleted: 0,
  membersAdded: 0,
  membersRemoved: 0,
  errors: 0,
}

/** One problem a run met: with the entry it concerns when there is one. */
export interface SyncProblem {
  entry?: string
  message: string
}

/** Where incremental sync resumes: `{ usn, server }` on AD, `{ modifyTimestamp }` on OpenLDAP. */
export type HighWaterMark = JsonObject

export interface SyncRun {
  id: string
  tenantId: string
  mode: SyncMode
  dryRun: boolean
  forced: boolean
  trigger: SyncTrigger
  status: SyncRunStatus
  /** The worker that ran it (`host:pid:…`). */
  holder: string
  started: Date
  finished: Date | null
  counts: SyncCounts
  /** Problems met, at most a bounded number (counts.errors has the total). */
  errors: SyncProblem[]
  /** One line: what happened, or why it failed or was refused. */
  message: string | null
  /** The mark this run reached (and stored, when it succeeded). */
  highWaterMark: HighWaterMark | null
}

export type NewSyncRun = Pick<SyncRun, 'id' | 'tenantId' | 'mode' | 'dryRun' | 'forced' | 'trigger' | 'holder'>

export interface SyncOutcome {
  status: Exclude<SyncRunStatus, 'running'>
  counts: SyncCounts
  errors: SyncProblem[]
  message: string
  highWaterMark: HighWaterMark | null
}

export interface SyncLease {
  holder: string
  runId: string | null
  expires: Date
}

export interface SyncState {
  highWaterMark: HighWaterMark | null
  /** Incremental runs since the last full one (SYNC_FULL_EVERY). */
  runsSinceFull: number
  lastFull: Date | null
  lease: SyncLease | null
}

export type SnapshotKind = 'user' | 'group' | 'deleted'

/** One directory entry as a run read and mapped it (sync/snapshot.ts gives `entry` its shape per kind). */
export interface SnapshotEntry {
  anchor: string
  /** Normalised DN (sync/dn.ts). */
  dn: string
  entry: JsonObject
}

/** A snapshot entry as paged out: with its place in the order (rank: see SyncSnapshotRepo.rankByManager). */
export interface RankedSnapshotEntry extends SnapshotEntry {
  rank: number
}

/** Where the next page of a snapshot starts. */
export interface SnapshotPosition {
  rank: number
  anchor: string
}

/** A tenant's directory connection as stored: settings in the clear, the bind password sealed. */
export interface StoredDirectoryConnection {
  tenantId: string
  settings: JsonObject
  sealedBindPassword: string
  created: Date
  modified: Date
}

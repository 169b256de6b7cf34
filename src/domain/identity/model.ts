import type { JsonObject } from '../kernel/json.js'
import type { IdentitySource } from '../tenancy/model.js'

export type UserStatus = 'active' | 'inactive' | 'archived'

export const USER_STATUSES: readonly UserStatus[] = ['active', 'inactive', 'archived']

/** Where a record came from: created locally, pushed by an IdP over SCIM, or synced from LDAP. */
export type RecordOrigin = IdentitySource

export interface User {
  id: string
  tenantId: string
  userName: string
  externalId: string | null
  displayName: string | null
  email: string | null
  active: boolean
  status: UserStatus
  origin: RecordOrigin
  /** Stable id in the upstream source (AD objectGUID, LDAP entryUUID, IdP id). */
  sourceAnchor: string | null
  /** The directory entry's DN as last synced, normalised (sync/dn.ts); null for others. */
  sourceDn: string | null
  /** The full SCIM resource as last written (core + extensions), without meta and password. */
  resource: JsonObject
  passwordHash: string | null
  /** Increases with every write; the SCIM ETag and the admin API's concurrency check. */
  version: number
  created: Date
  modified: Date
  /**
   * Every group the user belongs to, directly or through nested groups (nearest first, then by
   * name): present only when the read asked for it (`withGroups`), which costs no extra statement.
   */
  groups?: GroupOfMember[]
}

export interface GroupOfMember {
  groupId: string
  displayName: string
  /** False when the membership comes through a nested group. */
  direct: boolean
}

export interface NewUser {
  id?: string
  tenantId: string
  userName: string
  externalId?: string | null
  displayName?: string | null
  email?: string | null
  active?: boolean
  status?: UserStatus
  origin: RecordOrigin
  sourceAnchor?: string | null
  sourceDn?: string | null
  resource?: JsonObject
  passwordHash?: string | null
  /**
   * The value of the user's manager reference when it names no user of the tenant (kept as sent,
   * see ManagerReference): tracked, so that the user it names, once created, is pointed at.
   */
  managerUnresolved?: string | null
}

export type UserChanges = Partial<
  Pick<User, 'userName' | 'externalId' | 'displayName' | 'email' | 'active' | 'status' | 'origin' | 'sourceAnchor' | 'sourceDn' | 'resource' | 'passwordHash'>
> & {
  /** The manager reference changed: its value if it names no user (tracked, as NewUser's), null if it does or is gone. */
  managerUnresolved?: string | null
}

export interface Group {
  id: string
  tenantId: string
  displayName: string
  externalId: string | null
  origin: RecordOrigin
  sourceAnchor: string | null
  sourceDn: string | null
  resource: JsonObject
  version: number
  created: Date
  modified: Date
}

export interface NewGroup {
  id?: string
  tenantId: string
  displayName: string
  externalId?: string | null
  origin: RecordOrigin
  sourceAnchor?: string | null
  sourceDn?: string | null
  resource?: JsonObject
}

export type GroupChanges = Partial<Pick<Group, 'displayName' | 'externalId' | 'origin' | 'sourceAnchor' | 'sourceDn' | 'resource'>>

export type MemberType = 'User' | 'Group'

export interface Membership {
  groupId: string
  memberId: string
  memberType: MemberType
}

/**
 * Where a user's manager reference sits in its document. Documents follow the SCIM layout
 * (src/scim/document.ts), and the manager is the enterprise extension's `manager.value`.
 */
export const MANAGER_PATH = ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager'] as const

/**
 * What a write asks of the manager reference it sets:
 * - `must-resolve` (the console, the admin API, the directory sync, which resolves DNs itself): it
 *   must be the id of another user of the tenant, or the write is refused;
 * - `may-be-unresolved` (SCIM in lenient mode: an IdP pushes users in its own order and may name a
 *   manager by its own id): a value that names no user (by id, externalId or userName) is kept as
 *   sent, and pointed at the user it names when that user is created.
 * Nobody manages themselves, in either mode.
 */
export type ManagerReference = 'must-resolve' | 'may-be-unresolved'

/**
 * The records Roster keeps, in domain terms. The store port speaks these types; the protocols
 * (SCIM, LDAP sync, admin API) translate to and from them.
 */

/** Who may write a tenant's users and groups (see docs/architecture.md, "source of truth"). */
export type IdentitySource = 'local' | 'scim' | 'ldap'
export const IDENTITY_SOURCES: readonly IdentitySource[] = ['local', 'scim', 'ldap']

export interface Tenant {
  id: string
  slug: string
  displayName: string
  source: IdentitySource
  /** Free-form per-tenant options that later features read (strict SCIM mode, SSO flags, …). */
  settings: Record<string, unknown>
  created: Date
  modified: Date
}

export type UserStatus = 'active' | 'inactive' | 'archived'
export const USER_STATUSES: readonly UserStatus[] = ['active', 'inactive', 'archived']

/** Where a record came from: created locally, pushed by an IdP over SCIM, or synced from LDAP. */
export type RecordOrigin = IdentitySource

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

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
}

export type UserChanges = Partial<
  Pick<User, 'userName' | 'externalId' | 'displayName' | 'email' | 'active' | 'status' | 'origin' | 'sourceAnchor' | 'sourceDn' | 'resource' | 'passwordHash'>
>

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

/** A SCIM bearer credential. The secret itself is never stored, only its hash. */
export interface ApiToken {
  id: string
  tenantId: string
  label: string
  created: Date
  lastUsed: Date | null
  revoked: Date | null
}

export type ActorType = 'system' | 'cli' | 'token' | 'user' | 'sync'

export interface Actor {
  type: ActorType
  /** Token id, user id, sync run id; null for the system itself. */
  id: string | null
  /** Human-readable name shown in the audit log: token label, userName, `cli:<os user>`. */
  label: string
  /**
   * The credential a user acted with, when it was not a session: a personal access token or an API
   * password. With `onBehalfOf`, the credential belongs to another user (it was issued to them by
   * the actor, who holds its secret): the request had that user's permissions, the actor did it.
   */
  via?: ActorCredential
}

export interface ActorCredential {
  credential: 'personal-token' | 'api-password'
  /** The token's id; null for an API password (one per user). */
  id: string | null
  /** The token's name; the user's name for an API password. */
  name: string
  onBehalfOf?: ActorRef
}

/** A user as a record of who did something names them: id, and the userName at the time. */
export interface ActorRef {
  id: string
  label: string
}

export interface AuditEvent {
  id: string
  tenantId: string
  at: Date
  actor: Actor
  /** `<resource>.<operation>`, e.g. `user.create`, `token.revoke`. */
  action: string
  resourceType: string
  resourceId: string | null
  /** Names of attributes the change touched; `before`/`after` values, secrets redacted. */
  changes: AuditChanges | null
  requestId: string | null
}

export interface AuditChanges {
  attributes: string[]
  before?: JsonObject
  after?: JsonObject
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'> & { at?: Date }

/**
 * Where a user's manager reference sits in its document. Documents follow the SCIM layout
 * (src/scim/document.ts), and the manager is the enterprise extension's `manager.value`.
 */
export const MANAGER_PATH = ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager'] as const

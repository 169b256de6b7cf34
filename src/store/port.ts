/**
 * The persistence port: what the domain needs from storage, in domain terms. The domain never sees
 * SQL; `postgres/` implements this once for both PGlite and a PostgreSQL server, and another adapter
 * (MongoDB, say) would implement the same interfaces.
 *
 * Rules every implementation keeps:
 * - every method that touches tenant data takes the tenant id and filters on it, so a record of
 *   another tenant is indistinguishable from a missing one;
 * - uniqueness violations surface as ConflictError, an unreachable database as StoreUnavailableError;
 * - `transaction` runs its callback against a Store bound to one transaction: all of it commits or
 *   none of it does.
 */
import type {
  ApiToken,
  AuditEvent,
  Group,
  GroupChanges,
  IdentitySource,
  MemberType,
  Membership,
  NewAuditEvent,
  NewGroup,
  NewUser,
  Tenant,
  User,
  UserChanges,
} from '../directory/model.js'
import type { GroupQueryResult, ResourceQuery, UserQueryResult } from './query.js'

export interface NewTenant {
  id?: string
  slug: string
  displayName: string
  source: IdentitySource
  settings?: Record<string, unknown>
}

export type TenantChanges = Partial<Pick<Tenant, 'displayName' | 'source' | 'settings'>>

export interface TenantRepo {
  create(tenant: NewTenant): Promise<Tenant>
  getById(id: string): Promise<Tenant | null>
  getBySlug(slug: string): Promise<Tenant | null>
  list(): Promise<Tenant[]>
  count(): Promise<number>
  update(id: string, changes: TenantChanges): Promise<Tenant | null>
}

export interface NewApiToken {
  id: string
  tenantId: string
  label: string
  secretHash: Buffer
}

export interface TokenUsage {
  tenantId: string
  tokenId: string
  at: Date
}

export interface TokenRepo {
  create(token: NewApiToken): Promise<ApiToken>
  /**
   * The one lookup not scoped by tenant: a presented credential is what tells us the tenant.
   * Returns the stored hash so the caller can compare it in constant time, and the tenant with it
   * (one round trip on every authenticated request).
   */
  findForVerification(id: string): Promise<{ token: ApiToken; secretHash: Buffer; tenant: Tenant } | null>
  list(tenantId: string, options?: { includeRevoked?: boolean }): Promise<ApiToken[]>
  /** Revokes the live token with this label; null when there is none. */
  revokeByLabel(tenantId: string, label: string, at: Date): Promise<ApiToken | null>
  /** Writes many last-used times in one statement (see directory/tokens.ts, UsageRecorder). */
  recordUsage(usages: TokenUsage[]): Promise<void>
}

export interface Page<T> {
  items: T[]
  /** Opaque position after the last item, or null at the end. */
  next: string | null
}

export interface UpdateOptions {
  /** Optimistic concurrency: fail with PreconditionFailedError unless the stored version is this. */
  ifVersion?: number
}

export interface UserRepo {
  insert(user: NewUser): Promise<User>
  /** `forUpdate` locks the row until the transaction ends (read-modify-write). */
  get(tenantId: string, id: string, options?: { forUpdate?: boolean }): Promise<User | null>
  getByUserName(tenantId: string, userName: string): Promise<User | null>
  getBySourceAnchor(tenantId: string, sourceAnchor: string): Promise<User | null>
  /** Which of these ids are users of the tenant. */
  existing(tenantId: string, ids: string[]): Promise<Set<string>>
  update(tenantId: string, id: string, changes: UserChanges, options?: UpdateOptions): Promise<User | null>
  /** Deletes the user and its memberships; false when there was no such user. */
  delete(tenantId: string, id: string): Promise<boolean>
  /**
   * Removes the reference at `path` (an object with a `value`) from every user whose reference
   * names `id`, bumping their versions; returns their ids. Used when the referenced user goes.
   */
  clearReference(tenantId: string, path: readonly string[], id: string): Promise<string[]>
  count(tenantId: string): Promise<number>
  /** Stable order by id; `after` is the `next` of the previous page. */
  list(tenantId: string, options: { limit: number; after?: string | null }): Promise<Page<User>>
  /**
   * Users of the tenant matching a resolved SCIM filter, sorted and paged (src/store/query.ts).
   * Throws InvalidCursorError for a cursor this query did not issue.
   */
  query(tenantId: string, query: ResourceQuery): Promise<UserQueryResult>
}

export interface GroupRepo {
  insert(group: NewGroup): Promise<Group>
  get(tenantId: string, id: string, options?: { forUpdate?: boolean }): Promise<Group | null>
  getByDisplayName(tenantId: string, displayName: string): Promise<Group | null>
  getBySourceAnchor(tenantId: string, sourceAnchor: string): Promise<Group | null>
  existing(tenantId: string, ids: string[]): Promise<Set<string>>
  update(tenantId: string, id: string, changes: GroupChanges, options?: UpdateOptions): Promise<Group | null>
  /** Records a change to the group's members: bumps version and modified without touching the rest. */
  touch(tenantId: string, id: string, options?: UpdateOptions): Promise<Group | null>
  /** Deletes the group, its own member rows and its rows as a member of other groups. */
  delete(tenantId: string, id: string): Promise<boolean>
  count(tenantId: string): Promise<number>
  list(tenantId: string, options: { limit: number; after?: string | null }): Promise<Page<Group>>
  /** Groups of the tenant matching a resolved SCIM filter, sorted and paged (see UserRepo.query). */
  query(tenantId: string, query: ResourceQuery): Promise<GroupQueryResult>
}

export interface MemberRef {
  memberId: string
  memberType: MemberType
}

/** One row per membership, so changing one member of a huge group costs one row. */
export interface MembershipRepo {
  /** Adds members that are not there yet; returns how many were new. */
  add(tenantId: string, groupId: string, members: MemberRef[]): Promise<number>
  /** Removes these members; returns how many were there. */
  remove(tenantId: string, groupId: string, memberIds: string[]): Promise<number>
  removeAll(tenantId: string, groupId: string): Promise<number>
  list(tenantId: string, groupId: string, options: { limit: number; after?: string | null }): Promise<Page<Membership>>
  count(tenantId: string, groupId: string): Promise<number>
  /** Groups that directly contain this member. */
  groupsOf(tenantId: string, memberId: string): Promise<string[]>
  /** The members of each of these groups, by group id (groups without members are absent). */
  membersOf(tenantId: string, groupIds: string[]): Promise<Map<string, Membership[]>>
  /** Every group each member belongs to, directly or through nested groups, by member id. */
  groupsOfMembers(tenantId: string, memberIds: string[]): Promise<Map<string, GroupOfMember[]>>
  /** Whether making these groups members of `groupId` would make a group contain itself. */
  wouldCreateCycle(tenantId: string, groupId: string, memberGroupIds: string[]): Promise<boolean>
}

export interface GroupOfMember {
  groupId: string
  displayName: string
  /** False when the membership comes through a nested group. */
  direct: boolean
}

export interface AuditQuery {
  limit: number
  /** `next` of the previous page; pages run from newest to oldest. */
  before?: string | null
  action?: string
  resourceId?: string
}

export interface AuditRepo {
  append(event: NewAuditEvent): Promise<AuditEvent>
  list(tenantId: string, query: AuditQuery): Promise<Page<AuditEvent>>
}

/** The repositories, bound either to the pool or to one transaction. */
export interface Repos {
  tenants: TenantRepo
  tokens: TokenRepo
  users: UserRepo
  groups: GroupRepo
  memberships: MembershipRepo
  audit: AuditRepo
}

export interface Store extends Repos {
  /** `pglite` (embedded, in DATA_DIR) or `postgres` (a server through DATABASE_URL). */
  readonly kind: 'pglite' | 'postgres'
  /** Runs fn in one transaction; nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>
  /** Resolves when the database answers; rejects with StoreUnavailableError otherwise. */
  ping(timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

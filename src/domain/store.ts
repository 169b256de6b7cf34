/**
 * The persistence port: what the domain needs from storage, in domain terms. The domain never sees
 * SQL; `postgres/` implements this once for both PGlite and a PostgreSQL server, and another adapter
 * (MongoDB, say) would implement the same interfaces.
 *
 * Rules every implementation keeps:
 * - every method that touches tenant data takes the tenant id and filters on it, so a record of
 *   another tenant is indistinguishable from a missing one;
 * - uniqueness violations surface as ConflictError, an unreachable database as StoreUnavailableError;
 * - a key that cannot name a record (not a uuid where ids are uuids; text with NUL or a lone surrogate) is simply not found, never an error;
 * - `transaction` runs its callback against a Store bound to one transaction: all of it commits or
 *   none of it does.
 */
import type { AssignmentReach, PersonalToken, PrincipalType, StoredCustomRole } from './access/model.js'
import type { LoginFailureRecord, SamlRequestKind, SamlRequestRecord, SamlSettings, SessionRecord, StoredSamlConfig } from './sign-in/model.js'
import type { ApiToken } from './credentials/model.js'
import type { AuditEvent, NewAuditEvent, ActorRef } from './audit/model.js'
import type { Group, GroupChanges, MemberType, Membership, NewGroup, NewUser, User, UserChanges } from './identity/model.js'
import type { IdentitySource, Tenant } from './tenancy/model.js'
import type {
  HighWaterMark,
  NewSyncRun,
  RankedSnapshotEntry,
  SnapshotEntry,
  SnapshotPosition,
  SnapshotKind,
  StoredDirectoryConnection,
  SyncLease,
  SyncOutcome,
  SyncRun,
  SyncState,
} from './directory-sync/model.js'
import type { JsonObject } from './json.js'
import type { CustomAttribute, CustomAttributeChanges, NewCustomAttribute } from './identity/custom-attribute-model.js'
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
  /** Many users in one statement (all or none: a uniqueness violation fails the lot); returned in no particular order. */
  insertMany(users: NewUser[]): Promise<User[]>
  /** `forUpdate` locks the row until the transaction ends (read-modify-write). */
  get(tenantId: string, id: string, options?: { forUpdate?: boolean }): Promise<User | null>
  getByUserName(tenantId: string, userName: string): Promise<User | null>
  /** Users whose primary email is this one (compared by emailKey, src/domain/identity/user-name.ts); at most `limit`. */
  getByEmail(tenantId: string, email: string, limit: number): Promise<User[]>
  getBySourceAnchor(tenantId: string, sourceAnchor: string): Promise<User | null>
  /** Users with these anchors, by anchor (absent when there is none). */
  getBySourceAnchors(tenantId: string, sourceAnchors: string[]): Promise<Map<string, User>>
  /** Users with these userNames (compared by userNameKey, src/domain/identity/user-name.ts), by key. */
  getByUserNames(tenantId: string, userNames: string[]): Promise<Map<string, User>>
  /** Ids of the users last synced from these (normalised) DNs, by DN. */
  idsBySourceDn(tenantId: string, dns: string[]): Promise<Map<string, string>>
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
  /**
   * Sets (or, with null, removes) the reference at `path` = [extension URN, attribute] of many users
   * at once, bumping their versions; returns the ids changed. An extension left empty is removed.
   */
  setReferences(tenantId: string, path: readonly [string, string], changes: Array<{ id: string; value: string | null }>): Promise<string[]>
  count(tenantId: string): Promise<number>
  /** Stable order by id; `after` is the `next` of the previous page. */
  list(tenantId: string, options: { limit: number; after?: string | null }): Promise<Page<User>>
  /**
   * Users of the tenant matching a resolved SCIM filter, sorted and paged (src/domain/query.ts).
   * Throws InvalidCursorError for a cursor this query did not issue.
   */
  query(tenantId: string, query: ResourceQuery): Promise<UserQueryResult>
}

export interface GroupRepo {
  insert(group: NewGroup): Promise<Group>
  /** Many groups in one statement; returned in no particular order. */
  insertMany(groups: NewGroup[]): Promise<Group[]>
  get(tenantId: string, id: string, options?: { forUpdate?: boolean }): Promise<Group | null>
  getByDisplayName(tenantId: string, displayName: string): Promise<Group | null>
  getBySourceAnchor(tenantId: string, sourceAnchor: string): Promise<Group | null>
  getBySourceAnchors(tenantId: string, sourceAnchors: string[]): Promise<Map<string, Group>>
  idsBySourceDn(tenantId: string, dns: string[]): Promise<Map<string, string>>
  existing(tenantId: string, ids: string[]): Promise<Set<string>>
  update(tenantId: string, id: string, changes: GroupChanges, options?: UpdateOptions): Promise<Group | null>
  /** Records a change to the group's members: bumps version and modified without touching the rest. */
  touch(tenantId: string, id: string, options?: UpdateOptions): Promise<Group | null>
  touchMany(tenantId: string, ids: string[]): Promise<void>
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
  /** Adds members to many groups in one statement; returns how many were new, by group. */
  addMany(tenantId: string, rows: Array<MemberRef & { groupId: string }>): Promise<Map<string, number>>
  /** Removes members from many groups in one statement; returns how many were there, by group. */
  removeMany(tenantId: string, rows: Array<{ groupId: string; memberId: string }>): Promise<Map<string, number>>
  list(tenantId: string, groupId: string, options: { limit: number; after?: string | null }): Promise<Page<Membership>>
  count(tenantId: string, groupId: string): Promise<number>
  /** Groups that directly contain this member. */
  groupsOf(tenantId: string, memberId: string): Promise<string[]>
  /** The members of each of these groups, by group id (groups without members are absent). */
  membersOf(tenantId: string, groupIds: string[]): Promise<Map<string, Membership[]>>
  /** Every group each member belongs to, directly or through nested groups, by member id. */
  groupsOfMembers(tenantId: string, memberIds: string[]): Promise<Map<string, GroupOfMember[]>>
  /** Every group-in-group edge of the tenant (nesting is rare next to user memberships). */
  nestingEdges(tenantId: string): Promise<Array<{ groupId: string; memberId: string }>>
  /**
   * Holds, until the current transaction ends, the tenant's lock on its group nesting: taken before
   * checking that a new group-in-group edge closes no cycle, so that two transactions cannot each
   * check against a graph without the other's edge and together close one (g1 ∋ g2, g2 ∋ g1).
   * Outside a transaction it guards nothing; callers take it inside theirs.
   */
  lockNesting(tenantId: string): Promise<void>
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
  /** Exact action (`user.update`), or every action under a prefix (`user.*`). */
  action?: string
  resourceId?: string
  /** The actor's id, or its label (userName, token name), case-insensitively. */
  actor?: string
  /** At or after. */
  from?: Date
  /** Before. */
  to?: Date
}

export interface AuditRepo {
  append(event: NewAuditEvent): Promise<AuditEvent>
  /** Many events in one statement. */
  appendMany(events: NewAuditEvent[]): Promise<void>
  list(tenantId: string, query: AuditQuery): Promise<Page<AuditEvent>>
}

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
   * users and groups a previous run may have created in bulk): the embedded store has no
   * autovacuum, and plans made without statistics are many times slower.
   */
  analyze(): Promise<void>
  /** Removes a run's rows; with `allRuns`, every run's rows of the tenant (left by killed runs). */
  clear(tenantId: string, runId: string, options?: { allRuns?: boolean }): Promise<void>
}

export interface SamlConfigRepo {
  get(tenantId: string): Promise<StoredSamlConfig | null>
  put(tenantId: string, settings: SamlSettings, spCertificate: string, sealedSpKey: string): Promise<StoredSamlConfig>
}

export interface SamlRequestRepo {
  save(request: SamlRequestRecord): Promise<void>
  /** The request if it exists, is of this kind and has not expired at `now`. */
  find(tenantId: string, id: string, kind: SamlRequestKind, now: Date): Promise<SamlRequestRecord | null>
  /** Deletes and returns it: of two concurrent responses to one request, only one gets it. */
  consume(tenantId: string, id: string, kind: SamlRequestKind, now: Date): Promise<SamlRequestRecord | null>
}

export interface SamlAssertionRepo {
  /** Records a consumed assertion id; false when it was consumed before (a replay). */
  consumeOnce(tenantId: string, id: string, expires: Date): Promise<boolean>
}

export interface SessionRepo {
  insert(session: SessionRecord): Promise<void>
  get(idHash: Buffer): Promise<SessionRecord | null>
  touch(idHash: Buffer, lastSeen: Date): Promise<void>
  delete(idHash: Buffer): Promise<boolean>
  /** Ends every session of the user at once; returns how many. */
  deleteForUser(tenantId: string, userId: string): Promise<number>
  /** Sessions of a SAML subject (optionally one IdP session index); returns the ended sessions. */
  deleteForSamlSubject(tenantId: string, nameId: string, sessionIndex: string | null): Promise<SessionRecord[]>
  countForUser(tenantId: string, userId: string): Promise<number>
}

export interface LoginFailureRepo {
  get(tenantId: string, key: string): Promise<LoginFailureRecord | null>
  /**
   * Counts one attempt atomically (concurrent attempts each count): starts a new window at `now` when
   * there is no record, its window is older than `windowMs`, or its lock has run out; a running lock
   * is kept. Returns the record after counting.
   */
  count(tenantId: string, key: string, now: Date, windowMs: number): Promise<LoginFailureRecord>
  put(tenantId: string, key: string, record: LoginFailureRecord): Promise<void>
  clear(tenantId: string, key: string): Promise<void>
}

export interface RoleRepo {
  list(tenantId: string): Promise<StoredCustomRole[]>
  get(tenantId: string, id: string): Promise<StoredCustomRole | null>
  getByName(tenantId: string, name: string): Promise<StoredCustomRole | null>
  insert(role: Omit<StoredCustomRole, 'created' | 'modified'>): Promise<StoredCustomRole>
  update(tenantId: string, id: string, changes: Partial<Pick<StoredCustomRole, 'name' | 'description' | 'permissions'>>): Promise<StoredCustomRole | null>
  delete(tenantId: string, id: string): Promise<boolean>
}

export interface RoleAssignmentRepo {
  /** False when the principal already holds the role. */
  assign(tenantId: string, role: string, principalType: PrincipalType, principalId: string): Promise<boolean>
  /** False when the principal did not hold the role. */
  unassign(tenantId: string, role: string, principalId: string): Promise<boolean>
  /** The roles assigned to this user or group itself. */
  ofPrincipal(tenantId: string, principalId: string): Promise<string[]>
  /** Every assignment that reaches the user: its own, and those of every group it is in, nested groups included. */
  reaching(tenantId: string, userId: string): Promise<AssignmentReach[]>
  /** How many principals hold the role (for refusing to delete a role in use, and for the last administrator). */
  holders(tenantId: string, role: string): Promise<Array<{ principalType: PrincipalType; principalId: string }>>
  removeForPrincipal(tenantId: string, principalId: string): Promise<string[]>
  removeForRole(tenantId: string, role: string): Promise<number>
}

export interface PersonalTokenRepo {
  create(token: Omit<PersonalToken, 'created' | 'lastUsed' | 'revoked'> & { secretHash: Buffer }): Promise<PersonalToken>
  findForVerification(id: string): Promise<{ token: PersonalToken; secretHash: Buffer } | null>
  listForUser(tenantId: string, userId: string): Promise<PersonalToken[]>
  get(tenantId: string, userId: string, id: string): Promise<PersonalToken | null>
  revoke(tenantId: string, userId: string, id: string, at: Date): Promise<PersonalToken | null>
  /** A new secret, now held by `issuedBy` (who regenerated it). */
  replaceSecret(tenantId: string, userId: string, id: string, secretHash: Buffer, issuedBy: ActorRef): Promise<PersonalToken | null>
  /** Records a use; skipped when the last one is recent (a write per request would be wasteful). */
  touch(id: string, at: Date): Promise<void>
}

export interface GroupOwnerRepo {
  get(tenantId: string, groupId: string): Promise<string | null>
  set(tenantId: string, groupId: string, ownerId: string | null): Promise<void>
  ownedBy(tenantId: string, userId: string): Promise<string[]>
  /** Moves every group `from` owns to `to`; returns the groups moved. */
  transfer(tenantId: string, from: string, to: string): Promise<string[]>
}

export interface GroupListQuery {
  /** Display names containing this, case-insensitively. */
  search?: string
  /** `next` of the previous page. */
  after?: string | null
  limit: number
}

/** A user as another record's list row names it (an owner), without reading the whole user. */
export interface UserRef {
  id: string
  userName: string
  /** The display name, else given and family name; null when the user has neither. */
  displayName: string | null
}

/**
 * A row of the console's group list, everything read in the page's one query. Role ids, not names:
 * built-in roles live in code, so the domain names them.
 */
export type GroupListItem = Group & { memberCount: number; owner: UserRef | null; roleIds: string[] }

/** The console's group list and member search. */
export interface GroupListRepo {
  list(tenantId: string, query: GroupListQuery): Promise<Page<GroupListItem>>
  /** A group's members (users and groups) by name; search matches userName, display name or email. */
  members(tenantId: string, groupId: string, query: GroupListQuery): Promise<Page<{ id: string; type: MemberType; name: string; email: string | null }>>
}

export interface UserApiSettings {
  apiAccess: boolean
  apiPasswordHash: string | null
  /** Who set the API password (and so knows it); null when there is none or it predates the record. */
  apiPasswordSetBy: ActorRef | null
}

export interface UserApiSettingsRepo {
  /** The defaults (access on, no password) when nothing was set. */
  get(tenantId: string, userId: string): Promise<UserApiSettings>
  put(tenantId: string, userId: string, settings: UserApiSettings): Promise<void>
}

export interface ServiceAccountRecord {
  userId: string
  ownerId: string
  description: string
}

/** A row of the console's service account list, read in one query with what the list shows of it. */
export interface ServiceAccountListItem {
  user: User
  owner: UserRef
  description: string
  /** Ids of the roles assigned to the account itself (not through groups). */
  roleIds: string[]
  apiAccess: boolean
  /** Tokens neither revoked nor expired. */
  tokenCount: number
  /** The latest use of any of its tokens, revoked ones included. */
  lastUsed: Date | null
}

export interface ServiceAccountRepo {
  insert(tenantId: string, account: ServiceAccountRecord): Promise<void>
  get(tenantId: string, userId: string): Promise<ServiceAccountRecord | null>
  /** By userName. */
  list(tenantId: string): Promise<ServiceAccountListItem[]>
  ownedBy(tenantId: string, ownerId: string): Promise<string[]>
  /** Moves every account `from` owns to `to`; returns the accounts moved. */
  transfer(tenantId: string, from: string, to: string): Promise<string[]>
}

/**
 * A tenant's custom user attribute definitions. The values live in the users' documents under an
 * extension URN; the `…Values` methods work on those, `urn` being that extension's key.
 */
export interface CustomAttributeRepo {
  /** In display order (position, then name). */
  list(tenantId: string): Promise<CustomAttribute[]>
  get(tenantId: string, id: string): Promise<CustomAttribute | null>
  insert(attribute: NewCustomAttribute): Promise<CustomAttribute>
  update(tenantId: string, id: string, changes: CustomAttributeChanges): Promise<CustomAttribute | null>
  delete(tenantId: string, id: string): Promise<boolean>
  /** How many users hold each of `values` for the attribute (values no user holds are left out). */
  countValues(tenantId: string, urn: string, name: string, values: string[]): Promise<Map<string, number>>
  /** How many users hold any value for the attribute. */
  countHolders(tenantId: string, urn: string, name: string): Promise<number>
  /**
   * Removes the attribute's value from every user holding one, bumping their versions (an extension
   * left empty is removed); returns each user changed with the value it held.
   */
  removeValues(tenantId: string, urn: string, name: string): Promise<Array<{ id: string; value: unknown }>>
}

/** The console's user list views: people who can sign in, switched off, or archived. */
export type UserListView = 'active' | 'inactive' | 'archived'
export const USER_LIST_SORTS = ['userName', 'name', 'email', 'status', 'lastSignIn', 'created'] as const
export type UserListSort = (typeof USER_LIST_SORTS)[number]

export interface UserListQuery {
  view: UserListView
  /**
   * Matches userName, name (display, given, family) and email, case-insensitively, as typed: every
   * whitespace-separated term must match; three or more characters match anywhere in a word, one
   * or two at the start of a word.
   */
  search?: string
  sort: UserListSort
  order: 'asc' | 'desc'
  /** `next` of the previous page (opaque keyset cursor; bound to sort, order, view and search). */
  after?: string | null
  limit: number
}

export type UserListItem = User & { lastSignIn: Date | null }

export interface UserListPage {
  items: UserListItem[]
  /** Null on the last page. */
  next: string | null
  /** Users in the view matching the search; with a search, counted up to a cap (see totalExact). */
  total: number
  /** False when a search matched more users than are counted: `total` then means "more than total - 1". */
  totalExact: boolean
}

/** The admin console's user list: server-side sort by any column, search and keyset paging. */
export interface UserListRepo {
  list(tenantId: string, query: UserListQuery): Promise<UserListPage>
  /** Records a successful sign-in time (the `lastSignIn` column). */
  recordSignIn(tenantId: string, userId: string, at: Date): Promise<void>
}

/** Removes what has expired at `now` (sessions, SAML requests and assertion ids, stale counters). */
export interface SignInHousekeeping {
  purgeExpired(now: Date): Promise<number>
}

/** The repositories, bound either to the pool or to one transaction. */
export interface Repos {
  tenants: TenantRepo
  tokens: TokenRepo
  users: UserRepo
  groups: GroupRepo
  memberships: MembershipRepo
  audit: AuditRepo
  directoryConnections: DirectoryConnectionRepo
  syncRuns: SyncRunRepo
  syncState: SyncStateRepo
  syncSnapshot: SyncSnapshotRepo
  samlConfigs: SamlConfigRepo
  samlRequests: SamlRequestRepo
  samlAssertions: SamlAssertionRepo
  sessions: SessionRepo
  loginFailures: LoginFailureRepo
  signInHousekeeping: SignInHousekeeping
  userList: UserListRepo
  roles: RoleRepo
  roleAssignments: RoleAssignmentRepo
  personalTokens: PersonalTokenRepo
  groupOwners: GroupOwnerRepo
  groupList: GroupListRepo
  userApiSettings: UserApiSettingsRepo
  serviceAccounts: ServiceAccountRepo
  customAttributes: CustomAttributeRepo
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

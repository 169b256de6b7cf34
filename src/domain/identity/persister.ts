/**
 * The identity concept's persistence port (Kratos: identity.Pool): users, groups, memberships,
 * group owners, the console's lists and custom attribute definitions.
 *
 * - userName is unique per tenant by its key (src/domain/identity/user-name.ts), a source anchor
 *   per tenant: a second one is a ConflictError;
 * - a membership is one row; the repositories change only what they are asked to. That a
 *   membership change is also a change of the member (its `groups`) is the domain's rule, which
 *   bumps the members with `UserRepo.touchMany` in the same transaction (identity/groups.ts), or
 *   asks for it with GroupRepo.change, whose one statement does it (its contract says so).
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AuditPersister } from '../audit/persister.js'
import type { NewAuditEvent } from '../audit/model.js'
import type { Group, GroupChanges, GroupOfMember, MemberType, Membership, NewGroup, NewUser, User, UserChanges } from './model.js'
import type { Page } from '../kernel/page.js'
import type { GroupQueryResult, ResourceQuery, UserQueryResult } from './query.js'
import type { CustomAttribute, CustomAttributeChanges, NewCustomAttribute } from './custom-attribute-model.js'
import type { NoticesPersister } from '../kernel/notices.js'

export interface UpdateOptions {
  /** Optimistic concurrency: fail with PreconditionFailedError unless the stored version is this. */
  ifVersion?: number
  /**
   * The audit event of this change, written with it atomically (both or neither, even outside a
   * transaction); nothing is recorded when the write changes nothing (no such record, a failed
   * version check). `resourceId` may be left null: the written record's id is used.
   */
  audit?: NewAuditEvent
}

/** What an insert can carry besides the record (see UpdateOptions.audit). */
export interface InsertOptions {
  audit?: NewAuditEvent
}

/** What a read of users returns besides the rows: `withGroups` fills User.groups in the same statement. */
export interface UserReadOptions {
  withGroups?: boolean
}

export interface UserRepo {
  /**
   * With `audit`, the event is written in the same statement (resourceId: the new user's id).
   * Resolves, in that statement too, the unresolved manager references (NewUser.managerUnresolved)
   * that name the new user — by its id or externalId as is, or by its userName's key: each such
   * report's `manager.value` becomes the new id, its version is bumped, it leaves the unresolved set
   * and, with `audit`, gets a `user.update` event (the given event's actor and request).
   */
  insert(user: NewUser, options?: InsertOptions): Promise<User>
  /**
   * Many users in one statement (all or none: a uniqueness violation fails the lot); returned in no
   * particular order. Resolves the references naming them as `insert` does (a reference naming
   * several of them: the one it names by id, else by externalId, else by userName), auditing each
   * with `options.audit` as template; their own `managerUnresolved` is not tracked.
   */
  insertMany(users: NewUser[], options?: InsertOptions): Promise<User[]>
  /**
   * The user a manager reference names: the user with this id, else the one with this externalId,
   * else the one whose userName has this value's key; null when none, or when two share the first
   * of these that matches (an ambiguous reference stays unresolved).
   */
  resolveReference(tenantId: string, value: string): Promise<string | null>
  /** `forUpdate` locks the row until the transaction ends (read-modify-write). */
  get(tenantId: string, id: string, options?: { forUpdate?: boolean } & UserReadOptions): Promise<User | null>
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
  /** `changes.managerUnresolved` tracks (or, null, untracks) the user's unresolved manager reference with the write. */
  update(tenantId: string, id: string, changes: UserChanges, options?: UpdateOptions & UserReadOptions): Promise<User | null>
  /**
   * Records a change to these users that is not in their own row (a group membership): bumps
   * version and modified, nothing else. Ids that are no user of the tenant are ignored.
   */
  touchMany(tenantId: string, ids: string[]): Promise<void>
  /**
   * Deletes the user and its memberships, bumping the groups it was a member of; false when there
   * was no such user.
   */
  delete(tenantId: string, id: string): Promise<boolean>
  /**
   * Removes the reference at `path` (an object with a `value`) from every user whose reference
   * names `id`, bumping their versions; returns their ids. Used when the referenced user goes.
   */
  clearReference(tenantId: string, path: readonly string[], id: string): Promise<string[]>
  /**
   * Sets (or, with null, removes) the reference at `path` = [extension URN, attribute] of many users
   * at once, bumping their versions; returns the ids changed. An extension left empty is removed.
   * The references set resolve (the changed users leave the unresolved set).
   */
  setReferences(tenantId: string, path: readonly [string, string], changes: Array<{ id: string; value: string | null }>): Promise<string[]>
  count(tenantId: string): Promise<number>
  /** Stable order by id; `after` is the `next` of the previous page. */
  list(tenantId: string, options: { limit: number; after?: string | null }): Promise<Page<User>>
  /**
   * Users of the tenant matching a resolved SCIM filter, sorted and paged (src/domain/identity/query.ts).
   * Throws InvalidCursorError for a cursor this query did not issue.
   */
  query(tenantId: string, query: ResourceQuery, options?: UserReadOptions): Promise<UserQueryResult>
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
  /**
   * One change of one group (SCIM PUT or PATCH, a console edit) as one atomic statement, without a
   * transaction and without a lock held past it: removes members (all of them, or those named),
   * adds members, bumps the version of every user that joined or left (once per join and once per
   * leave), and bumps the group's version and modified, writing `attributes` and `options.audit`
   * with that bump. Writes nothing at all and answers
   * - `stale` when the group is gone or, with `options.ifVersion`, not at that version (the version
   *   actually bumped: the check and the bump are one row update);
   * - `refused` when a member to add is no user or group of the tenant, not of its stated type, or
   *   of a type not in `members.addable`; `found` then says what each member to add is;
   * - `unchanged` when no member joins or leaves and there are no `attributes` (RFC 7644 §3.5.2.1:
   *   version and lastModified stay, nothing is audited).
   * A member both removed (or cleared) and added that was a member counts as leaving and joining
   * again, its row kept: what removing then adding would have done. The audit event's
   * `changes.after.memberCounts` is the store's to fill, as `{ added, removed }` of this write (the
   * counts are known only as it runs); the rest of the event is written as given.
   */
  change(tenantId: string, id: string, change: GroupUpdate, options?: UpdateOptions): Promise<GroupUpdateResult>
  /**
   * Deletes the group, its own member rows and its rows as a member of other groups, bumping the
   * groups that contained it. Its members are the caller's to bump (remove them first).
   */
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

/** What GroupRepo.change writes: the group's own attributes, its members, or both. */
export interface GroupUpdate {
  attributes?: GroupChanges
  members?: MemberUpdate
}

export interface MemberUpdate {
  /** Remove every member first (PUT, `replace members`). */
  removeAll: boolean
  /** Members to remove; those that are not members are ignored. */
  remove: string[]
  /** Members to add, each of its stated type when it has one; those already members are ignored. */
  add: Array<{ memberId: string; memberType?: MemberType }>
  /**
   * The types the change may add. Groups only by a caller that holds MembershipRepo.lockNesting
   * and has checked that they close no cycle; otherwise a group to add refuses the change.
   */
  addable: readonly MemberType[]
}

export type GroupUpdateResult =
  | { outcome: 'changed'; group: Group; added: number; removed: number }
  | { outcome: 'unchanged' }
  | { outcome: 'refused'; found: Map<string, MemberType> }
  | { outcome: 'stale' }

/**
 * One row per membership, so changing one member of a huge group costs one row. The writes change
 * membership rows only and return the memberships they changed: the domain bumps the members
 * (UserRepo.touchMany) and the groups (GroupRepo.touch) itself. A change of one group's members
 * that should cost one statement is GroupRepo.change.
 */
export interface MembershipRepo {
  /** Adds members that are not there yet; returns those that were new. */
  add(tenantId: string, groupId: string, members: MemberRef[]): Promise<MemberRef[]>
  /** Removes these members; returns those that were there. */
  remove(tenantId: string, groupId: string, memberIds: string[]): Promise<MemberRef[]>
  /** Removes every member of the group; returns them. */
  removeAll(tenantId: string, groupId: string): Promise<MemberRef[]>
  /** Adds members to many groups in one statement; returns the memberships that were new. */
  addMany(tenantId: string, rows: Array<MemberRef & { groupId: string }>): Promise<Membership[]>
  /** Removes members from many groups in one statement; returns the memberships that were there. */
  removeMany(tenantId: string, rows: Array<{ groupId: string; memberId: string }>): Promise<Membership[]>
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

export type { GroupOfMember } from './model.js'

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
   * Matches userName, name (display, given, family), email and externalId, case-insensitively, as typed: every
   * whitespace-separated term must match; three or more characters match anywhere in a word, one
   * or two at the start of a word.
   */
  search?: string
  sort: UserListSort
  order: 'asc' | 'desc'
  /** `next` or `previous` of another page (opaque keyset cursor; bound to sort, order, view and search). */
  after?: string | null
  /** Start at the first user whose sort key begins at or past this text ("go to M"); text sorts only. */
  from?: string | null
  /** The last page (read backward from the end). */
  last?: boolean
  limit: number
}

export type UserListItem = User & { lastSignIn: Date | null }

export interface UserListPage {
  items: UserListItem[]
  /** Null on the last page. */
  next: string | null
  /** The page before this one; absent on the first page (and where nothing is known to precede). */
  previous?: string
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

export interface IdentityPersister {
  users: UserRepo
  groups: GroupRepo
  memberships: MembershipRepo
  groupOwners: GroupOwnerRepo
  groupList: GroupListRepo
  userList: UserListRepo
  customAttributes: CustomAttributeRepo
}

/**
 * The repositories the identity writes use (identity/users.ts, identity/groups.ts): users, groups
 * and memberships, the audit trail, and role assignments (a deleted principal's go with it).
 */
export type IdentityStore = Transactional<Pick<IdentityPersister, 'users' | 'groups' | 'memberships'> & AuditPersister & { roleAssignments: PrincipalAssignments }>

/**
 * The one thing identity needs of role assignments: a deleted principal's go with it. Declared
 * here, by what identity uses, so identity does not depend on access (access builds on identity);
 * access's RoleAssignmentRepo is one.
 */
export interface PrincipalAssignments {
  /** Removes every assignment held by the principal; returns the roles it held. */
  removeForPrincipal(tenantId: string, principalId: string): Promise<string[]>
}

/** What custom attribute definitions use (identity/custom-attributes.ts): the definitions and the audit trail. */
export type CustomAttributeStore = Transactional<Pick<IdentityPersister, 'customAttributes'> & AuditPersister & NoticesPersister>

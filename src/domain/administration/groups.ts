/**
 * Group administration as an operator does it from the admin API and console: permissions checked
 * at use time; membership and name changes through the same domain functions as SCIM and the sync
 * (so a managed tenant refuses them); owners and roles are Roster's own and allowed everywhere.
 */
import type { GroupListItem, GroupListQuery, UserRef } from '../identity/persister.js'
import type { Page } from '../kernel/page.js'
import type { Store } from '../store.js'
import { NotFoundError, ValidationError } from '../kernel/errors.js'
import { roleRefs, type RoleRef } from '../access/model.js'
import type { Group, MemberType, User } from '../identity/model.js'
import { changeGroupMembers, createGroup, deleteGroup, getGroup, updateGroup } from '../identity/groups.js'
import { operatorActor, requireOutranks, requirePermissions, type Operator } from '../access/operator.js'
import { listRoles } from '../access/roles.js'
import type { WriteContext } from '../identity/writes.js'

const writeContext = (op: Operator): WriteContext => ({ tenant: op.tenant, actor: operatorActor(op), channel: 'admin', requestId: op.requestId })

export type GroupSummary = Omit<GroupListItem, 'roleIds'> & { roles: RoleRef[] }

/** A page of groups with what the console's list shows of each: two queries, whatever the page size. */
export async function listGroupsAs(store: Store, op: Operator, query: GroupListQuery): Promise<Page<GroupSummary>> {
  await requirePermissions(store, op, 'groups.view')
  return listGroups(store, op.tenant.id, query)
}

/**
 * The use cases below without an operator's permission checks, for the `roster` command: whoever
 * holds the data directory (or the server's local socket) holds every permission, so only the rules
 * that do not depend on who asks apply (source of truth, members of the tenant), audited as `ctx.actor`.
 */
export async function listGroups(store: Store, tenantId: string, query: GroupListQuery): Promise<Page<GroupSummary>> {
  const [page, roles] = await Promise.all([store.groupList.list(tenantId, query), listRoles(store, tenantId)])
  return { items: page.items.map(({ roleIds, ...g }) => ({ ...g, roles: roleRefs(roles, roleIds) })), next: page.next }
}

export interface GroupDetail {
  group: Group
  ownerId: string | null
  owner: UserRef | null
  /** Named like the list's, so that a group reads the same in list and detail. */
  roles: RoleRef[]
  memberCount: number
}

export async function getGroupAs(store: Store, op: Operator, id: string): Promise<GroupDetail> {
  await requirePermissions(store, op, 'groups.view')
  return groupDetail(store, op.tenant.id, id)
}

export async function groupDetail(store: Store, tenantId: string, id: string): Promise<GroupDetail> {
  const group = await getGroup(store, tenantId, id)
  const [ownerId, roleIds, memberCount, allRoles] = await Promise.all([
    store.groupOwners.get(tenantId, id),
    store.roleAssignments.ofPrincipal(tenantId, id),
    store.memberships.count(tenantId, id),
    listRoles(store, tenantId),
  ])
  const user = ownerId ? await store.users.get(tenantId, ownerId) : null
  return { group, ownerId, owner: user ? userRef(user) : null, roles: roleRefs(allRoles, roleIds), memberCount }
}

/** As the list queries name a user (UserRef), so that a group reads the same in list and detail. */
function userRef(user: User): UserRef {
  const name = (user.resource.name ?? {}) as Record<string, unknown>
  const parts = [name.givenName, name.familyName].filter((p): p is string => typeof p === 'string' && p.trim() !== '')
  return { id: user.id, userName: user.userName, displayName: user.displayName?.trim() || parts.join(' ').trim() || null }
}

async function setOwner(store: Store, ctx: WriteContext, groupId: string, ownerId: string | null): Promise<void> {
  if (ownerId !== null && !(await store.users.get(ctx.tenant.id, ownerId))) throw new ValidationError(`owner "${ownerId}" is not a user of this tenant`, 'ownerId')
  const before = await store.groupOwners.get(ctx.tenant.id, groupId)
  if (before === ownerId) return
  await store.groupOwners.set(ctx.tenant.id, groupId, ownerId)
  await store.audit.append({
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action: 'group.owner',
    resourceType: 'Group',
    resourceId: groupId,
    changes: { attributes: ['owner'], before: { owner: before }, after: { owner: ownerId } },
    requestId: ctx.requestId,
  })
}

export async function createGroupAs(store: Store, op: Operator, input: { displayName: string; ownerId: string | null }): Promise<Group> {
  await requirePermissions(store, op, 'groups.manage')
  return createGroupWith(store, writeContext(op), input)
}

export async function createGroupWith(store: Store, ctx: WriteContext, input: { displayName: string; ownerId: string | null }): Promise<Group> {
  return store.transaction(async (tx) => {
    const group = await createGroup(tx, ctx, { displayName: input.displayName, externalId: null, document: { displayName: input.displayName } })
    if (input.ownerId) await setOwner(tx, ctx, group.id, input.ownerId)
    return group
  })
}

/** Renames a group (a write the tenant's source of truth must allow) and/or changes its owner (always allowed). */
export async function updateGroupAs(store: Store, op: Operator, id: string, input: { displayName?: string; ownerId?: string | null }, ifVersion?: number[]): Promise<Group> {
  await requirePermissions(store, op, 'groups.manage')
  return updateGroupWith(store, writeContext(op), id, input, ifVersion)
}

export async function updateGroupWith(store: Store, ctx: WriteContext, id: string, input: { displayName?: string; ownerId?: string | null }, ifVersion?: number[]): Promise<Group> {
  return store.transaction(async (tx) => {
    let group = await getGroup(tx, ctx.tenant.id, id)
    if (input.displayName !== undefined && input.displayName !== group.displayName) {
      const displayName = input.displayName
      group = await updateGroup(tx, ctx, id, (current) => ({ group: { displayName, externalId: current.externalId, document: { ...current.resource, displayName } } }), { ifVersion })
    }
    if (input.ownerId !== undefined) await setOwner(tx, ctx, id, input.ownerId)
    return group
  })
}

export async function deleteGroupAs(store: Store, op: Operator, id: string, ifVersion?: number[]): Promise<void> {
  await requirePermissions(store, op, 'groups.manage')
  const group = await getGroup(store, op.tenant.id, id)
  await requireOutranks(store, op, group.id, `group ${group.displayName}`)
  await deleteGroup(store, writeContext(op), id, { ifVersion })
}

export async function groupMembersAs(store: Store, op: Operator, id: string, query: GroupListQuery) {
  await requirePermissions(store, op, 'groups.view')
  return groupMembers(store, op.tenant.id, id, query)
}

export async function groupMembers(store: Store, tenantId: string, id: string, query: GroupListQuery) {
  await getGroup(store, tenantId, id)
  return store.groupList.members(tenantId, id, query)
}

/** Adds and removes members in one change; every member must be a user or group of the tenant. */
export async function changeGroupMembersAs(
  store: Store,
  op: Operator,
  id: string,
  change: { add: Array<{ id: string; type: MemberType }>; remove: string[] },
): Promise<void> {
  await requirePermissions(store, op, 'groups.manage')
  const group = await getGroup(store, op.tenant.id, id)
  await requireOutranks(store, op, group.id, `group ${group.displayName}`)
  await changeMembers(store, writeContext(op), id, change)
}

export async function changeMembers(store: Store, ctx: WriteContext, id: string, change: { add: Array<{ id: string; type: MemberType }>; remove: string[] }): Promise<void> {
  try {
    await changeGroupMembers(store, ctx, id, { add: change.add.map((m) => ({ memberId: m.id, memberType: m.type })), remove: change.remove })
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) throw new ValidationError(err.message, 'add')
    throw err
  }
}

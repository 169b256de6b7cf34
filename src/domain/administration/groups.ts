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
  const [page, roles] = await Promise.all([store.groupList.list(op.tenant.id, query), listRoles(store, op.tenant.id)])
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
  const group = await getGroup(store, op.tenant.id, id)
  const [ownerId, roleIds, memberCount, allRoles] = await Promise.all([
    store.groupOwners.get(op.tenant.id, id),
    store.roleAssignments.ofPrincipal(op.tenant.id, id),
    store.memberships.count(op.tenant.id, id),
    listRoles(store, op.tenant.id),
  ])
  const user = ownerId ? await store.users.get(op.tenant.id, ownerId) : null
  return { group, ownerId, owner: user ? userRef(user) : null, roles: roleRefs(allRoles, roleIds), memberCount }
}

/** As the list queries name a user (UserRef), so that a group reads the same in list and detail. */
function userRef(user: User): UserRef {
  const name = (user.resource.name ?? {}) as Record<string, unknown>
  const parts = [name.givenName, name.familyName].filter((p): p is string => typeof p === 'string' && p.trim() !== '')
  return { id: user.id, userName: user.userName, displayName: user.displayName?.trim() || parts.join(' ').trim() || null }
}

async function setOwner(store: Store, op: Operator, groupId: string, ownerId: string | null): Promise<void> {
  if (ownerId !== null && !(await store.users.get(op.tenant.id, ownerId))) throw new ValidationError(`owner "${ownerId}" is not a user of this tenant`, 'ownerId')
  const before = await store.groupOwners.get(op.tenant.id, groupId)
  if (before === ownerId) return
  await store.groupOwners.set(op.tenant.id, groupId, ownerId)
  await store.audit.append({
    tenantId: op.tenant.id,
    actor: operatorActor(op),
    action: 'group.owner',
    resourceType: 'Group',
    resourceId: groupId,
    changes: { attributes: ['owner'], before: { owner: before }, after: { owner: ownerId } },
    requestId: op.requestId,
  })
}

export async function createGroupAs(store: Store, op: Operator, input: { displayName: string; ownerId: string | null }): Promise<Group> {
  await requirePermissions(store, op, 'groups.manage')
  return store.transaction(async (tx) => {
    const group = await createGroup(tx, writeContext(op), { displayName: input.displayName, externalId: null, document: { displayName: input.displayName } })
    if (input.ownerId) await setOwner(tx, op, group.id, input.ownerId)
    return group
  })
}

/** Renames a group (a write the tenant's source of truth must allow) and/or changes its owner (always allowed). */
export async function updateGroupAs(store: Store, op: Operator, id: string, input: { displayName?: string; ownerId?: string | null }, ifVersion?: number[]): Promise<Group> {
  await requirePermissions(store, op, 'groups.manage')
  return store.transaction(async (tx) => {
    let group = await getGroup(tx, op.tenant.id, id)
    if (input.displayName !== undefined && input.displayName !== group.displayName) {
      const displayName = input.displayName
      group = await updateGroup(tx, writeContext(op), id, (current) => ({ group: { displayName, externalId: current.externalId, document: { ...current.resource, displayName } } }), { ifVersion })
    }
    if (input.ownerId !== undefined) await setOwner(tx, op, id, input.ownerId)
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
  await getGroup(store, op.tenant.id, id)
  return store.groupList.members(op.tenant.id, id, query)
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
  try {
    await changeGroupMembers(store, writeContext(op), id, { add: change.add.map((m) => ({ memberId: m.id, memberType: m.type })), remove: change.remove })
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ValidationError) throw new ValidationError(err.message, 'add')
    throw err
  }
}

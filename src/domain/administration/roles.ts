/**
 * Roles as an operator manages them from the admin API and console: roles.manage is checked first,
 * at use time; the rules (self-protection, built-ins, audit) are the ones of roles.ts, shared with
 * the `roster role` command. Roles are Roster's own, so this works whatever the tenant's source of
 * truth.
 */
import type { AccessStore } from '../access/persister.js'
import type { Role } from '../access/model.js'
import { ConflictError } from '../kernel/errors.js'
import { getUser } from '../identity/users.js'
import { getGroup } from '../identity/groups.js'
import { operatorActor, requireHeld, requirePermissions, type Operator } from '../access/operator.js'
import { assignRole, createRole, deleteRole, findRole, unassignRole, updateRole, type AccessContext, type Principal, type RoleChanges } from '../access/roles.js'

const accessContext = (op: Operator): AccessContext => ({ tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId })

export async function createRoleAs(store: AccessStore, op: Operator, input: { name: string; description?: string; permissions: string[] }): Promise<Role> {
  await requireHeld(store, op, input.permissions, 'the new role')
  return createRole(store, accessContext(op), input)
}

/**
 * Edits a custom role with the rules of creating and assigning one: roles.manage, and every
 * permission the role carries before or after the change held by the operator. Adding one you lack
 * would grant it to every holder; removing one you lack would strip holders more powerful than you.
 */
export async function updateRoleAs(store: AccessStore, op: Operator, idOrName: string, changes: RoleChanges): Promise<Role> {
  await requirePermissions(store, op, 'roles.manage')
  const role = await findRole(store, op.tenant.id, idOrName)
  await requireHeld(store, op, [...role.permissions, ...(changes.permissions ?? [])], `role ${role.name}`)
  return updateRole(store, accessContext(op), role.id, changes, role)
}

/** Callers have checked roles.manage before looking the principal up (403 before 404). */
async function changePrincipalRole(store: AccessStore, op: Operator, principal: Principal, roleIdOrName: string, change: 'assign' | 'unassign'): Promise<boolean> {
  // Nobody changes their own roles, whichever: granting raises you, revoking may lock you out.
  if (principal.type === 'User' && principal.id === op.user.id) {
    throw new ConflictError(`you cannot ${change === 'assign' ? 'grant yourself roles' : 'revoke your own roles'}; ask another administrator`)
  }
  const role = await findRole(store, op.tenant.id, roleIdOrName)
  await requireHeld(store, op, role.permissions, `role ${role.name}`)
  return change === 'assign' ? assignRole(store, accessContext(op), role.id, principal) : unassignRole(store, accessContext(op), role.id, principal)
}

/** Deletes a custom role and every assignment of it: its holders' sessions end at their next request. */
export async function deleteRoleAs(store: AccessStore, op: Operator, idOrName: string): Promise<void> {
  await requirePermissions(store, op, 'roles.manage')
  await deleteRole(store, accessContext(op), idOrName)
}

/**
 * Gives a user a role or takes it away; true when that changed anything (repeating either is not an
 * error). The user must be in the operator's tenant: the store looks it up by tenant and id.
 */
export async function changeUserRoleAs(store: AccessStore, op: Operator, userId: string, role: string, change: 'assign' | 'unassign'): Promise<boolean> {
  await requirePermissions(store, op, 'roles.manage')
  const user = await getUser(store, op.tenant.id, userId)
  return changePrincipalRole(store, op, { type: 'User', id: user.id, label: user.userName }, role, change)
}

/** The same for a group: its members (nested groups included) hold the role. */
export async function changeGroupRoleAs(store: AccessStore, op: Operator, groupId: string, role: string, change: 'assign' | 'unassign'): Promise<boolean> {
  await requirePermissions(store, op, 'roles.manage')
  const group = await getGroup(store, op.tenant.id, groupId)
  return changePrincipalRole(store, op, { type: 'Group', id: group.id, label: group.displayName }, role, change)
}

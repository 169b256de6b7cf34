/**
 * Roles as an operator manages them from the admin API and console: roles.manage is checked first,
 * at use time; the rules (self-protection, built-ins, audit) are the ones of roles.ts, shared with
 * the `roster role` command. Roles are Roster's own, so this works whatever the tenant's source of
 * truth.
 */
import type { Store } from '../store/port.js'
import { PERMISSIONS, type Permission, type Role } from './access-model.js'
import { ConflictError, ForbiddenError } from '../errors.js'
import { getUser } from './users.js'
import { getGroup } from './groups.js'
import { operatorActor, requirePermissions, type Operator } from './operator.js'
import { assignRole, createRole, deleteRole, findRole, unassignRole, type AccessContext, type Principal } from './roles.js'

const accessContext = (op: Operator): AccessContext => ({ tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId })

/**
 * roles.manage lets an operator hand out what they hold, never more: a role (or a new role's
 * permission set) with a permission the operator lacks is refused, so a user manager with
 * roles.manage cannot mint an administrator, nor strip one.
 */
async function requireHeld(store: Store, op: Operator, permissions: readonly string[], what: string): Promise<void> {
  const access = await requirePermissions(store, op, 'roles.manage')
  const held = op.scope ? access.permissions.filter((p) => op.scope!.includes(p)) : access.permissions
  // Names that are no permission at all are createRole's to refuse (400 naming them), not ours.
  const missing = permissions.filter((p) => PERMISSIONS.includes(p as Permission) && !held.includes(p as Permission))
  if (missing.length) throw new ForbiddenError(`${what} carries permissions you do not hold yourself: ${missing.join(', ')}`)
}

export async function createRoleAs(store: Store, op: Operator, input: { name: string; description?: string; permissions: string[] }): Promise<Role> {
  await requireHeld(store, op, input.permissions, 'the new role')
  return createRole(store, accessContext(op), input)
}

async function changePrincipalRole(store: Store, op: Operator, principal: Principal, roleIdOrName: string, change: 'assign' | 'unassign'): Promise<boolean> {
  await requirePermissions(store, op, 'roles.manage')
  // Nobody changes their own roles, whichever: granting raises you, revoking may lock you out.
  if (principal.type === 'User' && principal.id === op.user.id) {
    throw new ConflictError(`you cannot ${change === 'assign' ? 'grant yourself roles' : 'revoke your own roles'}; ask another administrator`)
  }
  const role = await findRole(store, op.tenant.id, roleIdOrName)
  await requireHeld(store, op, role.permissions, `role ${role.name}`)
  return change === 'assign' ? assignRole(store, accessContext(op), role.id, principal) : unassignRole(store, accessContext(op), role.id, principal)
}

/** Deletes a custom role and every assignment of it: its holders' sessions end at their next request. */
export async function deleteRoleAs(store: Store, op: Operator, idOrName: string): Promise<void> {
  await requirePermissions(store, op, 'roles.manage')
  await deleteRole(store, accessContext(op), idOrName)
}

/**
 * Gives a user a role or takes it away; true when that changed anything (repeating either is not an
 * error). The user must be in the operator's tenant: the store looks it up by tenant and id.
 */
export async function changeUserRoleAs(store: Store, op: Operator, userId: string, role: string, change: 'assign' | 'unassign'): Promise<boolean> {
  await requirePermissions(store, op, 'roles.manage')
  const user = await getUser(store, op.tenant.id, userId)
  return changePrincipalRole(store, op, { type: 'User', id: user.id, label: user.userName }, role, change)
}

/** The same for a group: its members (nested groups included) hold the role. */
export async function changeGroupRoleAs(store: Store, op: Operator, groupId: string, role: string, change: 'assign' | 'unassign'): Promise<boolean> {
  await requirePermissions(store, op, 'roles.manage')
  const group = await getGroup(store, op.tenant.id, groupId)
  return changePrincipalRole(store, op, { type: 'Group', id: group.id, label: group.displayName }, role, change)
}

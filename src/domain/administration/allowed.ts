/**
 * What the operator may do to a record (the admin API's `allowed`, which the console reads),
 * computed with the domain's own checks, beside the use cases that apply them, so the console
 * offers only what the API would accept. Not the source-of-truth rule: `managedBy` says that.
 */
import { ForbiddenError } from '../kernel/errors.js'
import { requireCredentialsManage, requireHeld, requireOutranks, requirePermissions, type Operator } from '../access/operator.js'
import { listRoles } from '../access/roles.js'
import type { Store } from '../store.js'

/** Whether a domain check lets the operator through: its ForbiddenError means no. */
async function passes(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check()
    return true
  } catch (err) {
    if (err instanceof ForbiddenError) return false
    throw err
  }
}

/** The tenant's roles the operator may grant or take away: roles.manage, and each role's permissions held. */
async function grantableRoles(store: Store, op: Operator): Promise<string[]> {
  const roles = await listRoles(store, op.tenant.id)
  const held = await Promise.all(roles.map((r) => passes(() => requireHeld(store, op, r.permissions, `role ${r.name}`))))
  return roles.filter((_, i) => held[i]).map((r) => r.id)
}

/** What the operator may do to this user (GET /api/users/{id}'s `allowed`). */
export async function allowedOnUser(store: Store, op: Operator, userId: string) {
  const self = userId === op.user.id
  const [edit, remove, outranks, manageCredentials, grantRoles] = await Promise.all([
    passes(() => requirePermissions(store, op, 'users.edit')),
    passes(() => requirePermissions(store, op, 'users.delete')),
    passes(() => requireOutranks(store, op, userId, 'this user')),
    passes(() => requireCredentialsManage(store, op, userId)),
    // Nobody changes their own roles, whichever (the domain refuses it).
    self ? [] : grantableRoles(store, op),
  ])
  // Editing yourself needs no rank; changing your own status or existence is refused.
  const status = edit && outranks && !self
  const existence = remove && outranks && !self
  return {
    edit: edit && (self || outranks),
    activate: status,
    deactivate: status,
    archive: existence,
    restore: existence,
    delete: existence,
    manageRoles: !self && (await passes(() => requirePermissions(store, op, 'roles.manage'))),
    grantRoles,
    manageCredentials,
  }
}

/** What the operator may do to this group's roles (GET /api/groups/{id}'s `allowed`). */
export async function allowedOnGroup(store: Store, op: Operator) {
  const [manageRoles, grantRoles] = await Promise.all([passes(() => requirePermissions(store, op, 'roles.manage')), grantableRoles(store, op)])
  return { manageRoles, grantRoles }
}

/** The person (or a personal access token acting for them) behind an admin API request. */
import type { Store } from '../store/port.js'
import { ForbiddenError } from '../errors.js'
import type { Actor, Tenant, User } from './model.js'
import type { Permission } from './access-model.js'
import { effectiveAccess, type EffectiveAccess } from './roles.js'

export interface Operator {
  tenant: Tenant
  user: User
  requestId: string | null
  /** A personal access token's narrower permission set; absent for a session (all the user's). */
  scope?: Permission[] | null
}

export const operatorActor = (op: Operator): Actor => ({ type: 'user', id: op.user.id, label: op.user.userName })

/**
 * Checks the operator's permissions now (not at sign-in): a role taken away a second ago counts. A
 * token never grants more than its user has now; a narrower token grants less. Throws ForbiddenError
 * naming what is missing.
 */
export async function requirePermissions(store: Store, op: Operator, ...permissions: Permission[]): Promise<EffectiveAccess> {
  const access = await effectiveAccess(store, op.tenant.id, op.user.id)
  const held = op.scope ? access.permissions.filter((p) => op.scope!.includes(p)) : access.permissions
  const missing = permissions.filter((p) => !held.includes(p))
  if (missing.length) throw new ForbiddenError(`missing permission ${missing.join(', ')}`)
  return access
}

/** Tenant settings (SCIM tokens, single sign-on, the directory connection) need settings.manage. */
export async function requireSettings(store: Store, op: Operator): Promise<void> {
  await requirePermissions(store, op, 'settings.manage')
}

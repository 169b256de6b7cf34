/** The person (or a personal access token acting for them) behind an admin API request. */
import type { AccessPersister } from './persister.js'
import { ForbiddenError } from '../kernel/errors.js'
import type { Actor, ActorRef } from '../audit/model.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import { PERMISSIONS, type AssignmentReach, type Permission } from './model.js'
import { effectiveAccess, type EffectiveAccess } from './roles.js'

export interface Operator {
  tenant: Tenant
  user: User
  requestId: string | null
  /** A personal access token's narrower permission set; absent for a session (all the user's). */
  scope?: Permission[] | null
  /** The role assignments reaching the user, when the request has read them already (the session check). */
  reach?: AssignmentReach[]
  /** How the request proved who it is; absent: a session (or the user's own trusted channel). */
  credential?: OperatorCredential
}

/**
 * The credential behind an admin API request. A token or API password issued to `user` by someone
 * else is held by that someone (its secret was shown to them): they are the real actor.
 */
export type OperatorCredential =
  | { type: 'session' }
  | { type: 'personal-token'; id: string; name: string; issuedBy: ActorRef | null }
  | { type: 'api-password'; setBy: ActorRef | null }

// An Operator lives for one request: its access is read once however many checks the request makes
// (a role taken away during the request counts from the next one, as it would a moment later).
const accessOfRequest = new WeakMap<Operator, Promise<EffectiveAccess>>()

/** The operator's roles and permissions (before a token's narrowing), read once per request. */
export function operatorAccess(store: AccessPersister, op: Operator): Promise<EffectiveAccess> {
  let access = accessOfRequest.get(op)
  if (!access) {
    access = effectiveAccess(store, op.tenant.id, op.user.id, op.reach)
    accessOfRequest.set(op, access)
    access.catch(() => accessOfRequest.delete(op))
  }
  return access
}

/** Who really acts: the holder of the credential (its issuer), on behalf of its user when they differ. */
export function operatorPrincipal(op: Operator): ActorRef {
  const c = op.credential
  const holder = c?.type === 'personal-token' ? c.issuedBy : c?.type === 'api-password' ? c.setBy : null
  return holder ?? { id: op.user.id, label: op.user.userName }
}

/** The audit log's actor for what this request does: the real actor, and the credential it used. */
export function operatorActor(op: Operator): Actor {
  const principal = operatorPrincipal(op)
  const c = op.credential
  const onBehalfOf = principal.id === op.user.id ? {} : { onBehalfOf: { id: op.user.id, label: op.user.userName } }
  const via =
    c?.type === 'personal-token'
      ? { credential: 'personal-token' as const, id: c.id, name: c.name, ...onBehalfOf }
      : c?.type === 'api-password'
        ? { credential: 'api-password' as const, id: null, name: op.user.userName, ...onBehalfOf }
        : undefined
  return { type: 'user', id: principal.id, label: principal.label, ...(via ? { via } : {}) }
}

/** What this request may do: the user's permissions now, narrowed by a token's scope. */
export function heldPermissions(op: Operator, access: EffectiveAccess): Permission[] {
  return op.scope ? access.permissions.filter((p) => op.scope!.includes(p)) : access.permissions
}

/** The permissions in `wanted` that this request does not hold (unknown names are not counted). */
export async function lacking(store: AccessPersister, op: Operator, wanted: readonly string[]): Promise<Permission[]> {
  const held = heldPermissions(op, await operatorAccess(store, op))
  return wanted.filter((p): p is Permission => PERMISSIONS.includes(p as Permission) && !held.includes(p as Permission))
}

/**
 * Checks the operator's permissions now (not at sign-in): a role taken away a second ago counts. A
 * token never grants more than its user has now; a narrower token grants less. Throws ForbiddenError
 * naming what is missing.
 */
export async function requirePermissions(store: AccessPersister, op: Operator, ...permissions: Permission[]): Promise<EffectiveAccess> {
  const access = await operatorAccess(store, op)
  const missing = await lacking(store, op, permissions)
  if (missing.length) throw new ForbiddenError(`missing permission ${missing.join(', ')}`)
  return access
}

/**
 * roles.manage lets an operator hand out what they hold, never more: a role (or a new role's
 * permission set) with a permission the operator lacks is refused, so a user manager with
 * roles.manage cannot mint an administrator, nor strip one.
 */
export async function requireHeld(store: AccessPersister, op: Operator, permissions: readonly string[], what: string): Promise<void> {
  await requirePermissions(store, op, 'roles.manage')
  // Names that are no permission at all are createRole's to refuse (400 naming them), not ours.
  const missing = await lacking(store, op, permissions)
  if (missing.length) throw new ForbiddenError(`${what} carries permissions you do not hold yourself: ${missing.join(', ')}`)
}

/** Your own credentials need no permission; another user's need credentials.manage. */
export async function requireCredentialsManage(store: AccessPersister, op: Operator, userId: string): Promise<void> {
  if (userId !== op.user.id) await requirePermissions(store, op, 'credentials.manage')
}

/**
 * Changing someone more powerful than you (their details, status, existence) or a group whose
 * members hold more than you (its membership, its existence) would let you take that power over —
 * change an administrator's email to one your IdP account has, add yourself to the admins' group —
 * or strip it. Refused (403 naming what they hold and you do not). `principalId` is a user or a
 * group: a group's reach is its own roles and those of every group containing it.
 */
export async function requireOutranks(store: AccessPersister, op: Operator, principalId: string, what: string): Promise<void> {
  const missing = await lacking(store, op, (await effectiveAccess(store, op.tenant.id, principalId)).permissions)
  if (missing.length) throw new ForbiddenError(`${what} carries permissions you do not hold yourself (${missing.join(', ')}): ask someone who holds them`)
}

/** Tenant settings (SCIM tokens, single sign-on, the directory connection) need settings.manage. */
export async function requireSettings(store: AccessPersister, op: Operator): Promise<void> {
  await requirePermissions(store, op, 'settings.manage')
}

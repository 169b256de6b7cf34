/**
 * Roles and permissions. A user's effective permissions are the union of its own roles and those of
 * every group it is in, nested groups included; they are computed at each use (never cached on the
 * user), so a change to a group's roles or members takes effect at the next request.
 *
 * Roles are Roster's own: assigning them is allowed in every tenant, whatever its source of truth
 * (a directory decides who exists and who is in which group; Roster decides what they may do here).
 */
import type { AccessPersister, AccessStore } from './persister.js'
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../kernel/errors.js'
import type { Actor } from '../audit/model.js'
import type { Tenant } from '../tenancy/model.js'
import {
  ADMINISTRATOR,
  type AssignmentReach,
  BUILT_IN_ROLES,
  isPermission,
  PERMISSIONS,
  type Permission,
  type PrincipalType,
  type Role,
  type StoredCustomRole,
} from './model.js'

export interface AccessContext {
  tenant: Tenant
  actor: Actor
  requestId: string | null
}

const custom = (r: StoredCustomRole): Role => ({ id: r.id, name: r.name, description: r.description, builtIn: false, permissions: r.permissions })

/** Built-in roles first, then the tenant's own, by name. */
export async function listRoles(store: AccessPersister, tenantId: string): Promise<Role[]> {
  return [...BUILT_IN_ROLES, ...(await store.roles.list(tenantId)).map(custom)]
}

/** A role by id or (case-insensitive) name. */
export async function findRole(store: AccessPersister, tenantId: string, idOrName: string): Promise<Role> {
  const builtIn = BUILT_IN_ROLES.find((r) => r.id === idOrName || r.name.toLowerCase() === idOrName.toLowerCase())
  if (builtIn) return builtIn
  const stored = (await store.roles.get(tenantId, idOrName)) ?? (await store.roles.getByName(tenantId, idOrName))
  if (!stored) throw new NotFoundError(`no role "${idOrName}"`)
  return custom(stored)
}

function validPermissions(permissions: string[]): Permission[] {
  const unknown = permissions.filter((p) => !isPermission(p))
  if (unknown.length) throw new ValidationError(`unknown permission ${unknown.map((p) => `"${p}"`).join(', ')}: use ${PERMISSIONS.join(', ')}`, 'permissions')
  return [...new Set(permissions as Permission[])].sort()
}

function validName(name: string): string {
  const n = name.trim()
  if (!n || n.length > 100) throw new ValidationError('a role name is 1-100 characters', 'name')
  if (BUILT_IN_ROLES.some((r) => r.name.toLowerCase() === n.toLowerCase() || r.id === n.toLowerCase())) {
    throw new ConflictError(`"${n}" is the name of a built-in role`, 'name')
  }
  return n
}

export async function createRole(store: AccessStore, ctx: AccessContext, input: { name: string; description?: string; permissions: string[] }): Promise<Role> {
  const name = validName(input.name)
  const permissions = validPermissions(input.permissions)
  const description = (input.description ?? '').trim().slice(0, 500)
  return store.transaction(async (tx) => {
    if (await tx.roles.getByName(ctx.tenant.id, name)) throw new ConflictError(`a role named "${name}" exists`, 'name')
    const role = await tx.roles.insert({ id: '', tenantId: ctx.tenant.id, name, description, permissions })
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'role.create',
      resourceType: 'Role',
      resourceId: role.id,
      changes: { attributes: ['name', 'description', 'permissions'], after: { name, description, permissions } },
      requestId: ctx.requestId,
    })
    return custom(role)
  })
}

export interface RoleChanges {
  name?: string
  description?: string
  permissions?: string[]
}

/**
 * Edits a custom role's name, description or permissions; built-in roles are read-only. Its holders
 * get the new permissions at their next request: effective access is computed at each use from the
 * roles as stored, and the role keeps its id, so sessions (whose fingerprint is role ids) go on.
 * Audited with what changed, before and after; a change to nothing is no change and not audited.
 * `basedOn`: the role as the caller checked it (412 if its permissions changed since).
 */
export async function updateRole(store: AccessStore, ctx: AccessContext, idOrName: string, changes: RoleChanges, basedOn?: Role): Promise<Role> {
  const role = await findRole(store, ctx.tenant.id, idOrName)
  if (role.builtIn) throw new ConflictError(`${role.name} is a built-in role and cannot be changed; create a custom role instead`)
  const wanted: Partial<Pick<Role, 'name' | 'description' | 'permissions'>> = {}
  if (changes.name !== undefined) wanted.name = validName(changes.name)
  if (changes.description !== undefined) wanted.description = changes.description.trim().slice(0, 500)
  if (changes.permissions !== undefined) wanted.permissions = validPermissions(changes.permissions)
  return store.transaction(async (tx) => {
    const current = await tx.roles.get(ctx.tenant.id, role.id)
    if (!current) throw new NotFoundError(`no role "${idOrName}"`)
    // The caller's checks (permissions held) were made on `basedOn`: a change since voids them.
    if (basedOn && JSON.stringify(basedOn.permissions) !== JSON.stringify(current.permissions)) {
      throw new PreconditionFailedError(`role ${current.name} changed meanwhile; reload it and try again`)
    }
    const changed = (Object.keys(wanted) as Array<keyof typeof wanted>).filter((k) => JSON.stringify(wanted[k]) !== JSON.stringify(current[k]))
    if (!changed.length) return custom(current)
    if (wanted.name && wanted.name.toLowerCase() !== current.name.toLowerCase()) {
      const other = await tx.roles.getByName(ctx.tenant.id, wanted.name)
      if (other && other.id !== current.id) throw new ConflictError(`a role named "${wanted.name}" exists`, 'name')
    }
    const pick = (from: Record<string, unknown>) => Object.fromEntries(changed.map((k) => [k, from[k]]))
    const updated = await tx.roles.update(ctx.tenant.id, current.id, pick(wanted))
    if (!updated) throw new NotFoundError(`no role "${idOrName}"`)
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'role.update',
      resourceType: 'Role',
      resourceId: current.id,
      changes: { attributes: changed, before: { name: current.name, ...pick(current as unknown as Record<string, unknown>) }, after: { name: updated.name, ...pick(updated as unknown as Record<string, unknown>) } },
      requestId: ctx.requestId,
    })
    return custom(updated)
  })
}

/** Deletes a custom role and every assignment of it. Built-in roles stay. */
export async function deleteRole(store: AccessStore, ctx: AccessContext, idOrName: string): Promise<void> {
  const role = await findRole(store, ctx.tenant.id, idOrName)
  if (role.builtIn) throw new ConflictError(`${role.name} is a built-in role and cannot be deleted`)
  await store.transaction(async (tx) => {
    const holders = await tx.roleAssignments.removeForRole(ctx.tenant.id, role.id)
    await tx.roles.delete(ctx.tenant.id, role.id)
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'role.delete',
      resourceType: 'Role',
      resourceId: role.id,
      changes: { attributes: ['name', 'permissions', 'holders'], before: { name: role.name, permissions: role.permissions, holders } },
      requestId: ctx.requestId,
    })
  })
}

export interface Principal {
  type: PrincipalType
  id: string
  /** userName or group display name, for the audit log. */
  label: string
}

/**
 * Gives a role to a user or a group. Nobody grants or revokes Administrator on themselves: an
 * administrator cannot lock themselves out, and nobody raises themselves.
 */
export async function assignRole(store: AccessStore, ctx: AccessContext, roleIdOrName: string, principal: Principal): Promise<boolean> {
  return changeAssignment(store, ctx, roleIdOrName, principal, 'assign')
}

export async function unassignRole(store: AccessStore, ctx: AccessContext, roleIdOrName: string, principal: Principal): Promise<boolean> {
  return changeAssignment(store, ctx, roleIdOrName, principal, 'unassign')
}

async function changeAssignment(store: AccessStore, ctx: AccessContext, roleIdOrName: string, principal: Principal, op: 'assign' | 'unassign'): Promise<boolean> {
  const role = await findRole(store, ctx.tenant.id, roleIdOrName)
  if (role.id === ADMINISTRATOR && principal.type === 'User' && ctx.actor.type === 'user' && ctx.actor.id === principal.id) {
    throw new ConflictError(`you cannot ${op === 'assign' ? 'grant yourself' : 'revoke your own'} administrator rights; ask another administrator`)
  }
  return store.transaction(async (tx) => {
    const exists = principal.type === 'User' ? await tx.users.get(ctx.tenant.id, principal.id) : await tx.groups.get(ctx.tenant.id, principal.id)
    if (!exists) throw new NotFoundError(`no ${principal.type === 'User' ? 'user' : 'group'} with id "${principal.id}"`)
    const changed =
      op === 'assign' ? await tx.roleAssignments.assign(ctx.tenant.id, role.id, principal.type, principal.id) : await tx.roleAssignments.unassign(ctx.tenant.id, role.id, principal.id)
    if (changed) {
      await tx.audit.append({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: `role.${op}`,
        resourceType: principal.type,
        resourceId: principal.id,
        changes: { attributes: ['roles'], ...(op === 'assign' ? { after: { role: role.name } } : { before: { role: role.name } }), },
        requestId: ctx.requestId,
      })
    }
    return changed
  })
}

export interface EffectiveRole {
  role: Role
  /** Null when the user holds it itself; else every group that brings it ("via group Support"). */
  via: Array<{ groupId: string; groupName: string }> | null
}

export interface EffectiveAccess {
  roles: EffectiveRole[]
  permissions: Permission[]
}

/**
 * The user's roles with where each comes from, and the union of their permissions. `reach`: the
 * assignments reaching the user, when this request has read them already (the session check does).
 */
export async function effectiveAccess(store: AccessPersister, tenantId: string, userId: string, reach?: AssignmentReach[]): Promise<EffectiveAccess> {
  const [reaching, stored] = await Promise.all([reach ?? store.roleAssignments.reaching(tenantId, userId), store.roles.list(tenantId)])
  const customs = new Map(stored.map((r) => [r.id, custom(r)]))
  const byRole = new Map<string, EffectiveRole>()
  for (const r of reaching) {
    const role = BUILT_IN_ROLES.find((b) => b.id === r.role) ?? customs.get(r.role)
    if (!role) continue
    const entry = byRole.get(role.id) ?? { role, via: [] }
    if (r.via === null) entry.via = null
    else if (entry.via !== null) entry.via.push(r.via)
    byRole.set(role.id, entry)
  }
  const roles = [...byRole.values()]
  const permissions = [...new Set(roles.flatMap((r) => r.role.permissions))].sort()
  return { roles, permissions }
}

/** Throws 403-worthy ForbiddenError naming the missing permission. */
export async function requirePermission(store: AccessPersister, tenantId: string, userId: string, permission: Permission): Promise<void> {
  const { permissions } = await effectiveAccess(store, tenantId, userId)
  if (!permissions.includes(permission)) throw new ForbiddenError(`missing permission ${permission}`)
}

/** Every role id that reaches the user, sorted: part of a session's access fingerprint. */
export async function reachingRoleIds(store: Pick<AccessPersister, 'roleAssignments'>, tenantId: string, userId: string): Promise<string[]> {
  return roleIdsOf(await store.roleAssignments.reaching(tenantId, userId))
}

export const roleIdsOf = (reach: AssignmentReach[]): string[] => [...new Set(reach.map((r) => r.role))].sort()

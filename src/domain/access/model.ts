/** Permissions, roles and who holds them (docs/admin.md). */
import type { ActorRef } from '../audit/model.js'

export const PERMISSIONS = [
  'users.view',
  'users.create',
  'users.edit',
  'users.delete',
  'groups.view',
  'groups.manage',
  'roles.manage',
  'credentials.manage',
  'audit.view',
  'settings.manage',
] as const
export type Permission = (typeof PERMISSIONS)[number]

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value)

export type BuiltInRoleKey = 'administrator' | 'user-manager' | 'viewer' | 'general-user'

export interface Role {
  /** The built-in key, or a custom role's uuid. */
  id: string
  name: string
  description: string
  builtIn: boolean
  permissions: Permission[]
}

/** Built into every tenant; refined by releases, never edited by tenants. */
export const BUILT_IN_ROLES: readonly Role[] = [
  { id: 'administrator', name: 'Administrator', description: 'Everything, including settings, roles and credentials.', builtIn: true, permissions: [...PERMISSIONS] },
  {
    id: 'user-manager',
    name: 'User manager',
    description: 'Finds, creates, edits, switches on and off and deletes users; manages groups.',
    builtIn: true,
    permissions: ['users.view', 'users.create', 'users.edit', 'users.delete', 'groups.view', 'groups.manage'],
  },
  { id: 'viewer', name: 'Viewer', description: 'Sees users, groups and the audit log; changes nothing.', builtIn: true, permissions: ['users.view', 'groups.view', 'audit.view'] },
  { id: 'general-user', name: 'General user', description: 'Signs in; no administration.', builtIn: true, permissions: [] },
]

export const ADMINISTRATOR = 'administrator'

export type PrincipalType = 'User' | 'Group'

export interface StoredCustomRole {
  id: string
  tenantId: string
  name: string
  description: string
  permissions: Permission[]
  created: Date
  modified: Date
}

/** One assignment that reaches a user: its own (`via` null) or one of a group it is in. */
export interface AssignmentReach {
  role: string
  via: { groupId: string; groupName: string } | null
}

export interface PersonalToken {
  id: string
  tenantId: string
  userId: string
  name: string
  /** Null: every permission the user has at the time of use. */
  permissions: Permission[] | null
  expires: Date | null
  created: Date
  lastUsed: Date | null
  revoked: Date | null
  /** Who issued it (and so holds its secret): the user itself, or someone with credentials.manage. */
  issuedBy: ActorRef | null
}

/** A role as a list names it. */
export interface RoleRef {
  id: string
  name: string
}

/**
 * Names role ids read from assignments, in the order of `roles` (built-in first, then custom by
 * name); an id no role has (none should remain: deleting a role deletes its assignments) keeps
 * its id as its name rather than vanishing.
 */
export function roleRefs(roles: readonly Role[], ids: readonly string[]): RoleRef[] {
  const held = new Set(ids)
  const known = roles.filter((r) => held.has(r.id)).map((r) => ({ id: r.id, name: r.name }))
  const unknown = ids.filter((id) => !roles.some((r) => r.id === id)).map((id) => ({ id, name: id }))
  return [...known, ...unknown]
}

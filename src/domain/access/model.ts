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

/**
 * What each permission lets its holder do, as people read it: `label` beside a checkbox or badge,
 * `allows` after the permission's name (docs/admin.md, Permissions). Served by GET /api/me so the
 * console shows the catalogue without keeping its own copy.
 */
export const PERMISSION_CATALOGUE: Readonly<Record<Permission, { label: string; allows: string }>> = {
  'users.view': { label: 'See users and their details', allows: 'finding and reading users' },
  'users.create': { label: 'Create users', allows: 'creating users' },
  'users.edit': { label: 'Edit users, activate and deactivate them', allows: 'editing, activating and deactivating users' },
  'users.delete': { label: 'Archive and delete users', allows: 'deleting, archiving and restoring users' },
  'groups.view': { label: 'See groups and their members', allows: 'reading groups and their members' },
  'groups.manage': { label: 'Create, rename and delete groups; change members and owners', allows: 'creating, renaming and deleting groups, changing members and owners' },
  'roles.manage': { label: 'Define roles and give them to users and groups', allows: 'defining roles and assigning them to users and groups' },
  'credentials.manage': { label: 'Manage service accounts, API passwords and other users’ tokens', allows: 'personal access tokens, service accounts, API passwords' },
  'audit.view': { label: 'Read the audit log', allows: 'reading and exporting the audit log' },
  'settings.manage': { label: 'SCIM tokens, single sign-on and the directory connection', allows: 'SCIM tokens, single sign-on, the directory connection' },
}

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

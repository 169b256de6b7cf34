/**
 * What Roster reads from each kind of directory: filters, change tracking, and the mapper table
 * (sync/mappers.ts), one row per attribute. Adding an attribute to a preset is adding a row. Every
 * row's LDAP attribute can be overridden per tenant (`--map target=attribute`; an empty attribute
 * turns the row off), so the presets are defaults, not limits.
 */
import type { Mapper, MapperTable } from './mappers.js'

export type PresetName = 'ad' | 'openldap'
export const PRESET_NAMES: readonly PresetName[] = ['ad', 'openldap']

/** How a directory tells what changed since the last run. */
export type ChangeTracking = 'usn' | 'modifyTimestamp'

export interface Preset {
  name: PresetName
  label: string
  userFilter: string
  groupFilter: string
  mappers: MapperTable
  changeTracking: ChangeTracking
  /** Deletions are visible in the Deleted Objects container (AD, with the Show Deleted control). */
  deletedObjects: boolean
}

export const PRESETS: Record<PresetName, Preset> = {
  ad: {
    name: 'ad',
    label: 'Active Directory',
    // People only (objectClass=user also matches computers), without the built-in critical
    // accounts (Administrator, Guest, krbtgt) that every domain has.
    userFilter: '(&(objectCategory=person)(objectClass=user)(!(isCriticalSystemObject=TRUE)))',
    groupFilter: '(&(objectClass=group)(!(isCriticalSystemObject=TRUE)))',
    mappers: {
      users: [
        { target: 'anchor', ldap: 'objectGUID', transform: 'text' },
        { target: 'userName', ldap: 'userPrincipalName', transform: 'text' },
        { target: 'externalId', ldap: 'objectGUID', transform: 'text' },
        { target: 'displayName', ldap: 'displayName', transform: 'text' },
        { target: 'name.givenName', ldap: 'givenName', transform: 'text' },
        { target: 'name.familyName', ldap: 'sn', transform: 'text' },
        { target: 'emails', ldap: 'mail', transform: 'work' },
        { target: 'phoneNumbers', ldap: 'telephoneNumber', transform: 'work' },
        { target: 'title', ldap: 'title', transform: 'text' },
        { target: 'department', ldap: 'department', transform: 'text' },
        { target: 'employeeNumber', ldap: 'employeeID', transform: 'text' },
        { target: 'manager', ldap: 'manager', transform: 'dn' },
        { target: 'active', ldap: 'userAccountControl', transform: 'enabled' },
      ],
      groups: [
        { target: 'group.anchor', ldap: 'objectGUID', transform: 'text' },
        { target: 'group.displayName', ldap: 'cn', transform: 'text' },
        { target: 'group.member', ldap: 'member', transform: 'dns' },
        { target: 'group.memberUid', ldap: '', transform: 'values' },
      ],
    },
    changeTracking: 'usn',
    deletedObjects: true,
  },
  openldap: {
    name: 'openldap',
    label: 'OpenLDAP',
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(|(objectClass=groupOfNames)(objectClass=posixGroup))',
    mappers: {
      users: [
        { target: 'anchor', ldap: 'entryUUID', transform: 'text' },
        { target: 'userName', ldap: 'uid', transform: 'text' },
        { target: 'externalId', ldap: 'entryUUID', transform: 'text' },
        { target: 'displayName', ldap: 'cn', transform: 'text' },
        { target: 'name.givenName', ldap: 'givenName', transform: 'text' },
        { target: 'name.familyName', ldap: 'sn', transform: 'text' },
        { target: 'emails', ldap: 'mail', transform: 'work' },
        { target: 'phoneNumbers', ldap: 'telephoneNumber', transform: 'work' },
        { target: 'title', ldap: 'title', transform: 'text' },
        { target: 'department', ldap: 'departmentNumber', transform: 'text' },
        { target: 'employeeNumber', ldap: 'employeeNumber', transform: 'text' },
        { target: 'manager', ldap: 'manager', transform: 'dn' },
        { target: 'active', ldap: '', transform: 'enabled' },
      ],
      groups: [
        { target: 'group.anchor', ldap: 'entryUUID', transform: 'text' },
        { target: 'group.displayName', ldap: 'cn', transform: 'text' },
        { target: 'group.member', ldap: 'member', transform: 'dns' },
        { target: 'group.memberUid', ldap: 'memberUid', transform: 'values' },
      ],
    },
    changeTracking: 'modifyTimestamp',
    deletedObjects: false,
  },
}

/** Every target some preset maps, users' first, in table order: what `--map` accepts. */
export const MAPPING_TARGETS: readonly string[] = [
  ...new Set(PRESET_NAMES.flatMap((p) => PRESETS[p].mappers.users.map((m) => m.target))),
  ...new Set(PRESET_NAMES.flatMap((p) => PRESETS[p].mappers.groups.map((m) => m.target))),
]

/**
 * A preset's table with a tenant's overrides: an override replaces a row's LDAP attribute, or,
 * for a target only another preset maps, adds that preset's row reading the given attribute.
 */
export function presetMappers(preset: PresetName, overrides: Record<string, string>): MapperTable {
  const apply = (rows: Mapper[], kind: keyof MapperTable): Mapper[] => {
    const out = rows.map((m) => (m.target in overrides ? { ...m, ldap: overrides[m.target]! } : m))
    for (const [target, ldap] of Object.entries(overrides)) {
      if (out.some((m) => m.target === target)) continue
      const elsewhere = PRESET_NAMES.map((p) => PRESETS[p].mappers[kind].find((m) => m.target === target)).find(Boolean)
      if (elsewhere) out.push({ ...elsewhere, ldap })
    }
    return out
  }
  const { users, groups } = PRESETS[preset].mappers
  return { users: apply(users, 'users'), groups: apply(groups, 'groups') }
}

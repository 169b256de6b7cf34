/**
 * What Roster reads from a directory and how it maps to SCIM, per kind of directory. Every entry of
 * a preset's mapping can be overridden per tenant (`--map target=attribute`; an empty attribute
 * turns a target off), so the presets are defaults, not limits.
 */

/** User attributes Roster can fill from the directory. */
const USER_TARGETS = [
  'anchor',
  'userName',
  'externalId',
  'displayName',
  'name.givenName',
  'name.familyName',
  'emails',
  'phoneNumbers',
  'title',
  'department',
  'employeeNumber',
  'manager',
  'active',
] as const
/** Group attributes: prefixed so that one `--map` namespace covers both. */
const GROUP_TARGETS = ['group.anchor', 'group.displayName', 'group.member', 'group.memberUid'] as const

export type MappingTarget = (typeof USER_TARGETS)[number] | (typeof GROUP_TARGETS)[number]
export type Mapping = Record<MappingTarget, string>
export const MAPPING_TARGETS: readonly MappingTarget[] = [...USER_TARGETS, ...GROUP_TARGETS]

export type PresetName = 'ad' | 'openldap'
export const PRESET_NAMES: readonly PresetName[] = ['ad', 'openldap']

/** How a directory tells what changed since the last run. */
export type ChangeTracking = 'usn' | 'modifyTimestamp'

export interface Preset {
  name: PresetName
  label: string
  userFilter: string
  groupFilter: string
  mapping: Mapping
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
    mapping: {
      anchor: 'objectGUID',
      userName: 'userPrincipalName',
      externalId: 'objectGUID',
      displayName: 'displayName',
      'name.givenName': 'givenName',
      'name.familyName': 'sn',
      emails: 'mail',
      phoneNumbers: 'telephoneNumber',
      title: 'title',
      department: 'department',
      employeeNumber: 'employeeID',
      manager: 'manager',
      active: 'userAccountControl',
      'group.anchor': 'objectGUID',
      'group.displayName': 'cn',
      'group.member': 'member',
      'group.memberUid': '',
    },
    changeTracking: 'usn',
    deletedObjects: true,
  },
  openldap: {
    name: 'openldap',
    label: 'OpenLDAP',
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(|(objectClass=groupOfNames)(objectClass=posixGroup))',
    mapping: {
      anchor: 'entryUUID',
      userName: 'uid',
      externalId: 'entryUUID',
      displayName: 'cn',
      'name.givenName': 'givenName',
      'name.familyName': 'sn',
      emails: 'mail',
      phoneNumbers: 'telephoneNumber',
      title: 'title',
      department: 'departmentNumber',
      employeeNumber: 'employeeNumber',
      manager: 'manager',
      active: '',
      'group.anchor': 'entryUUID',
      'group.displayName': 'cn',
      'group.member': 'member',
      'group.memberUid': 'memberUid',
    },
    changeTracking: 'modifyTimestamp',
    deletedObjects: false,
  },
}

/** Attributes whose values are binary (read as buffers, turned into their usual text form). */
export const GUID_ATTRIBUTES = new Set(['objectguid'])
export const SID_ATTRIBUTES = new Set(['objectsid', 'tokengroups'])
export const BINARY_ATTRIBUTES = new Set([...GUID_ATTRIBUTES, ...SID_ATTRIBUTES])

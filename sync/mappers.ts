/**
 * Directory entry → what Roster keeps of it, one mapper per attribute (as Keycloak's LDAP
 * federation has one LDAPStorageMapper per attribute). A mapper is a row: the Roster attribute it
 * fills (target), the LDAP attribute it reads, and how the values turn into the target's value
 * (transform). A preset (sync/presets.ts) is a table of rows; a tenant's `--map target=attribute`
 * replaces one row's LDAP attribute. The reader asks the directory for exactly the attributes the
 * table names, and the mapped form, kept in the run's snapshot, carries the attributes already in
 * the SCIM document layout, so a new row needs nothing anywhere else.
 */
import { MANAGER_PATH } from '../src/domain/identity/model.js'
import type { Json, JsonObject } from '../src/domain/kernel/json.js'
import { normalizeDn } from './dn.js'
import type { DirectoryEntry } from './entry.js'

/** How an LDAP attribute's values become the target's value. */
export type Transform =
  /** The first value, as it is. */
  | 'text'
  /** The first value as the primary `work` value of a multi-valued SCIM attribute (emails, phoneNumbers). */
  | 'work'
  /** The first value as a normalised DN (a manager). */
  | 'dn'
  /** Every value as a normalised DN, without duplicates (group members). */
  | 'dns'
  /** Every value, without duplicates (posix memberUids). */
  | 'values'
  /** Whether the account is enabled: AD's userAccountControl flags, or a true/false attribute. */
  | 'enabled'

export interface Mapper {
  /**
   * The Roster attribute: a SCIM attribute path (`title`, `name.givenName`; enterprise extension
   * attributes by their name, `department`; group attributes prefixed `group.`), or one of the
   * targets a run uses itself: anchor, userName, manager, active, group.anchor,
   * group.displayName, group.member, group.memberUid.
   */
  target: string
  /** The LDAP attribute it reads; '' turns the mapper off. */
  ldap: string
  transform: Transform
}

export interface MapperTable {
  users: Mapper[]
  groups: Mapper[]
}

/** Group targets are prefixed so that one `--map` namespace covers users and groups. */
export const GROUP_PREFIX = 'group.'

/** Targets a run reads for itself; every other target is an attribute of the SCIM document. */
const USER_ROLES = new Set(['anchor', 'userName', 'manager', 'active'])
const GROUP_ROLES = new Set(['group.anchor', 'group.displayName', 'group.member', 'group.memberUid'])
/** Targets that cannot be turned off: without them an entry cannot be kept at all. */
export const REQUIRED_TARGETS: ReadonlySet<string> = new Set(['anchor', 'userName', 'group.anchor', 'group.displayName'])

/** The enterprise extension's attributes (RFC 7643 §4.3), placed under its URN. */
const ENTERPRISE_URN = MANAGER_PATH[0]
const ENTERPRISE_ATTRIBUTES = new Set(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'])

/** ACCOUNTDISABLE in AD's userAccountControl flags. */
const ACCOUNTDISABLE = 0x2

function isEnabled(entry: DirectoryEntry, attribute: string): boolean {
  if (!attribute) return true
  const raw = entry.first(attribute)
  if (raw === null) return true
  if (attribute.toLowerCase() === 'useraccountcontrol') {
    const flags = Number(raw)
    return !Number.isFinite(flags) || (flags & ACCOUNTDISABLE) === 0
  }
  return !/^(false|0|no|disabled|inactive)$/i.test(raw.trim())
}

const TRANSFORMS: Record<Transform, (entry: DirectoryEntry, attribute: string) => Json> = {
  text: (e, a) => e.first(a),
  work: (e, a) => {
    const v = e.first(a)
    return v === null ? null : [{ value: v, type: 'work', primary: true }]
  },
  dn: (e, a) => {
    const v = e.first(a)
    return v === null ? null : normalizeDn(v)
  },
  dns: (e, a) => [...new Set(e.all(a).map(normalizeDn))],
  values: (e, a) => [...new Set(e.all(a))],
  enabled: isEnabled,
}

/** A mapper's value for an entry; null when the entry has none. */
export function valueOf(mapper: Mapper, entry: DirectoryEntry): Json {
  return TRANSFORMS[mapper.transform](entry, mapper.ldap)
}

/** Where a target sits in the SCIM document: its path, enterprise attributes under their URN. */
export function documentPath(target: string): string[] {
  const path = (target.startsWith(GROUP_PREFIX) ? target.slice(GROUP_PREFIX.length) : target).split('.')
  return ENTERPRISE_ATTRIBUTES.has(path[0]!) ? [ENTERPRISE_URN, ...path] : path
}

/** Sets `value` at `path` in `doc`, creating the objects on the way. */
export function setPath(doc: JsonObject, path: readonly string[], value: Json): void {
  let node = doc
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    node = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (node[key] = {})
  }
  node[path[path.length - 1]!] = value
}

/** The document attributes the table's other rows fill (nothing for a value the entry lacks). */
function attributesOf(mappers: Mapper[], roles: ReadonlySet<string>, entry: DirectoryEntry): JsonObject {
  const doc: JsonObject = {}
  for (const m of mappers) {
    if (roles.has(m.target)) continue
    const value = valueOf(m, entry)
    if (value === null || (Array.isArray(value) && !value.length)) continue
    setPath(doc, documentPath(m.target), value)
  }
  return doc
}

/** The LDAP attribute of a target ('' when the table has no such row or it is off). */
export function ldapAttribute(mappers: Mapper[], target: string): string {
  return mappers.find((m) => m.target === target)?.ldap ?? ''
}

const text = (v: Json): string | null => (typeof v === 'string' ? v : null)
const texts = (v: Json): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/**
 * What a run keeps of a user entry. Type aliases (not interfaces) so that they are JSON as they
 * are: the snapshot stores them without conversion.
 */
export type MappedUser = {
  userName: string
  /** Normalised DN of the manager entry, resolved to a Roster user id when the run applies. */
  managerDn: string | null
  active: boolean
  /** The SCIM attributes the other mappers filled, in the document's layout. */
  attributes: JsonObject
}

export type MappedGroup = {
  displayName: string
  externalId: string | null
  /** Normalised DNs of members (users and nested groups). */
  memberDns: string[]
  /** posixGroup members by uid (matched against userName). */
  memberUids: string[]
  attributes: JsonObject
}

/**
 * A mapped entry, or why it could not be mapped. A failed entry that has its anchor is still
 * recorded as read (`anchor` set): its user is left as it is, not taken for gone.
 */
export type MapResult<T> = { ok: true; anchor: string; dn: string; value: T } | { ok: false; anchor: string | null; dn: string; problem: string }

/** The value of a target's mapper; what a missing or turned-off mapper gives. */
function read(mappers: Mapper[], target: string, entry: DirectoryEntry): Json {
  const m = mappers.find((x) => x.target === target)
  return m ? valueOf(m, entry) : null
}

export function mapUser(entry: DirectoryEntry, mappers: Mapper[]): MapResult<MappedUser> {
  const dn = normalizeDn(entry.dn)
  const anchor = text(read(mappers, 'anchor', entry))
  if (!anchor) return { ok: false, anchor: null, dn: entry.dn, problem: `has no ${ldapAttribute(mappers, 'anchor')} (the anchor attribute); skipped` }
  const userName = text(read(mappers, 'userName', entry))
  if (!userName) return { ok: false, anchor, dn: entry.dn, problem: `has no ${ldapAttribute(mappers, 'userName')} (mapped to userName); skipped, its user left as it is` }
  return {
    ok: true,
    anchor,
    dn,
    value: {
      userName,
      managerDn: text(read(mappers, 'manager', entry)),
      active: read(mappers, 'active', entry) !== false,
      attributes: attributesOf(mappers, USER_ROLES, entry),
    },
  }
}

export function mapGroup(entry: DirectoryEntry, mappers: Mapper[]): MapResult<MappedGroup> {
  const dn = normalizeDn(entry.dn)
  const anchor = text(read(mappers, 'group.anchor', entry))
  if (!anchor) return { ok: false, anchor: null, dn: entry.dn, problem: `has no ${ldapAttribute(mappers, 'group.anchor')} (the anchor attribute); skipped` }
  const displayName = text(read(mappers, 'group.displayName', entry))
  if (!displayName) return { ok: false, anchor, dn: entry.dn, problem: `has no ${ldapAttribute(mappers, 'group.displayName')} (mapped to displayName); skipped, its group left as it is` }
  return {
    ok: true,
    anchor,
    dn,
    value: {
      displayName,
      externalId: anchor,
      memberDns: texts(read(mappers, 'group.member', entry)),
      memberUids: texts(read(mappers, 'group.memberUid', entry)),
      attributes: attributesOf(mappers, GROUP_ROLES, entry),
    },
  }
}

/** The attributes a search asks for: those the table reads, plus what change tracking needs. */
export function attributesToRead(mappers: Mapper[], extra: string[]): string[] {
  return [...new Set([...mappers.map((m) => m.ldap), ...extra].filter(Boolean))]
}

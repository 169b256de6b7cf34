/**
 * Mapped directory entries → the domain's write inputs, in the canonical SCIM document layout
 * (src/scim/resources/document.ts): unassigned attributes absent, extension attributes under their URN.
 */
import type { GroupWrite } from '../src/domain/identity/groups.js'
import type { JsonObject } from '../src/domain/json.js'
import type { User } from '../src/domain/identity/model.js'
import { CUSTOM_ATTRIBUTES_URN } from '../src/domain/identity/custom-attribute-model.js'
import type { UserWrite } from '../src/domain/identity/users.js'
import type { MappedGroup, MappedUser } from './mapping.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

export function userWrite(u: MappedUser, anchor: string, dn: string, managerId: string | null, status: 'active' | 'inactive'): UserWrite {
  const doc: JsonObject = { userName: u.userName }
  if (u.externalId) doc.externalId = u.externalId
  const name: JsonObject = {}
  if (u.givenName) name.givenName = u.givenName
  if (u.familyName) name.familyName = u.familyName
  if (u.givenName || u.familyName) name.formatted = [u.givenName, u.familyName].filter(Boolean).join(' ')
  if (Object.keys(name).length) doc.name = name
  if (u.displayName) doc.displayName = u.displayName
  if (u.title) doc.title = u.title
  doc.active = status === 'active'
  if (u.email) doc.emails = [{ value: u.email, type: 'work', primary: true }]
  if (u.phone) doc.phoneNumbers = [{ value: u.phone, type: 'work', primary: true }]
  const ext: JsonObject = {}
  if (u.employeeNumber) ext.employeeNumber = u.employeeNumber
  if (u.department) ext.department = u.department
  if (managerId) ext.manager = { value: managerId }
  if (Object.keys(ext).length) doc[ENTERPRISE] = ext
  return {
    userName: u.userName,
    externalId: u.externalId,
    displayName: u.displayName,
    email: u.email,
    active: status === 'active',
    status,
    managerId,
    document: doc,
    sourceAnchor: anchor,
    sourceDn: dn,
    origin: 'ldap',
  }
}

export function groupWrite(g: MappedGroup, anchor: string, dn: string): GroupWrite {
  const doc: JsonObject = { displayName: g.displayName }
  if (g.externalId) doc.externalId = g.externalId
  return { displayName: g.displayName, externalId: g.externalId, document: doc, sourceAnchor: anchor, sourceDn: dn, origin: 'ldap' }
}

/**
 * The directory's view of a user, with what the directory does not hold kept from the stored user:
 * the tenant's custom attribute values (set in Roster, which no directory attribute maps to), so a
 * re-sync never wipes them.
 */
export function keepRosterValues(write: UserWrite, current: User): UserWrite {
  const kept = current.resource[CUSTOM_ATTRIBUTES_URN]
  if (kept === undefined || write.document[CUSTOM_ATTRIBUTES_URN] !== undefined) return write
  return { ...write, document: { ...write.document, [CUSTOM_ATTRIBUTES_URN]: kept } }
}

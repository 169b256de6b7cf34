/**
 * Mapped directory entries → the domain's write inputs, in the canonical SCIM document layout
 * (src/scim/document.ts): unassigned attributes absent, extension attributes under their URN.
 */
import type { GroupWrite } from '../src/directory/groups.js'
import type { JsonObject } from '../src/directory/model.js'
import type { UserWrite } from '../src/directory/users.js'
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

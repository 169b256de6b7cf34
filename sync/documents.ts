/**
 * Mapped directory entries → the domain's write inputs, in the canonical SCIM document layout
 * (src/scim/schema/document.ts): unassigned attributes absent, extension attributes under their
 * URN. The mappers placed every attribute already (sync/mappers.ts); what is added here is what a
 * run decides when it applies: `active` from the status, the manager's Roster id, and the name's
 * formatted form.
 */
import type { GroupWrite } from '../src/domain/identity/groups.js'
import type { Json, JsonObject } from '../src/domain/kernel/json.js'
import { MANAGER_PATH, type User } from '../src/domain/identity/model.js'
import { CUSTOM_ATTRIBUTES_URN } from '../src/domain/identity/custom-attribute-model.js'
import type { UserWrite } from '../src/domain/identity/users.js'
import { setPath, type MappedGroup, type MappedUser } from './mappers.js'

const text = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null)
const object = (v: Json | undefined): JsonObject | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null)

/** The first value of a multi-valued attribute (`emails`): its primary one, as the mappers put it first. */
function firstValue(v: Json | undefined): string | null {
  return Array.isArray(v) ? text(object(v[0])?.value) : null
}

export function userWrite(u: MappedUser, anchor: string, dn: string, managerId: string | null, status: 'active' | 'inactive'): UserWrite {
  const doc: JsonObject = { userName: u.userName, ...structuredClone(u.attributes) }
  const name = object(doc.name)
  if (name && (name.givenName || name.familyName) && name.formatted === undefined) {
    name.formatted = [text(name.givenName), text(name.familyName)].filter(Boolean).join(' ')
  }
  doc.active = status === 'active'
  if (managerId) setPath(doc, MANAGER_PATH, { value: managerId })
  return {
    userName: u.userName,
    externalId: text(doc.externalId),
    displayName: text(doc.displayName),
    email: firstValue(doc.emails),
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
  const doc: JsonObject = { displayName: g.displayName, ...structuredClone(g.attributes) }
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

import type { JsonObject } from '../kernel/json.js'
import type { User } from '../identity/model.js'
import type { CustomAttribute } from '../identity/custom-attribute-model.js'
import { definedValues } from '../identity/custom-attributes.js'

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/**
 * A user as an operator reads it, in the console's words (firstName, lastName, phone). The admin API
 * and `roster user --json` print these same fields, so a script can move between the two; with the
 * tenant's definitions, the custom attribute values too (`attributes`).
 */
export function personView(user: User, definitions?: readonly CustomAttribute[]) {
  const name = (user.resource.name ?? {}) as JsonObject
  const phones = Array.isArray(user.resource.phoneNumbers) ? (user.resource.phoneNumbers as JsonObject[]) : []
  return {
    id: user.id,
    userName: user.userName,
    firstName: str(name.givenName),
    lastName: str(name.familyName),
    displayName: user.displayName,
    email: user.email,
    phone: str(phones[0]?.value),
    externalId: user.externalId,
    status: user.status,
    active: user.active,
    origin: user.origin,
    ...(definitions ? { attributes: definedValues(user.resource, definitions) } : {}),
    version: user.version,
    created: user.created.toISOString(),
    modified: user.modified.toISOString(),
  }
}

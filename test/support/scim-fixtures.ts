/**
 * Shared data for the SCIM unit tests (no app, no store: test/support/scim.ts is the HTTP side):
 * the RFC 7643 §8 example user, and registries with a test-only extension of User.
 */
import type { JsonObject } from '../../src/domain/kernel/json.js'
import { createRegistry, type SchemaDefinition, type SchemaRegistry } from '../../src/scim/schema/schemas.js'

/**
 * `base` (normally loadSchemas()) plus `extension`, listed as a schema extension of User after the
 * ones `base` has.
 */
export function withUserExtension(base: SchemaRegistry, extension: SchemaDefinition, required = false): SchemaRegistry {
  return createRegistry(
    [...base.schemas, extension],
    base.resourceTypes.map((rt) => (rt.name === 'User' ? { ...rt, schemaExtensions: [...(rt.schemaExtensions ?? []), { schema: extension.id, required }] } : rt)),
  )
}

/**
 * The attributes of the RFC 7643 §8.2 full User that a client sets and the server stores as given,
 * `externalId` to `active` (not `schemas`, `id`, `password`, `groups`, `x509Certificates`, `meta`).
 * A new copy on each call.
 */
export function rfc7643UserAttributes(): JsonObject {
  return {
    externalId: '701984',
    userName: 'bjensen@example.com',
    name: {
      formatted: 'Ms. Barbara J Jensen, III',
      familyName: 'Jensen',
      givenName: 'Barbara',
      middleName: 'Jane',
      honorificPrefix: 'Ms.',
      honorificSuffix: 'III',
    },
    displayName: 'Babs Jensen',
    nickName: 'Babs',
    profileUrl: 'https://login.example.com/bjensen',
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    addresses: [
      {
        type: 'work',
        streetAddress: '100 Universal City Plaza',
        locality: 'Hollywood',
        region: 'CA',
        postalCode: '91608',
        country: 'USA',
        formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA',
        primary: true,
      },
      {
        type: 'home',
        streetAddress: '456 Hollywood Blvd',
        locality: 'Hollywood',
        region: 'CA',
        postalCode: '91608',
        country: 'USA',
        formatted: '456 Hollywood Blvd\nHollywood, CA 91608 USA',
      },
    ],
    phoneNumbers: [
      { value: '555-555-5555', type: 'work' },
      { value: '555-555-4444', type: 'mobile' },
    ],
    ims: [{ value: 'someaimhandle', type: 'aim' }],
    photos: [
      { value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' },
      { value: 'https://photos.example.com/profilephoto/72930000000Ccne/T', type: 'thumbnail' },
    ],
    userType: 'Employee',
    title: 'Tour Guide',
    preferredLanguage: 'en-US',
    locale: 'en-US',
    timezone: 'America/Los_Angeles',
    active: true,
  }
}

/**
 * The enterprise extension of the RFC 7643 §8.3 User as stored: without the readOnly
 * `manager.displayName` ("John Smith" in the RFC). A new copy on each call.
 */
export function rfc7643EnterpriseAttributes(): JsonObject {
  return {
    employeeNumber: '701984',
    costCenter: '4130',
    organization: 'Universal Studios',
    division: 'Theme Park',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' },
  }
}

/** What the PATCH tests share: the schemas, RFC 7643 documents, and patch-or-refuse helpers. */
import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { ScimError } from '../../../src/scim/errors.js'
import { PATCH_OP_URN, parsePatchRequest, type PatchOptions } from '../../../src/scim/messages/patch-op.js'
import { applyPatch, type PatchResult } from '../../../src/scim/patch/apply.js'
import { loadSchemas, type SchemaDefinition, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'
import { rfc7643EnterpriseAttributes, rfc7643UserAttributes, withUserExtension } from '../../support/scim-fixtures.js'

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const TEST_EXT = 'urn:example:params:scim:schemas:extension:roster-test:2.0:User'

/** strict or lenient, and (lenient) where notes are taken. */
export type Mode = PatchOptions
export const LENIENT: Mode = { strict: false }
export const STRICT: Mode = { strict: true }
export const BOTH: [string, Mode][] = [
  ['lenient', LENIENT],
  ['strict', STRICT],
]

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

export const body = (...ops: unknown[]): unknown => ({ schemas: [PATCH_OP_URN], Operations: ops })

/** RFC 7643 §8.2 (full User), as a stored document: no id/meta/schemas/groups/password, no readOnly manager.displayName. */
export const BJENSEN: JsonObject = deepFreeze<JsonObject>({
  ...rfc7643UserAttributes(),
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
  [ENTERPRISE]: rfc7643EnterpriseAttributes(),
})

/** RFC 7643 §8.4 "Tour Guides": members are never part of the document. */
export const TOUR_GUIDES: JsonObject = deepFreeze({ displayName: 'Tour Guides' })

/** The RFC 7644 §3.5.2.1 example's user before its path-less add (one work email). */
export const SMALL_USER: JsonObject = deepFreeze({
  userName: 'bjensen',
  emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
})

/** An extension with the types and characteristics the standard schemas lack. */
export const TEST_SCHEMA: SchemaDefinition = {
  id: TEST_EXT,
  name: 'RosterTest',
  attributes: [
    { name: 'badge', type: 'integer', multiValued: false },
    { name: 'score', type: 'decimal', multiValued: false },
    { name: 'hired', type: 'dateTime', multiValued: false },
    { name: 'token', type: 'binary', multiValued: false, caseExact: true },
    { name: 'employeeId', type: 'string', multiValued: false, mutability: 'immutable' },
    { name: 'codes', type: 'string', multiValued: true, caseExact: true },
    {
      name: 'badges',
      type: 'complex',
      multiValued: true,
      subAttributes: [
        { name: 'value', type: 'string', multiValued: false },
        { name: 'serial', type: 'string', multiValued: false, mutability: 'immutable' },
      ],
    },
  ],
}

export const registry: SchemaRegistry = loadSchemas()
/** The standard schemas plus TEST_SCHEMA as a User extension. */
export const testRegistry: SchemaRegistry = withUserExtension(registry, TEST_SCHEMA)

export interface Options {
  mode?: Mode
  type?: 'User' | 'Group'
  reg?: SchemaRegistry
}

/** parsePatchRequest + applyPatch on a frozen copy; checks the input is untouched. */
export function patch(doc: JsonObject, ops: unknown[], options: Options = {}): PatchResult {
  const mode = options.mode ?? LENIENT
  const input = deepFreeze(structuredClone(doc))
  const parsed = parsePatchRequest(body(...ops), mode)
  const result = applyPatch(options.reg ?? registry, options.type ?? 'User', input, parsed, mode)
  assert.deepEqual(input, doc)
  assert.notEqual(result.document, input)
  return result
}

export function refuse(doc: JsonObject, ops: unknown[], scimType: string, options: Options & { match?: RegExp } = {}): ScimError {
  try {
    patch(doc, ops, options)
  } catch (err) {
    assert.ok(err instanceof ScimError, `expected a ScimError, got ${String(err)}`)
    assert.equal(err.status, 400)
    assert.equal(err.code, scimType, `scimType of "${err.message}"`)
    if (options.match) assert.match(err.message, options.match)
    return err
  }
  return assert.fail(`expected a 400 ${scimType} for ${JSON.stringify(ops)}`)
}

export function refuseBody(input: unknown, scimType: string, mode: Mode = LENIENT, match?: RegExp): ScimError {
  try {
    parsePatchRequest(input, mode)
  } catch (err) {
    assert.ok(err instanceof ScimError, `expected a ScimError, got ${String(err)}`)
    assert.equal(err.status, 400)
    assert.equal(err.code, scimType, `scimType of "${err.message}"`)
    if (match) assert.match(err.message, match)
    return err
  }
  return assert.fail(`expected a 400 ${scimType} for ${JSON.stringify(input)}`)
}

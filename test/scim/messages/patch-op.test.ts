import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/json.js'
import { ScimError } from '../../../src/scim/messages/error.js'
import { applyPatch, PATCH_LIMITS, PATCH_OP_URN, parsePatchRequest, type PatchOperation, type PatchResult } from '../../../src/scim/messages/patch-op.js'
import { loadSchemas, type SchemaDefinition, type SchemaRegistry } from '../../../src/scim/resources/schemas.js'
import { prng } from '../../support/prng.js'
import { rfc7643EnterpriseAttributes, rfc7643UserAttributes, withUserExtension } from '../../support/scim-fixtures.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const TEST_EXT = 'urn:example:params:scim:schemas:extension:roster-test:2.0:User'

type Mode = { strict: boolean }
const LENIENT: Mode = { strict: false }
const STRICT: Mode = { strict: true }
const BOTH: [string, Mode][] = [
  ['lenient', LENIENT],
  ['strict', STRICT],
]

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

const body = (...ops: unknown[]): unknown => ({ schemas: [PATCH_OP_URN], Operations: ops })

/** RFC 7643 §8.2 (full User), as a stored document: no id/meta/schemas/groups/password, no readOnly manager.displayName. */
const BJENSEN: JsonObject = deepFreeze<JsonObject>({
  ...rfc7643UserAttributes(),
  x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
  [ENTERPRISE]: rfc7643EnterpriseAttributes(),
})

/** RFC 7643 §8.4 "Tour Guides": members are never part of the document. */
const TOUR_GUIDES: JsonObject = deepFreeze({ displayName: 'Tour Guides' })

/** The RFC 7644 §3.5.2.1 example's user before its path-less add (one work email). */
const SMALL_USER: JsonObject = deepFreeze({
  userName: 'bjensen',
  emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
})

/** An extension with the types and characteristics the standard schemas lack. */
const TEST_SCHEMA: SchemaDefinition = {
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

describe('scim/patch', () => {
  let registry: SchemaRegistry
  let testRegistry: SchemaRegistry

  before(() => {
    registry = loadSchemas()
    testRegistry = withUserExtension(registry, TEST_SCHEMA)
  })

  interface Options {
    mode?: Mode
    type?: 'User' | 'Group'
    reg?: SchemaRegistry
  }

  /** parsePatchRequest + applyPatch on a frozen copy; checks the input is untouched. */
  function patch(doc: JsonObject, ops: unknown[], options: Options = {}): PatchResult {
    const mode = options.mode ?? LENIENT
    const input = deepFreeze(structuredClone(doc))
    const parsed = parsePatchRequest(body(...ops), mode)
    const result = applyPatch(options.reg ?? registry, options.type ?? 'User', input, parsed, mode)
    assert.deepEqual(input, doc)
    assert.notEqual(result.document, input)
    return result
  }

  function refuse(doc: JsonObject, ops: unknown[], scimType: string, options: Options & { match?: RegExp } = {}): ScimError {
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

  function refuseBody(input: unknown, scimType: string, mode: Mode = LENIENT, match?: RegExp): ScimError {
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

  // -------------------------------------------------------------------------------------------
  describe('parsePatchRequest', () => {
    it('returns the operations, op in lower case', () => {
      const ops = parsePatchRequest(body({ op: 'Add', path: 'title', value: 'x' }, { op: 'REMOVE', path: 'nickName' }, { op: 'replace', value: { title: 'y' } }), LENIENT)
      assert.deepEqual(ops, [
        { op: 'add', path: 'title', value: 'x' },
        { op: 'remove', path: 'nickName' },
        { op: 'replace', value: { title: 'y' } },
      ])
    })

    it('reads message attribute names case-insensitively (RFC 7643 §2.1)', () => {
      const ops = parsePatchRequest({ Schemas: [PATCH_OP_URN], operations: [{ OP: 'add', Path: 'title', VALUE: 'x' }] }, STRICT)
      assert.deepEqual(ops, [{ op: 'add', path: 'title', value: 'x' }])
    })

    it('rejects what is not a PatchOp message with invalidSyntax', () => {
      for (const input of [null, 'x', 5, [], [{ op: 'add' }]]) refuseBody(input, 'invalidSyntax', LENIENT, /PatchOp message/)
      refuseBody({ Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: PATCH_OP_URN, Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: [CORE_USER], Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: [PATCH_OP_URN] }, 'invalidSyntax', LENIENT, /Operations/)
      refuseBody({ schemas: [PATCH_OP_URN], Operations: {} }, 'invalidSyntax', LENIENT, /Operations/)
      refuseBody(body(), 'invalidSyntax', LENIENT, /at least one/)
      refuseBody({ schemas: [PATCH_OP_URN], Operations: [], operations: [] }, 'invalidSyntax', LENIENT, /both/)
    })

    it('compares the PatchOp URN exactly in strict mode, case-insensitively otherwise', () => {
      const lower = { schemas: [PATCH_OP_URN.toLowerCase()], Operations: [{ op: 'remove', path: 'title' }] }
      assert.equal(parsePatchRequest(lower, LENIENT).length, 1)
      refuseBody(lower, 'invalidSyntax', STRICT)
    })

    it('bounds the number of operations', () => {
      const ops = Array.from({ length: PATCH_LIMITS.maxOperations }, () => ({ op: 'remove', path: 'title' }))
      assert.equal(parsePatchRequest(body(...ops), LENIENT).length, PATCH_LIMITS.maxOperations)
      refuseBody(body(...ops, { op: 'remove', path: 'title' }), 'invalidValue', LENIENT, /more than 1000 operations/)
    })

    it('rejects malformed operations with invalidSyntax, naming the operation', () => {
      refuseBody(body({ op: 'remove', path: 'title' }, 'remove'), 'invalidSyntax', LENIENT, /^Operations\[1\]: an operation must be a JSON object/)
      refuseBody(body({ path: 'title' }), 'invalidSyntax', LENIENT, /"op" is required/)
      refuseBody(body({ op: 'move', path: 'title' }), 'invalidSyntax', LENIENT, /unknown op "move"/)
      refuseBody(body({ op: 'test', path: 'title', value: 'x' }), 'invalidSyntax')
      refuseBody(body({ op: 5, path: 'title' }), 'invalidSyntax')
      refuseBody(body({ op: 'remove', Op: 'add', path: 'title' }), 'invalidSyntax', LENIENT, /both "op" and "Op"/)
    })

    it('requires lower-case op names in strict mode (RFC 7644 §3.5.2); Entra ID sends "Add"/"Replace"/"Remove"', () => {
      for (const op of ['Add', 'Replace', 'Remove', 'ADD']) {
        const o = { op, path: 'title', ...(op.toLowerCase() === 'remove' ? {} : { value: 'x' }) }
        assert.equal(parsePatchRequest(body(o), LENIENT)[0]?.op, op.toLowerCase())
        refuseBody(body(o), 'invalidSyntax', STRICT, /must be written/)
      }
    })

    it('answers noTarget for a remove without a path (RFC 7644 §3.5.2.2)', () => {
      for (const [, mode] of BOTH) refuseBody(body({ op: 'remove' }), 'noTarget', mode, /requires a "path"/)
      refuseBody(body({ op: 'remove', path: null }), 'noTarget', LENIENT)
    })

    it('requires a value for add and replace (invalidValue)', () => {
      refuseBody(body({ op: 'add', path: 'title' }), 'invalidValue', LENIENT, /requires a "value"/)
      refuseBody(body({ op: 'replace', path: 'title' }), 'invalidValue', LENIENT, /requires a "value"/)
      refuseBody(body({ op: 'add', path: 'title', value: null }), 'invalidValue', LENIENT, /not null/)
      // replace with null unassigns (RFC 7643 §2.5)
      assert.equal(parsePatchRequest(body({ op: 'replace', path: 'title', value: null }), STRICT).length, 1)
    })

    it('requires an object of attributes as the value of a path-less add or replace', () => {
      for (const value of ['x', 5, true, null, [{ title: 'x' }]]) {
        refuseBody(body({ op: 'replace', value }), 'invalidValue', LENIENT, /must be an object of attributes/)
        refuseBody(body({ op: 'add', value }), 'invalidValue')
      }
    })

    it('rejects a value on remove in strict mode only (invalidValue: not compatible with the operation)', () => {
      const op = { op: 'remove', path: 'members', value: [{ value: 'u1' }] }
      assert.equal(parsePatchRequest(body(op), LENIENT).length, 1)
      refuseBody(body(op), 'invalidValue', STRICT, /takes no "value"/)
      // null is no value
      assert.equal(parsePatchRequest(body({ op: 'remove', path: 'members', value: null }), STRICT).length, 1)
    })

    it('rejects a path that is not a string, or empty in strict mode (invalidPath)', () => {
      refuseBody(body({ op: 'remove', path: 5 }), 'invalidPath', LENIENT, /must be a string/)
      refuseBody(body({ op: 'remove', path: ['title'] }), 'invalidPath')
      refuseBody(body({ op: 'replace', path: '', value: 'x' }), 'invalidPath', STRICT, /empty/)
      refuseBody(body({ op: 'replace', path: null, value: { title: 'x' } }), 'invalidPath', STRICT)
      // Lenient: "" / null / whitespace mean no path
      assert.deepEqual(parsePatchRequest(body({ op: 'replace', path: '  ', value: { title: 'x' } }), LENIENT), [{ op: 'replace', value: { title: 'x' } }])
    })

    it('reports path syntax errors as invalidPath, and syntax errors inside the [filter] as invalidFilter (Table 9)', () => {
      refuseBody(body({ op: 'remove', path: 'name..givenName' }), 'invalidPath', LENIENT, /position 5/)
      refuseBody(body({ op: 'remove', path: 'name.givenName.x' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails [type eq "work"]' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails[type eq "work"]x' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: '1abc' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails[type eq ]' }), 'invalidFilter', LENIENT, /position 15/)
      refuseBody(body({ op: 'remove', path: 'emails[type eq "work"' }), 'invalidFilter')
      refuseBody(body({ op: 'remove', path: 'emails[type xx "work"]' }), 'invalidFilter')
      refuseBody(body({ op: 'remove', path: 'emails[type eq work]' }), 'invalidFilter')
      refuseBody(body({ op: 'remove', path: 'emails[value[type eq "x"]]' }), 'invalidFilter')
    })

    it('accepts the missing space of the RFC\'s own example `members[value eq\\"…\\"]` in both modes', () => {
      for (const [, mode] of BOTH) {
        assert.equal(parsePatchRequest(body({ op: 'remove', path: 'members[value eq"2819c223-7f76-...413861904646"]' }), mode).length, 1)
      }
    })

    it('bounds nesting and size of values (invalidValue)', () => {
      let deep: unknown = 'x'
      for (let i = 0; i < PATCH_LIMITS.maxValueDepth; i++) deep = [deep]
      refuseBody(body({ op: 'add', path: 'emails', value: deep }), 'invalidValue', LENIENT, /nested/)
      let veryDeep: unknown = {}
      for (let i = 0; i < 100_000; i++) veryDeep = { a: veryDeep }
      refuseBody(body({ op: 'replace', value: veryDeep }), 'invalidValue', LENIENT, /nested/)
      const huge = Array.from({ length: PATCH_LIMITS.maxValueNodes + 1 }, () => 1)
      refuseBody(body({ op: 'add', path: 'emails', value: huge }), 'invalidValue', LENIENT, /too large/)
      refuseBody(body({ op: 'add', path: 'title', value: Number.NaN }), 'invalidValue', LENIENT, /not finite/)
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('RFC 7644 §3.5.2 examples, replayed exactly', () => {
    it('Figure 8 example paths: all parse; members[…].displayName is invalidPath (members has "display")', () => {
      const paths = [
        'members',
        'name.familyName',
        'addresses[type eq "work"]',
        'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
        'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
      ]
      for (const path of paths) assert.equal(parsePatchRequest(body({ op: 'remove', path }), STRICT).length, 1)
      refuse(TOUR_GUIDES, [{ op: 'remove', path: paths[4] }], 'invalidPath', { type: 'Group', match: /"displayName" is not a sub-attribute of "members"/ })
    })

    for (const [name, mode] of BOTH) {
      describe(`in ${name} mode`, () => {
        it('§3.5.2.1 adds a member to a group', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              {
                op: 'add',
                path: 'members',
                value: [
                  {
                    display: 'Babs Jensen',
                    $ref: 'https://example.com/v2/Users/2819c223...413861904646',
                    value: '2819c223-7f76-453a-919d-413861904646',
                  },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223-7f76-453a-919d-413861904646' }], remove: [], removeAll: false })
          assert.deepEqual(r.document, TOUR_GUIDES)
          assert.deepEqual(r.changed, ['members'])
        })

        it('§3.5.2.1 adds without a path: an email is appended, "nickname" is nickName', () => {
          const ops = [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } }]
          const r = patch(SMALL_USER, ops, { mode })
          assert.deepEqual(r.document, {
            userName: 'bjensen',
            emails: [
              { value: 'bjensen@example.com', type: 'work', primary: true },
              { value: 'babs@jensen.org', type: 'home' },
            ],
            nickName: 'Babs',
          })
          assert.deepEqual(r.changed, ['nickName', 'emails'])
          // "If the target location already contains the value specified, no changes SHOULD be made"
          const again = patch(BJENSEN, ops, { mode })
          assert.deepEqual(again.document, BJENSEN)
          assert.deepEqual(again.changed, [])
        })

        it('§3.5.2.2 removes a single member', () => {
          const r = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "2819c223-7f76-...413861904646"]' }], { type: 'Group', mode })
          assert.deepEqual(r.members, { add: [], remove: ['2819c223-7f76-...413861904646'], removeAll: false })
          assert.deepEqual(r.document, TOUR_GUIDES)
        })

        it('§3.5.2.2 removes all members', () => {
          const r = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members' }], { type: 'Group', mode })
          assert.deepEqual(r.members, { add: [], remove: [], removeAll: true })
        })

        it('§3.5.2.2 removes the values a complex filter selects', () => {
          const r = patch(BJENSEN, [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }], { mode })
          assert.deepEqual(r.document.emails, [{ value: 'babs@jensen.org', type: 'home' }])
          assert.deepEqual(r.changed, ['emails'])
        })

        it('§3.5.2.2 removes one member and adds another (the example writes eq\\"…\\" without a space)', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              { op: 'remove', path: 'members[value eq"2819c223-7f76-...413861904646"]' },
              {
                op: 'add',
                path: 'members',
                value: [
                  {
                    display: 'James Smith',
                    $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210',
                    value: '08e1d05d...473d93df9210',
                  },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '08e1d05d...473d93df9210' }], remove: ['2819c223-7f76-...413861904646'], removeAll: false })
        })

        it('§3.5.2.2 replaces all members with remove + add', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              { op: 'remove', path: 'members' },
              {
                op: 'add',
                path: 'members',
                value: [
                  { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223...413861904646', value: '2819c223...413861904646' },
                  { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210', value: '08e1d05d...473d93df9210' },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223...413861904646' }, { value: '08e1d05d...473d93df9210' }], remove: [], removeAll: true })
        })

        it('§3.5.2.3 replaces all members', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              {
                op: 'replace',
                path: 'members',
                value: [
                  { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223...413861904646', value: '2819c223...413861904646' },
                  { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210', value: '08e1d05d...473d93df9210' },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223...413861904646' }, { value: '08e1d05d...473d93df9210' }], remove: [], removeAll: true })
          assert.equal('members' in r.document, false)
        })

        it('§3.5.2.3 replaces the work address (and its primary clears the others)', () => {
          const address = {
            type: 'work',
            streetAddress: '911 Universal City Plaza',
            locality: 'Hollywood',
            region: 'CA',
            postalCode: '91608',
            country: 'US',
            formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
            primary: true,
          }
          const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "work"]', value: address }], { mode })
          assert.deepEqual(r.document.addresses, [address, (BJENSEN.addresses as JsonObject[])[1]])
          assert.deepEqual(r.changed, ['addresses'])
        })

        it('§3.5.2.3 replaces a sub-attribute of the work address', () => {
          const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }], { mode })
          const [work, home] = r.document.addresses as JsonObject[]
          assert.deepEqual(work, { ...(BJENSEN.addresses as JsonObject[])[0], streetAddress: '1010 Broadway Ave' })
          assert.deepEqual(home, (BJENSEN.addresses as JsonObject[])[1])
        })

        it('§3.5.2.3 replaces several attributes without a path', () => {
          const emails = [
            { value: 'bjensen@example.com', type: 'work', primary: true },
            { value: 'babs@jensen.org', type: 'home' },
          ]
          const before = { ...SMALL_USER, emails: [{ value: 'old@example.com', type: 'other' }], nickName: 'B' }
          const r = patch(before, [{ op: 'replace', value: { emails, nickname: 'Babs' } }], { mode })
          assert.deepEqual(r.document, { userName: 'bjensen', emails, nickName: 'Babs' })
          assert.deepEqual(r.changed, ['nickName', 'emails'])
        })
      })
    }
  })

  // -------------------------------------------------------------------------------------------
  describe('add (RFC 7644 §3.5.2.1)', () => {
    it('sets an unassigned single-valued attribute and replaces an assigned one', () => {
      assert.equal(patch(SMALL_USER, [{ op: 'add', path: 'title', value: 'Guide' }]).document.title, 'Guide')
      const r = patch(BJENSEN, [{ op: 'add', path: 'TITLE', value: 'Chief' }])
      assert.equal(r.document.title, 'Chief')
      assert.deepEqual(r.changed, ['title'])
    })

    it('merges into a complex attribute', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'name', value: { givenName: 'Babs', middleName: null } }])
      const { middleName: _m, ...rest } = BJENSEN.name as JsonObject
      assert.deepEqual(r.document.name, { ...rest, givenName: 'Babs' })
      assert.deepEqual(r.changed, ['name.givenName', 'name.middleName'])
    })

    it('sets a sub-attribute, creating the complex attribute', () => {
      assert.deepEqual(patch(SMALL_USER, [{ op: 'add', path: 'name.givenName', value: 'Barbara' }]).document.name, { givenName: 'Barbara' })
    })

    it('appends to a multi-valued attribute, dropping values already there (schema-aware equality)', () => {
      const r = patch(BJENSEN, [
        {
          op: 'add',
          path: 'phoneNumbers',
          value: [
            { value: '555-555-5555', type: 'WORK' },
            { value: '555-555-3333', type: 'home' },
            { value: '555-555-3333', type: 'home' },
          ],
        },
      ])
      assert.deepEqual(r.document.phoneNumbers, [...(BJENSEN.phoneNumbers as JsonObject[]), { value: '555-555-3333', type: 'home' }])
    })

    it('wraps a single object for a multi-valued attribute in lenient mode, and rejects it in strict mode', () => {
      const op = { op: 'add', path: 'phoneNumbers', value: { value: '1', type: 'home' } }
      assert.deepEqual(patch(SMALL_USER, [op]).document.phoneNumbers, [{ value: '1', type: 'home' }])
      refuse(SMALL_USER, [op], 'invalidValue', { mode: STRICT, match: /must be an array/ })
    })

    it('writes extension attributes under the URN key', () => {
      const r = patch(SMALL_USER, [
        { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' },
        { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'boss-id' },
      ])
      assert.deepEqual(r.document[ENTERPRISE], { department: 'Sales', manager: { value: 'boss-id' } })
      assert.deepEqual(r.changed, [`${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`])
    })

    it('resolves URNs and attribute names case-insensitively, storing canonical names', () => {
      const r = patch(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE.toUpperCase().replace('URN:', 'urn:')}:DEPARTMENT`, value: 'Sales' }])
      assert.deepEqual(r.document[ENTERPRISE], { department: 'Sales' })
      const core = patch(SMALL_USER, [{ op: 'add', path: `${CORE_USER}:name.GIVENNAME`, value: 'B' }])
      assert.deepEqual(core.document.name, { givenName: 'B' })
    })

    it('takes a bare extension URN as path with an object value', () => {
      for (const [, mode] of BOTH) {
        const r = patch(BJENSEN, [{ op: 'add', path: ENTERPRISE, value: { department: 'Sales', costCenter: null, manager: { value: 'm2' } } }], { mode })
        assert.deepEqual(r.document[ENTERPRISE], {
          employeeNumber: '701984',
          organization: 'Universal Studios',
          division: 'Theme Park',
          department: 'Sales',
          manager: { value: 'm2', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' },
        })
      }
      refuse(SMALL_USER, [{ op: 'add', path: ENTERPRISE, value: 'Sales' }], 'invalidValue', { match: /must be an object/ })
      refuse(SMALL_USER, [{ op: 'add', path: ENTERPRISE, value: { nope: 1 } }], 'invalidValue', { match: /unknown attribute ".*:nope"/ })
    })

    it('adds to a filtered path: merges into matching values, or creates the value the filter describes', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }])
      assert.deepEqual((r.document.emails as JsonObject[])[1], { value: 'babs@jensen.org', type: 'home', display: 'Home' })
      for (const [, mode] of BOTH) {
        const created = patch(SMALL_USER, [{ op: 'add', path: 'emails[type eq "home"].value', value: 'h@x' }], { mode })
        assert.deepEqual(created.document.emails, [...(SMALL_USER.emails as JsonObject[]), { type: 'home', value: 'h@x' }])
      }
      refuse(SMALL_USER, [{ op: 'add', path: 'emails[value co "zzz"].type', value: 'home' }], 'noTarget', { match: /no value of emails matches/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('replace (RFC 7644 §3.5.2.3)', () => {
    it('replaces a single-valued attribute, adding it when absent', () => {
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'displayName', value: 'B' }]).document.displayName, 'B')
      assert.equal(patch(SMALL_USER, [{ op: 'replace', path: 'displayName', value: 'B' }]).document.displayName, 'B')
    })

    it('merges a complex value: sub-attributes not given are left unchanged', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'name', value: { familyName: 'Smith' } }])
      assert.deepEqual(r.document.name, { ...(BJENSEN.name as JsonObject), familyName: 'Smith' })
      assert.deepEqual(r.changed, ['name.familyName'])
    })

    it('replaces all values of a multi-valued attribute', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails', value: [{ value: 'new@x', type: 'work' }] }])
      assert.deepEqual(r.document.emails, [{ value: 'new@x', type: 'work' }])
    })

    it('replaces all matching values, or their sub-attribute', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'phoneNumbers[type eq "work" or type eq "mobile"].type', value: 'other' }])
      assert.deepEqual(r.document.phoneNumbers, [
        { value: '555-555-5555', type: 'other' },
        { value: '555-555-4444', type: 'other' },
      ])
    })

    it('answers noTarget when a value filter matches nothing in strict mode; lenient creates the value (Entra ID)', () => {
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x' }], 'noTarget', { mode: STRICT })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }], 'noTarget', { mode: STRICT })
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x' }])
      assert.deepEqual((r.document.emails as JsonObject[])[2], { type: 'other', value: 'o@x' })
      const whole = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }])
      assert.deepEqual((whole.document.emails as JsonObject[])[2], { type: 'other', value: 'o@x' })
    })

    it('replaces the extension attributes given with a bare extension URN path, leaving the others', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: ENTERPRISE, value: { department: 'Sales' } }])
      assert.deepEqual(r.document[ENTERPRISE], { ...(BJENSEN[ENTERPRISE] as JsonObject), department: 'Sales' })
    })

    it('unassigns with null or "" (RFC 7643 §2.5), and an emptied complex value disappears', () => {
      const r = patch(BJENSEN, [
        { op: 'replace', path: 'title', value: null },
        { op: 'replace', path: 'nickName', value: '' },
        { op: 'replace', path: 'name', value: { formatted: null, familyName: null, givenName: null, middleName: null, honorificPrefix: null, honorificSuffix: null } },
      ])
      assert.equal('title' in r.document, false)
      assert.equal('nickName' in r.document, false)
      assert.equal('name' in r.document, false)
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('remove (RFC 7644 §3.5.2.2)', () => {
    it('removes a single-valued attribute, a sub-attribute, a complex attribute, a multi-valued attribute', () => {
      const r = patch(BJENSEN, [
        { op: 'remove', path: 'title' },
        { op: 'remove', path: 'name.middleName' },
        { op: 'remove', path: 'ims' },
        { op: 'remove', path: `${ENTERPRISE}:manager` },
      ])
      assert.equal('title' in r.document, false)
      assert.equal('middleName' in (r.document.name as JsonObject), false)
      assert.equal('ims' in r.document, false)
      assert.equal('manager' in (r.document[ENTERPRISE] as JsonObject), false)
      // schema order, not operation order
      assert.deepEqual(r.changed, ['name.middleName', 'title', 'ims', `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.$ref`])
    })

    it('is a no-op for an attribute that is not assigned', () => {
      const r = patch(SMALL_USER, [{ op: 'remove', path: 'title' }, { op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'phoneNumbers' }])
      assert.deepEqual(r.document, SMALL_USER)
      assert.deepEqual(r.changed, [])
    })

    it('removes the attribute with its last value, and an emptied extension', () => {
      const r = patch(SMALL_USER, [{ op: 'remove', path: 'emails[type eq "work"]' }])
      assert.equal('emails' in r.document, false)
      const e = patch({ ...SMALL_USER, [ENTERPRISE]: { department: 'Sales' } }, [{ op: 'remove', path: `${ENTERPRISE}:department` }])
      assert.deepEqual(e.document, SMALL_USER)
    })

    it('removes a sub-attribute of the matching values, dropping values left empty', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: 'phoneNumbers[type eq "mobile"].type' }])
      assert.deepEqual(r.document.phoneNumbers, [
        { value: '555-555-5555', type: 'work' },
        { value: '555-555-4444' },
      ])
      const gone = patch({ userName: 'x', ims: [{ value: 'h' }, { value: 'i', type: 'aim' }] }, [{ op: 'remove', path: 'ims[value eq "h"].value' }])
      assert.deepEqual(gone.document.ims, [{ value: 'i', type: 'aim' }])
    })

    it('removes a sub-attribute from every value (emails.display)', () => {
      const r = patch({ userName: 'x', emails: [{ value: 'a', display: 'A' }, { display: 'only' }] }, [{ op: 'remove', path: 'emails.display' }])
      assert.deepEqual(r.document.emails, [{ value: 'a' }])
    })

    it('removes the whole extension with a bare extension URN path', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: ENTERPRISE }])
      assert.equal(ENTERPRISE in r.document, false)
      assert.equal(r.changed.length, 7)
    })

    it('answers noTarget when a filter matches nothing in strict mode; lenient makes it a no-op', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"]' }], 'noTarget', { mode: STRICT })
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"].display' }], 'noTarget', { mode: STRICT })
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"]' }]).document, BJENSEN)
      assert.deepEqual(patch(SMALL_USER, [{ op: 'remove', path: 'phoneNumbers[type eq "work"]' }]).changed, [])
    })

    it('removes values of a non-complex multi-valued attribute by "value" (RFC "comparing a value")', () => {
      const doc = { userName: 'x', [TEST_EXT]: { codes: ['A', 'B', 'C'] } }
      const r = patch(doc, [{ op: 'remove', path: `${TEST_EXT}:codes[value eq "B" or value eq "C"]` }], { reg: testRegistry })
      assert.deepEqual(r.document[TEST_EXT], { codes: ['A'] })
    })

    it('lenient: a value on remove of a multi-valued attribute removes exactly the values given', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org', type: 'home' }] }])
      assert.deepEqual(r.document.emails, [(BJENSEN.emails as JsonObject[])[0]])
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails', value: [] }]).document, BJENSEN)
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails', value: 'bjensen@example.com' }]).document.emails, [(BJENSEN.emails as JsonObject[])[1]])
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('primary (RFC 7643 §2.4, RFC 7644 §3.5.2)', () => {
    it('a value added with primary: true clears primary on the others', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'emails', value: [{ value: 'new@x', type: 'other', primary: true }] }])
      assert.deepEqual(r.document.emails, [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'new@x', type: 'other', primary: true },
      ])
    })

    it('a value made primary through a filter clears the others', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }])
      assert.deepEqual(r.document.emails, [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home', primary: true },
      ])
    })

    it('accepts primary on addresses (RFC 7643 §2.4/§4.1.2), which the schema representation omits', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "home"].primary', value: true }])
      assert.deepEqual(
        (r.document.addresses as JsonObject[]).map((a) => a.primary),
        [false, true],
      )
    })

    it('rejects more than one primary value (invalidValue)', () => {
      refuse(SMALL_USER, [{ op: 'add', path: 'emails', value: [{ value: 'a', primary: true }, { value: 'b', primary: true }] }], 'invalidValue', { match: /more than one value with "primary": true/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[value pr].primary', value: true }], 'invalidValue', { match: /only one can be primary/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails.primary', value: true }], 'invalidValue', { match: /only one value can be primary/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('value types', () => {
    it('checks strings, booleans and references', () => {
      refuse(SMALL_USER, [{ op: 'replace', path: 'title', value: 5 }], 'invalidValue', { match: /title must be a string, not number/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'title', value: ['a'] }], 'invalidValue', { match: /single-valued/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'active', value: 1 }], 'invalidValue', { match: /boolean/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'profileUrl', value: {} }], 'invalidValue')
      refuse(SMALL_USER, [{ op: 'replace', path: 'name', value: 'x' }], 'invalidValue', { match: /must be an object/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'emails', value: [['x']] }], 'invalidValue')
      refuse(SMALL_USER, [{ op: 'replace', path: 'emails', value: ['x'] }], 'invalidValue')
    })

    it('accepts "True"/"False" strings as booleans in lenient mode only (Entra ID)', () => {
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }]).document.active, false)
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: 'tRUE' }]).document.active, true)
      refuse(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }], 'invalidValue', { mode: STRICT, match: /strict mode/ })
      // a string attribute keeps the string
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'title', value: 'False' }]).document.title, 'False')
    })

    it('checks integers, decimals, dateTimes (normalised to UTC) and binary', () => {
      const o = { reg: testRegistry }
      const r = patch(
        SMALL_USER,
        [
          { op: 'add', path: `${TEST_EXT}:badge`, value: 7 },
          { op: 'add', path: `${TEST_EXT}:score`, value: 0.5 },
          { op: 'add', path: `${TEST_EXT}:hired`, value: '2011-05-13T04:42:34+02:00' },
          { op: 'add', path: `${TEST_EXT}:token`, value: 'QUJD' },
        ],
        o,
      )
      assert.deepEqual(r.document[TEST_EXT], { badge: 7, score: 0.5, hired: '2011-05-13T02:42:34.000Z', token: 'QUJD' })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:badge`, value: 7.5 }], 'invalidValue', { ...o, match: /integer/ })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:badge`, value: '7' }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:score`, value: '0.5' }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:hired`, value: '2011-02-30T00:00:00Z' }], 'invalidValue', { ...o, match: /xsd:dateTime/ })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:hired`, value: 1305261754 }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:token`, value: 'not base64!' }], 'invalidValue', { ...o, match: /base64/ })
    })

    it('rejects unknown attributes and sub-attributes in values in both modes (invalidValue)', () => {
      for (const [, mode] of BOTH) {
        refuse(SMALL_USER, [{ op: 'replace', value: { favoriteColor: 'red' } }], 'invalidValue', { mode, match: /unknown attribute "favoriteColor"/ })
        refuse(SMALL_USER, [{ op: 'replace', path: 'name', value: { nickname: 'x' } }], 'invalidValue', { mode, match: /unknown attribute name.nickname/ })
        refuse(SMALL_USER, [{ op: 'add', path: 'emails', value: [{ value: 'a', color: 'red' }] }], 'invalidValue', { mode })
      }
    })

    it('rejects the same attribute given twice in different case', () => {
      refuse(SMALL_USER, [{ op: 'replace', value: { title: 'a', Title: 'b' } }], 'invalidSyntax', { match: /given twice/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('paths and mutability', () => {
    it('rejects unknown attributes, sub-attributes and filters on single-valued attributes (invalidPath)', () => {
      for (const [, mode] of BOTH) {
        refuse(SMALL_USER, [{ op: 'replace', path: 'favoriteColor', value: 'red' }], 'invalidPath', { mode, match: /unknown attribute "favoriteColor"/ })
        refuse(SMALL_USER, [{ op: 'replace', path: 'name.nickname', value: 'x' }], 'invalidPath', { mode })
        refuse(SMALL_USER, [{ op: 'replace', path: 'title.value', value: 'x' }], 'invalidPath', { mode })
        refuse(SMALL_USER, [{ op: 'replace', path: 'title[value eq "x"]', value: 'x' }], 'invalidPath', { mode, match: /not multi-valued/ })
        refuse(SMALL_USER, [{ op: 'replace', path: 'emails[type eq "work"].color', value: 'x' }], 'invalidPath', { mode })
        refuse(SMALL_USER, [{ op: 'replace', path: 'urn:example:nope:2.0:User:title', value: 'x' }], 'invalidPath', { mode })
        refuse(TOUR_GUIDES, [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'x' }], 'invalidPath', { mode, type: 'Group' })
        refuse(TOUR_GUIDES, [{ op: 'replace', path: 'userName', value: 'x' }], 'invalidPath', { mode, type: 'Group' })
      }
    })

    it('rejects unknown sub-attributes and unsupported comparisons inside the filter (invalidFilter)', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[color eq "red"]' }], 'invalidFilter', { match: /"color" is not a sub-attribute of "emails"/ })
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[primary gt true]' }], 'invalidFilter')
      refuse(SMALL_USER, [{ op: 'remove', path: 'phoneNumbers[type eq 5]' }], 'invalidFilter')
    })

    it('rejects readOnly attributes and server-set ones (mutability)', () => {
      for (const [, mode] of BOTH) {
        for (const path of ['id', 'meta', 'meta.lastModified', 'schemas', 'groups', 'groups[value eq "g"]', `${CORE_USER}:id`, `${ENTERPRISE}:manager.displayName`]) {
          refuse(BJENSEN, [{ op: 'replace', path, value: 'x' }], 'mutability', { mode })
          refuse(BJENSEN, [{ op: 'remove', path }], 'mutability', { mode })
        }
        refuse(BJENSEN, [{ op: 'add', value: { groups: [{ value: 'g' }] } }], 'mutability', { mode })
      }
    })

    it('readOnly sub-attributes inside a value: ignored in lenient mode, mutability in strict mode', () => {
      const op = { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'm2', displayName: 'Boss' } }
      assert.deepEqual((patch(SMALL_USER, [op]).document[ENTERPRISE] as JsonObject).manager, { value: 'm2' })
      refuse(SMALL_USER, [op], 'mutability', { mode: STRICT, match: /readOnly/ })
    })

    it('immutable attributes: may be set once, not changed or removed (mutability)', () => {
      const o = { reg: testRegistry }
      const set = patch(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:employeeId`, value: 'E1' }], o)
      assert.deepEqual(set.document[TEST_EXT], { employeeId: 'E1' })
      const withId = set.document
      assert.deepEqual(patch(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: 'E1' }], o).changed, [])
      refuse(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: 'E2' }], 'mutability', { ...o, match: /immutable/ })
      refuse(withId, [{ op: 'remove', path: `${TEST_EXT}:employeeId` }], 'mutability', o)
      refuse(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: null }], 'mutability', o)
      refuse(withId, [{ op: 'remove', path: TEST_EXT }], 'mutability', o)
      const badges = { userName: 'x', [TEST_EXT]: { badges: [{ value: 'b1', serial: 'S1' }] } }
      refuse(badges, [{ op: 'replace', path: `${TEST_EXT}:badges[value eq "b1"].serial`, value: 'S2' }], 'mutability', o)
      refuse(badges, [{ op: 'remove', path: `${TEST_EXT}:badges[value eq "b1"].serial` }], 'mutability', o)
      assert.deepEqual(patch(badges, [{ op: 'add', path: `${TEST_EXT}:badges[value eq "b2"].serial`, value: 'S2' }], o).document[TEST_EXT], {
        badges: [{ value: 'b1', serial: 'S1' }, { value: 'b2', serial: 'S2' }],
      })
    })

    it('required attributes cannot be removed (mutability) or emptied (invalidValue)', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'userName' }], 'mutability', { match: /required/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'userName', value: '' }], 'invalidValue', { match: /required/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'userName', value: null }], 'invalidValue')
      // Group displayName: REQUIRED per RFC 7643 §4.2 (as resource.ts treats it)
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'displayName' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'displayName', value: '' }], 'invalidValue', { type: 'Group' })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('password (writeOnly)', () => {
    it('returns the password, never in the document', () => {
      for (const [, mode] of BOTH) {
        const r = patch(BJENSEN, [{ op: 'replace', path: 'password', value: 't1meMachine' }], { mode })
        assert.equal(r.password, 't1meMachine')
        assert.deepEqual(r.document, BJENSEN)
        assert.deepEqual(r.changed, ['password'])
        assert.equal(patch(BJENSEN, [{ op: 'add', value: { Password: 'x2' } }], { mode }).password, 'x2')
      }
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'title', value: 'x' }]).password, undefined)
    })

    it('must be a non-empty string; cannot be removed; is no Group attribute', () => {
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: 5 }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: '' }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: null }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'remove', path: 'password' }], 'mutability')
      refuse(BJENSEN, [{ op: 'replace', path: 'password.x', value: 'y' }], 'invalidPath')
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'password', value: 'y' }], 'invalidPath', { type: 'Group' })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('Group members → MemberChanges (never in the document)', () => {
    const g = (ops: unknown[], mode: Mode = LENIENT): PatchResult => patch(TOUR_GUIDES, ops, { type: 'Group', mode })

    it('add with a value list; duplicates merged; type normalised', () => {
      const r = g([{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'user' }, { value: 'g1', type: 'Group' }, { value: 'u1' }] }])
      assert.deepEqual(r.members, { add: [{ value: 'u1', type: 'User' }, { value: 'g1', type: 'Group' }], remove: [], removeAll: false })
      assert.equal('members' in r.document, false)
    })

    it('remove by value filter, also several joined with or', () => {
      const r = g([{ op: 'remove', path: 'members[value eq "u1" or value eq "u2" or VALUE eq "u3"]' }])
      assert.deepEqual(r.members, { add: [], remove: ['u1', 'u2', 'u3'], removeAll: false })
    })

    it('remove without value removes all; replace removes all and adds', () => {
      assert.deepEqual(g([{ op: 'remove', path: 'members' }]).members, { add: [], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', path: 'members', value: [{ value: 'u9' }] }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', path: 'members', value: [] }]).members, { add: [], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', value: { members: [{ value: 'u9' }], displayName: 'New' } }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'add', value: { members: [{ value: 'u9' }] } }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: false })
    })

    it('composes operations in order', () => {
      const r = g([
        { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] },
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'remove', path: 'members[value eq "u3"]' },
        { op: 'add', path: 'members', value: [{ value: 'u3' }] },
      ])
      assert.deepEqual(r.members, { add: [{ value: 'u2' }, { value: 'u3' }], remove: ['u1'], removeAll: false })
      const all = g([{ op: 'add', path: 'members', value: [{ value: 'u1' }] }, { op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: 'u2' }] }])
      assert.deepEqual(all.members, { add: [{ value: 'u2' }], remove: [], removeAll: true })
    })

    it('rejects member filters other than value eq (invalidFilter), with a clear message', () => {
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[type eq "Group"]' }], 'invalidFilter', { type: 'Group', match: /can be removed by id only/ })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "u1" and type eq "User"]' }], 'invalidFilter', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value sw "u"]' }], 'invalidFilter', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[color eq "red"]' }], 'invalidFilter', { type: 'Group', match: /not a sub-attribute/ })
    })

    it('rejects changes to member sub-attributes (mutability) and add/replace through a filter (invalidPath)', () => {
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "u1"].display' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members.value', value: 'x' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u2' } }], 'invalidPath', { type: 'Group' })
    })

    it('checks member values (invalidValue)', () => {
      for (const value of [[{}], [{ value: '' }], [{ value: 5 }], ['u1'], [{ value: 'u1', type: 'Robot' }], [{ value: 'u1', color: 'red' }], [{ value: 'u1', type: 'User' }, { value: 'u1', type: 'Group' }]]) {
        refuse(TOUR_GUIDES, [{ op: 'add', path: 'members', value }], 'invalidValue', { type: 'Group' })
      }
      refuse(TOUR_GUIDES, [{ op: 'add', path: 'members', value: { value: 'u1' } }], 'invalidValue', { type: 'Group', mode: STRICT, match: /must be an array/ })
      assert.deepEqual(g([{ op: 'add', path: 'members', value: { value: 'u1' } }]).members?.add, [{ value: 'u1' }])
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('IdP dialects (shared IDP-DIALECTS.md): accepted in lenient mode, rejected in strict mode', () => {
    describe('Microsoft Entra ID', () => {
      it('capitalised op names', () => {
        const ops = [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ]
        const r = patch(BJENSEN, ops)
        assert.equal((r.document.emails as JsonObject[])[0]?.value, 'updatedEmail@microsoft.com')
        assert.equal((r.document.name as JsonObject).familyName, 'updatedFamilyName')
        refuse(BJENSEN, ops, 'invalidSyntax', { mode: STRICT })
      })

      it('booleans as strings: {"op":"Replace","path":"active","value":"False"}', () => {
        assert.equal(patch(BJENSEN, [{ op: 'Replace', path: 'active', value: 'False' }]).document.active, false)
        const roles = [{ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }]
        assert.deepEqual(patch(SMALL_USER, roles).document.roles, [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }])
        refuse(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }], 'invalidValue', { mode: STRICT })
        refuse(SMALL_USER, [{ op: 'add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] }], 'invalidValue', { mode: STRICT })
      })

      it('member removal with a value list removes exactly those members — never all', () => {
        const ops = [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }, { value: 'u2' }] }]
        const r = patch(TOUR_GUIDES, ops, { type: 'Group' })
        assert.deepEqual(r.members, { add: [], remove: ['f648f8d5ea4e4cd38e9c', 'u2'], removeAll: false })
        assert.equal(r.members?.removeAll, false)
        // an empty list removes nothing
        assert.deepEqual(patch(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: [] }], { type: 'Group' }).members, { add: [], remove: [], removeAll: false })
        // a value that names no member is an error, not "remove all"
        refuse(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: [{ display: 'x' }] }], 'invalidValue', { type: 'Group' })
        refuse(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: ['u1'] }], 'invalidValue', { type: 'Group' })
        refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members', value: [{ value: 'u1' }] }], 'invalidValue', { type: 'Group', mode: STRICT, match: /takes no "value"/ })
      })

      it('member add with "$ref": null', () => {
        const r = patch(TOUR_GUIDES, [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }], { type: 'Group' })
        assert.deepEqual(r.members?.add, [{ value: 'f648f8d5ea4e4cd38e9c' }])
      })

      it('a path-less value with dotted and URN-qualified keys', () => {
        const ops = [{ op: 'Replace', value: { 'name.givenName': 'Ann', [`${ENTERPRISE}:department`]: 'Sales', 'emails[type eq "work"].value': 'ann@x', [`${ENTERPRISE}:manager.value`]: 'm9' } }]
        const r = patch(BJENSEN, ops)
        assert.equal((r.document.name as JsonObject).givenName, 'Ann')
        assert.equal((r.document[ENTERPRISE] as JsonObject).department, 'Sales')
        assert.deepEqual((r.document[ENTERPRISE] as JsonObject).manager, { value: 'm9', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' })
        assert.equal((r.document.emails as JsonObject[])[0]?.value, 'ann@x')
        refuse(BJENSEN, [{ op: 'replace', value: { 'name.givenName': 'Ann' } }], 'invalidValue', { mode: STRICT, match: /must be attribute names/ })
        refuse(BJENSEN, [{ op: 'replace', value: { [`${ENTERPRISE}:department`]: 'Sales' } }], 'invalidValue', { mode: STRICT })
        // The RFC form (an object under the extension URN) works in both modes
        for (const [, mode] of BOTH) {
          assert.equal((patch(BJENSEN, [{ op: 'replace', value: { [ENTERPRISE]: { department: 'Sales' } } }], { mode }).document[ENTERPRISE] as JsonObject).department, 'Sales')
        }
      })

      it('replace on a filtered path with no match creates the value (RFC: noTarget)', () => {
        const r = patch(SMALL_USER, [{ op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '555' }])
        assert.deepEqual(r.document.phoneNumbers, [{ type: 'work', value: '555' }])
        refuse(SMALL_USER, [{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '555' }], 'noTarget', { mode: STRICT })
      })

      it('Add on emails[type eq "work"].value replaces the work email value (seen from Entra ID)', () => {
        for (const [, mode] of BOTH) {
          const r = patch(BJENSEN, [{ op: 'add', path: 'emails[type eq "work"].value', value: 'joe@joe.com' }], { mode })
          assert.deepEqual((r.document.emails as JsonObject[])[0], { value: 'joe@joe.com', type: 'work', primary: true })
        }
      })

      it('the enterprise manager set with a bare id', () => {
        const ops = [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: '2819c223-7f76-453a-919d-413861904646' }]
        const r = patch(SMALL_USER, ops)
        assert.deepEqual(r.document[ENTERPRISE], { manager: { value: '2819c223-7f76-453a-919d-413861904646' } })
        refuse(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'x' }], 'invalidValue', { mode: STRICT, match: /strict mode: write \{"value"/ })
        for (const [, mode] of BOTH) {
          assert.deepEqual(patch(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'x' } }], { mode }).document[ENTERPRISE], { manager: { value: 'x' } })
        }
      })

      it('deprovisioning with active false', () => {
        for (const [, mode] of BOTH) assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: false }], { mode }).document.active, false)
      })
    })

    describe('Okta', () => {
      it('deactivates and reactivates with a path-less replace (RFC form, both modes)', () => {
        for (const [, mode] of BOTH) {
          const off = patch(BJENSEN, [{ op: 'replace', value: { active: false } }], { mode })
          assert.equal(off.document.active, false)
          assert.deepEqual(off.changed, ['active'])
          assert.equal(patch(off.document, [{ op: 'replace', value: { active: true } }], { mode }).document.active, true)
        }
      })

      it('renames a group with {"op":"replace","value":{"id":…,"displayName":…}}', () => {
        const ops = [{ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2 (renamed)' } }]
        const r = patch(TOUR_GUIDES, ops, { type: 'Group' })
        assert.deepEqual(r.document, { displayName: 'Test SCIMv2 (renamed)' })
        assert.deepEqual(r.changed, ['displayName'])
        assert.equal(r.members, undefined)
        refuse(TOUR_GUIDES, ops, 'mutability', { type: 'Group', mode: STRICT, match: /"id" is set by the server/ })
        // meta and schemas in the value are ignored too
        assert.deepEqual(patch(TOUR_GUIDES, [{ op: 'replace', value: { schemas: ['x'], meta: {}, displayName: 'G' } }], { type: 'Group' }).document, { displayName: 'G' })
      })

      it('adds members with a value list and removes one with members[value eq "…"] (RFC forms, both modes)', () => {
        for (const [, mode] of BOTH) {
          const add = patch(TOUR_GUIDES, [{ op: 'add', path: 'members', value: [{ value: '00u1', display: 'a@example.com' }] }], { type: 'Group', mode })
          assert.deepEqual(add.members, { add: [{ value: '00u1' }], remove: [], removeAll: false })
          const rm = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "00u1"]' }], { type: 'Group', mode })
          assert.deepEqual(rm.members, { add: [], remove: ['00u1'], removeAll: false })
        }
      })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('atomicity and inputs', () => {
    it('a failing third operation throws and leaves the input untouched', () => {
      const input = deepFreeze(structuredClone(BJENSEN))
      const ops: PatchOperation[] = [
        { op: 'replace', path: 'title', value: 'Changed' },
        { op: 'remove', path: 'emails[type eq "work"]' },
        { op: 'replace', path: 'noSuchAttribute', value: 1 },
      ]
      assert.throws(
        () => applyPatch(registry, 'User', input, ops, LENIENT),
        (err: unknown) => err instanceof ScimError && err.status === 400 && err.code === 'invalidPath' && /^Operations\[2\]: /.test(err.message),
      )
      assert.deepEqual(input, BJENSEN)
    })

    it('never mutates an unfrozen input either', () => {
      const input = structuredClone(BJENSEN)
      const r = applyPatch(registry, 'User', input, [{ op: 'remove', path: 'emails[type eq "work"]' }, { op: 'add', path: 'name.givenName', value: 'X' }], LENIENT)
      assert.deepEqual(input, BJENSEN)
      assert.notEqual(r.document.name, input.name)
    })

    it('applyPatch validates operations it is given directly', () => {
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, [{ op: 'move', path: 'title' }], LENIENT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, [{ op: 'Add', path: 'title', value: 'x' }], STRICT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, 'x' as unknown as PatchOperation[], LENIENT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
    })

    it('applies operations at its bounds (hash-based de-duplication; speed is benchmarked, not asserted)', () => {
      const emails = Array.from({ length: 999 }, (_, i) => ({ value: `a${i}@example.com`, type: 'work' }))
      const ops = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? { op: 'add', path: 'emails', value: emails } : { op: 'remove', path: 'emails', value: emails }))
      const r = patch(SMALL_USER, ops)
      assert.deepEqual(r.document.emails, SMALL_USER.emails)
    })

    it('reports changed paths only for what changed', () => {
      const r = patch(BJENSEN, [
        { op: 'replace', path: 'title', value: 'Tour Guide' },
        { op: 'replace', path: 'externalId', value: 'e2' },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'X' },
      ])
      assert.deepEqual(r.changed, ['externalId', `${ENTERPRISE}:department`])
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('generative: 5,000 random PATCH bodies', () => {
    const PATHS = [
      'title', 'userName', 'active', 'name', 'name.givenName', 'NAME.FAMILYNAME', 'emails', 'emails.value', 'emails.primary',
      'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "home" or primary eq true].display',
      'emails[value ew "example.com" and not (type eq "home")]', 'emails[primary eq true].primary', 'phoneNumbers[type eq "mobile"].value',
      'addresses[type eq "work"].streetAddress', 'addresses[primary eq true]', 'ims', 'roles[value pr]', 'x509Certificates',
      `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.displayName`, ENTERPRISE,
      `${CORE_USER}:displayName`, 'members', 'members[value eq "u1"]', 'members[value eq "u1" or value eq "u2"]', 'members[type eq "User"]',
      'members[value eq "u1"].display', 'displayName', 'password', 'id', 'meta.created', 'groups', 'schemas', 'externalId',
      'nope', 'emails[nope eq 1]', 'emails[type gt true]', 'emails[', 'emails]', '', ' ', 'a..b', 'urn:x:y', 'emails[type eq "work"].',
      'members[value eq"u3"]', 'emails[type eq "work"].value.x', 'urn:ietf:params:scim:schemas:core:2.0:Group:members',
    ]
    const OPS = ['add', 'remove', 'replace', 'Add', 'REPLACE', 'Remove', 'move', '', 'copy', 'test']
    const STRINGS = ['', 'work', 'home', 'True', 'false', 'u1', 'u2', 'a@example.com', '2011-05-13T04:42:34Z', 'QUJD', 'x'.repeat(50), '__proto__', 'constructor']
    const KEYS = [
      'title', 'value', 'type', 'primary', 'display', 'givenName', 'familyName', 'emails', 'members', 'name', 'active', 'id', 'meta', 'schemas',
      'name.givenName', `${ENTERPRISE}:department`, ENTERPRISE, 'department', 'manager', '$ref', 'password', 'nickname', '__proto__', 'constructor', 'toString', 'Value', 'nope',
    ]

    function randomValue(r: () => number, depth: number): unknown {
      const k = Math.floor(r() * (depth > 3 ? 6 : 9))
      switch (k) {
        case 0:
          return null
        case 1:
          return r() < 0.5
        case 2:
          return Math.floor(r() * 200) - 100 + (r() < 0.2 ? 0.5 : 0)
        case 3:
        case 4:
        case 5:
          return STRINGS[Math.floor(r() * STRINGS.length)]
        case 6:
        case 7: {
          const o: Record<string, unknown> = {}
          const n = Math.floor(r() * 4)
          for (let i = 0; i < n; i++) o[KEYS[Math.floor(r() * KEYS.length)] as string] = randomValue(r, depth + 1)
          return o
        }
        default:
          return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1))
      }
    }

    /** Operations real clients send: most bodies start from these, so that the happy paths are exercised too. */
    const USER_OPS: Record<string, unknown>[] = [
      { op: 'replace', path: 'title', value: 'T' },
      { op: 'add', path: 'nickName', value: 'N' },
      { op: 'remove', path: 'title' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'replace', path: 'active', value: true },
      { op: 'replace', path: 'name.givenName', value: 'G' },
      { op: 'add', path: 'name', value: { familyName: 'F', middleName: null } },
      { op: 'remove', path: 'name' },
      { op: 'add', path: 'emails', value: [{ value: 'n@example.com', type: 'other', primary: true }] },
      { op: 'add', path: 'emails', value: { value: 'one@example.com' } },
      { op: 'replace', path: 'emails', value: [{ value: 'r@example.com', type: 'work' }] },
      { op: 'remove', path: 'emails[type eq "work"]' },
      { op: 'remove', path: 'emails[type eq "other"]' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@example.com' },
      { op: 'add', path: 'emails[type eq "home"].display', value: 'Home' },
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
      { op: 'remove', path: 'emails.display' },
      { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: 'S' },
      { op: 'remove', path: 'phoneNumbers[type eq "mobile"].type' },
      { op: 'Add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'D' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm1' },
      { op: 'replace', path: ENTERPRISE, value: { costCenter: 'C', division: null } },
      { op: 'remove', path: ENTERPRISE },
      { op: 'remove', path: `${ENTERPRISE}:manager.value` },
      { op: 'Replace', value: { 'name.givenName': 'A', [`${ENTERPRISE}:department`]: 'S', active: 'true' } },
      { op: 'replace', value: { active: false } },
      { op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } },
      { op: 'replace', path: 'password', value: 'secret' },
      { op: 'replace', path: 'externalId', value: 'e' },
      { op: 'replace', path: 'userName', value: 'u' },
    ]
    const GROUP_OPS: Record<string, unknown>[] = [
      { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'g1', type: 'Group' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' },
      { op: 'remove', path: 'members' },
      { op: 'Remove', path: 'members', value: [{ value: 'u2' }] },
      { op: 'replace', path: 'members', value: [{ value: 'u3' }] },
      { op: 'replace', value: { id: 'i', displayName: 'Renamed' } },
      { op: 'replace', path: 'displayName', value: 'D' },
      { op: 'remove', path: 'externalId' },
    ]

    function plausibleOperation(r: () => number, type: 'User' | 'Group'): unknown {
      const list = type === 'User' ? USER_OPS : GROUP_OPS
      const op = structuredClone(list[Math.floor(r() * list.length)] as Record<string, unknown>)
      if (r() < 0.2) {
        switch (Math.floor(r() * 4)) {
          case 0:
            if (typeof op.path === 'string') op.path = mutateString(r, op.path)
            break
          case 1:
            op.value = randomValue(r, 0)
            break
          case 2:
            op.op = mutateString(r, String(op.op))
            break
          default:
            delete op.value
        }
      }
      return op
    }

    function mutateString(r: () => number, s: string): string {
      if (s.length === 0 || r() < 0.3) return s + '[]"'.charAt(Math.floor(r() * 3))
      const i = Math.floor(r() * s.length)
      switch (Math.floor(r() * 3)) {
        case 0:
          return s.slice(0, i) + s.slice(i + 1)
        case 1:
          return s.slice(0, i) + ' ."[]():\\'.charAt(Math.floor(r() * 9)) + s.slice(i)
        default:
          return s.slice(0, i) + s.charAt(i).toUpperCase() + s.slice(i + 1)
      }
    }

    function randomOperation(r: () => number): unknown {
      if (r() < 0.03) return randomValue(r, 2)
      const op: Record<string, unknown> = {}
      if (r() < 0.97) op[r() < 0.9 ? 'op' : 'Op'] = r() < 0.9 ? OPS[Math.floor(r() * OPS.length)] : randomValue(r, 3)
      const roll = r()
      if (roll < 0.8) {
        let path = PATHS[Math.floor(r() * PATHS.length)] as string
        if (r() < 0.15) path = mutateString(r, path)
        op.path = path
      } else if (roll < 0.85) op.path = randomValue(r, 3)
      const vr = r()
      if (vr < 0.85) op.value = randomValue(r, 0)
      return op
    }

    function randomBody(r: () => number): unknown {
      const ops = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomOperation(r))
      const roll = r()
      if (roll < 0.9) return { schemas: [PATCH_OP_URN], Operations: ops }
      if (roll < 0.93) return { Operations: ops }
      if (roll < 0.96) return { schemas: [PATCH_OP_URN], Operations: randomValue(r, 2) }
      return randomValue(r, 0)
    }

    /** The document invariants of src/scim/resources/document.ts. */
    function checkInvariants(doc: unknown, where: string): void {
      const walk = (v: unknown, path: string): void => {
        assert.notEqual(v, null, `${where}: null at ${path}`)
        assert.notEqual(v, '', `${where}: "" at ${path}`)
        if (Array.isArray(v)) {
          assert.ok(v.length > 0, `${where}: empty array at ${path}`)
          assert.ok(v.filter((e) => typeof e === 'object' && e !== null && (e as Record<string, unknown>).primary === true).length <= 1, `${where}: two primaries at ${path}`)
          v.forEach((e, i) => walk(e, `${path}[${i}]`))
        } else if (typeof v === 'object' && v !== null) {
          assert.ok(Object.keys(v).length > 0 || path === '', `${where}: empty object at ${path}`)
          for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`)
        }
      }
      walk(doc, '')
      const d = doc as Record<string, unknown>
      for (const k of ['members', 'password', 'id', 'meta', 'schemas', 'groups']) assert.equal(k in d, false, `${where}: ${k} in the document`)
    }

    it('only ever throws ScimError 400, never mutates the input, and keeps the document invariants', () => {
      const r = prng(0x5c1a)
      const GROUP_DOC = deepFreeze({ displayName: 'Tour Guides', externalId: 'tg' })
      const counts = { ok: 0, scimErrors: 0, applied: 0 }
      for (let i = 0; i < 5_000; i++) {
        const strict = r() < 0.5
        const type: 'User' | 'Group' = r() < 0.7 ? 'User' : 'Group'
        const roll = r()
        const input =
          roll < 0.6
            ? body(...Array.from({ length: 1 + Math.floor(r() * 3) }, () => plausibleOperation(r, type)))
            : roll < 0.8
              ? body(...Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < 0.5 ? plausibleOperation(r, type) : randomOperation(r))))
              : randomBody(r)
        const doc = type === 'User' ? BJENSEN : GROUP_DOC
        deepFreeze(input)
        const snapshot = JSON.stringify(doc)
        const where = `case ${i}: ${JSON.stringify(input).slice(0, 300)} (${strict ? 'strict' : 'lenient'} ${type})`
        const attempt = (fn: () => PatchResult | PatchOperation[]): unknown => {
          try {
            return fn()
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400) {
              assert.fail(`${where}: threw ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`)
            }
            counts.scimErrors++
            return undefined
          }
        }
        const parsed = attempt(() => parsePatchRequest(input, { strict })) as PatchOperation[] | undefined
        if (parsed) {
          const result = attempt(() => applyPatch(registry, type, doc, parsed, { strict })) as PatchResult | undefined
          if (result) {
            counts.ok++
            checkInvariants(result.document, where)
            assert.deepEqual(JSON.parse(JSON.stringify(result.document)), result.document, `${where}: not plain JSON`)
            if (type === 'User') assert.equal(result.members, undefined)
            if (result.password !== undefined) assert.equal(typeof result.password, 'string')
          }
        }
        // Unvalidated operations straight into applyPatch must fail just as cleanly.
        const rawOps = (input as { Operations?: unknown })?.Operations
        if (Array.isArray(rawOps) && attempt(() => applyPatch(registry, type, doc, rawOps as PatchOperation[], { strict })) !== undefined) counts.applied++
        assert.equal(JSON.stringify(doc), snapshot, `${where}: the input document changed`)
      }
      // The generator must reach both outcomes in quantity, or it tests little.
      assert.ok(counts.ok > 1_000, `only ${counts.ok} successful patches`)
      assert.ok(counts.scimErrors > 500, `only ${counts.scimErrors} errors`)
    })
  })
})

import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { ScimError, type ScimType } from '../../../src/scim/errors.js'
import { parseProjection } from '../../../src/scim/schema/projection.js'
import { RESOURCE_LIMITS, documentColumns, fromWire, normaliseDateTime, toWire, type FromWireOptions, type ResourceRecord } from '../../../src/scim/schema/representation.js'
import { Interpretation } from '../../../src/scim/interpretation.js'
import { SCHEMA_URNS, loadSchemas, validateSchemaDefinition, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'
import { rfc7643EnterpriseAttributes, rfc7643UserAttributes, withUserExtension } from '../../support/scim-fixtures.js'

const USER = SCHEMA_URNS.User
const GROUP = SCHEMA_URNS.Group
const ENTERPRISE = SCHEMA_URNS.EnterpriseUser
const TEST = 'urn:example:params:scim:schemas:extension:test:2.0:User'
const BASE = 'https://example.com/v2'

/** An extension with one attribute of each type and characteristic the standard schemas lack. */
const TEST_SCHEMA = validateSchemaDefinition(
  {
    id: TEST,
    name: 'Test',
    attributes: [
      { name: 'aString', type: 'string', multiValued: false },
      { name: 'aBoolean', type: 'boolean', multiValued: false },
      { name: 'aDecimal', type: 'decimal', multiValued: false },
      { name: 'anInteger', type: 'integer', multiValued: false },
      { name: 'aDateTime', type: 'dateTime', multiValued: false },
      { name: 'aBinary', type: 'binary', multiValued: false },
      { name: 'aReference', type: 'reference', referenceTypes: ['external'], multiValued: false },
      { name: 'tags', type: 'string', multiValued: true },
      { name: 'employeeId', type: 'string', multiValued: false, mutability: 'immutable' },
      { name: 'pin', type: 'string', multiValued: false, mutability: 'writeOnly', returned: 'never' },
      { name: 'audit', type: 'string', multiValued: false, returned: 'request' },
      { name: 'hidden', type: 'string', multiValued: false, returned: 'never' },
      { name: 'computed', type: 'string', multiValued: false, mutability: 'readOnly' },
      {
        name: 'badge',
        type: 'complex',
        multiValued: false,
        subAttributes: [
          { name: 'number', type: 'integer', multiValued: false },
          { name: 'issued', type: 'dateTime', multiValued: false },
          { name: 'serial', type: 'string', multiValued: false, mutability: 'immutable', caseExact: true },
        ],
      },
      {
        name: 'badges',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string', multiValued: false, required: true },
          { name: 'type', type: 'string', multiValued: false },
        ],
      },
    ],
  },
  'test schema',
  true,
)

const clone = <T>(v: T): T => structuredClone(v)

// RFC 7643 §8.2, full User representation.
const RFC_FULL_USER = {
  schemas: [USER],
  id: '2819c223-7f76-453a-919d-413861904646',
  ...rfc7643UserAttributes(),
  password: 't1meMa$heen',
  groups: [
    { value: 'e9e30dba-f08f-4109-8486-d5c6a331660a', $ref: 'https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a', display: 'Tour Guides' },
    { value: 'fc348aa8-3835-40eb-a20b-c726e15c55b5', $ref: 'https://example.com/v2/Groups/fc348aa8-3835-40eb-a20b-c726e15c55b5', display: 'Employees' },
    { value: '71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7', $ref: 'https://example.com/v2/Groups/71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7', display: 'US Employees' },
  ],
  x509Certificates: [
    {
      value:
        'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFaMH8xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRQwEgYDVQQKDAtleGFtcGxlLmNvbTEhMB8GA1UEAwwYTXMuIEJhcmJhcmEgSiBKZW5zZW4gSUlJMSIwIAYJKoZIhvcNAQkBFhNiamVuc2VuQGV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7Kr+Dcds/JQ5GwejJFcBIP682X3xpjis56AK02bc1FLgzdLI8auoR+cC9/Vrh5t66HkQIOdA4unHh0AaZ4xL5PhVbXIPMB5vAPKpzz5iPSi8xO8SL7I7SDhcBVJhqVqr3HgllEG6UClDdHO7nkLuwXq8HcISKkbT5WFTVfFZzidPl8HZ7DhXkZIRtJwBweq4bvm3hM1Os7UQH05ZS6cVDgweKNwdLLrT51ikSQG3DYrl+ft781UQRIqxgwqCfXEuDiinPh0kkvIi5jivVu1Z9QiwlYEdRbLJ4zJQBmDrSGTMYn4lRc2HgHO4DqB/bnMVorHB0CC6AV1QoFK4GPe1LwIDAQABo3sweTAJBgNVHRMEAjAAMCwGCWCGSAGG+EIBDQQfFh1PcGVuU1NMIEdlbmVyYXRlZCBDZXJ0aWZpY2F0ZTAdBgNVHQ4EFgQU8pD0U0vsZIsaA16lL8En8bx0F/gwHwYDVR0jBBgwFoAUdGeKitcaF7gnzsNwDx708kqaVt0wDQYJKoZIhvcNAQEFBQADgYEAA81SsFnOdYJtNg5Tcq+/ByEDrBgnusx0jloUhByPMEVkoMZ3J7j1ZgI8rAbOkNngX8+pKfTiDz1RC4+dx8oU6Za+4NJXUjlL5CvV6BEYb1+QAEJwitTVvxB/A67g42/vzgAtoRUeDov1+GFiBZ+GNF/cAYKcMtGcrs2i97ZkJMo=',
    },
  ],
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"a330bc54f0671c9"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
}

// RFC 7643 §8.3, enterprise User: the §8.2 user with relative group $refs, the extension (with the
// readOnly manager.displayName the server does not store), another version.
const RFC_ENTERPRISE = rfc7643EnterpriseAttributes()
const RFC_ENTERPRISE_USER = {
  ...clone(RFC_FULL_USER),
  schemas: [USER, ENTERPRISE],
  groups: RFC_FULL_USER.groups.map((g) => ({ ...g, $ref: `../Groups/${g.value}` })),
  [ENTERPRISE]: { ...RFC_ENTERPRISE, manager: { ...(RFC_ENTERPRISE.manager as JsonObject), displayName: 'John Smith' } },
  meta: { ...RFC_FULL_USER.meta, version: 'W/"3694e05e9dff591"' },
}

// RFC 7643 §8.4, Group.
const RFC_GROUP = {
  schemas: [GROUP],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    { value: '2819c223-7f76-453a-919d-413861904646', $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen' },
    { value: '902c246b-6245-4190-8e05-00816be7344a', $ref: 'https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a', display: 'Mandy Pepperidge' },
  ],
  meta: {
    resourceType: 'Group',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff592"',
    location: 'https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a',
  },
}

/** Asserts that `fn` throws a 400 ScimError with `scimType`, and the detail matching `detail`. */
function rejects(fn: () => unknown, scimType: ScimType, detail?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ScimError, `expected a ScimError, got ${String(err)}`)
    assert.equal(err.status, 400)
    assert.equal(err.code, scimType, `scimType of "${err.message}"`)
    if (detail) assert.match(err.message, detail)
    return true
  })
}

describe('scim/resource', () => {
  let registry: SchemaRegistry
  let testRegistry: SchemaRegistry

  before(() => {
    registry = loadSchemas()
    testRegistry = withUserExtension(registry, TEST_SCHEMA)
  })

  const create = (body: unknown, options: Partial<FromWireOptions> = {}, reg?: SchemaRegistry) =>
    fromWire(reg ?? registry, 'User', body, { mode: 'create', ...options })
  const user = (attrs: Record<string, unknown>) => ({ schemas: [USER], userName: 'bjensen', ...attrs })
  const testUser = (ext: Record<string, unknown>, attrs: Record<string, unknown> = {}) => ({ schemas: [USER, TEST], userName: 'bjensen', ...attrs, [TEST]: ext })
  const testValue = (ext: Record<string, unknown>, options: Partial<FromWireOptions> = {}) =>
    (create(testUser(ext), options, testRegistry).document[TEST] as JsonObject | undefined) ?? {}
  const record = (document: JsonObject, extra: Partial<ResourceRecord> = {}): ResourceRecord => ({
    id: 'u-1',
    document,
    created: new Date('2010-01-23T04:56:22Z'),
    modified: new Date('2011-05-13T04:42:34Z'),
    version: 7,
    ...extra,
  })

  describe('RFC 7643 §8 examples round-trip', () => {
    const meta = (resourceType: string, location: string, version: number) => ({
      resourceType,
      created: '2010-01-23T04:56:22.000Z',
      lastModified: '2011-05-13T04:42:34.000Z',
      location,
      version: `W/"${version}"`,
    })

    it('§8.2 full user: id, meta, groups and password are not stored; the rest comes back as sent', () => {
      const input = create(clone(RFC_FULL_USER))
      assert.equal(input.password, 't1meMa$heen')
      assert.equal(input.members, undefined)
      for (const k of ['schemas', 'id', 'meta', 'groups', 'password']) assert.ok(!(k in input.document), `${k} not stored`)

      const groups = RFC_FULL_USER.groups.map((g) => ({ value: g.value, display: g.display, type: 'direct' as const }))
      const wire = toWire(registry, 'User', record(input.document, { id: RFC_FULL_USER.id, groups }), { baseUrl: BASE })

      const expected: Record<string, unknown> = clone(RFC_FULL_USER)
      delete expected.password // writeOnly, returned never
      expected.groups = RFC_FULL_USER.groups.map((g) => ({ ...g, type: 'direct' })) // the server adds type
      expected.meta = meta('User', RFC_FULL_USER.meta.location, 7) // normalised dateTimes, our version
      assert.deepEqual(wire, expected)
    })

    it('§8.3 enterprise user: the extension round-trips except the readOnly manager.displayName', () => {
      const input = create(clone(RFC_ENTERPRISE_USER))
      assert.deepEqual(input.document[ENTERPRISE], {
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' },
      })
      const groups = RFC_FULL_USER.groups.map((g) => ({ value: g.value, display: g.display, type: 'direct' as const }))
      const wire = toWire(registry, 'User', record(input.document, { id: RFC_FULL_USER.id, groups }), { baseUrl: BASE })

      const expected: Record<string, unknown> = clone(RFC_ENTERPRISE_USER)
      delete expected.password
      expected.groups = RFC_FULL_USER.groups.map((g) => ({ ...g, type: 'direct' })) // absolute $ref from baseUrl
      const ext = expected[ENTERPRISE] as { manager: Record<string, unknown> }
      delete ext.manager.displayName
      expected.meta = meta('User', RFC_FULL_USER.meta.location, 7)
      assert.deepEqual(wire, expected)
    })

    it('§8.4 group: members are extracted, not stored, and come back with $ref and type', () => {
      const input = fromWire(registry, 'Group', clone(RFC_GROUP), { mode: 'create' })
      assert.deepEqual(input.document, { displayName: 'Tour Guides' })
      assert.deepEqual(input.members, [{ value: '2819c223-7f76-453a-919d-413861904646' }, { value: '902c246b-6245-4190-8e05-00816be7344a' }])

      const members = RFC_GROUP.members.map((m) => ({ value: m.value, display: m.display, type: 'User' as const }))
      const wire = toWire(registry, 'Group', record(input.document, { id: RFC_GROUP.id, members }), { baseUrl: BASE })
      const expected: Record<string, unknown> = clone(RFC_GROUP)
      expected.members = RFC_GROUP.members.map((m) => ({ ...m, type: 'User' }))
      expected.meta = meta('Group', RFC_GROUP.meta.location, 7)
      assert.deepEqual(wire, expected)
    })

    it('fromWire(toWire(x)) is x: the output is valid input and yields the same document', () => {
      const first = create(clone(RFC_ENTERPRISE_USER))
      const wire = toWire(registry, 'User', record(first.document), { baseUrl: BASE })
      assert.deepEqual(create(wire).document, first.document)
    })
  })

  describe('body and schemas', () => {
    it('rejects a body that is not a JSON object (invalidSyntax)', () => {
      for (const body of [null, undefined, 'x', 42, true, [user({})]]) rejects(() => create(body), 'invalidSyntax', /JSON object/)
    })

    it('requires "schemas" as an array of strings that includes the base schema (invalidSyntax)', () => {
      rejects(() => create({ userName: 'bjensen' }), 'invalidSyntax', /"schemas" is required/)
      rejects(() => create({ schemas: USER, userName: 'bjensen' }), 'invalidSyntax', /"schemas"/)
      rejects(() => create({ schemas: [USER, 42], userName: 'bjensen' }), 'invalidSyntax', /"schemas"/)
      rejects(() => create({ schemas: [], userName: 'bjensen' }), 'invalidSyntax', /must include/)
      rejects(() => create({ schemas: [ENTERPRISE], userName: 'bjensen' }), 'invalidSyntax', /must include/)
    })

    it('rejects unknown schema URNs in strict mode (invalidSyntax), and schemas of another resource type in both (invalidValue)', () => {
      rejects(() => create({ schemas: [USER, 'urn:example:nope'], userName: 'b' }, { strict: true }), 'invalidSyntax', /unknown schema urn:example:nope/)
      rejects(() => create({ schemas: [USER, GROUP], userName: 'b' }), 'invalidValue', /not a schema of the User/)
      rejects(() => fromWire(registry, 'Group', { schemas: [GROUP, ENTERPRISE], displayName: 'g' }, { mode: 'create' }), 'invalidValue', /not a schema of the Group/)
      rejects(() => create({ schemas: [USER], userName: 'b', [GROUP]: {} }), 'invalidValue', /not a schema of the User/)
    })

    it('ignores an unknown schema URN and its whole object in lenient mode, noting it', () => {
      const notes = new Interpretation()
      const body = { schemas: [USER, 'urn:example:idp:2.0:User'], userName: 'b', 'urn:example:idp:2.0:User': { costCenter: '42' } }
      assert.deepEqual(create(body, { notes }).document, { userName: 'b' })
      assert.deepEqual(notes.ignoredPaths(), ['urn:example:idp:2.0:User'])
    })

    it('matches schema URNs case-insensitively and stores the extension under its canonical URN', () => {
      const body = { schemas: [USER.toUpperCase(), ENTERPRISE.toLowerCase()], userName: 'b', [ENTERPRISE.toUpperCase()]: { department: 'Sales' } }
      assert.deepEqual(create(body).document, { userName: 'b', [ENTERPRISE]: { department: 'Sales' } })
    })

    it('tolerates a URN listed twice unless strict', () => {
      const body = { schemas: [USER, USER.toLowerCase()], userName: 'b' }
      assert.deepEqual(create(body).document, { userName: 'b' })
      rejects(() => create(body, { strict: true }), 'invalidValue', /more than once/)
    })

    it('accepts an extension object whose URN is not in "schemas" unless strict', () => {
      const body = { schemas: [USER], userName: 'b', [ENTERPRISE]: { department: 'Sales' } }
      assert.deepEqual(create(body).document[ENTERPRISE], { department: 'Sales' })
      rejects(() => create(body, { strict: true }), 'invalidValue', /not listed in "schemas"/)
    })

    it('accepts a listed extension without an object, and a null extension object', () => {
      assert.deepEqual(create({ schemas: [USER, ENTERPRISE], userName: 'b' }, { strict: true }).document, { userName: 'b' })
      assert.deepEqual(create({ schemas: [USER, ENTERPRISE], userName: 'b', [ENTERPRISE]: null }).document, { userName: 'b' })
      assert.deepEqual(create({ schemas: [USER, ENTERPRISE], userName: 'b', [ENTERPRISE]: {} }).document, { userName: 'b' })
    })

    it('rejects an extension value that is not an object', () => {
      rejects(() => create({ schemas: [USER, ENTERPRISE], userName: 'b', [ENTERPRISE]: 'Sales' }), 'invalidValue', /must be an object/)
    })

    it('requires a required extension', () => {
      const required = withUserExtension(registry, TEST_SCHEMA, true)
      rejects(() => create(user({}), {}, required), 'invalidValue', new RegExp(`${TEST} extension is required`))
      assert.deepEqual(create(testUser({ aString: 'x' }), {}, required).document[TEST], { aString: 'x' })
    })
  })

  describe('attribute names', () => {
    it('matches names case-insensitively and stores canonical names', () => {
      const body = {
        SCHEMAS: [USER, ENTERPRISE],
        USERNAME: 'bjensen',
        Name: { GIVENNAME: 'Barbara', familyname: 'Jensen' },
        eMails: [{ VALUE: 'b@example.com', Type: 'work', PRIMARY: true }],
        [ENTERPRISE]: { DEPARTMENT: 'Sales', Manager: { VALUE: 'm-1' } },
        externalID: 'x-1',
      }
      assert.deepEqual(create(body).document, {
        externalId: 'x-1',
        userName: 'bjensen',
        name: { familyName: 'Jensen', givenName: 'Barbara' },
        emails: [{ value: 'b@example.com', type: 'work', primary: true }],
        [ENTERPRISE]: { department: 'Sales', manager: { value: 'm-1' } },
      })
    })

    it('rejects an attribute given twice in different case (invalidSyntax)', () => {
      rejects(() => create(user({ UserName: 'other' })), 'invalidSyntax', /given twice/)
      rejects(() => create(user({ name: { givenName: 'a', GivenName: 'b' } })), 'invalidSyntax', /given twice.*name/)
    })

    it('rejects unknown attributes in strict mode, naming them (invalidSyntax, interop profile §5.3)', () => {
      const strict = { strict: true }
      rejects(() => create(user({ emial: 'x' }), strict), 'invalidSyntax', /unknown attribute emial/)
      rejects(() => create(user({ name: { givenName: 'B', nickname: 'x' } }), strict), 'invalidSyntax', /unknown attribute name\.nickname/)
      rejects(() => create(user({ emails: [{ value: 'a', kind: 'work' }] }), strict), 'invalidSyntax', /unknown attribute emails\[0\]\.kind/)
      rejects(() => create({ ...user({}), schemas: [USER, ENTERPRISE], [ENTERPRISE]: { dept: 'x' } }, strict), 'invalidSyntax', new RegExp(`unknown attribute ${ENTERPRISE}:dept`))
      rejects(() => create(user({ members: [] }), strict), 'invalidSyntax', /unknown attribute members/)
    })

    it('ignores unknown attributes in lenient mode, noting each by its path, and keeps the rest', () => {
      const notes = new Interpretation()
      const body = {
        ...user({ emial: 'x', name: { givenName: 'B', nickname: 'x' }, emails: [{ value: 'a', kind: 'work' }], members: [] }),
        schemas: [USER, ENTERPRISE],
        [ENTERPRISE]: { department: 'Sales', dept: 'x' },
      }
      assert.deepEqual(create(body, { notes }).document, { userName: 'bjensen', name: { givenName: 'B' }, emails: [{ value: 'a' }], [ENTERPRISE]: { department: 'Sales' } })
      assert.deepEqual(notes.ignoredPaths().sort(), ['emails[0].kind', 'emial', 'members', 'name.nickname', `${ENTERPRISE}:dept`].sort())
    })

    it('keeps refusing wrong values of known attributes in lenient mode', () => {
      const notes = new Interpretation()
      rejects(() => create(user({ emial: 'x', active: 'maybe' }), { notes }), 'invalidValue', /active must be a boolean/)
      rejects(() => create(user({ name: 'Babs' }), { notes }), 'invalidValue', /name must be an object/)
      rejects(() => create({ userName: 'b', emial: 'x' }, { notes }), 'invalidSyntax', /"schemas" is required/)
    })

    it('rejects extension attributes at the top level, qualified or not, in strict mode (that form is for PATCH paths); lenient ignores them', () => {
      const strict = { strict: true }
      rejects(() => create(user({ department: 'Sales' }), strict), 'invalidSyntax', /unknown attribute department/)
      rejects(() => create(user({ [`${ENTERPRISE}:department`]: 'Sales' }), strict), 'invalidSyntax', /unknown attribute/)
      rejects(() => create(user({ [`${USER}:displayName`]: 'Babs' }), strict), 'invalidSyntax', /unknown attribute/)
      const notes = new Interpretation()
      assert.deepEqual(create(user({ department: 'Sales', [`${ENTERPRISE}:department`]: 'Sales' }), { notes }).document, { userName: 'bjensen' })
      assert.deepEqual(notes.ignoredPaths(), ['department', `${ENTERPRISE}:department`])
    })

    it('keeps values other than the canonical ones (canonicalValues are not a closed list)', () => {
      const doc = create(user({ emails: [{ value: 'a@b', type: 'work2' }], ims: [{ value: 'x', type: 'matrix' }] })).document
      assert.deepEqual(doc.emails, [{ value: 'a@b', type: 'work2' }])
      assert.deepEqual(doc.ims, [{ value: 'x', type: 'matrix' }])
    })
  })

  describe('types', () => {
    it('accepts each type', () => {
      const value = testValue({
        aString: 'text',
        aBoolean: false,
        aDecimal: 1.5,
        anInteger: -3,
        aDateTime: '2008-01-23T04:56:22Z',
        aBinary: 'AAEC',
        aReference: 'https://example.com/x',
        tags: ['a', 'b'],
        badge: { number: 7, issued: '2020-01-01T00:00:00+01:00' },
      })
      assert.deepEqual(value, {
        aString: 'text',
        aBoolean: false,
        aDecimal: 1.5,
        anInteger: -3,
        aDateTime: '2008-01-23T04:56:22.000Z',
        aBinary: 'AAEC',
        aReference: 'https://example.com/x',
        tags: ['a', 'b'],
        badge: { number: 7, issued: '2019-12-31T23:00:00.000Z' },
      })
    })

    it('rejects values of the wrong type, naming the attribute (invalidValue)', () => {
      const cases: [string, unknown, RegExp][] = [
        ['aString', 5, /aString must be a string, not number/],
        ['aString', { a: 1 }, /aString must be a string, not an object/],
        ['aBoolean', 1, /aBoolean must be a boolean/],
        ['aBoolean', 'yes', /aBoolean must be a boolean/],
        ['aDecimal', '1.5', /aDecimal must be a number, not string/],
        ['anInteger', '3', /anInteger must be an integer, not string/],
        ['anInteger', 1.5, /anInteger must be an integer/],
        ['anInteger', 2 ** 60, /anInteger must be an integer/],
        ['aDateTime', 1_200_000_000, /aDateTime must be a dateTime string/],
        ['aDateTime', 'yesterday', /not a valid xsd:dateTime/],
        ['aBinary', 'not base64!', /not valid base64/],
        ['aBinary', 12, /aBinary must be a base64 string/],
        ['aReference', 12, /aReference must be a string/],
        ['badge', 'gold', /badge must be an object, not string/],
        ['badge', { number: 'seven' }, /badge\.number must be an integer/],
        ['tags', [1], /tags\[0\] must be a string/],
        ['tags', [['a']], /tags\[0\] must not be an array/],
      ]
      for (const [name, value, detail] of cases) rejects(() => testValue({ [name]: value }), 'invalidValue', detail)
    })

    it('accepts booleans as "true"/"false" strings in any case unless strict', () => {
      assert.equal(create(user({ active: 'False' })).document.active, false)
      assert.equal(create(user({ active: 'TRUE' })).document.active, true)
      assert.deepEqual(create(user({ emails: [{ value: 'a', primary: 'True' }] })).document.emails, [{ value: 'a', primary: true }])
      rejects(() => create(user({ active: 'false' }), { strict: true }), 'invalidValue', /active must be a boolean/)
      rejects(() => create(user({ active: 'no' })), 'invalidValue', /active must be a boolean/)
    })

    it('never accepts numbers as strings', () => {
      rejects(() => testValue({ anInteger: '1' }), 'invalidValue')
      rejects(() => testValue({ aDecimal: '1.0' }), 'invalidValue')
    })

    it('normalises dateTime to UTC toISOString()', () => {
      const cases: [string, string][] = [
        ['2008-01-23T04:56:22Z', '2008-01-23T04:56:22.000Z'],
        ['2008-01-23T04:56:22', '2008-01-23T04:56:22.000Z'], // no timezone: taken as UTC
        ['2008-01-23T04:56:22.5-05:30', '2008-01-23T10:26:22.500Z'],
        ['2008-01-23T04:56:22.123456789+00:00', '2008-01-23T04:56:22.123Z'],
        ['2008-12-31T23:30:00-01:00', '2009-01-01T00:30:00.000Z'],
        ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
        ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
      ]
      for (const [input, output] of cases) {
        assert.equal(normaliseDateTime(input), output, input)
        assert.equal(testValue({ aDateTime: input }).aDateTime, output)
      }
      for (const bad of ['2008-01-23', '2008-01-23 04:56:22Z', '2008-13-01T00:00:00Z', '2009-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2008-04-31T00:00:00Z', '2008-01-23T24:00:00Z', '2008-01-23T04:56:60Z', '2008-01-23T04:56:22+15:00', '0000-01-01T00:00:00Z', '2008-1-23T04:56:22Z']) {
        assert.equal(normaliseDateTime(bad), undefined, bad)
        rejects(() => testValue({ aDateTime: bad }), 'invalidValue', /xsd:dateTime/)
      }
    })

    it('accepts base64 with or without padding', () => {
      for (const b of ['AA==', 'AA', 'AAE=', 'AAE', 'AAEC', 'a+/9']) assert.equal(testValue({ aBinary: b }).aBinary, b)
      for (const b of ['A', 'AA=', 'AAECA', 'AA-_']) rejects(() => testValue({ aBinary: b }), 'invalidValue', /base64/)
    })

    it('multi-valued: wraps a single value unless strict', () => {
      assert.deepEqual(create(user({ emails: { value: 'a@b' } })).document.emails, [{ value: 'a@b' }])
      assert.deepEqual(testValue({ tags: 'one' }).tags, ['one'])
      rejects(() => create(user({ emails: { value: 'a@b' } }), { strict: true }), 'invalidValue', /emails is multi-valued and must be an array/)
    })

    it('single-valued: rejects an array', () => {
      rejects(() => create(user({ displayName: ['Babs'] })), 'invalidValue', /displayName is single-valued/)
      rejects(() => create(user({ name: [{ givenName: 'B' }] })), 'invalidValue', /name is single-valued/)
      rejects(() => create(user({ userName: ['bjensen'] })), 'invalidValue', /userName is single-valued/)
    })
  })

  describe('normalisation', () => {
    it('drops nulls, empty strings, empty arrays and empty complex values', () => {
      const doc = create(
        user({
          displayName: null,
          nickName: '',
          name: { givenName: null, familyName: '' },
          emails: [],
          phoneNumbers: [null, { value: null }, {}, { value: '555' }],
          ims: null,
          addresses: [{}],
          externalId: '',
        }),
      ).document
      assert.deepEqual(doc, { userName: 'bjensen', phoneNumbers: [{ value: '555' }] })
    })

    it('keeps whitespace as given (no trimming)', () => {
      assert.equal(create(user({ displayName: '  Babs ' })).document.displayName, '  Babs ')
    })

    it('rejects two primary values in one multi-valued attribute', () => {
      rejects(() => create(user({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: true }] })), 'invalidValue', /emails has more than one value with "primary": true/)
      rejects(() => create(user({ addresses: [{ locality: 'a', primary: true }, { locality: 'b', primary: 'true' }] })), 'invalidValue', /addresses/)
      assert.equal((create(user({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }] })).document.emails as unknown[]).length, 2)
    })

    it('follows the stored document format: no id/meta/schemas/password/groups, extensions under canonical URNs', () => {
      const { document } = create(clone(RFC_ENTERPRISE_USER))
      assert.deepEqual(Object.keys(document).filter((k) => k.startsWith('urn:')), [ENTERPRISE])
      const walk = (v: unknown): void => {
        assert.notEqual(v, null)
        assert.notEqual(v, '')
        if (Array.isArray(v)) {
          assert.ok(v.length > 0)
          v.forEach(walk)
        } else if (typeof v === 'object') {
          assert.ok(Object.keys(v as object).length > 0)
          Object.values(v as object).forEach(walk)
        }
      }
      walk(document)
    })
  })

  describe('mutability', () => {
    it('ignores readOnly attributes (id, meta, groups, manager.displayName, extension readOnly) without checking them', () => {
      const body = {
        ...user({ id: 12, meta: 'whatever', groups: [{ value: 'g', nonsense: true }] }),
        schemas: [USER, ENTERPRISE, TEST],
        [ENTERPRISE]: { manager: { value: 'm', displayName: 'Boss' } },
        [TEST]: { computed: 'client value' },
      }
      assert.deepEqual(create(body, {}, testRegistry).document, { userName: 'bjensen', [ENTERPRISE]: { manager: { value: 'm' } } })
    })

    it('extracts the writeOnly password; it is never stored nor returned', () => {
      const input = create(user({ password: 's3cret' }))
      assert.equal(input.password, 's3cret')
      assert.ok(!('password' in input.document))
      assert.equal(create(user({})).password, undefined)
      assert.equal(create(user({ password: '' })).password, undefined)
      rejects(() => create(user({ password: 42 })), 'invalidValue', /password must be a string/)
      // Even if a document carried one, the representation never does.
      const wire = toWire(registry, 'User', record({ userName: 'b', password: 'leak' }), { baseUrl: BASE })
      assert.ok(!('password' in wire))
      const asked = toWire(registry, 'User', record({ userName: 'b', password: 'leak' }), { baseUrl: BASE, projection: parseProjection(registry, 'User', { attributes: 'password' }) })
      assert.ok(!('password' in asked))
    })

    it('never returns other writeOnly or returned:never attributes', () => {
      const doc = create(testUser({ pin: '1234', hidden: 'h', aString: 's' }), {}, testRegistry).document
      assert.deepEqual(doc[TEST], { aString: 's', pin: '1234', hidden: 'h' })
      const wire = toWire(testRegistry, 'User', record(doc), { baseUrl: BASE })
      assert.deepEqual(wire[TEST], { aString: 's' })
    })

    describe('immutable', () => {
      const replace = (ext: Record<string, unknown> | undefined, existing: JsonObject) =>
        fromWire(testRegistry, 'User', ext ? testUser(ext) : user({}), { mode: 'replace', existing })
      const existing: JsonObject = { userName: 'bjensen', [TEST]: { employeeId: 'E-1', badge: { serial: 'S-1', number: 1 } } }

      it('may be set on create, and on replace when there is no value yet', () => {
        assert.equal(testValue({ employeeId: 'E-1' }).employeeId, 'E-1')
        assert.equal((replace({ employeeId: 'E-2' }, { userName: 'bjensen' }).document[TEST] as JsonObject).employeeId, 'E-2')
      })

      it('accepts the same value on replace (case-insensitively when not caseExact)', () => {
        const doc = replace({ employeeId: 'e-1', badge: { serial: 'S-1', number: 2 } }, existing).document
        assert.deepEqual(doc[TEST], { employeeId: 'e-1', badge: { number: 2, serial: 'S-1' } })
      })

      it('rejects a different value on replace (mutability)', () => {
        rejects(() => replace({ employeeId: 'E-2' }, existing), 'mutability', /employeeId is immutable/)
        rejects(() => replace({ employeeId: 'E-1', badge: { serial: 's-1' } }, existing), 'mutability', /badge\.serial is immutable/)
        rejects(() => replace({ employeeId: null }, existing), 'mutability', /employeeId/)
      })

      it('keeps the existing value when the replace omits it, also inside an omitted complex attribute', () => {
        assert.deepEqual(replace({ aString: 'x' }, existing).document[TEST], { aString: 'x', employeeId: 'E-1', badge: { serial: 'S-1' } })
        assert.deepEqual(replace(undefined, existing).document[TEST], { employeeId: 'E-1', badge: { serial: 'S-1' } })
        assert.deepEqual(replace({ badge: { number: 3 } }, existing).document[TEST], { employeeId: 'E-1', badge: { number: 3, serial: 'S-1' } })
      })

      it('rejects clearing an immutable value, directly or through its complex parent (mutability)', () => {
        rejects(() => replace({ badge: null }, existing), 'mutability', /badge\.serial is immutable/)
        rejects(() => replace({ badge: { serial: null } }, existing), 'mutability', /badge\.serial is immutable/)
      })

      it('is not checked on create, even with `existing`', () => {
        const doc = fromWire(testRegistry, 'User', testUser({ employeeId: 'E-9' }), { mode: 'create', existing }).document
        assert.equal((doc[TEST] as JsonObject).employeeId, 'E-9')
      })
    })
  })

  describe('required', () => {
    it('requires a non-empty userName (invalidValue)', () => {
      for (const userName of [undefined, null, '', '   ']) {
        rejects(() => create({ schemas: [USER], ...(userName !== undefined ? { userName } : {}) }), 'invalidValue', /userName is required/)
      }
      rejects(() => fromWire(registry, 'User', { schemas: [USER] }, { mode: 'replace', existing: { userName: 'b' } }), 'invalidValue', /userName is required/)
    })

    it('requires a Group displayName (RFC 7643 §4.2, although the schema file says required: false)', () => {
      rejects(() => fromWire(registry, 'Group', { schemas: [GROUP] }, { mode: 'create' }), 'invalidValue', /displayName is required/)
      rejects(() => fromWire(registry, 'Group', { schemas: [GROUP], displayName: '' }, { mode: 'create' }), 'invalidValue', /displayName is required/)
    })

    it('requires required sub-attributes of values that are present', () => {
      rejects(() => testValue({ badges: [{ type: 'gold' }] }), 'invalidValue', /badges\[0\]\.value is required/)
      assert.deepEqual(testValue({ badges: [{ value: 'b1' }] }).badges, [{ value: 'b1' }])
    })

    it('User active: stored only when given; absent means active', () => {
      assert.ok(!('active' in create(user({})).document))
      assert.equal(documentColumns('User', create(user({})).document).active, true)
      assert.equal(documentColumns('User', create(user({ active: false })).document).active, false)
    })
  })

  describe('Group members', () => {
    const group = (members: unknown, strict = false) =>
      fromWire(registry, 'Group', { schemas: [GROUP], displayName: 'G', members }, { mode: 'create', strict })

    it('extracts value and type (case-insensitive), ignores $ref and display, never stores members', () => {
      const input = group([
        { value: 'u1', type: 'user', $ref: 'https://elsewhere/Users/u1', display: 'Babs' },
        { VALUE: 'g1', TYPE: 'GROUP' },
        { value: 'u2' },
      ])
      assert.deepEqual(input.members, [{ value: 'u1', type: 'User' }, { value: 'g1', type: 'Group' }, { value: 'u2' }])
      assert.deepEqual(input.document, { displayName: 'G' })
    })

    it('distinguishes absent (undefined) from empty ([])', () => {
      assert.equal(fromWire(registry, 'Group', { schemas: [GROUP], displayName: 'G' }, { mode: 'create' }).members, undefined)
      assert.deepEqual(group(null).members, [])
      assert.deepEqual(group([]).members, [])
      assert.deepEqual(group([null]).members, [])
    })

    it('merges duplicates', () => {
      assert.deepEqual(group([{ value: 'u1' }, { value: 'u1', type: 'User' }]).members, [{ value: 'u1', type: 'User' }])
      rejects(() => group([{ value: 'x', type: 'User' }, { value: 'x', type: 'Group' }]), 'invalidValue', /both a User and a Group/)
    })

    it('rejects members without a value, with another type, or with unknown sub-attributes', () => {
      rejects(() => group([{ display: 'Babs' }]), 'invalidValue', /members\[0\]\.value is required/)
      rejects(() => group([{ value: '' }]), 'invalidValue', /members\[0\]\.value is required/)
      rejects(() => group([{ value: 7 }]), 'invalidValue', /members\[0\]\.value/)
      rejects(() => group([{ value: 'u1', type: 'Device' }]), 'invalidValue', /members\[0\]\.type must be "User" or "Group"/)
      rejects(() => group([{ value: 'u1', role: 'owner' }], true), 'invalidSyntax', /unknown attribute members\[0\]\.role/)
      assert.deepEqual(group([{ value: 'u1', role: 'owner' }]).members, [{ value: 'u1' }])
      rejects(() => group(['u1']), 'invalidValue', /members\[0\] must be an object/)
    })

    it('wraps a single member unless strict', () => {
      assert.deepEqual(group({ value: 'u1' }).members, [{ value: 'u1' }])
      rejects(() => group({ value: 'u1' }, true), 'invalidValue', /members is multi-valued/)
    })
  })

  describe('size guards', () => {
    it('rejects more values than RESOURCE_LIMITS.maxValues in one attribute', () => {
      const emails = Array.from({ length: RESOURCE_LIMITS.maxValues + 1 }, (_, i) => ({ value: `u${i}@example.com` }))
      rejects(() => create(user({ emails })), 'invalidValue', /more than 1000 values/)
      assert.equal((create(user({ emails: emails.slice(1) })).document.emails as unknown[]).length, RESOURCE_LIMITS.maxValues)
    })

    it('rejects objects with more than RESOURCE_LIMITS.maxKeys keys', () => {
      const many = Object.fromEntries(Array.from({ length: RESOURCE_LIMITS.maxKeys + 1 }, (_, i) => [`k${i}`, 'v']))
      rejects(() => create({ ...user({}), ...many }), 'invalidValue', /more than 100 attributes/)
      rejects(() => create({ ...user({}), schemas: [USER, ENTERPRISE], [ENTERPRISE]: many }), 'invalidValue', /more than 100 attributes/)
      rejects(() => create(user({ name: many })), 'invalidValue', /name has more than 100 attributes/)
    })

    it('rejects more members than RESOURCE_LIMITS.maxMembers', () => {
      const members = Array.from({ length: RESOURCE_LIMITS.maxMembers + 1 }, () => ({ value: 'u' }))
      rejects(() => fromWire(registry, 'Group', { schemas: [GROUP], displayName: 'G', members }, { mode: 'create' }), 'invalidValue', /members has more than/)
    })
  })

  describe('toWire', () => {
    it('builds meta and $ref from baseUrl (a trailing slash is ignored) and escapes ids', () => {
      const wire = toWire(
        registry,
        'User',
        record({ userName: 'b' }, { id: 'a/b', groups: [{ value: 'g1', display: '', type: 'indirect' }] }),
        { baseUrl: 'https://host.example/scim/v2/' },
      )
      assert.deepEqual(wire, {
        schemas: [USER],
        id: 'a/b',
        userName: 'b',
        groups: [{ value: 'g1', $ref: 'https://host.example/scim/v2/Groups/g1', type: 'indirect' }],
        meta: {
          resourceType: 'User',
          created: '2010-01-23T04:56:22.000Z',
          lastModified: '2011-05-13T04:42:34.000Z',
          location: 'https://host.example/scim/v2/Users/a%2Fb',
          version: 'W/"7"',
        },
      })
    })

    it('gives each member the $ref of its type', () => {
      const wire = toWire(
        registry,
        'Group',
        record({ displayName: 'G' }, { id: 'g1', members: [{ value: 'u1', type: 'User', display: 'Babs' }, { value: 'g2', type: 'Group' }] }),
        { baseUrl: BASE },
      )
      assert.deepEqual(wire.members, [
        { value: 'u1', $ref: `${BASE}/Users/u1`, display: 'Babs', type: 'User' },
        { value: 'g2', $ref: `${BASE}/Groups/g2`, type: 'Group' },
      ])
      assert.equal((wire.meta as Record<string, unknown>).location, `${BASE}/Groups/g1`)
    })

    it('omits groups / members when none are given or the list is empty', () => {
      assert.ok(!('groups' in toWire(registry, 'User', record({ userName: 'b' }, { groups: [] }), { baseUrl: BASE })))
      assert.ok(!('members' in toWire(registry, 'Group', record({ displayName: 'G' }), { baseUrl: BASE })))
    })

    it('lists an extension in schemas only when the document has it', () => {
      assert.deepEqual(toWire(registry, 'User', record({ userName: 'b' }), { baseUrl: BASE }).schemas, [USER])
      assert.deepEqual(toWire(registry, 'User', record({ userName: 'b', [ENTERPRISE]: { department: 'x' } }), { baseUrl: BASE }).schemas, [USER, ENTERPRISE])
    })

    it('drops document keys that are not in the schema, and never aliases the stored document', () => {
      const document: JsonObject = { userName: 'b', legacy: 'x', name: { givenName: 'B' } }
      const wire = toWire(registry, 'User', record(document), { baseUrl: BASE })
      assert.ok(!('legacy' in wire))
      ;(wire.name as Record<string, unknown>).givenName = 'changed'
      assert.deepEqual(document.name, { givenName: 'B' })
    })

    it('applies the projection; returned:request attributes only when asked for', () => {
      const doc = create(testUser({ audit: 'a', aString: 's' }), {}, testRegistry).document
      assert.deepEqual(toWire(testRegistry, 'User', record(doc), { baseUrl: BASE })[TEST], { aString: 's' })
      const projection = parseProjection(testRegistry, 'User', { attributes: `${TEST}:audit` })
      assert.deepEqual(toWire(testRegistry, 'User', record(doc), { baseUrl: BASE, projection }), { schemas: [USER, TEST], id: 'u-1', [TEST]: { audit: 'a' } })
    })

    it('refuses a projection built for another resource type', () => {
      assert.throws(() => toWire(registry, 'User', record({ userName: 'b' }), { baseUrl: BASE, projection: parseProjection(registry, 'Group', {}) }), /Group projection/)
    })
  })

  describe('documentColumns', () => {
    it('picks the primary email, else the first work one, else the first', () => {
      const cols = (emails: unknown) => documentColumns('User', { userName: 'b', emails: emails as JsonObject[] }).email
      assert.equal(cols([{ value: 'h@x', type: 'home' }, { value: 'w@x', type: 'work' }, { value: 'p@x', type: 'other', primary: true }]), 'p@x')
      assert.equal(cols([{ value: 'h@x', type: 'home' }, { value: 'w@x', type: 'Work' }]), 'w@x')
      assert.equal(cols([{ value: 'h@x', type: 'home' }, { value: 'o@x' }]), 'h@x')
      assert.equal(cols(undefined), null)
    })

    it('returns the user columns', () => {
      const { document } = create(clone(RFC_FULL_USER))
      assert.deepEqual(documentColumns('User', document), {
        userName: 'bjensen@example.com',
        externalId: '701984',
        displayName: 'Babs Jensen',
        email: 'bjensen@example.com',
        active: true,
      })
    })

    it('returns the group columns', () => {
      assert.deepEqual(documentColumns('Group', { displayName: 'Tour Guides', externalId: 'x' }), {
        externalId: 'x',
        displayName: 'Tour Guides',
        email: null,
        active: true,
      })
      assert.deepEqual(documentColumns('Group', { displayName: 'G' }), { externalId: null, displayName: 'G', email: null, active: true })
    })
  })
})

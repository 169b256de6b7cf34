import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { ScimError } from '../../../src/scim/errors.js'
import { PROJECTION_LIMITS, applyProjection, defaultProjection, needs, parseProjection, wantsAttribute, type ProjectionParams } from '../../../src/scim/schema/projection.js'
import { toWire, type ResourceRecord } from '../../../src/scim/schema/representation.js'
import { SCHEMA_URNS, loadSchemas, validateSchemaDefinition, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'
import { withUserExtension } from '../../support/scim-fixtures.js'
import { valueFilterReader } from '../../../src/scim/filter/evaluate.js'
import { Interpretation } from '../../../src/scim/interpretation.js'

const USER = SCHEMA_URNS.User
const GROUP = SCHEMA_URNS.Group
const ENTERPRISE = SCHEMA_URNS.EnterpriseUser
const TEST = 'urn:example:params:scim:schemas:extension:projection:2.0:User'
const BASE = 'https://example.com/v2'

/** One attribute per `returned` value, and a complex one whose sub-attributes cover them too. */
const TEST_SCHEMA = validateSchemaDefinition(
  {
    id: TEST,
    name: 'Projection test',
    attributes: [
      { name: 'always', type: 'string', multiValued: false, returned: 'always' },
      { name: 'byDefault', type: 'string', multiValued: false, returned: 'default' },
      { name: 'onRequest', type: 'string', multiValued: false, returned: 'request' },
      { name: 'never', type: 'string', multiValued: false, returned: 'never' },
      { name: 'secret', type: 'string', multiValued: false, mutability: 'writeOnly', returned: 'default' }, // writeOnly: never, whatever it says
      {
        name: 'box',
        type: 'complex',
        multiValued: false,
        subAttributes: [
          { name: 'always', type: 'string', multiValued: false, returned: 'always' },
          { name: 'byDefault', type: 'string', multiValued: false },
          { name: 'onRequest', type: 'string', multiValued: false, returned: 'request' },
          { name: 'never', type: 'string', multiValued: false, returned: 'never' },
        ],
      },
    ],
  },
  'projection test schema',
  true,
)

const DOCUMENT: JsonObject = {
  externalId: 'x-1',
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' },
  displayName: 'Babs',
  emails: [
    { value: 'b@work', type: 'work', primary: true },
    { value: 'b@home', type: 'home' },
  ],
  addresses: [{ locality: 'Hollywood', type: 'work', primary: true }],
  [ENTERPRISE]: { department: 'Tours', manager: { value: 'm-1', $ref: '../Users/m-1' } },
  [TEST]: {
    always: 'A',
    byDefault: 'D',
    onRequest: 'R',
    never: 'N',
    secret: 'S',
    box: { always: 'bA', byDefault: 'bD', onRequest: 'bR', never: 'bN' },
  },
}

const META = {
  resourceType: 'User',
  created: '2010-01-23T04:56:22.000Z',
  lastModified: '2011-05-13T04:42:34.000Z',
  location: `${BASE}/Users/u-1`,
  version: 'W/"3"',
}

const RECORD: ResourceRecord = {
  id: 'u-1',
  document: DOCUMENT,
  created: new Date('2010-01-23T04:56:22Z'),
  modified: new Date('2011-05-13T04:42:34Z'),
  version: 3,
  groups: [{ value: 'g-1', display: 'Tour Guides', type: 'direct' }],
}

const GROUPS = [{ value: 'g-1', $ref: `${BASE}/Groups/g-1`, display: 'Tour Guides', type: 'direct' }]

function rejectsInvalidValue(fn: () => unknown, detail: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ScimError)
    assert.equal(err.status, 400)
    assert.equal(err.code, 'invalidValue')
    assert.match(err.message, detail)
    return true
  })
}

describe('scim/projection', () => {
  let registry: SchemaRegistry

  before(() => {
    registry = withUserExtension(loadSchemas(), TEST_SCHEMA)
  })

  const render = (params: ProjectionParams, strict = false) =>
    toWire(registry, 'User', RECORD, { baseUrl: BASE, projection: parseProjection(registry, 'User', params, { strict }) })

  describe('returned characteristic', () => {
    it('by default returns always + default attributes and sub-attributes, never request / never / writeOnly', () => {
      assert.deepEqual(render({}), {
        schemas: [USER, ENTERPRISE, TEST],
        id: 'u-1',
        externalId: 'x-1',
        userName: 'bjensen',
        name: DOCUMENT.name,
        displayName: 'Babs',
        emails: DOCUMENT.emails,
        addresses: DOCUMENT.addresses,
        groups: GROUPS,
        [ENTERPRISE]: DOCUMENT[ENTERPRISE],
        [TEST]: { always: 'A', byDefault: 'D', box: { always: 'bA', byDefault: 'bD' } },
        meta: META,
      })
      assert.deepEqual(toWire(registry, 'User', RECORD, { baseUrl: BASE }), render({}))
    })

    it('attributes: only the minimum set (returned always) plus what is named (RFC 7644 §3.9 example)', () => {
      assert.deepEqual(render({ attributes: 'userName' }), { schemas: [USER, TEST], id: 'u-1', userName: 'bjensen', [TEST]: { always: 'A', box: { always: 'bA' } } })
    })

    it('returns request attributes only when named in attributes, never attributes never', () => {
      assert.deepEqual(render({ attributes: `${TEST}:onRequest,${TEST}:never,${TEST}:secret,password` })[TEST], {
        always: 'A',
        onRequest: 'R',
        box: { always: 'bA' },
      })
      assert.deepEqual(render({ attributes: `${TEST}:box.onRequest,${TEST}:box.never` })[TEST], { always: 'A', box: { always: 'bA', onRequest: 'bR' } })
      assert.ok(!('onRequest' in (render({ excludedAttributes: 'userName' })[TEST] as object)))
    })

    it('naming a complex attribute returns all its sub-attributes but the never ones', () => {
      assert.deepEqual(render({ attributes: `${TEST}:box` })[TEST], { always: 'A', box: { always: 'bA', byDefault: 'bD', onRequest: 'bR' } })
    })

    it('excludedAttributes has no effect on returned:always attributes (id, schemas, always)', () => {
      const wire = render({ excludedAttributes: `id,schemas,${TEST}:always,${TEST}:box.always` })
      assert.equal(wire.id, 'u-1')
      assert.deepEqual(wire.schemas, [USER, ENTERPRISE, TEST])
      assert.deepEqual(wire[TEST], { always: 'A', byDefault: 'D', box: { always: 'bA', byDefault: 'bD' } })
    })
  })

  describe('attributes', () => {
    it('selects sub-attributes: name.givenName, emails.value (of every value)', () => {
      const wire = render({ attributes: 'name.givenName,emails.value' })
      assert.deepEqual(wire.name, { givenName: 'Barbara' })
      assert.deepEqual(wire.emails, [{ value: 'b@work' }, { value: 'b@home' }])
      assert.ok(!('userName' in wire) && !('meta' in wire) && !('groups' in wire))
    })

    it('is case-insensitive and keeps canonical names in the output', () => {
      const wire = render({ attributes: 'USERNAME,Name.GIVENNAME,EMAILS' })
      assert.equal(wire.userName, 'bjensen')
      assert.deepEqual(wire.name, { givenName: 'Barbara' })
      assert.deepEqual(wire.emails, DOCUMENT.emails)
    })

    it('accepts URN-qualified names, for the base schema and extensions', () => {
      const wire = render({ attributes: `${USER}:userName,${ENTERPRISE.toUpperCase()}:manager.value,${USER}:name.familyName` })
      assert.deepEqual(wire, {
        schemas: [USER, ENTERPRISE, TEST],
        id: 'u-1',
        userName: 'bjensen',
        name: { familyName: 'Jensen' },
        [ENTERPRISE]: { manager: { value: 'm-1' } },
        [TEST]: { always: 'A', box: { always: 'bA' } },
      })
    })

    it('finds unqualified extension attributes, and a bare extension URN names the whole extension', () => {
      assert.deepEqual(render({ attributes: 'department' })[ENTERPRISE], { department: 'Tours' })
      assert.deepEqual(render({ attributes: ENTERPRISE })[ENTERPRISE], DOCUMENT[ENTERPRISE])
    })

    it('accepts spaces, empty items, repeated parameters; an empty value means not given', () => {
      assert.deepEqual(render({ attributes: [' userName , ', 'displayName'] }), render({ attributes: 'userName,displayName' }))
      assert.deepEqual(render({ attributes: '' }), render({}))
      assert.deepEqual(render({ attributes: ' , ' }), render({}))
      assert.deepEqual(render({ attributes: null, excludedAttributes: null }), render({}))
    })

    it('meta and its sub-attributes can be asked for', () => {
      assert.deepEqual(render({ attributes: 'meta.lastModified,meta.version' }).meta, { lastModified: META.lastModified, version: META.version })
    })

    it('addresses.primary, the §2.4 sub-attribute the schema file lacks, can be named', () => {
      assert.deepEqual(render({ attributes: 'addresses.primary' }).addresses, [{ primary: true }])
      assert.deepEqual(render({ excludedAttributes: 'addresses.primary' }).addresses, [{ locality: 'Hollywood', type: 'work' }])
    })
  })

  describe('excludedAttributes', () => {
    it('removes attributes and sub-attributes from the default set', () => {
      const wire = render({ excludedAttributes: 'emails,name.middleName,groups,meta' })
      assert.ok(!('emails' in wire) && !('groups' in wire) && !('meta' in wire))
      assert.deepEqual(wire.name, { givenName: 'Barbara', familyName: 'Jensen' })
      assert.equal(wire.userName, 'bjensen')
    })

    it('removes URN-qualified extension attributes, and a whole extension (which then leaves schemas)', () => {
      assert.deepEqual(render({ excludedAttributes: `${ENTERPRISE}:manager` })[ENTERPRISE], { department: 'Tours' })
      const wire = render({ excludedAttributes: ENTERPRISE })
      assert.ok(!(ENTERPRISE in wire))
      assert.deepEqual(wire.schemas, [USER, TEST])
    })

    it('drops a complex value or a multi-valued attribute emptied by the exclusions', () => {
      const wire = render({ excludedAttributes: 'name.givenName,name.familyName,name.middleName,emails.value,emails.type,emails.primary' })
      assert.ok(!('name' in wire))
      assert.ok(!('emails' in wire))
    })

    it('with attributes: attributes selects, then excludedAttributes removes', () => {
      const wire = render({ attributes: 'name,emails', excludedAttributes: 'name.middleName,emails.primary,id' })
      assert.deepEqual(wire, {
        schemas: [USER, TEST],
        id: 'u-1',
        name: { givenName: 'Barbara', familyName: 'Jensen' },
        emails: [
          { value: 'b@work', type: 'work' },
          { value: 'b@home', type: 'home' },
        ],
        [TEST]: { always: 'A', box: { always: 'bA' } },
      })
    })
  })

  describe('names that resolve to nothing', () => {
    it('are ignored by default', () => {
      assert.deepEqual(render({ attributes: 'userName,nope,name.nope,urn:example:nope:attr' }), render({ attributes: 'userName' }))
      assert.deepEqual(render({ excludedAttributes: 'nope' }), render({}))
    })

    it('are 400 invalidValue with strict', () => {
      rejectsInvalidValue(() => render({ attributes: 'userName,nope' }, true), /"attributes" names an unknown attribute: nope/)
      rejectsInvalidValue(() => render({ excludedAttributes: 'name.nope' }, true), /"excludedAttributes" names an unknown attribute: name\.nope/)
      rejectsInvalidValue(() => render({ attributes: 'members' }, true), /members/) // a Group attribute, not a User one
      assert.doesNotThrow(() => render({ attributes: `userName,${ENTERPRISE}:department,addresses.primary,${ENTERPRISE}` }, true))
    })

    it('too many or too long names are always 400 invalidValue', () => {
      rejectsInvalidValue(() => render({ attributes: Array(PROJECTION_LIMITS.maxNames + 1).fill('userName').join(',') }), /more than 200/)
      rejectsInvalidValue(() => render({ excludedAttributes: 'x'.repeat(PROJECTION_LIMITS.maxNameLength + 1) }), /longer than/)
    })
  })

  describe('needs / wantsAttribute', () => {
    const group = (params: ProjectionParams) => parseProjection(registry, 'Group', params)
    const user = (params: ProjectionParams) => parseProjection(registry, 'User', params)

    it('tells whether members / groups will be returned, so callers can skip reading them', () => {
      assert.equal(needs(group({}), 'members'), true)
      assert.equal(needs(group({ excludedAttributes: 'members' }), 'members'), false)
      assert.equal(needs(group({ excludedAttributes: 'MEMBERS' }), 'members'), false)
      assert.equal(needs(group({ attributes: 'displayName' }), 'members'), false)
      assert.equal(needs(group({ attributes: 'members.value' }), 'members'), true)
      assert.equal(needs(group({ excludedAttributes: 'members.display' }), 'members'), true)
      assert.equal(needs(user({}), 'groups'), true)
      assert.equal(needs(user({ attributes: 'userName' }), 'groups'), false)
      assert.equal(wantsAttribute, needs)
    })

    it('answers for sub-attributes, URN-qualified names, extensions, and always / never attributes', () => {
      const p = user({ attributes: 'name.givenName', excludedAttributes: 'id' })
      assert.equal(needs(p, 'name'), true)
      assert.equal(needs(p, 'name.givenName'), true)
      assert.equal(needs(p, 'Name.FamilyName'), false)
      assert.equal(needs(p, `${USER}:name.givenName`), true)
      assert.equal(needs(p, 'id'), true)
      assert.equal(needs(p, 'schemas'), true)
      assert.equal(needs(p, 'password'), false)
      assert.equal(needs(p, `${TEST}:always`), true)
      assert.equal(needs(p, ENTERPRISE), false)
      assert.equal(needs(user({}), ENTERPRISE), true)
      assert.equal(needs(user({}), `${ENTERPRISE}:manager.value`), true)
      assert.equal(needs(user({}), 'department'), true)
      assert.equal(needs(user({}), 'nope'), false)
    })
  })

  describe('applyProjection', () => {
    it('keeps the caller’s key casing, drops unknown keys, and only lists schemas still present', () => {
      const projection = defaultProjection(registry, 'User')
      assert.equal(defaultProjection(registry, 'user'), projection)
      const out = applyProjection(projection, {
        schemas: [USER, ENTERPRISE],
        id: 'u',
        userName: 'b',
        stray: 1,
        [ENTERPRISE]: { nope: 1 },
      })
      assert.deepEqual(out, { schemas: [USER], id: 'u', userName: 'b' })
    })

    it('works for Groups', () => {
      const wire = toWire(
        registry,
        'Group',
        { ...RECORD, id: 'g-1', document: { displayName: 'G' }, members: [{ value: 'u-1', type: 'User' }] },
        { baseUrl: BASE, projection: parseProjection(registry, 'Group', { excludedAttributes: 'members.$ref,meta' }) },
      )
      assert.deepEqual(wire, { schemas: [GROUP], id: 'g-1', displayName: 'G', members: [{ value: 'u-1', type: 'User' }] })
    })
  })

  describe('value-filtered attributes (lenient; not in RFC 7644 §3.10)', () => {
    const lenient = (params: ProjectionParams, notes?: Interpretation) =>
      toWire(registry, 'User', RECORD, { baseUrl: BASE, projection: parseProjection(registry, 'User', params, { valueFilters: valueFilterReader(registry, { lenient: true, notes }), notes }) })
    const WORK = { value: 'b@work', type: 'work', primary: true }
    const HOME = { value: 'b@home', type: 'home' }

    it('attributes=emails[type eq "work"] returns the matching values, whole', () => {
      assert.deepEqual(lenient({ attributes: 'emails[type eq "work"]' }), { schemas: [USER, TEST], id: 'u-1', emails: [WORK], [TEST]: { always: 'A', box: { always: 'bA' } } })
      assert.deepEqual(lenient({ attributes: 'emails[value eq "b@home"]' }).emails, [HOME])
      assert.deepEqual(lenient({ attributes: 'emails[type eq "work" or type eq "home"]' }).emails, [WORK, HOME])
      assert.equal(lenient({ attributes: 'emails[type eq "other"]' }).emails, undefined)
    })

    it('a sub-attribute after the filter returns only it of the matching values', () => {
      assert.deepEqual(lenient({ attributes: 'emails[type eq "work"].value' }).emails, [{ value: 'b@work' }])
      assert.deepEqual(lenient({ attributes: 'emails[type eq "work"].value,emails[type eq "home"].type' }).emails, [{ value: 'b@work' }, { type: 'home' }])
    })

    it('the attribute named without a filter too: every value, each with what names it', () => {
      assert.deepEqual(lenient({ attributes: 'emails.type,emails[type eq "work"].value' }).emails, [{ value: 'b@work', type: 'work' }, { type: 'home' }])
      assert.deepEqual(lenient({ attributes: 'emails,emails[type eq "work"].value' }).emails, [WORK, HOME])
    })

    it('reads unquoted values, commas inside the filter, case-insensitive and URN-qualified names', () => {
      assert.deepEqual(lenient({ attributes: 'EMAILS[TYPE eq work].VALUE' }).emails, [{ value: 'b@work' }])
      assert.deepEqual(lenient({ attributes: 'userName,emails[value eq "b@work" or value eq "a,b"]' }).emails, [WORK])
      assert.deepEqual(lenient({ attributes: `${USER}:emails[type eq "home"]` }).emails, [HOME])
    })

    it('excludedAttributes=emails[type eq "work"] drops the matching values; with a sub-attribute, only it', () => {
      assert.deepEqual(lenient({ excludedAttributes: 'emails[type eq "work"]' }).emails, [HOME])
      assert.deepEqual(lenient({ excludedAttributes: 'emails[type eq "work"].value' }).emails, [{ type: 'work', primary: true }, HOME])
      assert.deepEqual(lenient({ excludedAttributes: 'emails[type pr]' }).emails, undefined)
    })

    it('notes each name read so', () => {
      const notes = new Interpretation()
      lenient({ attributes: 'emails[type eq work]', excludedAttributes: 'emails[value eq "x"]' }, notes)
      assert.deepEqual(
        notes.notes.map((n) => (n.kind === 'dialect' ? [n.rule, n.detail] : [])),
        [
          ['filter-unquoted-value', 'work read as the string "work"'],
          ['attributes-value-filter', 'attributes: emails[type eq work]'],
          ['attributes-value-filter', 'excludedAttributes: emails[value eq "x"]'],
        ],
      )
    })

    it('refuses a filter on a singular attribute, an unknown sub-attribute, a malformed name (invalidValue) and a bad filter (invalidFilter)', () => {
      rejectsInvalidValue(() => lenient({ attributes: 'name[givenName eq "x"]' }), /needs a multi-valued attribute, and "name" is not one/)
      rejectsInvalidValue(() => lenient({ attributes: 'emails.value[type eq "x"]' }), /needs a multi-valued attribute/)
      rejectsInvalidValue(() => lenient({ attributes: `${TEST}:box[always eq "bA"]` }), /"box" is not one/)
      rejectsInvalidValue(() => lenient({ attributes: 'emails[type eq "work"].nope' }), /"nope" is not a sub-attribute of "emails"/)
      rejectsInvalidValue(() => lenient({ attributes: 'emails[type eq "work"' }), /expected attribute\[filter\]/)
      rejectsInvalidValue(() => lenient({ attributes: 'emails[type eq "work"]x' }), /expected attribute\[filter\]/)
      assert.throws(() => lenient({ attributes: 'emails[type xx "work"]' }), (e: unknown) => e instanceof ScimError && e.code === 'invalidFilter' && /position 12/.test(e.message))
      assert.throws(() => lenient({ attributes: 'emails[nope eq "x"]' }), (e: unknown) => e instanceof ScimError && e.code === 'invalidFilter')
      // An unknown attribute is ignored, as without a filter.
      assert.deepEqual(lenient({ attributes: 'userName,nope[x eq 1]' }).userName, 'bjensen')
    })

    it('strict mode (no reader given) refuses the notation: 400 invalidValue', () => {
      rejectsInvalidValue(() => render({ attributes: 'emails[type eq "work"]' }), /a value filter is not part of the attribute notation of RFC 7644 §3\.10 \(strict mode\)/)
      rejectsInvalidValue(() => render({ excludedAttributes: 'emails[type eq "work"].value' }, true), /RFC 7644 §3\.10/)
    })

    it('filters a user\'s groups by their reference as shown', () => {
      assert.deepEqual(lenient({ attributes: 'groups[display eq "Tour Guides"]' }).groups, GROUPS)
      assert.deepEqual(lenient({ attributes: 'groups[$ref ew "/Groups/g-1"].value' }).groups, [{ value: 'g-1' }])
      assert.equal(lenient({ attributes: 'groups[type eq "indirect"]' }).groups, undefined)
    })
  })
})

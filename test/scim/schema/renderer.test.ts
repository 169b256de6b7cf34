import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { PROJECTION_CACHE, defaultProjection, parseProjection, requestedProjection, type Projection } from '../../../src/scim/schema/projection.js'
import { toWire, wireRenderer, type ResourceRecord } from '../../../src/scim/schema/representation.js'
import { SCHEMA_URNS, loadSchemas, validateSchemaDefinition, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'
import { tenantRegistry } from '../../../src/scim/schema/tenant-schema.js'
import type { CustomAttribute } from '../../../src/domain/identity/custom-attribute-model.js'
import { rfc7643UserAttributes, withUserExtension } from '../../support/scim-fixtures.js'
import { referenceToWire } from './to-wire-reference.js'
import { valueFilterReader } from '../../../src/scim/filter/evaluate.js'

const ENTERPRISE = SCHEMA_URNS.EnterpriseUser
const TEST = 'urn:example:params:scim:schemas:extension:renderer:2.0:User'
const BASE = 'https://example.com/scim/v2/'

const TEST_SCHEMA = validateSchemaDefinition(
  {
    id: TEST,
    name: 'Renderer test',
    attributes: [
      { name: 'always', type: 'string', multiValued: false, returned: 'always' },
      { name: 'byDefault', type: 'string', multiValued: false },
      { name: 'onRequest', type: 'string', multiValued: false, returned: 'request' },
      { name: 'never', type: 'string', multiValued: false, returned: 'never' },
      { name: 'tags', type: 'string', multiValued: true },
      {
        name: 'box',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'always', type: 'string', multiValued: false, returned: 'always' },
          { name: 'byDefault', type: 'string', multiValued: false },
          { name: 'onRequest', type: 'string', multiValued: false, returned: 'request' },
        ],
      },
    ],
  },
  'renderer test schema',
  true,
)

const record = (document: JsonObject, related: Partial<ResourceRecord> = {}): ResourceRecord => ({
  id: 'u 1/é',
  document,
  created: new Date('2026-01-02T03:04:05.678Z'),
  modified: new Date('2026-02-03T04:05:06.789Z'),
  version: 7,
  ...related,
})

const GROUPS = [
  { value: 'g-1', display: 'Tours', type: 'direct' as const },
  { value: 'g/2', display: '', type: 'indirect' as const },
  { value: 'g-3', display: 'Sales', type: 'direct' as const },
]
const MEMBERS = [
  { value: 'u-1', type: 'User' as const, display: 'Babs' },
  { value: 'g-9', type: 'Group' as const },
]

/** Canonical documents and the odd ones a stored document should never be, but might. */
function userDocuments(): JsonObject[] {
  return [
    { userName: 'b' },
    { ...rfc7643UserAttributes(), active: true, [ENTERPRISE]: { department: 'Tours', manager: { value: 'm-1', displayName: 'Boss' } } },
    {
      USERNAME: 'upper',
      Name: { GIVENNAME: 'B', familyName: 'J', extra: 'x' },
      emails: [{ VALUE: 'a@b', type: 'work' }, 'not-an-object', null, { unknown: 1 }],
      phoneNumbers: [],
      nickName: null,
      title: ['not', 'single'],
      locale: { nested: { deep: true } },
      unknownAttribute: 'dropped',
      password: 'never shown',
      groups: [{ value: 'stored-groups-are-ignored' }],
      [ENTERPRISE.toUpperCase()]: { Department: 'Upper', manager: 'not-an-object', costCenter: null },
      [TEST]: { always: 'A', byDefault: 'D', onRequest: 'R', never: 'N', tags: ['t1', 't2'], box: [{ always: 'bA', onRequest: 'bR' }, { byDefault: 'bD' }, {}] },
    },
    { userName: 'dup', username: 'second', [ENTERPRISE]: {}, [TEST]: 'not-an-object' },
    { userName: 'ext-only-never', [TEST]: { never: 'N', unknown: 'U' } },
  ]
}

const USER_PARAMS = [
  {},
  { attributes: 'userName' },
  { attributes: 'userName,groups' },
  { attributes: 'groups.display,emails.value' },
  { attributes: 'name.givenName,meta.created,meta.location' },
  { attributes: `${ENTERPRISE}:manager.value,${TEST}` },
  { attributes: `${TEST}:onRequest,${TEST}:box.onRequest` },
  { attributes: 'meta' },
  { excludedAttributes: 'groups,emails,meta.version' },
  { excludedAttributes: `${ENTERPRISE},name.familyName` },
  { excludedAttributes: 'groups.$ref,groups.type' },
  { attributes: 'userName,groups', excludedAttributes: 'groups.value,groups.display,groups.type,groups.$ref' },
]

describe('compiled SCIM renderer', () => {
  let registry: SchemaRegistry
  before(() => {
    registry = withUserExtension(loadSchemas(), TEST_SCHEMA)
  })

  const same = (actual: Record<string, unknown>, expected: Record<string, unknown>) => {
    assert.equal(JSON.stringify(actual), JSON.stringify(expected)) // key order included
    assert.deepStrictEqual(actual, expected)
  }

  it('renders users exactly as the full representation reduced by the projection', () => {
    let compared = 0
    for (const params of USER_PARAMS) {
      const projection = parseProjection(registry, 'User', params)
      for (const document of userDocuments()) {
        for (const groups of [undefined, [], GROUPS]) {
          const r = record(document, groups ? { groups } : {})
          same(toWire(registry, 'User', r, { baseUrl: BASE, projection }), referenceToWire(registry, 'User', r, { baseUrl: BASE, projection }))
          compared++
        }
      }
    }
    assert.equal(compared, USER_PARAMS.length * 5 * 3)
  })

  it('renders groups exactly as the full representation reduced by the projection', () => {
    const documents: JsonObject[] = [{ displayName: 'G' }, { DisplayName: 'g', externalId: 'x', members: [{ value: 'stored' }] }]
    for (const params of [{}, { attributes: 'members.value' }, { excludedAttributes: 'members' }, { attributes: 'members.$ref,meta.resourceType' }]) {
      const projection = parseProjection(registry, 'Group', params)
      for (const document of documents) {
        for (const members of [undefined, MEMBERS]) {
          const r = record(document, members ? { members } : {})
          same(toWire(registry, 'Group', r, { baseUrl: 'https://h/v2', projection }), referenceToWire(registry, 'Group', r, { baseUrl: 'https://h/v2', projection }))
        }
      }
    }
  })

  it('renders under random projections as the full representation does', () => {
    const names = ['userName', 'USERNAME', 'name', 'name.givenName', 'emails', 'emails.value', 'emails.primary', 'addresses.primary', 'groups', 'groups.display', 'meta', 'meta.version', 'id', 'externalId', ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:department`, TEST, `${TEST}:box`, `${TEST}:box.onRequest`, `${TEST}:tags`, 'password', 'unknown']
    let seed = 42
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const some = () => names.filter(() => next() < 0.25).join(',')
    for (let i = 0; i < 200; i++) {
      const params = { ...(next() < 0.6 ? { attributes: some() } : {}), ...(next() < 0.5 ? { excludedAttributes: some() } : {}) }
      const projection = parseProjection(registry, 'User', params)
      for (const document of userDocuments()) {
        const r = record(document, { groups: GROUPS })
        same(toWire(registry, 'User', r, { baseUrl: BASE, projection }), referenceToWire(registry, 'User', r, { baseUrl: BASE, projection }))
      }
    }
  })

  it('renders value-filtered attributes as the full representation does (lenient)', () => {
    const params = [
      { attributes: 'emails[type eq "work"]' },
      { attributes: 'emails[type eq work].value,userName' },
      { attributes: 'emails.type,emails[value pr].value' },
      { attributes: 'groups[type eq "direct"].display' },
      { attributes: 'groups[$ref co "g-1"]' },
      { attributes: `${TEST}:tags[value eq "t2"],${TEST}:box[onRequest pr].onRequest` },
      { excludedAttributes: 'emails[type eq "work"],groups[display eq ""]' },
      { excludedAttributes: `emails[type eq "work"].value,${TEST}:box[always eq "bA"]` },
      { attributes: 'emails[type eq "work"]', excludedAttributes: 'emails[value sw "a"].type' },
    ]
    const valueFilters = valueFilterReader(registry, { lenient: true })
    let compared = 0
    for (const p of params) {
      const projection = parseProjection(registry, 'User', p, { valueFilters })
      for (const document of userDocuments()) {
        const r = record(document, { groups: GROUPS })
        same(toWire(registry, 'User', r, { baseUrl: BASE, projection }), referenceToWire(registry, 'User', r, { baseUrl: BASE, projection }))
        compared++
      }
    }
    assert.equal(compared, params.length * 5)
    const members = parseProjection(registry, 'Group', { attributes: 'members[type eq "Group"].value' }, { valueFilters })
    const g = record({ displayName: 'G' }, { members: MEMBERS })
    same(toWire(registry, 'Group', g, { baseUrl: BASE, projection: members }), { schemas: [SCHEMA_URNS.Group], id: 'u 1/é', members: [{ value: 'g-9' }] })
  })

  it('renders a tenant registry with custom attributes as the full representation does', () => {
    const definitions = [{ tenantId: 't', name: 'badge', label: 'Badge', type: 'text' }, { tenantId: 't', name: 'remote', label: 'Remote', type: 'boolean' }] as unknown as CustomAttribute[]
    const tenant = tenantRegistry(loadSchemas(), definitions)
    const urn = tenant.resourceType('User')!.schemaExtensions!.at(-1)!.schema
    const r = record({ userName: 'c', [urn]: { badge: 'B-1', remote: false } }, { groups: GROUPS })
    for (const projection of [defaultProjection(tenant, 'User'), parseProjection(tenant, 'User', { attributes: `${urn}:remote` })]) {
      same(toWire(tenant, 'User', r, { baseUrl: BASE, projection }), referenceToWire(tenant, 'User', r, { baseUrl: BASE, projection }))
    }
  })

  it('shares no object or array with the record it renders', () => {
    const document = userDocuments()[2]!
    const before = structuredClone(document)
    const r = record(document, { groups: GROUPS })
    const wire = toWire(registry, 'User', r, { baseUrl: BASE, projection: parseProjection(registry, 'User', { attributes: `title,locale,emails,name,${TEST}` }) })
    const visit = (v: unknown, path: string): void => {
      if (typeof v !== 'object' || v === null) return
      for (const [k, child] of Object.entries(v)) visit(child, `${path}.${k}`)
      if (Array.isArray(v)) v.push('mutated')
      else (v as Record<string, unknown>).mutated = path
    }
    visit(wire, '')
    assert.deepStrictEqual(document, before)
    assert.equal(GROUPS[0]!.value, 'g-1')
  })

  it('compiles once per projection and registry', () => {
    const projection: Projection = parseProjection(registry, 'User', { attributes: 'userName' })
    assert.equal(wireRenderer(registry, 'User', projection), wireRenderer(registry, 'User', projection))
    assert.equal(wireRenderer(registry, 'User'), wireRenderer(registry, 'User', defaultProjection(registry, 'User')))
    const other = loadSchemas()
    assert.notEqual(wireRenderer(other, 'User'), wireRenderer(registry, 'User'))
  })

  it('refuses a projection for another resource type and an unknown resource type, as before', () => {
    const group = parseProjection(registry, 'Group', {})
    assert.throws(() => toWire(registry, 'User', record({ userName: 'b' }), { baseUrl: BASE, projection: group }), /internal: a Group projection used for User/)
    assert.throws(() => toWire(registry, 'Nope' as 'User', record({}), { baseUrl: BASE }), /internal: unknown resource type Nope/)
  })

  describe('requestedProjection', () => {
    it('is the default projection when nothing is asked, and one parsed projection per registry and parameters', () => {
      assert.equal(requestedProjection(registry, 'User', {}), defaultProjection(registry, 'User'))
      assert.equal(requestedProjection(registry, 'User', { attributes: null, excludedAttributes: undefined }), defaultProjection(registry, 'User'))
      const first = requestedProjection(registry, 'Group', { excludedAttributes: 'members' })
      assert.equal(requestedProjection(registry, 'group', { excludedAttributes: 'members' }), first)
      assert.deepStrictEqual(first, parseProjection(registry, 'Group', { excludedAttributes: 'members' }))
      assert.notEqual(requestedProjection(registry, 'Group', { attributes: 'members' }), first)
      assert.notEqual(requestedProjection(registry, 'Group', { excludedAttributes: ['members'] }), first)
      assert.notEqual(requestedProjection(loadSchemas(), 'Group', { excludedAttributes: 'members' }), first)
    })

    it('throws as parseProjection does, and caches no error', () => {
      const tooMany = Array.from({ length: 201 }, () => 'userName').join(',')
      assert.throws(() => requestedProjection(registry, 'User', { attributes: tooMany }), /names more than 200 attributes/)
      assert.throws(() => requestedProjection(registry, 'User', { attributes: tooMany }), /names more than 200 attributes/)
    })

    it('keeps a bounded number per registry, dropping the oldest', () => {
      const own = loadSchemas()
      const first = requestedProjection(own, 'User', { attributes: 'userName,a0' })
      for (let i = 1; i <= PROJECTION_CACHE.perRegistry; i++) requestedProjection(own, 'User', { attributes: `userName,a${i}` })
      const again = requestedProjection(own, 'User', { attributes: 'userName,a0' })
      assert.notEqual(again, first)
      assert.deepStrictEqual(again, first)
      const long = `userName,${Array.from({ length: 5 }, () => 'x'.repeat(PROJECTION_CACHE.maxKeyLength / 4)).join(',')}`
      assert.notEqual(requestedProjection(own, 'User', { attributes: long }), requestedProjection(own, 'User', { attributes: long }))
    })
  })
})

import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseFilter } from '../../../src/scim/filter/parse.js'
import {
  COMMON_ATTRIBUTES,
  SCHEMA_URNS,
  SchemaDefinitionError,
  createRegistry,
  loadSchemas,
  validateAttributeDefinition,
  validateResourceTypes,
  validateSchemaDefinition,
  type ResolvedAttribute,
  type SchemaRegistry,
} from '../../../src/scim/schema/schemas.js'

const SCHEMA_DIR = new URL('../../../schemas/', import.meta.url)
const readSchemaFile = (file: string): unknown => JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8'))

describe('scim/schema-definitions', () => {
  let registry: SchemaRegistry
  let user: string[]
  let group: string[]

  before(() => {
    registry = loadSchemas()
    user = registry.schemaUrnsFor('User')
    group = registry.schemaUrnsFor('Group')
  })

  const find = (scope: readonly string[], path: string): ResolvedAttribute => {
    const found = registry.findAttribute(scope, path)
    assert.ok(found, `expected ${path} to resolve`)
    return found
  }

  describe('loading', () => {
    it('loads the six schemas and the two resource types', () => {
      assert.deepEqual(
        registry.schemas.map((s) => s.id),
        [SCHEMA_URNS.User, SCHEMA_URNS.Group, SCHEMA_URNS.EnterpriseUser, SCHEMA_URNS.ServiceProviderConfig, SCHEMA_URNS.ResourceType, SCHEMA_URNS.Schema],
      )
      assert.deepEqual(
        registry.resourceTypes.map((rt) => rt.name),
        ['User', 'Group'],
      )
    })

    it('keeps the files as they are (discovery serves them unchanged)', () => {
      for (const [file, urn] of [
        ['User.json', SCHEMA_URNS.User],
        ['Group.json', SCHEMA_URNS.Group],
        ['EnterpriseUser.json', SCHEMA_URNS.EnterpriseUser],
        ['ServiceProviderConfig.json', SCHEMA_URNS.ServiceProviderConfig],
        ['ResourceType.json', SCHEMA_URNS.ResourceType],
        ['Schema.json', SCHEMA_URNS.Schema],
      ] as const) {
        assert.deepEqual(registry.get(urn), readSchemaFile(file), file)
      }
      assert.deepEqual(registry.resourceTypes, readSchemaFile('ResourceTypes.json'))
    })

    it('looks schemas up by URN case-insensitively', () => {
      assert.equal(registry.get(SCHEMA_URNS.User.toUpperCase())?.id, SCHEMA_URNS.User)
      assert.equal(registry.get('urn:ietf:params:scim:schemas:core:2.0:Nope'), undefined)
    })

    it('describes the User and Group resource types (RFC 7643 §8.6)', () => {
      const u = registry.resourceType('user')
      assert.ok(u)
      assert.equal(u.endpoint, '/Users')
      assert.equal(u.schema, SCHEMA_URNS.User)
      assert.deepEqual(u.schemaExtensions, [{ schema: SCHEMA_URNS.EnterpriseUser, required: false }])
      assert.deepEqual(u.schemas, [SCHEMA_URNS.ResourceType])
      const g = registry.resourceType('Group')
      assert.ok(g)
      assert.equal(g.endpoint, '/Groups')
      assert.equal(g.schema, SCHEMA_URNS.Group)
      assert.equal(g.schemaExtensions, undefined)
      assert.equal(registry.resourceType('Nope'), undefined)
      assert.deepEqual(user, [SCHEMA_URNS.User, SCHEMA_URNS.EnterpriseUser])
      assert.deepEqual(group, [SCHEMA_URNS.Group])
      assert.deepEqual(registry.schemaUrnsFor('Nope'), [])
    })

    it('lists the User attributes in RFC 7643 §8.7.1 order', () => {
      assert.deepEqual(
        registry.get(SCHEMA_URNS.User)?.attributes.map((a) => a.name),
        [
          'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone', 'active',
          'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
        ],
      )
      assert.deepEqual(
        registry.get(SCHEMA_URNS.EnterpriseUser)?.attributes.map((a) => a.name),
        ['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager'],
      )
    })

    it('keeps the RFC quirks of the representation', () => {
      // §8.7.1 says "REQUIRED." in the description but "required": false.
      assert.equal(find(group, 'displayName').definition.required, false)
      // §8.7.2 declares schemaExtensions single-valued although resource types carry an array.
      assert.equal(registry.findAttribute([SCHEMA_URNS.ResourceType], 'schemaExtensions')?.definition.multiValued, false)
      // §8.7.2's Schema schema nests complex attributes (attributes.subAttributes).
      assert.equal(registry.findAttribute([SCHEMA_URNS.Schema], 'attributes.subAttributes')?.definition.type, 'complex')
    })

    it('freezes what it returns', () => {
      const schema = registry.get(SCHEMA_URNS.User)
      assert.ok(schema && Object.isFrozen(schema) && Object.isFrozen(schema.attributes) && Object.isFrozen(schema.attributes[0]))
      assert.throws(() => {
        ;(schema.attributes as unknown as { name: string }[])[0]!.name = 'x'
      }, TypeError)
      assert.ok(Object.isFrozen(registry.resourceTypes[0]))
      assert.ok(Object.isFrozen(COMMON_ATTRIBUTES[0]))
    })
  })

  describe('findAttribute', () => {
    it('resolves names case-insensitively and returns the canonical name and schema', () => {
      for (const spelling of ['userName', 'USERNAME', 'username', 'uSeRnAmE']) {
        const r = find(user, spelling)
        assert.equal(r.name, 'userName')
        assert.equal(r.path, 'userName')
        assert.equal(r.schema, SCHEMA_URNS.User)
        assert.equal(r.common, false)
        assert.equal(r.subName, undefined)
      }
    })

    it('resolves sub-attributes', () => {
      const r = find(user, 'NAME.givenname')
      assert.equal(r.name, 'name')
      assert.equal(r.subName, 'givenName')
      assert.equal(r.path, 'name.givenName')
      assert.equal(r.definition.name, 'givenName')
      assert.equal(r.parent?.name, 'name')
      assert.equal(find(user, 'emails.VALUE').path, 'emails.value')
      assert.equal(find(user, 'groups.$REF').definition.name, '$ref')
    })

    it('resolves fully qualified URN paths', () => {
      const core = find(user, `${SCHEMA_URNS.User}:userName`)
      assert.equal(core.name, 'userName')
      assert.equal(core.schema, SCHEMA_URNS.User)
      const manager = find(user, `${SCHEMA_URNS.EnterpriseUser}:manager.value`)
      assert.equal(manager.schema, SCHEMA_URNS.EnterpriseUser)
      assert.equal(manager.path, 'manager.value')
      const lower = find(user, `${SCHEMA_URNS.EnterpriseUser.toLowerCase()}:MANAGER.displayname`)
      assert.equal(lower.schema, SCHEMA_URNS.EnterpriseUser)
      assert.equal(lower.path, 'manager.displayName')
      assert.equal(find(user, `${SCHEMA_URNS.User}:name.familyName`).path, 'name.familyName')
    })

    it('resolves unqualified extension attributes after the base schema', () => {
      const r = find(user, 'employeeNumber')
      assert.equal(r.schema, SCHEMA_URNS.EnterpriseUser)
      assert.equal(r.name, 'employeeNumber')
      assert.equal(registry.findAttribute([SCHEMA_URNS.User], 'employeeNumber'), undefined, 'not in scope without the extension')
    })

    it('resolves the common attributes (RFC 7643 §3.1)', () => {
      const id = find(user, 'ID')
      assert.equal(id.common, true)
      assert.equal(id.name, 'id')
      assert.equal(id.schema, SCHEMA_URNS.User)
      assert.equal(find(group, 'meta.lastModified').definition.type, 'dateTime')
      assert.equal(find(user, 'externalId').characteristics.caseExact, true)
      assert.equal(find(user, 'schemas').definition.multiValued, true)
      assert.equal(find(user, `${SCHEMA_URNS.User}:id`).common, true)
      assert.equal(registry.findAttribute(user, `${SCHEMA_URNS.EnterpriseUser}:id`), undefined)
    })

    it('accepts AttrPath objects from the filter parser', () => {
      const f = parseFilter(`${SCHEMA_URNS.EnterpriseUser}:Manager.Value eq "x"`)
      assert.equal(f.kind, 'compare')
      if (f.kind !== 'compare') return
      const r = registry.findAttribute(user, f.path)
      assert.equal(r?.path, 'manager.value')
      assert.equal(r?.schema, SCHEMA_URNS.EnterpriseUser)
      assert.equal(registry.findAttribute(user, { attr: 'NAME', sub: 'FamilyName' })?.path, 'name.familyName')
    })

    it('returns undefined for what does not resolve', () => {
      for (const path of [
        'nope',
        'userName.x',
        'name.nope',
        'name.givenName.x',
        'members',
        '',
        '.name',
        'urn:example:unknown:2.0:Thing:userName',
        SCHEMA_URNS.EnterpriseUser,
        `${SCHEMA_URNS.Group}:displayName`,
      ]) {
        assert.equal(registry.findAttribute(user, path), undefined, path)
      }
      assert.equal(registry.findAttribute([], 'userName'), undefined)
    })
  })

  describe('characteristics of key attributes', () => {
    it('userName: required, caseExact false, uniqueness server', () => {
      const c = find(user, 'userName').characteristics
      assert.deepEqual(c, { type: 'string', multiValued: false, required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' })
    })

    it('id: readOnly, returned always, caseExact', () => {
      const c = find(user, 'id').characteristics
      assert.equal(c.mutability, 'readOnly')
      assert.equal(c.returned, 'always')
      assert.equal(c.caseExact, true)
      assert.equal(c.uniqueness, 'server')
      assert.equal(find(group, 'id').characteristics.returned, 'always')
    })

    it('password: writeOnly, returned never', () => {
      const c = find(user, 'password').characteristics
      assert.equal(c.mutability, 'writeOnly')
      assert.equal(c.returned, 'never')
    })

    it('groups: readOnly, multi-valued, with readOnly sub-attributes', () => {
      const g = find(user, 'groups')
      assert.equal(g.characteristics.mutability, 'readOnly')
      assert.equal(g.characteristics.multiValued, true)
      assert.equal(g.definition.type, 'complex')
      for (const sub of ['value', '$ref', 'display', 'type']) assert.equal(find(user, `groups.${sub}`).characteristics.mutability, 'readOnly', sub)
      assert.deepEqual(find(user, 'groups.type').definition.canonicalValues, ['direct', 'indirect'])
    })

    it('emails: multi-valued complex with canonical types and a boolean primary', () => {
      const e = find(user, 'emails')
      assert.equal(e.characteristics.multiValued, true)
      assert.deepEqual(find(user, 'emails.type').definition.canonicalValues, ['work', 'home', 'other'])
      assert.equal(find(user, 'emails.primary').definition.type, 'boolean')
      assert.equal(find(user, 'active').definition.type, 'boolean')
      assert.equal(find(user, 'x509Certificates.value').definition.type, 'binary')
      assert.deepEqual(find(user, 'photos.value').definition.referenceTypes, ['external'])
    })

    it('Group members: value, $ref, type and display, all immutable', () => {
      const members = find(group, 'members')
      assert.equal(members.definition.type, 'complex')
      assert.equal(members.characteristics.multiValued, true)
      assert.equal(members.characteristics.mutability, 'readWrite')
      assert.deepEqual(
        members.definition.subAttributes?.map((s) => s.name),
        ['value', '$ref', 'type', 'display'],
      )
      for (const sub of ['value', '$ref', 'type', 'display']) assert.equal(find(group, `members.${sub}`).characteristics.mutability, 'immutable', sub)
      assert.deepEqual(find(group, 'members.$ref').definition.referenceTypes, ['User', 'Group'])
      assert.deepEqual(find(group, 'members.type').definition.canonicalValues, ['User', 'Group'])
    })

    it('enterprise manager: single-valued complex with value, $ref and a readOnly displayName', () => {
      const manager = find(user, `${SCHEMA_URNS.EnterpriseUser}:manager`)
      assert.equal(manager.definition.type, 'complex')
      assert.equal(manager.characteristics.multiValued, false)
      assert.deepEqual(
        manager.definition.subAttributes?.map((s) => s.name),
        ['value', '$ref', 'displayName'],
      )
      assert.equal(find(user, 'manager.value').characteristics.mutability, 'readWrite')
      assert.deepEqual(find(user, 'manager.$ref').definition.referenceTypes, ['User'])
      assert.equal(find(user, 'manager.displayName').characteristics.mutability, 'readOnly')
    })

    it('applies the RFC 7643 §2.2 defaults to characteristics the file leaves out', () => {
      const active = find(user, 'active')
      assert.equal(active.definition.uniqueness, undefined)
      assert.equal(active.definition.caseExact, undefined)
      assert.equal(active.characteristics.uniqueness, 'none')
      assert.equal(active.characteristics.caseExact, false)
    })
  })

  describe('validation (ajv)', () => {
    const valid = { name: 'nick', type: 'string', multiValued: false }
    const schemaWith = (...attributes: unknown[]): unknown => ({ id: 'urn:example:params:scim:schemas:Test', name: 'Test', attributes })

    it('accepts every shipped definition', () => {
      for (const f of ['User.json', 'Group.json', 'EnterpriseUser.json']) validateSchemaDefinition(readSchemaFile(f), f)
      for (const f of ['ServiceProviderConfig.json', 'ResourceType.json', 'Schema.json']) validateSchemaDefinition(readSchemaFile(f), f, false)
      validateResourceTypes(readSchemaFile('ResourceTypes.json'))
      for (const a of COMMON_ATTRIBUTES) validateAttributeDefinition(a)
    })

    const broken: [string, unknown, RegExp][] = [
      ['missing multiValued', { name: 'x', type: 'string' }, /must have required property 'multiValued'/],
      ['unknown type', { ...valid, type: 'text' }, /\/type must be equal to one of the allowed values/],
      ['bad mutability', { ...valid, mutability: 'writeable' }, /\/mutability must be equal to one of the allowed values/],
      ['bad returned', { ...valid, returned: 'sometimes' }, /\/returned must be equal/],
      ['bad uniqueness', { ...valid, uniqueness: 'tenant' }, /\/uniqueness must be equal/],
      ['non-boolean required', { ...valid, required: 'yes' }, /\/required must be boolean/],
      ['unknown property', { ...valid, nullable: true }, /must NOT have additional properties/],
      ['invalid name', { ...valid, name: '1st' }, /\/name must match pattern/],
      ['complex without subAttributes', { ...valid, type: 'complex' }, /must have required property 'subAttributes'/],
      ['subAttributes on a string', { ...valid, subAttributes: [valid] }, /must NOT be valid/],
      ['reference without referenceTypes', { ...valid, type: 'reference' }, /must have required property 'referenceTypes'/],
      ['referenceTypes on a string', { ...valid, referenceTypes: ['User'] }, /must NOT be valid/],
      ['complex sub-attribute', { ...valid, type: 'complex', subAttributes: [{ ...valid, type: 'complex', subAttributes: [valid] }] }, /cannot be complex/],
      ['duplicate sub-attribute names', { ...valid, type: 'complex', subAttributes: [valid, { ...valid, name: 'NICK' }] }, /duplicate attribute name "NICK"/],
    ]
    for (const [label, attribute, message] of broken) {
      it(`rejects ${label}`, () => {
        assert.throws(
          () => validateSchemaDefinition(schemaWith(attribute), 'Test.json'),
          (err: unknown) => err instanceof SchemaDefinitionError && err.source === 'Test.json' && message.test(err.message) && err.problems.length > 0,
        )
      })
    }

    it('rejects broken schema objects', () => {
      assert.throws(() => validateSchemaDefinition({ ...(schemaWith(valid) as object), id: 'not-a-urn' }), /\/id must match pattern/)
      assert.throws(() => validateSchemaDefinition({ ...(schemaWith(valid) as object), meta: {} }), /must NOT have additional properties/)
      assert.throws(() => validateSchemaDefinition(schemaWith()), /\/attributes must NOT have fewer than 1 items/)
      assert.throws(() => validateSchemaDefinition(schemaWith(valid, { ...valid, name: 'Nick' })), /duplicate attribute name "Nick"/)
      assert.throws(() => validateSchemaDefinition('nope'), SchemaDefinitionError)
    })

    it('rejects broken resource types', () => {
      const rt = readSchemaFile('ResourceTypes.json') as Record<string, unknown>[]
      assert.throws(() => validateResourceTypes([{ ...rt[0], endpoint: 'Users' }]), /\/0\/endpoint must match pattern/)
      assert.throws(() => validateResourceTypes([{ ...rt[0], schemaExtensions: [{ schema: SCHEMA_URNS.EnterpriseUser }] }]), /required property 'required'/)
      assert.throws(() => validateResourceTypes([]), SchemaDefinitionError)
      const schemas = registry.schemas
      assert.throws(() => createRegistry(schemas, [{ ...(rt[1] as object), schema: 'urn:example:missing:Schema' } as never]), /refers to unknown schema urn:example:missing:Schema/)
      assert.throws(() => createRegistry(schemas, [rt[1] as never, rt[1] as never]), /duplicate resource type group/)
    })

    it('loadSchemas names the file that is broken', () => {
      const dir = mkdtempSync(join(tmpdir(), 'roster-schemas-'))
      try {
        cpSync(new URL('.', SCHEMA_DIR), dir, { recursive: true })
        const groupFile = join(dir, 'Group.json')
        const g = JSON.parse(readFileSync(groupFile, 'utf8')) as { attributes: Record<string, unknown>[] }
        g.attributes[1] = { ...g.attributes[1], mutability: 'sometimes' }
        writeFileSync(groupFile, JSON.stringify(g))
        const dirUrl = pathToFileURL(dir + '/')
        assert.throws(() => loadSchemas(dirUrl), (err: unknown) => err instanceof SchemaDefinitionError && err.source === 'Group.json' && /\/attributes\/1\/mutability/.test(err.message))
        writeFileSync(groupFile, '{ not json')
        assert.throws(() => loadSchemas(dirUrl), /invalid SCIM definition in Group\.json: not valid JSON/)
        rmSync(groupFile)
        assert.throws(() => loadSchemas(dirUrl), /invalid SCIM definition in Group\.json: cannot read/)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
})

import assert from 'node:assert/strict'
import { parseFilter } from '../../../src/scim/filter/parse.js'
import { resolveFilter, resolveSort } from '../../../src/scim/filter/resolve.js'
import { normaliseDateTime } from '../../../src/scim/schema/values.js'
import { ScimError } from '../../../src/scim/errors.js'
import { loadSchemas, validateSchemaDefinition, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'
import type { ResourceFilter, ValueRef } from '../../../src/domain/identity/query.js'
import { withUserExtension } from '../../support/scim-fixtures.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const TEST_EXT = 'urn:example:params:scim:schemas:extension:test:2.0:User'

describe('scim/filter-resolve', () => {
  let registry: SchemaRegistry
  before(() => {
    const ext = validateSchemaDefinition({
      id: TEST_EXT,
      name: 'Test',
      attributes: [
        { name: 'level', type: 'integer', multiValued: false },
        { name: 'score', type: 'decimal', multiValued: false },
        { name: 'tags', type: 'string', multiValued: true },
        { name: 'secret', type: 'string', multiValued: false, returned: 'never' },
      ],
    })
    registry = withUserExtension(loadSchemas(), ext)
  })

  const user = (text: string): ResourceFilter => resolveFilter(registry, 'User', parseFilter(text))
  const group = (text: string): ResourceFilter => resolveFilter(registry, 'Group', parseFilter(text))
  const col = (column: string, type: ValueRef['type'], caseExact: boolean): ValueRef => ({ location: { in: 'column', column } as ValueRef['location'], type, caseExact })
  const doc = (path: string[], type: ValueRef['type'] = 'string', caseExact = false): ValueRef => ({ location: { in: 'document', path }, type, caseExact })

  /** Asserts a 400 invalidFilter whose message names `name`. */
  function refused(fn: () => unknown, name: string, scimType = 'invalidFilter'): void {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof ScimError, `expected a ScimError, got ${String(e)}`)
      assert.equal(e.status, 400)
      assert.equal(e.code, scimType)
      assert.ok(e.message.includes(name), `"${e.message}" should name ${name}`)
      return true
    })
  }

  describe('where values live', () => {
    it('maps record fields to columns, with caseExact from the schema', () => {
      assert.deepEqual(user('userName eq "A"'), { kind: 'compare', op: 'eq', value: col('userName', 'string', false), operand: 'A' })
      assert.deepEqual(user('id eq "x"'), { kind: 'compare', op: 'eq', value: col('id', 'string', true), operand: 'x' })
      assert.deepEqual(user('externalId eq "x"'), { kind: 'compare', op: 'eq', value: col('externalId', 'string', true), operand: 'x' })
      assert.deepEqual(user('displayName eq "x"'), { kind: 'compare', op: 'eq', value: col('displayName', 'string', false), operand: 'x' })
      assert.deepEqual(group('displayName eq "x"'), { kind: 'compare', op: 'eq', value: col('displayName', 'string', false), operand: 'x' })
      assert.deepEqual(user('active eq true'), { kind: 'compare', op: 'eq', value: col('active', 'boolean', false), operand: true })
      assert.deepEqual(user('meta.created gt "2024-01-01T00:00:00Z"'), { kind: 'compare', op: 'gt', value: col('created', 'dateTime', false), operand: '2024-01-01T00:00:00.000Z' })
      assert.deepEqual(user('meta.lastModified lt "2024-01-01T00:00:00Z"'), { kind: 'compare', op: 'lt', value: col('modified', 'dateTime', false), operand: '2024-01-01T00:00:00.000Z' })
    })

    it('resolves names case-insensitively and URN-qualified', () => {
      const expected = user('userName eq "a"')
      assert.deepEqual(user('USERNAME Eq "a"'), expected)
      assert.deepEqual(user('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"'), expected)
      assert.deepEqual(user('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:username eq "a"'), expected)
      assert.deepEqual(user('Name.GivenName eq "a"'), { kind: 'compare', op: 'eq', value: doc(['name', 'givenName']), operand: 'a' })
    })

    it('puts extension attributes under their URN, canonically cased', () => {
      assert.deepEqual(user(`${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER eq "1"`), { kind: 'compare', op: 'eq', value: doc([ENTERPRISE, 'employeeNumber']), operand: '1' })
      assert.deepEqual(user('department eq "x"'), { kind: 'compare', op: 'eq', value: doc([ENTERPRISE, 'department']), operand: 'x' })
      // A bare complex attribute with a value sub-attribute means that value.
      assert.deepEqual(user('manager eq "m"'), { kind: 'compare', op: 'eq', value: doc([ENTERPRISE, 'manager', 'value']), operand: 'm' })
    })

    it('turns multi-valued comparisons into "any", implying value', () => {
      const any = (filter: ResourceFilter): ResourceFilter => ({ kind: 'any', array: { in: 'document', path: ['emails'] }, filter })
      assert.deepEqual(user('emails.value eq "x"'), any({ kind: 'compare', op: 'eq', value: doc(['value']), operand: 'x' }))
      assert.deepEqual(user('emails co "x"'), any({ kind: 'compare', op: 'co', value: doc(['value']), operand: 'x' }))
      assert.deepEqual(user('emails.value ne "x"'), { kind: 'not', filter: any({ kind: 'compare', op: 'eq', value: doc(['value']), operand: 'x' }) })
      assert.deepEqual(user('emails.primary eq true'), any({ kind: 'compare', op: 'eq', value: doc(['primary'], 'boolean'), operand: true }))
      assert.deepEqual(user(`${TEST_EXT}:tags eq "a"`), {
        kind: 'any',
        array: { in: 'document', path: [TEST_EXT, 'tags'] },
        filter: { kind: 'compare', op: 'eq', value: doc([]), operand: 'a' },
      })
      assert.deepEqual(user('emails pr'), { kind: 'present', value: doc(['emails']) })
      assert.deepEqual(user('emails.type pr'), any({ kind: 'present', value: doc(['type']) }))
    })

    it('value filters apply to one element', () => {
      assert.deepEqual(user('emails[type eq "work" and value co "@x"]'), {
        kind: 'any',
        array: { in: 'document', path: ['emails'] },
        filter: {
          kind: 'and',
          filters: [
            { kind: 'compare', op: 'eq', value: doc(['type']), operand: 'work' },
            { kind: 'compare', op: 'co', value: doc(['value']), operand: '@x' },
          ],
        },
      })
      // On a singular complex attribute, a value filter is plain sub-attribute paths.
      assert.deepEqual(user('name[givenName eq "a"]'), { kind: 'compare', op: 'eq', value: doc(['name', 'givenName']), operand: 'a' })
      assert.deepEqual(resolveFilter(registry, 'User', parseFilter('emails[type eq "work"].value eq "x"', { lenient: true })), user('emails[type eq "work" and value eq "x"]'))
    })

    it('members and groups are relations', () => {
      const members = (filter: ResourceFilter): ResourceFilter => ({ kind: 'any', array: { in: 'members' }, filter })
      assert.deepEqual(group('members.value eq "m"'), members({ kind: 'compare', op: 'eq', value: { location: { in: 'members', sub: 'value' }, type: 'string', caseExact: false }, operand: 'm' }))
      assert.deepEqual(group('members eq "m"'), group('members.value eq "m"'))
      assert.deepEqual(group('members pr'), members({ kind: 'const', value: true }))
      assert.deepEqual(group('members[type eq "User"]'), members({ kind: 'compare', op: 'eq', value: { location: { in: 'members', sub: 'type' }, type: 'string', caseExact: false }, operand: 'User' }))
      assert.deepEqual(user('groups.display sw "a"'), {
        kind: 'any',
        array: { in: 'groups' },
        filter: { kind: 'compare', op: 'sw', value: { location: { in: 'groups', sub: 'display' }, type: 'string', caseExact: false }, operand: 'a' },
      })
      refused(() => group('members.display eq "x"'), 'members.display')
      refused(() => user('groups.type eq "direct"'), 'groups.type')
    })

    it('meta.resourceType and schemas become constants and presence tests', () => {
      assert.deepEqual(user('meta.resourceType eq "User"'), { kind: 'const', value: true })
      assert.deepEqual(user('meta.resourceType eq "user"'), { kind: 'const', value: false })
      assert.deepEqual(group('meta.resourceType eq "Group" and displayName pr'), { kind: 'present', value: col('displayName', 'string', false) })
      assert.deepEqual(user('meta.resourceType ne "User"'), { kind: 'const', value: false })
      assert.deepEqual(user('schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"'), { kind: 'const', value: true })
      assert.deepEqual(user(`schemas eq "${ENTERPRISE}"`), { kind: 'present', value: { location: { in: 'document', path: [ENTERPRISE] }, type: 'reference', caseExact: true } })
      assert.deepEqual(user('schemas eq "urn:nope"'), { kind: 'const', value: false })
    })

    it('eq null is "not present", ne null is "present"', () => {
      assert.deepEqual(user('title eq null'), { kind: 'not', filter: { kind: 'present', value: doc(['title']) } })
      assert.deepEqual(user('title ne null'), { kind: 'present', value: doc(['title']) })
      assert.deepEqual(user('emails[value eq null]'), { kind: 'any', array: { in: 'document', path: ['emails'] }, filter: { kind: 'not', filter: { kind: 'present', value: doc(['value']) } } })
    })

    it('keeps and/or/not structure', () => {
      const t = (v: string): ResourceFilter => ({ kind: 'compare', op: 'eq', value: doc(['title']), operand: v })
      assert.deepEqual(user('title eq "a" or title eq "b" and not (title eq "c")'), { kind: 'or', filters: [t('a'), { kind: 'and', filters: [t('b'), { kind: 'not', filter: t('c') }] }] })
    })
  })

  describe('refusals', () => {
    it('unknown attributes, named', () => {
      refused(() => user('nope eq "x"'), 'nope')
      refused(() => user('name.nope eq "x"'), 'name.nope')
      refused(() => user('emails[nope eq "x"]'), 'emails.nope')
      refused(() => user('urn:example:unknown:2.0:User:title eq "x"'), 'title')
      refused(() => group('userName eq "x"'), 'userName')
      refused(() => group('active eq true'), 'active')
    })

    it('attributes that are never returned cannot be filtered', () => {
      refused(() => user('password eq "secret"'), 'password')
      refused(() => user('password pr'), 'password')
      refused(() => user('password sw "a"'), 'password')
      refused(() => user(`${TEST_EXT}:secret eq "x"`), 'secret')
    })

    it('operands of the wrong type', () => {
      refused(() => user('active eq "yes"'), 'active')
      refused(() => user('active eq 1'), 'active')
      refused(() => user('userName eq 5'), 'userName')
      refused(() => user('title eq true'), 'title')
      refused(() => user('meta.created gt 5'), 'meta.created')
      refused(() => user('meta.created gt "yesterday"'), 'meta.created')
      refused(() => user('meta.created eq "2024-02-30T00:00:00Z"'), 'meta.created')
      refused(() => user('meta.created eq "2024-01-01"'), 'meta.created')
      refused(() => user('meta.created eq "2024-01-01T25:00:00Z"'), 'meta.created')
      refused(() => user(`${TEST_EXT}:level eq "3"`), 'level')
      refused(() => user(`${TEST_EXT}:level eq 1.5`), 'level')
      refused(() => user(`${TEST_EXT}:score eq "1.5"`), 'score')
      refused(() => user('emails.primary eq "true"'), 'emails.primary')
      refused(() => user('meta.resourceType eq 1'), 'meta.resourceType')
    })

    it('operators that do not apply to the type', () => {
      refused(() => user('active gt true'), 'active')
      refused(() => user('emails.primary le false'), 'emails.primary')
      refused(() => user('x509Certificates.value co "QQ"'), 'x509Certificates.value')
      refused(() => user('x509Certificates.value gt "QQ"'), 'x509Certificates.value')
      refused(() => user('meta.created co "2024"'), 'meta.created')
      refused(() => user(`${TEST_EXT}:level sw 1`), 'level')
      refused(() => user('userName gt null'), 'userName')
      refused(() => user('name eq "x"'), 'name')
      refused(() => user('meta eq "x"'), 'meta')
      refused(() => user('title[value eq "x"]'), 'title')
      refused(() => user('emails[value.x eq "x"]'), 'value.x')
    })
  })

  describe('dateTime operands', () => {
    it('are normalised to UTC ISO with milliseconds', () => {
      // Operands are read as stored values are, plus 24:00:00 as the end of a day.
      const normaliseOperand = (text: string) => normaliseDateTime(text, { endOfDay: true })
      assert.equal(normaliseOperand('2024-03-01T01:00:00+01:00'), '2024-03-01T00:00:00.000Z')
      assert.equal(normaliseOperand('2024-03-01T00:00:00.5Z'), '2024-03-01T00:00:00.500Z')
      assert.equal(normaliseOperand('2024-03-01T00:00:00.123456Z'), '2024-03-01T00:00:00.123Z')
      assert.equal(normaliseOperand('2024-03-01T00:00:00'), '2024-03-01T00:00:00.000Z')
      assert.equal(normaliseOperand('2024-02-29T24:00:00Z'), '2024-03-01T00:00:00.000Z')
      for (const bad of ['2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T00:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00+15:00', 'now', '']) {
        assert.equal(normaliseOperand(bad), undefined, bad)
      }
    })

    it('read as stored values are (year 0001–9999, zones up to ±14:00), with 24:00:00 as the end of a day', () => {
      assert.deepEqual(user('meta.created lt "2024-02-29T24:00:00Z"'), { kind: 'compare', op: 'lt', value: col('created', 'dateTime', false), operand: '2024-03-01T00:00:00.000Z' })
      refused(() => user('meta.created gt "0000-01-01T00:00:00Z"'), 'meta.created')
      refused(() => user('meta.created gt "2024-01-01T00:00:00+14:30"'), 'meta.created')
      refused(() => user('meta.created lt "2024-02-29T24:00:01Z"'), 'meta.created')
      refused(() => user('meta.created lt "9999-12-31T24:00:00Z"'), 'meta.created')
    })
  })

  describe('dateTime operands finer than milliseconds', () => {
    // Values compare at milliseconds; .8617979 lies inside the millisecond .861, so none equals it.
    const created = col('created', 'dateTime', false)
    const cmpAt = (op: string) => ({ kind: 'compare', op, value: created, operand: '2015-10-10T21:38:21.861Z' })
    const V = '"2015-10-10T14:38:21.8617979-07:00"'
    it('keep their precision: eq matches nothing, ge is gt and lt is le of the millisecond', () => {
      assert.deepEqual(user(`meta.created eq ${V}`), { kind: 'const', value: false })
      assert.deepEqual(user(`meta.created ne ${V}`), { kind: 'const', value: true })
      assert.deepEqual(user(`meta.created gt ${V}`), cmpAt('gt'))
      assert.deepEqual(user(`meta.created ge ${V}`), cmpAt('gt'))
      assert.deepEqual(user(`meta.created lt ${V}`), cmpAt('le'))
      assert.deepEqual(user(`meta.created le ${V}`), cmpAt('le'))
      // Zeros beyond the millisecond are no extra precision.
      assert.deepEqual(user('meta.created ge "2015-10-10T14:38:21.8610000-07:00"'), cmpAt('ge'))
    })

    it('read from an unquoted value (lenient mode) as from a quoted one', () => {
      assert.deepEqual(resolveFilter(registry, 'User', parseFilter('meta.created gt 2015-10-10T14:38:21.8617979-07:00', { lenient: true })), cmpAt('gt'))
      assert.deepEqual(resolveFilter(registry, 'User', parseFilter('name.familyName eq Employee', { lenient: true })), user('name.familyName eq "Employee"'))
    })
  })

  describe('sorting', () => {
    it('resolves columns, document paths and multi-valued attributes', () => {
      assert.deepEqual(resolveSort(registry, 'User', 'userName'), { value: col('userName', 'string', false), descending: false })
      assert.deepEqual(resolveSort(registry, 'User', 'meta.created', 'descending'), { value: col('created', 'dateTime', false), descending: true })
      assert.deepEqual(resolveSort(registry, 'User', 'NAME.familyName', 'Ascending'), { value: doc(['name', 'familyName']), descending: false })
      assert.deepEqual(resolveSort(registry, 'User', 'emails'), { value: doc(['emails', 'value']), multiValued: { arrayPath: ['emails'], subPath: ['value'] }, descending: false })
      assert.deepEqual(resolveSort(registry, 'User', 'emails.type'), { value: doc(['emails', 'type']), multiValued: { arrayPath: ['emails'], subPath: ['type'] }, descending: false })
      assert.deepEqual(resolveSort(registry, 'User', `${TEST_EXT}:tags`), { value: doc([TEST_EXT, 'tags']), multiValued: { arrayPath: [TEST_EXT, 'tags'], subPath: [] }, descending: false })
      assert.deepEqual(resolveSort(registry, 'Group', 'displayName'), { value: col('displayName', 'string', false), descending: false })
    })

    it('refuses what cannot be sorted with invalidValue', () => {
      refused(() => resolveSort(registry, 'User', 'nope'), 'nope', 'invalidValue')
      refused(() => resolveSort(registry, 'User', 'password'), 'password', 'invalidValue')
      refused(() => resolveSort(registry, 'User', 'name'), 'name', 'invalidValue')
      refused(() => resolveSort(registry, 'User', 'addresses'), 'addresses', 'invalidValue')
      refused(() => resolveSort(registry, 'Group', 'members'), 'members', 'invalidValue')
      refused(() => resolveSort(registry, 'User', 'groups.display'), 'groups.display', 'invalidValue')
      refused(() => resolveSort(registry, 'User', 'userName', 'sideways'), 'sortOrder', 'invalidValue')
    })
  })
})

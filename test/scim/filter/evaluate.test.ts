import assert from 'node:assert/strict'
import { ScimError } from '../../../src/scim/errors.js'
import { parseFilter, type Filter } from '../../../src/scim/filter/parse.js'
import { beyondMilliseconds, compileValueFilter, dateTimeMillis, matchesFilter, valueFilterReader } from '../../../src/scim/filter/evaluate.js'
import { Interpretation } from '../../../src/scim/interpretation.js'
import { COMMON_ATTRIBUTES, loadSchemas, type AttributeDefinition, type ResolvedAttribute, type SchemaRegistry } from '../../../src/scim/schema/schemas.js'

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'

/** A multi-valued complex attribute with one sub-attribute of every type. */
const THINGS: AttributeDefinition = {
  name: 'things',
  type: 'complex',
  multiValued: true,
  subAttributes: [
    { name: 'label', type: 'string', multiValued: false, caseExact: false },
    { name: 'code', type: 'string', multiValued: false, caseExact: true },
    { name: 'count', type: 'integer', multiValued: false },
    { name: 'ratio', type: 'decimal', multiValued: false },
    { name: 'at', type: 'dateTime', multiValued: false },
    { name: 'flag', type: 'boolean', multiValued: false },
    { name: 'blob', type: 'binary', multiValued: false },
    { name: 'tags', type: 'string', multiValued: true },
    { name: 'link', type: 'reference', referenceTypes: ['uri'], multiValued: false },
  ],
}

function filterError(fn: () => unknown, pattern?: RegExp): ScimError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof ScimError, `expected a ScimError, got ${String(err)}`)
    assert.equal(err.status, 400)
    assert.equal(err.code, 'invalidFilter')
    if (pattern) assert.match(err.message, pattern)
    return err
  }
  return assert.fail('expected a ScimError (invalidFilter)')
}

describe('scim/filter-eval', () => {
  let registry: SchemaRegistry
  let emails: ResolvedAttribute
  let addresses: ResolvedAttribute

  before(() => {
    registry = loadSchemas()
    const user = registry.schemaUrnsFor('User')
    emails = registry.findAttribute(user, 'emails') as ResolvedAttribute
    addresses = registry.findAttribute(user, 'addresses') as ResolvedAttribute
    assert.ok(emails && addresses)
  })

  const m = (element: unknown, filter: string, parent: ResolvedAttribute | AttributeDefinition = THINGS): boolean =>
    matchesFilter(registry, parent, element, parseFilter(filter))

  describe('strings and caseExact (RFC 7644 §3.4.2.2)', () => {
    it('compares a caseExact=false sub-attribute case-insensitively', () => {
      assert.equal(m({ type: 'work', value: 'a@x' }, 'type eq "WORK"', emails), true)
      assert.equal(m({ type: 'Work' }, 'type eq "work"', emails), true)
      assert.equal(m({ type: 'home' }, 'type eq "work"', emails), false)
      assert.equal(m({ label: 'Hello World' }, 'label co "WORLD"'), true)
      assert.equal(m({ label: 'Hello World' }, 'label sw "hello"'), true)
      assert.equal(m({ label: 'Hello World' }, 'label ew "WORLD"'), true)
    })

    it('compares a caseExact=true sub-attribute exactly', () => {
      assert.equal(m({ code: 'AbC' }, 'code eq "AbC"'), true)
      assert.equal(m({ code: 'AbC' }, 'code eq "abc"'), false)
      assert.equal(m({ code: 'AbC' }, 'code co "B"'), false)
      assert.equal(m({ code: 'AbC' }, 'code sw "Ab"'), true)
      assert.equal(m({ code: 'AbC' }, 'code ew "bC"'), true)
    })

    it('orders strings lexicographically, after case folding when not caseExact', () => {
      assert.equal(m({ label: 'b' }, 'label gt "A"'), true)
      assert.equal(m({ code: 'b' }, 'code lt "A"'), false)
      assert.equal(m({ code: 'B' }, 'code lt "a"'), true)
      assert.equal(m({ label: 'b' }, 'label ge "B"'), true)
      assert.equal(m({ label: 'b' }, 'label le "B"'), true)
    })

    it('resolves sub-attribute names case-insensitively', () => {
      assert.equal(m({ type: 'work' }, 'TYPE eq "work"', emails), true)
      assert.equal(m({ value: 'a@example.com' }, 'VALUE ew "EXAMPLE.COM"', emails), true)
    })

    it('compares references by the sub-attribute caseExact (default false)', () => {
      assert.equal(m({ link: 'https://Example.com/x' }, 'link sw "https://example.com"'), true)
    })
  })

  describe('numbers, dateTimes, booleans, binary', () => {
    it('compares integers and decimals numerically', () => {
      assert.equal(m({ count: 10 }, 'count gt 9'), true)
      assert.equal(m({ count: 10 }, 'count lt 9'), false)
      assert.equal(m({ count: 10 }, 'count eq 10'), true)
      assert.equal(m({ count: 10 }, 'count ne 10'), false)
      assert.equal(m({ ratio: 0.5 }, 'ratio ge 0.5'), true)
      assert.equal(m({ ratio: 0.5 }, 'ratio le 5e-1'), true)
      assert.equal(m({ ratio: 0.25 }, 'ratio gt 0.5'), false)
    })

    it('compares dateTimes chronologically, whatever the notation', () => {
      const e = { at: '2011-05-13T04:42:34.000Z' }
      assert.equal(m(e, 'at eq "2011-05-13T04:42:34Z"'), true)
      assert.equal(m(e, 'at eq "2011-05-13T06:42:34+02:00"'), true)
      assert.equal(m(e, 'at gt "2011-05-13T04:42:33.999Z"'), true)
      assert.equal(m(e, 'at lt "2011-05-13T04:42:34Z"'), false)
      assert.equal(m(e, 'at le "2011-05-13T04:42:34Z"'), true)
      // Lexicographically "2011-05-13T10:00:00+09:00" > "2011-05-13T04:42:34Z"; chronologically it is earlier.
      assert.equal(m(e, 'at gt "2011-05-13T10:00:00+09:00"'), true)
      assert.equal(m(e, 'at sw "2011-05"'), true)
    })

    it('compares a value finer than milliseconds (7 digits, an offset) with its precision, not truncated', () => {
      // 2015-10-10T14:38:21.8617979-07:00 is 21:38:21.8617979Z: after 21.861, before 21.862.
      const at = (ms: string) => ({ at: `2015-10-10T21:38:21.${ms}Z` })
      const v = '"2015-10-10T14:38:21.8617979-07:00"'
      for (const [ms, eq, gt, ge, lt, le] of [
        ['861', false, false, false, true, true],
        ['862', false, true, true, false, false],
        ['860', false, false, false, true, true],
      ] as const) {
        assert.deepEqual([`at eq ${v}`, `at gt ${v}`, `at ge ${v}`, `at lt ${v}`, `at le ${v}`].map((f) => m(at(ms), f)), [eq, gt, ge, lt, le], ms)
        assert.equal(m(at(ms), `at ne ${v}`), true)
      }
      // Trailing zeros are no extra precision.
      assert.equal(m(at('861'), 'at eq "2015-10-10T14:38:21.8610000-07:00"'), true)
      assert.equal(m(at('861'), 'at ge "2015-10-10T14:38:21.8610000-07:00"'), true)
      assert.equal(beyondMilliseconds('2015-10-10T14:38:21.8617979-07:00'), true)
      assert.equal(beyondMilliseconds('2015-10-10T14:38:21.8610000Z'), false)
      assert.equal(beyondMilliseconds('2015-10-10T14:38:21.861Z'), false)
      assert.equal(beyondMilliseconds('2015-10-10T14:38:21Z'), false)
    })

    it('reads dateTime values with dateTimeMillis', () => {
      assert.equal(dateTimeMillis('2011-05-13T04:42:34Z'), Date.UTC(2011, 4, 13, 4, 42, 34))
      assert.equal(dateTimeMillis('2011-02-30T00:00:00Z'), undefined)
      assert.equal(dateTimeMillis('yesterday'), undefined)
    })

    it('compares booleans with eq and ne', () => {
      assert.equal(m({ flag: true }, 'flag eq true'), true)
      assert.equal(m({ flag: false }, 'flag eq true'), false)
      assert.equal(m({ flag: false }, 'flag ne true'), true)
      assert.equal(m({ primary: true, value: 'x' }, 'primary eq true', emails), true)
      // "true"/"false" strings compare as booleans (Entra ID writes them so)
      assert.equal(m({ flag: true }, 'flag eq "True"'), true)
    })

    it('compares binary exactly', () => {
      assert.equal(m({ blob: 'QUJD' }, 'blob eq "QUJD"'), true)
      assert.equal(m({ blob: 'QUJD' }, 'blob eq "qujd"'), false)
    })

    it('matches a multi-valued sub-attribute when any of its values matches', () => {
      assert.equal(m({ tags: ['a', 'b'] }, 'tags eq "B"'), true)
      assert.equal(m({ tags: ['a', 'b'] }, 'tags eq "c"'), false)
      assert.equal(m({ tags: [] }, 'tags pr'), false)
    })
  })

  describe('pr, null, and, or, not', () => {
    it('pr matches a value that is not null, "", [] or {}', () => {
      assert.equal(m({ label: 'x' }, 'label pr'), true)
      assert.equal(m({}, 'label pr'), false)
      assert.equal(m({ label: '' }, 'label pr'), false)
      assert.equal(m({ label: null }, 'label pr'), false)
      assert.equal(m({ flag: false }, 'flag pr'), true)
      assert.equal(m({ count: 0 }, 'count pr'), true)
    })

    it('eq null matches an unassigned sub-attribute, ne null an assigned one', () => {
      assert.equal(m({}, 'label eq null'), true)
      assert.equal(m({ label: 'x' }, 'label eq null'), false)
      assert.equal(m({ label: 'x' }, 'label ne null'), true)
      assert.equal(m({}, 'label ne null'), false)
    })

    it('ne is the negation of eq, also for an absent sub-attribute', () => {
      assert.equal(m({ value: 'a' }, 'type ne "work"', emails), true)
      assert.equal(m({ type: 'work' }, 'type ne "work"', emails), false)
    })

    it('combines with and / or / not, with RFC precedence', () => {
      const work = { type: 'work', value: 'bjensen@example.com' }
      const home = { type: 'home', value: 'babs@jensen.org' }
      const f = 'type eq "work" and value ew "example.com"'
      assert.equal(m(work, f, emails), true)
      assert.equal(m(home, f, emails), false)
      assert.equal(m(home, 'type eq "work" or value ew "jensen.org"', emails), true)
      assert.equal(m(home, 'not (type eq "work")', emails), true)
      assert.equal(m(work, 'not (type eq "work")', emails), false)
      // and binds tighter than or
      assert.equal(m(home, 'type eq "home" or type eq "work" and value eq "none"', emails), true)
      assert.equal(m(home, '(type eq "home" or type eq "work") and value eq "none"', emails), false)
    })
  })

  describe('schema awareness', () => {
    it('knows the RFC 7643 §2.4 primary of addresses, which the §8.7.1 representation omits', () => {
      assert.equal(m({ type: 'work', primary: true }, 'primary eq true', addresses), true)
    })

    it('accepts a URN-qualified sub-attribute path', () => {
      assert.equal(m({ type: 'work' }, `${CORE_USER}:emails.type eq "work"`, emails), true)
    })

    it('treats "value" as the element itself for a multi-valued attribute that is not complex', () => {
      const schemas = COMMON_ATTRIBUTES.find((a) => a.name === 'schemas') as AttributeDefinition
      assert.equal(m(CORE_USER, `value eq "${CORE_USER}"`, schemas), true)
      assert.equal(m(CORE_USER, `value sw "urn:"`, schemas), true)
      assert.equal(m(CORE_USER, 'value eq "x"', schemas), false)
      filterError(() => m(CORE_USER, 'type eq "x"', schemas), /not complex/)
    })

    it('never throws for elements that are not objects', () => {
      for (const element of [null, undefined, 'x', 5, true, [], [{ type: 'work' }]]) {
        assert.equal(m(element, 'type eq "work"', emails), false)
        assert.equal(m(element, 'type pr', emails), false)
      }
    })

    it('reads a non-canonical key case-insensitively', () => {
      assert.equal(m({ Type: 'work' }, 'type eq "work"', emails), true)
    })
  })

  describe('errors: 400 invalidFilter, raised before any element is looked at', () => {
    it('rejects an unknown sub-attribute', () => {
      filterError(() => compileValueFilter(registry, emails, parseFilter('color eq "red"')), /"color" is not a sub-attribute of "emails"/)
      filterError(() => compileValueFilter(registry, emails, parseFilter('type.x eq "red"')))
      filterError(() => compileValueFilter(registry, emails, parseFilter('urn:ietf:params:scim:schemas:core:2.0:Group:members.value eq "x"')))
    })

    it('rejects gt/ge/lt/le on booleans and binary (Table 3)', () => {
      filterError(() => m({ flag: true }, 'flag gt true'), /boolean/)
      filterError(() => m({ blob: 'QUJD' }, 'blob lt "QUJD"'), /binary/)
    })

    it('rejects co/sw/ew on booleans and numbers', () => {
      filterError(() => m({ flag: true }, 'flag co true'))
      filterError(() => m({ count: 1 }, 'count sw 1'))
    })

    it('rejects a value of the wrong type', () => {
      filterError(() => m({ count: 1 }, 'count eq "1"'), /number/)
      filterError(() => m({ label: 'x' }, 'label eq 1'), /string/)
      filterError(() => m({ flag: true }, 'flag eq 1'), /boolean/)
      filterError(() => m({ at: '2011-05-13T04:42:34Z' }, 'at gt "soon"'), /dateTime/)
      filterError(() => m({ label: 'x' }, 'label gt null'))
    })

    it('rejects a nested value filter', () => {
      const nested: Filter = { kind: 'valuePath', path: { attr: 'tags' }, filter: { kind: 'present', path: { attr: 'value' } } }
      filterError(() => matchesFilter(registry, THINGS, {}, nested), /cannot contain another value filter/)
    })

    it('reports the error even when there is nothing to match', () => {
      const predicate = (): unknown => compileValueFilter(registry, THINGS, parseFilter('flag gt true'))
      filterError(predicate)
    })
  })

  describe('valueFilterReader (value-filtered attributes / excludedAttributes)', () => {
    it('parses the filter as lenient filters are, noting unquoted values, and checks it against the attribute', () => {
      const notes = new Interpretation()
      const read = valueFilterReader(registry, { lenient: true, notes })
      const work = read(emails, 'type eq work', 'emails[type eq work]')
      assert.equal(work({ type: 'Work', value: 'a@x' }), true)
      assert.equal(work({ type: 'home', value: 'a@x' }), false)
      assert.deepEqual(notes.notes.map((n) => n.kind === 'dialect' && n.rule), ['filter-unquoted-value'])
      filterError(() => read(emails, 'nope eq "x"', 'emails[nope eq "x"]'), /"nope" is not a sub-attribute of "emails"/)
    })

    it('answers invalidFilter for a syntax error, with its position in the attribute name', () => {
      const read = valueFilterReader(registry, {})
      filterError(() => read(emails, 'type eq work', 'emails[type eq work]'), /invalid filter in the attribute name "emails\[type eq work\]" at position 15: .*double quotes/)
    })
  })
})

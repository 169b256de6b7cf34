import assert from 'node:assert/strict'
import { FILTER_LIMITS, FilterSyntaxError, formatFilter, formatPatchPath, parseFilter, parsePath, type CompareOp, type Filter, type FilterValue } from '../../../src/scim/filter/parse.js'
import type { AttrPath } from '../../../src/scim/schema/schemas.js'
import { prng } from '../../support/prng.js'
import { Interpretation } from '../../../src/scim/interpretation.js'

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

// AST builders
const p = (attr: string, sub?: string, uri?: string): AttrPath => ({ ...(uri !== undefined ? { uri } : {}), attr, ...(sub !== undefined ? { sub } : {}) })
const cmp = (path: AttrPath, op: CompareOp, value: FilterValue): Filter => ({ kind: 'compare', op, path, value })
const pr = (path: AttrPath): Filter => ({ kind: 'present', path })
const and = (...filters: Filter[]): Filter => ({ kind: 'and', filters })
const or = (...filters: Filter[]): Filter => ({ kind: 'or', filters })
const not = (filter: Filter): Filter => ({ kind: 'not', filter })
const vp = (path: AttrPath, filter: Filter): Filter => ({ kind: 'valuePath', path, filter })

function syntaxError(fn: () => unknown): FilterSyntaxError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof FilterSyntaxError, `expected FilterSyntaxError, got ${String(err)}`)
    return err
  }
  assert.fail('expected a FilterSyntaxError')
}

/** parse → format → parse yields the same AST, and formatting is idempotent. */
function assertRoundTrip(text: string): void {
  const ast = parseFilter(text)
  const canonical = formatFilter(ast)
  assert.deepEqual(parseFilter(canonical), ast, `round trip of ${JSON.stringify(text)} via ${JSON.stringify(canonical)}`)
  assert.equal(formatFilter(parseFilter(canonical)), canonical)
}

describe('scim/filter parseFilter', () => {
  describe('RFC 7644 §3.4.2.2 example filters (Figure 2)', () => {
    const examples: [string, Filter][] = [
      ['userName eq "bjensen"', cmp(p('userName'), 'eq', 'bjensen')],
      [`name.familyName co "O'Malley"`, cmp(p('name', 'familyName'), 'co', "O'Malley")],
      ['userName sw "J"', cmp(p('userName'), 'sw', 'J')],
      [`${CORE_USER}:userName sw "J"`, cmp(p('userName', undefined, CORE_USER), 'sw', 'J')],
      ['title pr', pr(p('title'))],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp(p('meta', 'lastModified'), 'gt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp(p('meta', 'lastModified'), 'ge', '2011-05-13T04:42:34Z')],
      ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp(p('meta', 'lastModified'), 'lt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp(p('meta', 'lastModified'), 'le', '2011-05-13T04:42:34Z')],
      ['title pr and userType eq "Employee"', and(pr(p('title')), cmp(p('userType'), 'eq', 'Employee'))],
      ['title pr or userType eq "Intern"', or(pr(p('title')), cmp(p('userType'), 'eq', 'Intern'))],
      [`schemas eq "${ENTERPRISE}"`, cmp(p('schemas'), 'eq', ENTERPRISE)],
      [
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        and(cmp(p('userType'), 'eq', 'Employee'), or(cmp(p('emails'), 'co', 'example.com'), cmp(p('emails', 'value'), 'co', 'example.org'))),
      ],
      [
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        and(cmp(p('userType'), 'ne', 'Employee'), not(or(cmp(p('emails'), 'co', 'example.com'), cmp(p('emails', 'value'), 'co', 'example.org')))),
      ],
      ['userType eq "Employee" and (emails.type eq "work")', and(cmp(p('userType'), 'eq', 'Employee'), cmp(p('emails', 'type'), 'eq', 'work'))],
      [
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        and(cmp(p('userType'), 'eq', 'Employee'), vp(p('emails'), and(cmp(p('type'), 'eq', 'work'), cmp(p('value'), 'co', '@example.com')))),
      ],
      [
        'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
        or(
          vp(p('emails'), and(cmp(p('type'), 'eq', 'work'), cmp(p('value'), 'co', '@example.com'))),
          vp(p('ims'), and(cmp(p('type'), 'eq', 'xmpp'), cmp(p('value'), 'co', '@foo.com'))),
        ),
      ],
    ]

    it('has all 17 examples', () => assert.equal(examples.length, 17))
    for (const [text, expected] of examples) {
      it(text, () => {
        assert.deepEqual(parseFilter(text), expected)
        assertRoundTrip(text)
      })
    }

    it('accepts the examples as the RFC wraps them (line breaks and indentation between tokens)', () => {
      assert.deepEqual(
        parseFilter('userType ne "Employee" and not (emails co "example.com" or\n  emails.value co "example.org")'),
        parseFilter('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")'),
      )
      assert.deepEqual(parseFilter(`\n schemas eq "${ENTERPRISE}"`), cmp(p('schemas'), 'eq', ENTERPRISE))
    })
  })

  describe('precedence and grouping', () => {
    it('binds "and" tighter than "or"', () => {
      assert.deepEqual(parseFilter('a pr or b pr and c pr'), or(pr(p('a')), and(pr(p('b')), pr(p('c')))))
      assert.deepEqual(parseFilter('a pr and b pr or c pr'), or(and(pr(p('a')), pr(p('b'))), pr(p('c'))))
      assert.deepEqual(
        parseFilter('a pr or b pr and c pr or d pr and e pr'),
        or(pr(p('a')), and(pr(p('b')), pr(p('c'))), and(pr(p('d')), pr(p('e')))),
      )
    })

    it('binds "not" tighter than "and"', () => {
      assert.deepEqual(parseFilter('not (a pr) and b pr'), and(not(pr(p('a'))), pr(p('b'))))
      assert.deepEqual(parseFilter('b pr or not (a pr or c pr)'), or(pr(p('b')), not(or(pr(p('a')), pr(p('c'))))))
    })

    it('lets parentheses override precedence', () => {
      assert.deepEqual(parseFilter('(a pr or b pr) and c pr'), and(or(pr(p('a')), pr(p('b'))), pr(p('c'))))
      assert.deepEqual(parseFilter('a pr and (b pr or c pr)'), and(pr(p('a')), or(pr(p('b')), pr(p('c')))))
    })

    it('flattens chains and redundant groups of the same operator', () => {
      assert.deepEqual(parseFilter('a pr and b pr and c pr'), and(pr(p('a')), pr(p('b')), pr(p('c'))))
      assert.deepEqual(parseFilter('a pr and (b pr and c pr)'), and(pr(p('a')), pr(p('b')), pr(p('c'))))
      assert.deepEqual(parseFilter('(a pr or b pr) or (c pr)'), or(pr(p('a')), pr(p('b')), pr(p('c'))))
      assert.deepEqual(parseFilter('((((a pr))))'), pr(p('a')))
    })

    it('nests not', () => {
      assert.deepEqual(parseFilter('not (not (a pr))'), not(not(pr(p('a')))))
      assert.deepEqual(parseFilter('not(a pr)'), not(pr(p('a'))), 'no space between not and "(" (RFC 7644 erratum 7319)')
      assert.deepEqual(parseFilter('not ( a pr )'), not(pr(p('a'))))
    })

    it('treats keywords and operators case-insensitively and keeps attribute case', () => {
      assert.deepEqual(
        parseFilter('UserName EQ "X" AND Title PR Or NOT (A Sw "b")'),
        or(and(cmp(p('UserName'), 'eq', 'X'), pr(p('Title'))), not(cmp(p('A'), 'sw', 'b'))),
      )
    })

    it('reads attribute names that collide with keywords by position', () => {
      assert.deepEqual(parseFilter('not pr'), pr(p('not')))
      assert.deepEqual(parseFilter('and eq 1 or or pr'), or(cmp(p('and'), 'eq', 1), pr(p('or'))))
    })

    it('is lenient with repeated whitespace', () => {
      assert.deepEqual(parseFilter('  a   eq \t 1   and\n\nb  pr  '), and(cmp(p('a'), 'eq', 1), pr(p('b'))))
    })
  })

  describe('operators', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const) {
      it(`${op} (any case)`, () => {
        assert.deepEqual(parseFilter(`x ${op} "v"`), cmp(p('x'), op, 'v'))
        assert.deepEqual(parseFilter(`x ${op.toUpperCase()} "v"`), cmp(p('x'), op, 'v'))
      })
    }
    it('pr (any case)', () => assert.deepEqual(parseFilter('x Pr'), pr(p('x'))))
  })

  describe('attribute paths', () => {
    it('splits sub-attributes', () => {
      assert.deepEqual(parseFilter('name.givenName eq "B"'), cmp(p('name', 'givenName'), 'eq', 'B'))
      assert.deepEqual(parseFilter('manager.$ref pr'), pr(p('manager', '$ref')))
    })

    it('takes the attribute after the last colon of a URN (which contains colons and dots)', () => {
      assert.deepEqual(parseFilter(`${ENTERPRISE}:employeeNumber eq "1"`), cmp(p('employeeNumber', undefined, ENTERPRISE), 'eq', '1'))
      assert.deepEqual(parseFilter(`${ENTERPRISE}:manager.value eq "26118915"`), cmp(p('manager', 'value', ENTERPRISE), 'eq', '26118915'))
      assert.deepEqual(parseFilter(`${CORE_USER}:name.familyName pr`), pr(p('name', 'familyName', CORE_USER)))
      assert.deepEqual(
        parseFilter(`${CORE_USER}:emails[type eq "work"]`),
        vp(p('emails', undefined, CORE_USER), cmp(p('type'), 'eq', 'work')),
      )
    })

    it('accepts ATTRNAME characters', () => {
      assert.deepEqual(parseFilter('x-Y_9.z_1-2 pr'), pr(p('x-Y_9', 'z_1-2')))
    })
  })

  describe('value paths', () => {
    it('parses filters on multi-valued attributes, relative to the attribute', () => {
      assert.deepEqual(parseFilter('members[value eq "2819c223"]'), vp(p('members'), cmp(p('value'), 'eq', '2819c223')))
      assert.deepEqual(
        parseFilter('emails[type eq "work" or not (primary eq false)] and ims[ value pr ]'),
        and(vp(p('emails'), or(cmp(p('type'), 'eq', 'work'), not(cmp(p('primary'), 'eq', false)))), vp(p('ims'), pr(p('value')))),
      )
      assert.deepEqual(
        parseFilter('emails[(type eq "work" or type eq "home") and value ew "@example.com"]'),
        vp(p('emails'), and(or(cmp(p('type'), 'eq', 'work'), cmp(p('type'), 'eq', 'home')), cmp(p('value'), 'ew', '@example.com'))),
      )
    })
  })

  describe('values', () => {
    const cases: [string, FilterValue][] = [
      ['"plain"', 'plain'],
      ['""', ''],
      ['"quote \\" backslash \\\\ slash \\/"', 'quote " backslash \\ slash /'],
      ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
      ['"caf\\u00e9 \\u00E9"', 'café é'],
      ['"\\ud83d\\ude00"', '😀'],
      ['"raw unicode é 😀"', 'raw unicode é 😀'],
      ['"(not) [a] and or"', '(not) [a] and or'],
      ['0', 0],
      ['-1', -1],
      ['42', 42],
      ['1.5', 1.5],
      ['-0.25e-3', -0.00025],
      ['1E+2', 100],
      ['6.02e23', 6.02e23],
      ['12345678901234567890', Number('12345678901234567890')],
      ['true', true],
      ['false', false],
      ['null', null],
    ]
    for (const [lexeme, value] of cases) {
      it(`${lexeme}`, () => {
        assert.deepEqual(parseFilter(`x eq ${lexeme}`), cmp(p('x'), 'eq', value))
        assertRoundTrip(`x eq ${lexeme}`)
      })
    }
    it('ends a number at a closing bracket or parenthesis', () => {
      assert.deepEqual(parseFilter('(x gt 1)'), cmp(p('x'), 'gt', 1))
      assert.deepEqual(parseFilter('a[x lt -2.5]'), vp(p('a'), cmp(p('x'), 'lt', -2.5)))
    })
  })

  describe('syntax errors name a position', () => {
    const errors: [string, number, RegExp][] = [
      ['', 0, /empty filter/],
      ['   ', 3, /empty filter/],
      ['userName', 8, /expected a comparison operator after "userName", found end of input/],
      ['userName xx "bjensen"', 9, /expected a comparison operator after "userName", found "xx"/],
      ['userName eq', 11, /expected a value after "eq", found end of input/],
      ['(userName eq)', 12, /expected a value after "eq", found "\)"/],
      ['userName eq"x"', 11, /expected a space after "eq"/],
      ['userName eq bjensen', 12, /invalid value "bjensen": strings must be enclosed in double quotes/],
      ['active eq True', 10, /JSON literals are lower-case/],
      ['userName eq "bjensen', 12, /unterminated string/],
      ['userName eq "bj\\"', 12, /unterminated string/],
      ['userName eq "bj\\xensen"', 15, /invalid escape "\\\\x" in string/],
      ['userName eq "\\u12G4"', 13, /invalid \\u escape/],
      ['userName eq "a\tb"', 14, /unescaped control character U\+0009/],
      ['age gt 01', 7, /invalid number "01"/],
      ['age gt 1.', 7, /invalid number "1\."/],
      ['age gt -', 7, /invalid number "-"/],
      ['age gt 1e999', 7, /out of range/],
      ['age gt 5abc', 7, /invalid number "5abc"/],
      ['title pr "x"', 9, /"pr" takes no value, found string "x"/],
      ['title pr true', 9, /"pr" takes no value/],
      ['title pr 1', 9, /"pr" takes no value/],
      ['pr', 2, /expected a comparison operator after "pr", found end of input/],
      ['(title pr', 9, /expected "\)" to close "\(" at position 0, found end of input/],
      ['((title pr)', 11, /expected "\)" to close "\(" at position 0/],
      ['title pr)', 8, /unbalanced "\)" without a matching "\("/],
      ['(title pr]', 9, /expected "\)" to close "\(" at position 0, found "\]"/],
      ['()', 1, /expected an attribute path, found "\)"/],
      ['emails[type eq "work"', 21, /expected "\]" to close "\[" at position 6/],
      ['emails[type eq "work")', 21, /expected "\]" to close "\[" at position 6, found "\)"/],
      ['emails[type eq "work"]]', 22, /unbalanced "\]" without a matching "\["/],
      ['emails[]', 7, /expected an attribute path, found "\]"/],
      ['emails[type eq "work" and value[x eq 1]]', 31, /a value filter cannot contain another "\[...\]" filter/],
      ['emails [type eq "work"]', 7, /unexpected whitespace before "\["/],
      ['name.givenName[value eq 1]', 14, /must follow a multi-valued attribute/],
      ['emails[type eq "work"].value eq "x"', 22, /only allowed in a PATCH path/],
      ['not title pr', 4, /expected "\(" after "not", found "title"/],
      ['not', 3, /expected "\(" after "not", found end of input/],
      ['title pr and', 12, /expected a filter after "and"/],
      ['title pr or   ', 14, /expected a filter after "or"/],
      ['title pr or ()', 13, /expected an attribute path, found "\)"/],
      ['title pr garbage', 9, /expected "and", "or" or end of input, found "garbage"/],
      ['(title pr garbage)', 10, /expected "and", "or" or "\)", found "garbage"/],
      ['userName eq "x" "y"', 16, /found string "y"/],
      ['(title pr)and(x pr)', 10, /expected a space before "and"/],
      ['title pr and(x pr)', 12, /expected a space after "and"/],
      ['name.givenName.x eq 1', 14, /more than one sub-attribute level/],
      ['name. pr', 5, /invalid sub-attribute name ""/],
      ['name.$x pr', 5, /invalid sub-attribute name "\$x"/],
      [`${CORE_USER}: pr`, 43, /expected an attribute name after the schema URN/],
      ['foo:bar eq 1', 0, /invalid schema URN "foo"/],
      ['urn::x:y pr', 0, /invalid schema URN/],
      ['title pr #', 9, /unexpected character "#"/],
      ['title eq \u0001', 9, /unexpected character U\+0001/],
      ['.x pr', 0, /expected an attribute path, found "\."/],
      ['"x" eq 1', 0, /expected an attribute path, found string "x"/],
    ]
    for (const [text, position, message] of errors) {
      it(JSON.stringify(text), () => {
        const err = syntaxError(() => parseFilter(text))
        assert.match(err.message, message)
        assert.equal(err.position, position, err.message)
        assert.ok(err.message.startsWith(`invalid filter at position ${position}: `), err.message)
      })
    }

    it('rejects a non-string with a FilterSyntaxError', () => {
      syntaxError(() => parseFilter(['a pr'] as unknown as string))
    })
  })

  describe('unquoted values (lenient mode; strict mode refuses them as RFC 7644 does)', () => {
    const lenient = (text: string) => {
      const notes = new Interpretation()
      return { filter: parseFilter(text, { lenient: true, notes }), notes: notes.notes }
    }
    const DATE = '2015-10-10T14:38:21.8617979-07:00'
    const cases: [string, Filter][] = [
      // The three of issue 14 (Microsoft's SCIM validator samples).
      ['name.familyName eq Employee', cmp(p('name', 'familyName'), 'eq', 'Employee')],
      ['userName sw O', cmp(p('userName'), 'sw', 'O')],
      [`meta.created gt ${DATE}`, cmp(p('meta', 'created'), 'gt', DATE)],
      ['meta.lastModified le 2026-01-31T12:00:00Z', cmp(p('meta', 'lastModified'), 'le', '2026-01-31T12:00:00Z')],
      // A bare value ends at whitespace, ")" or "]"; and/or/not after it parse as ever.
      ['userName eq bob and active eq true', and(cmp(p('userName'), 'eq', 'bob'), cmp(p('active'), 'eq', true))],
      ['userName eq bob or not (title pr)', or(cmp(p('userName'), 'eq', 'bob'), not(pr(p('title'))))],
      ['(userName eq bob@example.com) and emails[type eq work]', and(cmp(p('userName'), 'eq', 'bob@example.com'), vp(p('emails'), cmp(p('type'), 'eq', 'work')))],
      ["name.familyName co O'Malley", cmp(p('name', 'familyName'), 'co', "O'Malley")],
      ['externalId eq a,b+c:d/é', cmp(p('externalId'), 'eq', 'a,b+c:d/é')],
      // With the Entra ID form of lenient mode: the bare value ends at "]".
      ['emails[type eq work].value eq bob@x.org', vp(p('emails'), and(cmp(p('type'), 'eq', 'work'), cmp(p('value'), 'eq', 'bob@x.org')))],
      // Literals and numbers stay what they are; a number-like word that is no JSON number is a string.
      ['active eq true', cmp(p('active'), 'eq', true)],
      ['x eq null', cmp(p('x'), 'eq', null)],
      ['x gt 1.5', cmp(p('x'), 'gt', 1.5)],
      ['employeeNumber eq 007', cmp(p('employeeNumber'), 'eq', '007')],
      ['x eq "quoted"', cmp(p('x'), 'eq', 'quoted')],
      // A bare word in the value position is a value, even one spelt like a keyword.
      ['userName eq and', cmp(p('userName'), 'eq', 'and')],
    ]
    for (const [text, expected] of cases) {
      it(text, () => {
        assert.deepEqual(lenient(text).filter, expected)
        // The canonical form quotes it, and is what strict mode reads the same way.
        assert.deepEqual(parseFilter(formatFilter(expected)), expected)
      })
    }

    it('notes each unquoted value, a dateTime as such; quoted values and literals are not noted', () => {
      assert.deepEqual(lenient(`userName eq bob and meta.created gt ${DATE}`).notes, [
        { kind: 'dialect', rule: 'filter-unquoted-value', detail: 'bob read as the string "bob"' },
        { kind: 'dialect', rule: 'filter-unquoted-value', detail: `${DATE} read as the dateTime "${DATE}"` },
      ])
      assert.deepEqual(lenient('userName eq "bob" and active eq false and x gt 1').notes, [])
    })

    it('reads True/FALSE/Null as the JSON literals, noted', () => {
      const { filter, notes } = lenient('active eq True and x ne NULL')
      assert.deepEqual(filter, and(cmp(p('active'), 'eq', true), cmp(p('x'), 'ne', null)))
      assert.deepEqual(notes.map((n) => n.kind === 'dialect' && n.rule), ['filter-literal-case', 'filter-literal-case'])
    })

    it('strict mode (the default of parseFilter) refuses each with the RFC error', () => {
      for (const [text] of cases.filter(([t]) => !/ (true|null|1\.5|"quoted")\)?$/.test(t))) {
        const err = syntaxError(() => parseFilter(text))
        assert.match(err.message, /strings must be enclosed in double quotes|invalid number|unexpected character/, text)
      }
    })

    const errors: [string, number, RegExp][] = [
      ['userName eq', 11, /expected a value after "eq", found end of input/],
      ['(userName eq )', 13, /expected a value after "eq", found "\)"/],
      ['emails[type eq ]', 15, /expected a value after "eq", found "\]"/],
      ['userName eq bob"x"', 15, /expected "and", "or" or end of input, found string "x"/],
      ['userName eq bob smith', 16, /expected "and", "or" or end of input, found "smith"/],
      ['userName eq a\u0001b', 13, /unexpected character U\+0001/],
      ['userName eq bob)', 15, /unbalanced "\)"/],
    ]
    for (const [text, position, message] of errors) {
      it(`still refuses ${JSON.stringify(text)}`, () => {
        const err = syntaxError(() => parseFilter(text, { lenient: true }))
        assert.match(err.message, message)
        assert.equal(err.position, position, err.message)
      })
    }

    it('reads them in a PATCH path\'s value filter', () => {
      const notes = new Interpretation()
      assert.deepEqual(parsePath('emails[type eq work].value', { lenient: true, notes, where: 'Operations[0]: ' }), { path: p('emails'), valueFilter: cmp(p('type'), 'eq', 'work'), subAttr: 'value' })
      assert.deepEqual(notes.notes, [{ kind: 'dialect', rule: 'filter-unquoted-value', detail: 'Operations[0]: work read as the string "work"' }])
      assert.match(syntaxError(() => parsePath('emails[type eq work].value')).message, /double quotes/)
    })
  })

  describe('limits', () => {
    it('exports the limits', () => {
      assert.deepEqual({ ...FILTER_LIMITS }, { maxLength: 10_000, maxDepth: 50, maxTerms: 250 })
      assert.ok(Object.isFrozen(FILTER_LIMITS))
    })

    it('rejects a 1 MB filter before tokenizing: the error points at the limit, not into the text', () => {
      // Speed is benchmarked, not asserted; that no token was read shows in where the error points.
      const text = 'userName eq "' + 'x'.repeat(1024 * 1024) + '"'
      const err = syntaxError(() => parseFilter(text))
      assert.equal(err.position, FILTER_LIMITS.maxLength)
      assert.match(err.message, /longer than 10000 characters/)
    })

    it('accepts a filter of exactly maxLength characters', () => {
      const text = 'userName eq "' + 'x'.repeat(FILTER_LIMITS.maxLength - 14) + '"'
      assert.equal(text.length, FILTER_LIMITS.maxLength)
      assert.equal(parseFilter(text).kind, 'compare')
    })

    it('rejects 10,000 nested parentheses with FilterSyntaxError, not RangeError', () => {
      const text = '('.repeat(10_000) + 'a pr' + ')'.repeat(10_000)
      for (const deep of [text, '('.repeat(10_000), 'not ('.repeat(2_000)]) assert.equal(syntaxError(() => parseFilter(deep)).position <= 10_000, true)
    })

    it('caps nesting depth at maxDepth, within the length limit', () => {
      const depth = FILTER_LIMITS.maxDepth
      assert.deepEqual(parseFilter('('.repeat(depth) + 'a pr' + ')'.repeat(depth)), pr(p('a')))
      const err = syntaxError(() => parseFilter('('.repeat(depth + 1) + 'a pr' + ')'.repeat(depth + 1)))
      assert.equal(err.position, depth)
      assert.match(err.message, /nesting deeper than 50 levels/)
      const nots = syntaxError(() => parseFilter('not ('.repeat(depth + 1) + 'a pr' + ')'.repeat(depth + 1)))
      assert.equal(nots.position, depth * 5 + 4)
      syntaxError(() => parseFilter('('.repeat(depth) + 'a[b pr]' + ')'.repeat(depth)))
      const unclosed = syntaxError(() => parseFilter('('.repeat(5_000)))
      assert.equal(unclosed.position, depth)
    })

    it('caps the number of attribute expressions at maxTerms', () => {
      const terms = (n: number): string => Array.from({ length: n }, () => 'a pr').join(' or ')
      assert.equal((parseFilter(terms(FILTER_LIMITS.maxTerms)) as { filters: Filter[] }).filters.length, FILTER_LIMITS.maxTerms)
      const err = syntaxError(() => parseFilter(terms(FILTER_LIMITS.maxTerms + 1)))
      assert.equal(err.position, FILTER_LIMITS.maxTerms * 8)
      assert.match(err.message, /more than 250 attribute expressions/)
    })

    it('parses the longest filter allowed, with as many terms as allowed', () => {
      // As many terms as allowed, padded out to the longest filter allowed.
      const terms = Array.from({ length: FILTER_LIMITS.maxTerms }, (_, i) => `a eq ${i}`)
      const pad = Math.floor((FILTER_LIMITS.maxLength - terms.join(' or ').length) / (terms.length * 2))
      const text = terms.map((t) => `${'('.repeat(pad)}${t}${')'.repeat(pad)}`).join(' or ')
      assert.ok(text.length <= FILTER_LIMITS.maxLength && text.length > FILTER_LIMITS.maxLength * 0.9)
      // Linear time is the parser's design (docs/decisions.md 9); this checks the result, not a clock.
      assert.equal((parseFilter(text) as { filters: Filter[] }).filters.length, FILTER_LIMITS.maxTerms)
    })
  })

  describe('formatFilter', () => {
    it('serialises canonically', () => {
      assert.equal(formatFilter(parseFilter('UserName  EQ "x"  AND   (a PR OR NOT(b Lt 1.50))')), 'UserName eq "x" and (a pr or not (b lt 1.5))')
      assert.equal(formatFilter(parseFilter('a pr or (b pr and c pr)')), 'a pr or b pr and c pr')
      assert.equal(formatFilter(parseFilter('x eq "caf\\u00e9 \\"q\\""')), 'x eq "café \\"q\\""')
      assert.equal(formatFilter(parseFilter(`${ENTERPRISE}:manager.value eq null`)), `${ENTERPRISE}:manager.value eq null`)
      assert.equal(formatFilter(parseFilter('emails[type eq "work" and value co "@x"]')), 'emails[type eq "work" and value co "@x"]')
    })

    it('round-trips assorted filters', () => {
      for (const text of [
        'a pr or b pr and c pr',
        '(a pr or b pr) and (c pr or d pr)',
        'not (a pr or b pr) and not (not (c eq -1e-7))',
        'emails[(type eq "work" or type eq "home") and not (value ew "@x")] or x.y ge false',
        `${CORE_USER}:emails[type eq "work"] and ${ENTERPRISE}:manager.$ref pr`,
        'x eq "\\u0000\\u001f\\ud800"',
      ]) {
        assertRoundTrip(text)
      }
    })

    it('parenthesises an "or" built inside an "and" by hand', () => {
      assert.equal(formatFilter(and(or(pr(p('a')), pr(p('b'))), pr(p('c')))), '(a pr or b pr) and c pr')
    })
  })

  describe('generative: random and mutated filters only ever parse or throw FilterSyntaxError', () => {
    const random = prng(0x5c1a2025)
    const int = (n: number): number => Math.floor(random() * n)
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
    const randomCase = (s: string): string => [...s].map((c) => (random() < 0.3 ? c.toUpperCase() : c)).join('')
    const sp = (): string => ' '.repeat(1 + int(2))
    const opt = (): string => (random() < 0.3 ? ' ' : '')

    const ATTRS = ['userName', 'title', 'name.givenName', 'emails', 'emails.value', 'meta.lastModified', 'x-Y_9', 'manager.$ref', `${CORE_USER}:userName`, `${ENTERPRISE}:manager.value`]
    const SUBS = ['type', 'value', 'primary', 'display', '$ref']
    const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']
    const VALUES = ['"bjensen"', '""', '"O\'Malley"', '"a\\"b\\\\c\\n"', '"\\u00e9"', '"é 😀"', '0', '-1', '3.25', '1e3', '-2.5E-2', 'true', 'false', 'null']
    const MUTATION_CHARS = ['(', ')', '[', ']', '"', ' ', '.', ':', '\\', '-', 'e', '0', 'x', 'and', 'or', 'not', 'pr', 'eq', '\n', '#', 'é']

    function attrExp(attrs: readonly string[]): string {
      const attr = pick(attrs)
      return random() < 0.2 ? `${attr}${sp()}${randomCase('pr')}` : `${attr}${sp()}${randomCase(pick(OPS))}${sp()}${pick(VALUES)}`
    }
    function filter(depth: number, inValue: boolean): string {
      const attrs = inValue ? SUBS : ATTRS
      const r = random()
      if (depth <= 0 || r < 0.35) return attrExp(attrs)
      if (r < 0.5) return `(${opt()}${filter(depth - 1, inValue)}${opt()})`
      if (r < 0.6) return `${randomCase('not')}${opt()}(${filter(depth - 1, inValue)})`
      if (r < 0.7 && !inValue) return `${pick(['emails', 'ims', 'members', `${CORE_USER}:addresses`])}[${opt()}${filter(depth - 1, true)}${opt()}]`
      const parts = Array.from({ length: 2 + int(3) }, () => filter(depth - 1, inValue))
      return parts.map((part, i) => (i === 0 ? part : `${sp()}${randomCase(pick(['and', 'or']))}${sp()}${part}`)).join('')
    }
    function mutate(text: string): string {
      const at = int(text.length + 1)
      switch (int(6)) {
        case 0:
          return text.slice(0, at)
        case 1:
          return text.slice(0, at) + text.slice(at + 1)
        case 2:
          return text.slice(0, at) + pick(MUTATION_CHARS) + text.slice(at)
        case 3:
          return text.slice(0, at) + pick(MUTATION_CHARS) + text.slice(at + 1)
        case 4: {
          const end = at + int(12)
          return text.slice(0, end) + text.slice(at, end) + text.slice(end)
        }
        default:
          return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) + text.slice(at + 2)
      }
    }

    it('5,000 cases', () => {
      let parsed = 0
      let rejected = 0
      for (let i = 0; i < 5_000; i++) {
        const valid = filter(4, false)
        const kind = i % 10
        let text: string
        if (kind < 3) text = valid
        else if (kind < 9) {
          text = valid
          for (let m = 1 + int(3); m > 0; m--) text = mutate(text)
        } else text = Array.from({ length: int(30) }, () => pick(MUTATION_CHARS)).join('')

        let ast: Filter | undefined
        try {
          ast = parseFilter(text)
        } catch (err) {
          if (!(err instanceof FilterSyntaxError)) assert.fail(`case ${i}: ${JSON.stringify(text)} threw ${String(err)}`)
          assert.ok(err.position >= 0 && err.position <= text.length, `case ${i}: position ${err.position} out of range for ${JSON.stringify(text)}`)
          assert.ok(kind >= 3, `case ${i}: a generated valid filter was rejected: ${JSON.stringify(text)}: ${err.message}`)
          rejected++
          continue
        }
        parsed++
        const canonical = formatFilter(ast)
        assert.deepEqual(parseFilter(canonical), ast, `case ${i}: round trip of ${JSON.stringify(text)}`)
      }
      assert.ok(parsed > 1_500 && rejected > 1_500, `parsed ${parsed}, rejected ${rejected}`)
    })
  })
})

describe('scim/filter parsePath', () => {
  describe('RFC 7644 §3.5.2 PATCH paths', () => {
    const paths: [string, unknown][] = [
      ['members', { path: p('members') }],
      ['name.familyName', { path: p('name', 'familyName') }],
      ['addresses[type eq "work"]', { path: p('addresses'), valueFilter: cmp(p('type'), 'eq', 'work') }],
      [
        'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
        { path: p('members'), valueFilter: cmp(p('value'), 'eq', '2819c223-7f76-453a-919d-413861904646') },
      ],
      [
        'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
        { path: p('members'), valueFilter: cmp(p('value'), 'eq', '2819c223-7f76-453a-919d-413861904646'), subAttr: 'displayName' },
      ],
      ['emails[type eq "work"].value', { path: p('emails'), valueFilter: cmp(p('type'), 'eq', 'work'), subAttr: 'value' }],
      [
        'emails[type eq "work" and value ew "example.com"]',
        { path: p('emails'), valueFilter: and(cmp(p('type'), 'eq', 'work'), cmp(p('value'), 'ew', 'example.com')) },
      ],
      [`${ENTERPRISE}:manager`, { path: p('manager', undefined, ENTERPRISE) }],
      [`${ENTERPRISE}:manager.value`, { path: p('manager', 'value', ENTERPRISE) }],
      [
        `${CORE_USER}:emails[type eq "work"].display`,
        { path: p('emails', undefined, CORE_USER), valueFilter: cmp(p('type'), 'eq', 'work'), subAttr: 'display' },
      ],
    ]
    for (const [text, expected] of paths) {
      it(text, () => {
        const parsed = parsePath(text)
        assert.deepEqual(parsed, expected)
        assert.equal(formatPatchPath(parsed), text)
      })
    }

    it('is case-insensitive for operators and keeps attribute case', () => {
      assert.deepEqual(parsePath('Emails[Type EQ "work"].Value'), { path: p('Emails'), valueFilter: cmp(p('Type'), 'eq', 'work'), subAttr: 'Value' })
    })

    it('allows surrounding whitespace', () => {
      assert.deepEqual(parsePath(' members '), { path: p('members') })
    })
  })

  describe('path syntax errors', () => {
    const errors: [string, number, RegExp][] = [
      ['', 0, /empty path/],
      ['members[value eq "x"', 20, /expected "\]" to close "\["/],
      ['members[value eq "x"].', 22, /expected a sub-attribute name after "\]\.", found end of input/],
      ['members[value eq "x"].a.b', 22, /invalid sub-attribute name "a\.b"/],
      ['members[value eq "x"] .a', 22, /unexpected whitespace before "\."/],
      ['members[value eq "x"][type eq "User"]', 21, /unexpected "\[" after the path/],
      ['members[value[x eq 1]]', 13, /cannot contain another/],
      ['name.givenName[x eq 1]', 14, /must follow a multi-valued attribute/],
      ['a b', 2, /unexpected "b" after the path \(whitespace is not allowed in a path\)/],
      ['members eq "x"', 8, /unexpected "eq" after the path/],
      ['"members"', 0, /expected an attribute path, found string "members"/],
      ['a.b.c', 3, /more than one sub-attribute level/],
      [`${CORE_USER}:`, 43, /expected an attribute name after the schema URN/],
    ]
    for (const [text, position, message] of errors) {
      it(JSON.stringify(text), () => {
        const err = syntaxError(() => parsePath(text))
        assert.match(err.message, message)
        assert.equal(err.position, position, err.message)
        assert.ok(err.message.startsWith(`invalid path at position ${position}: `), err.message)
      })
    }

    it('applies the length limit', () => {
      const err = syntaxError(() => parsePath('a'.repeat(1024 * 1024)))
      assert.equal(err.position, FILTER_LIMITS.maxLength)
    })
  })
})

/**
 * SCIM filter and PATCH path parsing.
 *
 * - Filters: RFC 7644 §3.4.2.2, Figure 1 (ABNF).
 * - PATCH paths: RFC 7644 §3.5.2, `PATH = attrPath / valuePath [subAttr]`.
 *
 * A hand-written tokenizer plus recursive-descent parser (see docs/decisions.md §9 for why
 * not scim2-parse-filter). Precedence per §3.4.2.2: grouping, then `not`, then `and`, then `or`.
 * Operators, `and`/`or`/`not` and `pr` are case-insensitive; attribute names keep their case here and
 * are resolved case-insensitively later (schema-definitions.ts). Every syntax error is a
 * FilterSyntaxError carrying the 0-based character offset where the problem was found.
 *
 * Lenient mode (FilterParseOptions) reads what IdPs send beyond the grammar; the lexer is driven by
 * the parser so that where a comparison value stands, an unquoted one can be read (Lexer.bareValue):
 * it runs to the next whitespace, `(`, `)`, `[`, `]` or `"`, so `and`/`or` after it, a closing
 * parenthesis or bracket end it; a JSON number or literal stays one, anything else is a string
 * (`meta.created gt 2015-10-10T14:38:21.8617979-07:00` compares as a dateTime because the attribute
 * is one). Strict parsing reads every token first, as the RFC grammar allows no such value.
 *
 * Input is bounded (FILTER_LIMITS): the length is checked before anything else, nesting depth is
 * capped so recursion cannot overflow the stack, and the number of attribute expressions is capped.
 * Tokenizing and parsing are linear in the input length.
 */
import type { CompareOp } from '../../domain/identity/query.js'
import type { AttrPath } from '../schema/schemas.js'
import { SCIM_LIMITS } from '../limits.js'
import type { Interpretation } from '../interpretation.js'
import { noteDialect, type DialectRule } from '../dialect-rules.js'

export type { CompareOp }

export type FilterValue = string | number | boolean | null

export type Filter =
  | { kind: 'and' | 'or'; filters: Filter[] }
  | { kind: 'not'; filter: Filter }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'compare'; op: CompareOp; path: AttrPath; value: FilterValue }
  /** `filter` paths are relative to the multi-valued attribute: their `attr` is the sub-attribute name. */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter }

/**
 * A PATCH operation path. `emails[type eq "work"].value` → `{ path: { attr: 'emails' }, valueFilter, subAttr: 'value' }`;
 * `name.givenName` → `{ path: { attr: 'name', sub: 'givenName' } }`.
 */
export interface PatchPath {
  path: AttrPath
  valueFilter?: Filter
  subAttr?: string
}

export class FilterSyntaxError extends Error {
  /** 0-based character offset into the parsed text. */
  readonly position: number
  /** The message without the `invalid filter at position N: ` prefix. */
  readonly detail: string

  constructor(position: number, detail: string, subject: 'filter' | 'path' = 'filter') {
    super(`invalid ${subject} at position ${position}: ${detail}`)
    this.name = 'FilterSyntaxError'
    this.position = position
    this.detail = detail
  }
}

/** The parser's bounds; their values live with every other promise the service makes (limits.ts). */
export const FILTER_LIMITS = Object.freeze({ maxLength: SCIM_LIMITS.filterMaxLength, maxDepth: SCIM_LIMITS.filterMaxDepth, maxTerms: SCIM_LIMITS.filterMaxTerms })

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])

// ---------------------------------------------------------------------------------------------
// Tokenizer

/** `bare`: an unquoted comparison value (lenient mode), its text as the value. */
type TokenKind = 'word' | 'string' | 'number' | 'bare' | '(' | ')' | '[' | ']' | '.' | 'end'

interface Token {
  kind: TokenKind
  start: number
  end: number
  /** Whether whitespace precedes the token. */
  space: boolean
  /** Source text of the token. */
  text: string
  /** Decoded value of a string or number token. */
  value?: string | number
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

/** Characters of an attribute path word: ATTRNAME chars, `.` (sub-attribute), `:` (URN), `$` (`$ref`). */
const isWordChar = (c: number): boolean => isAlpha(c) || isDigit(c) || c === 0x2d || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x24

const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)

// RFC 8259 §6 number, anchored at lastIndex.
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

const JSON_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0
  return code < 0x20 || code === 0x7f ? `character U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `character ${JSON.stringify(c)}`
}

/**
 * Reads tokens one at a time, so that the parser can ask for a bare value where one may stand
 * (lenient mode, `Lexer.bareValue`); strict parsing reads them all first (`all`).
 */
class Lexer {
  private i = 0

  constructor(
    private readonly text: string,
    private readonly subject: 'filter' | 'path',
  ) {}

  fail(position: number, detail: string): never {
    throw new FilterSyntaxError(position, detail, this.subject)
  }

  /** Skips whitespace; whether there was any. */
  private skipSpace(): boolean {
    const start = this.i
    while (this.i < this.text.length && isSpace(this.text.charCodeAt(this.i))) this.i++
    return this.i > start
  }

  /** All remaining tokens, the `end` token last. */
  all(): Token[] {
    const tokens: Token[] = []
    for (;;) {
      const t = this.next()
      tokens.push(t)
      if (t.kind === 'end') return tokens
    }
  }

  next(): Token {
    const { text } = this
    const space = this.skipSpace()
    const n = text.length
    const start = this.i
    if (start >= n) return { kind: 'end', start: n, end: n, space, text: '' }
    const c = text.charCodeAt(start)
    const ch = text[start] as string
    if (ch === '(' || ch === ')' || ch === '[' || ch === ']' || ch === '.') {
      this.i++
      return { kind: ch as TokenKind, start, end: start + 1, space, text: ch }
    }
    if (ch === '"') return this.string(start, space)
    if (c === 0x2d || isDigit(c)) {
      NUMBER.lastIndex = start
      const m = NUMBER.exec(text)
      const endPos = m ? start + m[0].length : start
      if (!m || (endPos < n && (isWordChar(text.charCodeAt(endPos)) || text[endPos] === '+'))) {
        let j = start + 1
        while (j < n && (isWordChar(text.charCodeAt(j)) || text[j] === '+')) j++
        this.fail(start, `invalid number ${JSON.stringify(text.slice(start, j))}`)
      }
      this.i = endPos
      return this.number(start, endPos, space)
    }
    if (isAlpha(c) || c === 0x24) {
      while (this.i < n && isWordChar(text.charCodeAt(this.i))) this.i++
      return { kind: 'word', start, end: this.i, space, text: text.slice(start, this.i) }
    }
    return this.fail(start, `unexpected ${describeChar(String.fromCodePoint(text.codePointAt(start) ?? c))}`)
  }

  private string(start: number, space: boolean): Token {
    const { text } = this
    const n = text.length
    let i = start + 1
    let closed = false
    while (i < n) {
      const d = text.charCodeAt(i)
      if (d === 0x22) {
        closed = true
        i++
        break
      }
      if (d === 0x5c) {
        const e = text[i + 1]
        if (e === undefined) break
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!isHex(text.charCodeAt(i + k))) this.fail(i, 'invalid \\u escape in string: expected 4 hexadecimal digits')
          }
          i += 6
        } else if (JSON_ESCAPES.has(e)) {
          i += 2
        } else {
          this.fail(i, `invalid escape ${JSON.stringify('\\' + e)} in string`)
        }
        continue
      }
      if (d < 0x20) this.fail(i, `unescaped control ${describeChar(text[i] as string)} in string`)
      i++
    }
    if (!closed) this.fail(start, 'unterminated string')
    this.i = i
    const lexeme = text.slice(start, i)
    return { kind: 'string', start, end: i, space, text: lexeme, value: JSON.parse(lexeme) as string }
  }

  private number(start: number, end: number, space: boolean): Token {
    const lexeme = this.text.slice(start, end)
    const value = Number(lexeme)
    if (!Number.isFinite(value)) this.fail(start, `number ${lexeme} is out of range`)
    return { kind: 'number', start, end, space, text: lexeme, value }
  }

  /**
   * The token where a comparison value stands, in lenient mode: a quoted string as always, else a
   * bare value — the characters up to the next whitespace, parenthesis, bracket or double quote
   * (none of which a bare value can hold), read as a JSON number or literal when it is one, else
   * as a string (`bare` token). Nothing there (end, `)`, `]`): the ordinary token, for the error.
   */
  bareValue(): Token {
    const save = this.i
    const space = this.skipSpace()
    const { text } = this
    const start = this.i
    let end = start
    while (end < text.length && !endsBareValue(text.charCodeAt(end))) end++
    if (end === start) {
      this.i = save
      return this.next()
    }
    const lexeme = text.slice(start, end)
    this.i = end
    const control = [...lexeme].find((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f')
    if (control !== undefined) this.fail(start + lexeme.indexOf(control), `unexpected ${describeChar(control)}`)
    NUMBER.lastIndex = 0
    const m = NUMBER.exec(lexeme)
    if (m && m[0].length === lexeme.length) return this.number(start, end, space)
    return { kind: 'bare', start, end, space, text: lexeme, value: lexeme }
  }
}

/** What ends a bare value: whitespace, `(`, `)`, `[`, `]`, `"`. */
const endsBareValue = (c: number): boolean => isSpace(c) || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x22

// ---------------------------------------------------------------------------------------------
// Attribute paths

const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/

const isAttrName = (s: string): boolean => ATTRNAME.test(s) || s.toLowerCase() === '$ref'

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of input'
    case 'string':
      return `string ${t.text.length > 40 ? t.text.slice(0, 37) + '..."' : t.text}`
    case 'number':
      return `number ${t.text.length > 40 ? t.text.slice(0, 37) + '...' : t.text}`
    default:
      return JSON.stringify(t.text.length > 60 ? t.text.slice(0, 57) + '...' : t.text)
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

type Closer = 'end' | ')' | ']'

/** How the parser reads what the RFC grammar does not have. */
export interface FilterParseOptions {
  /**
   * Lenient mode (the default tenant mode; strict mode refuses these as RFC 7644 does):
   * - `emails[type eq "work"].value eq "x"` (Entra ID), read as `emails[type eq "work" and value eq "x"]`;
   * - unquoted comparison values (`userName eq bjensen`, `meta.created gt 2015-10-10T14:38:21.86-07:00`),
   *   read as strings (see Lexer.bareValue); `True`/`FALSE`/`Null` as the JSON literals.
   */
  lenient?: boolean
  /** Where each lenient reading is noted (src/scim/interpretation.ts). */
  notes?: Interpretation
  /** Put before each note's detail: where in the request the text was (`Operations[2]: `). */
  where?: string
}

class Parser {
  private pos = 0
  private depth = 0
  private terms = 0
  private readonly tokens: Token[] = []
  private readonly lenient: boolean

  constructor(
    private readonly lexer: Lexer,
    private readonly subject: 'filter' | 'path',
    private readonly options: FilterParseOptions = {},
  ) {
    this.lenient = options.lenient ?? false
    // Strict parsing reads every token first, so a bad character is reported wherever it is.
    if (!this.lenient) this.tokens.push(...lexer.all())
  }

  fail(position: number, detail: string): never {
    throw new FilterSyntaxError(position, detail, this.subject)
  }

  peek(offset = 0): Token {
    while (this.tokens.length <= this.pos + offset && this.tokens[this.tokens.length - 1]?.kind !== 'end') this.tokens.push(this.lexer.next())
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token
  }

  note(rule: DialectRule, detail: string): void {
    noteDialect(this.options.notes, rule, `${this.options.where ?? ''}${detail}`)
  }

  /** The token where a comparison value stands: in lenient mode, a bare value if there is one. */
  peekValue(): Token {
    if (this.lenient && this.tokens.length === this.pos) this.tokens.push(this.lexer.bareValue())
    return this.peek()
  }

  next(): Token {
    const t = this.peek()
    if (t.kind !== 'end') this.pos++
    return t
  }

  /** Is the current token the keyword `kw` (case-insensitive)? */
  atKeyword(kw: string): boolean {
    const t = this.peek()
    return t.kind === 'word' && t.text.toLowerCase() === kw
  }

  /** Parses an attribute path from a word token. */
  attrPath(t: Token): AttrPath {
    if (t.kind !== 'word') this.fail(t.start, `expected an attribute path, found ${describe(t)}`)
    const word = t.text
    const colon = word.lastIndexOf(':')
    let uri: string | undefined
    let rest = word
    let restStart = t.start
    if (colon >= 0) {
      uri = word.slice(0, colon)
      rest = word.slice(colon + 1)
      restStart = t.start + colon + 1
      const segments = uri.split(':')
      if (segments.length < 3 || segments[0]?.toLowerCase() !== 'urn' || segments.some((s) => s === '')) {
        this.fail(t.start, `invalid schema URN ${JSON.stringify(uri)} in attribute path ${JSON.stringify(word)}`)
      }
      if (rest === '') this.fail(restStart, `expected an attribute name after the schema URN ${JSON.stringify(uri)}`)
    }
    const dot = rest.indexOf('.')
    const attr = dot < 0 ? rest : rest.slice(0, dot)
    const sub = dot < 0 ? undefined : rest.slice(dot + 1)
    if (!isAttrName(attr)) this.fail(restStart, `invalid attribute name ${JSON.stringify(attr)}`)
    if (sub !== undefined) {
      const subStart = restStart + dot + 1
      const extra = sub.indexOf('.')
      if (extra >= 0) this.fail(subStart + extra, `attribute path ${JSON.stringify(word)} has more than one sub-attribute level`)
      if (!isAttrName(sub)) this.fail(subStart, `invalid sub-attribute name ${JSON.stringify(sub)}`)
    }
    const path: AttrPath = uri !== undefined ? { uri, attr } : { attr }
    if (sub !== undefined) path.sub = sub
    return path
  }

  /** `or` level: and-expressions separated by `or`. */
  orExpr(inValue: boolean): Filter {
    const items: Filter[] = []
    push(items, this.andExpr(inValue), 'or')
    while (this.atKeyword('or') && this.peek().space) {
      this.logicalOperator('or')
      push(items, this.andExpr(inValue), 'or')
    }
    return items.length === 1 ? (items[0] as Filter) : { kind: 'or', filters: items }
  }

  andExpr(inValue: boolean): Filter {
    const items: Filter[] = []
    push(items, this.unary(inValue), 'and')
    while (this.atKeyword('and') && this.peek().space) {
      this.logicalOperator('and')
      push(items, this.unary(inValue), 'and')
    }
    return items.length === 1 ? (items[0] as Filter) : { kind: 'and', filters: items }
  }

  logicalOperator(kw: string): void {
    const op = this.next()
    const following = this.peek()
    if (following.kind === 'end') this.fail(following.start, `expected a filter after ${JSON.stringify(op.text)}`)
    if (!following.space) this.fail(following.start, `expected a space after ${JSON.stringify(kw)}`)
  }

  /** A parenthesised group, `not (...)`, or an attribute expression. */
  unary(inValue: boolean): Filter {
    const t = this.peek()
    if (t.kind === '(') {
      this.next()
      return this.group(t, inValue)
    }
    if (t.kind === 'word' && t.text.toLowerCase() === 'not') {
      const after = this.peek(1)
      if (after.kind === '(') {
        this.next()
        this.next()
        return { kind: 'not', filter: this.group(after, inValue) }
      }
      // `not` is also a legal attribute name: `not pr`, `not eq 1`. Anything else is a missing "(".
      const isOperator = after.kind === 'word' && after.space && (COMPARE_OPS.has(after.text.toLowerCase()) || after.text.toLowerCase() === 'pr')
      if (!isOperator && !(after.kind === '[' && !after.space)) {
        this.fail(after.start, `expected "(" after "not", found ${describe(after)}`)
      }
    }
    return this.attrExpr(inValue)
  }

  group(open: Token, inValue: boolean): Filter {
    this.enter(open)
    const inner = this.orExpr(inValue)
    const close = this.peek()
    if (close.kind !== ')') this.unexpectedAfterExpression(close, ')', open)
    this.next()
    this.depth--
    return inner
  }

  enter(open: Token): void {
    if (++this.depth > FILTER_LIMITS.maxDepth) {
      this.fail(open.start, `nesting deeper than ${FILTER_LIMITS.maxDepth} levels`)
    }
  }

  attrExpr(inValue: boolean): Filter {
    const t = this.next()
    if (t.kind !== 'word') this.fail(t.start, `expected an attribute path, found ${describe(t)}`)
    const path = this.attrPath(t)
    if (++this.terms > FILTER_LIMITS.maxTerms) {
      this.fail(t.start, `more than ${FILTER_LIMITS.maxTerms} attribute expressions`)
    }
    const op = this.peek()
    if (op.kind === '[') {
      if (op.space) this.fail(op.start, `unexpected whitespace before "["`)
      if (inValue) this.fail(op.start, 'a value filter cannot contain another "[...]" filter')
      if (path.sub !== undefined) {
        this.fail(op.start, `a value filter must follow a multi-valued attribute, not the sub-attribute ${JSON.stringify(t.text)}`)
      }
      this.next()
      const inner = this.valueFilter(op)
      const dot = this.peek()
      if (this.lenient && dot.kind === '.' && !dot.space) return this.subAttrComparison(path, inner)
      return { kind: 'valuePath', path, filter: inner }
    }
    return this.comparisonAfter(path, t)
  }

  /** The operator and value after an attribute path (`t` is the path's token, for messages). */
  comparisonAfter(path: AttrPath, t: Token): Filter {
    const op = this.peek()
    if (op.kind !== 'word' || !op.space) {
      this.fail(op.start, `expected a comparison operator after ${JSON.stringify(t.text)}, found ${describe(op)}`)
    }
    const name = op.text.toLowerCase()
    if (name === 'pr') {
      this.next()
      const after = this.peek()
      if (after.kind === 'string' || after.kind === 'number' || (after.kind === 'word' && isLiteral(after.text))) {
        this.fail(after.start, `"pr" takes no value, found ${describe(after)}`)
      }
      return { kind: 'present', path }
    }
    if (!COMPARE_OPS.has(name)) {
      this.fail(op.start, `expected a comparison operator after ${JSON.stringify(t.text)}, found ${describe(op)}`)
    }
    this.next()
    return { kind: 'compare', op: name as CompareOp, path, value: this.value(op) }
  }

  /**
   * The Entra ID form `attr[filter].sub op value`: not in the RFC grammar, but unambiguous. It means
   * "an element matching the filter whose sub-attribute compares so", which is a value filter.
   */
  subAttrComparison(path: AttrPath, inner: Filter): Filter {
    this.next()
    const sub = this.next()
    if (sub.kind !== 'word' || sub.space || !isAttrName(sub.text)) this.fail(sub.start, `expected a sub-attribute name after "].", found ${describe(sub)}`)
    const comparison = this.comparisonAfter({ attr: sub.text }, sub)
    const filters: Filter[] = []
    push(filters, inner, 'and')
    filters.push(comparison)
    return { kind: 'valuePath', path, filter: { kind: 'and', filters } }
  }

  valueFilter(open: Token): Filter {
    this.enter(open)
    const inner = this.orExpr(true)
    const close = this.peek()
    if (close.kind !== ']') this.unexpectedAfterExpression(close, ']', open)
    this.next()
    this.depth--
    return inner
  }

  value(op: Token): FilterValue {
    const t = this.peekValue()
    if (t.kind === 'end' || t.kind === ')' || t.kind === ']') {
      this.fail(t.start, `expected a value after ${JSON.stringify(op.text)}, found ${describe(t)}`)
    }
    if (!t.space) this.fail(t.start, `expected a space after ${JSON.stringify(op.text)}`)
    this.next()
    if (t.kind === 'string' || t.kind === 'number') return t.value as string | number
    if (t.kind === 'word' || t.kind === 'bare') {
      if (t.text === 'true') return true
      if (t.text === 'false') return false
      if (t.text === 'null') return null
      if (isLiteral(t.text)) {
        if (this.lenient) {
          this.note('filter-literal-case', `${t.text} read as ${t.text.toLowerCase()}`)
          return JSON.parse(t.text.toLowerCase()) as boolean | null
        }
        this.fail(t.start, `invalid value ${JSON.stringify(t.text)}: JSON literals are lower-case (true, false, null)`)
      }
      if (t.kind === 'bare') {
        const as = RFC3339_DATE_TIME.test(t.text) ? 'the dateTime' : 'the string'
        this.note('filter-unquoted-value', `${clip(t.text)} read as ${as} ${JSON.stringify(clip(t.text))}`)
        return t.text
      }
      this.fail(t.start, `invalid value ${JSON.stringify(t.text)}: strings must be enclosed in double quotes`)
    }
    return this.fail(t.start, `expected a value after ${JSON.stringify(op.text)}, found ${describe(t)}`)
  }

  /** Reports whatever stands where a closer (`)`, `]`, end of input) or `and`/`or` was expected. */
  unexpectedAfterExpression(t: Token, closer: Closer, open?: Token): never {
    if (t.kind === '.' && this.tokens[this.pos - 1]?.kind === ']' && this.subject === 'filter') {
      this.fail(t.start, 'a sub-attribute after "]" is only allowed in a PATCH path')
    }
    if (t.kind === 'word' && !t.space && (t.text.toLowerCase() === 'and' || t.text.toLowerCase() === 'or')) {
      this.fail(t.start, `expected a space before ${JSON.stringify(t.text)}`)
    }
    if (t.kind === 'end') {
      const what = closer === ')' ? '")"' : '"]"'
      this.fail(t.start, `expected ${what} to close ${JSON.stringify(open?.text ?? '')} at position ${open?.start ?? 0}, found end of input`)
    }
    if (closer === 'end' && (t.kind === ')' || t.kind === ']')) {
      this.fail(t.start, `unbalanced ${JSON.stringify(t.text)} without a matching ${t.kind === ')' ? '"("' : '"["'}`)
    }
    if ((t.kind === ')' || t.kind === ']') && closer !== t.kind) {
      this.fail(t.start, `expected ${JSON.stringify(closer)} to close ${JSON.stringify(open?.text ?? '')} at position ${open?.start ?? 0}, found ${describe(t)}`)
    }
    const expected = closer === 'end' ? '"and", "or" or end of input' : `"and", "or" or ${JSON.stringify(closer)}`
    this.fail(t.start, `expected ${expected}, found ${describe(t)}`)
  }

  /** Whole filter: `FILTER` then end of input. */
  filter(): Filter {
    if (this.peek().kind === 'end') this.fail(this.peek().start, 'empty filter')
    const f = this.orExpr(false)
    const t = this.peek()
    if (t.kind !== 'end') this.unexpectedAfterExpression(t, 'end')
    return f
  }

  /** Whole PATCH path: `attrPath / valuePath [subAttr]` then end of input. */
  patchPath(): PatchPath {
    const first = this.next()
    if (first.kind === 'end') this.fail(first.start, 'empty path')
    if (first.kind !== 'word') this.fail(first.start, `expected an attribute path, found ${describe(first)}`)
    const path = this.attrPath(first)
    const result: PatchPath = { path }
    let t = this.peek()
    if (t.kind === '[') {
      if (t.space) this.fail(t.start, 'unexpected whitespace before "["')
      if (path.sub !== undefined) {
        this.fail(t.start, `a value filter must follow a multi-valued attribute, not the sub-attribute ${JSON.stringify(first.text)}`)
      }
      this.next()
      result.valueFilter = this.valueFilter(t)
      t = this.peek()
      if (t.kind === '.') {
        if (t.space) this.fail(t.start, 'unexpected whitespace before "."')
        this.next()
        const sub = this.peek()
        if (sub.kind !== 'word' || sub.space) this.fail(sub.start, `expected a sub-attribute name after "].", found ${describe(sub)}`)
        if (!isAttrName(sub.text)) this.fail(sub.start, `invalid sub-attribute name ${JSON.stringify(sub.text)}`)
        this.next()
        result.subAttr = sub.text
        t = this.peek()
      }
    }
    if (t.kind !== 'end') {
      if (t.space) this.fail(t.start, `unexpected ${describe(t)} after the path (whitespace is not allowed in a path)`)
      this.fail(t.start, `unexpected ${describe(t)} after the path`)
    }
    return result
  }
}

/**
 * RFC 3339 §5.6 date-time, any number of fractional digits, `Z` or an offset: how a bare value is
 * told to be a dateTime (for the note only: it is a string operand either way, and the attribute's
 * type decides how it compares).
 */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/

/** A value as a note shows it: notes stay short whatever the filter holds. */
const clip = (text: string): string => (text.length > 100 ? `${text.slice(0, 97)}...` : text)

const isLiteral = (word: string): boolean => {
  const w = word.toLowerCase()
  return w === 'true' || w === 'false' || w === 'null'
}

/** Appends `f` to an n-ary list, splicing in children of a nested node of the same kind. */
function push(items: Filter[], f: Filter, kind: 'and' | 'or'): void {
  if (f.kind === kind) items.push(...f.filters)
  else items.push(f)
}

function checkInput(text: unknown, subject: 'filter' | 'path'): string {
  if (typeof text !== 'string') throw new FilterSyntaxError(0, `the ${subject} must be a string`, subject)
  if (text.length > FILTER_LIMITS.maxLength) {
    throw new FilterSyntaxError(FILTER_LIMITS.maxLength, `the ${subject} is longer than ${FILTER_LIMITS.maxLength} characters`, subject)
  }
  return text
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2). Throws FilterSyntaxError. `lenient` also accepts the
 * forms FilterParseOptions lists, noting each in `notes`.
 */
export function parseFilter(text: string, options: FilterParseOptions = {}): Filter {
  const input = checkInput(text, 'filter')
  return new Parser(new Lexer(input, 'filter'), 'filter', options).filter()
}

/**
 * Parses a PATCH operation path (RFC 7644 §3.5.2). Throws FilterSyntaxError. `lenient` accepts
 * unquoted values in its value filter (`emails[type eq work].value`).
 */
export function parsePath(text: string, options: FilterParseOptions = {}): PatchPath {
  const input = checkInput(text, 'path')
  return new Parser(new Lexer(input, 'path'), 'path', options).patchPath()
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function formatAttrPath(p: AttrPath): string {
  return `${p.uri !== undefined ? p.uri + ':' : ''}${p.attr}${p.sub !== undefined ? '.' + p.sub : ''}`
}

function formatValue(v: FilterValue): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`cannot format the number ${v} as a filter value`)
  return JSON.stringify(v)
}

/**
 * Canonical serialisation: lower-case operators and keywords, single spaces, JSON values, and only
 * the parentheses precedence needs (an `or` inside an `and`). parseFilter(formatFilter(f)) deep-equals
 * f for any f produced by parseFilter.
 */
export function formatFilter(f: Filter): string {
  switch (f.kind) {
    case 'and':
    case 'or': {
      if (f.filters.length === 0) throw new TypeError(`cannot format an empty "${f.kind}"`)
      return f.filters.map((c) => (f.kind === 'and' && c.kind === 'or' ? `(${formatFilter(c)})` : formatFilter(c))).join(` ${f.kind} `)
    }
    case 'not':
      return `not (${formatFilter(f.filter)})`
    case 'present':
      return `${formatAttrPath(f.path)} pr`
    case 'compare':
      return `${formatAttrPath(f.path)} ${f.op} ${formatValue(f.value)}`
    case 'valuePath':
      return `${formatAttrPath(f.path)}[${formatFilter(f.filter)}]`
  }
}

export function formatPatchPath(p: PatchPath): string {
  let s = formatAttrPath(p.path)
  if (p.valueFilter) s += `[${formatFilter(p.valueFilter)}]`
  if (p.subAttr !== undefined) s += `.${p.subAttr}`
  return s
}

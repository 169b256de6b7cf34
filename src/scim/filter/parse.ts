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
 * Input is bounded (FILTER_LIMITS): the length is checked before anything else, nesting depth is
 * capped so recursion cannot overflow the stack, and the number of attribute expressions is capped.
 * Tokenizing and parsing are linear in the input length.
 */
import type { CompareOp } from '../../domain/identity/query.js'
import type { AttrPath } from '../schema/schemas.js'
import { SCIM_LIMITS } from '../limits.js'

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

type TokenKind = 'word' | 'string' | 'number' | '(' | ')' | '[' | ']' | '.' | 'end'

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

function tokenize(text: string, subject: 'filter' | 'path'): Token[] {
  const fail = (position: number, detail: string): never => {
    throw new FilterSyntaxError(position, detail, subject)
  }
  const tokens: Token[] = []
  const n = text.length
  let i = 0
  let space = false
  while (i < n) {
    const c = text.charCodeAt(i)
    if (isSpace(c)) {
      space = true
      i++
      continue
    }
    const start = i
    const ch = text[i] as string
    if (ch === '(' || ch === ')' || ch === '[' || ch === ']' || ch === '.') {
      tokens.push({ kind: ch as TokenKind, start, end: i + 1, space, text: ch })
      i++
    } else if (ch === '"') {
      i++
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
              if (!isHex(text.charCodeAt(i + k))) fail(i, 'invalid \\u escape in string: expected 4 hexadecimal digits')
            }
            i += 6
          } else if (JSON_ESCAPES.has(e)) {
            i += 2
          } else {
            fail(i, `invalid escape ${JSON.stringify('\\' + e)} in string`)
          }
          continue
        }
        if (d < 0x20) fail(i, `unescaped control ${describeChar(text[i] as string)} in string`)
        i++
      }
      if (!closed) fail(start, 'unterminated string')
      const lexeme = text.slice(start, i)
      tokens.push({ kind: 'string', start, end: i, space, text: lexeme, value: JSON.parse(lexeme) as string })
    } else if (c === 0x2d || isDigit(c)) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      const endPos = m ? i + m[0].length : i
      if (!m || (endPos < n && (isWordChar(text.charCodeAt(endPos)) || text[endPos] === '+'))) {
        let j = i + 1
        while (j < n && (isWordChar(text.charCodeAt(j)) || text[j] === '+')) j++
        fail(start, `invalid number ${JSON.stringify(text.slice(start, j))}`)
      }
      const lexeme = text.slice(start, endPos)
      const value = Number(lexeme)
      if (!Number.isFinite(value)) fail(start, `number ${lexeme} is out of range`)
      tokens.push({ kind: 'number', start, end: endPos, space, text: lexeme, value })
      i = endPos
    } else if (isAlpha(c) || c === 0x24) {
      while (i < n && isWordChar(text.charCodeAt(i))) i++
      tokens.push({ kind: 'word', start, end: i, space, text: text.slice(start, i) })
    } else {
      fail(start, `unexpected ${describeChar(String.fromCodePoint(text.codePointAt(start) ?? c))}`)
    }
    space = false
  }
  tokens.push({ kind: 'end', start: n, end: n, space, text: '' })
  return tokens
}

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

class Parser {
  private pos = 0
  private depth = 0
  private terms = 0

  constructor(
    private readonly tokens: Token[],
    private readonly subject: 'filter' | 'path',
    /** Accept `emails[type eq "work"].value eq "x"` (Entra ID), read as `emails[type eq "work" and value eq "x"]`. */
    private readonly lenient = false,
  ) {}

  fail(position: number, detail: string): never {
    throw new FilterSyntaxError(position, detail, this.subject)
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token
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
    const t = this.peek()
    if (t.kind === 'end' || t.kind === ')' || t.kind === ']') {
      this.fail(t.start, `expected a value after ${JSON.stringify(op.text)}, found ${describe(t)}`)
    }
    if (!t.space) this.fail(t.start, `expected a space after ${JSON.stringify(op.text)}`)
    this.next()
    if (t.kind === 'string' || t.kind === 'number') return t.value as string | number
    if (t.kind === 'word') {
      if (t.text === 'true') return true
      if (t.text === 'false') return false
      if (t.text === 'null') return null
      if (isLiteral(t.text)) {
        this.fail(t.start, `invalid value ${JSON.stringify(t.text)}: JSON literals are lower-case (true, false, null)`)
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
 * Entra ID form `emails[type eq "work"].value eq "x"` (see Parser.subAttrComparison).
 */
export function parseFilter(text: string, options: { lenient?: boolean } = {}): Filter {
  const input = checkInput(text, 'filter')
  return new Parser(tokenize(input, 'filter'), 'filter', options.lenient ?? false).filter()
}

/** Parses a PATCH operation path (RFC 7644 §3.5.2). Throws FilterSyntaxError. */
export function parsePath(text: string): PatchPath {
  const input = checkInput(text, 'path')
  return new Parser(tokenize(input, 'path'), 'path').patchPath()
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

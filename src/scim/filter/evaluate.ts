/**
 * In-memory evaluation of a value filter (the `[...]` of a valuePath, RFC 7644 §3.4.2.2) against ONE
 * element of a multi-valued attribute. PATCH uses it for paths like `emails[type eq "work"].value`;
 * list queries are compiled to SQL elsewhere (src/store), not here.
 *
 * Semantics (RFC 7644 §3.4.2.2, Table 3):
 * - Sub-attribute names resolve case-insensitively against the multi-valued attribute's definition
 *   (plus the implicit RFC 7643 §2.4 `primary`, see projection.ts `subAttributesOf`); an unknown name
 *   is a 400 `invalidFilter` (a filter that can never match is a client bug).
 * - Strings (and references) compare by the sub-attribute's `caseExact`; binary is always case-exact.
 *   `gt`/`ge`/`lt`/`le` on strings are lexicographic (UTF-16 code units, after case folding when
 *   not caseExact).
 * - dateTime compares chronologically (`2011-05-13T04:42:34Z` eq `2011-05-13T04:42:34.000Z`), both
 *   sides read with values.ts `normaliseDateTime` (no time zone = UTC, any offset); a filter value
 *   finer than milliseconds keeps its precision (`beyondMilliseconds`).
 * - integer/decimal compare numerically; booleans with `eq`/`ne` only.
 * - `gt`/`ge`/`lt`/`le` on boolean or binary, `co`/`sw`/`ew` on boolean or numbers, and a filter
 *   value whose JSON type does not fit the attribute's type are 400 `invalidFilter`.
 * - `eq null` matches an unassigned sub-attribute, `ne null` an assigned one.
 * - `ne` is the negation of `eq`: an element without the sub-attribute matches `type ne "work"`.
 * - `pr`: a value that is not null, "", [] or {}.
 * - A multi-valued sub-attribute matches when any of its values matches.
 * - For a multi-valued attribute that is not complex (RFC 7644 §3.5.2.2 "comparing a value"),
 *   the name `value` stands for the element itself.
 */
import type { AttrPath } from '../schema/schemas.js'
import type { CompareOp, Filter, FilterParseOptions, FilterValue } from './parse.js'
import { FilterSyntaxError, formatAttrPath, parseFilter } from './parse.js'
import { badRequest } from '../errors.js'
import { subAttributesOf, type ValueFilterReader } from '../schema/projection.js'
import { characteristics, type AttributeDefinition, type AttributeType, type ResolvedAttribute, type SchemaRegistry } from '../schema/schemas.js'
import { normaliseDateTime } from '../schema/values.js'

export type FilterParent = ResolvedAttribute | AttributeDefinition

/** What a filter attribute path designates inside one element. */
interface Operand {
  /** `undefined` when the path names the element itself (non-complex multi-valued attribute). */
  key?: string
  label: string
  type: AttributeType
  caseExact: boolean
  multiValued: boolean
}

const definitionOf = (parent: FilterParent): AttributeDefinition => ('definition' in parent ? parent.definition : parent)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const invalidFilter = (detail: string): never => {
  throw badRequest('invalidFilter', detail)
}

/** Epoch milliseconds of an xsd:dateTime (normalised as stored documents are), or undefined. */
export function dateTimeMillis(text: string): number | undefined {
  const iso = normaliseDateTime(text)
  return iso === undefined ? undefined : Date.parse(iso)
}

/**
 * Whether an xsd:dateTime is more precise than the milliseconds values are kept at
 * (`…:21.8617979-07:00`): reading it truncates to `…:21.861`, so it lies strictly between that
 * millisecond and the next, which no kept value equals. Comparisons account for it
 * (`orderAgainst` here, resolve.ts `dateTimeLeaf` for the store).
 */
export function beyondMilliseconds(text: string): boolean {
  const fraction = /T\d{2}:\d{2}:\d{2}\.\d{3}(\d+)/i.exec(text)?.[1]
  return fraction !== undefined && /[1-9]/.test(fraction)
}

// ---------------------------------------------------------------------------------------------
// Resolution

function resolveOperand(registry: SchemaRegistry, parent: FilterParent, path: AttrPath): Operand {
  const def = definitionOf(parent)
  const label = `${def.name}[${formatAttrPath(path)}]`
  if (def.type !== 'complex') {
    if (path.uri === undefined && path.sub === undefined && path.attr.toLowerCase() === 'value') {
      const c = characteristics(def)
      return { label, type: def.type, caseExact: c.caseExact, multiValued: false }
    }
    return invalidFilter(`"${formatAttrPath(path)}" is not valid in a filter on "${def.name}": its values are not complex, use "value"`)
  }
  let sub: AttributeDefinition | undefined
  if (path.uri !== undefined) {
    // Fully qualified: urn:…:User:emails.type inside emails[...]
    const schema = 'schema' in parent ? parent.schema : undefined
    const resolved = schema !== undefined && path.sub !== undefined ? registry.findAttribute([schema], path) : undefined
    if (resolved && resolved.parent && resolved.name.toLowerCase() === def.name.toLowerCase()) sub = resolved.definition
  } else if (path.sub === undefined) {
    const key = path.attr.toLowerCase()
    sub = subAttributesOf(def).find((a) => a.name.toLowerCase() === key)
  }
  if (!sub) return invalidFilter(`"${formatAttrPath(path)}" is not a sub-attribute of "${def.name}"`)
  const c = characteristics(sub)
  return { key: sub.name, label: `${def.name}.${sub.name}`, type: sub.type, caseExact: c.caseExact, multiValued: sub.multiValued }
}

/** Own property lookup, canonical name first, then case-insensitively. */
function readOwn(element: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(element, key)) return element[key]
  const lower = key.toLowerCase()
  for (const k of Object.keys(element)) if (k.toLowerCase() === lower) return element[k]
  return undefined
}

function operandValue(operand: Operand, element: unknown): unknown {
  if (operand.key === undefined) return element
  return isObject(element) ? readOwn(element, operand.key) : undefined
}

const isPresent = (v: unknown): boolean => {
  if (v === undefined || v === null || v === '') return false
  if (Array.isArray(v)) return v.some(isPresent)
  if (isObject(v)) return Object.values(v).some(isPresent)
  return true
}

// ---------------------------------------------------------------------------------------------
// Comparison

const ORDERING: ReadonlySet<CompareOp> = new Set<CompareOp>(['gt', 'ge', 'lt', 'le'])
const SUBSTRING: ReadonlySet<CompareOp> = new Set<CompareOp>(['co', 'sw', 'ew'])

type Comparator = (actual: unknown) => boolean

function ordered(op: CompareOp, cmp: number): boolean {
  switch (op) {
    case 'eq':
      return cmp === 0
    case 'ne':
      return cmp !== 0
    case 'gt':
      return cmp > 0
    case 'ge':
      return cmp >= 0
    case 'lt':
      return cmp < 0
    case 'le':
      return cmp <= 0
    default:
      return false
  }
}

/** Builds the single-value comparator, validating the operator and value against the type. */
function comparator(operand: Operand, op: CompareOp, value: Exclude<FilterValue, null>): Comparator {
  const where = `"${operand.label}"`
  const typeName = operand.type
  switch (operand.type) {
    case 'boolean': {
      let expected: boolean | undefined = typeof value === 'boolean' ? value : undefined
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) expected = value.toLowerCase() === 'true'
      if (expected === undefined) return invalidFilter(`${where} is a boolean; cannot compare it with ${JSON.stringify(value)}`)
      if (op !== 'eq' && op !== 'ne') return invalidFilter(`${where} is a boolean; "${op}" is not supported (only eq and ne)`)
      return (actual) => typeof actual === 'boolean' && ordered(op, actual === expected ? 0 : 1)
    }
    case 'integer':
    case 'decimal': {
      if (typeof value !== 'number') return invalidFilter(`${where} is a number (${typeName}); cannot compare it with ${JSON.stringify(value)}`)
      if (SUBSTRING.has(op)) return invalidFilter(`${where} is a number; "${op}" is not supported`)
      return (actual) => typeof actual === 'number' && ordered(op, actual === value ? 0 : actual > value ? 1 : -1)
    }
    case 'dateTime': {
      if (typeof value !== 'string') return invalidFilter(`${where} is a dateTime; cannot compare it with ${JSON.stringify(value)}`)
      if (SUBSTRING.has(op)) return stringComparator(op, value, true)
      const expected = dateTimeMillis(value)
      if (expected === undefined) return invalidFilter(`${where} is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime`)
      // A value in the expected millisecond is still before an expected value beyond it.
      const atExpected = beyondMilliseconds(value) ? -1 : 0
      return (actual) => {
        const t = typeof actual === 'string' ? dateTimeMillis(actual) : undefined
        return t !== undefined && ordered(op, t === expected ? atExpected : t > expected ? 1 : -1)
      }
    }
    case 'binary':
      if (ORDERING.has(op)) return invalidFilter(`${where} is binary; "${op}" is not supported`)
      if (typeof value !== 'string') return invalidFilter(`${where} is binary; cannot compare it with ${JSON.stringify(value)}`)
      return stringComparator(op, value, true)
    case 'string':
    case 'reference':
      if (typeof value !== 'string') return invalidFilter(`${where} is a string; cannot compare it with ${JSON.stringify(value)}`)
      return stringComparator(op, value, operand.caseExact)
    case 'complex':
      return invalidFilter(`${where} is complex; only "pr" applies to it`)
  }
}

function stringComparator(op: CompareOp, value: string, caseExact: boolean): Comparator {
  const fold = (s: string): string => (caseExact ? s : s.toLowerCase())
  const expected = fold(value)
  return (actual) => {
    if (typeof actual !== 'string') return false
    const a = fold(actual)
    switch (op) {
      case 'co':
        return a.includes(expected)
      case 'sw':
        return a.startsWith(expected)
      case 'ew':
        return a.endsWith(expected)
      default:
        return ordered(op, a === expected ? 0 : a > expected ? 1 : -1)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation

export type ElementPredicate = (element: unknown) => boolean

/**
 * Validates `filter` against the multi-valued attribute `parentAttr` and returns a predicate over
 * its elements. Throws ScimError 400 `invalidFilter` for unknown sub-attributes, nested value
 * filters and unsupported operator/type combinations — before any element is looked at, so an
 * empty attribute reports the same errors as a full one.
 */
export function compileValueFilter(registry: SchemaRegistry, parentAttr: FilterParent, filter: Filter): ElementPredicate {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((f) => compileValueFilter(registry, parentAttr, f))
      return filter.kind === 'and' ? (e) => parts.every((p) => p(e)) : (e) => parts.some((p) => p(e))
    }
    case 'not': {
      const inner = compileValueFilter(registry, parentAttr, filter.filter)
      return (e) => !inner(e)
    }
    case 'present': {
      const operand = resolveOperand(registry, parentAttr, filter.path)
      return (e) => isPresent(operandValue(operand, e))
    }
    case 'compare': {
      const operand = resolveOperand(registry, parentAttr, filter.path)
      const { op, value } = filter
      if (value === null) {
        if (op !== 'eq' && op !== 'ne') return invalidFilter(`"${operand.label}": "${op}" cannot compare with null`)
        return op === 'eq' ? (e) => !isPresent(operandValue(operand, e)) : (e) => isPresent(operandValue(operand, e))
      }
      const test = comparator(operand, op, value)
      return (e) => {
        const actual = operandValue(operand, e)
        if (actual === undefined || actual === null) return op === 'ne'
        // A multi-valued sub-attribute matches when any of its values does.
        if (Array.isArray(actual)) return actual.length === 0 ? op === 'ne' : actual.some((v) => test(v))
        return test(actual)
      }
    }
    case 'valuePath':
      return invalidFilter(`a value filter cannot contain another value filter ("${formatAttrPath(filter.path)}[...]")`)
  }
}

/**
 * Whether one element of the multi-valued attribute `parentAttr` matches the value filter.
 * Throws ScimError 400 `invalidFilter` when the filter does not fit the attribute (see above).
 */
export function matchesFilter(registry: SchemaRegistry, parentAttr: FilterParent, element: unknown, filter: Filter): boolean {
  return compileValueFilter(registry, parentAttr, filter)(element)
}

/**
 * Reads the value filters of `attributes` / `excludedAttributes` names (`emails[type eq "work"]`,
 * lenient mode; projection.ts `ValueFilterReader`): parsed as filters are (`options`: lenient,
 * notes), checked against the attribute, 400 `invalidFilter` when they do not parse or fit.
 */
export function valueFilterReader(registry: SchemaRegistry, options: FilterParseOptions): ValueFilterReader {
  return (attribute, text, name) => {
    let filter: Filter
    try {
      filter = parseFilter(text, options)
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err
      const shown = JSON.stringify(name.length > 200 ? `${name.slice(0, 197)}...` : name)
      return invalidFilter(`invalid filter in the attribute name ${shown} at position ${err.position + name.indexOf('[') + 1}: ${err.detail}`)
    }
    return compileValueFilter(registry, attribute, filter)
  }
}

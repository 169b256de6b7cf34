/**
 * The PatchOp message (RFC 7644 §3.5.2): `parsePatchRequest` validates the request body (`schemas`,
 * `Operations`, each `op`/`path`/`value`, and cheap bounds on the values) before anything is read
 * from the store. Applying the operations to a document is src/scim/patch/apply.ts.
 *
 * Lenient mode (`strict: false`, the default for tenants) accepts the documented IdP dialects
 * (shared IDP-DIALECTS.md, see docs/decisions-scim-patch.md), listed in src/scim/patch/dialects.ts.
 * Those of the message's own syntax are read here: a capitalised `op`, a `null` or blank `path`, a
 * `value` on `remove`, and `schemas` in any case. Strict mode rejects each of them; lenient mode
 * notes each under its rule (src/scim/dialect-rules.ts) in `options.notes`.
 */
import type { Interpretation } from '../interpretation.js'
import { badRequest, ScimError, type ScimType } from '../errors.js'
import { noteDialect, type DialectRule } from '../dialect-rules.js'
import { FilterSyntaxError, parsePath, type PatchPath } from '../filter/parse.js'
import { isObject, kindOf } from '../schema/values.js'

export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** Cheap bounds on a PATCH request; past them the request is 400 invalidValue. */
export const PATCH_LIMITS = Object.freeze({
  maxOperations: 1_000,
  /** Nesting of a `value` (objects and arrays), counting the value itself. */
  maxValueDepth: 10,
  /** JSON nodes (objects, arrays, scalars) in all the `value`s of one request together. */
  maxValueNodes: 500_000,
} as const)

export interface PatchOperation {
  op: string
  path?: string
  value?: unknown
}

export interface PatchOptions {
  /** Reject the IdP dialects instead of normalising them (the tenant's strict SCIM mode). */
  strict: boolean
  /** Where lenient readings and ignored attributes are noted (src/scim/interpretation.ts). */
  notes?: Interpretation
}

export type OpName = 'add' | 'remove' | 'replace'

const fail = (scimType: ScimType, detail: string): never => {
  throw badRequest(scimType, detail)
}

/** Case-insensitive member lookup; two keys that differ only in case are ambiguous. */
export function member(obj: Record<string, unknown>, name: string, where: string): unknown {
  const lower = name.toLowerCase()
  let found: string | undefined
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() !== lower) continue
    if (found !== undefined) fail('invalidSyntax', `${where} has both "${found}" and "${k}"`)
    found = k
  }
  return found === undefined ? undefined : obj[found]
}

// ---------------------------------------------------------------------------------------------
// Paths

const VALUE_OPERATOR_SPACE = /^expected a space after "(?:eq|ne|co|sw|ew|gt|ge|lt|le)"$/i

/** Offset of the `]` closing the value filter that opens at `open`, or the text length. */
function filterEnd(text: string, open: number): number {
  let inString = false
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === ']') return i
  }
  return text.length
}

/**
 * parsePath with RFC 7644 error types: a syntax error inside the `[...]` value filter is
 * `invalidFilter` (Table 9: "PATCH (Path Filter)"), anywhere else `invalidPath`.
 *
 * RFC 7644 §3.5.2.2's own example writes `members[value eq\"2819c223-…\"]`, with no space between
 * the operator and the value, which Figure 1 requires. Both modes accept that one omission (a space
 * is put back before a quoted value that directly follows a comparison operator).
 */
export function parsePatchPath(text: string, notes?: Interpretation, where = '', lenient = false): PatchPath {
  let current = text
  const inserted: number[] = []
  for (;;) {
    try {
      // lenient: unquoted values in the value filter (filter/parse.ts FilterParseOptions).
      const parsed = parsePath(current, { lenient, notes, where })
      if (inserted.length > 0) noteDialect(notes, 'path-operator-space', `${where}path ${JSON.stringify(text)} read as ${JSON.stringify(current)}`)
      return parsed
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err
      if (VALUE_OPERATOR_SPACE.test(err.detail) && current[err.position] === '"' && inserted.length < 100) {
        inserted.push(err.position)
        current = `${current.slice(0, err.position)} ${current.slice(err.position)}`
        continue
      }
      const position = err.position - inserted.filter((p) => p <= err.position).length
      const open = text.indexOf('[')
      const inFilter = open >= 0 && position > open && position <= filterEnd(text, open)
      const message = `invalid ${inFilter ? 'filter in path' : 'path'} ${JSON.stringify(text.length > 200 ? `${text.slice(0, 197)}...` : text)} at position ${position}: ${err.detail}`
      return fail(inFilter ? 'invalidFilter' : 'invalidPath', message)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// IdP dialects of the message (patch/dialects.ts lists them all)

const OPS: ReadonlySet<string> = new Set<OpName>(['add', 'remove', 'replace'])

/** The operation's `op` in lower case; strict mode wants it written so (Entra ID sends "Add"). */
function normaliseOpName(raw: string, strict: boolean, note: (rule: DialectRule, detail: string) => void): OpName {
  const op = raw.toLowerCase()
  if (!OPS.has(op)) return fail('invalidSyntax', `unknown op ${JSON.stringify(raw)}: must be "add", "remove" or "replace"`)
  if (op !== raw) {
    if (strict) return fail('invalidSyntax', `op ${JSON.stringify(raw)} must be written "${op}" (strict mode)`)
    note('op-name-case', `op ${JSON.stringify(raw)} read as "${op}"`)
  }
  return op as OpName
}

/** The text of an operation's `path`; undefined when it has none (lenient: also `null` or blank). */
function normalisePathText(raw: unknown, strict: boolean, note: (rule: DialectRule, detail: string) => void): string | undefined {
  if (raw === undefined) return undefined
  if (raw === null && !strict) {
    note('blank-path', '"path": null read as no path')
    return undefined
  }
  if (typeof raw !== 'string') return fail('invalidPath', `"path" must be a string, not ${kindOf(raw)}`)
  const text = strict ? raw : raw.trim()
  if (text !== '') {
    if (text !== raw) note('padded-path', `"path" ${JSON.stringify(raw)} read as ${JSON.stringify(text)}`)
    return text
  }
  if (strict) return fail('invalidPath', '"path" must not be empty')
  note('blank-path', `"path" ${JSON.stringify(raw)} read as no path`)
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Bounds

/** What is left of the request's JSON node allowance (PATCH_LIMITS.maxValueNodes). */
export interface Budget {
  nodes: number
}

/** Counts the JSON nodes of `value` against the budget and checks depth and JSON-ness, iteratively. */
function measure(value: unknown, budget: Budget, where: string): void {
  const stack: [unknown, number][] = [[value, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number]
    if (--budget.nodes < 0) fail('invalidValue', `the values of this request are too large (more than ${PATCH_LIMITS.maxValueNodes} JSON values)`)
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) continue
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail('invalidValue', `${where} contains a number that is not finite`)
      continue
    }
    if (typeof v !== 'object') fail('invalidValue', `${where} contains ${kindOf(v)}, which is not a JSON value`)
    if (depth >= PATCH_LIMITS.maxValueDepth) fail('invalidValue', `${where} is nested more than ${PATCH_LIMITS.maxValueDepth} levels deep`)
    if (Array.isArray(v)) {
      if (v.length > budget.nodes) fail('invalidValue', `the values of this request are too large (more than ${PATCH_LIMITS.maxValueNodes} JSON values)`)
      for (let i = 0; i < v.length; i++) stack.push([v[i], depth + 1])
    } else {
      const proto = Object.getPrototypeOf(v) as unknown
      if (proto !== Object.prototype && proto !== null) fail('invalidValue', `${where} contains an object that is not plain JSON`)
      const keys = Object.keys(v as object)
      if (keys.length > budget.nodes) fail('invalidValue', `the values of this request are too large (more than ${PATCH_LIMITS.maxValueNodes} JSON values)`)
      for (const k of keys) stack.push([(v as Record<string, unknown>)[k], depth + 1])
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

/** An operation as applyPatch reads it. */
export interface NormalisedOp {
  op: OpName
  path?: string
  value?: unknown
  /** A value was given (for remove: one that is not null). */
  hasValue: boolean
}

/** Where a note about operation `index` says it is (its details start so, as its errors do). */
export const operationPrefix = (index: number | undefined): string => (index === undefined ? '' : `Operations[${index}]: `)

/** `index`: the operation's place in the request, for the notes' details. */
export function normaliseOperation(raw: unknown, options: PatchOptions, budget: Budget, index?: number): NormalisedOp {
  const where = operationPrefix(index)
  const note = (rule: DialectRule, detail: string): void => noteDialect(options.notes, rule, `${where}${detail}`)
  if (!isObject(raw)) return fail('invalidSyntax', `an operation must be a JSON object, not ${kindOf(raw)}`)
  const opRaw = member(raw, 'op', 'the operation')
  if (typeof opRaw !== 'string') return fail('invalidSyntax', '"op" is required and must be "add", "remove" or "replace"')
  const op = normaliseOpName(opRaw, options.strict, note)
  const path = normalisePathText(member(raw, 'path', 'the operation'), options.strict, note)
  if (path !== undefined) parsePatchPath(path, options.notes, where, !options.strict)

  const value = member(raw, 'value', 'the operation')
  if (value !== undefined) measure(value, budget, '"value"')
  const result: NormalisedOp = { op, hasValue: value !== undefined }
  if (path !== undefined) result.path = path
  if (value !== undefined) result.value = value

  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with ... "noTarget"."
    if (path === undefined) return fail('noTarget', '"remove" requires a "path"')
    result.hasValue = value !== undefined && value !== null
    // Lenient: a value selects what to remove (patch/dialects.ts).
    if (result.hasValue && options.strict) {
      return fail('invalidValue', `"remove" takes no "value" (strict mode); to remove some values of ${JSON.stringify(path)}, select them with a filter, e.g. members[value eq "…"]`)
    }
  } else {
    if (value === undefined) return fail('invalidValue', `"${op}" requires a "value"`)
    if (path === undefined && !isObject(value)) return fail('invalidValue', `without a "path", the "value" of "${op}" must be an object of attributes, not ${kindOf(value)}`)
    if (op === 'add' && value === null) return fail('invalidValue', '"add" requires a value that is not null')
  }
  return result
}

/** Prefixes a ScimError's detail with the operation index. */
export function atOperation<T>(index: number, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof ScimError) throw new ScimError(err.status, err.code as ScimType | undefined, `Operations[${index}]: ${err.message}`)
    throw err
  }
}

/**
 * Validates a PatchOp message (RFC 7644 §3.5.2) and returns its operations with `op` in lower case.
 * Throws ScimError 400: `invalidSyntax` (message structure, unknown or — in strict mode —
 * capitalised `op`), `noTarget` (remove without path), `invalidPath` / `invalidFilter` (path syntax),
 * `invalidValue` (missing or misplaced value, bounds).
 */
export function parsePatchRequest(body: unknown, options: PatchOptions): PatchOperation[] {
  if (!isObject(body)) return fail('invalidSyntax', `the request body must be a PatchOp message (a JSON object), not ${kindOf(body)}`)
  const schemas = member(body, 'schemas', 'the request')
  const matches = (s: unknown): boolean => typeof s === 'string' && (options.strict ? s === PATCH_OP_URN : s.toLowerCase() === PATCH_OP_URN.toLowerCase())
  if (!Array.isArray(schemas) || !schemas.some(matches)) return fail('invalidSyntax', `"schemas" must be an array containing "${PATCH_OP_URN}"`)
  if (!schemas.includes(PATCH_OP_URN)) noteDialect(options.notes, 'patch-schema-case', `"schemas" ${JSON.stringify(schemas.find(matches))} read as "${PATCH_OP_URN}"`)
  const operations = member(body, 'Operations', 'the request')
  if (!Array.isArray(operations)) return fail('invalidSyntax', '"Operations" is required and must be an array')
  if (operations.length === 0) return fail('invalidSyntax', '"Operations" must contain at least one operation')
  if (operations.length > PATCH_LIMITS.maxOperations) return fail('invalidValue', `"Operations" has more than ${PATCH_LIMITS.maxOperations} operations`)
  const budget: Budget = { nodes: PATCH_LIMITS.maxValueNodes }
  return operations.map((raw, i) =>
    atOperation(i, () => {
      const n = normaliseOperation(raw, options, budget, i)
      const op: PatchOperation = { op: n.op }
      if (n.path !== undefined) op.path = n.path
      if (n.value !== undefined) op.value = n.value
      return op
    }),
  )
}

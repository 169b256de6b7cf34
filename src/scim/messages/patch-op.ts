/**
 * SCIM PATCH (RFC 7644 §3.5.2): the PatchOp message and its application to a stored document
 * (src/scim/resources/document.ts). Schema-driven: attribute names resolve case-insensitively through the
 * registry, values take their schema types, mutability is enforced, and the result keeps the document
 * invariants (canonical names, extension attributes under their URN, unassigned = absent, at most one
 * `primary`).
 *
 * - `parsePatchRequest` validates the message (`schemas`, `Operations`, each `op`/`path`/`value`).
 * - `applyPatch` applies the operations in order to a working copy; any error throws a ScimError (400)
 *   and nothing is applied (§3.5.2: a PATCH is atomic). The input document is never mutated.
 * - Group `members` are never materialised in the document: member operations become
 *   `MemberChanges` for the store (one row per membership).
 * - `password` (User, writeOnly) is returned in `result.password`, never stored in the document.
 *
 * Lenient mode (`strict: false`, the default for tenants) accepts the documented IdP dialects
 * (shared IDP-DIALECTS.md, see docs/decisions-scim-patch.md): capitalised `op`, `"True"`/`"False"`
 * booleans, a single value for a multi-valued attribute, a bare id for `manager`, path-shaped keys in
 * a path-less value, `id`/`meta`/`schemas` keys in a path-less value (ignored), `remove` of
 * `members` with a value list (removes exactly those members), and `replace` of a value-filtered path
 * that matches nothing (creates the element). Strict mode rejects each of them.
 */
import type { Json, JsonObject } from '../../domain/json.js'
import type { MemberChanges } from '../../domain/identity/groups.js'
import type { MemberInput, ResourceDocument, ScimResourceType } from '../resources/document.js'
import { badRequest, ScimError, type ScimType } from './error.js'
import { FilterSyntaxError, formatFilter, formatPatchPath, parsePath, type Filter, type PatchPath } from '../filter/parse.js'
import { compileValueFilter } from '../filter/evaluate.js'
import { subAttributesOf } from '../resources/projection.js'
import { isRequired, parseMembers } from '../resources/representation.js'
import { characteristics, COMMON_ATTRIBUTES, type AttributeDefinition, type ResolvedAttribute, type SchemaDefinition, type SchemaRegistry } from '../resources/schemas.js'
import { checkedKeys, coerceMultiValued, coerceSimpleValue, isObject, kindOf, RESOURCE_LIMITS, sameSimpleValue, type CoerceOptions } from '../resources/values.js'

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
}

// Group member changes come out as the domain's MemberChanges (src/domain/identity/groups.ts): applied
// in order — removeAll, then remove, then add (ids already members ignored); an id never appears
// in both add and remove.
export type { MemberChanges }

export interface PatchResult {
  /** The new document (the input is never mutated). */
  document: ResourceDocument
  /**
   * Canonical paths of the attributes whose value changed: `name.givenName` for sub-attributes of a
   * singular complex attribute, the attribute for multi-valued ones (`emails`), URN-qualified for
   * extensions (`urn:…:enterprise:2.0:User:department`), plus `password` and `members` when set.
   */
  changed: string[]
  /** A writeOnly password set by the patch (User); never in `document`. */
  password?: string
  /** Group only, when the patch had member operations. */
  members?: MemberChanges
}

// ---------------------------------------------------------------------------------------------
// Helpers

type OpName = 'add' | 'remove' | 'replace'
const OPS: ReadonlySet<string> = new Set<OpName>(['add', 'remove', 'replace'])

const fail = (scimType: ScimType, detail: string): never => {
  throw badRequest(scimType, detail)
}

/** A plain attribute name (ATTRNAME, or `$ref`): no sub-attribute, URN or filter. */
const PLAIN_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/

const findByName = (list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined => {
  const lower = name.toLowerCase()
  return list.find((a) => a.name.toLowerCase() === lower)
}

/** Case-insensitive member lookup; two keys that differ only in case are ambiguous. */
function member(obj: Record<string, unknown>, name: string, where: string): unknown {
  const lower = name.toLowerCase()
  let found: string | undefined
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() !== lower) continue
    if (found !== undefined) fail('invalidSyntax', `${where} has both "${found}" and "${k}"`)
    found = k
  }
  return found === undefined ? undefined : obj[found]
}

/** Structural JSON equality (object key order ignored). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

/** Equality as the schema defines it: strings by caseExact, complex values sub-attribute by sub-attribute. */
function sameValue(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined || a === null || b === null) return a === b
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((x, i) => sameValue({ ...def, multiValued: false }, x, b[i]))
  }
  if (def.type === 'complex') {
    if (!isObject(a) || !isObject(b)) return jsonEqual(a, b)
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    const subs = subAttributesOf(def)
    return [...keys].every((k) => {
      const sub = findByName(subs, k)
      return sub ? sameValue(sub, a[k], b[k]) : jsonEqual(a[k], b[k])
    })
  }
  return sameSimpleValue(def, a, b)
}

/**
 * A value in canonical form, for hashing: strings folded when not caseExact, complex values as
 * sorted [name, value] pairs. Two values have the same key exactly when `sameValue` holds.
 */
function canonical(def: AttributeDefinition, v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => canonical(def, x))
  if (def.type === 'complex' && isObject(v)) {
    const subs = subAttributesOf(def)
    return Object.keys(v)
      .filter((k) => v[k] !== undefined && v[k] !== null)
      .map((k): [string, unknown] => {
        const sub = findByName(subs, k)
        return sub ? [sub.name, canonical(sub, v[k])] : [k, v[k]]
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }
  if (typeof v === 'string' && (def.type === 'string' || def.type === 'reference') && !characteristics(def).caseExact) return v.toLowerCase()
  return v
}

const keyOf = (def: AttributeDefinition, v: unknown): string => JSON.stringify(canonical(def, v))

// ---------------------------------------------------------------------------------------------
// Bounds

interface Budget {
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
function parsePatchPath(text: string): PatchPath {
  let current = text
  const inserted: number[] = []
  for (;;) {
    try {
      return parsePath(current)
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
// parsePatchRequest

interface NormalisedOp {
  op: OpName
  path?: string
  value?: unknown
  /** A value was given (for remove: one that is not null). */
  hasValue: boolean
}

function normaliseOperation(raw: unknown, options: PatchOptions, budget: Budget): NormalisedOp {
  if (!isObject(raw)) return fail('invalidSyntax', `an operation must be a JSON object, not ${kindOf(raw)}`)
  const opRaw = member(raw, 'op', 'the operation')
  if (typeof opRaw !== 'string') return fail('invalidSyntax', '"op" is required and must be "add", "remove" or "replace"')
  const op = opRaw.toLowerCase()
  if (!OPS.has(op)) return fail('invalidSyntax', `unknown op ${JSON.stringify(opRaw)}: must be "add", "remove" or "replace"`)
  if (options.strict && op !== opRaw) return fail('invalidSyntax', `op ${JSON.stringify(opRaw)} must be written "${op}" (strict mode)`)

  let path: string | undefined
  const pathRaw = member(raw, 'path', 'the operation')
  if (pathRaw === undefined || (pathRaw === null && !options.strict)) path = undefined
  else if (typeof pathRaw !== 'string') return fail('invalidPath', `"path" must be a string, not ${kindOf(pathRaw)}`)
  else {
    const text = options.strict ? pathRaw : pathRaw.trim()
    if (text === '') {
      if (options.strict) return fail('invalidPath', '"path" must not be empty')
    } else {
      parsePatchPath(text)
      path = text
    }
  }

  const value = member(raw, 'value', 'the operation')
  if (value !== undefined) measure(value, budget, '"value"')
  const result: NormalisedOp = { op: op as OpName, hasValue: value !== undefined }
  if (path !== undefined) result.path = path
  if (value !== undefined) result.value = value

  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with ... "noTarget"."
    if (path === undefined) return fail('noTarget', '"remove" requires a "path"')
    result.hasValue = value !== undefined && value !== null
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
function atOperation<T>(index: number, fn: () => T): T {
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
  const operations = member(body, 'Operations', 'the request')
  if (!Array.isArray(operations)) return fail('invalidSyntax', '"Operations" is required and must be an array')
  if (operations.length === 0) return fail('invalidSyntax', '"Operations" must contain at least one operation')
  if (operations.length > PATCH_LIMITS.maxOperations) return fail('invalidValue', `"Operations" has more than ${PATCH_LIMITS.maxOperations} operations`)
  const budget: Budget = { nodes: PATCH_LIMITS.maxValueNodes }
  return operations.map((raw, i) =>
    atOperation(i, () => {
      const n = normaliseOperation(raw, options, budget)
      const op: PatchOperation = { op: n.op }
      if (n.path !== undefined) op.path = n.path
      if (n.value !== undefined) op.value = n.value
      return op
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// Application context and targets

interface MemberState {
  add: Map<string, MemberInput>
  remove: Set<string>
  removeAll: boolean
}

interface State {
  doc: JsonObject
  password?: string
  members?: MemberState
}

interface Ctx {
  registry: SchemaRegistry
  resourceType: ScimResourceType
  strict: boolean
  scope: string[]
  base: SchemaDefinition
  schemas: SchemaDefinition[]
}

type Target =
  /** A whole schema: a bare extension URN as path, or a URN key of a path-less value. */
  | { kind: 'schema'; schema: SchemaDefinition }
  | { kind: 'password' }
  | { kind: 'members'; resolved: ResolvedAttribute; filter?: Filter; sub?: string }
  | {
      kind: 'attr'
      /** The top-level attribute. */
      resolved: ResolvedAttribute
      top: AttributeDefinition
      /** The extension URN holding the attribute; undefined for the base schema and common attributes. */
      ext?: string
      /** `name.givenName` / `emails.value`: the sub-attribute named with a dot. */
      sub?: AttributeDefinition
      filter?: Filter
      /** `emails[...].value`: the sub-attribute after the filter. */
      subAttr?: AttributeDefinition
      label: string
    }

const SERVER_SET = new Set(['id', 'meta', 'schemas'])

function resolveTarget(ctx: Ctx, pp: PatchPath, where: 'path' | 'value'): Target {
  const unknown = (): never =>
    fail(where === 'path' ? 'invalidPath' : 'invalidValue', `unknown attribute ${JSON.stringify(formatPatchPath(pp))} for a ${ctx.resourceType}`)
  const topPath = pp.path.uri !== undefined ? { uri: pp.path.uri, attr: pp.path.attr } : { attr: pp.path.attr }
  const resolved = ctx.registry.findAttribute(ctx.scope, topPath)
  if (!resolved) {
    if (pp.path.uri !== undefined && pp.path.sub === undefined && !pp.valueFilter) {
      const urn = `${pp.path.uri}:${pp.path.attr}`.toLowerCase()
      const schema = ctx.schemas.find((s) => s.id.toLowerCase() === urn)
      if (schema) return { kind: 'schema', schema }
    }
    return unknown()
  }
  const top = resolved.definition
  let sub: AttributeDefinition | undefined
  if (pp.path.sub !== undefined) {
    sub = top.type === 'complex' ? findByName(subAttributesOf(top), pp.path.sub) : undefined
    if (!sub) return unknown()
  }
  const label = `${resolved.schema === ctx.base.id ? '' : `${resolved.schema}:`}${top.name}`
  const fullLabel = `${label}${sub ? `.${sub.name}` : ''}`

  if (resolved.common && SERVER_SET.has(top.name)) return fail('mutability', `"${fullLabel}" is set by the server and cannot be modified`)
  if (pp.valueFilter && !top.multiValued) return fail('invalidPath', `"${label}" is not multi-valued: a value filter "[...]" needs a multi-valued attribute`)
  let subAttr: AttributeDefinition | undefined
  if (pp.subAttr !== undefined) {
    subAttr = top.type === 'complex' ? findByName(subAttributesOf(top), pp.subAttr) : undefined
    if (!subAttr) return fail(where === 'path' ? 'invalidPath' : 'invalidValue', `"${pp.subAttr}" is not a sub-attribute of "${label}"`)
  }

  if (ctx.resourceType === 'Group' && resolved.schema === ctx.base.id && top.name === 'members') {
    const t: Target = { kind: 'members', resolved }
    if (pp.valueFilter) t.filter = pp.valueFilter
    const named = sub ?? subAttr
    if (named) t.sub = named.name
    return t
  }
  if (ctx.resourceType === 'User' && resolved.schema === ctx.base.id && top.name === 'password') {
    if (sub || pp.valueFilter) return unknown()
    return { kind: 'password' }
  }
  for (const def of [top, sub, subAttr]) {
    if (def && characteristics(def).mutability === 'readOnly') {
      return fail('mutability', `"${def === top ? label : `${label}.${def.name}`}" is readOnly and cannot be modified`)
    }
  }
  const t: Target = { kind: 'attr', resolved, top, label: fullLabel }
  if (resolved.schema !== ctx.base.id) t.ext = resolved.schema
  if (sub) t.sub = sub
  if (pp.valueFilter) t.filter = pp.valueFilter
  if (subAttr) t.subAttr = subAttr
  return t
}

// ---------------------------------------------------------------------------------------------
// Values

/** PATCH's wording of value errors: it names strict mode, and quotes at most 100 characters of a bad dateTime. */
const coercion = (ctx: Ctx): CoerceOptions => ({ strict: ctx.strict, explainStrict: true, quoteLimit: 100 })

function coerceScalar(ctx: Ctx, def: AttributeDefinition, value: unknown, label: string): Json | undefined {
  if (value === null) return undefined
  return def.type === 'complex' ? buildComplex(ctx, def, value, label, undefined) : coerceSimpleValue(def.type, value, label, coercion(ctx))
}

/**
 * A complex value built from `value` over `base` (merge: sub-attributes not given keep their value,
 * RFC 7644 §3.5.2.1 / §3.5.2.3). `null` sub-attribute values unassign. Returns undefined when
 * nothing is left. With `base`, immutable sub-attributes that have a value cannot change.
 */
function buildComplex(ctx: Ctx, def: AttributeDefinition, value: unknown, label: string, base: JsonObject | undefined): JsonObject | undefined {
  let input = value
  // Entra ID sets the enterprise manager with a bare id: "value": "<id>".
  const valueSub = findByName(subAttributesOf(def), 'value')
  if (!ctx.strict && !def.multiValued && valueSub && typeof input === 'string') input = { [valueSub.name]: input }
  if (!isObject(input)) {
    const hint = ctx.strict && valueSub && !def.multiValued && typeof input === 'string' ? ` (strict mode: write {"value": ${JSON.stringify(input.slice(0, 100))}})` : ''
    return fail('invalidValue', `${label} must be an object, not ${kindOf(input)}${hint}`)
  }
  const subs = subAttributesOf(def)
  const out: JsonObject = base ? { ...base } : {}
  for (const k of checkedKeys(input, label)) {
    const sub = findByName(subs, k)
    if (!sub) return fail('invalidValue', `unknown attribute ${label}.${k}`)
    const c = characteristics(sub)
    if (c.mutability === 'readOnly') {
      if (ctx.strict) return fail('mutability', `${label}.${sub.name} is readOnly and cannot be modified`)
      continue
    }
    const v = coerceValue(ctx, sub, input[k], `${label}.${sub.name}`)
    const previous = out[sub.name]
    if (base && c.mutability === 'immutable' && previous !== undefined && !sameValue(sub, previous, v)) {
      return fail('mutability', `${label}.${sub.name} is immutable and already has a value`)
    }
    if (v === undefined) delete out[sub.name]
    else out[sub.name] = v
  }
  if (Object.keys(out).length === 0) return undefined
  for (const sub of subs) {
    if (isRequired('', sub) && out[sub.name] === undefined) return fail('invalidValue', `${label}.${sub.name} is required`)
  }
  return out
}

/** The values of a multi-valued attribute, without duplicates (equal as the schema defines it). */
function coerceList(ctx: Ctx, def: AttributeDefinition, value: unknown, label: string): Json[] {
  return coerceMultiValued(
    def,
    value,
    label,
    coercion(ctx),
    (item, itemLabel) => coerceScalar(ctx, def, item, itemLabel),
    (v) => keyOf(def, v),
  )
}

function coerceValue(ctx: Ctx, def: AttributeDefinition, value: unknown, label: string): Json | undefined {
  if (value === null || value === undefined) return undefined
  if (def.multiValued) {
    const list = coerceList(ctx, def, value, label)
    return list.length > 0 ? list : undefined
  }
  if (Array.isArray(value)) return fail('invalidValue', `${label} is single-valued and must not be an array`)
  return coerceScalar(ctx, def, value, label)
}

/** Whether an element of a multi-valued complex attribute still holds anything. */
const nonEmpty = (e: Json): boolean => !isObject(e) || Object.keys(e).length > 0

/** RFC 7644 §3.5.2 / RFC 7643 §2.4: a value made primary clears `primary` on the others. */
function clearOtherPrimaries(list: Json[], written: readonly Json[]): void {
  const winner = written.find((e) => isObject(e) && e.primary === true)
  if (!winner) return
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as Json
    if (e !== winner && isObject(e) && e.primary === true) list[i] = { ...e, primary: false }
  }
}

// ---------------------------------------------------------------------------------------------
// Applying

function withContainer(state: State, ext: string | undefined, fn: (c: JsonObject) => void): void {
  if (ext === undefined) {
    fn(state.doc)
    return
  }
  const current = state.doc[ext]
  const c: JsonObject = isObject(current) ? (current as JsonObject) : {}
  fn(c)
  if (Object.keys(c).length > 0) state.doc[ext] = c
  else delete state.doc[ext]
}

function checkRemovable(schemaUrn: string, def: AttributeDefinition, label: string): void {
  if (isRequired(schemaUrn, def)) fail('mutability', `${label} is required and cannot be removed`)
  if (characteristics(def).mutability === 'immutable') fail('mutability', `${label} is immutable and cannot be removed`)
}

/** add/replace/remove of a single-valued simple attribute or sub-attribute `key` of `obj`. */
function applyScalar(ctx: Ctx, op: OpName, def: AttributeDefinition, obj: JsonObject, value: unknown, label: string, schemaUrn: string): void {
  const key = def.name
  const current = obj[key]
  if (op === 'remove') {
    if (current === undefined) return
    checkRemovable(schemaUrn, def, label)
    delete obj[key]
    return
  }
  const v = coerceValue(ctx, def, value, label)
  if (v === undefined) {
    if (isRequired(schemaUrn, def)) fail('invalidValue', `${label} is required and cannot be empty`)
    if (current !== undefined && characteristics(def).mutability === 'immutable') fail('mutability', `${label} is immutable and cannot be removed`)
    delete obj[key]
    return
  }
  if (current !== undefined && characteristics(def).mutability === 'immutable' && !sameValue(def, current, v)) {
    fail('mutability', `${label} is immutable and already has a value`)
  }
  obj[key] = v
}

function applyAttribute(ctx: Ctx, state: State, op: OpName, t: Extract<Target, { kind: 'attr' }>, value: unknown, hasValue: boolean): void {
  const schemaUrn = t.resolved.schema
  withContainer(state, t.ext, (c) => {
    const top = t.top
    if (top.multiValued) {
      applyMultiValued(ctx, op, t, c, value, hasValue)
      return
    }
    if (t.sub) {
      const current = c[top.name]
      const obj: JsonObject = isObject(current) ? { ...(current as JsonObject) } : {}
      applyScalar(ctx, op, t.sub, obj, value, t.label, '')
      if (Object.keys(obj).length > 0) c[top.name] = obj
      else if (current !== undefined) {
        checkRemovable(schemaUrn, top, t.label)
        delete c[top.name]
      }
      return
    }
    if (top.type !== 'complex' || op === 'remove' || value === null) {
      applyScalar(ctx, op, top, c, value, t.label, schemaUrn)
      return
    }
    const current = c[top.name]
    const merged = buildComplex(ctx, top, value, t.label, isObject(current) ? (current as JsonObject) : undefined)
    if (merged) c[top.name] = merged
    else if (current !== undefined) {
      checkRemovable(schemaUrn, top, t.label)
      delete c[top.name]
    }
  })
}

/** The element a value filter describes: `type eq "work"` (or an `and` of such) → `{ type: "work" }`. */
function elementFromFilter(ctx: Ctx, def: AttributeDefinition, filter: Filter, label: string): JsonObject | undefined {
  if (def.type !== 'complex') return undefined
  const out: JsonObject = {}
  const visit = (f: Filter): boolean => {
    if (f.kind === 'and') return f.filters.every(visit)
    if (f.kind !== 'compare' || f.op !== 'eq' || f.value === null || f.path.uri !== undefined || f.path.sub !== undefined) return false
    const sub = findByName(subAttributesOf(def), f.path.attr)
    if (!sub || sub.multiValued || characteristics(sub).mutability === 'readOnly') return false
    const v = coerceScalar(ctx, sub, f.value, `${label}.${sub.name}`)
    if (v === undefined) return false
    if (out[sub.name] !== undefined && !sameValue(sub, out[sub.name], v)) return false
    out[sub.name] = v
    return true
  }
  return visit(filter) ? out : undefined
}

function applyMultiValued(ctx: Ctx, op: OpName, t: Extract<Target, { kind: 'attr' }>, c: JsonObject, value: unknown, hasValue: boolean): void {
  const top = t.top
  const schemaUrn = t.resolved.schema
  const label = t.label
  const current = c[top.name]
  const list: Json[] = Array.isArray(current) ? [...current] : []
  const write = (next: Json[], written: readonly Json[]): void => {
    const kept = next.filter(nonEmpty)
    if (kept.length > RESOURCE_LIMITS.maxValues) fail('invalidValue', `${label} would have more than ${RESOURCE_LIMITS.maxValues} values`)
    clearOtherPrimaries(kept, written)
    if (kept.length > 0) c[top.name] = kept
    else if (current !== undefined) {
      checkRemovable(schemaUrn, top, label)
      delete c[top.name]
    }
  }

  // emails / emails.value (no filter)
  if (!t.filter) {
    if (t.sub) {
      const sub = t.sub
      if (op === 'remove') {
        write(list.map((e) => (isObject(e) && e[sub.name] !== undefined ? withoutKey(e, sub.name) : e)), [])
        return
      }
      const v = coerceValue(ctx, sub, value, label)
      if (list.length === 0) {
        if (v !== undefined) {
          const el: JsonObject = { [sub.name]: v }
          write([el], [el])
        }
        return
      }
      if (sub.name === 'primary' && v === true && list.length > 1) fail('invalidValue', `${label}: only one value can be primary`)
      const written: Json[] = []
      const next = list.map((e) => {
        if (!isObject(e)) return e
        const n = setSub(ctx, sub, e as JsonObject, v, label)
        written.push(n)
        return n
      })
      write(next, written)
      return
    }
    if (op === 'remove') {
      if (!hasValue) {
        if (current !== undefined) checkRemovable(schemaUrn, top, label)
        delete c[top.name]
        return
      }
      // Lenient only (strict rejected the value): remove the values given, as for members.
      const matches = valuesMatcher(ctx, top, value, label)
      write(
        list.filter((e) => !matches(e)),
        [],
      )
      return
    }
    const items = coerceList(ctx, top, value, label)
    if (op === 'replace') {
      write(items, items)
      return
    }
    const present = new Set(list.map((e) => keyOf(top, e)))
    const added = items.filter((v) => !present.has(keyOf(top, v)))
    write([...list, ...added], added)
    return
  }

  // emails[type eq "work"] / emails[type eq "work"].value
  const predicate = compileValueFilter(ctx.registry, t.resolved, t.filter)
  const matched = list.map((e) => predicate(e))
  const count = matched.filter(Boolean).length
  const filterText = `${top.name}[${formatFilter(t.filter)}]`
  const noTarget = (): never => fail('noTarget', `no value of ${label.split('.')[0]} matches ${filterText}`)

  if (op === 'remove') {
    if (count === 0) {
      if (ctx.strict) noTarget()
      return
    }
    const subAttr = t.subAttr
    if (subAttr) {
      if (characteristics(subAttr).mutability === 'immutable') fail('mutability', `${label} is immutable and cannot be removed`)
      write(
        list.map((e, i) => (matched[i] && isObject(e) ? withoutKey(e, subAttr.name) : e)),
        [],
      )
    } else {
      write(
        list.filter((_, i) => !matched[i]),
        [],
      )
    }
    return
  }

  if (t.subAttr) {
    const subAttr = t.subAttr
    const v = coerceValue(ctx, subAttr, value, label)
    if (count === 0) {
      // RFC 7644 §3.5.2.3: replace with no match is noTarget. An add creates the target (§3.5.2.1
      // "If the target location does not exist, the attribute and value are added"), and so does a
      // lenient replace (Entra ID expects it).
      if (op === 'replace' && ctx.strict) noTarget()
      if (v === undefined) return
      const base = elementFromFilter(ctx, top, t.filter, label) ?? noTarget()
      const el: JsonObject = { ...base, [subAttr.name]: v }
      write([...list, el], [el])
      return
    }
    if (subAttr.name === 'primary' && v === true && count > 1) fail('invalidValue', `${label}: ${count} values match ${filterText}, only one can be primary`)
    const written: Json[] = []
    const next = list.map((e, i) => {
      if (!matched[i] || !isObject(e)) return e
      const n = setSub(ctx, subAttr, e as JsonObject, v, label)
      written.push(n)
      return n
    })
    write(next, written)
    return
  }

  if (count === 0) {
    if (op === 'replace' && ctx.strict) noTarget()
    const base = elementFromFilter(ctx, top, t.filter, label) ?? noTarget()
    const el = buildComplex(ctx, top, value, label, base)
    if (!el || list.some((e) => sameValue(top, e, el))) return
    write([...list, el], [el])
    return
  }
  if (op === 'replace' || top.type !== 'complex') {
    // §3.5.2.3: "all matching record values SHALL be replaced".
    const el = top.type === 'complex' ? buildComplex(ctx, top, value, label, undefined) : coerceScalar(ctx, top, value, label)
    if (el !== undefined && isObject(el) && el.primary === true && count > 1) fail('invalidValue', `${label}: ${count} values match ${filterText}, only one can be primary`)
    const written: Json[] = []
    const next: Json[] = []
    list.forEach((e, i) => {
      if (!matched[i]) next.push(e)
      else if (el !== undefined) {
        const copy = structuredClone(el)
        written.push(copy)
        next.push(copy)
      }
    })
    write(next, written)
    return
  }
  // add on a filtered path: merge into each matching complex value.
  const probe = buildComplex(ctx, top, value, label, undefined)
  if (probe && probe.primary === true && count > 1) fail('invalidValue', `${label}: ${count} values match ${filterText}, only one can be primary`)
  const written: Json[] = []
  const next = list.map((e, i) => {
    if (!matched[i] || !isObject(e)) return e
    const merged = buildComplex(ctx, top, value, label, e as JsonObject) ?? {}
    written.push(merged)
    return merged
  })
  write(next, written)
}

function withoutKey(e: Record<string, unknown>, key: string): JsonObject {
  const n = { ...(e as JsonObject) }
  delete n[key]
  return n
}

/** Sets (or, for an unassigned value, removes) sub-attribute `sub` of a copy of element `e`. */
function setSub(ctx: Ctx, sub: AttributeDefinition, e: JsonObject, v: Json | undefined, label: string): JsonObject {
  const n = { ...e }
  const previous = n[sub.name]
  if (characteristics(sub).mutability === 'immutable' && previous !== undefined && !sameValue(sub, previous, v)) {
    fail('mutability', `${label} is immutable and already has a value`)
  }
  if (v === undefined) delete n[sub.name]
  else n[sub.name] = v
  return n
}

/**
 * Lenient `remove` with a value on a multi-valued attribute: an element matches a given value when
 * it has every sub-attribute value given (a bare scalar stands for `value`). Hash lookups, one per
 * distinct set of given sub-attribute names, so the cost stays linear.
 */
function valuesMatcher(ctx: Ctx, def: AttributeDefinition, given: unknown, label: string): (e: Json) => boolean {
  const lenient: Ctx = { ...ctx, strict: false }
  const list = Array.isArray(given) ? given : [given]
  if (list.length > RESOURCE_LIMITS.maxValues) fail('invalidValue', `${label} names more than ${RESOURCE_LIMITS.maxValues} values`)
  if (def.type !== 'complex') {
    const keys = new Set<string>()
    for (const g of list) {
      const v = coerceScalar(lenient, def, g, label)
      if (v !== undefined) keys.add(keyOf(def, v))
    }
    return (e) => keys.has(keyOf(def, e))
  }
  const subs = subAttributesOf(def)
  const valueSub = findByName(subs, 'value')
  /** sorted sub-attribute names → canonical projections wanted */
  const groups = new Map<string, { names: string[]; wanted: Set<string> }>()
  for (const g of list) {
    let wanted: JsonObject | undefined
    if (isObject(g)) wanted = buildComplex(lenient, def, g, label, undefined)
    else if (valueSub && g !== null) {
      const v = coerceScalar(lenient, valueSub, g, `${label}.value`)
      if (v !== undefined) wanted = { [valueSub.name]: v }
    }
    if (!wanted) continue
    const names = Object.keys(wanted).sort()
    const id = names.join(' ')
    let group = groups.get(id)
    if (!group) groups.set(id, (group = { names, wanted: new Set() }))
    group.wanted.add(projectionKey(subs, wanted, names))
  }
  return (e) => isObject(e) && [...groups.values()].some((g) => g.wanted.has(projectionKey(subs, e as JsonObject, g.names)))
}

/** The canonical key of `e` restricted to the sub-attributes `names` (absent ones included as such). */
function projectionKey(subs: readonly AttributeDefinition[], e: JsonObject, names: readonly string[]): string {
  return JSON.stringify(
    names.map((n) => {
      const sub = findByName(subs, n)
      const v = e[n]
      return v === undefined ? ['absent'] : ['value', sub ? canonical(sub, v) : v]
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// Members

function memberState(state: State): MemberState {
  state.members ??= { add: new Map(), remove: new Set(), removeAll: false }
  return state.members
}

/** Entra ID's `remove` of `members` with a value list: the ids it names. */
function memberIdsFromValue(ctx: Ctx, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length > RESOURCE_LIMITS.maxMembers) return fail('invalidValue', `members has more than ${RESOURCE_LIMITS.maxMembers} values`)
  return list.flatMap((item, i) => {
    if (item === null) return []
    if (!isObject(item)) return fail('invalidValue', `members[${i}] must be an object with a "value", not ${kindOf(item)}`)
    const id = member(item, 'value', `members[${i}]`)
    if (typeof id !== 'string' || id.trim() === '') return fail('invalidValue', `members[${i}].value is required and must be a non-empty string`)
    return [id]
  })
}

/** `members[value eq "a"]`, `members[value eq "a" or value eq "b"]` → the ids. */
function memberIdsFromFilter(ctx: Ctx, t: Extract<Target, { kind: 'members' }>, filter: Filter): string[] {
  compileValueFilter(ctx.registry, t.resolved, filter) // unknown sub-attributes, bad types: invalidFilter
  const ids: string[] = []
  const visit = (f: Filter): boolean => {
    if (f.kind === 'or') return f.filters.every(visit)
    if (f.kind === 'compare' && f.op === 'eq' && typeof f.value === 'string' && f.path.uri === undefined && f.path.sub === undefined && f.path.attr.toLowerCase() === 'value') {
      ids.push(f.value)
      return true
    }
    return false
  }
  if (!visit(filter)) {
    fail(
      'invalidFilter',
      `members can be removed by id only: members[value eq "<id>"], or several joined with "or"; members[${formatFilter(filter)}] would need the member list`,
    )
  }
  return ids
}

function applyMembers(ctx: Ctx, state: State, op: OpName, t: Extract<Target, { kind: 'members' }>, value: unknown, hasValue: boolean): void {
  if (t.sub !== undefined) fail('mutability', `the sub-attributes of members are immutable (members.${t.sub}); add or remove members instead`)
  const m = memberState(state)
  const add = (list: MemberInput[]): void => {
    for (const x of list) {
      m.remove.delete(x.value)
      const seen = m.add.get(x.value)
      if (!seen) m.add.set(x.value, { ...x })
      else if (x.type !== undefined) seen.type = x.type
    }
  }
  const remove = (ids: string[]): void => {
    for (const id of ids) {
      m.add.delete(id)
      m.remove.add(id)
    }
  }
  const removeAll = (): void => {
    m.add.clear()
    m.remove.clear()
    m.removeAll = true
  }
  if (t.filter) {
    if (op !== 'remove') fail('invalidPath', `members[...] can only be removed; add members with the path "members"`)
    remove(memberIdsFromFilter(ctx, t, t.filter))
    return
  }
  const def = t.resolved.definition
  if (op === 'add') add(parseMembers(def, value, coercion(ctx)))
  else if (op === 'replace') {
    const list = parseMembers(def, value, coercion(ctx))
    removeAll()
    add(list)
  } else if (!hasValue) removeAll()
  else {
    // Entra ID: {"op":"Remove","path":"members","value":[{"value":"<id>"}]} removes exactly those
    // members — never all of them (strict mode rejected the value in parsing).
    remove(memberIdsFromValue(ctx, value))
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

function applyTarget(ctx: Ctx, state: State, op: OpName, t: Target, value: unknown, hasValue: boolean): void {
  switch (t.kind) {
    case 'password':
      if (op === 'remove') fail('mutability', 'password cannot be removed, only replaced')
      if (typeof value !== 'string' || value === '') fail('invalidValue', `password must be a non-empty string, not ${kindOf(value)}`)
      state.password = value as string
      return
    case 'members':
      applyMembers(ctx, state, op, t, value, hasValue)
      return
    case 'schema':
      applySchema(ctx, state, op, t.schema, value)
      return
    case 'attr':
      applyAttribute(ctx, state, op, t, value, hasValue)
  }
}

/** A whole schema as target: an extension URN path (or a URN key without path). */
function applySchema(ctx: Ctx, state: State, op: OpName, schema: SchemaDefinition, value: unknown): void {
  const isBase = schema === ctx.base
  if (op === 'remove' || value === null) {
    if (isBase) fail('invalidPath', `the base schema ${schema.id} cannot be removed`)
    const current = state.doc[schema.id]
    if (isObject(current)) {
      for (const def of schema.attributes) {
        if (current[def.name] !== undefined) checkRemovable(schema.id, def, `${schema.id}:${def.name}`)
      }
    }
    delete state.doc[schema.id]
    return
  }
  if (!isObject(value)) fail('invalidValue', `${schema.id} must be an object of its attributes, not ${kindOf(value)}`)
  const obj = value as Record<string, unknown>
  for (const key of checkedKeys(obj, schema.id)) applyKey(ctx, state, op, key, obj[key], schema)
}

/** One key of a path-less value (or of a schema object): an attribute name, or (lenient) a path. */
function applyKey(ctx: Ctx, state: State, op: OpName, key: string, value: unknown, within: SchemaDefinition | undefined): void {
  const lower = key.toLowerCase()
  if (within === undefined || within === ctx.base) {
    if (SERVER_SET.has(lower)) {
      // Okta's rename sends {"id": …, "displayName": …}.
      if (!ctx.strict) return
      fail('mutability', `"${key}" is set by the server and cannot be modified (strict mode; leave it out of the value)`)
    }
  }
  if (within === undefined) {
    const schema = ctx.schemas.find((s) => s.id.toLowerCase() === lower)
    if (schema) {
      applySchema(ctx, state, op, schema, value)
      return
    }
  }
  let pp: PatchPath | undefined
  if (PLAIN_NAME.test(key)) pp = { path: within ? { uri: within.id, attr: key } : { attr: key } }
  else if (!ctx.strict) {
    // Entra ID: {"name.givenName": …, "urn:…:enterprise:2.0:User:department": …}
    try {
      pp = parsePath(within ? `${within.id}:${key}` : key)
    } catch (err) {
      if (!(err instanceof FilterSyntaxError)) throw err
    }
  }
  if (!pp) {
    const hint = ctx.strict && !PLAIN_NAME.test(key) ? ' (strict mode: the keys of a value without "path" must be attribute names)' : ''
    fail('invalidValue', `unknown attribute ${JSON.stringify(key)}${within ? ` in ${within.id}` : ''}${hint}`)
    return
  }
  applyTarget(ctx, state, op, resolveTarget(ctx, pp, 'value'), value, true)
}

function applyOperation(ctx: Ctx, state: State, op: NormalisedOp): void {
  if (op.path === undefined) {
    const value = op.value as Record<string, unknown>
    for (const key of checkedKeys(value, 'the value')) applyKey(ctx, state, op.op, key, value[key], undefined)
    return
  }
  const target = resolveTarget(ctx, parsePatchPath(op.path), 'path')
  applyTarget(ctx, state, op.op, target, op.value, op.hasValue)
}

// ---------------------------------------------------------------------------------------------
// Changed attributes

function changedPaths(ctx: Ctx, before: JsonObject, after: JsonObject): string[] {
  const out: string[] = []
  const visit = (defs: readonly AttributeDefinition[], b: unknown, a: unknown, prefix: string): void => {
    const bo = isObject(b) ? b : {}
    const ao = isObject(a) ? a : {}
    for (const def of defs) {
      if (SERVER_SET.has(def.name) && prefix === '') continue
      const bv = bo[def.name]
      const av = ao[def.name]
      if (jsonEqual(bv, av)) continue
      if (def.type === 'complex' && !def.multiValued && (isObject(bv) || isObject(av))) {
        const bs = isObject(bv) ? bv : {}
        const as = isObject(av) ? av : {}
        for (const sub of subAttributesOf(def)) {
          if (!jsonEqual(bs[sub.name], as[sub.name])) out.push(`${prefix}${def.name}.${sub.name}`)
        }
      } else out.push(`${prefix}${def.name}`)
    }
  }
  visit([...COMMON_ATTRIBUTES, ...ctx.base.attributes], before, after, '')
  for (const s of ctx.schemas) if (s !== ctx.base) visit(s.attributes, before[s.id], after[s.id], `${s.id}:`)
  return out
}

// ---------------------------------------------------------------------------------------------
// applyPatch

/**
 * Applies PATCH operations (from parsePatchRequest, or any object of that shape: they are validated
 * again) to a stored document of a User or Group. All or nothing: the first error throws a
 * ScimError (400) whose detail starts with `Operations[i]: `, and the input document is never
 * mutated.
 */
export function applyPatch(
  registry: SchemaRegistry,
  resourceType: ScimResourceType,
  document: ResourceDocument,
  ops: PatchOperation[],
  options: PatchOptions,
): PatchResult {
  const scope = registry.schemaUrnsFor(resourceType)
  const schemas = scope.map((urn) => registry.get(urn)).filter((s): s is SchemaDefinition => s !== undefined)
  const base = schemas[0]
  if (!base || schemas.length !== scope.length) throw new Error(`internal: no schemas for resource type ${resourceType}`)
  if (!Array.isArray(ops)) return fail('invalidSyntax', '"Operations" must be an array')
  if (ops.length > PATCH_LIMITS.maxOperations) return fail('invalidValue', `"Operations" has more than ${PATCH_LIMITS.maxOperations} operations`)
  const ctx: Ctx = { registry, resourceType, strict: options.strict, scope, base, schemas }
  const state: State = { doc: structuredClone(document) }
  const budget: Budget = { nodes: PATCH_LIMITS.maxValueNodes }
  ops.forEach((raw, i) =>
    atOperation(i, () => {
      applyOperation(ctx, state, normaliseOperation(raw, options, budget))
    }),
  )
  const changed = changedPaths(ctx, document, state.doc)
  const result: PatchResult = { document: state.doc, changed }
  if (state.password !== undefined) {
    result.password = state.password
    changed.push('password')
  }
  if (state.members) {
    const m = state.members
    result.members = { add: [...m.add.values()], remove: [...m.remove], removeAll: m.removeAll }
    if (m.removeAll || m.add.size > 0 || m.remove.size > 0) changed.push('members')
  }
  return result
}

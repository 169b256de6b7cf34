/**
 * Applying a PATCH request (RFC 7644 §3.5.2) to the stored document of a User or Group
 * (schema/document.ts). Schema-driven: attribute names resolve case-insensitively through the
 * registry, values take their schema types, mutability is enforced, and the result keeps the
 * document invariants (canonical names, extension attributes under their URN, unassigned = absent,
 * at most one `primary`).
 *
 * - The operations apply in order to a working copy; any error throws a ScimError (400) and
 *   nothing is applied (§3.5.2: a PATCH is atomic). The input document is never mutated.
 * - Group `members` are never materialised in the document: member operations become
 *   `MemberChanges` for the store (members.ts).
 * - `password` (User, writeOnly) is returned in `result.password`, never stored in the document.
 * - An attribute the tenant's schema does not have — named by a path (for `remove` too), a key of a
 *   path-less value or a sub-attribute of a value — is ignored and noted in `options.notes` in
 *   lenient mode, 400 in strict mode (schema/representation.ts says why).
 */
import type { JsonObject } from '../../domain/kernel/json.js'
import type { MemberChanges } from '../../domain/identity/groups.js'
import type { ResourceDocument, ScimResourceType } from '../schema/document.js'
import type { PatchPath } from '../filter/parse.js'
import { atOperation, normaliseOperation, operationPrefix, parsePatchPath, PATCH_LIMITS, type Budget, type NormalisedOp, type PatchOperation, type PatchOptions } from '../messages/patch-op.js'
import { subAttributesOf } from '../schema/projection.js'
import { COMMON_ATTRIBUTES, type AttributeDefinition, type SchemaDefinition, type SchemaRegistry } from '../schema/schemas.js'
import { checkedKeys, isObject, kindOf } from '../schema/values.js'
import { applyAttribute, checkRemovable } from './attributes.js'
import { pathFromKey, skipsServerSetKey } from './dialects.js'
import { jsonEqual } from './equality.js'
import { applyMembers } from './members.js'
import { PLAIN_NAME, resolveTarget, SERVER_SET, type Target } from './path.js'
import { fail, ignoreUnknown, type OpName, type PatchContext, type PatchState } from './state.js'

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

function applyTarget(ctx: PatchContext, state: PatchState, op: OpName, t: Target, value: unknown, hasValue: boolean): void {
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
      return
    case 'unknown':
      // resolveTarget refused it in strict mode; an unknown path is ignored for remove as for add.
      ctx.notes?.ignored(t.path)
  }
}

/** A whole schema as target: an extension URN path (or a URN key without path). */
function applySchema(ctx: PatchContext, state: PatchState, op: OpName, schema: SchemaDefinition, value: unknown): void {
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
function applyKey(ctx: PatchContext, state: PatchState, op: OpName, key: string, value: unknown, within: SchemaDefinition | undefined): void {
  if ((within === undefined || within === ctx.base) && skipsServerSetKey(ctx, key)) return
  if (within === undefined) {
    const lower = key.toLowerCase()
    const schema = ctx.schemas.find((s) => s.id.toLowerCase() === lower)
    if (schema) {
      applySchema(ctx, state, op, schema, value)
      return
    }
  }
  let pp: PatchPath | undefined
  if (PLAIN_NAME.test(key)) pp = { path: within ? { uri: within.id, attr: key } : { attr: key } }
  else if (!ctx.strict) pp = pathFromKey(ctx, key, within)
  if (!pp) {
    const hint = ctx.strict && !PLAIN_NAME.test(key) ? ' (strict mode: the keys of a value without "path" must be attribute names)' : ''
    ignoreUnknown(ctx, within ? `${within.id}:${key}` : key, () => fail('invalidSyntax', `unknown attribute ${JSON.stringify(key)}${within ? ` in ${within.id}` : ''}${hint}`))
    return
  }
  applyTarget(ctx, state, op, resolveTarget(ctx, pp, 'value'), value, true)
}

/** One operation: its path resolved, or each key of its path-less value. */
function applyOperation(ctx: PatchContext, state: PatchState, op: NormalisedOp): void {
  if (op.path === undefined) {
    const value = op.value as Record<string, unknown>
    for (const key of checkedKeys(value, 'the value')) applyKey(ctx, state, op.op, key, value[key], undefined)
    return
  }
  const target = resolveTarget(ctx, parsePatchPath(op.path, ctx.notes, operationPrefix(ctx.index), !ctx.strict), 'path')
  applyTarget(ctx, state, op.op, target, op.value, op.hasValue)
}

/** The canonical paths whose value differs between `before` and `after` (PatchResult.changed). */
function changedPaths(ctx: PatchContext, before: JsonObject, after: JsonObject): string[] {
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
  const context: PatchContext = { registry, resourceType, strict: options.strict, scope, base, schemas, ...(options.notes ? { notes: options.notes } : {}) }
  const state: PatchState = { doc: structuredClone(document) }
  const budget: Budget = { nodes: PATCH_LIMITS.maxValueNodes }
  ops.forEach((raw, i) =>
    atOperation(i, () => {
      applyOperation({ ...context, index: i }, state, normaliseOperation(raw, options, budget, i))
    }),
  )
  const changed = changedPaths(context, document, state.doc)
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

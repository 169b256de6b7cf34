/**
 * add, remove and replace on an attribute of the document (RFC 7644 §3.5.2.1–3): singular simple
 * and complex attributes, their sub-attributes, and multi-valued attributes with or without a
 * value filter. Keeps the document invariants: unassigned = absent, at most one `primary`,
 * required attributes present, immutable ones unchanged once set.
 */
import type { Json, JsonObject } from '../../domain/kernel/json.js'
import { compileValueFilter } from '../filter/evaluate.js'
import { formatFilter, type Filter } from '../filter/parse.js'
import { subAttributesOf } from '../schema/projection.js'
import { isRequired } from '../schema/representation.js'
import { characteristics, type AttributeDefinition } from '../schema/schemas.js'
import { isObject, RESOURCE_LIMITS } from '../schema/values.js'
import { buildComplex, coerceList, coerceScalar, coerceValue, givenValues } from './coerce.js'
import { valuesMatcher } from './dialects.js'
import { findByName, keyOf, sameValue } from './equality.js'
import type { Target } from './path.js'
import { fail, noteDialectAt, type OpName, type PatchContext, type PatchState } from './state.js'

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

function withContainer(state: PatchState, ext: string | undefined, fn: (c: JsonObject) => void): void {
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

export function checkRemovable(schemaUrn: string, def: AttributeDefinition, label: string): void {
  if (isRequired(schemaUrn, def)) fail('mutability', `${label} is required and cannot be removed`)
  if (characteristics(def).mutability === 'immutable') fail('mutability', `${label} is immutable and cannot be removed`)
}

/** add/replace/remove of a single-valued simple attribute or sub-attribute `key` of `obj`. */
function applyScalar(ctx: PatchContext, op: OpName, def: AttributeDefinition, obj: JsonObject, value: unknown, label: string, schemaUrn: string): void {
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

export function applyAttribute(ctx: PatchContext, state: PatchState, op: OpName, t: Extract<Target, { kind: 'attr' }>, value: unknown, hasValue: boolean): void {
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
    // `add` merges into the complex value; `replace` of it as a whole puts exactly the given
    // sub-attributes in place (draft-zollner-scim-interop-profile §6.5.2.1): an IdP that sends
    // `name` whole means the name it sends. Strict mode keeps RFC 7644 §3.5.2.3's merge.
    const base = op === 'replace' && !ctx.strict ? undefined : isObject(current) ? (current as JsonObject) : undefined
    const merged = buildComplex(ctx, top, value, t.label, base)
    if (merged) c[top.name] = merged
    else if (current !== undefined) {
      checkRemovable(schemaUrn, top, t.label)
      delete c[top.name]
    }
  })
}

/** The element a value filter describes: `type eq "work"` (or an `and` of such) → `{ type: "work" }`. */
function elementFromFilter(ctx: PatchContext, def: AttributeDefinition, filter: Filter, label: string): JsonObject | undefined {
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

function applyMultiValued(ctx: PatchContext, op: OpName, t: Extract<Target, { kind: 'attr' }>, c: JsonObject, value: unknown, hasValue: boolean): void {
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
      const matches = valuesMatcher(ctx, top, givenValues(ctx, top, value, label), label)
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
      noteDialectAt(ctx, 'remove-no-match', `no value of ${label.split('.')[0]} matches ${filterText}: nothing removed`)
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
      if (op === 'replace') noteDialectAt(ctx, 'replace-creates-filtered', `no value of ${label.split('.')[0]} matches ${filterText}: one added`)
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
    if (op === 'replace') noteDialectAt(ctx, 'replace-creates-filtered', `no value of ${label.split('.')[0]} matches ${filterText}: one added`)
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
function setSub(ctx: PatchContext, sub: AttributeDefinition, e: JsonObject, v: Json | undefined, label: string): JsonObject {
  const n = { ...e }
  const previous = n[sub.name]
  if (characteristics(sub).mutability === 'immutable' && previous !== undefined && !sameValue(sub, previous, v)) {
    fail('mutability', `${label} is immutable and already has a value`)
  }
  if (v === undefined) delete n[sub.name]
  else n[sub.name] = v
  return n
}

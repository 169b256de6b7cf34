/**
 * PATCH values read as the schema types them (RFC 7643 §2.3): simple values through
 * schema/values.ts, complex values sub-attribute by sub-attribute (merged over the current value
 * where the RFC says so), multi-valued ones without duplicates.
 */
import type { Json, JsonObject } from '../../domain/kernel/json.js'
import { subAttributesOf } from '../schema/projection.js'
import { isRequired } from '../schema/representation.js'
import { characteristics, type AttributeDefinition } from '../schema/schemas.js'
import { checkedKeys, coerceMultiValued, coerceSimpleValue, isObject, kindOf, RESOURCE_LIMITS, type CoerceOptions } from '../schema/values.js'
import { complexFromBareValue } from './dialects.js'
import { findByName, keyOf, sameValue } from './equality.js'
import { operationPrefix } from '../messages/patch-op.js'
import { fail, ignoreUnknown, noteDialectAt, type PatchContext } from './state.js'

/** PATCH's wording of value errors: it names strict mode, and quotes at most 100 characters of a bad dateTime. Notes name the operation. */
export const coercion = (ctx: PatchContext): CoerceOptions => ({
  strict: ctx.strict,
  explainStrict: true,
  quoteLimit: 100,
  ...(ctx.notes ? { notes: ctx.notes, notePrefix: operationPrefix(ctx.index) } : {}),
})

export function coerceScalar(ctx: PatchContext, def: AttributeDefinition, value: unknown, label: string): Json | undefined {
  if (value === null) return undefined
  return def.type === 'complex' ? buildComplex(ctx, def, value, label, undefined) : coerceSimpleValue(def.type, value, label, coercion(ctx))
}

/**
 * A complex value built from `value` over `base` (merge: sub-attributes not given keep their value,
 * RFC 7644 §3.5.2.1 / §3.5.2.3). `null` sub-attribute values unassign. Returns undefined when
 * nothing is left. With `base`, immutable sub-attributes that have a value cannot change.
 */
export function buildComplex(ctx: PatchContext, def: AttributeDefinition, value: unknown, label: string, base: JsonObject | undefined): JsonObject | undefined {
  const input = complexFromBareValue(ctx, def, value, label)
  const valueSub = findByName(subAttributesOf(def), 'value')
  if (!isObject(input)) {
    const hint = ctx.strict && valueSub && !def.multiValued && typeof input === 'string' ? ` (strict mode: write {"value": ${JSON.stringify(input.slice(0, 100))}})` : ''
    return fail('invalidValue', `${label} must be an object, not ${kindOf(input)}${hint}`)
  }
  const subs = subAttributesOf(def)
  const out: JsonObject = base ? { ...base } : {}
  for (const k of checkedKeys(input, label)) {
    const sub = findByName(subs, k)
    if (!sub) {
      ignoreUnknown(ctx, `${label}.${k}`, () => fail('invalidSyntax', `unknown attribute ${label}.${k}`))
      continue
    }
    const c = characteristics(sub)
    if (c.mutability === 'readOnly') {
      if (ctx.strict) return fail('mutability', `${label}.${sub.name} is readOnly and cannot be modified`)
      noteDialectAt(ctx, 'readonly-sub-ignored', `${label}.${sub.name} is readOnly: skipped`)
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
export function coerceList(ctx: PatchContext, def: AttributeDefinition, value: unknown, label: string): Json[] {
  return coerceMultiValued(
    def,
    value,
    label,
    coercion(ctx),
    (item, itemLabel) => coerceScalar(ctx, def, item, itemLabel),
    (v) => keyOf(def, v),
  )
}

export function coerceValue(ctx: PatchContext, def: AttributeDefinition, value: unknown, label: string): Json | undefined {
  if (value === null || value === undefined) return undefined
  if (def.multiValued) {
    const list = coerceList(ctx, def, value, label)
    return list.length > 0 ? list : undefined
  }
  if (Array.isArray(value)) return fail('invalidValue', `${label} is single-valued and must not be an array`)
  return coerceScalar(ctx, def, value, label)
}


/**
 * The values a lenient `remove` names for a multi-valued attribute (dialects.ts `valuesMatcher`):
 * each read leniently, a bare scalar standing for `value` of a complex attribute; unassigned ones
 * dropped.
 */
export function givenValues(ctx: PatchContext, def: AttributeDefinition, given: unknown, label: string): Json[] {
  const lenient: PatchContext = { ...ctx, strict: false }
  const list = Array.isArray(given) ? given : [given]
  if (list.length > RESOURCE_LIMITS.maxValues) fail('invalidValue', `${label} names more than ${RESOURCE_LIMITS.maxValues} values`)
  const valueSub = def.type === 'complex' ? findByName(subAttributesOf(def), 'value') : undefined
  return list.flatMap((g): Json[] => {
    let v: Json | undefined
    if (def.type !== 'complex') v = coerceScalar(lenient, def, g, label)
    else if (isObject(g)) v = buildComplex(lenient, def, g, label, undefined)
    else if (valueSub && g !== null) {
      const sub = coerceScalar(lenient, valueSub, g, `${label}.value`)
      if (sub !== undefined) v = { [valueSub.name]: sub }
    }
    return v === undefined ? [] : [v]
  })
}

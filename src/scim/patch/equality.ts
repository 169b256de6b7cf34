/**
 * Equality of attribute values as the schema defines it (strings by `caseExact`, complex values
 * sub-attribute by sub-attribute), and a hash key that agrees with it so that de-duplication and
 * matching stay linear.
 */
import { subAttributesOf } from '../schema/projection.js'
import { characteristics, type AttributeDefinition } from '../schema/schemas.js'
import { isObject, sameSimpleValue } from '../schema/values.js'

/** The (sub-)attribute called `name`, case-insensitively. */
export const findByName = (list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined => {
  const lower = name.toLowerCase()
  return list.find((a) => a.name.toLowerCase() === lower)
}

/** Structural JSON equality (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  }
  return false
}

/** Equality as the schema defines it: strings by caseExact, complex values sub-attribute by sub-attribute. */
export function sameValue(def: AttributeDefinition, a: unknown, b: unknown): boolean {
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
export function canonical(def: AttributeDefinition, v: unknown): unknown {
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

export const keyOf = (def: AttributeDefinition, v: unknown): string => JSON.stringify(canonical(def, v))

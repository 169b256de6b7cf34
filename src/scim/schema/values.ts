/**
 * Coercing a JSON value to the SCIM type of an attribute (RFC 7643 §2.3, §2.4): the one rule for the
 * values of a POST/PUT body (resource.ts) and of a PATCH operation (patch.ts).
 *
 * - Simple types: strings and references must be strings, `""` is unassigned; booleans must be
 *   booleans (lenient: also `"true"`/`"false"` in any case, as Entra ID sends them); integers safe
 *   integers; decimals finite numbers; dateTime an xsd:dateTime, stored as `toISOString()` in UTC;
 *   binary RFC 4648 base64. `""` is unassigned for dateTime and binary too.
 * - Multi-valued: an array (lenient: a single value is wrapped), at most `RESOURCE_LIMITS.maxValues`
 *   values, none of them an array; `null` values are dropped; at most one complex value is
 *   `"primary": true`.
 * - Equality of simple values: strings and references by the attribute's `caseExact`, the rest exactly.
 * - Objects of attribute values: at most `RESOURCE_LIMITS.maxKeys` keys, no two differing only in case.
 *
 * Complex values are built by each caller (a PATCH merges into the stored value, a PUT replaces it);
 * they pass their builder in. Errors are ScimError 400 whose detail starts with the `label` given
 * (the attribute's path); PATCH prefixes `Operations[i]: ` around the call. Each lenient reading is
 * noted in `options.notes` under its rule (src/scim/dialect-rules.ts).
 */
import type { Interpretation } from '../interpretation.js'
import type { Json } from '../../domain/kernel/json.js'
import { noteDialect } from '../dialect-rules.js'
import { badRequest } from '../errors.js'
import { characteristics, type AttributeDefinition, type AttributeType } from './schemas.js'

/** Cheap bounds on request structures; anything bigger is 400 invalidValue. */
export const RESOURCE_LIMITS = Object.freeze({
  /** Keys of any one JSON object in the body (the top level, an extension object, a complex value). */
  maxKeys: 100,
  /** Values of one multi-valued attribute (other than Group `members`). */
  maxValues: 1_000,
  /** Elements of Group `members` in one request. */
  maxMembers: 100_000,
} as const)

export interface CoerceOptions {
  /** Strict SCIM: no `"true"`/`"false"` strings for booleans, no single value for a multi-valued attribute. */
  strict: boolean
  /** Where lenient readings (and, for callers that ignore them, unknown attributes) are noted (src/scim/interpretation.ts). */
  notes?: Interpretation
  /** Put before the label in the notes' details (PATCH: `Operations[i]: `), as errors get it around the call. */
  notePrefix?: string
  /** Say in the error that strict mode is what rejected a lenient form, and what was given instead of an array (PATCH's wording). */
  explainStrict?: boolean
  /** Quote at most this many characters of a value that is not an xsd:dateTime (default: all of it). */
  quoteLimit?: number
}

export type SimpleType = Exclude<AttributeType, 'complex'>

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The JSON kind of a value, for error details: `null`, `an array`, `an object`, `string`, … */
export const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v)

const XSD_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/

/** How a dateTime is read where it bounds a range rather than being stored (filter operands). */
export interface DateTimeRule {
  /**
   * Accept xsd's `24:00:00` (XML Schema Part 2 §3.2.7) as the first instant of the next day: a
   * filter may say `lt "2024-02-29T24:00:00Z"`. Values that are stored refuse it, and so are only
   * ever written the one way they are read back.
   */
  endOfDay?: boolean
}

/**
 * xsd:dateTime (RFC 7643 §2.3.5) → `toISOString()` in UTC, or undefined. The one reading of a
 * dateTime in SCIM, for stored values and filter operands alike: years 0001–9999; time zones up to
 * ±14:00; a value without a time zone is taken as UTC (xsd leaves it "unspecified", and the
 * server's local time would make the answer depend on where it runs); fractional seconds beyond
 * milliseconds are truncated.
 */
export function normaliseDateTime(text: string, rule: DateTimeRule = {}): string | undefined {
  const m = XSD_DATE_TIME.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const endOfDay = rule.endOfDay === true && hour === 24 && minute === 0 && second === 0 && !/[1-9]/.test(m[7] ?? '')
  if (year < 1 || month < 1 || month > 12 || day < 1 || (hour > 23 && !endOfDay) || minute > 59 || second > 59) return undefined
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() // month is 1-based: day 0 of the next month
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day > (month === 2 ? (leap ? 29 : 28) : daysInMonth)) return undefined
  const ms = m[7] ? Number(`${m[7].slice(1)}00`.slice(0, 3)) : 0
  const d = new Date(0)
  d.setUTCFullYear(year, month - 1, day)
  d.setUTCHours(hour, minute, second, ms) // 24:00:00 rolls over to the next day
  const zone = m[8]
  if (zone && zone !== 'Z') {
    const zh = Number(zone.slice(1, 3))
    const zm = Number(zone.slice(4, 6))
    if (zh > 14 || zm > 59 || (zh === 14 && zm > 0)) return undefined
    const offset = (zh * 60 + zm) * 60_000
    d.setTime(d.getTime() - (zone[0] === '+' ? offset : -offset))
  }
  const iso = d.toISOString()
  return /^\d{4}-/.test(iso) ? iso : undefined
}

/** RFC 4648 §4 base64 (standard alphabet); padding may be omitted. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/** A value of a simple (not complex) type in its stored form; undefined for an unassigned one (`""`). */
export function coerceSimpleValue(type: SimpleType, value: unknown, label: string, options: CoerceOptions): Json | undefined {
  const wrong = (expected: string): never => {
    throw badRequest('invalidValue', `${label} must be ${expected}, not ${kindOf(value)}`)
  }
  switch (type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string') return wrong('a string')
      return value === '' ? undefined : value
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (!options.strict && typeof value === 'string') {
        const lower = value.toLowerCase()
        if (lower === 'true' || lower === 'false') {
          noteDialect(options.notes, 'boolean-string', `${options.notePrefix ?? ''}${label}: ${JSON.stringify(value)} read as ${lower}`)
          return lower === 'true'
        }
      }
      return wrong(options.strict && options.explainStrict ? 'a boolean (true or false, not a string: strict mode)' : 'a boolean')
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return wrong('an integer')
      return value
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) return wrong('a number')
      return value
    case 'dateTime': {
      if (typeof value !== 'string') return wrong('a dateTime string')
      if (value === '') return undefined
      const iso = normaliseDateTime(value)
      if (iso === undefined) throw badRequest('invalidValue', `${label} is not a valid xsd:dateTime: ${JSON.stringify(value.slice(0, options.quoteLimit))}`)
      return iso
    }
    case 'binary':
      if (typeof value !== 'string') return wrong('a base64 string')
      if (value === '') return undefined
      if (!BASE64.test(value)) throw badRequest('invalidValue', `${label} is not valid base64`)
      return value
  }
}

/** Whether two simple values are equal as the schema defines it: strings and references by `caseExact`, the rest exactly. */
export function sameSimpleValue(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && (def.type === 'string' || def.type === 'reference') && !characteristics(def).caseExact) {
    return a.toLowerCase() === b.toLowerCase()
  }
  return a === b
}

/**
 * The values given for a multi-valued attribute (RFC 7643 §2.4): none for `null`; an array as it
 * is; a single value wrapped in one (lenient) or rejected (strict). At most `max` values.
 */
export function valueList(value: unknown, label: string, max: number, options: CoerceOptions): unknown[] {
  if (value === null || value === undefined) return []
  let list: unknown[]
  if (Array.isArray(value)) list = value
  else if (!options.strict) {
    list = [value]
    noteDialect(options.notes, 'single-value-as-list', `${options.notePrefix ?? ''}${label}: a single value read as a list of one`)
  }
  else if (options.explainStrict) throw badRequest('invalidValue', `${label} is multi-valued: the value must be an array (strict mode), not ${kindOf(value)}`)
  else throw badRequest('invalidValue', `${label} is multi-valued and must be an array`)
  if (list.length > max) throw badRequest('invalidValue', `${label} has more than ${max} values`)
  return list
}

/**
 * A multi-valued attribute's values, each coerced by `coerceItem` (given the element's label,
 * `emails[1]`); unassigned ones are left out, and with `keyOf`, any equal under it to one before.
 */
export function coerceMultiValued(
  def: AttributeDefinition,
  value: unknown,
  label: string,
  options: CoerceOptions,
  coerceItem: (item: unknown, label: string) => Json | undefined,
  keyOf?: (value: Json) => string,
): Json[] {
  const out: Json[] = []
  const seen = new Set<string>()
  valueList(value, label, RESOURCE_LIMITS.maxValues, options).forEach((item, i) => {
    if (Array.isArray(item)) throw badRequest('invalidValue', `${label}[${i}] must not be an array`)
    const v = item === null ? undefined : coerceItem(item, `${label}[${i}]`)
    if (v === undefined) return
    if (keyOf) {
      const key = keyOf(v)
      if (seen.has(key)) return
      seen.add(key)
    }
    out.push(v)
  })
  if (def.type === 'complex' && out.filter((v) => isObject(v) && v.primary === true).length > 1) {
    throw badRequest('invalidValue', `${label} has more than one value with "primary": true`)
  }
  return out
}

/**
 * The keys of an object of attribute values, at most `RESOURCE_LIMITS.maxKeys`, no two differing
 * only in case. `where` names the object in errors; `''` is the resource itself.
 */
export function checkedKeys(obj: Record<string, unknown>, where: string): string[] {
  const keys = Object.keys(obj)
  if (keys.length > RESOURCE_LIMITS.maxKeys) throw badRequest('invalidValue', `${where || 'the resource'} has more than ${RESOURCE_LIMITS.maxKeys} attributes`)
  const seen = new Map<string, string>()
  for (const k of keys) {
    const lower = k.toLowerCase()
    const other = seen.get(lower)
    if (other !== undefined) throw badRequest('invalidSyntax', `attribute given twice: "${other}" and "${k}"${where ? ` in ${where}` : ''}`)
    seen.set(lower, k)
  }
  return keys
}

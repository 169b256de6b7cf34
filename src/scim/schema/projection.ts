/**
 * Attribute projection: which attributes a SCIM response carries (RFC 7644 §3.4.2.5, §3.9, and the
 * `returned` characteristic of RFC 7643 §2.2 / §7).
 *
 * `parseProjection` turns the `attributes` / `excludedAttributes` query parameters into a plan: for
 * every schema of the resource type, the top-level attributes to return and, for complex ones, the
 * sub-attributes. The plan is computed once from the schema registry, so `applyProjection` and
 * `needs` are plain look-ups that do not need the registry. Responses are rendered by renderer.ts,
 * which applies the plan while building (exactly as `applyProjection` on the whole resource would).
 *
 * Rules (see the report in docs/scim.md's compliance matrix):
 * - `returned: "always"` attributes (`id`, `schemas`) are always returned; `excludedAttributes` has no
 *   effect on them (§3.4.2.5). An `always` sub-attribute is returned even when its parent is not
 *   asked for (its parent then carries only the `always` sub-attributes).
 * - `returned: "never"` attributes, and every `writeOnly` attribute (RFC 7643 §7: writeOnly implies
 *   never returned), are never returned, even when named in `attributes`.
 * - No parameters: `always` + `default` attributes (RFC 7644 §3.4).
 * - `attributes`: the minimum set (`always`) plus the attributes and sub-attributes named (§3.9).
 *   Naming a complex attribute returns all its sub-attributes (except `never`), including `request`
 *   ones; naming `name.givenName` returns `name` with only that sub-attribute (plus `always` ones).
 *   A `request` attribute is returned only when named here.
 * - `excludedAttributes`: `always` + `default` minus the attributes/sub-attributes named.
 * - Both given: the RFC does not forbid it; `attributes` selects, then `excludedAttributes` removes.
 * - Names are case-insensitive, may be URN-qualified (`urn:…:enterprise:2.0:User:manager.value`,
 *   `urn:…:core:2.0:User:userName`), and a bare extension URN names the whole extension.
 * - Names that resolve to no attribute: ignored (the RFC is silent; projecting an unknown attribute
 *   returns nothing, as for an unassigned one), or 400 `invalidValue` with `strict`. Malformed lists
 *   (too many or too long names) are 400 `invalidValue` always.
 * - Value filters (lenient mode, `options.valueFilters`; IdPs send them, §3.10 has no such notation):
 *   `attributes=emails[type eq "work"]` returns the values the filter matches, and
 *   `emails[type eq "work"].value` only their `value` (plus `always` sub-attributes). An attribute
 *   also named without a filter returns every value, each with the sub-attributes some name that
 *   matches it selects. In `excludedAttributes`, the matching values (or the sub-attribute named of
 *   them) are left out. A filter on a singular attribute, an unknown sub-attribute or a malformed
 *   name is 400 `invalidValue`; a filter that does not parse or fit the attribute, 400
 *   `invalidFilter`. Strict mode refuses the notation: 400 `invalidValue` (the parameter's value is
 *   not one §3.10 defines; `invalidFilter` is for the `filter` parameter and PATCH paths).
 *   A comma inside the brackets belongs to the filter (`splitAttributeNames`).
 */
import { badRequest } from '../errors.js'
import type { Interpretation } from '../interpretation.js'
import { noteDialect } from '../dialect-rules.js'
import { COMMON_ATTRIBUTES, characteristics, type AttributeDefinition, type ResolvedAttribute, type Returned, type SchemaRegistry } from './schemas.js'

/** What to return of one top-level attribute. */
export interface AttributePlan {
  /** Canonical attribute name. */
  readonly name: string
  /** For complex attributes: the sub-attributes to return, lower-case name → canonical name. */
  readonly subs?: ReadonlyMap<string, string>
  /** For a multi-valued attribute named with a value filter: which of its values to return (`valuesToReturn`). */
  readonly values?: ValueRules
}

/** A value filter of `attributes` / `excludedAttributes` (`emails[type eq "work"].value`). */
export interface ValueRule {
  readonly matches: (value: unknown) => boolean
  /** Lower-case sub-attributes it names (with the `always` ones); undefined: the whole value. */
  readonly subs?: ReadonlySet<string>
}

export interface ValueRules {
  /** A value is returned when one of these matches it, with the sub-attributes of those that do. */
  readonly include?: readonly ValueRule[]
  /** A value one of these matches loses the sub-attributes it names, or the whole value. */
  readonly exclude?: readonly ValueRule[]
}

/**
 * Reads the value filter of a name in `attributes` (`emails[type eq "work"]`): `filter` is the text
 * inside the brackets, `name` the whole name (for messages); answers a predicate over the values of
 * `attribute`, or throws 400 `invalidFilter`. The caller supplies it (src/scim/filter/evaluate.ts
 * `valueFilterReader`): filters build on the schemas, not the other way round.
 */
export type ValueFilterReader = (attribute: ResolvedAttribute, filter: string, name: string) => (value: unknown) => boolean

/** A parsed projection for one resource type. Build it with `parseProjection` or `defaultProjection`. */
export interface Projection {
  /** Resource type name, e.g. `User`. */
  readonly resourceType: string
  /** The resource type's base schema URN (canonical case). */
  readonly coreUrn: string
  /**
   * Lower-case schema URN (base schema first, then extensions) → lower-case attribute name → plan.
   * An attribute absent from its schema's map is not returned.
   */
  readonly plan: ReadonlyMap<string, ReadonlyMap<string, AttributePlan>>
}

export interface ProjectionParams {
  /** `attributes` query parameter(s): comma-separated names; repeated parameters are concatenated. */
  attributes?: string | readonly string[] | null
  excludedAttributes?: string | readonly string[] | null
}

export interface ProjectionOptions {
  /** Reject names that resolve to no attribute of the resource type (400 invalidValue). Default false. */
  strict?: boolean
  /**
   * Lenient mode: read value-filtered names (`emails[type eq "work"]`, not in RFC 7644 §3.10's
   * attribute notation) with this. Without it (strict mode) they are refused, 400 invalidValue.
   */
  valueFilters?: ValueFilterReader
  /** Where each value-filtered name read is noted (src/scim/interpretation.ts). */
  notes?: Interpretation
}

export const PROJECTION_LIMITS = Object.freeze({ maxNames: 200, maxNameLength: 1_000 } as const)

// ---------------------------------------------------------------------------------------------
// Attribute views shared with resource.ts

/**
 * RFC 7643 §2.4 makes `primary` a default sub-attribute of every multi-valued attribute, but the
 * §8.7.1 representation of some (`addresses`) omits it while §4.1.2 and the §8.2 example use it.
 */
const IMPLICIT_PRIMARY: AttributeDefinition = Object.freeze({
  name: 'primary',
  type: 'boolean',
  multiValued: false,
  description: 'RFC 7643 §2.4 default sub-attribute of multi-valued attributes.',
  required: false,
  mutability: 'readWrite',
  returned: 'default',
})

const subAttributeCache = new WeakMap<AttributeDefinition, readonly AttributeDefinition[]>()

/**
 * The sub-attributes of a complex attribute as the server applies them: those the schema defines,
 * plus `primary` (§2.4) for a multi-valued complex attribute whose definition lacks it.
 */
export function subAttributesOf(def: AttributeDefinition): readonly AttributeDefinition[] {
  const cached = subAttributeCache.get(def)
  if (cached) return cached
  const subs = def.subAttributes ?? []
  const result =
    def.type === 'complex' && def.multiValued && !subs.some((s) => s.name.toLowerCase() === 'primary') ? Object.freeze([...subs, IMPLICIT_PRIMARY]) : subs
  subAttributeCache.set(def, result)
  return result
}

/** The `returned` characteristic as enforced: writeOnly attributes are never returned (RFC 7643 §7). */
export function effectiveReturned(def: AttributeDefinition): Returned {
  const c = characteristics(def)
  return c.mutability === 'writeOnly' ? 'never' : c.returned
}

/** Top-level attributes of a schema as a resource carries them: the common ones join the base schema. */
export function topLevelAttributes(registry: SchemaRegistry, urn: string, isBase: boolean): readonly AttributeDefinition[] {
  const schema = registry.get(urn)
  if (!schema) throw new Error(`internal: unknown schema ${urn}`)
  return isBase ? [...COMMON_ATTRIBUTES, ...schema.attributes] : schema.attributes
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface Selection {
  /** Lower-case URNs named as a whole. */
  schemas: Set<string>
  /** `${lowerUrn} ${lowerAttr}` → whole attribute named, and the lower-case sub-attributes named. */
  attrs: Map<string, { whole: boolean; subs: Set<string> }>
  /** `${lowerUrn} ${lowerAttr}` → the value filters naming the attribute, and whether it was named without one too. */
  filtered: Map<string, { rules: ValueRule[]; unfiltered: ValueRule[] }>
}

const key = (urn: string, attr: string): string => `${urn.toLowerCase()} ${attr.toLowerCase()}`

/**
 * Splits a comma-separated attribute list. A comma inside a value filter's brackets or a quoted
 * string there (`emails[value eq "a,b"]`) is part of the name.
 */
export function splitAttributeNames(value: string): string[] {
  const names: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"' && depth > 0) quoted = true
    else if (c === '[') depth++
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if (c === ',' && depth === 0) {
      names.push(value.slice(start, i))
      start = i + 1
    }
  }
  names.push(value.slice(start))
  return names
}

function splitNames(value: string | readonly string[] | null | undefined, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined
  const parts = (typeof value === 'string' ? [value] : value).flatMap((v) => splitAttributeNames(String(v)))
  if (parts.length > PROJECTION_LIMITS.maxNames) throw badRequest('invalidValue', `"${param}" names more than ${PROJECTION_LIMITS.maxNames} attributes`)
  const names = parts.map((p) => p.trim()).filter((p) => p !== '')
  for (const n of names) {
    if (n.length > PROJECTION_LIMITS.maxNameLength) throw badRequest('invalidValue', `"${param}" has an attribute name longer than ${PROJECTION_LIMITS.maxNameLength} characters`)
  }
  return names.length > 0 ? names : undefined
}

/** `emails[type eq "work"].value` → its parts; undefined for a name without a value filter. */
function valueFilteredName(name: string): { attr: string; filter: string; sub?: string } | undefined {
  const open = name.indexOf('[')
  if (open < 0) return undefined
  let quoted = false
  for (let i = open + 1; i < name.length; i++) {
    const c = name[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if (c === ']') {
      const rest = name.slice(i + 1)
      const sub = /^\.([A-Za-z][A-Za-z0-9_-]*|\$ref)$/.exec(rest)?.[1]
      if (rest !== '' && sub === undefined) break
      return { attr: name.slice(0, open), filter: name.slice(open + 1, i), ...(sub !== undefined ? { sub } : {}) }
    }
  }
  throw badRequest('invalidValue', `cannot read the attribute name ${JSON.stringify(name)}: expected attribute[filter] or attribute[filter].subAttribute`)
}

function select(registry: SchemaRegistry, urns: readonly string[], names: readonly string[], param: string, options: ProjectionOptions): Selection {
  const strict = options.strict ?? false
  const selection: Selection = { schemas: new Set(), attrs: new Map(), filtered: new Map() }
  const lowerUrns = new Set(urns.map((u) => u.toLowerCase()))
  const mark = (urn: string, attr: string, sub?: string): void => {
    const k = key(urn, attr)
    let entry = selection.attrs.get(k)
    if (!entry) selection.attrs.set(k, (entry = { whole: false, subs: new Set() }))
    if (sub === undefined) entry.whole = true
    else entry.subs.add(sub.toLowerCase())
  }
  const filteredEntry = (urn: string, attr: string) => {
    const k = key(urn, attr)
    let entry = selection.filtered.get(k)
    if (!entry) selection.filtered.set(k, (entry = { rules: [], unfiltered: [] }))
    return entry
  }
  const unfiltered: Array<[string, string, string | undefined]> = []
  for (const name of names) {
    if (lowerUrns.has(name.toLowerCase())) {
      selection.schemas.add(name.toLowerCase())
      continue
    }
    const filtered = valueFilteredName(name)
    if (filtered) {
      const rule = valueRule(registry, urns, name, filtered, param, options)
      if (!rule) continue
      const { found, sub } = rule
      // Excluding the matching values leaves the attribute (and its sub-attributes) as planned otherwise.
      if (param === 'attributes') mark(found.schema, found.name, sub)
      filteredEntry(found.schema, found.name).rules.push(rule.rule)
      continue
    }
    const found = registry.findAttribute(urns, name)
    if (found) {
      mark(found.schema, found.name, found.subName)
      unfiltered.push([found.schema, found.name, found.subName])
      continue
    }
    // `addresses.primary`: the §2.4 implicit sub-attribute the registry does not know.
    const m = /^(.*)\.primary$/i.exec(name)
    const parent = m?.[1] !== undefined ? registry.findAttribute(urns, m[1]) : undefined
    if (parent && parent.subName === undefined && subAttributesOf(parent.definition).some((s) => s.name === 'primary')) {
      mark(parent.schema, parent.name, 'primary')
      unfiltered.push([parent.schema, parent.name, 'primary'])
      continue
    }
    if (strict) throw badRequest('invalidValue', `"${param}" names an unknown attribute: ${name}`)
  }
  // An attribute named with and without a value filter: the name without one selects every value.
  for (const [urn, attr, sub] of unfiltered) {
    const entry = selection.filtered.get(key(urn, attr))
    if (entry) entry.unfiltered.push({ matches: () => true, ...(sub !== undefined ? { subs: new Set([sub.toLowerCase()]) } : {}) })
  }
  return selection
}

/** A value-filtered name read into its rule (lenient), refused (strict), or undefined for an unknown attribute that is ignored. */
function valueRule(
  registry: SchemaRegistry,
  urns: readonly string[],
  name: string,
  parts: { attr: string; filter: string; sub?: string },
  param: string,
  options: ProjectionOptions,
): { found: ResolvedAttribute; sub?: string; rule: ValueRule } | undefined {
  if (!options.valueFilters) {
    throw badRequest('invalidValue', `"${param}" names ${JSON.stringify(name)}: a value filter is not part of the attribute notation of RFC 7644 §3.10 (strict mode); name the attribute, e.g. ${JSON.stringify(parts.attr)}`)
  }
  const found = registry.findAttribute(urns, parts.attr)
  if (!found) {
    if (options.strict) throw badRequest('invalidValue', `"${param}" names an unknown attribute: ${name}`)
    return undefined
  }
  const def = found.definition
  if (found.subName !== undefined || !def.multiValued) {
    throw badRequest('invalidValue', `"${param}" names ${JSON.stringify(name)}: a value filter "[...]" needs a multi-valued attribute, and "${found.path}" is not one`)
  }
  let sub: string | undefined
  if (parts.sub !== undefined) {
    const lower = parts.sub.toLowerCase()
    sub = def.type === 'complex' ? subAttributesOf(def).find((s) => s.name.toLowerCase() === lower)?.name : undefined
    if (sub === undefined) throw badRequest('invalidValue', `"${param}" names ${JSON.stringify(name)}: "${parts.sub}" is not a sub-attribute of "${found.name}"`)
  }
  const matches = options.valueFilters(found, parts.filter, name)
  noteDialect(options.notes, 'attributes-value-filter', `${param}: ${name.length > 200 ? `${name.slice(0, 197)}...` : name}`)
  // Selecting a sub-attribute returns the `always` ones with it; excluding one removes only it.
  const always = param === 'attributes' ? subAttributesOf(def).filter((s) => effectiveReturned(s) === 'always').map((s) => s.name.toLowerCase()) : []
  const rule: ValueRule = sub === undefined ? { matches } : { matches, subs: new Set([sub.toLowerCase(), ...always]) }
  return { found, ...(sub !== undefined ? { sub } : {}), rule }
}

/**
 * Parses `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) for `resourceType`. Throws 400
 * invalidValue for malformed lists, and (strict) for unknown names.
 */
export function parseProjection(registry: SchemaRegistry, resourceType: string, params: ProjectionParams, options: ProjectionOptions = {}): Projection {
  const rt = registry.resourceType(resourceType)
  if (!rt) throw new Error(`internal: unknown resource type ${resourceType}`)
  const urns = registry.schemaUrnsFor(rt.name)
  const attributes = splitNames(params.attributes, 'attributes')
  const excluded = splitNames(params.excludedAttributes, 'excludedAttributes')
  const include = attributes ? select(registry, urns, attributes, 'attributes', options) : undefined
  const exclude = excluded ? select(registry, urns, excluded, 'excludedAttributes', options) : undefined

  const plan = new Map<string, ReadonlyMap<string, AttributePlan>>()
  urns.forEach((urn, index) => {
    const lowerUrn = urn.toLowerCase()
    const attrs = new Map<string, AttributePlan>()
    for (const def of topLevelAttributes(registry, urn, index === 0)) {
      const returned = effectiveReturned(def)
      if (returned === 'never') continue
      const inc = include?.attrs.get(key(urn, def.name))
      const exc = exclude?.attrs.get(key(urn, def.name))
      const schemaIncluded = include?.schemas.has(lowerUrn) ?? false
      const named = schemaIncluded || inc !== undefined
      let top: boolean
      if (returned === 'always') top = true
      else if (include) top = named
      else top = returned === 'default'
      if (returned !== 'always' && (exclude?.schemas.has(lowerUrn) || exc?.whole)) top = false
      const values = valueRules(include?.filtered.get(key(urn, def.name)), exclude?.filtered.get(key(urn, def.name)))
      if (def.type !== 'complex') {
        if (top) attrs.set(def.name.toLowerCase(), Object.freeze({ name: def.name, ...(values ? { values } : {}) }))
        continue
      }
      const whole = schemaIncluded || (inc?.whole ?? false)
      const subs = new Map<string, string>()
      for (const sub of subAttributesOf(def)) {
        const r = effectiveReturned(sub)
        if (r === 'never') continue
        const lower = sub.name.toLowerCase()
        let keep: boolean
        if (r === 'always') keep = true // regardless of the parameters (RFC 7643 §2.2), so it brings its parent along
        else if (!top) keep = false
        else if (include && named) keep = whole || (inc?.subs.has(lower) ?? false)
        else keep = r === 'default'
        if (r !== 'always' && exc?.subs.has(lower)) keep = false
        if (keep) subs.set(lower, sub.name)
      }
      if (top || subs.size > 0) attrs.set(def.name.toLowerCase(), Object.freeze({ name: def.name, subs, ...(values ? { values } : {}) }))
    }
    plan.set(lowerUrn, attrs)
  })
  return Object.freeze({ resourceType: rt.name, coreUrn: rt.schema, plan })
}

function valueRules(
  include: { rules: ValueRule[]; unfiltered: ValueRule[] } | undefined,
  exclude: { rules: ValueRule[] } | undefined,
): ValueRules | undefined {
  if (!include && !exclude) return undefined
  return Object.freeze({
    ...(include ? { include: Object.freeze([...include.rules, ...include.unfiltered]) } : {}),
    ...(exclude ? { exclude: Object.freeze(exclude.rules) } : {}),
  })
}

/**
 * What to return of one value of a value-filtered attribute (`p.values`): `false` for nothing, else
 * the sub-attributes to keep of it (`p.subs` narrowed to those the matching rules name; undefined
 * for an attribute that is not complex).
 */
export function valuePlan(p: AttributePlan, value: unknown): ReadonlyMap<string, string> | undefined | false {
  const rules = p.values
  if (!rules) return p.subs
  let keep: Set<string> | 'all' | undefined
  if (rules.include) {
    for (const r of rules.include) {
      if (!r.matches(value)) continue
      if (!r.subs) keep = 'all'
      else if (keep !== 'all') {
        const named: Set<string> = keep ?? new Set()
        for (const sub of r.subs) named.add(sub)
        keep = named
      }
    }
    if (keep === undefined) return false
  } else keep = 'all'
  const drop = new Set<string>()
  for (const r of rules.exclude ?? []) {
    if (!r.matches(value)) continue
    if (!r.subs) return false
    for (const s of r.subs) drop.add(s)
  }
  if (!p.subs || (keep === 'all' && drop.size === 0)) return p.subs
  const narrowed = new Map<string, string>()
  for (const [lower, name] of p.subs) if ((keep === 'all' || keep.has(lower)) && !drop.has(lower)) narrowed.set(lower, name)
  return narrowed
}

const defaults = new WeakMap<SchemaRegistry, Map<string, Projection>>()

/** The projection with no parameters (`always` + `default`), cached per registry and resource type. */
export function defaultProjection(registry: SchemaRegistry, resourceType: string): Projection {
  let byType = defaults.get(registry)
  if (!byType) defaults.set(registry, (byType = new Map()))
  const k = resourceType.toLowerCase()
  let projection = byType.get(k)
  if (!projection) byType.set(k, (projection = parseProjection(registry, resourceType, {})))
  return projection
}

/** How many parsed projections `requestedProjection` keeps per registry, and the longest parameters it keeps one for. */
export const PROJECTION_CACHE = Object.freeze({ perRegistry: 64, maxKeyLength: 2_000 } as const)

const requested = new WeakMap<SchemaRegistry, Map<string, Projection>>()

/**
 * The projection a request's `attributes` / `excludedAttributes` ask for: the default one when
 * neither is given, else parsed once per registry and parameter text, so clients that shape every
 * request the same way (`excludedAttributes=members`) share one projection and the renderer compiled
 * for it. A pure cache: the same parameters always give the same projection, and errors are never
 * cached. Bounded: the oldest entry goes when a registry has too many. Names with a value filter
 * are parsed for every request: how they read depends on the tenant's mode, and each is noted.
 * `options.strict` is not for this (unknown names are ignored here).
 */
export function requestedProjection(registry: SchemaRegistry, resourceType: string, params: ProjectionParams, options: Omit<ProjectionOptions, 'strict'> = {}): Projection {
  const attributes = params.attributes ?? undefined
  const excludedAttributes = params.excludedAttributes ?? undefined
  if (attributes === undefined && excludedAttributes === undefined) return defaultProjection(registry, resourceType)
  const k = JSON.stringify([resourceType.toLowerCase(), attributes ?? null, excludedAttributes ?? null])
  const valueFiltered = [attributes, excludedAttributes].flat().some((v) => typeof v === 'string' && v.includes('['))
  if (k.length > PROJECTION_CACHE.maxKeyLength || valueFiltered) return parseProjection(registry, resourceType, params, { ...options, strict: false })
  let byKey = requested.get(registry)
  if (!byKey) requested.set(registry, (byKey = new Map()))
  let projection = byKey.get(k)
  if (!projection) {
    projection = parseProjection(registry, resourceType, params)
    if (byKey.size >= PROJECTION_CACHE.perRegistry) byKey.delete(byKey.keys().next().value as string)
    byKey.set(k, projection)
  }
  return projection
}

// ---------------------------------------------------------------------------------------------
// Applying

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function pick(value: Record<string, unknown>, subs: ReadonlyMap<string, string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (subs.has(k.toLowerCase())) out[k] = v
  return Object.keys(out).length > 0 ? out : undefined
}

function projectValue(p: AttributePlan, value: unknown): unknown {
  if (p.values && Array.isArray(value)) {
    const items = value.flatMap((v) => {
      const subs = valuePlan(p, v)
      if (subs === false) return []
      const item = subs && isObject(v) ? pick(v, subs) : v
      return item === undefined ? [] : [item]
    })
    return items.length > 0 ? items : undefined
  }
  if (p.subs === undefined) return value
  const subs = p.subs
  if (Array.isArray(value)) {
    const items = value.map((v) => (isObject(v) ? pick(v, subs) : v)).filter((v) => v !== undefined)
    return items.length > 0 ? items : undefined
  }
  return isObject(value) ? pick(value, subs) : value
}

function projectAttributes(plan: ReadonlyMap<string, AttributePlan>, source: Record<string, unknown>, into: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(source)) {
    const p = plan.get(k.toLowerCase())
    if (!p) continue
    const projected = projectValue(p, v)
    if (projected !== undefined) into[k] = projected
  }
}

/**
 * Returns `resource` (a full SCIM representation: `schemas`, `id`, attributes, extension objects,
 * `meta`) reduced to what `projection` asks for. `schemas` is kept (it is `always`) but lists only
 * the base schema and the extensions still present. Keys not in the schemas are dropped.
 */
export function applyProjection(projection: Projection, resource: Record<string, unknown>): Record<string, unknown> {
  const coreKey = projection.coreUrn.toLowerCase()
  const corePlan = projection.plan.get(coreKey) ?? new Map<string, AttributePlan>()
  const out: Record<string, unknown> = {}
  const schemas = resource.schemas
  const keepSchemas = Array.isArray(schemas) && corePlan.has('schemas')
  if (keepSchemas) out.schemas = []
  for (const [k, v] of Object.entries(resource)) {
    const lower = k.toLowerCase()
    if (lower === 'schemas') continue
    const extPlan = lower !== coreKey ? projection.plan.get(lower) : undefined
    if (extPlan) {
      if (!isObject(v)) continue
      const projected: Record<string, unknown> = {}
      projectAttributes(extPlan, v, projected)
      if (Object.keys(projected).length > 0) out[k] = projected
      continue
    }
    const p = corePlan.get(lower)
    if (!p) continue
    const projected = projectValue(p, v)
    if (projected !== undefined) out[k] = projected
  }
  if (keepSchemas) {
    const present = new Set(Object.keys(out).map((k) => k.toLowerCase()))
    out.schemas = (schemas as unknown[]).filter((s) => typeof s === 'string' && (s.toLowerCase() === coreKey || present.has(s.toLowerCase())))
  }
  return out
}

/**
 * Whether a response under `projection` includes the attribute `name` (`members`, `groups`,
 * `name.givenName`, or URN-qualified), so callers can skip loading what will not be returned.
 */
export function needs(projection: Projection, name: string): boolean {
  let answers = needed.get(projection)
  if (!answers) needed.set(projection, (answers = new Map()))
  let answer = answers.get(name)
  if (answer === undefined) {
    answer = resolveNeeds(projection, name)
    if (answers.size < 32) answers.set(name, answer)
  }
  return answer
}

/** `needs`' answers per projection: callers ask the same few names (`groups`, `members`) for every page; a few dozen are kept. */
const needed = new WeakMap<Projection, Map<string, boolean>>()

function resolveNeeds(projection: Projection, name: string): boolean {
  const lower = name.toLowerCase()
  const has = (plan: ReadonlyMap<string, AttributePlan>, path: string): boolean => {
    const [attr, sub, ...rest] = path.split('.')
    if (attr === undefined || rest.length > 0) return false
    const p = plan.get(attr)
    if (!p) return false
    return sub === undefined || (p.subs?.has(sub) ?? false)
  }
  let best: string | undefined
  for (const urn of projection.plan.keys()) {
    if ((lower === urn || lower.startsWith(`${urn}:`)) && (best === undefined || urn.length > best.length)) best = urn
  }
  if (best !== undefined) {
    const plan = projection.plan.get(best) as ReadonlyMap<string, AttributePlan>
    return lower === best ? plan.size > 0 : has(plan, lower.slice(best.length + 1))
  }
  for (const plan of projection.plan.values()) if (has(plan, lower)) return true
  return false
}

/** Alias of `needs`. */
export const wantsAttribute = needs

/**
 * Rendering stored resources as SCIM representations, compiled once per (schema registry,
 * projection) instead of walking the schema for every record.
 *
 * The output is exactly what building the whole representation and then applying the projection
 * (applyProjection in projection.ts) gives, key order included: `schemas`, `id`, the base schema's
 * attributes in schema order (`groups` / `members` at their place), the extension objects in the
 * resource type's order, `meta`. Only what the projection keeps is built, and only containers that
 * are returned are copied: the result never shares an object or array with the record, so nothing
 * the caller does with one can change the other.
 *
 * Compiled renderers hang off the projection object (WeakMap), so they live as long as it does:
 * default projections are cached per registry, and a tenant's registry is rebuilt when its custom
 * attributes change (tenant-schema.ts), taking its projections and renderers with it. A projection
 * parsed from a request's `attributes` is compiled once for the page it renders. A value-filtered
 * attribute (`emails[type eq "work"]`) is filtered value by value with the predicates the projection
 * carries (projection.ts `valuePlan`); a user's `groups` and a group's `members` are matched as the
 * full representation shows them, `$ref` included.
 */
import type { Json, JsonObject } from '../../domain/kernel/json.js'
import type { ResourceDocument } from './document.js'
import { topLevelAttributes, valuePlan, type AttributePlan, type Projection } from './projection.js'
import type { SchemaRegistry } from './schemas.js'

export interface WireGroupRef {
  value: string
  display: string
  type: 'direct' | 'indirect'
}

export interface WireMemberRef {
  value: string
  type: 'User' | 'Group'
  display?: string
}

export interface ResourceRecord {
  id: string
  document: ResourceDocument
  created: Date
  modified: Date
  version: number
  /** A user's groups (computed from memberships). */
  groups?: readonly WireGroupRef[]
  /** A group's members. */
  members?: readonly WireMemberRef[]
}

/** Renders one record; `baseUrl` is the SCIM base URL (a trailing slash is ignored). */
export type WireRenderer = (record: ResourceRecord, baseUrl: string) => Record<string, unknown>

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A returned leaf value: primitives as they are, anything else (never in a valid document) copied. */
const copyLeaf = (v: unknown): unknown => (typeof v === 'object' && v !== null ? structuredClone(v) : v)

/** The document value of an attribute, matching its name case-insensitively (first match in key order). */
function findKey(obj: JsonObject, name: string): Json | undefined {
  if (Object.hasOwn(obj, name)) return obj[name]
  const lower = name.toLowerCase()
  const k = Object.keys(obj).find((x) => x.toLowerCase() === lower)
  return k === undefined ? undefined : obj[k]
}

/**
 * Whether an object written with `out[k] = v` for these keys got an own property whenever one was
 * written: true unless a key is `__proto__`, which sets the prototype instead. Attribute names
 * cannot be `__proto__`, but the check costs nothing at compile time.
 */
const plainKeys = (names: Iterable<string>): boolean => ![...names].includes('__proto__')

/** Returns a value of one attribute as the plan says, or undefined when nothing of it is returned. */
type ValueProjector = (value: unknown) => unknown

function projectorFor(p: AttributePlan): ValueProjector {
  if (p.values) return filteredProjector(p)
  const subs = p.subs
  if (subs === undefined) return copyLeaf
  const canonical = new Set(subs.values())
  const plain = plainKeys(subs.keys())
  const keep = (k: string): boolean => canonical.has(k) || subs.has(k.toLowerCase())
  const pick = (value: Record<string, unknown>): Record<string, unknown> | undefined => {
    const out: Record<string, unknown> = {}
    let any = false
    for (const k of Object.keys(value)) {
      if (!keep(k)) continue
      out[k] = copyLeaf(value[k])
      any = true
    }
    return any && (plain || Object.keys(out).length > 0) ? out : undefined
  }
  return (value) => {
    if (!Array.isArray(value)) return isObject(value) ? pick(value) : copyLeaf(value)
    let items: unknown[] | undefined
    for (const v of value) {
      const item = isObject(v) ? pick(v) : copyLeaf(v)
      if (item !== undefined) (items ??= []).push(item)
    }
    return items
  }
}

/**
 * A multi-valued attribute named with a value filter (`emails[type eq "work"].value`): each value
 * the filter matches, with the sub-attributes its rules name (projection.ts `valuePlan`).
 */
function filteredProjector(p: AttributePlan): ValueProjector {
  const pick = (value: Record<string, unknown>, subs: ReadonlyMap<string, string>): Record<string, unknown> | undefined => {
    const out: Record<string, unknown> = {}
    let any = false
    for (const k of Object.keys(value)) {
      if (!subs.has(k.toLowerCase()) || k === '__proto__') continue
      out[k] = copyLeaf(value[k])
      any = true
    }
    return any ? out : undefined
  }
  const single = projectorFor({ name: p.name, ...(p.subs ? { subs: p.subs } : {}) })
  return (value) => {
    if (!Array.isArray(value)) return single(value)
    let items: unknown[] | undefined
    for (const v of value) {
      const subs = valuePlan(p, v)
      if (subs === false) continue
      const item = subs && isObject(v) ? pick(v, subs) : copyLeaf(v)
      if (item !== undefined) (items ??= []).push(item)
    }
    return items
  }
}

/** One top-level attribute of the base schema: adds it to `out` when the record has something to return. */
type Slot = (record: ResourceRecord, doc: JsonObject, exact: boolean, base: string, out: Record<string, unknown>) => void

interface Compiled {
  /** The resource type name the projection is for. */
  readonly type: string
  readonly render: WireRenderer
}

const compiled = new WeakMap<Projection, WeakMap<SchemaRegistry, Compiled>>()

/** The renderer of `projection`'s resource type under `projection`, compiled on first use. */
export function rendererFor(registry: SchemaRegistry, projection: Projection): Compiled {
  let byRegistry = compiled.get(projection)
  if (!byRegistry) compiled.set(projection, (byRegistry = new WeakMap()))
  let hit = byRegistry.get(registry)
  if (!hit) byRegistry.set(registry, (hit = compile(registry, projection)))
  return hit
}

function compile(registry: SchemaRegistry, projection: Projection): Compiled {
  const rt = registry.resourceType(projection.resourceType)
  if (!rt) throw new Error(`internal: unknown resource type ${projection.resourceType}`)
  const coreKey = projection.coreUrn.toLowerCase()
  const corePlan = projection.plan.get(coreKey) ?? new Map<string, AttributePlan>()
  const keepSchemas = corePlan.has('schemas')
  const keepCore = rt.schema.toLowerCase() === coreKey
  const keepId = corePlan.has('id')

  // Names a canonical document uses: when a record's keys are all among them (and no two differ
  // only in case), exact lookups find what a case-insensitive search would.
  const known = new Set<string>()
  const endpoints = new Map<string, string>()
  const endpointOf = (type: string): string => {
    let endpoint = endpoints.get(type)
    if (endpoint === undefined) {
      const target = registry.resourceType(type)
      if (!target) throw new Error(`internal: unknown resource type ${type}`)
      endpoints.set(type, (endpoint = target.endpoint))
    }
    return endpoint
  }
  const lookup = (doc: JsonObject, exact: boolean, name: string): Json | undefined => (exact ? (Object.hasOwn(doc, name) ? doc[name] : undefined) : findKey(doc, name))

  const slots: Slot[] = []
  const placed = new Set<string>()
  for (const def of topLevelAttributes(registry, rt.schema, true)) {
    const name = def.name
    known.add(name)
    if (name === 'schemas' || name === 'id' || name === 'meta' || placed.has(name)) continue
    placed.add(name)
    const p = corePlan.get(name.toLowerCase())
    if (!p) continue
    if (rt.name === 'User' && name === 'groups') slots.push(referenceSlot(p, 'groups', (r) => r.groups, () => endpointOf('Group')))
    else if (rt.name === 'Group' && name === 'members') slots.push(referenceSlot(p, 'members', (r) => r.members, endpointOf))
    else {
      const project = projectorFor(p)
      slots.push((_record, doc, exact, _base, out) => {
        const value = lookup(doc, exact, name)
        if (value === undefined || value === null) return
        const projected = project(value)
        if (projected !== undefined) out[name] = projected
      })
    }
  }

  const extensions: Array<{ urn: string; project: (value: Record<string, unknown>) => Record<string, unknown> | undefined }> = []
  for (const ext of rt.schemaExtensions ?? []) {
    known.add(ext.schema)
    const plan = ext.schema.toLowerCase() !== coreKey ? projection.plan.get(ext.schema.toLowerCase()) : undefined
    if (plan) extensions.push({ urn: ext.schema, project: extensionProjector(plan) })
  }
  const lowered = new Set([...known].map((k) => k.toLowerCase()))
  const exactLookups = lowered.size === known.size

  const metaPlan = corePlan.get('meta')
  const metaSubs = metaPlan?.subs
  const meta = {
    resourceType: metaSubs?.has('resourcetype') ?? false,
    created: metaSubs?.has('created') ?? false,
    lastModified: metaSubs?.has('lastmodified') ?? false,
    location: metaSubs?.has('location') ?? false,
    version: metaSubs?.has('version') ?? false,
  }
  const keepMeta = meta.resourceType || meta.created || meta.lastModified || meta.location || meta.version

  let lastBaseUrl: string | undefined
  let lastBase = ''
  const render: WireRenderer = (record, baseUrl) => {
    if (baseUrl !== lastBaseUrl) {
      lastBase = baseUrl.replace(/\/+$/, '')
      lastBaseUrl = baseUrl
    }
    const base = lastBase
    const doc = record.document
    let exact = exactLookups
    if (exact) {
      for (const k in doc) {
        if (!known.has(k)) {
          exact = false
          break
        }
      }
    }
    const out: Record<string, unknown> = {}
    const schemas: string[] | undefined = keepSchemas ? (keepCore ? [rt.schema] : []) : undefined
    if (schemas) out.schemas = schemas
    if (keepId && record.id !== undefined) out.id = record.id
    for (const slot of slots) slot(record, doc, exact, base, out)
    for (const ext of extensions) {
      const value = lookup(doc, exact, ext.urn)
      if (!isObject(value)) continue
      const projected = ext.project(value)
      if (projected === undefined) continue
      out[ext.urn] = projected
      schemas?.push(ext.urn)
    }
    if (keepMeta) {
      const m: Record<string, unknown> = {}
      if (meta.resourceType) m.resourceType = rt.name
      if (meta.created) m.created = record.created.toISOString()
      if (meta.lastModified) m.lastModified = record.modified.toISOString()
      if (meta.location) m.location = `${base}${rt.endpoint}/${encodeURIComponent(record.id)}`
      if (meta.version) m.version = `W/"${record.version}"`
      out.meta = m
    }
    return out
  }
  return { type: rt.name, render }
}

/** An extension object: its attributes in the document's key order, each as its plan says. */
function extensionProjector(plan: ReadonlyMap<string, AttributePlan>): (value: Record<string, unknown>) => Record<string, unknown> | undefined {
  const byLower = new Map<string, ValueProjector>()
  const byName = new Map<string, ValueProjector>()
  for (const [lower, p] of plan) {
    const project = projectorFor(p)
    byLower.set(lower, project)
    byName.set(p.name, project)
  }
  const plain = plainKeys(plan.keys())
  return (value) => {
    const out: Record<string, unknown> = {}
    let any = false
    for (const k of Object.keys(value)) {
      const project = byName.get(k) ?? byLower.get(k.toLowerCase())
      if (!project) continue
      const projected = project(value[k])
      if (projected === undefined) continue
      out[k] = projected
      any = true
    }
    return any && (plain || Object.keys(out).length > 0) ? out : undefined
  }
}

interface Reference {
  readonly value: string
  readonly display?: string
  readonly type: string
}

/** A user's `groups` or a group's `members`: references built with their `$ref`, keeping only the planned sub-attributes. */
function referenceSlot(
  p: AttributePlan,
  name: 'groups' | 'members',
  refs: (record: ResourceRecord) => readonly Reference[] | undefined,
  endpointOf: (type: string) => string,
): Slot {
  const keepOf = (subs: ReadonlyMap<string, string>) => ({ value: subs.has('value'), ref: subs.has('$ref'), display: subs.has('display'), type: subs.has('type') })
  const planned = keepOf(p.subs ?? new Map<string, string>())
  return (record, _doc, _exact, base, out) => {
    const list = refs(record)
    if (!list || list.length === 0) return
    let items: Array<Record<string, unknown>> | undefined
    for (const r of list) {
      // Resolved for every reference, as the full representation does, so an unknown type fails alike.
      const endpoint = endpointOf(r.type)
      let keep = planned
      if (p.values) {
        // A value filter sees the reference as the full representation shows it.
        const full: Record<string, unknown> = { value: r.value, $ref: `${base}${endpoint}/${encodeURIComponent(r.value)}`, type: r.type }
        if (r.display) full.display = r.display
        const subs = valuePlan(p, full)
        if (subs === false) continue
        keep = keepOf(subs ?? new Map<string, string>())
      }
      const item: Record<string, unknown> = {}
      let any = false
      if (keep.value) {
        item.value = r.value
        any = true
      }
      if (keep.ref) {
        item.$ref = `${base}${endpoint}/${encodeURIComponent(r.value)}`
        any = true
      }
      if (keep.display && r.display) {
        item.display = r.display
        any = true
      }
      if (keep.type) {
        item.type = r.type
        any = true
      }
      if (any) (items ??= []).push(item)
    }
    if (items) out[name] = items
  }
}

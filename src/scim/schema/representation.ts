/**
 * SCIM resource representation ⇄ stored document (src/scim/schema/document.ts), driven by the schema
 * registry (schemas/*.json, RFC 7643 §2, §3, §4, §7).
 *
 * `fromWire` validates and normalises a POST (create) or PUT (replace) body (RFC 7644 §3.3, §3.5.1);
 * `toWire` builds the representation returned to clients, with `meta`, `$ref`s and the projection of
 * RFC 7644 §3.4.2.5 / §3.9 applied (src/scim/schema/projection.ts), by a renderer compiled once per
 * registry and projection (src/scim/schema/renderer.ts).
 *
 * Error types (RFC 7644 §3.12, Table 9): `invalidSyntax` when the message structure is wrong (body
 * not an object, `schemas` missing or not an array of strings, the base schema URN absent from it,
 * an attribute given twice in different case, and — in strict mode — an attribute or schema URN the
 * tenant's schema does not have, as draft-zollner-scim-interop-profile §5.3 asks); `invalidValue` for
 * everything about the values of known attributes (wrong type, missing required value, too many values);
 * `mutability` when a replace changes an immutable value. Details name the attribute by its path.
 *
 * Lenient (default) vs `strict`; each lenient reading is noted in `options.notes`
 * (src/scim/interpretation.ts) under its rule (src/scim/dialect-rules.ts):
 * - `"true"`/`"false"` strings (any case) for booleans: accepted and converted (Entra ID sends them) /
 *   rejected.
 * - A single value for a multi-valued attribute: wrapped in an array / rejected.
 * - An extension object whose URN is missing from `schemas`: accepted / rejected.
 * - A URN listed twice in `schemas`: tolerated / rejected.
 * - Attributes the tenant's schema does not have (a misspelt `adreses`, `name.middel`, an enterprise
 *   `costCenterX`, an attribute of an extension the tenant lacks, or the whole object of an unknown
 *   schema URN such as an IdP's own extension): ignored, each noted by its path / rejected
 *   (invalidSyntax). An IdP maps attributes the tenant has not defined yet (its custom mappings
 *   arrive before the tenant's custom attributes do), and a 400 fails every later request about that
 *   user in the IdP; ignoring them keeps provisioning going. Nothing vanishes without a trace: the
 *   notes go to the change's audit event (`ignored`) and the provisioning log, where an admin sees the
 *   misspelling. Only unknown names are ignored: a wrong type or value of a known attribute, a
 *   readOnly or immutable rule, a custom attribute's value rule and the message structure (body not
 *   an object, `schemas` missing or without the core URN) stay 400 in both modes, since ignoring
 *   those would drop a value the schema knows and the client meant.
 */
import type { Interpretation } from '../interpretation.js'
import type { JsonObject, Json } from '../../domain/kernel/json.js'
import type { MemberInput, ResourceDocument, ScimResourceType } from './document.js'
import { badRequest } from '../errors.js'
import { noteDialect } from '../dialect-rules.js'
import { defaultProjection, subAttributesOf, topLevelAttributes, type Projection } from './projection.js'
import { rendererFor, type ResourceRecord, type WireRenderer } from './renderer.js'
import { characteristics, SCHEMA_URNS, type AttributeDefinition, type ResourceTypeDefinition, type SchemaRegistry } from './schemas.js'
import { checkedKeys, coerceMultiValued, coerceSimpleValue, isObject, kindOf, RESOURCE_LIMITS, sameSimpleValue, valueList, type CoerceOptions } from './values.js'

// Part of this module's surface from before values.ts (tests, docs/decisions.md).
export { normaliseDateTime, RESOURCE_LIMITS } from './values.js'

export interface FromWireOptions {
  mode: 'create' | 'replace'
  /** The stored document being replaced (mode `replace`): immutable attributes are checked against it. */
  existing?: ResourceDocument
  /** Reject the tolerated deviations listed in the module comment. Default false. */
  strict?: boolean
  /** Where lenient readings and ignored attributes are noted (src/scim/interpretation.ts). */
  notes?: Interpretation
}

export interface FromWireResult {
  document: ResourceDocument
  /** The writeOnly `password`, when given (never part of the document). */
  password?: string
  /**
   * Group `members` when the body has the attribute: `[]` when given as `null`/`[]`, undefined when
   * absent (RFC 7644 §3.5.1 lets a server treat an omitted attribute as not asserted).
   */
  members?: MemberInput[]
}

// The record toWire renders (renderer.ts owns it, as the module that reads it).
export type { ResourceRecord, WireGroupRef, WireMemberRef } from './renderer.js'

/** What a stored user or group (src/domain/model.ts) has that toWire shows. */
export interface StoredResource {
  id: string
  resource: ResourceDocument
  created: Date
  modified: Date
  version: number
}

/** The record toWire takes for a stored user or group, with its groups or members when they were read. */
export function storedRecord(stored: StoredResource, related: Pick<ResourceRecord, 'groups' | 'members'> = {}): ResourceRecord {
  return { id: stored.id, document: stored.resource, created: stored.created, modified: stored.modified, version: stored.version, ...related }
}

export interface ToWireOptions {
  /** The SCIM base URL, e.g. `https://host/scim/v2` (a trailing slash is ignored). */
  baseUrl: string
  /** Default: `always` + `default` attributes. */
  projection?: Projection
}

export interface DocumentColumns {
  userName?: string
  externalId: string | null
  displayName: string | null
  email: string | null
  active: boolean
}

/**
 * Attributes treated as required although the schema file says otherwise. Group `displayName`:
 * RFC 7643 §4.2 and its description say REQUIRED, the §8.7.1 representation says `required: false`.
 */
const REQUIRED_OVERRIDES: ReadonlyMap<string, ReadonlySet<string>> = new Map([[SCHEMA_URNS.Group.toLowerCase(), new Set(['displayname'])]])

// ---------------------------------------------------------------------------------------------
// Helpers

const byName = (list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined => {
  const lower = name.toLowerCase()
  return list.find((a) => a.name.toLowerCase() === lower)
}

function resourceTypeOf(registry: SchemaRegistry, resourceType: string): ResourceTypeDefinition {
  const rt = registry.resourceType(resourceType)
  if (!rt) throw new Error(`internal: unknown resource type ${resourceType}`)
  return rt
}

/**
 * An attribute the tenant's schema does not have, named by `path`: lenient mode ignores it and notes
 * so (the module comment says why), strict mode answers 400 invalidValue.
 */
function unknownAttribute(ctx: CoerceOptions, path: string): void {
  if (ctx.strict) throw badRequest('invalidSyntax', `unknown attribute ${path}`)
  ctx.notes?.ignored(path)
}

// ---------------------------------------------------------------------------------------------
// fromWire: values

/** A value of a simple type, or a complex value (no stored value to keep immutable parts of). */
function parseScalar(def: AttributeDefinition, value: unknown, path: string, ctx: CoerceOptions): Json | undefined {
  return def.type === 'complex' ? parseComplex(def, value, path, ctx, undefined) : coerceSimpleValue(def.type, value, path, ctx)
}

function parseComplex(def: AttributeDefinition, value: unknown, path: string, ctx: CoerceOptions, existing: Json | undefined): JsonObject | undefined {
  if (!isObject(value)) throw badRequest('invalidValue', `${path} must be an object, not ${kindOf(value)}`)
  const subs = subAttributesOf(def)
  const given = new Map<string, unknown>()
  for (const k of checkedKeys(value, path)) {
    const sub = byName(subs, k)
    if (!sub) {
      unknownAttribute(ctx, `${path}.${k}`)
      continue
    }
    given.set(sub.name, value[k])
  }
  const previous = isObject(existing) ? (existing as JsonObject) : undefined
  const out: JsonObject = {}
  for (const sub of subs) {
    const c = characteristics(sub)
    if (c.mutability === 'readOnly') continue
    const subPath = `${path}.${sub.name}`
    const parsed = given.has(sub.name) ? parseValue(sub, given.get(sub.name), subPath, ctx) : undefined
    const result = c.mutability === 'immutable' && previous ? checkImmutable(sub, previous[sub.name], parsed, given.has(sub.name), subPath) : parsed
    if (result !== undefined) out[sub.name] = result
  }
  if (Object.keys(out).length === 0) return undefined
  for (const sub of subs) {
    if (characteristics(sub).required && characteristics(sub).mutability !== 'readOnly' && out[sub.name] === undefined) {
      throw badRequest('invalidValue', `${path}.${sub.name} is required`)
    }
  }
  return out
}

function parseValue(def: AttributeDefinition, value: unknown, path: string, ctx: CoerceOptions, existing?: Json): Json | undefined {
  if (value === null || value === undefined) return undefined
  if (!def.multiValued) {
    if (Array.isArray(value)) throw badRequest('invalidValue', `${path} is single-valued and must not be an array`)
    return def.type === 'complex' ? parseComplex(def, value, path, ctx, existing) : parseScalar(def, value, path, ctx)
  }
  const out = coerceMultiValued(def, value, path, ctx, (item, itemPath) => parseScalar(def, item, itemPath, ctx))
  return out.length > 0 ? out : undefined
}

// ---------------------------------------------------------------------------------------------
// fromWire: mutability

function sameValue(def: AttributeDefinition, a: Json | undefined, b: Json | undefined, ignoreMulti = false): boolean {
  if (a === undefined || b === undefined || a === null || b === null) return a === b
  if (def.multiValued && !ignoreMulti) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    const unused = [...b]
    return a.every((x) => {
      const i = unused.findIndex((y) => sameValue(def, x, y, true))
      if (i < 0) return false
      unused.splice(i, 1)
      return true
    })
  }
  if (def.type === 'complex') {
    if (!isObject(a) || !isObject(b)) return false
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].every((k) => {
      const sub = byName(subAttributesOf(def), k)
      return sub ? sameValue(sub, a[k], b[k]) : JSON.stringify(a[k]) === JSON.stringify(b[k])
    })
  }
  return sameSimpleValue(def, a, b)
}

/**
 * RFC 7644 §3.5.1 immutable: with a value already set, the input must match (else 400 mutability).
 * An omitted immutable attribute keeps its value; `null` is a change. Returns the value to store.
 */
function checkImmutable(def: AttributeDefinition, previous: Json | undefined, parsed: Json | undefined, given: boolean, path: string): Json | undefined {
  if (previous === undefined) return parsed
  if (!given) return previous
  if (!sameValue(def, previous, parsed)) throw badRequest('mutability', `${path} is immutable and already has a value`)
  return parsed
}

/** Whether an attribute is immutable or is a single-valued complex attribute with an immutable sub-attribute. */
const holdsImmutable = (def: AttributeDefinition): boolean =>
  characteristics(def).mutability === 'immutable' ||
  (def.type === 'complex' && !def.multiValued && subAttributesOf(def).some((s) => characteristics(s).mutability === 'immutable'))

/**
 * A single-valued complex attribute omitted (or set to null) by a replace: its immutable
 * sub-attributes with a value are kept when omitted, and are a mutability error when cleared.
 */
function keptImmutableSubs(def: AttributeDefinition, previous: Json | undefined, cleared: boolean, path: string): JsonObject | undefined {
  if (def.type !== 'complex' || def.multiValued || characteristics(def).mutability === 'immutable' || !isObject(previous)) return undefined
  const kept: JsonObject = {}
  for (const sub of subAttributesOf(def)) {
    const value = (previous as JsonObject)[sub.name]
    if (characteristics(sub).mutability !== 'immutable' || value === undefined) continue
    if (cleared) throw badRequest('mutability', `${path}.${sub.name} is immutable and already has a value`)
    kept[sub.name] = value
  }
  return Object.keys(kept).length > 0 ? kept : undefined
}

// ---------------------------------------------------------------------------------------------
// fromWire: members

/**
 * Group `members` as given in a body or a PATCH value (`def` is their attribute definition): one
 * entry per member id, with the type when given. `null` elements are skipped; `$ref` and `display`
 * are ignored (the server derives them).
 */
export function parseMembers(def: AttributeDefinition, value: unknown, ctx: CoerceOptions): MemberInput[] {
  const subs = subAttributesOf(def)
  const byValue = new Map<string, MemberInput>()
  valueList(value, 'members', RESOURCE_LIMITS.maxMembers, ctx).forEach((item, i) => {
    const path = `members[${i}]`
    if (item === null) return
    if (!isObject(item)) throw badRequest('invalidValue', `${path} must be an object, not ${kindOf(item)}`)
    let memberValue: unknown
    let memberType: unknown
    for (const k of checkedKeys(item, path)) {
      const sub = byName(subs, k)
      if (!sub) {
        unknownAttribute(ctx, `${path}.${k}`)
        continue
      }
      if (sub.name === 'value') memberValue = item[k]
      else if (sub.name === 'type') memberType = item[k]
      // $ref and display are derived by the server; primary means nothing for members.
    }
    if (typeof memberValue !== 'string' || memberValue.trim() === '') throw badRequest('invalidValue', `${path}.value is required and must be a non-empty string`)
    const member: MemberInput = { value: memberValue }
    if (memberType !== undefined && memberType !== null && memberType !== '') {
      const lower = typeof memberType === 'string' ? memberType.toLowerCase() : undefined
      if (lower === 'user') member.type = 'User'
      else if (lower === 'group') member.type = 'Group'
      else throw badRequest('invalidValue', `${path}.type must be "User" or "Group"`)
    }
    const seen = byValue.get(memberValue)
    if (!seen) byValue.set(memberValue, member)
    else if (member.type !== undefined) {
      if (seen.type !== undefined && seen.type !== member.type) throw badRequest('invalidValue', `members lists ${memberValue} as both a User and a Group`)
      seen.type = member.type
    }
  })
  return [...byValue.values()]
}

// ---------------------------------------------------------------------------------------------
// fromWire

/** Whether an attribute must have a value: its schema says so, or REQUIRED_OVERRIDES does. Never for readOnly ones. */
export function isRequired(schemaUrn: string, def: AttributeDefinition): boolean {
  const c = characteristics(def)
  if (c.mutability === 'readOnly') return false
  return c.required || (REQUIRED_OVERRIDES.get(schemaUrn.toLowerCase())?.has(def.name.toLowerCase()) ?? false)
}

const isBlank = (v: Json | undefined): boolean => v === undefined || (typeof v === 'string' && v.trim() === '')

/**
 * Parses a POST (`create`) or PUT (`replace`) body into the stored document. Throws ScimError (400)
 * as described in the module comment.
 */
export function fromWire(registry: SchemaRegistry, resourceType: ScimResourceType, body: unknown, options: FromWireOptions): FromWireResult {
  const ctx: CoerceOptions = { strict: options.strict ?? false, ...(options.notes ? { notes: options.notes } : {}) }
  const rt = resourceTypeOf(registry, resourceType)
  const coreUrn = rt.schema
  const extensions = rt.schemaExtensions ?? []
  const existing = options.mode === 'replace' ? options.existing : undefined

  if (!isObject(body)) throw badRequest('invalidSyntax', `the request body must be a JSON object, not ${kindOf(body)}`)
  const keys = checkedKeys(body, '')

  // schemas (RFC 7643 §3)
  const schemasKey = keys.find((k) => k.toLowerCase() === 'schemas')
  const schemas = schemasKey === undefined ? undefined : body[schemasKey]
  if (!Array.isArray(schemas) || schemas.some((s) => typeof s !== 'string')) {
    throw badRequest('invalidSyntax', `"schemas" is required and must be an array of schema URNs including ${coreUrn}`)
  }
  const listed = new Set<string>()
  for (const urn of schemas as string[]) {
    const lower = urn.toLowerCase()
    if (listed.has(lower)) {
      if (ctx.strict) throw badRequest('invalidValue', `"schemas" lists ${urn} more than once`)
      noteDialect(ctx.notes, 'duplicate-schema-urn', `"schemas" lists ${urn} more than once: read once`)
      continue
    }
    if (!registry.get(urn)) {
      // An IdP's own extension, or the custom attribute extension of a tenant that defines none yet.
      if (ctx.strict) throw badRequest('invalidSyntax', `unknown schema ${urn}`)
      ctx.notes?.ignored(urn)
      continue
    }
    if (lower !== coreUrn.toLowerCase() && !extensions.some((e) => e.schema.toLowerCase() === lower)) {
      throw badRequest('invalidValue', `schema ${urn} is not a schema of the ${rt.name} resource type`)
    }
    listed.add(lower)
  }
  if (!listed.has(coreUrn.toLowerCase())) throw badRequest('invalidSyntax', `"schemas" must include ${coreUrn}`)

  const coreAttributes = topLevelAttributes(registry, coreUrn, true)
  const document: JsonObject = {}
  const result: FromWireResult = { document }
  const extensionBodies = new Map<string, Record<string, unknown>>()

  // Sort the keys into core attributes and extension objects.
  const coreGiven = new Map<string, unknown>()
  for (const k of keys) {
    if (k === schemasKey) continue
    const ext = extensions.find((e) => e.schema.toLowerCase() === k.toLowerCase())
    if (ext) {
      const v = body[k]
      if (v === null || v === undefined) continue
      if (!isObject(v)) throw badRequest('invalidValue', `${ext.schema} must be an object, not ${kindOf(v)}`)
      if (!listed.has(ext.schema.toLowerCase())) {
        if (ctx.strict) throw badRequest('invalidValue', `${ext.schema} is present but not listed in "schemas"`)
        noteDialect(ctx.notes, 'extension-not-in-schemas', `${ext.schema} is present but not listed in "schemas": read as listed`)
      }
      extensionBodies.set(ext.schema, v)
      continue
    }
    if (k.includes(':') && registry.get(k)) throw badRequest('invalidValue', `schema ${k} is not a schema of the ${rt.name} resource type`)
    const def = byName(coreAttributes, k)
    // Also an unknown schema URN's whole object, and a `urn:…:attribute` key: the body names
    // extension attributes inside their extension's object.
    if (!def) unknownAttribute(ctx, k)
    else coreGiven.set(def.name, body[k])
  }

  const parseAttributes = (schemaUrn: string, defs: readonly AttributeDefinition[], given: Map<string, unknown>, into: JsonObject, previous: JsonObject | undefined, prefix: string): void => {
    for (const def of defs) {
      const c = characteristics(def)
      const path = prefix + def.name
      const has = given.has(def.name)
      if (c.mutability === 'readOnly' || def.name === 'schemas') continue
      if (schemaUrn === coreUrn && rt.name === 'Group' && def.name === 'members') {
        if (has) result.members = parseMembers(def, given.get(def.name), ctx)
        continue
      }
      const raw = given.get(def.name)
      let parsed = has ? parseValue(def, raw, path, ctx, previous?.[def.name]) : undefined
      if ((!has || raw === null) && previous) parsed = keptImmutableSubs(def, previous[def.name], has, path) ?? parsed
      if (c.mutability === 'writeOnly' && schemaUrn === coreUrn && def.name === 'password') {
        if (parsed !== undefined) result.password = parsed as string
        continue
      }
      const value = c.mutability === 'immutable' && previous ? checkImmutable(def, previous[def.name], parsed, has, path) : parsed
      if (value !== undefined) into[def.name] = value
      if (isRequired(schemaUrn, def) && isBlank(value)) throw badRequest('invalidValue', `${path} is required`)
    }
  }

  parseAttributes(coreUrn, coreAttributes, coreGiven, document, existing, '')

  for (const ext of extensions) {
    const schema = registry.get(ext.schema)
    if (!schema) throw new Error(`internal: unknown schema ${ext.schema}`)
    const source = extensionBodies.get(ext.schema)
    const previousRaw = existing ? Object.entries(existing).find(([k]) => k.toLowerCase() === ext.schema.toLowerCase())?.[1] : undefined
    const previous = isObject(previousRaw) ? (previousRaw as JsonObject) : undefined
    const given = new Map<string, unknown>()
    if (source) {
      for (const k of checkedKeys(source, ext.schema)) {
        const def = byName(schema.attributes, k)
        if (!def) unknownAttribute(ctx, `${ext.schema}:${k}`)
        else given.set(def.name, source[k])
      }
    }
    const into: JsonObject = {}
    // Required attributes of an extension apply when the extension is present (or required).
    const present = source !== undefined || ext.required
    // Absent: only immutable values of the document being replaced carry over.
    const defs = present ? schema.attributes : previous ? schema.attributes.filter(holdsImmutable) : []
    parseAttributes(ext.schema, defs, given, into, previous, `${ext.schema}:`)
    if (Object.keys(into).length > 0) document[ext.schema] = into
    else if (ext.required) throw badRequest('invalidValue', `the ${ext.schema} extension is required`)
  }

  return result
}

// ---------------------------------------------------------------------------------------------
// toWire

/**
 * The SCIM representation of a stored resource: `schemas` (base + extensions present), `id`, the
 * document's attributes, `groups` / `members` with `$ref`, and `meta`, reduced by the projection.
 * `returned: never` and writeOnly attributes are never included. Rendered by the renderer compiled
 * for the registry and projection (renderer.ts); to render many records, take it once with `wireRenderer`.
 */
export function toWire(registry: SchemaRegistry, resourceType: ScimResourceType, record: ResourceRecord, options: ToWireOptions): Record<string, unknown> {
  return wireRenderer(registry, resourceType, options.projection)(record, options.baseUrl)
}

/** The renderer toWire uses for `resourceType` under `projection` (default: `always` + `default` attributes). */
export function wireRenderer(registry: SchemaRegistry, resourceType: ScimResourceType, projection?: Projection): WireRenderer {
  const rt = resourceTypeOf(registry, resourceType)
  const chosen = projection ?? defaultProjection(registry, rt.name)
  if (chosen.resourceType !== rt.name) throw new Error(`internal: a ${chosen.resourceType} projection used for ${rt.name}`)
  return rendererFor(registry, chosen).render
}

// ---------------------------------------------------------------------------------------------
// Columns

const str = (v: Json | undefined): string | null => (typeof v === 'string' && v !== '' ? v : null)

/**
 * The values kept in columns next to the document (users / groups tables). `email`: the primary
 * email's value, else the first `work` one, else the first one.
 */
export function documentColumns(resourceType: ScimResourceType, document: ResourceDocument): DocumentColumns {
  const externalId = str(document.externalId)
  const displayName = str(document.displayName)
  if (resourceType === 'Group') return { externalId, displayName, email: null, active: true }
  const emails = (Array.isArray(document.emails) ? document.emails : []).filter(
    (e): e is JsonObject => isObject(e) && typeof e.value === 'string' && e.value !== '',
  )
  const chosen =
    emails.find((e) => e.primary === true) ?? emails.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work') ?? emails[0]
  const userName = str(document.userName)
  return {
    ...(userName !== null ? { userName } : {}),
    externalId,
    displayName,
    email: chosen ? (chosen.value as string) : null,
    active: document.active !== false,
  }
}

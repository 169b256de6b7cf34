/**
 * SCIM schema definitions (RFC 7643 §7, §8.6, §8.7) loaded from the JSON files in `schemas/` at the
 * repository root, validated with ajv against an inline JSON Schema, and indexed for attribute
 * resolution. Discovery endpoints (/Schemas, /ResourceTypes) and attribute rules are generated from
 * what this module returns.
 */
import { existsSync, readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

/** An attribute path (RFC 7644 §3.10 attribute notation, as filters and PATCH paths write it). `attr`/`sub` as written (case preserved); `uri` is the schema URN prefix when fully qualified. */
export interface AttrPath {
  uri?: string
  attr: string
  sub?: string
}

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference' | 'complex'
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
export type Returned = 'always' | 'never' | 'default' | 'request'
export type Uniqueness = 'none' | 'server' | 'global'

/** An attribute definition as in RFC 7643 §7; characteristics left out take the §2.2 defaults (see `characteristics`). */
export interface AttributeDefinition {
  readonly name: string
  readonly type: AttributeType
  readonly multiValued: boolean
  readonly description?: string
  readonly required?: boolean
  readonly canonicalValues?: readonly string[]
  readonly caseExact?: boolean
  readonly mutability?: Mutability
  readonly returned?: Returned
  readonly uniqueness?: Uniqueness
  readonly referenceTypes?: readonly string[]
  readonly subAttributes?: readonly AttributeDefinition[]
}

/** A Schema resource (RFC 7643 §7) without `meta`/`schemas`, which the server adds. */
export interface SchemaDefinition {
  readonly id: string
  readonly name: string
  readonly description?: string
  readonly attributes: readonly AttributeDefinition[]
}

export interface SchemaExtensionReference {
  readonly schema: string
  readonly required: boolean
}

/** A ResourceType resource (RFC 7643 §6) without `meta`. */
export interface ResourceTypeDefinition {
  readonly schemas: readonly string[]
  readonly id: string
  readonly name: string
  readonly endpoint: string
  readonly description?: string
  readonly schema: string
  readonly schemaExtensions?: readonly SchemaExtensionReference[]
}

/** Every characteristic with the RFC 7643 §2.2 default applied. */
export interface EffectiveCharacteristics {
  readonly type: AttributeType
  readonly multiValued: boolean
  readonly required: boolean
  readonly caseExact: boolean
  readonly mutability: Mutability
  readonly returned: Returned
  readonly uniqueness: Uniqueness
}

export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute; for a common attribute (`id`, `meta`, ...), the base schema's URN. */
  readonly schema: string
  /** True for the RFC 7643 §3.1 common attributes, which no schema lists. */
  readonly common: boolean
  /** Canonical (schema-defined) casing of the top-level attribute. */
  readonly name: string
  /** Canonical casing of the sub-attribute, when the path names one. */
  readonly subName?: string
  /** Canonical path without the URN: `name.givenName`. */
  readonly path: string
  /** The definition of the attribute the path ends at (the sub-attribute, if any). */
  readonly definition: AttributeDefinition
  /** The complex attribute containing `definition`, when the path names a sub-attribute. */
  readonly parent?: AttributeDefinition
  /** `definition`'s characteristics with defaults applied. */
  readonly characteristics: EffectiveCharacteristics
}

export interface SchemaRegistry {
  /** All loaded schemas: the resource schemas and the service provider schemas. */
  readonly schemas: readonly SchemaDefinition[]
  readonly resourceTypes: readonly ResourceTypeDefinition[]
  /** A schema by URN (case-insensitive). */
  get(urn: string): SchemaDefinition | undefined
  /** A resource type by name or id (case-insensitive), e.g. `User`. */
  resourceType(name: string): ResourceTypeDefinition | undefined
  /** The base schema URN followed by the extension URNs of a resource type. */
  schemaUrnsFor(resourceType: string): string[]
  /**
   * Resolves an attribute path against the schemas `schemaUrns` (base schema first, then extensions),
   * case-insensitively. `path` is a string (`userName`, `name.givenName`,
   * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`) or a parsed AttrPath.
   * Unqualified names are looked up in the schemas in the order given, then among the common attributes.
   */
  findAttribute(schemaUrns: readonly string[], path: string | AttrPath): ResolvedAttribute | undefined
}

export const SCHEMA_URNS = Object.freeze({
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  EnterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  ServiceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  ResourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  Schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const)

/** Files describing resources (sub-attributes may not be complex, RFC 7643 §2.3.8). */
const RESOURCE_SCHEMA_FILES = ['User.json', 'Group.json', 'EnterpriseUser.json'] as const
/** Files describing the discovery resources (RFC 7643 §8.7.2; `Schema.json` nests complex attributes). */
const PROVIDER_SCHEMA_FILES = ['ServiceProviderConfig.json', 'ResourceType.json', 'Schema.json'] as const
const RESOURCE_TYPES_FILE = 'ResourceTypes.json'

/**
 * RFC 7643 §3.1 common attributes (and §3 `schemas`). They belong to every resource but appear in
 * no schema representation, so they are defined here rather than in `schemas/`.
 */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = deepFreeze([
  {
    name: 'schemas',
    type: 'reference',
    referenceTypes: ['uri'],
    multiValued: true,
    description: 'The URIs of the schemas used to define the attributes present in the current JSON structure. REQUIRED.',
    required: true,
    caseExact: true,
    mutability: 'readWrite',
    returned: 'always',
    uniqueness: 'none',
  },
  {
    name: 'id',
    type: 'string',
    multiValued: false,
    description: "A unique identifier for a SCIM resource as defined by the service provider. Issued by the service provider; MUST NOT be specified by the client.",
    required: false,
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  },
  {
    name: 'externalId',
    type: 'string',
    multiValued: false,
    description: 'A String that is an identifier for the resource as defined by the provisioning client. OPTIONAL.',
    required: false,
    caseExact: true,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
  },
  {
    name: 'meta',
    type: 'complex',
    multiValued: false,
    description: 'A complex attribute containing resource metadata. All sub-attributes are assigned by the service provider.',
    required: false,
    mutability: 'readOnly',
    returned: 'default',
    subAttributes: [
      {
        name: 'resourceType',
        type: 'string',
        multiValued: false,
        description: 'The name of the resource type of the resource.',
        required: false,
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
      {
        name: 'created',
        type: 'dateTime',
        multiValued: false,
        description: 'The "DateTime" that the resource was added to the service provider.',
        required: false,
        mutability: 'readOnly',
        returned: 'default',
      },
      {
        name: 'lastModified',
        type: 'dateTime',
        multiValued: false,
        description: 'The most recent DateTime that the details of this resource were updated at the service provider.',
        required: false,
        mutability: 'readOnly',
        returned: 'default',
      },
      {
        name: 'location',
        type: 'reference',
        referenceTypes: ['uri'],
        multiValued: false,
        description: 'The URI of the resource being returned.',
        required: false,
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
      {
        name: 'version',
        type: 'string',
        multiValued: false,
        description: 'The version of the resource being returned (its entity-tag).',
        required: false,
        caseExact: true,
        mutability: 'readOnly',
        returned: 'default',
        uniqueness: 'none',
      },
    ],
  },
])

// ---------------------------------------------------------------------------------------------
// Validation

const ATTRIBUTE_NAME_PATTERN = '^(?:[A-Za-z][A-Za-z0-9_-]*|\\$ref)$'
const URN_PATTERN = '^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\\s]+$'

/** JSON Schema (draft-07) for SCIM schema, attribute and resource type definitions. */
export const DEFINITIONS_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:roster:scim-definitions',
  definitions: {
    attribute: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'type', 'multiValued'],
      properties: {
        name: { type: 'string', pattern: ATTRIBUTE_NAME_PATTERN },
        type: { enum: ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'binary', 'reference', 'complex'] },
        multiValued: { type: 'boolean' },
        description: { type: 'string' },
        required: { type: 'boolean' },
        canonicalValues: { type: 'array', items: { type: 'string' } },
        caseExact: { type: 'boolean' },
        mutability: { enum: ['readOnly', 'readWrite', 'immutable', 'writeOnly'] },
        returned: { enum: ['always', 'never', 'default', 'request'] },
        uniqueness: { enum: ['none', 'server', 'global'] },
        referenceTypes: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        subAttributes: { type: 'array', minItems: 1, items: { $ref: '#/definitions/attribute' } },
      },
      allOf: [
        {
          if: { properties: { type: { const: 'complex' } } },
          then: { required: ['subAttributes'] },
          else: { not: { required: ['subAttributes'] } },
        },
        {
          if: { properties: { type: { const: 'reference' } } },
          then: { required: ['referenceTypes'] },
          else: { not: { required: ['referenceTypes'] } },
        },
      ],
    },
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'attributes'],
      properties: {
        id: { type: 'string', pattern: URN_PATTERN },
        name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        attributes: { type: 'array', minItems: 1, items: { $ref: '#/definitions/attribute' } },
      },
    },
    resourceType: {
      type: 'object',
      additionalProperties: false,
      required: ['schemas', 'id', 'name', 'endpoint', 'schema'],
      properties: {
        schemas: { type: 'array', minItems: 1, maxItems: 1, items: { const: SCHEMA_URNS.ResourceType } },
        id: { type: 'string', minLength: 1 },
        name: { type: 'string', minLength: 1 },
        endpoint: { type: 'string', pattern: '^/[A-Za-z0-9._~-]+$' },
        description: { type: 'string' },
        schema: { type: 'string', pattern: URN_PATTERN },
        schemaExtensions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['schema', 'required'],
            properties: { schema: { type: 'string', pattern: URN_PATTERN }, required: { type: 'boolean' } },
          },
        },
      },
    },
    resourceTypes: { type: 'array', minItems: 1, items: { $ref: '#/definitions/resourceType' } },
  },
} as const

export class SchemaDefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid SCIM definition in ${source}: ${problems.join('; ')}`)
    this.name = 'SchemaDefinitionError'
  }
}

interface Validators {
  schema: ValidateFunction
  attribute: ValidateFunction
  resourceTypes: ValidateFunction
}

let validators: Validators | undefined

function getValidators(): Validators {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false })
    ajv.addSchema(DEFINITIONS_JSON_SCHEMA)
    const get = (name: string): ValidateFunction => {
      const v = ajv.getSchema(`${DEFINITIONS_JSON_SCHEMA.$id}#/definitions/${name}`)
      if (!v) throw new Error(`internal: no JSON Schema for ${name}`)
      return v
    }
    validators = { schema: get('schema'), attribute: get('attribute'), resourceTypes: get('resourceTypes') }
  }
  return validators
}

function ajvProblems(errors: ErrorObject[] | null | undefined): string[] {
  // if/then/else failures repeat the useful error; keep the specific ones.
  return (errors ?? []).filter((e) => e.keyword !== 'if').map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
}

/** Checks beyond JSON Schema: unique names per level, and (for resource schemas) no complex sub-attributes. */
function attributeProblems(attributes: readonly AttributeDefinition[], where: string, allowNestedComplex: boolean, depth = 0): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  attributes.forEach((a, i) => {
    const at = `${where}/${i}`
    const key = a.name.toLowerCase()
    if (seen.has(key)) problems.push(`${at}/name duplicate attribute name "${a.name}" (names are case-insensitive)`)
    seen.add(key)
    if (a.subAttributes) {
      if (depth > 0 && !allowNestedComplex) problems.push(`${at} a sub-attribute cannot be complex (RFC 7643 §2.3.8)`)
      problems.push(...attributeProblems(a.subAttributes, `${at}/subAttributes`, allowNestedComplex, depth + 1))
    }
  })
  return problems
}

/**
 * Validates one Schema resource object. `resourceSchema` (default true) also enforces RFC 7643
 * §2.3.8 (no complex sub-attributes), which the §8.7.2 `Schema` schema itself does not follow.
 */
export function validateSchemaDefinition(value: unknown, source = 'schema', resourceSchema = true): SchemaDefinition {
  const v = getValidators().schema
  if (!v(value)) throw new SchemaDefinitionError(source, ajvProblems(v.errors))
  const schema = value as SchemaDefinition
  const problems = attributeProblems(schema.attributes, '/attributes', !resourceSchema)
  if (problems.length) throw new SchemaDefinitionError(source, problems)
  return schema
}

/** Validates a single attribute definition (e.g. a custom attribute before it is added to a schema). */
export function validateAttributeDefinition(value: unknown, source = 'attribute'): AttributeDefinition {
  const v = getValidators().attribute
  if (!v(value)) throw new SchemaDefinitionError(source, ajvProblems(v.errors))
  const attribute = value as AttributeDefinition
  const problems = attributeProblems([attribute], '', false)
  if (problems.length) throw new SchemaDefinitionError(source, problems)
  return attribute
}

export function validateResourceTypes(value: unknown, source = 'resource types'): ResourceTypeDefinition[] {
  const v = getValidators().resourceTypes
  if (!v(value)) throw new SchemaDefinitionError(source, ajvProblems(v.errors))
  return value as ResourceTypeDefinition[]
}

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * `schemas/` at the repository root: three levels up from src/scim/resources/ under tsx, four from
 * dist/src/scim/resources/ when compiled (unless the build copies `schemas/` to dist/).
 */
function defaultSchemaDir(): URL {
  const candidates = [new URL('../../../schemas/', import.meta.url), new URL('../../../../schemas/', import.meta.url)]
  return candidates.find((dir) => existsSync(new URL(RESOURCE_TYPES_FILE, dir))) ?? (candidates[0] as URL)
}

function readJson(dir: URL, file: string): unknown {
  const url = new URL(file, dir)
  let text: string
  try {
    text = readFileSync(url, 'utf8')
  } catch (err) {
    throw new SchemaDefinitionError(file, [`cannot read ${url.pathname}: ${(err as Error).message}`])
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new SchemaDefinitionError(file, [`not valid JSON: ${(err as Error).message}`])
  }
}

/**
 * Reads, validates and indexes the definitions in `dir` (default: the repository's `schemas/`).
 * Throws SchemaDefinitionError naming the file and the problems. The returned objects are frozen.
 */
export function loadSchemas(dir: URL = defaultSchemaDir()): SchemaRegistry {
  const resourceSchemas = RESOURCE_SCHEMA_FILES.map((f) => validateSchemaDefinition(readJson(dir, f), f, true))
  const providerSchemas = PROVIDER_SCHEMA_FILES.map((f) => validateSchemaDefinition(readJson(dir, f), f, false))
  const resourceTypes = validateResourceTypes(readJson(dir, RESOURCE_TYPES_FILE), RESOURCE_TYPES_FILE)
  return createRegistry([...resourceSchemas, ...providerSchemas], resourceTypes, RESOURCE_TYPES_FILE)
}

/** Builds a registry from already-validated definitions; checks the cross-references. */
export function createRegistry(
  schemaList: readonly SchemaDefinition[],
  resourceTypeList: readonly ResourceTypeDefinition[],
  source = 'definitions',
): SchemaRegistry {
  const schemas = deepFreeze(structuredClone(schemaList) as SchemaDefinition[])
  const resourceTypes = deepFreeze(structuredClone(resourceTypeList) as ResourceTypeDefinition[])
  const byUrn = new Map<string, SchemaDefinition>()
  const problems: string[] = []
  for (const s of schemas) {
    const key = s.id.toLowerCase()
    if (byUrn.has(key)) problems.push(`duplicate schema ${s.id}`)
    byUrn.set(key, s)
  }
  const byName = new Map<string, ResourceTypeDefinition>()
  const endpoints = new Set<string>()
  for (const rt of resourceTypes) {
    for (const key of new Set([rt.name.toLowerCase(), rt.id.toLowerCase()])) {
      if (byName.has(key)) problems.push(`duplicate resource type ${key}`)
      byName.set(key, rt)
    }
    if (endpoints.has(rt.endpoint.toLowerCase())) problems.push(`duplicate endpoint ${rt.endpoint}`)
    endpoints.add(rt.endpoint.toLowerCase())
    for (const urn of [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)]) {
      if (!byUrn.has(urn.toLowerCase())) problems.push(`resource type ${rt.name} refers to unknown schema ${urn}`)
    }
  }
  if (problems.length) throw new SchemaDefinitionError(source, problems)

  const registry: SchemaRegistry = {
    schemas,
    resourceTypes,
    get: (urn) => byUrn.get(urn.toLowerCase()),
    resourceType: (name) => byName.get(name.toLowerCase()),
    schemaUrnsFor(name) {
      const rt = byName.get(name.toLowerCase())
      return rt ? [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)] : []
    },
    findAttribute: (schemaUrns, path) => findAttribute(byUrn, schemaUrns, path),
  }
  return Object.freeze(registry)
}

// ---------------------------------------------------------------------------------------------
// Resolution

export function characteristics(def: AttributeDefinition): EffectiveCharacteristics {
  return {
    type: def.type,
    multiValued: def.multiValued,
    required: def.required ?? false,
    caseExact: def.caseExact ?? false,
    mutability: def.mutability ?? 'readWrite',
    returned: def.returned ?? 'default',
    uniqueness: def.uniqueness ?? 'none',
  }
}

const byName = (list: readonly AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined => {
  const key = name.toLowerCase()
  return list?.find((a) => a.name.toLowerCase() === key)
}

/** Splits a string path, preferring a known schema URN as the prefix (URNs contain `:` and `.`). */
function splitPath(byUrn: Map<string, SchemaDefinition>, schemaUrns: readonly string[], path: string): AttrPath | undefined {
  const lower = path.toLowerCase()
  let uri: string | undefined
  for (const urn of [...schemaUrns, ...[...byUrn.values()].map((s) => s.id)]) {
    if (lower.startsWith(urn.toLowerCase() + ':') && (uri === undefined || urn.length > uri.length)) uri = path.slice(0, urn.length)
  }
  if (uri === undefined && path.includes(':')) uri = path.slice(0, path.lastIndexOf(':'))
  const rest = uri === undefined ? path : path.slice(uri.length + 1)
  const parts = rest.split('.')
  if (parts.length > 2 || parts.some((p) => p === '')) return undefined
  const [attr, sub] = parts as [string, string | undefined]
  const result: AttrPath = uri !== undefined ? { uri, attr } : { attr }
  if (sub !== undefined) result.sub = sub
  return result
}

function findAttribute(
  byUrn: Map<string, SchemaDefinition>,
  schemaUrns: readonly string[],
  input: string | AttrPath,
): ResolvedAttribute | undefined {
  const path = typeof input === 'string' ? splitPath(byUrn, schemaUrns, input) : input
  if (!path) return undefined
  const scope = schemaUrns.map((urn) => byUrn.get(urn.toLowerCase())).filter((s): s is SchemaDefinition => s !== undefined)
  const base = scope[0]
  if (!base) return undefined

  let candidates: { schema: string; common: boolean; list: readonly AttributeDefinition[] }[]
  if (path.uri !== undefined) {
    const schema = scope.find((s) => s.id.toLowerCase() === path.uri?.toLowerCase())
    if (!schema) return undefined
    candidates = [{ schema: schema.id, common: false, list: schema.attributes }]
    // Common attributes may be qualified with the base schema: urn:...:core:2.0:User:id
    if (schema === base) candidates.push({ schema: base.id, common: true, list: COMMON_ATTRIBUTES })
  } else {
    candidates = scope.map((s) => ({ schema: s.id, common: false, list: s.attributes }))
    candidates.push({ schema: base.id, common: true, list: COMMON_ATTRIBUTES })
  }

  for (const c of candidates) {
    const top = byName(c.list, path.attr)
    if (!top) continue
    if (path.sub === undefined) {
      return { schema: c.schema, common: c.common, name: top.name, path: top.name, definition: top, characteristics: characteristics(top) }
    }
    const sub = byName(top.subAttributes, path.sub)
    if (!sub) return undefined
    return {
      schema: c.schema,
      common: c.common,
      name: top.name,
      subName: sub.name,
      path: `${top.name}.${sub.name}`,
      definition: sub,
      parent: top,
      characteristics: characteristics(sub),
    }
  }
  return undefined
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

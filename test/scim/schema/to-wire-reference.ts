/**
 * The representation as toWire built it before it was compiled (src/scim/schema/renderer.ts): the
 * whole resource from the schema walk, each value copied, then applyProjection. The renderer must
 * give exactly this (renderer.test.ts), and bench/render.ts times both.
 */
import type { Json, JsonObject } from '../../../src/domain/kernel/json.js'
import type { ResourceRecord, ToWireOptions } from '../../../src/scim/schema/representation.js'
import type { ScimResourceType } from '../../../src/scim/schema/document.js'
import { applyProjection, defaultProjection, topLevelAttributes } from '../../../src/scim/schema/projection.js'
import type { SchemaRegistry } from '../../../src/scim/schema/schemas.js'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const findKey = (obj: JsonObject, name: string): Json | undefined => {
  if (Object.hasOwn(obj, name)) return obj[name]
  const lower = name.toLowerCase()
  const k = Object.keys(obj).find((x) => x.toLowerCase() === lower)
  return k === undefined ? undefined : obj[k]
}

function endpointOf(registry: SchemaRegistry, resourceType: string): string {
  const rt = registry.resourceType(resourceType)
  if (!rt) throw new Error(`internal: unknown resource type ${resourceType}`)
  return rt.endpoint
}

export function referenceToWire(registry: SchemaRegistry, resourceType: ScimResourceType, record: ResourceRecord, options: ToWireOptions): Record<string, unknown> {
  const rt = registry.resourceType(resourceType)
  if (!rt) throw new Error(`internal: unknown resource type ${resourceType}`)
  const projection = options.projection ?? defaultProjection(registry, rt.name)
  if (projection.resourceType !== rt.name) throw new Error(`internal: a ${projection.resourceType} projection used for ${rt.name}`)
  const base = options.baseUrl.replace(/\/+$/, '')
  const doc = record.document
  const out: Record<string, unknown> = { schemas: [rt.schema], id: record.id }

  for (const def of topLevelAttributes(registry, rt.schema, true)) {
    const name = def.name
    if (name === 'schemas' || name === 'id' || name === 'meta') continue
    if (rt.name === 'User' && name === 'groups') {
      if (record.groups && record.groups.length > 0) {
        out.groups = record.groups.map((g) => ({
          value: g.value,
          $ref: `${base}${endpointOf(registry, 'Group')}/${encodeURIComponent(g.value)}`,
          ...(g.display ? { display: g.display } : {}),
          type: g.type,
        }))
      }
      continue
    }
    if (rt.name === 'Group' && name === 'members') {
      if (record.members && record.members.length > 0) {
        out.members = record.members.map((m) => ({
          value: m.value,
          $ref: `${base}${endpointOf(registry, m.type)}/${encodeURIComponent(m.value)}`,
          ...(m.display ? { display: m.display } : {}),
          type: m.type,
        }))
      }
      continue
    }
    const value = findKey(doc, name)
    if (value !== undefined && value !== null) out[name] = structuredClone(value)
  }

  const schemas = out.schemas as string[]
  for (const ext of rt.schemaExtensions ?? []) {
    const value = findKey(doc, ext.schema)
    if (isObject(value) && Object.keys(value).length > 0) {
      schemas.push(ext.schema)
      out[ext.schema] = structuredClone(value)
    }
  }

  out.meta = {
    resourceType: rt.name,
    created: record.created.toISOString(),
    lastModified: record.modified.toISOString(),
    location: `${base}${rt.endpoint}/${encodeURIComponent(record.id)}`,
    version: `W/"${record.version}"`,
  }
  return applyProjection(projection, out)
}

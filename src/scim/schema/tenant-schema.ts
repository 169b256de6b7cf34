/**
 * A tenant's SCIM schema registry: the process-wide one (schemas/*.json) plus, when the tenant
 * defines custom user attributes, the tenant extension schema (CUSTOM_ATTRIBUTES_URN) with those
 * attributes, listed as an optional extension of User (decisions.md §17). A tenant without
 * definitions gets the shared registry itself, untouched.
 *
 * Registries are built once per set of definitions (the domain's cache hands back the same frozen
 * array until they change), so a request pays a map lookup, and everything cached per registry
 * (default projections) is computed once per change, not per request.
 */
import { CUSTOM_ATTRIBUTES_URN } from '../../domain/identity/custom-attribute-model.js'
import type { CustomAttribute } from '../../domain/identity/custom-attribute-model.js'
import { createRegistry, type AttributeDefinition, type SchemaDefinition, type SchemaRegistry } from './schemas.js'

/** RFC 7643 §7: the extension's attributes; `required` is false on the wire whatever the definition says (docs/scim.md). */
export function tenantExtensionSchema(definitions: readonly CustomAttribute[]): SchemaDefinition {
  return {
    id: CUSTOM_ATTRIBUTES_URN,
    name: 'TenantUser',
    description: 'User attributes this tenant defines',
    attributes: definitions.map(
      (d): AttributeDefinition => ({
        name: d.name,
        type: d.type === 'boolean' ? 'boolean' : 'string',
        multiValued: false,
        description: d.description ? `${d.label}: ${d.description}` : d.label,
        required: false,
        ...(d.type === 'choice' ? { canonicalValues: [...d.choices] } : {}),
        ...(d.type === 'boolean' ? {} : { caseExact: d.type === 'choice' }),
        mutability: 'readWrite',
        returned: 'default',
        ...(d.type === 'boolean' ? {} : { uniqueness: 'none' as const }),
      }),
    ),
  }
}

const built = new WeakMap<SchemaRegistry, WeakMap<readonly CustomAttribute[], SchemaRegistry>>()

/** The registry for a tenant with these definitions (the same object for the same array). */
export function tenantRegistry(base: SchemaRegistry, definitions: readonly CustomAttribute[]): SchemaRegistry {
  if (!definitions.length) return base
  let byDefinitions = built.get(base)
  if (!byDefinitions) built.set(base, (byDefinitions = new WeakMap()))
  const hit = byDefinitions.get(definitions)
  if (hit) return hit
  const resourceTypes = base.resourceTypes.map((rt) =>
    rt.name === 'User' ? { ...rt, schemaExtensions: [...(rt.schemaExtensions ?? []), { schema: CUSTOM_ATTRIBUTES_URN, required: false }] } : rt,
  )
  const registry = createRegistry([...base.schemas, tenantExtensionSchema(definitions)], resourceTypes, `custom attributes of tenant ${definitions[0]!.tenantId}`)
  byDefinitions.set(definitions, registry)
  return registry
}

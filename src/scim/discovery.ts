import { SCHEMA_URNS, type SchemaDefinition, type ResourceTypeDefinition } from './schema/schemas.js'
import { SCIM_LIMITS } from './limits.js'
import { bulkPayloadLimit } from './messages/bulk.js'

/**
 * RFC 7644 §4 discovery: ServiceProviderConfig, ResourceTypes and Schemas, generated from the schema
 * definitions (schemas/*.json) and SCIM_LIMITS, so they describe exactly what the handlers do.
 */
export function serviceProviderConfig(baseUrl: string, bodyLimitBytes: number): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URNS.ServiceProviderConfig],
    patch: { supported: true },
    bulk: { supported: true, maxOperations: SCIM_LIMITS.bulkMaxOperations, maxPayloadSize: bulkPayloadLimit(bodyLimitBytes) },
    filter: { supported: true, maxResults: SCIM_LIMITS.maxPageSize },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865 §4: both paging methods; index stays the default, as Entra ID and Okta expect.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: SCIM_LIMITS.defaultPageSize,
      maxPageSize: SCIM_LIMITS.maxPageSize,
      cursorTimeout: SCIM_LIMITS.cursorTimeout,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'A tenant SCIM token (roster token create), sent as Authorization: Bearer <token>',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  }
}

export function resourceTypeResource(rt: ResourceTypeDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URNS.ResourceType],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    ...(rt.description ? { description: rt.description } : {}),
    schema: rt.schema,
    ...(rt.schemaExtensions?.length ? { schemaExtensions: rt.schemaExtensions } : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${rt.id}` },
  }
}

export function schemaResource(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URNS.Schema],
    id: schema.id,
    name: schema.name,
    ...(schema.description ? { description: schema.description } : {}),
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  }
}

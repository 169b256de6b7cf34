import type { Context } from 'koa'
import type { Store } from '../domain/store.js'
import type { Actor } from '../domain/audit/model.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { WriteContext } from '../domain/identity/writes.js'
import type { CustomAttribute } from '../domain/identity/custom-attribute-model.js'
import { tenantAttributes } from '../domain/identity/custom-attributes.js'
import { loadSchemas, type SchemaRegistry } from './schema/schemas.js'
import { tenantRegistry } from './schema/tenant-schema.js'
import { readJson } from '../http/body.js'
import { Interpretation } from './interpretation.js'

/** One Interpretation per request, kept in ctx.state so that the provisioning log reads it after the handler. */
export function interpretationOf(ctx: Context): Interpretation {
  return ((ctx.state.scimInterpretation as Interpretation | undefined) ??= new Interpretation())
}

/** Everything a SCIM handler needs about the request it serves. */
export interface ScimContext {
  store: Store
  /** The tenant's registry: the shared one, plus its custom attribute extension when it defines any. */
  registry: SchemaRegistry
  /** The tenant's custom attribute definitions, as the registry was built from them. */
  customAttributes: readonly CustomAttribute[]
  tenant: Tenant
  actor: Actor
  requestId: string | null
  /** `<PUBLIC_URL>/scim/v2`: the base of every `location` and `$ref`. */
  baseUrl: string
  /** The tenant's strict mode: IdP dialects are rejected instead of normalised. */
  strict: boolean
  /** What Roster made of this request (dialects read, attributes ignored, references unresolved). */
  interpretation: Interpretation
  bodyLimitBytes: number
}

let shared: SchemaRegistry | undefined
/** The schema registry, loaded and validated once per process. */
export function schemaRegistry(): SchemaRegistry {
  return (shared ??= loadSchemas())
}

/**
 * Loads the authenticated tenant's custom attribute definitions (cached per process, see
 * tenantAttributes) for scimContext, which stays synchronous.
 */
export async function loadTenantSchema(ctx: Context, store: Store): Promise<void> {
  const tenant = ctx.state.tenant as Tenant | undefined
  if (tenant) ctx.state.customAttributes = await tenantAttributes(store, tenant.id)
}

export function scimContext(ctx: Context, deps: { store: Store; baseUrl: string; bodyLimitBytes: number }): ScimContext {
  const tenant = ctx.state.tenant as Tenant
  const customAttributes = (ctx.state.customAttributes as readonly CustomAttribute[] | undefined) ?? []
  return {
    store: deps.store,
    registry: tenantRegistry(schemaRegistry(), customAttributes),
    customAttributes,
    tenant,
    actor: ctx.state.actor as Actor,
    requestId: (ctx.state.requestId as string | undefined) ?? null,
    baseUrl: deps.baseUrl,
    strict: tenant.settings.scimStrict === true,
    interpretation: interpretationOf(ctx),
    bodyLimitBytes: deps.bodyLimitBytes,
  }
}

/**
 * The domain's context for a write this request makes. `at`: the Bulk operation it is made for
 * (`Operations[3]`, as Interpretation.within scopes its notes), so its audit event lists only the
 * attributes that operation ignored.
 */
export function writeContext(sc: ScimContext, at?: string): WriteContext {
  const ignored = (): string[] => sc.interpretation.notes.flatMap((n) => (n.kind === 'ignored' && n.at === at ? [n.path] : []))
  return { tenant: sc.tenant, actor: sc.actor, channel: 'scim', requestId: sc.requestId, notes: () => ({ ignored: ignored() }) }
}

export const SCIM_MEDIA_TYPES = ['application/scim+json', 'application/json']

export function readScimBody(ctx: Context, sc: ScimContext): Promise<unknown> {
  return readJson(ctx, { limitBytes: sc.bodyLimitBytes, types: SCIM_MEDIA_TYPES })
}

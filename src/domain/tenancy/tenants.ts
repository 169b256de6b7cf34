import type { TenancyPersister, TenancyStore } from './persister.js'
import { NotFoundError, ValidationError } from '../kernel/errors.js'
import { IDENTITY_SOURCES, type IdentitySource, type Tenant } from './model.js'
import { type Actor } from '../audit/model.js'
import type { NoticesPersister } from '../kernel/notices.js'
import type { TenantChanges } from './persister.js'

/** Slugs appear in URLs (/saml/<slug>/…, /login/<slug>): lower-case letters, digits and inner hyphens. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

export function validateSlug(slug: string): string {
  if (!SLUG_PATTERN.test(slug)) {
    throw new ValidationError(`invalid tenant slug "${slug}": use 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen`, 'slug')
  }
  return slug
}

export function validateSource(source: string): IdentitySource {
  if (!(IDENTITY_SOURCES as readonly string[]).includes(source)) {
    throw new ValidationError(`invalid identity source "${source}": use one of ${IDENTITY_SOURCES.join(', ')}`, 'source')
  }
  return source as IdentitySource
}

export interface CreateTenantInput {
  slug: string
  displayName?: string
  source?: IdentitySource
}

export async function createTenant(store: TenancyStore, actor: Actor, input: CreateTenantInput, requestId: string | null = null): Promise<Tenant> {
  const slug = validateSlug(input.slug)
  const displayName = (input.displayName ?? slug).trim()
  if (!displayName || displayName.length > 200) throw new ValidationError('display name must be 1-200 characters', 'name')
  const source = validateSource(input.source ?? 'local')
  return store.transaction(async (tx) => {
    const tenant = await tx.tenants.create({ slug, displayName, source })
    await tx.audit.append({
      tenantId: tenant.id,
      actor,
      action: 'tenant.create',
      resourceType: 'Tenant',
      resourceId: tenant.id,
      changes: { attributes: ['slug', 'displayName', 'source'], after: { slug, displayName, source } },
      requestId,
    })
    return tenant
  })
}

export async function requireTenant(store: TenancyPersister, slug: string): Promise<Tenant> {
  const tenant = await store.tenants.getBySlug(slug)
  if (!tenant) throw new NotFoundError(`no tenant with slug "${slug}"`)
  return tenant
}

/**
 * Every change to a tenant goes through here: caches on every node hold tenant records (a SCIM
 * token's entry carries its tenant's settings), so the change is announced in its transaction.
 */
export async function changeTenant(tx: TenancyPersister & NoticesPersister, id: string, changes: TenantChanges): Promise<Tenant | null> {
  const updated = await tx.tenants.update(id, changes)
  if (updated) await tx.notices.publish('tenant', id)
  return updated
}

export interface TenantUpdate {
  displayName?: string
  source?: IdentitySource
  /** SCIM strict mode: refuse identity-provider dialects instead of normalising them. */
  scimStrict?: boolean
  /** The SCIM provisioning log (on unless turned off: src/domain/provisioning/). */
  provisioningLog?: boolean
}

export async function updateTenant(store: TenancyStore, actor: Actor, slug: string, update: TenantUpdate, requestId: string | null = null): Promise<Tenant> {
  return store.transaction(async (tx) => {
    const tenant = await requireTenant(tx, slug)
    const displayName = update.displayName?.trim()
    if (displayName !== undefined && (!displayName || displayName.length > 200)) throw new ValidationError('display name must be 1-200 characters', 'name')
    const source = update.source === undefined ? undefined : validateSource(update.source)
    const settings =
      update.scimStrict === undefined && update.provisioningLog === undefined
        ? undefined
        : {
            ...tenant.settings,
            ...(update.scimStrict === undefined ? {} : { scimStrict: update.scimStrict }),
            ...(update.provisioningLog === undefined ? {} : { provisioningLog: update.provisioningLog }),
          }
    const updated = (await changeTenant(tx, tenant.id, { displayName, source, settings }))!
    const before: Record<string, string | boolean> = {}
    const after: Record<string, string | boolean> = {}
    if (displayName !== undefined && displayName !== tenant.displayName) [before.displayName, after.displayName] = [tenant.displayName, displayName]
    if (source !== undefined && source !== tenant.source) [before.source, after.source] = [tenant.source, source]
    if (update.scimStrict !== undefined && update.scimStrict !== (tenant.settings.scimStrict === true)) {
      ;[before.scimStrict, after.scimStrict] = [tenant.settings.scimStrict === true, update.scimStrict]
    }
    // On unless turned off (src/domain/provisioning/model.ts, provisioningLogOn).
    const logOn = tenant.settings.provisioningLog !== false
    if (update.provisioningLog !== undefined && update.provisioningLog !== logOn) [before.provisioningLog, after.provisioningLog] = [logOn, update.provisioningLog]
    await tx.audit.append({
      tenantId: tenant.id,
      actor,
      action: 'tenant.update',
      resourceType: 'Tenant',
      resourceId: tenant.id,
      changes: { attributes: Object.keys(after).sort(), before, after },
      requestId,
    })
    return updated
  })
}

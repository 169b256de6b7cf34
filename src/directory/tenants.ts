import type { Store } from '../store/port.js'
import { NotFoundError, ValidationError } from '../errors.js'
import { IDENTITY_SOURCES, type Actor, type IdentitySource, type Tenant } from './model.js'

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

export async function createTenant(store: Store, actor: Actor, input: CreateTenantInput, requestId: string | null = null): Promise<Tenant> {
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

export async function requireTenant(store: Store, slug: string): Promise<Tenant> {
  const tenant = await store.tenants.getBySlug(slug)
  if (!tenant) throw new NotFoundError(`no tenant with slug "${slug}"`)
  return tenant
}

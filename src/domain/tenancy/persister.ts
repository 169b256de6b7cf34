/**
 * The tenancy concept's persistence port: tenants and their settings. Tenants are the one record
 * not scoped by a tenant id; a slug is unique (ConflictError on `slug`), a key that is not a uuid
 * finds nothing.
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AuditPersister } from '../audit/persister.js'
import type { NoticesPersister } from '../kernel/notices.js'
import type { IdentitySource, Tenant } from './model.js'

export interface NewTenant {
  id?: string
  slug: string
  displayName: string
  source: IdentitySource
  settings?: Record<string, unknown>
}

export type TenantChanges = Partial<Pick<Tenant, 'displayName' | 'source' | 'settings'>>

export interface TenantRepo {
  create(tenant: NewTenant): Promise<Tenant>
  getById(id: string): Promise<Tenant | null>
  getBySlug(slug: string): Promise<Tenant | null>
  list(): Promise<Tenant[]>
  count(): Promise<number>
  update(id: string, changes: TenantChanges): Promise<Tenant | null>
}

/** What tenancy needs from storage (Kratos: one persister per concept, composed by the Store). */
export interface TenancyPersister {
  tenants: TenantRepo
}

/**
 * The repositories tenant administration uses: tenants, the audit trail of their changes, and the
 * notices that make every node's caches forget a changed tenant (tenants.ts, changeTenant).
 */
export type TenancyStore = Transactional<TenancyPersister & AuditPersister & NoticesPersister>

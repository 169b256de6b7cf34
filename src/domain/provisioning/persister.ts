/**
 * The provisioning log's persistence port: append-only entries per tenant, read newest first, and
 * pruned by age and by count. Every method is scoped by tenant except `appendMany`, whose entries
 * each carry theirs (one statement for a batch of many tenants' requests).
 */
import type { Page } from '../kernel/page.js'
import type { NewProvisioningEntry, ProvisioningEntry } from './model.js'

export interface ProvisioningLogQuery {
  limit: number
  /** `next` of the previous page; pages run from newest to oldest. */
  before?: string | null
  /** failed: answered 400 or above; succeeded: below. */
  status?: 'failed' | 'succeeded'
  /** The id of the user or group the request was about. */
  resourceId?: string
  /** Text in the path (with its query) or the resource's name, case-insensitively. */
  text?: string
  /** At or after. */
  from?: Date
  /** Before. */
  to?: Date
}

export interface ProvisioningLogRepo {
  /** Many entries, any tenants, in one statement. */
  appendMany(entries: NewProvisioningEntry[]): Promise<void>
  list(tenantId: string, query: ProvisioningLogQuery): Promise<Page<ProvisioningEntry>>
  /** A key that cannot name an entry is simply not found. */
  get(tenantId: string, id: string): Promise<ProvisioningEntry | null>
  /** Deletes up to `limit` of the tenant's entries older than `before`; returns how many. */
  deleteOlderThan(tenantId: string, before: Date, limit: number): Promise<number>
  /** Deletes up to `limit` of the tenant's oldest entries beyond its newest `keep`; returns how many. */
  deleteBeyond(tenantId: string, keep: number, limit: number): Promise<number>
}

export interface ProvisioningLogPersister {
  provisioningLog: ProvisioningLogRepo
}

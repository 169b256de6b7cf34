/**
 * Keeping the provisioning log to its retention window and its per-tenant cap. Every node runs this
 * periodically (src/service.ts): deletes are idempotent and bounded (at most `batchSize` rows a
 * statement), so nodes running it at once only share the work.
 */
import type { TenancyPersister } from '../tenancy/persister.js'
import type { ProvisioningLogPersister } from './persister.js'

export interface RetentionPolicy {
  /** Entries older than this go. */
  retentionMs: number
  /** A tenant keeps at most this many entries; its oldest beyond go. */
  maxEntries: number
  /** Rows per delete statement. */
  batchSize?: number
}

export async function pruneProvisioningLog(store: ProvisioningLogPersister & TenancyPersister, policy: RetentionPolicy, now: Date): Promise<{ deleted: number }> {
  const batch = policy.batchSize ?? 1000
  const cutoff = new Date(now.getTime() - policy.retentionMs)
  let deleted = 0
  const drain = async (step: () => Promise<number>) => {
    let n: number
    do {
      n = await step()
      deleted += n
    } while (n >= batch)
  }
  for (const tenant of await store.tenants.list()) {
    await drain(() => store.provisioningLog.deleteOlderThan(tenant.id, cutoff, batch))
    await drain(() => store.provisioningLog.deleteBeyond(tenant.id, policy.maxEntries, batch))
  }
  return { deleted }
}

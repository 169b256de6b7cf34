/** Reading the provisioning log as an operator: audit.view, checked at use time. */
import type { AccessPersister } from '../access/persister.js'
import { requirePermissions, type Operator } from '../access/operator.js'
import type { AuditPersister } from '../audit/persister.js'
import type { AuditEvent } from '../audit/model.js'
import type { Page } from '../kernel/page.js'
import type { ProvisioningEntry } from './model.js'
import type { ProvisioningLogPersister, ProvisioningLogQuery } from './persister.js'

type Readers = ProvisioningLogPersister & AuditPersister & AccessPersister

export async function readProvisioningLogAs(store: Readers, op: Operator, query: ProvisioningLogQuery): Promise<Page<ProvisioningEntry>> {
  await requirePermissions(store, op, 'audit.view')
  return store.provisioningLog.list(op.tenant.id, query)
}

/**
 * How far around a request its audit events are looked for. A request id may come from the client
 * (X-Request-Id), and a client may reuse one: the window keeps another request's changes out, and
 * is wide enough for the database's clock to differ from the node's.
 */
const CHANGE_WINDOW_MS = 5 * 60_000

/** Most audit events one request's entry shows (a Bulk request of many operations). */
const MAX_CHANGES = 1000

/** An entry with the change its request made: the audit events of its request id. Null when not found. */
export async function readProvisioningEntryAs(store: Readers, op: Operator, id: string): Promise<{ entry: ProvisioningEntry; changes: AuditEvent[] } | null> {
  await requirePermissions(store, op, 'audit.view')
  const entry = await store.provisioningLog.get(op.tenant.id, id)
  if (!entry) return null
  if (!entry.requestId) return { entry, changes: [] }
  const page = await store.audit.list(op.tenant.id, {
    limit: MAX_CHANGES,
    requestId: entry.requestId,
    from: new Date(entry.at.getTime() - CHANGE_WINDOW_MS),
    to: new Date(entry.at.getTime() + entry.durationMs + CHANGE_WINDOW_MS),
  })
  // Oldest first: the order the request made them in.
  return { entry, changes: page.items.reverse() }
}

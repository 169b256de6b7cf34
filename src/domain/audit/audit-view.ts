/** Reading the audit log as an operator: audit.view, checked at use time. */
import type { AuditQuery, Page, Store } from '../store.js'
import type { AuditEvent } from './model.js'
import { requirePermissions, type Operator } from '../access/operator.js'

export async function readAuditAs(store: Store, op: Operator, query: AuditQuery): Promise<Page<AuditEvent>> {
  await requirePermissions(store, op, 'audit.view')
  return store.audit.list(op.tenant.id, query)
}

/** Reading the audit log as an operator: audit.view, checked at use time. */
import type { AuditPersister, AuditQuery } from '../audit/persister.js'
import type { Page } from '../kernel/page.js'
import type { AccessPersister } from '../access/persister.js'
import type { AuditEvent } from '../audit/model.js'
import { requirePermissions, type Operator } from '../access/operator.js'

export async function readAuditAs(store: AuditPersister & AccessPersister, op: Operator, query: AuditQuery): Promise<Page<AuditEvent>> {
  await requirePermissions(store, op, 'audit.view')
  return store.audit.list(op.tenant.id, query)
}

/**
 * The audit concept's persistence port: an append-only trail per tenant, read newest first. An
 * event written inside a transaction commits or rolls back with the change it records.
 */
import type { AuditEvent, NewAuditEvent } from './model.js'
import type { Page } from '../kernel/page.js'

export interface AuditQuery {
  limit: number
  /** `next` of the previous page; pages run from newest to oldest. */
  before?: string | null
  /** Exact action (`user.update`), or every action under a prefix (`user.*`). */
  action?: string
  resourceId?: string
  /** The request that made the changes (the provisioning log joins an entry's changes by it). */
  requestId?: string
  /** The actor's id, or its label (userName, token name), case-insensitively. */
  actor?: string
  /** At or after. */
  from?: Date
  /** Before. */
  to?: Date
}

/** The kinds of resource an audit entry names by id, whose current names the log shows. */
export type NamedKind = 'User' | 'Group' | 'Role' | 'Token'

export interface AuditRepo {
  append(event: NewAuditEvent): Promise<AuditEvent>
  /** Many events in one statement. */
  appendMany(events: NewAuditEvent[]): Promise<void>
  list(tenantId: string, query: AuditQuery): Promise<Page<AuditEvent>>
  /** The current names of the tenant's resources of one kind, by id (one query); absent: no such resource now. */
  names(tenantId: string, kind: NamedKind, ids: string[]): Promise<Map<string, string>>
}

export interface AuditPersister {
  audit: AuditRepo
}

import type { Migration } from './migration.js'

/**
 * The audit log view filters by action and by actor, newest first. Without these, a filter on a
 * rare action or actor walks the tenant's whole log backwards. Three more index entries per event is
 * the price; events are written once and never updated.
 */
export const auditFilters: Migration = {
  version: 9,
  name: 'audit_filters',
  statements: [
    `CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action text_pattern_ops, id)`,
    `CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, lower(actor_label), id)`,
    `CREATE INDEX audit_events_actor_id_idx ON audit_events (tenant_id, actor_id, id) WHERE actor_id IS NOT NULL`,
  ],
}

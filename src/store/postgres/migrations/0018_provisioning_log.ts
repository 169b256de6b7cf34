import type { Migration } from './migration.js'

/**
 * The provisioning log (src/domain/provisioning/): one row per authenticated SCIM request, written
 * in batches, never updated, deleted by age and per-tenant count. Read newest first, all of a
 * tenant's or only its failures or only one resource's, so each of those has an index in that
 * order; failures are the few, so theirs is partial. Bodies are text (the JSON as sent, redacted,
 * possibly cut at the cap, so not always valid JSON); TOAST compresses them.
 *
 * An entry's change is read from audit_events by request id, which needed an index of its own.
 */
export const provisioningLog: Migration = {
  version: 18,
  name: 'provisioning_log',
  statements: [
    `CREATE TABLE provisioning_log (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id bigint GENERATED ALWAYS AS IDENTITY,
       at timestamptz NOT NULL,
       method text NOT NULL,
       path text NOT NULL,
       status smallint NOT NULL,
       duration_ms real NOT NULL,
       token_id text,
       token_label text,
       request_id text,
       resource_type text,
       resource_id text,
       resource_name text,
       request_body text,
       request_truncated boolean NOT NULL DEFAULT false,
       response_body text,
       response_truncated boolean NOT NULL DEFAULT false,
       error_scim_type text,
       error_detail text,
       notes jsonb NOT NULL DEFAULT '[]',
       PRIMARY KEY (tenant_id, id)
     )`,
    `CREATE INDEX provisioning_log_time_idx ON provisioning_log (tenant_id, at DESC, id DESC)`,
    `CREATE INDEX provisioning_log_failed_idx ON provisioning_log (tenant_id, at DESC, id DESC) WHERE status >= 400`,
    `CREATE INDEX provisioning_log_resource_idx ON provisioning_log (tenant_id, resource_id, at DESC, id DESC) WHERE resource_id IS NOT NULL`,
    `CREATE INDEX audit_events_request_idx ON audit_events (tenant_id, request_id) WHERE request_id IS NOT NULL`,
  ],
}

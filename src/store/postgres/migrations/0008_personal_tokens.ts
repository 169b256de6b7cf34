import type { Migration } from './migration.js'

/**
 * Personal access tokens for the admin API: `rpt_<id>_<secret>`, SHA-256 of the secret stored (as
 * SCIM tokens, decisions §4). A token belongs to a user and dies with it (deleted with the user;
 * refused while the user is not active). `permissions` null means "all of the user's", evaluated at
 * each use; a list narrows them further, never widens.
 */
export const personalTokens: Migration = {
  version: 8,
  name: 'personal_tokens',
  statements: [
    `CREATE TABLE personal_tokens (
       id text PRIMARY KEY,
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       user_id uuid NOT NULL,
       name text NOT NULL,
       secret_hash bytea NOT NULL,
       permissions text[],
       expires timestamptz,
       created timestamptz NOT NULL DEFAULT now(),
       last_used timestamptz,
       revoked timestamptz,
       FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE UNIQUE INDEX personal_tokens_live_name_key ON personal_tokens (tenant_id, user_id, lower(name)) WHERE revoked IS NULL`,
    `CREATE INDEX personal_tokens_user_idx ON personal_tokens (tenant_id, user_id)`,
  ],
}

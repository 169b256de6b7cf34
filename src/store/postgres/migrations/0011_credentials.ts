import type { Migration } from './migration.js'

/**
 * API credentials beyond personal tokens: whether a user may use the admin API at all, its API
 * password (HTTP Basic, for clients that cannot send bearer tokens; argon2id), and service accounts
 * ("integration users": users for machine access, each with an owner).
 */
export const credentials: Migration = {
  version: 11,
  name: 'credentials',
  statements: [
    `CREATE TABLE user_api_settings (
       tenant_id uuid NOT NULL,
       user_id uuid NOT NULL,
       api_access boolean NOT NULL DEFAULT true,
       api_password_hash text,
       PRIMARY KEY (tenant_id, user_id),
       FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE TABLE service_accounts (
       tenant_id uuid NOT NULL,
       user_id uuid NOT NULL,
       owner_id uuid NOT NULL,
       description text NOT NULL DEFAULT '',
       PRIMARY KEY (tenant_id, user_id),
       FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE,
       FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
     )`,
    `CREATE INDEX service_accounts_owner_idx ON service_accounts (tenant_id, owner_id)`,
  ],
}

import type { Migration } from './migration.js'

/**
 * Roles and their assignments (docs/admin.md). Built-in roles (Administrator, User manager,
 * Viewer, General user) live in code, so a release can refine them; `roles` holds a tenant's
 * custom roles only. An assignment names its role by built-in key or custom role id (text), and
 * its principal, a user or a group: a user's effective roles are its own and those of every group
 * it is in, however deeply nested.
 */
export const access: Migration = {
  version: 7,
  name: 'access',
  statements: [
    `CREATE TABLE roles (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id uuid NOT NULL,
       name text NOT NULL,
       name_lower text GENERATED ALWAYS AS (lower(name)) STORED,
       description text NOT NULL DEFAULT '',
       permissions text[] NOT NULL,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, id),
       CONSTRAINT roles_name_key UNIQUE (tenant_id, name_lower)
     )`,
    `CREATE TABLE role_assignments (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       role text NOT NULL,
       principal_type text NOT NULL CHECK (principal_type IN ('User', 'Group')),
       principal_id uuid NOT NULL,
       created timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, principal_id, role)
     )`,
    `CREATE INDEX role_assignments_role_idx ON role_assignments (tenant_id, role)`,
  ],
}

import type { Migration } from './migration.js'

// Primary keys lead with tenant_id so that a distributed PostgreSQL (Citus, distributing by
// tenant_id) can take the same schema unchanged; every lookup is by tenant first anyway.
export const initial: Migration = {
  version: 1,
  name: 'initial',
  statements: [
    `CREATE TABLE tenants (
       id uuid PRIMARY KEY,
       slug text NOT NULL CONSTRAINT tenants_slug_key UNIQUE,
       display_name text NOT NULL,
       source text NOT NULL CHECK (source IN ('local', 'scim', 'ldap')),
       settings jsonb NOT NULL DEFAULT '{}'::jsonb,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now()
     )`,

    // The secret is never stored: only sha256(secret). The id is the token's public half.
    `CREATE TABLE tokens (
       id text PRIMARY KEY,
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       label text NOT NULL,
       secret_hash bytea NOT NULL,
       created timestamptz NOT NULL DEFAULT now(),
       last_used timestamptz,
       revoked timestamptz
     )`,
    `CREATE UNIQUE INDEX tokens_live_label_key ON tokens (tenant_id, lower(label)) WHERE revoked IS NULL`,

    `CREATE TABLE users (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id uuid NOT NULL,
       user_name text NOT NULL,
       user_name_lower text GENERATED ALWAYS AS (lower(user_name)) STORED,
       external_id text,
       display_name text,
       email text,
       status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'archived')),
       active boolean GENERATED ALWAYS AS (status = 'active') STORED,
       origin text NOT NULL CHECK (origin IN ('local', 'scim', 'ldap')),
       source_anchor text,
       resource jsonb NOT NULL DEFAULT '{}'::jsonb,
       password_hash text,
       version integer NOT NULL DEFAULT 1,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, id),
       CONSTRAINT users_user_name_key UNIQUE (tenant_id, user_name_lower)
     )`,
    `CREATE UNIQUE INDEX users_source_anchor_key ON users (tenant_id, source_anchor) WHERE source_anchor IS NOT NULL`,
    `CREATE INDEX users_external_id_idx ON users (tenant_id, external_id) WHERE external_id IS NOT NULL`,

    `CREATE TABLE groups (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id uuid NOT NULL,
       display_name text NOT NULL,
       display_name_lower text GENERATED ALWAYS AS (lower(display_name)) STORED,
       external_id text,
       origin text NOT NULL CHECK (origin IN ('local', 'scim', 'ldap')),
       source_anchor text,
       resource jsonb NOT NULL DEFAULT '{}'::jsonb,
       version integer NOT NULL DEFAULT 1,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, id)
     )`,
    `CREATE INDEX groups_display_name_idx ON groups (tenant_id, display_name_lower)`,
    `CREATE UNIQUE INDEX groups_source_anchor_key ON groups (tenant_id, source_anchor) WHERE source_anchor IS NOT NULL`,
    `CREATE INDEX groups_external_id_idx ON groups (tenant_id, external_id) WHERE external_id IS NOT NULL`,

    // One row per membership: adding or removing a member of a 100,000-member group touches one row.
    // member_id points at a user or a group, so it has no foreign key; deletes clean it up.
    `CREATE TABLE group_members (
       tenant_id uuid NOT NULL,
       group_id uuid NOT NULL,
       member_id uuid NOT NULL,
       member_type text NOT NULL CHECK (member_type IN ('User', 'Group')),
       PRIMARY KEY (tenant_id, group_id, member_id),
       FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE INDEX group_members_member_idx ON group_members (tenant_id, member_id)`,

    `CREATE TABLE audit_events (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id bigint GENERATED ALWAYS AS IDENTITY,
       at timestamptz NOT NULL DEFAULT now(),
       actor_type text NOT NULL,
       actor_id text,
       actor_label text NOT NULL,
       action text NOT NULL,
       resource_type text NOT NULL,
       resource_id text,
       changes jsonb,
       request_id text,
       PRIMARY KEY (tenant_id, id)
     )`,
    `CREATE INDEX audit_events_resource_idx ON audit_events (tenant_id, resource_id, id)`,
  ],
}

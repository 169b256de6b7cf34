import type { Migration } from './migration.js'

/**
 * Indexes for SCIM filtering and sorting (src/store/postgres/query-sql.ts).
 *
 * - `resource_ci`: the resource document with every string lower-cased (keys too; canonical keys
 *   differ by more than case, so none collide). A GIN `jsonb_path_ops` index on it serves `eq` on
 *   any document attribute, however deep and inside arrays: `resource_ci @> lower('{"emails":[{"value":"x"}]}')`.
 *   Case-exact comparisons use it as a pre-filter and recheck against `resource`. `lower`, the
 *   jsonb text output and input are all immutable, so the expression can be a stored generated
 *   column on PostgreSQL 15 and on PGlite (18) alike. GIN cannot include the uuid tenant_id without
 *   btree_gin, so tenant_id stays a heap filter.
 * - `users_user_name_sort_idx`: keyset pages sorted by userName (`COLLATE "C"`, the order the
 *   queries use on every backend) read only the rows they return.
 * - `users_display_name_idx`: `displayName eq` on users (groups already have groups_display_name_idx).
 */
export const queryIndexes: Migration = {
  version: 2,
  name: 'query_indexes',
  // Stored generated columns: every user and group row is rewritten.
  rewrites: ['users', 'groups'],
  statements: [
    `ALTER TABLE users ADD COLUMN resource_ci jsonb GENERATED ALWAYS AS (lower(resource::text)::jsonb) STORED`,
    `ALTER TABLE groups ADD COLUMN resource_ci jsonb GENERATED ALWAYS AS (lower(resource::text)::jsonb) STORED`,
    `CREATE INDEX users_resource_ci_idx ON users USING gin (resource_ci jsonb_path_ops)`,
    `CREATE INDEX groups_resource_ci_idx ON groups USING gin (resource_ci jsonb_path_ops)`,
    `CREATE INDEX users_user_name_sort_idx ON users (tenant_id, user_name_lower COLLATE "C", id)`,
    `CREATE INDEX users_display_name_idx ON users (tenant_id, lower(display_name))`,
  ],
}

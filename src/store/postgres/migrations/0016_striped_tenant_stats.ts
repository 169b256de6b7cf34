import type { Migration } from './migration.js'

/**
 * The tenant's counters (migrations 0003, 0006) in stripes (decisions.md §27): a tenant's totals are
 * the sum of up to STRIPES rows, and each connection counts into its own stripe
 * (`pg_backend_pid() % STRIPES`). With one row per tenant, every INSERT or DELETE of a user or group
 * took that row's lock in its statement-level trigger and held it until its transaction ended, so
 * all writes of a tenant queued on it: a POST's INSERT measured 44.8 ms inside a transaction with
 * 16 clients, 8.6 ms without the trigger (bench/index-cost.ts, decision §26). Two connections now
 * meet on a row only when their pids share a stripe. Readers sum the stripes (at most STRIPES rows
 * of the primary key).
 *
 * Also: users pages keep a fifth free (fillfactor 80). A membership change bumps its members'
 * version, which no index covers, so with room on the page the new row version stays there (a HOT
 * update) and none of the table's indexes is written: a 20,000-user bump by the directory sync took
 * 5.5 s instead of 17.6 s. It applies to pages written from now on (no rewrite of the table).
 *
 * And: the group-in-group rows get an index of their own. Walking up from a user's groups to the
 * groups containing them (a user's `groups`, read with every SCIM user) looks for rows whose member
 * is a group; through group_members_member_idx the planner hash-joined every membership row of the
 * tenant at each step (13 ms for a page of 100 users in a 10,000-member group). Nesting rows are
 * few, so this index is small and each step reads only them.
 */
const STRIPES = 16
const stripe = `(pg_backend_pid() % ${STRIPES})::smallint`

const counted = (table: 'users' | 'groups', sign: '' | '-', rows: 'new_rows' | 'old_rows') =>
  table === 'users'
    ? `INSERT INTO tenant_stats (tenant_id, stripe, users, users_inactive, users_archived)
         SELECT r.tenant_id, ${stripe}, ${sign}count(*), ${sign}count(*) FILTER (WHERE r.status = 'inactive'), ${sign}count(*) FILTER (WHERE r.status = 'archived')
           FROM ${rows} r
          WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
          GROUP BY r.tenant_id
       ON CONFLICT (tenant_id, stripe) DO UPDATE SET users = tenant_stats.users + EXCLUDED.users,
         users_inactive = tenant_stats.users_inactive + EXCLUDED.users_inactive,
         users_archived = tenant_stats.users_archived + EXCLUDED.users_archived`
    : `INSERT INTO tenant_stats (tenant_id, stripe, groups)
         SELECT r.tenant_id, ${stripe}, ${sign}count(*) FROM ${rows} r
          WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
          GROUP BY r.tenant_id
       ON CONFLICT (tenant_id, stripe) DO UPDATE SET groups = tenant_stats.groups + EXCLUDED.groups`

const fn = (name: string, body: string) => `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${body};
    RETURN NULL;
  END $$`

export const stripedTenantStats: Migration = {
  version: 16,
  name: 'striped_tenant_stats',
  statements: [
    `ALTER TABLE users SET (fillfactor = 80)`,
    `CREATE INDEX group_members_nesting_idx ON group_members (tenant_id, member_id, group_id) WHERE member_type = 'Group'`,
    `ALTER TABLE tenant_stats ADD COLUMN stripe smallint NOT NULL DEFAULT 0`,
    `ALTER TABLE tenant_stats DROP CONSTRAINT tenant_stats_pkey`,
    `ALTER TABLE tenant_stats ADD PRIMARY KEY (tenant_id, stripe)`,
    fn('roster_count_users_added', counted('users', '', 'new_rows')),
    fn('roster_count_users_removed', counted('users', '-', 'old_rows')),
    fn('roster_count_groups_added', counted('groups', '', 'new_rows')),
    fn('roster_count_groups_removed', counted('groups', '-', 'old_rows')),
    fn(
      'roster_count_users_status',
      `INSERT INTO tenant_stats (tenant_id, stripe, users_inactive, users_archived)
         SELECT NEW.tenant_id, ${stripe}, (NEW.status = 'inactive')::int - (OLD.status = 'inactive')::int, (NEW.status = 'archived')::int - (OLD.status = 'archived')::int
          WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = NEW.tenant_id)
       ON CONFLICT (tenant_id, stripe) DO UPDATE SET users_inactive = tenant_stats.users_inactive + EXCLUDED.users_inactive,
         users_archived = tenant_stats.users_archived + EXCLUDED.users_archived`,
    ),
  ],
}

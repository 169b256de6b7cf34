import type { Migration } from './migration.js'

/**
 * Per-tenant totals of users and groups, kept exact by statement-level triggers (whatever writes the
 * rows: the domain, the sync worker, a bulk load). An unfiltered list answers totalResults from here
 * instead of counting a 100,000-user tenant on every page.
 *
 * Statement-level triggers with transition tables add one row update per statement, not per row,
 * so a bulk INSERT … SELECT of 100,000 users costs one counter update. The tenant must still exist
 * (EXISTS): when a tenant is deleted, its users go by cascade, and so does its stats row.
 */
const counter = (table: 'users' | 'groups', sign: '+' | '-', rows: 'new_rows' | 'old_rows') => `
  CREATE FUNCTION roster_count_${table}_${sign === '+' ? 'added' : 'removed'}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO tenant_stats (tenant_id, ${table})
      SELECT r.tenant_id, ${sign}count(*) FROM ${rows} r
       WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
       GROUP BY r.tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET ${table} = tenant_stats.${table} + EXCLUDED.${table};
    RETURN NULL;
  END $$`

export const tenantStats: Migration = {
  version: 3,
  name: 'tenant_stats',
  statements: [
    `CREATE TABLE tenant_stats (
       tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
       users bigint NOT NULL DEFAULT 0,
       groups bigint NOT NULL DEFAULT 0
     )`,
    counter('users', '+', 'new_rows'),
    counter('users', '-', 'old_rows'),
    counter('groups', '+', 'new_rows'),
    counter('groups', '-', 'old_rows'),
    `CREATE TRIGGER users_counted_added AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_count_users_added()`,
    `CREATE TRIGGER users_counted_removed AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_count_users_removed()`,
    `CREATE TRIGGER groups_counted_added AFTER INSERT ON groups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_count_groups_added()`,
    `CREATE TRIGGER groups_counted_removed AFTER DELETE ON groups REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION roster_count_groups_removed()`,
    `INSERT INTO tenant_stats (tenant_id, users, groups)
       SELECT t.id, (SELECT count(*) FROM users u WHERE u.tenant_id = t.id), (SELECT count(*) FROM groups g WHERE g.tenant_id = t.id)
         FROM tenants t`,
  ],
}

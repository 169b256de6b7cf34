import type { Migration } from './migration.js'

/**
 * Manager references that name no user yet (docs/decisions.md, "Manager references that name no
 * user yet"): an IdP may push a report before its manager, naming the manager by an id of its own.
 * Such a reference is kept as sent in the report's document, and tracked here, one row per report,
 * so that the insert of the user it names points the report at the new id in the same statement.
 *
 * `value` is matched against the new user's id and externalId as is, `value_key` (its userNameKey,
 * src/domain/identity/user-name.ts) against the new userName's key. The rows go with their report
 * (ON DELETE CASCADE) and with every write that changes its manager (src/store/postgres/repos/users.ts).
 *
 * The matching runs in `resolve_manager_refs`, which every insert of users calls from its own
 * statement: a function's plans are prepared once per connection, so the common case (nothing
 * waits in the tenant: one probe of the primary key) costs no planning on PGlite, which prepares
 * nothing. Written as CTEs of the INSERT, the same work doubled a PGlite insert (3.3 → 6.9 ms)
 * while a prepared PostgreSQL insert did not move. It returns how many reports it pointed at a new
 * user; with `audit` (actor and request of the insert) each gets a `user.update` event, shaped as
 * the domain's setManagers writes them.
 */
const MANAGER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

export const unresolvedManagerRefs: Migration = {
  version: 17,
  name: 'unresolved_manager_refs',
  statements: [
    `CREATE TABLE unresolved_manager_refs (
       tenant_id uuid NOT NULL,
       user_id uuid NOT NULL,
       value text NOT NULL,
       value_key text NOT NULL,
       PRIMARY KEY (tenant_id, user_id),
       FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE INDEX unresolved_manager_refs_value_idx ON unresolved_manager_refs (tenant_id, value)`,
    `CREATE INDEX unresolved_manager_refs_value_key_idx ON unresolved_manager_refs (tenant_id, value_key)`,
    // fresh: [{ id, external_id, user_name_key }] of the users just inserted.
    `CREATE FUNCTION resolve_manager_refs(tenant uuid, fresh jsonb, audit jsonb) RETURNS integer
     LANGUAGE plpgsql VOLATILE AS $fn$
     DECLARE
       path constant text[] := ARRAY['${MANAGER}', 'manager', 'value'];
       attr constant text := '${MANAGER}:manager';
       resolved integer;
     BEGIN
       PERFORM 1 FROM unresolved_manager_refs r WHERE r.tenant_id = tenant LIMIT 1;
       IF NOT FOUND THEN
         RETURN 0;
       END IF;
       WITH f AS (SELECT * FROM jsonb_to_recordset(fresh) AS f(id uuid, external_id text, user_name_key text)),
       matched AS (
         SELECT DISTINCT ON (r.user_id) r.user_id, r.value, f.id AS manager_id
           FROM f JOIN unresolved_manager_refs r
             ON r.tenant_id = tenant AND (r.value = f.id::text OR r.value = f.external_id OR r.value_key = f.user_name_key)
          WHERE r.user_id NOT IN (SELECT id FROM f)
          ORDER BY r.user_id, CASE WHEN r.value = f.id::text THEN 0 WHEN r.value = f.external_id THEN 1 ELSE 2 END, f.id),
       gone AS (DELETE FROM unresolved_manager_refs r USING matched m WHERE r.tenant_id = tenant AND r.user_id = m.user_id),
       repointed AS (
         UPDATE users u SET resource = jsonb_set(u.resource, path, to_jsonb(m.manager_id::text)), version = u.version + 1, modified = now()
           FROM matched m WHERE u.tenant_id = tenant AND u.id = m.user_id AND u.resource #>> path = m.value
         RETURNING u.id, m.value AS before, m.manager_id AS after),
       audited AS (
         INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_label, actor_via, action, resource_type, resource_id, changes, request_id)
         SELECT tenant, audit ->> 'actor_type', audit ->> 'actor_id', audit ->> 'actor_label', nullif(audit -> 'actor_via', 'null'::jsonb), 'user.update', 'User', p.id::text,
                jsonb_build_object('attributes', jsonb_build_array(attr), 'before', jsonb_build_object(attr, jsonb_build_object('value', p.before)),
                                   'after', jsonb_build_object(attr, jsonb_build_object('value', p.after::text))),
                audit ->> 'request_id'
           FROM repointed p WHERE audit IS NOT NULL)
       SELECT count(*) INTO resolved FROM repointed;
       RETURN resolved;
     END
     $fn$`,
  ],
}

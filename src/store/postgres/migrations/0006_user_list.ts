import type { Migration } from './migration.js'

/**
 * The admin console's user list (src/store/postgres/repos/user-list.ts; decisions.md §15): one view
 * (status) at a time, sorted by any of six columns, searched as the admin types, paged by keyset.
 *
 * What it costs writers. Users are written by SCIM and the sync at scale, so every index here was
 * measured against the writes it slows (PGlite, 100,000 users, this 2-core machine; before → after
 * this migration): a bulk insert of 100,000 users 9.4 s → 20.6 s (the five B-trees +4.1 s, the
 * search index +7.8 s); one user inserted 0.38 → 0.53 ms; an update that changes the resource
 * 0.40 → 0.71 ms; a version bump (a membership change) 0.21 → 0.25 ms, still a HOT update, because
 * no index here covers version or modified. Updates that change the resource were never HOT (the
 * GIN index on resource_ci of migration 0002 changes with it), so the new indexes add entries to
 * writes that already rewrite every index entry; they do not turn cheap writes into expensive ones.
 * The exception is a sign-in: last_sign_in is indexed, so recording one is no longer HOT
 * (0.20 → 0.61 ms) — once per person per sign-in, far rarer than provisioning writes.
 *
 * - last_sign_in: when the user last signed in (recordSignIn); not part of the SCIM resource, so
 *   writing it moves neither version nor modified.
 * - tenant_stats.users_inactive/users_archived: the list's total without a search is one row read,
 *   not a count over 85,000 rows (15-370 ms on PGlite, depending on what is cached). Migration
 *   0003's statement-level triggers count them in the same upsert; a row-level trigger fires only
 *   when a status really changes (UPDATE OF status … WHEN distinct), so other updates pay nothing
 *   for it. Status changes of one tenant queue on its stats row, as its inserts already do.
 * - One B-tree per sort, each (tenant_id, status, sort key, id): a page is one ordered range read
 *   that stops after limit + 1 rows, and the keyset condition is a row comparison on the same
 *   columns. Status comes second so that the inactive and archived views read only their own rows,
 *   and so that the plan does not depend on statistics: PGlite has no autovacuum, and a planner
 *   without statistics takes tenant_id = … AND status = … for a handful of rows, so with any
 *   (tenant_id, status, …) index that does not match the ORDER BY it would fetch the whole view and
 *   sort it (measured without this userName index: 307 ms instead of 2.5). That is also why userName
 *   gets its own index although migration 0002's (tenant_id, user_name_lower, id) exists. The status
 *   sort orders as userName within a view (every row of a view has the same status) and uses it.
 * - The search index: a GIN over keys per user, from roster_search_keys below. Trigrams rather than
 *   word prefixes so that a search finds "mit" in "Smith" (a substring, not only a prefix); a prefix-only
 *   tsvector index measured +3.4 s per 100,000 inserted users instead of +7.8 s. pg_trgm would do
 *   the same, but it is not in PGlite unless the database is opened with the extension, and it
 *   would be one more thing a PostgreSQL server must provide. The keys start with the tenant and
 *   the status, so a search reads the postings of its own tenant and view only, not every tenant's
 *   "son". gin_pending_list_limit = 256 kB: every search reads the whole pending list, and on PGlite
 *   nothing else ever empties it (no autovacuum); with the default 4 MB a search took 10-15 ms more
 *   (measured), while 256 kB costs bulk inserts nothing measurable (fastupdate off: +16 s per
 *   100,000). STATISTICS 0 and COST 10000: the planner never learns how common a key is and must
 *   not compute keys row by row, so it always takes the index (with statistics on the keys and the
 *   default cost, a search for "exa", in nearly every email, scanned the table computing every row's
 *   keys: 283 ms instead of 24).
 */
export const userList: Migration = {
  version: 6,
  name: 'user_list',
  // Six indexes built over every user.
  rewrites: ['users'],
  statements: [
    `ALTER TABLE users ADD COLUMN last_sign_in timestamptz`,

    // Per-status totals next to the tenant's total (migration 0003); active = users - the others.
    `ALTER TABLE tenant_stats ADD COLUMN users_inactive bigint NOT NULL DEFAULT 0, ADD COLUMN users_archived bigint NOT NULL DEFAULT 0`,
    `CREATE OR REPLACE FUNCTION roster_count_users_added() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO tenant_stats (tenant_id, users, users_inactive, users_archived)
         SELECT r.tenant_id, count(*), count(*) FILTER (WHERE r.status = 'inactive'), count(*) FILTER (WHERE r.status = 'archived')
           FROM new_rows r
          WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
          GROUP BY r.tenant_id
       ON CONFLICT (tenant_id) DO UPDATE SET users = tenant_stats.users + EXCLUDED.users,
         users_inactive = tenant_stats.users_inactive + EXCLUDED.users_inactive,
         users_archived = tenant_stats.users_archived + EXCLUDED.users_archived;
       RETURN NULL;
     END $$`,
    `CREATE OR REPLACE FUNCTION roster_count_users_removed() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO tenant_stats (tenant_id, users, users_inactive, users_archived)
         SELECT r.tenant_id, -count(*), -count(*) FILTER (WHERE r.status = 'inactive'), -count(*) FILTER (WHERE r.status = 'archived')
           FROM old_rows r
          WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)
          GROUP BY r.tenant_id
       ON CONFLICT (tenant_id) DO UPDATE SET users = tenant_stats.users + EXCLUDED.users,
         users_inactive = tenant_stats.users_inactive + EXCLUDED.users_inactive,
         users_archived = tenant_stats.users_archived + EXCLUDED.users_archived;
       RETURN NULL;
     END $$`,
    `CREATE FUNCTION roster_count_users_status() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE tenant_stats
          SET users_inactive = users_inactive + (NEW.status = 'inactive')::int - (OLD.status = 'inactive')::int,
              users_archived = users_archived + (NEW.status = 'archived')::int - (OLD.status = 'archived')::int
        WHERE tenant_id = NEW.tenant_id;
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER users_status_counted AFTER UPDATE OF status ON users
       FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION roster_count_users_status()`,
    `UPDATE tenant_stats s
        SET users_inactive = (SELECT count(*) FROM users u WHERE u.tenant_id = s.tenant_id AND u.status = 'inactive'),
            users_archived = (SELECT count(*) FROM users u WHERE u.tenant_id = s.tenant_id AND u.status = 'archived')`,

    // The name the list shows and sorts by: displayName, else "given family", else userName.
    `CREATE FUNCTION roster_user_list_name(display_name text, resource jsonb, user_name text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT lower(coalesce(nullif(btrim(display_name), ''),
                             nullif(btrim(coalesce(resource #>> '{name,givenName}', '') || ' ' || coalesce(resource #>> '{name,familyName}', '')), ''),
                             user_name))
     $$`,
    // What a search looks in: the fields, lower-cased, joined by spaces (search terms never contain one).
    `CREATE FUNCTION roster_user_search_text(user_name text, display_name text, resource jsonb, email text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT lower(user_name || ' ' || coalesce(display_name, '') || ' ' || coalesce(resource #>> '{name,givenName}', '') || ' '
                    || coalesce(resource #>> '{name,familyName}', '') || ' ' || coalesce(email, ''))
     $$`,
    // Where a user's search keys start: the tenant id's first 8 hex digits and the status, so that
    // a search reads only the postings of its own tenant and view.
    `CREATE FUNCTION roster_search_key_prefix(tenant_id uuid, status text) RETURNS text
       LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
       SELECT left(tenant_id::text, 8) || CASE status WHEN 'active' THEN 'a' WHEN 'inactive' THEN 'i' ELSE 'x' END
     $$`,
    // The search keys of a lower-cased text: for every distinct word (a run of characters other than
    // ASCII spaces, controls and punctuation), its trigrams and, with word_starts, its first one and
    // two characters ('^' marks those), each after the prefix above.
    `CREATE FUNCTION roster_search_keys(tenant_id uuid, status text, t text, word_starts boolean) RETURNS text[]
       LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
     DECLARE
       -- roster_search_key_prefix, written out: an index expression must not depend on search_path.
       p text := left(tenant_id::text, 8) || CASE status WHEN 'active' THEN 'a' WHEN 'inactive' THEN 'i' ELSE 'x' END;
       keys text[] := '{}';
       seen text[] := '{}';
       w text;
       n int;
     BEGIN
       FOREACH w IN ARRAY regexp_split_to_array(t, '[\\x01-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f]+') LOOP
         n := length(w);
         CONTINUE WHEN n = 0 OR w = ANY (seen);
         seen := seen || w;
         IF word_starts THEN
           keys := keys || (p || '^' || left(w, 1));
           IF n >= 2 THEN keys := keys || (p || '^' || left(w, 2)); END IF;
         END IF;
         FOR i IN 1 .. n - 2 LOOP
           keys := keys || (p || substr(w, i, 3));
         END LOOP;
       END LOOP;
       RETURN keys;
     END $$`,

    `CREATE INDEX users_list_user_name_idx ON users (tenant_id, status, user_name_lower COLLATE "C", id)`,
    `CREATE INDEX users_list_name_idx ON users (tenant_id, status, (roster_user_list_name(display_name, resource, user_name)) COLLATE "C", id)`,
    `CREATE INDEX users_list_email_idx ON users (tenant_id, status, (nullif(email, '') IS NULL), (lower(coalesce(email, ''))) COLLATE "C", id)`,
    `CREATE INDEX users_list_last_sign_in_idx ON users (tenant_id, status, (coalesce(last_sign_in, '-infinity'::timestamptz)), id)`,
    `CREATE INDEX users_list_created_idx ON users (tenant_id, status, created, id)`,
    `CREATE INDEX users_list_search_idx ON users USING gin (roster_search_keys(tenant_id, status, roster_user_search_text(user_name, display_name, resource, email), true))
       WITH (gin_pending_list_limit = 256)`,
    `ALTER INDEX users_list_search_idx ALTER COLUMN 1 SET STATISTICS 0`,
  ],
}

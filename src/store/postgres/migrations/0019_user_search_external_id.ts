import type { Migration } from './migration.js'

const URN = 'urn:roster:params:scim:schemas:extension:tenant:2.0:User'

/**
 * The user list's search finds a user by external id too (src/store/postgres/repos/user-list.ts):
 * the id an IdP or HR system knows them by ("IMS-00042") is what an admin often has in hand.
 *
 * The search index (migrations 0006, 0012) is over the keys of roster_user_search_text(…), which
 * sees only its arguments (IMMUTABLE), so the external id column becomes a fifth argument: the
 * text is 0012's (names, email, custom attribute values) plus the external id, the index is
 * rebuilt on it under the same name and settings, and the four-argument form, used by nothing
 * any more, goes. An external id adds a handful of trigrams per user (a few
 * words of letters and digits), against the ~100 a name and an email give.
 */
export const userSearchExternalId: Migration = {
  version: 19,
  name: 'user_search_external_id',
  // The search index is rebuilt over every user.
  rewrites: ['users'],
  statements: [
    `CREATE FUNCTION roster_user_search_text(user_name text, display_name text, resource jsonb, email text, external_id text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT lower(user_name || ' ' || coalesce(display_name, '') || ' ' || coalesce(resource #>> '{name,givenName}', '') || ' '
                    || coalesce(resource #>> '{name,familyName}', '') || ' ' || coalesce(email, '') || ' '
                    || CASE WHEN resource ? '${URN}' THEN jsonb_path_query_array(resource, '$."${URN}".* ? (@.type() == "string")')::text ELSE '' END || ' '
                    || coalesce(external_id, ''))
     $$`,
    `DROP INDEX users_list_search_idx`,
    `DROP FUNCTION roster_user_search_text(text, text, jsonb, text)`,
    `CREATE INDEX users_list_search_idx ON users USING gin (roster_search_keys(tenant_id, status, roster_user_search_text(user_name, display_name, resource, email, external_id), true))
       WITH (gin_pending_list_limit = 256)`,
    `ALTER INDEX users_list_search_idx ALTER COLUMN 1 SET STATISTICS 0`,
  ],
}

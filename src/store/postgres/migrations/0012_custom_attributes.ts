import type { Migration } from './migration.js'

/**
 * Custom user attributes (docs/admin.md, Custom user attributes; decisions.md §17).
 *
 * - custom_attributes: a tenant's definitions. The values are not here: they sit in each user's
 *   resource under the tenant extension URN, where SCIM reads and writes them and where the SCIM
 *   filter already reaches (resource_ci's GIN index of migration 0002).
 * - The console's search (migration 0006) also looks at the text and choice values: the search
 *   text function gains the extension's string values, and the index built on it is rebuilt (an
 *   index over a function must be rebuilt when the function changes, or it answers for the old
 *   one). The values are added as their JSON array text (`["tier 2"]`): quotes, brackets and commas
 *   separate words like any punctuation, and an expression without a sub-select keeps the function
 *   inlinable — a jsonb_each sub-select made it 5-10× slower per row (measured on PGlite over
 *   100,000 users), which every search that tests rows one by one would pay. Users without values
 *   pay one key lookup. Booleans are left out: "true" matching every yes/no field would be noise. The function
 *   keeps its name and arguments, so the list query and the benchmark's hand-written SQL are
 *   unchanged; the index stays a GIN over the same key function.
 */
const URN = 'urn:roster:params:scim:schemas:extension:tenant:2.0:User'

export const customAttributes: Migration = {
  version: 12,
  name: 'custom_attributes',
  // The search index is rebuilt over every user.
  rewrites: ['users'],
  statements: [
    `CREATE TABLE custom_attributes (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id uuid NOT NULL,
       name text NOT NULL CHECK (name ~ '^[A-Za-z][A-Za-z0-9_]{0,63}$'),
       name_lower text GENERATED ALWAYS AS (lower(name)) STORED,
       label text NOT NULL,
       type text NOT NULL CHECK (type IN ('text', 'choice', 'boolean')),
       choices text[] NOT NULL DEFAULT '{}',
       required boolean NOT NULL DEFAULT false,
       description text NOT NULL DEFAULT '',
       position integer NOT NULL DEFAULT 0,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, id),
       CONSTRAINT custom_attributes_name_key UNIQUE (tenant_id, name_lower),
       CHECK ((type = 'choice') = (cardinality(choices) > 0))
     )`,

    `CREATE OR REPLACE FUNCTION roster_user_search_text(user_name text, display_name text, resource jsonb, email text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
       SELECT lower(user_name || ' ' || coalesce(display_name, '') || ' ' || coalesce(resource #>> '{name,givenName}', '') || ' '
                    || coalesce(resource #>> '{name,familyName}', '') || ' ' || coalesce(email, '') || ' '
                    || CASE WHEN resource ? '${URN}' THEN jsonb_path_query_array(resource, '$."${URN}".* ? (@.type() == "string")')::text ELSE '' END)
     $$`,
    `DROP INDEX users_list_search_idx`,
    `CREATE INDEX users_list_search_idx ON users USING gin (roster_search_keys(tenant_id, status, roster_user_search_text(user_name, display_name, resource, email), true))
       WITH (gin_pending_list_limit = 256)`,
    `ALTER INDEX users_list_search_idx ALTER COLUMN 1 SET STATISTICS 0`,
  ],
}

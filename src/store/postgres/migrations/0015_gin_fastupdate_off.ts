import type { Migration } from './migration.js'

/**
 * The document GIN indexes (resource_ci, migration 0002) without a pending list (decisions.md §26;
 * figures in docs/benchmarks.md, "Index cost").
 *
 * With fastupdate on, an insert appends its ~20 GIN entries to the pending list, and the insert that
 * fills the list (4 MB) merges all of it into the index inside its own statement: one INSERT in
 * some hundreds took 40-155 ms, and on PGlite, which has no autovacuum, every `eq` filter read the
 * list until then. Off, each insert adds its entries at once: on PostgreSQL 15 (10,000 users) the
 * slowest single insert fell from 155 to 41 ms, p99 from 22 to 12 ms, 16 concurrent clients went
 * from 604 to 985 inserts/s, for 8.3 kB of WAL per insert instead of 6.4. The index and the
 * generated column stay: without them, `eq` on an attribute with no B-tree of its own reads the
 * tenant's rows (0.3-1.9 s at 100,000 users on PostgreSQL, 1-9 s on PGlite), and an index on the
 * expression instead of the stored column recomputes the document at every recheck (`title eq` at
 * 100,000 users: 4 → 22 ms) for half a kilobyte of WAL saved per insert.
 *
 * ALTER INDEX … SET is a catalog change (no rebuild); gin_clean_pending_list then merges what the
 * list holds, so no search reads it again.
 */
export const ginFastupdateOff: Migration = {
  version: 15,
  name: 'gin_fastupdate_off',
  statements: [
    `ALTER INDEX users_resource_ci_idx SET (fastupdate = off)`,
    `ALTER INDEX groups_resource_ci_idx SET (fastupdate = off)`,
    `SELECT gin_clean_pending_list('users_resource_ci_idx'::regclass)`,
    `SELECT gin_clean_pending_list('groups_resource_ci_idx'::regclass)`,
  ],
}

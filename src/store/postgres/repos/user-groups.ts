import type { GroupOfMember } from '../../../domain/identity/model.js'
import type { PageDecoration } from '../query-sql.js'
import { str } from './rows.js'

/** Deepest group nesting followed; deeper chains are not expected in practice. */
export const MAX_NESTING = 32

/** Name of the column that carries a user's groups in rows read `withGroups`. */
export const GROUPS_COLUMN = 'groups_of'

/**
 * A select-list expression: every group the user row `alias` belongs to, directly or through
 * nested groups, as a JSON array of [group id, displayName, depth], nearest first, then by name.
 * A correlated subquery, so a user and its groups are one statement and one round trip: the walk
 * starts from group_members_member_idx, and a user without groups costs one index probe. Cycles
 * are refused on write; the depth bound keeps a corrupted graph from looping anyway.
 */
export function groupsOfRow(alias: string): string {
  return `(SELECT coalesce(json_agg(json_build_array(w.group_id, w.display_name, w.depth) ORDER BY w.depth, w.display_name, w.group_id), '[]'::json)
     FROM (WITH RECURSIVE chain(group_id, depth) AS (
             SELECT gm.group_id, 1 FROM group_members gm WHERE gm.tenant_id = ${alias}.tenant_id AND gm.member_id = ${alias}.id
             UNION
             SELECT gm.group_id, c.depth + 1
               FROM chain c JOIN group_members gm ON gm.tenant_id = ${alias}.tenant_id AND gm.member_type = 'Group' AND gm.member_id = c.group_id
              WHERE c.depth < ${MAX_NESTING})
           SELECT c.group_id, min(c.depth) AS depth, g.display_name
             FROM chain c JOIN groups g ON g.tenant_id = ${alias}.tenant_id AND g.id = c.group_id
            GROUP BY c.group_id, g.display_name) w) AS ${GROUPS_COLUMN}`
}

/**
 * A page of users with their groups (same shape as groupsOfRow), in the page's statement: one
 * walk for the whole page instead of a subquery per row, which for a page of 100 users is several
 * times cheaper. The tenant is `$1` (the query compiler's first parameter).
 */
export const PAGE_WITH_GROUPS: PageDecoration = {
  ctes: [
    `page_chain(member_id, group_id, depth) AS (
       -- Per row of the page through group_members_member_idx: as a join, the planner would rather
       -- hash every membership row of the tenant (OFFSET 0 keeps the subquery from being flattened).
       SELECT p.id, x.group_id, 1 FROM page p
        CROSS JOIN LATERAL (SELECT gm.group_id FROM group_members gm WHERE gm.tenant_id = $1 AND gm.member_id = p.id OFFSET 0) x
       UNION
       SELECT c.member_id, gm.group_id, c.depth + 1
         FROM page_chain c JOIN group_members gm ON gm.tenant_id = $1 AND gm.member_type = 'Group' AND gm.member_id = c.group_id
        WHERE c.depth < ${MAX_NESTING})`,
    `page_groups AS (
       SELECT w.member_id, json_agg(json_build_array(w.group_id, w.display_name, w.depth) ORDER BY w.depth, w.display_name, w.group_id) AS ${GROUPS_COLUMN}
         FROM (SELECT c.member_id, c.group_id, min(c.depth) AS depth, g.display_name
                 FROM page_chain c JOIN groups g ON g.tenant_id = $1 AND g.id = c.group_id
                GROUP BY c.member_id, c.group_id, g.display_name) w
        GROUP BY w.member_id)`,
  ],
  select: `SELECT page.*, coalesce(pg.${GROUPS_COLUMN}, '[]'::json) AS ${GROUPS_COLUMN} FROM page LEFT JOIN page_groups pg ON pg.member_id = page.id ORDER BY page.__ord`,
}

/** The groups column of a row read with groupsOfRow, in the domain's terms; undefined when absent. */
export function toGroupsOf(row: Record<string, unknown>): GroupOfMember[] | undefined {
  const raw = row[GROUPS_COLUMN]
  if (raw === undefined) return undefined
  const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<[string, string, number]>
  return list.map(([id, name, depth]) => ({ groupId: str(id), displayName: str(name), direct: Number(depth) === 1 }))
}

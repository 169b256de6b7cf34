import type { MemberType, Membership } from '../../../domain/identity/model.js'
import type { GroupOfMember, MemberRef, MembershipRepo } from '../../../domain/identity/persister.js'
import type { Sql } from '../sql.js'
import { decodeCursor, encodeCursor, isUuid, str } from './rows.js'

/** Deepest group nesting followed; deeper chains are not expected in practice. */
const MAX_NESTING = 32

const toRef = (r: Record<string, unknown>): MemberRef => ({ memberId: str(r.member_id), memberType: r.member_type as MemberType })
const toMembership = (r: Record<string, unknown>): Membership => ({ groupId: str(r.group_id), ...toRef(r) })

export function membershipRepo(sql: Sql): MembershipRepo {
  return {
    async add(tenantId, groupId, members) {
      const valid = members.filter((m) => isUuid(m.memberId))
      if (!valid.length || !isUuid(groupId)) return []
      const rows = await sql.query(
        `INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
         SELECT $1, $2, m.id, m.type FROM unnest($3::uuid[], $4::text[]) AS m(id, type)
         ON CONFLICT DO NOTHING RETURNING member_id, member_type`,
        [tenantId, groupId, valid.map((m) => m.memberId), valid.map((m) => m.memberType)],
      )
      return rows.map(toRef)
    },
    async remove(tenantId, groupId, memberIds) {
      const valid = memberIds.filter(isUuid)
      if (!valid.length || !isUuid(groupId)) return []
      const rows = await sql.query(
        'DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[]) RETURNING member_id, member_type',
        [tenantId, groupId, valid],
      )
      return rows.map(toRef)
    },
    async addMany(tenantId, members) {
      const valid = members.filter((m) => isUuid(m.memberId) && isUuid(m.groupId))
      if (!valid.length) return []
      const rows = await sql.query(
        `INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
         SELECT $1, m.g, m.id, m.type FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS m(g, id, type)
         ON CONFLICT DO NOTHING RETURNING group_id, member_id, member_type`,
        [tenantId, valid.map((m) => m.groupId), valid.map((m) => m.memberId), valid.map((m) => m.memberType)],
      )
      return rows.map(toMembership)
    },
    async removeMany(tenantId, members) {
      const valid = members.filter((m) => isUuid(m.memberId) && isUuid(m.groupId))
      if (!valid.length) return []
      const rows = await sql.query(
        `DELETE FROM group_members gm USING unnest($2::uuid[], $3::uuid[]) AS m(g, id)
          WHERE gm.tenant_id = $1 AND gm.group_id = m.g AND gm.member_id = m.id RETURNING gm.group_id, gm.member_id, gm.member_type`,
        [tenantId, valid.map((m) => m.groupId), valid.map((m) => m.memberId)],
      )
      return rows.map(toMembership)
    },
    async nestingEdges(tenantId) {
      const rows = await sql.query<{ group_id: string; member_id: string }>(
        `SELECT group_id, member_id FROM group_members WHERE tenant_id = $1 AND member_type = 'Group'`,
        [tenantId],
      )
      return rows.map((r) => ({ groupId: str(r.group_id), memberId: str(r.member_id) }))
    },
    async removeAll(tenantId, groupId) {
      if (!isUuid(groupId)) return []
      const rows = await sql.query('DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 RETURNING member_id, member_type', [tenantId, groupId])
      return rows.map(toRef)
    },
    async list(tenantId, groupId, { limit, after }) {
      if (!isUuid(groupId)) return { items: [], next: null }
      const afterId = after ? decodeCursor(after) : null
      const rows = await sql.query(
        `SELECT group_id, member_id, member_type FROM group_members
          WHERE tenant_id = $1 AND group_id = $2 ${afterId ? 'AND member_id > $4' : ''}
          ORDER BY member_id LIMIT $3`,
        afterId ? [tenantId, groupId, limit + 1, afterId] : [tenantId, groupId, limit + 1],
      )
      const items = rows.slice(0, limit).map((r) => ({ groupId: str(r.group_id), memberId: str(r.member_id), memberType: r.member_type as MemberType }))
      return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!.memberId) : null }
    },
    async count(tenantId, groupId) {
      if (!isUuid(groupId)) return 0
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM group_members WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId])
      return rows[0]!.n
    },
    async membersOf(tenantId, groupIds) {
      const out = new Map<string, Membership[]>()
      const valid = groupIds.filter(isUuid)
      if (!valid.length) return out
      const rows = await sql.query(
        'SELECT group_id, member_id, member_type FROM group_members WHERE tenant_id = $1 AND group_id = ANY($2::uuid[]) ORDER BY group_id, member_id',
        [tenantId, valid],
      )
      for (const r of rows) {
        const m = { groupId: str(r.group_id), memberId: str(r.member_id), memberType: r.member_type as MemberType }
        const list = out.get(m.groupId)
        if (list) list.push(m)
        else out.set(m.groupId, [m])
      }
      return out
    },
    async groupsOfMembers(tenantId, memberIds) {
      const out = new Map<string, GroupOfMember[]>()
      const valid = memberIds.filter(isUuid)
      if (!valid.length) return out
      // Direct groups, then the groups those belong to, and so on. Cycles are refused on write;
      // the depth bound keeps a corrupted graph from looping anyway.
      const rows = await sql.query(
        `WITH RECURSIVE chain(member_id, group_id, depth) AS (
           SELECT member_id, group_id, 1 FROM group_members WHERE tenant_id = $1 AND member_id = ANY($2::uuid[])
           UNION
           SELECT c.member_id, gm.group_id, c.depth + 1
             FROM chain c JOIN group_members gm ON gm.tenant_id = $1 AND gm.member_type = 'Group' AND gm.member_id = c.group_id
            WHERE c.depth < ${MAX_NESTING})
         SELECT c.member_id, c.group_id, min(c.depth) AS depth, g.display_name
           FROM chain c JOIN groups g ON g.tenant_id = $1 AND g.id = c.group_id
          GROUP BY c.member_id, c.group_id, g.display_name
          ORDER BY c.member_id, min(c.depth), g.display_name`,
        [tenantId, valid],
      )
      for (const r of rows) {
        const g = { groupId: str(r.group_id), displayName: str(r.display_name), direct: Number(r.depth) === 1 }
        const id = str(r.member_id)
        const list = out.get(id)
        if (list) list.push(g)
        else out.set(id, [g])
      }
      return out
    },
    async lockNesting(tenantId) {
      // A transaction-scoped advisory lock keyed by the tenant: writers that add nesting queue per
      // tenant; other tenants and user memberships are not held up. Under READ COMMITTED the cycle
      // check that follows reads a snapshot taken after the lock, so it sees the other's edge.
      await sql.query("SELECT pg_advisory_xact_lock(hashtextextended('roster.group-nesting:' || $1::text, 0))", [tenantId])
    },
    async wouldCreateCycle(tenantId, groupId, memberGroupIds) {
      const valid = memberGroupIds.filter(isUuid)
      if (!valid.length || !isUuid(groupId)) return false
      // Adding group C to group G closes a cycle when G is already inside C, at any depth.
      const rows = await sql.query<{ cycle: boolean }>(
        `WITH RECURSIVE down(id, depth) AS (
           SELECT unnest($3::uuid[]), 0
           UNION
           SELECT gm.member_id, d.depth + 1
             FROM down d JOIN group_members gm ON gm.tenant_id = $1 AND gm.group_id = d.id AND gm.member_type = 'Group'
            WHERE d.depth < ${MAX_NESTING})
         SELECT EXISTS (SELECT 1 FROM down WHERE id = $2::uuid) AS cycle`,
        [tenantId, groupId, valid],
      )
      return Boolean(rows[0]?.cycle)
    },
    async groupsOf(tenantId, memberId) {
      if (!isUuid(memberId)) return []
      const rows = await sql.query('SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 ORDER BY group_id', [tenantId, memberId])
      return rows.map((r) => str(r.group_id))
    },
  }
}

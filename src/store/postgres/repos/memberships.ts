import type { MemberType } from '../../../directory/model.js'
import type { MembershipRepo } from '../../port.js'
import type { Sql } from '../sql.js'
import { decodeCursor, encodeCursor, isUuid, str } from './rows.js'

export function membershipRepo(sql: Sql): MembershipRepo {
  return {
    async add(tenantId, groupId, members) {
      const valid = members.filter((m) => isUuid(m.memberId))
      if (!valid.length) return 0
      const rows = await sql.query<{ n: number }>(
        `WITH added AS (
           INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
           SELECT $1, $2, m.id, m.type FROM unnest($3::uuid[], $4::text[]) AS m(id, type)
           ON CONFLICT DO NOTHING RETURNING 1)
         SELECT count(*)::int AS n FROM added`,
        [tenantId, groupId, valid.map((m) => m.memberId), valid.map((m) => m.memberType)],
      )
      return rows[0]!.n
    },
    async remove(tenantId, groupId, memberIds) {
      const valid = memberIds.filter(isUuid)
      if (!valid.length) return 0
      const rows = await sql.query<{ n: number }>(
        `WITH removed AS (
           DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = ANY($3::uuid[]) RETURNING 1)
         SELECT count(*)::int AS n FROM removed`,
        [tenantId, groupId, valid],
      )
      return rows[0]!.n
    },
    async removeAll(tenantId, groupId) {
      const rows = await sql.query<{ n: number }>(
        `WITH removed AS (DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM removed`,
        [tenantId, groupId],
      )
      return rows[0]!.n
    },
    async list(tenantId, groupId, { limit, after }) {
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
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM group_members WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId])
      return rows[0]!.n
    },
    async groupsOf(tenantId, memberId) {
      if (!isUuid(memberId)) return []
      const rows = await sql.query('SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2 ORDER BY group_id', [tenantId, memberId])
      return rows.map((r) => str(r.group_id))
    },
  }
}

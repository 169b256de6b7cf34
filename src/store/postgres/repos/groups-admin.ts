import type { MemberType } from '../../../domain/identity/model.js'
import { ValidationError } from '../../../domain/kernel/errors.js'
import type { GroupListRepo, GroupOwnerRepo } from '../../../domain/identity/persister.js'
import type { Sql } from '../sql.js'
import { GROUP_COLUMNS, toGroup } from './groups.js'
import { decodeJsonCursor, isStorableKey, isUuid, str, strOrNull } from './rows.js'

export function groupOwnerRepo(sql: Sql): GroupOwnerRepo {
  return {
    async get(tenantId, groupId) {
      if (!isUuid(groupId)) return null
      const rows = await sql.query('SELECT owner_id FROM group_owners WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId])
      return rows[0] ? str(rows[0].owner_id) : null
    },
    async set(tenantId, groupId, ownerId) {
      if (ownerId === null) await sql.query('DELETE FROM group_owners WHERE tenant_id = $1 AND group_id = $2', [tenantId, groupId])
      else {
        await sql.query(
          'INSERT INTO group_owners (tenant_id, group_id, owner_id) VALUES ($1, $2, $3) ON CONFLICT (tenant_id, group_id) DO UPDATE SET owner_id = EXCLUDED.owner_id',
          [tenantId, groupId, ownerId],
        )
      }
    },
    async ownedBy(tenantId, userId) {
      if (!isUuid(userId)) return []
      return (await sql.query('SELECT group_id FROM group_owners WHERE tenant_id = $1 AND owner_id = $2 ORDER BY group_id', [tenantId, userId])).map((r) => str(r.group_id))
    },
    async transfer(tenantId, from, to) {
      if (!isUuid(from)) return []
      const rows = await sql.query('UPDATE group_owners SET owner_id = $3 WHERE tenant_id = $1 AND owner_id = $2 RETURNING group_id', [tenantId, from, to])
      return rows.map((r) => str(r.group_id))
    },
  }
}

/** Keyset cursors of these lists: the last row's sort name and id. */
function cursorOf(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id]), 'utf8').toString('base64url')
}

function parseCursor(cursor: string): [string, string] {
  const v = decodeJsonCursor(cursor)
  if (v && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && isUuid(v[1])) return [v[0], v[1]]
  throw new ValidationError('invalid cursor', 'cursor')
}

/** A UserRef's displayName from the users row aliased `u`: as the console names people. */
export const refDisplayName = (u: string) =>
  `coalesce(nullif(btrim(${u}.display_name), ''), nullif(btrim(concat_ws(' ', ${u}.resource #>> '{name,givenName}', ${u}.resource #>> '{name,familyName}')), ''))`

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function groupListRepo(sql: Sql): GroupListRepo {
  return {
    async list(tenantId, q) {
      const params: unknown[] = [tenantId, q.limit + 1]
      const where = ['g.tenant_id = $1']
      if (q.search && !isStorableKey(q.search)) throw new ValidationError('search cannot contain NUL or an unpaired surrogate', 'search')
      if (q.search?.trim()) {
        params.push(likePattern(q.search.trim()))
        where.push(`g.display_name_lower LIKE $${params.length} ESCAPE '\\'`)
      }
      if (q.after) {
        const [name, id] = parseCursor(q.after)
        params.push(name, id)
        where.push(`(g.display_name_lower COLLATE "C", g.id) > ($${params.length - 1} COLLATE "C", $${params.length}::uuid)`)
      }
      // The page is cut first (walking groups_name_sort_idx), and only its rows are joined and
      // counted, each through a primary key, so a page costs the same at any depth.
      const rows = await sql.query(
        `SELECT ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, g.display_name_lower,
                (SELECT count(*)::int FROM group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id) AS member_count,
                ARRAY(SELECT ra.role FROM role_assignments ra WHERE ra.tenant_id = g.tenant_id AND ra.principal_id = g.id ORDER BY ra.role) AS role_ids,
                ou.id AS owner_id, ou.user_name AS owner_user_name, ${refDisplayName('ou')} AS owner_display_name
           FROM (SELECT * FROM groups g WHERE ${where.join(' AND ')} ORDER BY g.display_name_lower COLLATE "C", g.id LIMIT $2) g
           LEFT JOIN group_owners o ON o.tenant_id = g.tenant_id AND o.group_id = g.id
           LEFT JOIN users ou ON ou.tenant_id = o.tenant_id AND ou.id = o.owner_id
          ORDER BY g.display_name_lower COLLATE "C", g.id`,
        params,
      )
      const items = rows.slice(0, q.limit).map((r) => ({
        ...toGroup(r),
        memberCount: Number(r.member_count),
        owner: r.owner_id ? { id: str(r.owner_id), userName: str(r.owner_user_name), displayName: strOrNull(r.owner_display_name) } : null,
        roleIds: ((r.role_ids ?? []) as unknown[]).map(str),
      }))
      const last = rows.length > q.limit ? rows[q.limit - 1]! : null
      return { items, next: last ? cursorOf(str(last.display_name_lower), str(last.id)) : null }
    },
    async members(tenantId, groupId, q) {
      if (!isUuid(groupId)) return { items: [], next: null }
      if (q.search && !isStorableKey(q.search)) throw new ValidationError('search cannot contain NUL or an unpaired surrogate', 'search')
      const params: unknown[] = [tenantId, groupId, q.limit + 1]
      const where: string[] = []
      if (q.search?.trim()) {
        params.push(likePattern(q.search.trim()))
        where.push(`(lower(name) LIKE $${params.length} ESCAPE '\\' OR lower(coalesce(email, '')) LIKE $${params.length} ESCAPE '\\')`)
      }
      if (q.after) {
        const [name, id] = parseCursor(q.after)
        params.push(name, id)
        where.push(`(lower(name) COLLATE "C", id) > ($${params.length - 1} COLLATE "C", $${params.length}::uuid)`)
      }
      const rows = await sql.query(
        `SELECT *, lower(name) AS sort_name FROM (
           SELECT u.id, 'User' AS type, coalesce(u.display_name, u.user_name) AS name, u.email
             FROM group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.member_id
            WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.member_type = 'User'
           UNION ALL
           SELECT g.id, 'Group', g.display_name, NULL
             FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.member_id
            WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.member_type = 'Group'
         ) members ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY lower(name) COLLATE "C", id LIMIT $3`,
        params,
      )
      const items = rows.slice(0, q.limit).map((r) => ({ id: str(r.id), type: r.type as MemberType, name: str(r.name), email: strOrNull(r.email) }))
      const last = rows.length > q.limit ? rows[q.limit - 1]! : null
      return { items, next: last ? cursorOf(str(last.sort_name), str(last.id)) : null }
    },
  }
}

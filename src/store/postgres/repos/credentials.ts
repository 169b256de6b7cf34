import type { ServiceAccountRepo, UserApiSettingsRepo } from '../../../domain/credentials/persister.js'
import type { Sql } from '../sql.js'
import { isUuid, str, strOrNull, toDateOrNull } from './rows.js'
import { refDisplayName } from './groups-admin.js'
import { toUser, USER_COLUMNS } from './users.js'

export function userApiSettingsRepo(sql: Sql): UserApiSettingsRepo {
  return {
    async get(tenantId, userId) {
      if (!isUuid(userId)) return { apiAccess: true, apiPasswordHash: null, apiPasswordSetBy: null }
      const rows = await sql.query(
        'SELECT api_access, api_password_hash, api_password_set_by, api_password_set_by_label FROM user_api_settings WHERE tenant_id = $1 AND user_id = $2',
        [tenantId, userId],
      )
      const r = rows[0]
      if (!r) return { apiAccess: true, apiPasswordHash: null, apiPasswordSetBy: null }
      return {
        apiAccess: Boolean(r.api_access),
        apiPasswordHash: strOrNull(r.api_password_hash),
        apiPasswordSetBy: r.api_password_set_by == null ? null : { id: str(r.api_password_set_by), label: str(r.api_password_set_by_label) },
      }
    },
    async put(tenantId, userId, s) {
      await sql.query(
        `INSERT INTO user_api_settings (tenant_id, user_id, api_access, api_password_hash, api_password_set_by, api_password_set_by_label)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET api_access = EXCLUDED.api_access, api_password_hash = EXCLUDED.api_password_hash,
           api_password_set_by = EXCLUDED.api_password_set_by, api_password_set_by_label = EXCLUDED.api_password_set_by_label`,
        [tenantId, userId, s.apiAccess, s.apiPasswordHash, s.apiPasswordHash ? (s.apiPasswordSetBy?.id ?? null) : null, s.apiPasswordHash ? (s.apiPasswordSetBy?.label ?? null) : null],
      )
    },
  }
}

const toAccount = (r: Record<string, unknown>) => ({ userId: str(r.user_id), ownerId: str(r.owner_id), description: str(r.description) })

export function serviceAccountRepo(sql: Sql): ServiceAccountRepo {
  return {
    async insert(tenantId, a) {
      await sql.query('INSERT INTO service_accounts (tenant_id, user_id, owner_id, description) VALUES ($1, $2, $3, $4)', [tenantId, a.userId, a.ownerId, a.description])
    },
    async get(tenantId, userId) {
      if (!isUuid(userId)) return null
      const rows = await sql.query('SELECT * FROM service_accounts WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId])
      return rows[0] ? toAccount(rows[0]) : null
    },
    async list(tenantId) {
      // One query for the whole list: roles and token figures per account come from correlated
      // subqueries over the role_assignments primary key and personal_tokens_user_idx.
      const rows = await sql.query(
        `SELECT ${USER_COLUMNS.split(', ').map((c) => `u.${c}`).join(', ')}, sa.description,
                o.id AS owner_id, o.user_name AS owner_user_name, ${refDisplayName('o')} AS owner_display_name,
                coalesce(s.api_access, true) AS api_access,
                ARRAY(SELECT ra.role FROM role_assignments ra WHERE ra.tenant_id = sa.tenant_id AND ra.principal_id = sa.user_id ORDER BY ra.role) AS role_ids,
                t.token_count, t.last_used
           FROM service_accounts sa
           JOIN users u ON u.tenant_id = sa.tenant_id AND u.id = sa.user_id
           JOIN users o ON o.tenant_id = sa.tenant_id AND o.id = sa.owner_id
           LEFT JOIN user_api_settings s ON s.tenant_id = sa.tenant_id AND s.user_id = sa.user_id
           CROSS JOIN LATERAL (
             SELECT (count(*) FILTER (WHERE pt.revoked IS NULL AND (pt.expires IS NULL OR pt.expires > now())))::int AS token_count, max(pt.last_used) AS last_used
               FROM personal_tokens pt WHERE pt.tenant_id = sa.tenant_id AND pt.user_id = sa.user_id
           ) t
          WHERE sa.tenant_id = $1
          ORDER BY u.user_name_lower COLLATE "C", u.id`,
        [tenantId],
      )
      return rows.map((r) => ({
        user: toUser(r),
        owner: { id: str(r.owner_id), userName: str(r.owner_user_name), displayName: strOrNull(r.owner_display_name) },
        description: str(r.description),
        roleIds: ((r.role_ids ?? []) as unknown[]).map(str),
        apiAccess: Boolean(r.api_access),
        tokenCount: Number(r.token_count),
        lastUsed: toDateOrNull(r.last_used),
      }))
    },
    async ownedBy(tenantId, ownerId) {
      if (!isUuid(ownerId)) return []
      return (await sql.query('SELECT user_id FROM service_accounts WHERE tenant_id = $1 AND owner_id = $2 ORDER BY user_id', [tenantId, ownerId])).map((r) => str(r.user_id))
    },
    async transfer(tenantId, from, to) {
      if (!isUuid(from)) return []
      return (await sql.query('UPDATE service_accounts SET owner_id = $3 WHERE tenant_id = $1 AND owner_id = $2 RETURNING user_id', [tenantId, from, to])).map((r) => str(r.user_id))
    },
  }
}

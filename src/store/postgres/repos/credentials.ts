import type { ServiceAccountRepo, UserApiSettingsRepo } from '../../port.js'
import type { Sql } from '../sql.js'
import { isUuid, str, strOrNull } from './rows.js'

export function userApiSettingsRepo(sql: Sql): UserApiSettingsRepo {
  return {
    async get(tenantId, userId) {
      const rows = await sql.query('SELECT api_access, api_password_hash FROM user_api_settings WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId])
      return rows[0] ? { apiAccess: Boolean(rows[0].api_access), apiPasswordHash: strOrNull(rows[0].api_password_hash) } : { apiAccess: true, apiPasswordHash: null }
    },
    async put(tenantId, userId, s) {
      await sql.query(
        `INSERT INTO user_api_settings (tenant_id, user_id, api_access, api_password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, user_id) DO UPDATE SET api_access = EXCLUDED.api_access, api_password_hash = EXCLUDED.api_password_hash`,
        [tenantId, userId, s.apiAccess, s.apiPasswordHash],
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
      return (await sql.query('SELECT * FROM service_accounts WHERE tenant_id = $1 ORDER BY user_id', [tenantId])).map(toAccount)
    },
    async ownedBy(tenantId, ownerId) {
      return (await sql.query('SELECT user_id FROM service_accounts WHERE tenant_id = $1 AND owner_id = $2 ORDER BY user_id', [tenantId, ownerId])).map((r) => str(r.user_id))
    },
    async transfer(tenantId, from, to) {
      return (await sql.query('UPDATE service_accounts SET owner_id = $3 WHERE tenant_id = $1 AND owner_id = $2 RETURNING user_id', [tenantId, from, to])).map((r) => str(r.user_id))
    },
  }
}

import type { Permission, PersonalToken } from '../../../directory/access-model.js'
import type { PersonalTokenRepo } from '../../port.js'
import type { Sql } from '../sql.js'
import { str, toDate, toDateOrNull } from './rows.js'

const COLUMNS = 'id, tenant_id, user_id, name, permissions, expires, created, last_used, revoked'

const toToken = (r: Record<string, unknown>): PersonalToken => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  userId: str(r.user_id),
  name: str(r.name),
  permissions: (r.permissions ?? null) as Permission[] | null,
  expires: toDateOrNull(r.expires),
  created: toDate(r.created),
  lastUsed: toDateOrNull(r.last_used),
  revoked: toDateOrNull(r.revoked),
})

export function personalTokenRepo(sql: Sql): PersonalTokenRepo {
  return {
    async create(t) {
      const rows = await sql.query(
        `INSERT INTO personal_tokens (id, tenant_id, user_id, name, secret_hash, permissions, expires) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [t.id, t.tenantId, t.userId, t.name, t.secretHash, t.permissions, t.expires],
      )
      return toToken(rows[0]!)
    },
    async findForVerification(id) {
      const rows = await sql.query(`SELECT ${COLUMNS}, secret_hash FROM personal_tokens WHERE id = $1`, [id])
      return rows[0] ? { token: toToken(rows[0]), secretHash: Buffer.from(rows[0].secret_hash as Uint8Array) } : null
    },
    async listForUser(tenantId, userId) {
      return (await sql.query(`SELECT ${COLUMNS} FROM personal_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY created, id`, [tenantId, userId])).map(toToken)
    },
    async get(tenantId, userId, id) {
      const rows = await sql.query(`SELECT ${COLUMNS} FROM personal_tokens WHERE tenant_id = $1 AND user_id = $2 AND id = $3`, [tenantId, userId, id])
      return rows[0] ? toToken(rows[0]) : null
    },
    async revoke(tenantId, userId, id, at) {
      const rows = await sql.query(
        `UPDATE personal_tokens SET revoked = $4 WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked IS NULL RETURNING ${COLUMNS}`,
        [tenantId, userId, id, at],
      )
      return rows[0] ? toToken(rows[0]) : null
    },
    async replaceSecret(tenantId, userId, id, secretHash) {
      const rows = await sql.query(
        `UPDATE personal_tokens SET secret_hash = $4, last_used = NULL WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked IS NULL RETURNING ${COLUMNS}`,
        [tenantId, userId, id, secretHash],
      )
      return rows[0] ? toToken(rows[0]) : null
    },
    async touch(id, at) {
      await sql.query(`UPDATE personal_tokens SET last_used = $2 WHERE id = $1 AND (last_used IS NULL OR last_used < $2::timestamptz - interval '1 minute')`, [id, at])
    },
  }
}

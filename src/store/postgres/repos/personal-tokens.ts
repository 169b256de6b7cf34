import type { Permission, PersonalToken } from '../../../domain/access/model.js'
import type { PersonalTokenRepo } from '../../../domain/credentials/persister.js'
import type { Sql } from '../sql.js'
import { isStorableKey, isUuid, str, toDate, toDateOrNull } from './rows.js'

/** Whether a (user id, token id) pair could name a row at all; otherwise it is simply not found. */
const canName = (userId: string, id: string) => isUuid(userId) && isStorableKey(id)

const COLUMNS = 'id, tenant_id, user_id, name, permissions, expires, created, last_used, revoked, issued_by, issued_by_label'

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
  issuedBy: r.issued_by == null ? null : { id: str(r.issued_by), label: str(r.issued_by_label) },
})

export function personalTokenRepo(sql: Sql): PersonalTokenRepo {
  return {
    async create(t) {
      const rows = await sql.query(
        `INSERT INTO personal_tokens (id, tenant_id, user_id, name, secret_hash, permissions, expires, issued_by, issued_by_label)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [t.id, t.tenantId, t.userId, t.name, t.secretHash, t.permissions, t.expires, t.issuedBy?.id ?? null, t.issuedBy?.label ?? null],
      )
      return toToken(rows[0]!)
    },
    async findForVerification(id) {
      if (!isStorableKey(id)) return null
      const rows = await sql.query(`SELECT ${COLUMNS}, secret_hash FROM personal_tokens WHERE id = $1`, [id])
      return rows[0] ? { token: toToken(rows[0]), secretHash: Buffer.from(rows[0].secret_hash as Uint8Array) } : null
    },
    async listForUser(tenantId, userId) {
      if (!isUuid(userId)) return []
      return (await sql.query(`SELECT ${COLUMNS} FROM personal_tokens WHERE tenant_id = $1 AND user_id = $2 ORDER BY created, id`, [tenantId, userId])).map(toToken)
    },
    async get(tenantId, userId, id) {
      if (!canName(userId, id)) return null
      const rows = await sql.query(`SELECT ${COLUMNS} FROM personal_tokens WHERE tenant_id = $1 AND user_id = $2 AND id = $3`, [tenantId, userId, id])
      return rows[0] ? toToken(rows[0]) : null
    },
    async revoke(tenantId, userId, id, at) {
      if (!canName(userId, id)) return null
      const rows = await sql.query(
        `UPDATE personal_tokens SET revoked = $4 WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked IS NULL RETURNING ${COLUMNS}`,
        [tenantId, userId, id, at],
      )
      return rows[0] ? toToken(rows[0]) : null
    },
    async replaceSecret(tenantId, userId, id, secretHash, issuedBy) {
      if (!canName(userId, id)) return null
      const rows = await sql.query(
        `UPDATE personal_tokens SET secret_hash = $4, last_used = NULL, issued_by = $5, issued_by_label = $6
          WHERE tenant_id = $1 AND user_id = $2 AND id = $3 AND revoked IS NULL RETURNING ${COLUMNS}`,
        [tenantId, userId, id, secretHash, issuedBy.id, issuedBy.label],
      )
      return rows[0] ? toToken(rows[0]) : null
    },
    async touch(id, at) {
      await sql.query(`UPDATE personal_tokens SET last_used = $2 WHERE id = $1 AND (last_used IS NULL OR last_used < $2::timestamptz - interval '1 minute')`, [id, at])
    },
  }
}

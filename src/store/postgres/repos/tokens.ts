import type { ApiToken } from '../../../domain/credentials/model.js'
import type { TokenRepo } from '../../../domain/credentials/persister.js'
import type { Sql } from '../sql.js'
import { isStorableKey, str, toDate, toDateOrNull } from './rows.js'
import { toTenant } from './tenants.js'

const COLUMNS = 'id, tenant_id, label, created, last_used, revoked'

function toToken(r: Record<string, unknown>): ApiToken {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    label: str(r.label),
    created: toDate(r.created),
    lastUsed: toDateOrNull(r.last_used),
    revoked: toDateOrNull(r.revoked),
  }
}

const toBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array))

export function tokenRepo(sql: Sql): TokenRepo {
  return {
    async create(t) {
      const rows = await sql.query(
        `INSERT INTO tokens (id, tenant_id, label, secret_hash) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [t.id, t.tenantId, t.label, t.secretHash],
      )
      return toToken(rows[0]!)
    },
    async findForVerification(id) {
      if (!isStorableKey(id)) return null
      const rows = await sql.query(
        `SELECT t.id, t.tenant_id, t.label, t.created, t.last_used, t.revoked, t.secret_hash,
                n.slug AS tenant_slug, n.display_name AS tenant_display_name, n.source AS tenant_source,
                n.settings AS tenant_settings, n.created AS tenant_created, n.modified AS tenant_modified
           FROM tokens t JOIN tenants n ON n.id = t.tenant_id
          WHERE t.id = $1`,
        [id],
      )
      const r = rows[0]
      if (!r) return null
      const tenant = toTenant({
        id: r.tenant_id,
        slug: r.tenant_slug,
        display_name: r.tenant_display_name,
        source: r.tenant_source,
        settings: r.tenant_settings,
        created: r.tenant_created,
        modified: r.tenant_modified,
      })
      return { token: toToken(r), secretHash: toBuffer(r.secret_hash), tenant }
    },
    async list(tenantId, options = {}) {
      const rows = await sql.query(
        `SELECT ${COLUMNS} FROM tokens WHERE tenant_id = $1 ${options.includeRevoked ? '' : 'AND revoked IS NULL'} ORDER BY created, id`,
        [tenantId],
      )
      return rows.map(toToken)
    },
    async revokeByLabel(tenantId, label, at) {
      if (!isStorableKey(label)) return null
      const rows = await sql.query(
        `UPDATE tokens SET revoked = $3 WHERE tenant_id = $1 AND lower(label) = lower($2) AND revoked IS NULL RETURNING ${COLUMNS}`,
        [tenantId, label, at],
      )
      return rows[0] ? toToken(rows[0]) : null
    },
    async recordUsage(usages) {
      if (!usages.length) return
      // One statement for the whole batch; never move last_used backwards.
      await sql.query(
        `UPDATE tokens t SET last_used = u.at
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(tenant_id, id, at)
          WHERE t.tenant_id = u.tenant_id AND t.id = u.id AND (t.last_used IS NULL OR t.last_used < u.at)`,
        [usages.map((u) => u.tenantId), usages.map((u) => u.tokenId), usages.map((u) => u.at.toISOString())],
      )
    },
  }
}

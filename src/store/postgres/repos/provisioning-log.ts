import { ValidationError } from '../../../domain/kernel/errors.js'
import type { NewProvisioningEntry, ProvisioningEntry, ProvisioningNote } from '../../../domain/provisioning/model.js'
import type { ProvisioningLogRepo } from '../../../domain/provisioning/persister.js'
import type { Sql } from '../sql.js'
import { decodeJsonCursor, encodeCursor, isUuid, str, strOrNull, toDate } from './rows.js'

const COLUMNS = `id::text AS id, tenant_id, at, method, path, status, duration_ms, token_id, token_label, request_id, resource_type, resource_id, resource_name,
  request_body, request_truncated, response_body, response_truncated, error_scim_type, error_detail, notes`

function toEntry(r: Record<string, unknown>): ProvisioningEntry {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    at: toDate(r.at),
    method: str(r.method),
    path: str(r.path),
    status: Number(r.status),
    durationMs: Number(r.duration_ms),
    token: r.token_id == null ? null : { id: str(r.token_id), label: str(r.token_label) },
    requestId: strOrNull(r.request_id),
    resourceType: strOrNull(r.resource_type),
    resourceId: strOrNull(r.resource_id),
    resourceName: strOrNull(r.resource_name),
    request: { json: strOrNull(r.request_body), truncated: r.request_truncated === true },
    response: { json: strOrNull(r.response_body), truncated: r.response_truncated === true },
    error: r.error_detail == null ? null : { scimType: strOrNull(r.error_scim_type), detail: str(r.error_detail) },
    notes: (r.notes ?? []) as ProvisioningNote[],
  }
}

// A UTF-16 surrogate without its partner: no text or jsonb value holds one (nor NUL).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * Text as PostgreSQL can hold it: what a client put in a path or id (`/Users/%00`) is recorded with
 * U+FFFD in place of what no column holds, instead of failing the whole batch it is written with.
 */
function storable<T>(v: T): T {
  if (typeof v === 'string') return v.replaceAll('\u0000', '\ufffd').replace(LONE_SURROGATE, '\ufffd') as T
  if (Array.isArray(v)) return v.map(storable) as T
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k), storable(x)])) as T
  return v
}

const row = (e: NewProvisioningEntry) => storable({
  tenant_id: e.tenantId,
  at: e.at.toISOString(),
  method: e.method,
  path: e.path,
  status: e.status,
  duration_ms: e.durationMs,
  token_id: e.token?.id ?? null,
  token_label: e.token?.label ?? null,
  request_id: e.requestId,
  resource_type: e.resourceType,
  resource_id: e.resourceId,
  resource_name: e.resourceName,
  request_body: e.request.json,
  request_truncated: e.request.truncated,
  response_body: e.response.json,
  response_truncated: e.response.truncated,
  error_scim_type: e.error?.scimType ?? null,
  error_detail: e.error?.detail ?? null,
  notes: e.notes,
})

/** Keyset position: the last entry's time and id (entries are read newest first by time, then id). */
const cursorOf = (e: ProvisioningEntry) => encodeCursor(JSON.stringify([e.at.toISOString(), e.id]))

function positionOf(cursor: string): [string, string] {
  const key = decodeJsonCursor(cursor)
  const [at, id] = key ?? []
  if (key?.length !== 2 || typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof id !== 'string' || !/^\d{1,18}$/.test(id)) {
    throw new ValidationError('invalid cursor', 'cursor')
  }
  return [at, id]
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function provisioningLogRepo(sql: Sql): ProvisioningLogRepo {
  return {
    async appendMany(entries) {
      if (!entries.length) return
      await sql.query(
        `INSERT INTO provisioning_log (tenant_id, at, method, path, status, duration_ms, token_id, token_label, request_id, resource_type, resource_id, resource_name,
                                       request_body, request_truncated, response_body, response_truncated, error_scim_type, error_detail, notes)
         SELECT e.tenant_id, e.at, e.method, e.path, e.status, e.duration_ms, e.token_id, e.token_label, e.request_id, e.resource_type, e.resource_id, e.resource_name,
                e.request_body, e.request_truncated, e.response_body, e.response_truncated, e.error_scim_type, e.error_detail, coalesce(e.notes, '[]')
           FROM jsonb_to_recordset($1::jsonb) AS e(tenant_id uuid, at timestamptz, method text, path text, status smallint, duration_ms real, token_id text, token_label text,
                request_id text, resource_type text, resource_id text, resource_name text, request_body text, request_truncated boolean, response_body text,
                response_truncated boolean, error_scim_type text, error_detail text, notes jsonb)`,
        [JSON.stringify(entries.map(row))],
      )
    },

    async list(tenantId, q) {
      if (!isUuid(tenantId)) return { items: [], next: null }
      const where = ['tenant_id = $1']
      const params: unknown[] = [tenantId]
      const p = (value: unknown) => {
        params.push(value)
        return `$${params.length}`
      }
      if (q.before) {
        const [at, id] = positionOf(q.before)
        where.push(`(at, id) < (${p(at)}::timestamptz, ${p(id)}::bigint)`)
      }
      // The predicate of the partial index of failures, word for word.
      if (q.status === 'failed') where.push('status >= 400')
      if (q.status === 'succeeded') where.push('status < 400')
      if (q.resourceId) where.push(`resource_id = ${p(q.resourceId)}`)
      if (q.text) {
        const pattern = p(likePattern(q.text))
        where.push(`(path ILIKE ${pattern} ESCAPE '\\' OR resource_name ILIKE ${pattern} ESCAPE '\\')`)
      }
      if (q.from) where.push(`at >= ${p(q.from)}`)
      if (q.to) where.push(`at < ${p(q.to)}`)
      const rows = await sql.query(`SELECT ${COLUMNS} FROM provisioning_log WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ${p(q.limit + 1)}`, params)
      const items = rows.slice(0, q.limit).map(toEntry)
      return { items, next: rows.length > q.limit ? cursorOf(items[items.length - 1]!) : null }
    },

    async get(tenantId, id) {
      if (!isUuid(tenantId) || !/^\d{1,18}$/.test(id)) return null
      const rows = await sql.query(`SELECT ${COLUMNS} FROM provisioning_log WHERE tenant_id = $1 AND id = $2::bigint`, [tenantId, id])
      return rows[0] ? toEntry(rows[0]) : null
    },

    async deleteOlderThan(tenantId, before, limit) {
      const rows = await sql.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM provisioning_log WHERE tenant_id = $1 AND id IN (
             SELECT id FROM provisioning_log WHERE tenant_id = $1 AND at < $2 ORDER BY at LIMIT $3)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [tenantId, before, limit],
      )
      return Number(rows[0]!.n)
    },

    async deleteBeyond(tenantId, keep, limit) {
      // The newest `keep` by id (insertion order) stay; the oldest of the rest go, `limit` at a time.
      const rows = await sql.query<{ n: number }>(
        `WITH edge AS (SELECT id FROM provisioning_log WHERE tenant_id = $1 ORDER BY id DESC OFFSET $2 LIMIT 1),
              gone AS (
           DELETE FROM provisioning_log WHERE tenant_id = $1 AND id IN (
             SELECT id FROM provisioning_log WHERE tenant_id = $1 AND id <= (SELECT id FROM edge) ORDER BY id LIMIT $3)
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [tenantId, keep, limit],
      )
      return Number(rows[0]!.n)
    },
  }
}

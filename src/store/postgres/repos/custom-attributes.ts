import { randomUUID } from 'node:crypto'
import type { CustomAttributeRepo } from '../../../domain/identity/persister.js'
import type { CustomAttribute, CustomAttributeType } from '../../../domain/identity/custom-attribute-model.js'
import type { Sql } from '../sql.js'
import { isStorableKey, isUuid, setClause, str, toDate } from './rows.js'

const COLUMNS = 'tenant_id, id, name, label, type, choices, required, description, position, created, modified'

function toAttribute(r: Record<string, unknown>): CustomAttribute {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    name: str(r.name),
    label: str(r.label),
    type: str(r.type) as CustomAttributeType,
    choices: Array.isArray(r.choices) ? r.choices.map(str) : [],
    required: Boolean(r.required),
    description: str(r.description),
    position: Number(r.position),
    created: toDate(r.created),
    modified: toDate(r.modified),
  }
}

export function customAttributeRepo(sql: Sql): CustomAttributeRepo {
  return {
    async list(tenantId) {
      return (await sql.query(`SELECT ${COLUMNS} FROM custom_attributes WHERE tenant_id = $1 ORDER BY position, name_lower`, [tenantId])).map(toAttribute)
    },
    async get(tenantId, id) {
      if (!isUuid(id)) return null
      const rows = await sql.query(`SELECT ${COLUMNS} FROM custom_attributes WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
      return rows[0] ? toAttribute(rows[0]) : null
    },
    async insert(a) {
      const rows = await sql.query(
        `INSERT INTO custom_attributes (tenant_id, id, name, label, type, choices, required, description, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
        [a.tenantId, a.id ?? randomUUID(), a.name, a.label, a.type, a.choices, a.required, a.description, a.position],
      )
      return toAttribute(rows[0]!)
    },
    async update(tenantId, id, changes) {
      if (!isUuid(id)) return null
      const set = setClause({ label: changes.label, choices: changes.choices, required: changes.required, description: changes.description, position: changes.position }, 2)
      const rows = await sql.query(
        `UPDATE custom_attributes SET ${set.sql ? `${set.sql}, ` : ''}modified = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [tenantId, id, ...set.params],
      )
      return rows[0] ? toAttribute(rows[0]) : null
    },
    async delete(tenantId, id) {
      if (!isUuid(id)) return false
      return (await sql.query('DELETE FROM custom_attributes WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id])).length > 0
    },
    async countValues(tenantId, urn, name, all) {
      const values = all.filter(isStorableKey)
      if (!values.length) return new Map()
      const rows = await sql.query<{ value: string; n: number }>(
        `SELECT resource -> $2::text ->> $3::text AS value, count(*)::int AS n FROM users
          WHERE tenant_id = $1 AND resource -> $2::text ->> $3::text = ANY ($4::text[]) GROUP BY 1`,
        [tenantId, urn, name, values],
      )
      return new Map(rows.map((r) => [str(r.value), Number(r.n)]))
    },
    async countHolders(tenantId, urn, name) {
      const rows = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE tenant_id = $1 AND resource -> $2::text ? $3::text`, [tenantId, urn, name])
      return Number(rows[0]!.n)
    },
    async removeValues(tenantId, urn, name) {
      const rows = await sql.query<{ id: string; value: unknown }>(
        `WITH held AS (
           SELECT id, resource -> $2::text -> $3::text AS value FROM users WHERE tenant_id = $1 AND resource -> $2::text ? $3::text FOR UPDATE
         )
         UPDATE users u SET
           resource = CASE WHEN (u.resource -> $2::text) - $3::text = '{}'::jsonb THEN u.resource - $2::text ELSE jsonb_set(u.resource, ARRAY[$2::text], (u.resource -> $2::text) - $3::text) END,
           version = u.version + 1, modified = now()
          FROM held WHERE u.tenant_id = $1 AND u.id = held.id
         RETURNING u.id, held.value`,
        [tenantId, urn, name],
      )
      return rows.map((r) => ({ id: str(r.id), value: r.value }))
    },
  }
}

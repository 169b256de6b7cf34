import { randomUUID } from 'node:crypto'
import type { IdentitySource, Tenant } from '../../../domain/tenancy/model.js'
import type { NewTenant, TenantChanges, TenantRepo } from '../../../domain/tenancy/persister.js'
import type { Sql } from '../sql.js'
import { isStorableKey, setClause, str, toDate, isUuid } from './rows.js'

const COLUMNS = 'id, slug, display_name, source, settings, created, modified'

export function toTenant(r: Record<string, unknown>): Tenant {
  return {
    id: str(r.id),
    slug: str(r.slug),
    displayName: str(r.display_name),
    source: r.source as IdentitySource,
    settings: (r.settings ?? {}) as Record<string, unknown>,
    created: toDate(r.created),
    modified: toDate(r.modified),
  }
}

export function tenantRepo(sql: Sql): TenantRepo {
  return {
    async create(t: NewTenant) {
      const rows = await sql.query(
        `INSERT INTO tenants (id, slug, display_name, source, settings) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [t.id ?? randomUUID(), t.slug, t.displayName, t.source, JSON.stringify(t.settings ?? {})],
      )
      return toTenant(rows[0]!)
    },
    async getById(id) {
      if (!isUuid(id)) return null
      const rows = await sql.query(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id])
      return rows[0] ? toTenant(rows[0]) : null
    },
    async getBySlug(slug) {
      if (!isStorableKey(slug)) return null
      const rows = await sql.query(`SELECT ${COLUMNS} FROM tenants WHERE slug = $1`, [slug])
      return rows[0] ? toTenant(rows[0]) : null
    },
    async list() {
      return (await sql.query(`SELECT ${COLUMNS} FROM tenants ORDER BY slug`)).map(toTenant)
    },
    async count() {
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tenants')
      return rows[0]!.n
    },
    async update(id, changes: TenantChanges) {
      if (!isUuid(id)) return null
      const set = setClause(
        { display_name: changes.displayName, source: changes.source, settings: changes.settings && JSON.stringify(changes.settings) },
        1,
      )
      if (!set.params.length) return this.getById(id)
      const rows = await sql.query(`UPDATE tenants SET ${set.sql}, modified = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id, ...set.params])
      return rows[0] ? toTenant(rows[0]) : null
    },
  }
}

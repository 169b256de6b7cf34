import { randomUUID } from 'node:crypto'
import type { Permission, PrincipalType, StoredCustomRole } from '../../../domain/access/model.js'
import type { RoleAssignmentRepo, RoleRepo } from '../../../domain/access/persister.js'
import type { Sql } from '../sql.js'
import { isStorableKey, isUuid, setClause, str, strOrNull, toDate } from './rows.js'

const toRole = (r: Record<string, unknown>): StoredCustomRole => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  name: str(r.name),
  description: str(r.description),
  permissions: (r.permissions ?? []) as Permission[],
  created: toDate(r.created),
  modified: toDate(r.modified),
})

export function roleRepo(sql: Sql): RoleRepo {
  return {
    async list(tenantId) {
      return (await sql.query('SELECT * FROM roles WHERE tenant_id = $1 ORDER BY name_lower, id', [tenantId])).map(toRole)
    },
    async get(tenantId, id) {
      if (!isUuid(id)) return null
      const rows = await sql.query('SELECT * FROM roles WHERE tenant_id = $1 AND id = $2', [tenantId, id])
      return rows[0] ? toRole(rows[0]) : null
    },
    async getByName(tenantId, name) {
      if (!isStorableKey(name)) return null
      const rows = await sql.query('SELECT * FROM roles WHERE tenant_id = $1 AND name_lower = lower($2)', [tenantId, name])
      return rows[0] ? toRole(rows[0]) : null
    },
    async insert(role) {
      const rows = await sql.query('INSERT INTO roles (tenant_id, id, name, description, permissions) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
        role.tenantId,
        role.id || randomUUID(),
        role.name,
        role.description,
        role.permissions,
      ])
      return toRole(rows[0]!)
    },
    async update(tenantId, id, changes) {
      if (!isUuid(id)) return null
      const set = setClause({ name: changes.name, description: changes.description, permissions: changes.permissions }, 2)
      if (!set.params.length) return this.get(tenantId, id)
      const rows = await sql.query(`UPDATE roles SET ${set.sql}, modified = now() WHERE tenant_id = $1 AND id = $2 RETURNING *`, [tenantId, id, ...set.params])
      return rows[0] ? toRole(rows[0]) : null
    },
    async delete(tenantId, id) {
      if (!isUuid(id)) return false
      return (await sql.query('DELETE FROM roles WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id])).length > 0
    },
  }
}

export function roleAssignmentRepo(sql: Sql): RoleAssignmentRepo {
  return {
    async assign(tenantId, role, principalType, principalId) {
      const rows = await sql.query(
        'INSERT INTO role_assignments (tenant_id, role, principal_type, principal_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING role',
        [tenantId, role, principalType, principalId],
      )
      return rows.length > 0
    },
    async unassign(tenantId, role, principalId) {
      if (!isStorableKey(role) || !isUuid(principalId)) return false
      const rows = await sql.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2 AND principal_id = $3 RETURNING role', [tenantId, role, principalId])
      return rows.length > 0
    },
    async ofPrincipal(tenantId, principalId) {
      if (!isUuid(principalId)) return []
      const rows = await sql.query('SELECT role FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2 ORDER BY role', [tenantId, principalId])
      return rows.map((r) => str(r.role))
    },
    async reaching(tenantId, userId) {
      if (!isUuid(userId)) return []
      // The groups the user is in, directly or through nested groups (UNION stops at cycles).
      const rows = await sql.query(
        `WITH RECURSIVE containing(id) AS (
           SELECT group_id FROM group_members WHERE tenant_id = $1 AND member_id = $2
           UNION
           SELECT gm.group_id FROM group_members gm JOIN containing c ON gm.member_id = c.id WHERE gm.tenant_id = $1
         )
         SELECT ra.role, ra.principal_type, ra.principal_id, g.display_name
           FROM role_assignments ra
           LEFT JOIN groups g ON ra.principal_type = 'Group' AND g.tenant_id = ra.tenant_id AND g.id = ra.principal_id
          WHERE ra.tenant_id = $1 AND (ra.principal_id = $2 OR ra.principal_id IN (SELECT id FROM containing))
          ORDER BY ra.role, g.display_name NULLS FIRST`,
        [tenantId, userId],
      )
      return rows.map((r) => ({
        role: str(r.role),
        via: r.principal_type === 'Group' ? { groupId: str(r.principal_id), groupName: strOrNull(r.display_name) ?? str(r.principal_id) } : null,
      }))
    },
    async holders(tenantId, role) {
      if (!isStorableKey(role)) return []
      const rows = await sql.query('SELECT principal_type, principal_id FROM role_assignments WHERE tenant_id = $1 AND role = $2', [tenantId, role])
      return rows.map((r) => ({ principalType: r.principal_type as PrincipalType, principalId: str(r.principal_id) }))
    },
    async removeForPrincipal(tenantId, principalId) {
      if (!isUuid(principalId)) return []
      const rows = await sql.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND principal_id = $2 RETURNING role', [tenantId, principalId])
      return rows.map((r) => str(r.role))
    },
    async removeForRole(tenantId, role) {
      if (!isStorableKey(role)) return 0
      return (await sql.query('DELETE FROM role_assignments WHERE tenant_id = $1 AND role = $2 RETURNING role', [tenantId, role])).length
    },
  }
}

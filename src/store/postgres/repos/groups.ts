import { randomUUID } from 'node:crypto'
import type { Group, GroupChanges, MemberType, RecordOrigin } from '../../../domain/identity/model.js'
import type { JsonObject } from '../../../domain/kernel/json.js'
import { PreconditionFailedError } from '../../../domain/kernel/errors.js'
import type { GroupRepo, GroupUpdate, GroupUpdateResult, UpdateOptions } from '../../../domain/identity/persister.js'
import type { Sql } from '../sql.js'
import { auditInsert } from './audit.js'
import { runResourceQuery, type QueryTarget } from '../query-sql.js'
import { decodeCursor, encodeCursor, isStorableKey, isUuid, setClause, str, strOrNull, toDate } from './rows.js'

const COLUMN_LIST = ['id', 'tenant_id', 'display_name', 'external_id', 'origin', 'source_anchor', 'source_dn', 'resource', 'version', 'created', 'modified'] as const
export const GROUP_COLUMNS = COLUMN_LIST.join(', ')
const QUERY_TARGET: QueryTarget = { table: 'groups', columns: COLUMN_LIST }

export function toGroup(r: Record<string, unknown>): Group {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    displayName: str(r.display_name),
    externalId: strOrNull(r.external_id),
    origin: r.origin as RecordOrigin,
    sourceAnchor: strOrNull(r.source_anchor),
    sourceDn: strOrNull(r.source_dn),
    resource: (r.resource ?? {}) as JsonObject,
    version: Number(r.version),
    created: toDate(r.created),
    modified: toDate(r.modified),
  }
}

const attributeColumns = (changes: GroupChanges) => ({
  display_name: changes.displayName,
  external_id: changes.externalId,
  source_anchor: changes.sourceAnchor,
  source_dn: changes.sourceDn,
  origin: changes.origin,
  resource: changes.resource && JSON.stringify(changes.resource),
})

/**
 * GroupRepo.change as one statement; its locks go with it. Every write is gated on `go` (the group
 * is there, at the version, and every member to add is what the change may add), so a refused or
 * stale change writes nothing. The first CTE (`target`) locks the group's row as the bump will (NO
 * KEY UPDATE: other transactions' member inserts, whose foreign key needs only KEY SHARE, are not
 * held up), so the version check and the bump are of one version (under READ COMMITTED a row
 * changed meanwhile is re-read and re-checked), and concurrent changes of one group queue before
 * touching member and user rows, as they did on the transaction-long lock: two requests adding
 * the same members in another order cannot deadlock. Counts come from what the writes returned,
 * not from the snapshot, so a member another request added or removed meanwhile is not counted
 * again.
 */
async function changeGroup(sql: Sql, tenantId: string, id: string, change: GroupUpdate, options: UpdateOptions): Promise<GroupUpdateResult> {
  const members = change.members ?? { removeAll: false, remove: [], add: [], addable: [] }
  const params: unknown[] = [tenantId, id]
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  // A malformed id is no user or group of the tenant: it refuses the change, as an unknown one does.
  const add = members.add.filter((m) => isUuid(m.memberId))
  const addIds = p(add.map((m) => m.memberId))
  const set = Object.entries(attributeColumns(change.attributes ?? {}))
    .filter(([, v]) => v !== undefined)
    .map(([column, v]) => `${column} = ${p(v)}, `)
    .join('')
  const removing = `(${p(members.removeAll)}::boolean OR member_id = ANY(${p(members.remove.filter(isUuid))}::uuid[]))`
  const text = `
    WITH target AS (
           SELECT id FROM groups WHERE tenant_id = $1 AND id = $2 AND (${p(options.ifVersion ?? null)}::int IS NULL OR version = $${params.length})
            FOR NO KEY UPDATE),
         wanted AS (
           SELECT w.id, w.stated, CASE WHEN u.id IS NOT NULL THEN 'User' WHEN g.id IS NOT NULL THEN 'Group' END AS actual
             FROM unnest(${addIds}::uuid[], ${p(add.map((m) => m.memberType ?? null))}::text[]) AS w(id, stated)
             LEFT JOIN users u ON u.tenant_id = $1 AND u.id = w.id
             LEFT JOIN groups g ON g.tenant_id = $1 AND g.id = w.id),
         allowed AS (
           SELECT ${p(add.length === members.add.length)}::boolean AND NOT EXISTS (
                    SELECT 1 FROM wanted WHERE actual IS NULL OR actual <> coalesce(stated, actual) OR actual <> ALL(${p(members.addable)}::text[])) AS ok),
         go AS (SELECT 1 FROM target, allowed WHERE allowed.ok),
         -- A member removed and added again keeps its row: it left and joined (see rejoined).
         gone AS (
           DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND ${removing} AND member_id <> ALL(${addIds}::uuid[]) AND EXISTS (SELECT 1 FROM go)
           RETURNING member_id, member_type),
         joined AS (
           INSERT INTO group_members (tenant_id, group_id, member_id, member_type)
           SELECT $1, $2, id, actual FROM wanted WHERE EXISTS (SELECT 1 FROM go)
           ON CONFLICT DO NOTHING RETURNING member_id, member_type),
         rejoined AS (
           SELECT member_id, member_type FROM group_members
            WHERE tenant_id = $1 AND group_id = $2 AND ${removing} AND member_id = ANY(${addIds}::uuid[]) AND EXISTS (SELECT 1 FROM go)
              AND member_id NOT IN (SELECT member_id FROM joined)),
         changed AS (
           SELECT member_id, member_type FROM gone UNION ALL SELECT member_id, member_type FROM joined
           UNION ALL SELECT member_id, member_type FROM rejoined UNION ALL SELECT member_id, member_type FROM rejoined),
         counts AS (
           SELECT ((SELECT count(*) FROM joined) + (SELECT count(*) FROM rejoined))::int AS added,
                  ((SELECT count(*) FROM gone) + (SELECT count(*) FROM rejoined))::int AS removed),
         -- A membership is part of the member (its groups): each join and each leave bumps the user.
         touched AS (
           UPDATE users u SET version = u.version + c.n, modified = now()
             FROM (SELECT member_id, count(*)::int AS n FROM changed WHERE member_type = 'User' GROUP BY member_id) c
            WHERE u.tenant_id = $1 AND u.id = c.member_id),
         written AS (
           UPDATE groups SET ${set}version = version + 1, modified = now()
            WHERE tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM go) AND (${p(!!set)}::boolean OR EXISTS (SELECT 1 FROM changed))
           RETURNING ${GROUP_COLUMNS})
         ${options.audit ? `, audited AS (${auditInsert(options.audit, params, 'written', 'written.id::text', (given) => (change.members ? `jsonb_set(${given}, '{after,memberCounts}', (SELECT to_jsonb(counts) FROM counts))` : given))})` : ''}
    SELECT (SELECT ok FROM allowed) AS ok, EXISTS (SELECT 1 FROM target) AS found, c.added, c.removed,
           (SELECT coalesce(json_agg(json_build_array(id, actual)), '[]') FROM wanted WHERE actual IS NOT NULL) AS resolved, w.*
      FROM counts c LEFT JOIN written w ON true`
  const row = (await sql.query(text, params))[0]!
  if (row.id != null) return { outcome: 'changed', group: toGroup(row), added: Number(row.added), removed: Number(row.removed) }
  if (!row.found) return { outcome: 'stale' }
  if (!row.ok) return { outcome: 'refused', found: new Map(row.resolved as Array<[string, MemberType]>) }
  return { outcome: 'unchanged' }
}

export function groupRepo(sql: Sql): GroupRepo {
  const one = async (where: string, params: unknown[]): Promise<Group | null> => {
    const rows = await sql.query(`SELECT ${GROUP_COLUMNS} FROM groups WHERE ${where}`, params)
    return rows[0] ? toGroup(rows[0]) : null
  }
  const repo: GroupRepo = {
    async insert(g) {
      const rows = await sql.query(
        `INSERT INTO groups (tenant_id, id, display_name, external_id, origin, source_anchor, resource, source_dn)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${GROUP_COLUMNS}`,
        [g.tenantId, g.id ?? randomUUID(), g.displayName, g.externalId ?? null, g.origin, g.sourceAnchor ?? null, JSON.stringify(g.resource ?? {}), g.sourceDn ?? null],
      )
      return toGroup(rows[0]!)
    },
    async insertMany(groups) {
      if (!groups.length) return []
      const rows = await sql.query(
        `INSERT INTO groups (tenant_id, id, display_name, external_id, origin, source_anchor, resource, source_dn)
         SELECT g.tenant_id, g.id, g.display_name, g.external_id, g.origin, g.source_anchor, g.resource, g.source_dn
           FROM jsonb_to_recordset($1::jsonb) AS g(tenant_id uuid, id uuid, display_name text, external_id text, origin text, source_anchor text, resource jsonb, source_dn text)
         RETURNING ${GROUP_COLUMNS}`,
        [
          JSON.stringify(
            groups.map((g) => ({
              tenant_id: g.tenantId,
              id: g.id ?? randomUUID(),
              display_name: g.displayName,
              external_id: g.externalId ?? null,
              origin: g.origin,
              source_anchor: g.sourceAnchor ?? null,
              resource: g.resource ?? {},
              source_dn: g.sourceDn ?? null,
            })),
          ),
        ],
      )
      return rows.map(toGroup)
    },
    get: (tenantId, id, options = {}) =>
      isUuid(id) ? one(`tenant_id = $1 AND id = $2${options.forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, id]) : Promise.resolve(null),
    getByDisplayName: (tenantId, name) =>
      isStorableKey(name) ? one('tenant_id = $1 AND display_name_lower = lower($2) ORDER BY created, id LIMIT 1', [tenantId, name]) : Promise.resolve(null),
    getBySourceAnchor: (tenantId, anchor) => (isStorableKey(anchor) ? one('tenant_id = $1 AND source_anchor = $2', [tenantId, anchor]) : Promise.resolve(null)),
    async getBySourceAnchors(tenantId, all) {
      const anchors = all.filter(isStorableKey)
      if (!anchors.length) return new Map()
      const rows = await sql.query(`SELECT ${GROUP_COLUMNS} FROM groups WHERE tenant_id = $1 AND source_anchor = ANY($2::text[])`, [tenantId, anchors])
      return new Map(rows.map((r) => [str(r.source_anchor), toGroup(r)]))
    },
    async idsBySourceDn(tenantId, all) {
      const dns = all.filter(isStorableKey)
      if (!dns.length) return new Map()
      const rows = await sql.query<{ id: string; source_dn: string }>('SELECT id, source_dn FROM groups WHERE tenant_id = $1 AND source_dn = ANY($2::text[])', [tenantId, dns])
      return new Map(rows.map((r) => [str(r.source_dn), str(r.id)]))
    },
    async existing(tenantId, ids) {
      const valid = ids.filter(isUuid)
      if (!valid.length) return new Set()
      const rows = await sql.query<{ id: string }>('SELECT id FROM groups WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, valid])
      return new Set(rows.map((r) => str(r.id)))
    },
    async update(tenantId, id, changes, options = {}) {
      if (!isUuid(id)) return null
      const set = setClause(
        attributeColumns(changes),
        2,
      )
      const versionCheck = options.ifVersion === undefined ? '' : ` AND version = ${Number(options.ifVersion)}`
      const params = [tenantId, id, ...set.params]
      const update = `UPDATE groups SET ${set.sql ? `${set.sql}, ` : ''}version = version + 1, modified = now()
          WHERE tenant_id = $1 AND id = $2${versionCheck} RETURNING ${GROUP_COLUMNS}`
      const rows = await sql.query(
        options.audit ? `WITH written AS (${update}), audited AS (${auditInsert(options.audit, params, 'written', 'written.id::text')}) SELECT * FROM written` : update,
        params,
      )
      if (rows[0]) return toGroup(rows[0])
      if (options.ifVersion !== undefined && (await repo.get(tenantId, id))) {
        throw new PreconditionFailedError('the group was changed by someone else since it was read')
      }
      return null
    },
    touch: (tenantId, id, options) => repo.update(tenantId, id, {}, options),
    change: (tenantId, id, change, options = {}) =>
      isUuid(id) ? changeGroup(sql, tenantId, id, change, options) : Promise.resolve({ outcome: 'stale' }),
    async touchMany(tenantId, ids) {
      const valid = ids.filter(isUuid)
      if (valid.length) await sql.query('UPDATE groups SET version = version + 1, modified = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, valid])
    },
    async delete(tenantId, id) {
      if (!isUuid(id)) return false
      const rows = await sql.query(
        // Its members' own rows go with the group (FK cascade); the groups that contained it change
        // too: their version and lastModified move on. Its members are the domain's to bump.
        `WITH gone AS (DELETE FROM groups WHERE tenant_id = $1 AND id = $2 RETURNING id),
              unlinked AS (DELETE FROM group_members WHERE tenant_id = $1 AND member_id IN (SELECT id FROM gone) RETURNING group_id),
              parents AS (UPDATE groups SET version = version + 1, modified = now()
                           WHERE tenant_id = $1 AND id IN (SELECT group_id FROM unlinked) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [tenantId, id],
      )
      return (rows[0] as { n: number }).n > 0
    },
    async count(tenantId) {
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM groups WHERE tenant_id = $1', [tenantId])
      return rows[0]!.n
    },
    async list(tenantId, { limit, after }) {
      const afterId = after ? decodeCursor(after) : null
      const rows = await sql.query(
        `SELECT ${GROUP_COLUMNS} FROM groups WHERE tenant_id = $1 ${afterId ? 'AND id > $3' : ''} ORDER BY id LIMIT $2`,
        afterId ? [tenantId, limit + 1, afterId] : [tenantId, limit + 1],
      )
      const items = rows.slice(0, limit).map(toGroup)
      return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null }
    },
    query: (tenantId, q) => runResourceQuery(sql, QUERY_TARGET, tenantId, q, toGroup),
  }
  return repo
}

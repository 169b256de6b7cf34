import { randomUUID } from 'node:crypto'
import type { JsonObject } from '../../../domain/kernel/json.js'
import type { RecordOrigin, User, UserStatus } from '../../../domain/identity/model.js'
import type { NewAuditEvent } from '../../../domain/audit/model.js'
import { PreconditionFailedError } from '../../../domain/kernel/errors.js'
import { emailKey, userNameKey } from '../../../domain/identity/user-name.js'
import type { UserRepo } from '../../../domain/identity/persister.js'
import type { Sql } from '../sql.js'
import { runResourceQuery, type QueryTarget } from '../query-sql.js'
import { auditInsert } from './audit.js'
import { groupsOfRow, PAGE_WITH_GROUPS, toGroupsOf } from './user-groups.js'
import { decodeCursor, encodeCursor, isStorableKey, isUuid, setClause, str, strOrNull, toDate } from './rows.js'

const COLUMN_LIST = [
  'id', 'tenant_id', 'user_name', 'external_id', 'display_name', 'email', 'active', 'status', 'origin', 'source_anchor', 'source_dn', 'resource', 'password_hash', 'version', 'created', 'modified',
] as const
export const USER_COLUMNS = COLUMN_LIST.join(', ')
const QUERY_TARGET: QueryTarget = { table: 'users', columns: COLUMN_LIST }

export function toUser(r: Record<string, unknown>): User {
  const groups = toGroupsOf(r)
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    userName: str(r.user_name),
    externalId: strOrNull(r.external_id),
    displayName: strOrNull(r.display_name),
    email: strOrNull(r.email),
    active: Boolean(r.active),
    status: r.status as UserStatus,
    origin: r.origin as RecordOrigin,
    sourceAnchor: strOrNull(r.source_anchor),
    sourceDn: strOrNull(r.source_dn),
    resource: (r.resource ?? {}) as JsonObject,
    passwordHash: strOrNull(r.password_hash),
    version: Number(r.version),
    created: toDate(r.created),
    modified: toDate(r.modified),
    ...(groups ? { groups } : {}),
  }
}

/** The row's columns, qualified by `alias`, and with its groups when asked. */
const selectList = (alias: string, withGroups = false): string =>
  `${COLUMN_LIST.map((c) => `${alias}.${c}`).join(', ')}${withGroups ? `, ${groupsOfRow(alias)}` : ''}`

/** The unresolved reference of the user written (`written`, $1 its tenant) leaves the set. */
const UNTRACK = `untracked AS (DELETE FROM unresolved_manager_refs WHERE tenant_id = $1 AND user_id IN (SELECT id FROM written))`

/** The user written (`written`) has an unresolved manager reference: tracked, replacing any earlier one. */
function trackUnresolved(params: unknown[], value: string): string {
  const v = `$${params.push(value)}::text`
  const key = `$${params.push(userNameKey(value))}::text`
  return `tracked AS (INSERT INTO unresolved_manager_refs (tenant_id, user_id, value, value_key) SELECT tenant_id, id, ${v}, ${key} FROM written
            ON CONFLICT (tenant_id, user_id) DO UPDATE SET value = EXCLUDED.value, value_key = EXCLUDED.value_key)`
}

/**
 * Points the reports whose unresolved manager reference names a user just inserted (`written`, with
 * its user_name_key) at that user, from the insert's own statement: `resolve_manager_refs`
 * (migration 0017) drops the reference from the set, writes the id into the report's
 * `manager.value` (only if it still holds the value tracked), bumps its version and, with `audit` as
 * template (actor, request), records the change; it returns how many it pointed. The new rows are
 * not the reports it looks for, so a user never resolves its own reference.
 */
function resolvingReports(params: unknown[], audit: NewAuditEvent | undefined, rows: string): string {
  const template = audit
    ? JSON.stringify({ actor_type: audit.actor.type, actor_id: audit.actor.id, actor_label: audit.actor.label, actor_via: audit.actor.via ?? null, request_id: audit.requestId })
    : null
  return `resolve_manager_refs(tenant_id, ${rows}, $${params.push(template)}::jsonb)`
}

/** The reference probe of one row of `written`. */
const FRESH_ROW = `jsonb_build_object('id', id, 'external_id', external_id, 'user_name_key', user_name_key)`

export function userRepo(sql: Sql): UserRepo {
  const one = async (where: string, params: unknown[], withGroups = false): Promise<User | null> => {
    const rows = await sql.query(`SELECT ${selectList('u', withGroups)} FROM users u WHERE ${where}`, params)
    return rows[0] ? toUser(rows[0]) : null
  }
  return {
    async insert(u, options = {}) {
      const params: unknown[] = [
          u.tenantId,
          u.id ?? randomUUID(),
          u.userName,
          u.externalId ?? null,
          u.displayName ?? null,
          u.email ?? null,
          u.status ?? (u.active === false ? 'inactive' : 'active'),
          u.origin,
          u.sourceAnchor ?? null,
          JSON.stringify(u.resource ?? {}),
          u.passwordHash ?? null,
          u.sourceDn ?? null,
          userNameKey(u.userName),
          emailKey(u.email ?? null),
      ]
      const insert = `INSERT INTO users (tenant_id, id, user_name, external_id, display_name, email, status, origin, source_anchor, resource, password_hash, source_dn, user_name_key, email_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ${USER_COLUMNS}, user_name_key`
      const ctes = [`written AS (${insert})`]
      if (options.audit) ctes.push(`audited AS (${auditInsert(options.audit, params, 'written', 'written.id::text')})`)
      if (u.managerUnresolved) ctes.push(trackUnresolved(params, u.managerUnresolved))
      const resolve = resolvingReports(params, options.audit, `jsonb_build_array(${FRESH_ROW})`)
      // The function sits in the select list: a CTE nothing reads would not run.
      const rows = await sql.query(`WITH ${ctes.join(',\n')} SELECT written.*, ${resolve} AS resolved_reports FROM written`, params)
      return toUser(rows[0]!)
    },
    async insertMany(users, options = {}) {
      if (!users.length) return []
      const params: unknown[] = [
        JSON.stringify(
          users.map((u) => ({
            tenant_id: u.tenantId,
            id: u.id ?? randomUUID(),
            user_name: u.userName,
            external_id: u.externalId ?? null,
            display_name: u.displayName ?? null,
            email: u.email ?? null,
            status: u.status ?? (u.active === false ? 'inactive' : 'active'),
            origin: u.origin,
            source_anchor: u.sourceAnchor ?? null,
            resource: u.resource ?? {},
            password_hash: u.passwordHash ?? null,
            source_dn: u.sourceDn ?? null,
            user_name_key: userNameKey(u.userName),
            email_key: emailKey(u.email ?? null),
          })),
        ),
      ]
      const insert = `INSERT INTO users (tenant_id, id, user_name, external_id, display_name, email, status, origin, source_anchor, resource, password_hash, source_dn, user_name_key, email_key)
         SELECT u.tenant_id, u.id, u.user_name, u.external_id, u.display_name, u.email, u.status, u.origin, u.source_anchor, u.resource, u.password_hash, u.source_dn, u.user_name_key, u.email_key
           FROM jsonb_to_recordset($1::jsonb) AS u(tenant_id uuid, id uuid, user_name text, external_id text, display_name text, email text,
                status text, origin text, source_anchor text, resource jsonb, password_hash text, source_dn text, user_name_key text, email_key text)
         RETURNING ${USER_COLUMNS}, user_name_key`
      // Once per tenant of the batch, read by the final select so that it runs.
      const rows = await sql.query(
        `WITH written AS (${insert}),
              resolution AS (SELECT ${resolvingReports(params, options.audit, `jsonb_agg(${FRESH_ROW})`)} AS n FROM written GROUP BY tenant_id)
         SELECT written.*, r.n AS resolved_reports FROM written CROSS JOIN (SELECT coalesce(sum(n), 0) AS n FROM resolution) r`,
        params,
      )
      return rows.map(toUser)
    },
    get: (tenantId, id, options = {}) =>
      isUuid(id) ? one(`u.tenant_id = $1 AND u.id = $2${options.forUpdate ? ' FOR UPDATE OF u' : ''}`, [tenantId, id], options.withGroups) : Promise.resolve(null),
    // Names and emails are compared by key (src/domain/identity/user-name.ts): `Bob `, `ｂｏｂ` find bob.
    getByUserName: (tenantId, userName) => one('u.tenant_id = $1 AND u.user_name_key = $2', [tenantId, userNameKey(userName)]),
    async getByEmail(tenantId, email, limit) {
      const key = emailKey(email)
      if (key === null) return []
      const rows = await sql.query(`SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND email_key = $2 ORDER BY id LIMIT $3`, [tenantId, key, limit])
      return rows.map(toUser)
    },
    getBySourceAnchor: (tenantId, anchor) => (isStorableKey(anchor) ? one('u.tenant_id = $1 AND u.source_anchor = $2', [tenantId, anchor]) : Promise.resolve(null)),
    async getBySourceAnchors(tenantId, all) {
      const anchors = all.filter(isStorableKey)
      if (!anchors.length) return new Map()
      const rows = await sql.query(`SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 AND source_anchor = ANY($2::text[])`, [tenantId, anchors])
      return new Map(rows.map((r) => [str(r.source_anchor), toUser(r)]))
    },
    async getByUserNames(tenantId, userNames) {
      if (!userNames.length) return new Map()
      const rows = await sql.query(`SELECT ${USER_COLUMNS}, user_name_key FROM users WHERE tenant_id = $1 AND user_name_key = ANY($2::text[])`, [
        tenantId,
        userNames.map(userNameKey),
      ])
      return new Map(rows.map((r) => [str(r.user_name_key), toUser(r)]))
    },
    async idsBySourceDn(tenantId, all) {
      const dns = all.filter(isStorableKey)
      if (!dns.length) return new Map()
      const rows = await sql.query<{ id: string; source_dn: string }>('SELECT id, source_dn FROM users WHERE tenant_id = $1 AND source_dn = ANY($2::text[])', [tenantId, dns])
      return new Map(rows.map((r) => [str(r.source_dn), str(r.id)]))
    },
    async resolveReference(tenantId, value) {
      if (!isStorableKey(value)) return null
      // By id, else externalId, else userName key; two at the first rank that matches is no answer.
      const rows = await sql.query<{ id: string; rank: number }>(
        `SELECT id, CASE WHEN id::text = $2 THEN 0 WHEN external_id = $2 THEN 1 ELSE 2 END AS rank FROM users
          WHERE tenant_id = $1 AND (id = $3::uuid OR external_id = $2 OR user_name_key = $4)
          ORDER BY rank LIMIT 2`,
        [tenantId, value, isUuid(value) ? value.toLowerCase() : null, userNameKey(value)],
      )
      const [first, second] = rows
      if (!first || (second && Number(second.rank) === Number(first.rank))) return null
      return str(first.id)
    },
    async existing(tenantId, ids) {
      const valid = ids.filter(isUuid)
      if (!valid.length) return new Set()
      const rows = await sql.query<{ id: string }>('SELECT id FROM users WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, valid])
      return new Set(rows.map((r) => str(r.id)))
    },
    async update(tenantId, id, changes, options = {}) {
      if (!isUuid(id)) return null
      const set = setClause(
        {
          user_name: changes.userName,
          external_id: changes.externalId,
          display_name: changes.displayName,
          email: changes.email,
          status: changes.status ?? (changes.active === undefined ? undefined : changes.active ? 'active' : 'inactive'),
          source_anchor: changes.sourceAnchor,
          source_dn: changes.sourceDn,
          origin: changes.origin,
          resource: changes.resource && JSON.stringify(changes.resource),
          password_hash: changes.passwordHash,
          email_key: changes.email === undefined ? undefined : emailKey(changes.email),
        },
        2,
      )
      // The key follows a new userName only: a user the migration to keys found colliding keeps
      // its disambiguated key (`key#id`) while edits leave its name alone.
      let rename = ''
      if (changes.userName !== undefined) {
        set.params.push(changes.userName, userNameKey(changes.userName))
        const n = set.params.length + 2
        rename = `user_name_key = CASE WHEN user_name = $${n - 1} THEN user_name_key ELSE $${n} END, `
      }
      const params = [tenantId, id, ...set.params]
      const versionCheck = options.ifVersion === undefined ? '' : ` AND version = $${params.push(Number(options.ifVersion))}`
      const update = `UPDATE users SET ${set.sql ? `${set.sql}, ` : ''}${rename}version = version + 1, modified = now()
          WHERE tenant_id = $1 AND id = $2${versionCheck} RETURNING ${USER_COLUMNS}`
      // The event, the unresolved manager reference and the groups ride on the same statement: no
      // transaction needed for atomicity.
      const ctes: string[] = []
      if (options.audit) ctes.push(`audited AS (${auditInsert(options.audit, params, 'written', 'written.id::text')})`)
      if (changes.managerUnresolved) ctes.push(trackUnresolved(params, changes.managerUnresolved))
      else if (changes.managerUnresolved === null) ctes.push(UNTRACK)
      const rows =
        ctes.length || options.withGroups
          ? await sql.query(`WITH written AS (${update})${ctes.map((c) => `, ${c}`).join('')} SELECT ${selectList('written', options.withGroups)} FROM written`, params)
          : await sql.query(update, params)
      if (rows[0]) return toUser(rows[0])
      if (options.ifVersion !== undefined && (await this.get(tenantId, id))) {
        throw new PreconditionFailedError('the user was changed by someone else since it was read')
      }
      return null
    },
    async touchMany(tenantId, ids) {
      const valid = ids.filter(isUuid)
      if (valid.length) await sql.query('UPDATE users SET version = version + 1, modified = now() WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [tenantId, valid])
    },
    async delete(tenantId, id) {
      if (!isUuid(id)) return false
      const rows = await sql.query(
        // The groups that lose the member change too: their version and lastModified move on.
        `WITH gone AS (DELETE FROM users WHERE tenant_id = $1 AND id = $2 RETURNING id),
              unlinked AS (DELETE FROM group_members WHERE tenant_id = $1 AND member_id IN (SELECT id FROM gone) RETURNING group_id),
              touched AS (UPDATE groups SET version = version + 1, modified = now()
                           WHERE tenant_id = $1 AND id IN (SELECT group_id FROM unlinked) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [tenantId, id],
      )
      return (rows[0] as { n: number }).n > 0
    },
    async clearReference(tenantId, path, id) {
      if (!isUuid(id) || !path.length) return []
      // Containment on the lower-cased document finds the rows through its GIN index; ids are
      // lower-case already, so the probe needs no folding of its own.
      let probe: Record<string, unknown> = { value: id.toLowerCase() }
      for (const key of [...path].reverse()) probe = { [key.toLowerCase()]: probe }
      const rows = await sql.query<{ id: string }>(
        `UPDATE users SET resource = resource #- $3::text[], version = version + 1, modified = now()
          WHERE tenant_id = $1 AND resource_ci @> $2::jsonb AND resource #>> $4::text[] = $5
          RETURNING id`,
        [tenantId, JSON.stringify(probe), [...path], [...path, 'value'], id],
      )
      return rows.map((r) => str(r.id))
    },
    async setReferences(tenantId, [urn, attr], changes) {
      const valid = changes.filter((c) => isUuid(c.id))
      if (!valid.length) return []
      const rows = await sql.query<{ id: string }>(
        `WITH written AS (UPDATE users u SET
           resource = CASE
             WHEN c.value IS NOT NULL THEN jsonb_set(u.resource, ARRAY[$3], coalesce(u.resource -> $3, '{}'::jsonb) || jsonb_build_object($4::text, jsonb_build_object('value', c.value)))
             WHEN (coalesce(u.resource -> $3, '{}'::jsonb) - $4::text) = '{}'::jsonb THEN u.resource - $3
             ELSE jsonb_set(u.resource, ARRAY[$3], (u.resource -> $3) - $4::text)
           END,
           version = version + 1, modified = now()
          FROM jsonb_to_recordset($2::jsonb) AS c(id uuid, value text)
         WHERE u.tenant_id = $1 AND u.id = c.id
         RETURNING u.id), ${UNTRACK}
         SELECT id FROM written`,
        [tenantId, JSON.stringify(valid), urn, attr],
      )
      return rows.map((r) => str(r.id))
    },
    async count(tenantId) {
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE tenant_id = $1', [tenantId])
      return rows[0]!.n
    },
    async list(tenantId, { limit, after }) {
      const afterId = after ? decodeCursor(after) : null
      const rows = await sql.query(
        `SELECT ${USER_COLUMNS} FROM users WHERE tenant_id = $1 ${afterId ? 'AND id > $3' : ''} ORDER BY id LIMIT $2`,
        afterId ? [tenantId, limit + 1, afterId] : [tenantId, limit + 1],
      )
      const items = rows.slice(0, limit).map(toUser)
      return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null }
    },
    query: (tenantId, q, options = {}) => runResourceQuery(sql, QUERY_TARGET, tenantId, q, toUser, options.withGroups ? PAGE_WITH_GROUPS : undefined),
  }
}

import { ValidationError } from '../../../domain/kernel/errors.js'
import type { ActorCredential, ActorType, AuditChanges, AuditEvent, NewAuditEvent } from '../../../domain/audit/model.js'
import type { AuditRepo, NamedKind } from '../../../domain/audit/persister.js'
import type { Sql } from '../sql.js'
import { decodeCursor, encodeCursor, isUuid, str, strOrNull, toDate } from './rows.js'

const COLUMNS = 'id::text AS id, tenant_id, at, actor_type, actor_id, actor_label, actor_via, action, resource_type, resource_id, changes, request_id'

function toEvent(r: Record<string, unknown>): AuditEvent {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    at: toDate(r.at),
    actor: { type: r.actor_type as ActorType, id: strOrNull(r.actor_id), label: str(r.actor_label), ...(r.actor_via ? { via: r.actor_via as ActorCredential } : {}) },
    action: str(r.action),
    resourceType: str(r.resource_type),
    resourceId: strOrNull(r.resource_id),
    changes: (r.changes ?? null) as AuditChanges | null,
    requestId: strOrNull(r.request_id),
  }
}

/**
 * The audit INSERT as a data-modifying CTE of another write, so that the change and its event are
 * one statement: atomic without a transaction, one round trip instead of four (BEGIN, write,
 * event, COMMIT). `from` names the CTE of the write (e.g. `written`): the event is inserted once
 * per row it returns, so a write that matched nothing records nothing; `resourceId`, an SQL
 * expression over that CTE, names the record when the caller could not know its id in advance.
 * Parameters are appended to `params`. `changes`, when given, wraps the event's changes (the
 * jsonb expression it is passed) in an SQL expression over the statement's CTEs, for what only the
 * write knows as it runs (how many members a group change added).
 */
export function auditInsert(e: NewAuditEvent, params: unknown[], from: string, resourceId?: string, changes?: (given: string) => string): string {
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  const given = `${p(e.changes ? JSON.stringify(e.changes) : null)}::jsonb`
  return `INSERT INTO audit_events (tenant_id, at, actor_type, actor_id, actor_label, actor_via, action, resource_type, resource_id, changes, request_id)
    SELECT ${p(e.tenantId)}::uuid, coalesce(${p(e.at ?? null)}::timestamptz, now()), ${p(e.actor.type)}, ${p(e.actor.id)}, ${p(e.actor.label)},
           ${p(e.actor.via ? JSON.stringify(e.actor.via) : null)}::jsonb, ${p(e.action)}, ${p(e.resourceType)},
           ${resourceId ?? `${p(e.resourceId)}::text`}, ${changes ? changes(given) : given}, ${p(e.requestId)} FROM ${from}`
}

/** Where each named kind lives: its table, its name column, whether its ids are uuids. */
const NAMED: Record<NamedKind, { table: string; name: string; uuid: boolean }> = {
  User: { table: 'users', name: 'user_name', uuid: true },
  Group: { table: 'groups', name: 'display_name', uuid: true },
  Role: { table: 'roles', name: 'name', uuid: true },
  Token: { table: 'tokens', name: 'label', uuid: false },
}

export function auditRepo(sql: Sql): AuditRepo {
  return {
    async append(e) {
      const rows = await sql.query(
        `INSERT INTO audit_events (tenant_id, at, actor_type, actor_id, actor_label, actor_via, action, resource_type, resource_id, changes, request_id)
         VALUES ($1, coalesce($2, now()), $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
        [
          e.tenantId,
          e.at ?? null,
          e.actor.type,
          e.actor.id,
          e.actor.label,
          e.actor.via ? JSON.stringify(e.actor.via) : null,
          e.action,
          e.resourceType,
          e.resourceId,
          e.changes ? JSON.stringify(e.changes) : null,
          e.requestId,
        ],
      )
      return toEvent(rows[0]!)
    },
    async appendMany(events) {
      if (!events.length) return
      await sql.query(
        `INSERT INTO audit_events (tenant_id, at, actor_type, actor_id, actor_label, actor_via, action, resource_type, resource_id, changes, request_id)
         SELECT e.tenant_id, coalesce(e.at, now()), e.actor_type, e.actor_id, e.actor_label, e.actor_via, e.action, e.resource_type, e.resource_id, e.changes, e.request_id
           FROM jsonb_to_recordset($1::jsonb) AS e(tenant_id uuid, at timestamptz, actor_type text, actor_id text, actor_label text, actor_via jsonb, action text,
                resource_type text, resource_id text, changes jsonb, request_id text)`,
        [
          JSON.stringify(
            events.map((e) => ({
              tenant_id: e.tenantId,
              at: e.at ?? null,
              actor_type: e.actor.type,
              actor_id: e.actor.id,
              actor_label: e.actor.label,
              actor_via: e.actor.via ?? null,
              action: e.action,
              resource_type: e.resourceType,
              resource_id: e.resourceId,
              changes: e.changes,
              request_id: e.requestId,
            })),
          ),
        ],
      )
    },
    async names(tenantId, kind, ids) {
      // Each by its primary key, (tenant_id, id): one index probe per id, and only this tenant's.
      const table = NAMED[kind]
      const wanted = [...new Set(table.uuid ? ids.filter(isUuid) : ids)]
      if (!wanted.length) return new Map()
      const rows = await sql.query<{ id: string; name: string }>(
        `SELECT id::text AS id, ${table.name} AS name FROM ${table.table} WHERE tenant_id = $1 AND id = ANY($2::${table.uuid ? 'uuid' : 'text'}[])`,
        [tenantId, wanted],
      )
      return new Map(rows.map((r) => [r.id, r.name]))
    },
    async list(tenantId, q) {
      const where = ['tenant_id = $1']
      const params: unknown[] = [tenantId]
      const add = (clause: string, value: unknown) => {
        params.push(value)
        where.push(clause.replaceAll('?', `$${params.length}`))
      }
      if (q.before) {
        const id = decodeCursor(q.before)
        if (!/^\d+$/.test(id)) throw new ValidationError('invalid cursor', 'cursor')
        add('id < ?::bigint', id)
      }
      if (q.action?.endsWith('.*')) add(`action LIKE ? ESCAPE '\\'`, `${q.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
      else if (q.action) add('action = ?', q.action)
      if (q.resourceId) add('resource_id = ?', q.resourceId)
      if (q.requestId) add('request_id = ?', q.requestId)
      // An id (user, token, sync run) or a label (userName, token name), each with an index behind it.
      if (q.actor) add(isUuid(q.actor) ? 'actor_id = ?' : 'lower(actor_label) = lower(?)', q.actor)
      if (q.from) add('at >= ?', q.from)
      if (q.to) add('at < ?', q.to)
      params.push(q.limit + 1)
      const rows = await sql.query(`SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY audit_events.id DESC LIMIT $${params.length}`, params)
      const items = rows.slice(0, q.limit).map(toEvent)
      return { items, next: rows.length > q.limit ? encodeCursor(items[items.length - 1]!.id) : null }
    },
  }
}

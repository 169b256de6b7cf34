import type Router from '@koa/router'
import type { Context } from 'koa'
import type { AuditEvent } from '../domain/audit/model.js'
import { readAuditAs, readNamedAuditAs, type NamedAuditEntry } from '../domain/administration/audit.js'
import { ValidationError } from '../domain/kernel/errors.js'
import type { AuditQuery } from '../domain/audit/persister.js'
import { operatorOf } from './auth.js'
import { AuditListParams } from './schemas.js'
import type { AdminDeps } from './users-api.js'
import { validatedQuery } from './validate.js'

export const auditJson = (e: AuditEvent) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: e.actor,
  action: e.action,
  resourceType: e.resourceType,
  resourceId: e.resourceId,
  attributes: e.changes?.attributes ?? [],
  /** Attributes the request named but the change ignored (not in the tenant's schema). */
  ignored: e.changes?.ignored ?? [],
  before: e.changes?.before ?? null,
  after: e.changes?.after ?? null,
  requestId: e.requestId,
})

/**
 * An entry as the console shows it: `target` and `names` give the current name of every id the
 * entry holds (target, acting user, users its changes name); deleted ones keep the name the entry
 * recorded, if any, with `deleted: true`.
 */
const namedAuditJson = (n: NamedAuditEntry) => ({ ...auditJson(n.event), target: n.target, names: n.names })

/** An export reads at most this many events; narrow the filter for more. */
export const EXPORT_LIMIT = 100_000

function auditQuery(ctx: Context, limit?: number): AuditQuery {
  const p = validatedQuery<{ actor?: string; action?: string; target?: string; from?: string; to?: string; cursor?: string; limit: number; format?: string }>(AuditListParams, ctx.query)
  return {
    limit: limit ?? p.limit,
    before: p.cursor ?? null,
    actor: p.actor,
    action: p.action,
    resourceId: p.target,
    from: p.from ? new Date(p.from) : undefined,
    to: p.to ? new Date(p.to) : undefined,
  }
}

/** A CSV cell: quoted when needed; a leading = + - @ is defused so a spreadsheet shows it as text. */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const CSV_COLUMNS = ['at', 'actorType', 'actorLabel', 'actorId', 'actorCredential', 'action', 'resourceType', 'resourceId', 'attributes', 'before', 'after', 'requestId'] as const

function csvRow(e: AuditEvent): string {
  const j = auditJson(e)
  const cells = [j.at, j.actor.type, j.actor.label, j.actor.id, j.actor.via ?? null, j.action, j.resourceType, j.resourceId, j.attributes.join(' '), j.before, j.after, j.requestId]
  return `${cells.map(csvCell).join(',')}\r\n`
}

/** /api/audit: the audit log, filtered, newest first; and its export as CSV or JSON Lines. */
export function auditApi(router: Router, deps: AdminDeps): void {
  router.get('/audit', async (ctx) => {
    const page = await readNamedAuditAs(deps.store, operatorOf(ctx), auditQuery(ctx))
    ctx.body = { items: page.items.map(namedAuditJson), next: page.next }
  })

  router.get('/audit/export', async (ctx) => {
    const op = operatorOf(ctx)
    const format = ctx.query.format === 'jsonl' ? 'jsonl' : ctx.query.format === 'csv' || ctx.query.format === undefined ? 'csv' : null
    if (!format) throw new ValidationError('format must be csv or jsonl', 'format')
    const base = auditQuery(ctx, 1000)
    const lines: string[] = format === 'csv' ? [`${CSV_COLUMNS.join(',')}\r\n`] : []
    let before = base.before ?? null
    let read = 0
    do {
      const page = await readAuditAs(deps.store, op, { ...base, before, limit: Math.min(1000, EXPORT_LIMIT - read) })
      for (const e of page.items) lines.push(format === 'csv' ? csvRow(e) : `${JSON.stringify(auditJson(e))}\n`)
      read += page.items.length
      before = page.next
    } while (before && read < EXPORT_LIMIT)
    ctx.set('Content-Disposition', `attachment; filename="roster-${op.tenant.slug}-audit.${format}"`)
    ctx.set('Cache-Control', 'no-store')
    ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8'
    ctx.body = lines.join('')
  })
}

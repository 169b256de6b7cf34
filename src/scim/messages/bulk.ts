import type { Context } from 'koa'
import { describeError } from '../../http/errors.js'
import { readJson } from '../../http/body.js'
import { SCIM_MEDIA_TYPES, writeContext, type ScimContext } from '../context.js'
import { errorMessage } from './error.js'
import { ScimError, badRequest } from '../errors.js'
import { etagOf, ifMatch } from '../../http/etag.js'
import { SCIM_LIMITS } from '../limits.js'
import { defaultProjection } from '../schema/projection.js'
import { lowerKeys } from './search-request.js'
import type { ResourceHandler } from '../resource-type.js'

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse'

interface BulkOperation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  bulkId?: string
  version?: string
  path: string
  data?: unknown
}

interface BulkResult {
  method: string
  bulkId?: string
  version?: string
  location?: string
  status: string
  response?: unknown
}

/** The largest Bulk body accepted: the advertised maxPayloadSize, never more than BODY_LIMIT. */
export const bulkPayloadLimit = (bodyLimitBytes: number): number => Math.min(bodyLimitBytes, SCIM_LIMITS.bulkMaxPayloadSize)

const BULK_REF = /^bulkId:(.+)$/
const QUOTED_BULK_REF = /"bulkId:([^"\\]+)"/g

function parseOperations(body: unknown): { operations: BulkOperation[]; failOnErrors: number | undefined } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalidSyntax', 'the body must be a BulkRequest object')
  const b = lowerKeys(body as Record<string, unknown>)
  if (!Array.isArray(b.schemas) || !b.schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw badRequest('invalidSyntax', `schemas must contain "${BULK_REQUEST_SCHEMA}"`)
  }
  if (!Array.isArray(b.operations)) throw badRequest('invalidSyntax', 'Operations must be an array')
  if (b.operations.length > SCIM_LIMITS.bulkMaxOperations) {
    throw new ScimError(413, undefined, `a Bulk request may hold at most ${SCIM_LIMITS.bulkMaxOperations} operations; this one has ${b.operations.length}`)
  }
  let failOnErrors: number | undefined
  if (b.failonerrors !== undefined) {
    if (!Number.isSafeInteger(b.failonerrors) || (b.failonerrors as number) < 1) throw badRequest('invalidValue', 'failOnErrors must be a positive integer')
    failOnErrors = b.failonerrors as number
  }
  const seen = new Set<string>()
  const operations = b.operations.map((raw, i): BulkOperation => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('invalidSyntax', `Operations[${i}] must be an object`)
    const o = lowerKeys(raw as Record<string, unknown>)
    const method = typeof o.method === 'string' ? o.method.toUpperCase() : ''
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw badRequest('invalidValue', `Operations[${i}].method must be POST, PUT, PATCH or DELETE`)
    if (typeof o.path !== 'string' || !o.path.startsWith('/')) throw badRequest('invalidValue', `Operations[${i}].path must be a path such as /Users or /Groups/{id}`)
    if (o.bulkid !== undefined && (typeof o.bulkid !== 'string' || !o.bulkid)) throw badRequest('invalidValue', `Operations[${i}].bulkId must be a non-empty string`)
    if (method === 'POST' && o.bulkid === undefined) throw badRequest('invalidValue', `Operations[${i}]: a POST needs a bulkId`)
    if (typeof o.bulkid === 'string') {
      if (seen.has(o.bulkid)) throw badRequest('invalidValue', `bulkId "${o.bulkid}" is used by more than one operation`)
      seen.add(o.bulkid)
    }
    if (o.version !== undefined && typeof o.version !== 'string') throw badRequest('invalidValue', `Operations[${i}].version must be a string`)
    if (method !== 'DELETE' && o.data === undefined) throw badRequest('invalidValue', `Operations[${i}]: ${method} needs data`)
    return {
      method: method as BulkOperation['method'],
      path: o.path,
      ...(typeof o.bulkid === 'string' ? { bulkId: o.bulkid } : {}),
      ...(typeof o.version === 'string' ? { version: o.version } : {}),
      ...(o.data !== undefined ? { data: o.data } : {}),
    }
  })
  return { operations, failOnErrors }
}

/** bulkIds an operation refers to: `bulkId:<id>` as a whole value or path segment, or quoted inside a PATCH path filter. */
function references(op: BulkOperation): Set<string> {
  const refs = new Set<string>()
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const whole = BULK_REF.exec(v)
      if (whole) refs.add(whole[1]!)
      for (const m of v.matchAll(QUOTED_BULK_REF)) refs.add(m[1]!)
    } else if (Array.isArray(v)) v.forEach(visit)
    else if (v && typeof v === 'object') Object.values(v).forEach(visit)
  }
  visit(op.data)
  for (const segment of op.path.split('/')) visit(segment)
  return refs
}

function substitute(v: unknown, ids: Map<string, string>): unknown {
  if (typeof v === 'string') {
    const whole = BULK_REF.exec(v)
    if (whole) return ids.get(whole[1]!) ?? v
    // `members[value eq "bulkId:u"]`: the reference sits inside a filter's string literal.
    return v.replace(QUOTED_BULK_REF, (quoted, id: string) => (ids.has(id) ? JSON.stringify(ids.get(id)) : quoted))
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, ids))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, ids)]))
  return v
}

function errorResponse(err: unknown): { status: string; response: unknown } {
  const shape = describeError(err)
  return { status: String(shape.status), response: errorMessage(shape) }
}

/**
 * RFC 7644 §3.7. Operations run one by one, each in its own transaction (the RFC does not make a
 * Bulk request atomic). An operation referring to `bulkId:x` waits until the POST with that bulkId
 * has run, so references may point forwards; ones that can never resolve (unknown, failed or
 * circular) fail with 409. `failOnErrors` stops processing after that many errors.
 */
export async function bulk(sc: ScimContext, ctx: Context, handlers: readonly ResourceHandler[]): Promise<Record<string, unknown>> {
  const limit = bulkPayloadLimit(sc.bodyLimitBytes)
  const declared = Number(ctx.get('Content-Length') || 0)
  if (declared > limit) throw new ScimError(413, undefined, `a Bulk request may be at most ${limit} bytes; this one is ${declared}`)
  const body = await readJson(ctx, { limitBytes: limit, types: SCIM_MEDIA_TYPES })
  const { operations, failOnErrors } = parseOperations(body)

  const created = new Map<string, string>()
  const failedBulkIds = new Set<string>()
  const results: Array<BulkResult | undefined> = new Array(operations.length)
  let errors = 0
  let pending = operations.map((op, index) => ({ op, index, refs: references(op) }))

  /** Operation `at` (`Operations[i]`), its notes attributed to it (Interpretation.within). */
  const run = async (op: BulkOperation, at: string): Promise<BulkResult> => {
    const path = op.path
      .split('/')
      .map((seg) => String(substitute(seg, created)))
      .join('/')
    const [, endpoint, id, ...rest] = path.split('/')
    const handler = handlers.find((h) => h.endpoint.toLowerCase() === (endpoint ?? '').toLowerCase())
    const base: Omit<BulkResult, 'status'> = { method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}) }
    try {
      if (!handler || rest.length) throw new ScimError(404, undefined, `no such endpoint: ${op.path}`)
      if ((op.method === 'POST') === Boolean(id)) {
        throw badRequest('invalidValue', op.method === 'POST' ? 'POST goes to a resource type endpoint, e.g. /Users' : `${op.method} needs a resource id in its path`)
      }
      const data = substitute(op.data, created)
      const projection = defaultProjection(sc.registry, handler.type)
      const write = writeContext(sc, at)
      const check = { ifVersion: ifMatch(op.version) }
      const location = (rid: string) => `${sc.baseUrl}/${handler.endpoint}/${rid}`
      switch (op.method) {
        case 'POST': {
          const r = await handler.create(sc, data, projection, write)
          const rid = String(r.resource.id)
          if (op.bulkId) created.set(op.bulkId, rid)
          return { ...base, location: location(rid), version: etagOf(r.version), status: '201' }
        }
        case 'PUT': {
          const r = await handler.replace(sc, id!, data, projection, write, check)
          return { ...base, location: location(id!), version: etagOf(r.version), status: '200' }
        }
        case 'PATCH': {
          const r = await handler.patch(sc, id!, data, projection, write, check, false)
          return { ...base, location: location(id!), version: etagOf(r.version), status: '200' }
        }
        case 'DELETE':
          await handler.delete(sc, id!, write, check)
          return { ...base, location: location(id!), status: '204' }
      }
    } catch (err) {
      if (op.bulkId) failedBulkIds.add(op.bulkId)
      return { ...base, ...(id ? { location: `${sc.baseUrl}/${endpoint}/${id}` } : {}), ...errorResponse(err) }
    }
  }

  const fail = (p: (typeof pending)[number], detail: string) => {
    results[p.index] = { method: p.op.method, ...(p.op.bulkId ? { bulkId: p.op.bulkId } : {}), ...errorResponse(new ScimError(409, undefined, detail)) }
    if (p.op.bulkId) failedBulkIds.add(p.op.bulkId)
    errors++
  }
  const stop = () => failOnErrors !== undefined && errors >= failOnErrors
  // Take, each time, the first operation in request order that can run (every bulkId it names
  // exists) or can never run (one it names failed or is not in the request). An operation waiting
  // for a later POST thus runs right after that POST, as if the client had ordered them so. When
  // nothing qualifies, what is left waits on itself: a cycle.
  while (pending.length && !stop()) {
    const next = pending.find((p) => [...p.refs].every((r) => created.has(r) || failedBulkIds.has(r) || !operations.some((o) => o.bulkId === r)))
    if (!next) {
      for (const p of pending) fail(p, `operation ${p.index} is part of a circular bulkId reference`)
      break
    }
    pending = pending.filter((p) => p !== next)
    const missing = [...next.refs].filter((r) => !created.has(r))
    if (missing.length) {
      fail(next, `operation ${next.index} refers to bulkId ${missing.join(', ')}, which failed or does not exist`)
      continue
    }
    const at = `Operations[${next.index}]`
    const result = await sc.interpretation.within(at, () => run(next.op, at))
    results[next.index] = result
    if (Number(result.status) >= 400) errors++
  }

  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: results.filter((r): r is BulkResult => r !== undefined) }
}

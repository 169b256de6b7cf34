/**
 * The provisioning log's recorder (src/domain/provisioning/): after each authenticated SCIM
 * request, one entry — what was asked (method, path, body), what was answered (status, body, the
 * SCIM error), and what Roster made of it (the request's Interpretation notes). It goes to the
 * writer's buffer: the request never waits for the database, and a failure to record never fails
 * the request. Off for a tenant with `settings.provisioningLog === false`.
 *
 * Errors are rendered into SCIM bodies by the error handler above this, so a thrown error is
 * rendered here as the client will see it (the same `errorMessage`), then rethrown.
 */
import { performance } from 'node:perf_hooks'
import type { Context, Middleware } from 'koa'
import type { Tenant } from '../domain/tenancy/model.js'
import type { Actor } from '../domain/audit/model.js'
import { provisioningLogOn, type NewProvisioningEntry, type ProvisioningError } from '../domain/provisioning/model.js'
import { redactedPath, storedBody } from '../domain/provisioning/redaction.js'
import type { ProvisioningLogWriter } from '../domain/provisioning/writer.js'
import { describeError } from '../http/errors.js'
import { errorMessage } from './messages/error.js'
import type { Interpretation } from './interpretation.js'

export interface ProvisioningLogDeps {
  writer: ProvisioningLogWriter
  /** PROVISIONING_LOG_MAX_BODY: bytes kept of each body. */
  maxBodyBytes: number
  /** Where a failure to build an entry is reported (it never reaches the client). */
  log: { warn(fields: object, message: string): void }
}

/** Resource endpoints and the resource type each serves. */
const RESOURCE_TYPES: Record<string, string> = { users: 'User', groups: 'Group' }

/** Mounted after authentication: `ctx.state.tenant` is the request's tenant. */
export function provisioningLog(deps: ProvisioningLogDeps): Middleware {
  return async (ctx, next) => {
    const tenant = ctx.state.tenant as Tenant | undefined
    if (!tenant || !provisioningLogOn(tenant)) return next()
    const at = new Date()
    const started = performance.now()
    let thrown: { error: unknown } | undefined
    try {
      await next()
    } catch (error) {
      thrown = { error }
      throw error
    } finally {
      try {
        deps.writer.record(entryOf(ctx, tenant, at, performance.now() - started, thrown, deps.maxBodyBytes))
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, 'could not record a provisioning log entry')
      }
    }
  }
}

function entryOf(ctx: Context, tenant: Tenant, at: Date, ms: number, thrown: { error: unknown } | undefined, maxBodyBytes: number): NewProvisioningEntry {
  let status = ctx.status
  let response: unknown = ctx.body
  let error: ProvisioningError | null = null
  if (thrown) {
    const shape = describeError(thrown.error)
    status = shape.status
    response = errorMessage(shape)
  }
  if (status >= 400) {
    // A route that matched nothing leaves no body; the error handler answers it as below.
    response ??= errorMessage({ status, detail: `no such endpoint: ${ctx.method} ${ctx.path}` })
    const body = response as { scimType?: unknown; detail?: unknown }
    error = { scimType: typeof body.scimType === 'string' ? body.scimType : null, detail: typeof body.detail === 'string' ? body.detail : `status ${status}` }
  }
  const json = (v: unknown) => (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && typeof (v as { pipe?: unknown }).pipe !== 'function' ? v : null)
  const requestBody = json(ctx.state.requestBody)
  const responseBody = json(response)
  // The answer is serialised here once and handed to koa as text (it keeps the content type set),
  // instead of once for the log and again by koa.
  let responseText: string | undefined
  if (!thrown && responseBody !== null && responseBody === ctx.body) {
    responseText = JSON.stringify(responseBody)
    ctx.body = responseText
  }
  const actor = ctx.state.actor as Actor | undefined
  const resource = resourceOf(ctx.path, ctx.method, status, requestBody, responseBody)
  const notes = (ctx.state.scimInterpretation as Interpretation | undefined)?.notes ?? []
  return {
    tenantId: tenant.id,
    at,
    method: ctx.method,
    path: redactedPath(ctx.url),
    status,
    durationMs: Math.round(ms * 100) / 100,
    token: actor?.type === 'token' && actor.id ? { id: actor.id, label: actor.label } : null,
    requestId: (ctx.state.requestId as string | undefined) ?? null,
    ...resource,
    request: storedBody(requestBody, maxBodyBytes, requestBody === null ? undefined : (ctx.state.requestText as string | undefined)),
    response: storedBody(responseBody, maxBodyBytes, responseText),
    error,
    notes: [...notes],
  }
}

/**
 * The resource a request was about: by its path (`/Users/{id}`), or the one a POST created; its
 * name (userName, or a Group's displayName) from the answer, else from what was sent.
 */
function resourceOf(path: string, method: string, status: number, request: unknown, response: unknown): Pick<NewProvisioningEntry, 'resourceType' | 'resourceId' | 'resourceName'> {
  const m = /^\/scim\/v2\/(users|groups)(?:\/([^/]+))?\/?$/i.exec(path)
  const type = m ? RESOURCE_TYPES[m[1]!.toLowerCase()]! : null
  if (!type || m![2] === '.search') return { resourceType: null, resourceId: null, resourceName: null }
  const created = method === 'POST' && status === 201 ? field(response, 'id') : null
  let id = created
  if (m![2]) {
    try {
      id = decodeURIComponent(m![2])
    } catch {
      id = m![2]
    }
  }
  if (!id && method !== 'POST') return { resourceType: null, resourceId: null, resourceName: null }
  const nameOf = type === 'User' ? 'userName' : 'displayName'
  return { resourceType: type, resourceId: id, resourceName: field(response, nameOf) ?? (method === 'POST' || method === 'PUT' ? field(request, nameOf) : null) }
}

/** A string member of a JSON object, its name matched case-insensitively (as SCIM attribute names are). */
function field(body: unknown, name: string): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null
  const key = Object.keys(body).find((k) => k.toLowerCase() === name.toLowerCase())
  const v = key === undefined ? undefined : (body as Record<string, unknown>)[key]
  return typeof v === 'string' ? v.slice(0, 256) : null
}

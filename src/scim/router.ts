import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { User } from '../domain/identity/model.js'
import type { TokenCache, UsageRecorder } from '../domain/credentials/tokens.js'
import { bearerAuth } from './bearer.js'
import { routerMiddleware } from '../http/router.js'
import { loadTenantSchema, scimContext, readScimBody, writeContext, type ScimContext } from './context.js'
import { ScimError, badRequest } from './errors.js'
import { etagOf, ifMatch, notModified } from '../http/etag.js'
import { listResponse } from './messages/list-response.js'
import { parseListRequest, parseSearchRequest, type ListRequest } from './messages/search-request.js'
import { requestedProjection, type Projection } from './schema/projection.js'
import type { ResourceHandler, WireRecord } from './resource-type.js'
import { usersHandler } from './resources/users.js'
import { groupsHandler } from './resources/groups.js'
import { resourceTypeResource, schemaResource, serviceProviderConfig } from './discovery.js'
import { assertKnownToSome } from './filter/resolve.js'
import { valueFilterReader } from './filter/evaluate.js'
import { bulk } from './messages/bulk.js'
import { provisioningLog, type ProvisioningLogDeps } from './provisioning-log.js'
import { countOperations } from './metrics.js'
import { noMetrics, type ScimMetrics } from '../domain/kernel/metrics.js'

export const SCIM_PREFIX = '/scim/v2'

export interface ScimDeps {
  store: Store
  usage: UsageRecorder
  tokens?: TokenCache
  publicUrl: string
  bodyLimitBytes: number
  /** The browser session behind a request, if any: it may read /Me (RFC 7644 §3.11), nothing else. */
  session?: (ctx: Context) => Promise<{ tenant: Tenant; user: Pick<User, 'id' | 'userName'> } | null>
  /** Records every authenticated request in the tenant's provisioning log; absent: nothing is recorded. */
  provisioningLog?: ProvisioningLogDeps
  /** Counts operations by type, resource type and outcome (METRICS_PORT); absent: not counted. */
  metrics?: ScimMetrics
}

export const isScimPath = (path: string): boolean => path === SCIM_PREFIX || path.startsWith(`${SCIM_PREFIX}/`)

export const HANDLERS: readonly ResourceHandler[] = [usersHandler, groupsHandler]

function send(ctx: Context, status: number, body: unknown, etag?: number): void {
  ctx.status = status
  ctx.type = 'application/scim+json'
  ctx.body = body
  if (etag !== undefined) ctx.set('ETag', etagOf(etag))
}

function projectionOf(sc: ScimContext, type: 'User' | 'Group', source: Record<string, unknown>): Projection {
  const pick = (name: string) => {
    const key = Object.keys(source).find((k) => k.toLowerCase() === name.toLowerCase())
    const v = key === undefined ? undefined : source[key]
    return typeof v === 'string' || Array.isArray(v) ? (v as string | string[]) : undefined
  }
  // Most requests shape nothing (the default projection); the rest share one parsed per tenant schema and parameters.
  // Lenient mode reads value-filtered names (emails[type eq "work"]); strict mode refuses them.
  const lenient = sc.strict ? {} : { valueFilters: valueFilterReader(sc.registry, { lenient: true, notes: sc.interpretation }), notes: sc.interpretation }
  return requestedProjection(sc.registry, type, { attributes: pick('attributes'), excludedAttributes: pick('excludedAttributes') }, lenient)
}

const query = (ctx: Context) => ctx.query as Record<string, unknown>

/** Whether the client asked to shape the response (attributes / excludedAttributes). */
const asksForShape = (ctx: Context) => Object.keys(ctx.query).some((k) => /^(attributes|excludedattributes)$/i.test(k))

/**
 * The SCIM 2.0 service provider. Everything under the prefix is authenticated first, including
 * paths that match no endpoint: an anonymous caller learns nothing, not even which paths exist.
 */
export function scimService(deps: ScimDeps): Middleware {
  const baseUrl = `${deps.publicUrl}${SCIM_PREFIX}`
  const router = new Router({ prefix: SCIM_PREFIX })
  const contextDeps = { store: deps.store, baseUrl, bodyLimitBytes: deps.bodyLimitBytes }
  const sc = (ctx: Context) => scimContext(ctx, contextDeps)

  for (const handler of HANDLERS) {
    const base = `/${handler.endpoint}`
    const location = (id: string) => `${baseUrl}${base}/${id}`

    router.get(base, async (ctx) => {
      const s = sc(ctx)
      const request = parseListRequest(query(ctx), { strict: s.strict, notes: s.interpretation })
      await answerList(ctx, s, handler, request, projectionOf(s, handler.type, query(ctx)))
    })
    router.post(`${base}/.search`, async (ctx) => {
      const s = sc(ctx)
      const body = await readScimBody(ctx, s)
      const request = parseSearchRequest(body, { strict: s.strict, notes: s.interpretation })
      await answerList(ctx, s, handler, request, projectionOf(s, handler.type, body as Record<string, unknown>))
    })
    router.post(base, async (ctx) => {
      const s = sc(ctx)
      const created = await handler.create(s, await readScimBody(ctx, s), projectionOf(s, handler.type, query(ctx)), writeContext(s))
      ctx.set('Location', location(String(created.resource.id)))
      send(ctx, 201, created.resource, created.version)
    })
    router.get(`${base}/:id`, (ctx) => answerGet(ctx, sc(ctx), handler, ctx.params.id!))
    router.put(`${base}/:id`, async (ctx) => {
      const s = sc(ctx)
      const body = await readScimBody(ctx, s)
      const check = { ifVersion: ifMatch(ctx.get('If-Match') || undefined) }
      const replaced = await handler.replace(s, ctx.params.id!, body, projectionOf(s, handler.type, query(ctx)), writeContext(s), check)
      send(ctx, 200, replaced.resource, replaced.version)
    })
    router.patch(`${base}/:id`, async (ctx) => {
      const s = sc(ctx)
      const body = await readScimBody(ctx, s)
      const check = { ifVersion: ifMatch(ctx.get('If-Match') || undefined) }
      // Users come back whole (what IdPs expect); groups only on request, so that changing one
      // member of a huge group never reads its member list.
      const respond = handler.type === 'User' || asksForShape(ctx)
      const patched = await handler.patch(s, ctx.params.id!, body, projectionOf(s, handler.type, query(ctx)), writeContext(s), check, respond)
      if (patched.resource) send(ctx, 200, patched.resource, patched.version)
      else {
        ctx.status = 204
        ctx.set('ETag', etagOf(patched.version))
      }
    })
    router.delete(`${base}/:id`, async (ctx) => {
      const s = sc(ctx)
      await handler.delete(s, ctx.params.id!, writeContext(s), { ifVersion: ifMatch(ctx.get('If-Match') || undefined) })
      ctx.status = 204
    })
  }

  // RFC 7644 §3.4.3: a search across all resource types from the root.
  router.post('/.search', async (ctx) => {
    const s = sc(ctx)
    const body = await readScimBody(ctx, s)
    const request = parseSearchRequest(body, { strict: s.strict, notes: s.interpretation })
    await answerRootSearch(ctx, s, request, body as Record<string, unknown>)
  })

  router.post('/Bulk', async (ctx) => {
    const s = sc(ctx)
    const result = await bulk(s, ctx, HANDLERS)
    send(ctx, 200, result)
  })

  // RFC 7644 §3.11: /Me is the resource of the authenticated subject. A SCIM token belongs to a
  // tenant, not to a user, so there is no such resource: 501, as the RFC prescribes. A signed-in
  // browser session is a user: it reads its own User resource (changes go through the console or
  // the IdP, never through a cookie-authenticated SCIM write).
  router.all(['/Me', '/Me/*rest'], async (ctx) => {
    const me = (ctx.state as { me?: string }).me
    if (!me) throw new ScimError(501, undefined, 'the /Me alias needs a credential bound to a user; SCIM tokens are bound to a tenant')
    if (ctx.method !== 'GET' || ctx.path !== `${SCIM_PREFIX}/Me`) throw new ScimError(403, undefined, 'a browser session may only read /Me')
    await answerGet(ctx, sc(ctx), usersHandler, me)
  })

  router.get('/ServiceProviderConfig', (ctx) => send(ctx, 200, serviceProviderConfig(baseUrl, deps.bodyLimitBytes)))
  router.get('/ResourceTypes', (ctx) => {
    refuseFilter(ctx)
    const s = sc(ctx)
    const all = s.registry.resourceTypes.map((rt) => resourceTypeResource(rt, baseUrl))
    send(ctx, 200, listResponse({ resources: all, totalResults: all.length, page: { kind: 'index', startIndex: 1, count: all.length } }))
  })
  router.get('/ResourceTypes/:id', (ctx) => {
    const rt = sc(ctx).registry.resourceType(ctx.params.id!)
    if (!rt) throw new ScimError(404, undefined, `no resource type "${ctx.params.id}"`)
    send(ctx, 200, resourceTypeResource(rt, baseUrl))
  })
  router.get('/Schemas', (ctx) => {
    refuseFilter(ctx)
    const all = sc(ctx).registry.schemas.map((schema) => schemaResource(schema, baseUrl))
    send(ctx, 200, listResponse({ resources: all, totalResults: all.length, page: { kind: 'index', startIndex: 1, count: all.length } }))
  })
  router.get('/Schemas/:id', (ctx) => {
    const schema = sc(ctx).registry.get(ctx.params.id!)
    if (!schema) throw new ScimError(404, undefined, `no schema "${ctx.params.id}"`)
    send(ctx, 200, schemaResource(schema, baseUrl))
  })

  const bearer = bearerAuth(deps.store, deps.usage, deps.tokens)
  const auth: Middleware = async (ctx, next) => {
    if (deps.session && !ctx.get('Authorization') && /^\/scim\/v2\/Me(\/|$)/.test(ctx.path)) {
      const live = await deps.session(ctx)
      if (live) {
        ctx.state.tenant = live.tenant
        ctx.state.actor = { type: 'user', id: live.user.id, label: live.user.userName }
        ctx.state.me = live.user.id
        return next()
      }
    }
    return bearer(ctx, next)
  }
  const routes = routerMiddleware(router)
  // Inside authentication: only authenticated requests are logged, each in its tenant's log.
  const logged: Middleware = deps.provisioningLog ? provisioningLog(deps.provisioningLog) : (_ctx, next) => next()
  // Counted whether or not the tenant keeps a provisioning log.
  const counted = countOperations(deps.metrics ?? noMetrics.scim, SCIM_PREFIX)
  const recorded: Middleware = (ctx, next) => counted(ctx, () => logged(ctx, next))
  return async (ctx, next) => {
    // RFC 7644 §3.13: the version is in the path; a version we do not speak gets invalidVers.
    const version = /^\/scim\/(v\d+)(?:\/|$)/i.exec(ctx.path)?.[1]
    if (version && version !== 'v2') throw new ScimError(400, 'invalidVers', `SCIM protocol version ${version} is not supported; use ${baseUrl}`)
    if (!isScimPath(ctx.path)) return next()
    await auth(ctx, () =>
      recorded(ctx, async () => {
        await loadTenantSchema(ctx, deps.store)
        await routes(ctx, next)
        // The router answers 405 and 501 itself (with an Allow header, which stays); the body must be
        // a SCIM error like every other (RFC 7644 §3.12).
        if (ctx.status === 405) throw new ScimError(405, undefined, `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`)
        if (ctx.status === 501) throw new ScimError(501, undefined, `this server does not support the ${ctx.method} method`)
      }),
    )
  }
}

/** RFC 7644 §4: discovery endpoints do not filter; a filter gets 403. */
function refuseFilter(ctx: Context): void {
  if (Object.keys(ctx.query).some((k) => k.toLowerCase() === 'filter')) {
    throw new ScimError(403, undefined, 'filtering is not supported on discovery endpoints')
  }
}

async function answerGet(ctx: Context, sc: ScimContext, handler: ResourceHandler, id: string): Promise<void> {
  const found = await handler.get(sc, id, projectionOf(sc, handler.type, query(ctx)))
  if (notModified(ctx.get('If-None-Match') || undefined, found.version)) {
    ctx.status = 304
    ctx.set('ETag', etagOf(found.version))
    return
  }
  send(ctx, 200, found.resource, found.version)
}

async function answerList(ctx: Context, sc: ScimContext, handler: ResourceHandler, request: ListRequest, projection: Projection): Promise<void> {
  const result = await handler.list(sc, request, projection)
  send(
    ctx,
    200,
    listResponse({
      resources: result.records.map((r: WireRecord) => r.resource),
      totalResults: result.totalResults,
      page: result.page,
      nextCursor: result.nextCursor,
      previousCursor: result.previousCursor,
    }),
  )
}

/**
 * Root search: the filter applies to every resource type; results are Users then Groups. An
 * attribute one type lacks (`userName` for Groups) is unassigned for that type; only an attribute no
 * type has is an error. Index paging spans both lists; cursor paging and
 * sorting are per resource type, so they are refused here.
 */
async function answerRootSearch(ctx: Context, sc: ScimContext, request: ListRequest, body: Record<string, unknown>): Promise<void> {
  if (request.page.kind !== 'index') throw badRequest('invalidValue', 'cursor paging is not supported for searches across resource types; search /Users or /Groups')
  if (request.sortBy) throw badRequest('invalidValue', 'sortBy is not supported for searches across resource types')
  const { startIndex, count } = request.page
  const resources: unknown[] = []
  let total = 0
  let skip = startIndex - 1
  let remaining = count
  if (request.filter) assertKnownToSome(sc.registry, HANDLERS.map((h) => h.type), request.filter)
  const across: ListRequest = { ...request, acrossTypes: true }
  for (const handler of HANDLERS) {
    const projection = projectionOf(sc, handler.type, body)
    // First learn how many match, then read only the slice of this type that the page covers.
    const counted = await handler.list(sc, { ...across, page: { kind: 'index', startIndex: 1, count: 0 } }, projection)
    total += counted.totalResults
    if (remaining > 0 && skip < counted.totalResults) {
      const page = await handler.list(sc, { ...across, page: { kind: 'index', startIndex: skip + 1, count: remaining } }, projection)
      resources.push(...page.records.map((r) => r.resource))
      remaining -= page.records.length
      skip = 0
    } else {
      skip = Math.max(0, skip - counted.totalResults)
    }
  }
  send(ctx, 200, listResponse({ resources, totalResults: total, page: request.page }))
}

/**
 * SCIM operations for the metrics: which operation on which resource type a request was, read from
 * the route template it matched and its method — never from the path, whose ids and filters are
 * the clients'. Requests that match no endpoint are not operations (the HTTP metrics count them).
 */
import type { Context, Middleware } from 'koa'
import type { Outcome, ScimMetrics, ScimOperation } from '../domain/kernel/metrics.js'
import { describeError } from '../http/errors.js'

/** The endpoint (first segment after the prefix) → the resource type it serves. */
const RESOURCE_TYPES: Record<string, string> = {
  Users: 'User',
  Groups: 'Group',
  Me: 'User',
  Schemas: 'Schema',
  ResourceTypes: 'ResourceType',
  ServiceProviderConfig: 'ServiceProviderConfig',
  Bulk: 'Bulk',
  '.search': 'all',
}

/** `route`: the matched route template without the prefix, e.g. `/Users/:id`. */
export function scimOperationOf(method: string, route: string): { operation: ScimOperation; resourceType: string } | null {
  const [endpoint = '', rest] = route.replace(/^\//, '').split('/')
  const resourceType = RESOURCE_TYPES[endpoint]
  if (!resourceType) return null
  if (endpoint === 'Bulk') return { operation: 'bulk', resourceType }
  if (endpoint === '.search' || rest === '.search') return { operation: 'search', resourceType }
  // /Me and /ServiceProviderConfig name one resource without an id.
  const one = rest !== undefined || endpoint === 'Me' || endpoint === 'ServiceProviderConfig'
  switch (method) {
    case 'GET':
    case 'HEAD':
      return { operation: one ? 'get' : 'list', resourceType }
    case 'POST':
      return { operation: 'create', resourceType }
    case 'PUT':
      return { operation: 'replace', resourceType }
    case 'PATCH':
      return { operation: 'patch', resourceType }
    case 'DELETE':
      return { operation: 'delete', resourceType }
    default:
      return null
  }
}

const outcomeOf = (status: number): Outcome => (status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'success')

/** Counts each routed request once it is answered (errors as the client will see them). */
export function countOperations(metrics: ScimMetrics, prefix: string): Middleware {
  const record = (ctx: Context, status: number) => {
    const route = (ctx as { _matchedRoute?: unknown })._matchedRoute
    if (typeof route !== 'string' || !route.startsWith(prefix)) return
    const op = scimOperationOf(ctx.method, route.slice(prefix.length))
    if (op) metrics.operation(op.operation, op.resourceType, outcomeOf(status))
  }
  return async (ctx, next) => {
    try {
      await next()
    } catch (err) {
      record(ctx, describeError(err).status)
      throw err
    }
    record(ctx, ctx.status)
  }
}

import Router from '@koa/router'
import type { Middleware } from 'koa'
import type { Store } from '../store/port.js'
import type { UsageRecorder } from '../directory/tokens.js'
import { bearerAuth } from '../auth/bearer.js'

export const SCIM_PREFIX = '/scim/v2'

export interface ScimDeps {
  store: Store
  usage: UsageRecorder
}

export const isScimPath = (path: string): boolean => path === SCIM_PREFIX || path.startsWith(`${SCIM_PREFIX}/`)

/**
 * The SCIM 2.0 service provider. Everything under the prefix is authenticated first, including
 * paths that match no endpoint: an anonymous caller learns nothing, not even which paths exist.
 */
export function scimService(deps: ScimDeps): Middleware {
  const router = new Router({ prefix: SCIM_PREFIX })
  const auth = bearerAuth(deps.store, deps.usage)
  // The router's middleware types carry router-specific context; at run time they are koa middleware.
  const routes = router.routes() as unknown as Middleware
  const allowed = router.allowedMethods() as unknown as Middleware
  return async (ctx, next) => {
    if (!isScimPath(ctx.path)) return next()
    await auth(ctx, () => routes(ctx, () => allowed(ctx, next)))
  }
}

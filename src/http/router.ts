import type Router from '@koa/router'
import type { Middleware } from 'koa'

/** A router's routes and its 405/501 answers as one koa middleware (its types carry router-specific context). */
export function routerMiddleware(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware
  const allowed = router.allowedMethods() as unknown as Middleware
  return (ctx, next) => routes(ctx, () => allowed(ctx, next))
}

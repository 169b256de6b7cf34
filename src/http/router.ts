import type Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import { HttpError } from './errors.js'

/**
 * A router's routes and its 405/501 answers as one koa middleware (its types carry router-specific
 * context). A request target that cannot be decoded is refused before any route sees it.
 */
export function routerMiddleware(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware
  const allowed = router.allowedMethods() as unknown as Middleware
  return (ctx, next) => {
    requireDecodableTarget(ctx)
    return routes(ctx, () => allowed(ctx, next))
  }
}

/**
 * The router passes a malformed %-escape (`%E0%A4%A`) through undecoded and the query parser
 * decodes one leniently, so handlers would see other text than was sent; and NUL names nothing
 * Roster stores (PostgreSQL text cannot hold it). Both are the client's mistake: 400, naming where.
 */
function requireDecodableTarget(ctx: Context): void {
  for (const [part, raw] of [
    ['path', ctx.path],
    ['query string', ctx.querystring],
  ] as const) {
    let decoded: string
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      throw new HttpError(400, `the request ${part} is not valid percent-encoded UTF-8`, 'invalidSyntax')
    }
    if (decoded.includes('\u0000')) throw new HttpError(400, `the request ${part} contains a NUL character`, 'invalidSyntax')
  }
}

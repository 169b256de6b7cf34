import type { Middleware } from 'koa'

/**
 * Headers every response carries, whatever answers it (errors included, since they are set before
 * anything runs): browsers never sniff a JSON or text answer into HTML, no Roster page may be framed
 * (clickjacking of the console or a sign-in form), and no URL (tokens, ids in paths) leaks to
 * another site through Referer. Pages that need more set their own Content-Security-Policy over the
 * default here (the console, the sign-in pages); the default allows nothing, as an API answer needs.
 */
export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('X-Frame-Options', 'DENY')
    ctx.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
    ctx.set('Referrer-Policy', 'no-referrer')
    await next()
  }
}

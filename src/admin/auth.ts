import type { Context, Middleware } from 'koa'
import type { LiveSession } from '../directory/sessions.js'
import type { Operator } from '../directory/console-users.js'
import { HttpError } from '../http/errors.js'

/**
 * The admin API's caller: the signed-in person of the session cookie. (Personal access tokens, for
 * scripts, come next.) Without one: 401 in problem JSON.
 */
export function operatorAuth(session: (ctx: Context) => Promise<LiveSession | null>): Middleware {
  return async (ctx, next) => {
    // A cookie rides along on requests other sites make; an HTML form cannot send JSON, and a
    // script on another origin cannot without our CORS consent. So cookie-authenticated changes
    // must come as JSON.
    // (The header itself: koa's ctx.is() answers null for a request without a body.)
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !/^application\/json\s*(;|$)/i.test(ctx.get('Content-Type'))) {
      throw new HttpError(415, 'send changes as application/json (an empty object {} where there is nothing to send)')
    }
    const live = await session(ctx)
    if (!live) throw new HttpError(401, 'sign in first: no session (sign in at /login/<tenant>)')
    const operator: Operator = { tenant: live.tenant, user: live.user, requestId: (ctx.state.requestId as string | undefined) ?? null }
    ctx.state.operator = operator
    ctx.state.liveSession = live
    await next()
  }
}

export const operatorOf = (ctx: Context): Operator => ctx.state.operator as Operator

export const liveSessionOf = (ctx: Context): LiveSession => ctx.state.liveSession as LiveSession

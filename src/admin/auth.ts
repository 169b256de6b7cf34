import type { Context, Middleware } from 'koa'
import type { Clock, LiveSession } from '../domain/sign-in/sessions.js'
import type { Operator } from '../domain/access/operator.js'
import { HttpError } from '../http/errors.js'
import { hasNoBody } from './body.js'
import type { Store } from '../domain/store.js'
import { UnauthenticatedError } from '../domain/kernel/errors.js'
import { verifyPersonalToken } from '../domain/credentials/personal-tokens.js'
import { verifyApiPassword } from '../domain/credentials/api-credentials.js'
import type { LockoutPolicy } from '../domain/sign-in/lockout.js'

/**
 * The admin API's caller: an API password (HTTP Basic), a personal access token (`Authorization:
 * Bearer rpt_…`, for scripts) or the signed-in person of the session cookie. Without one: 401 in
 * problem JSON.
 */
export function operatorAuth(store: Store, session: (ctx: Context) => Promise<LiveSession | null>, clock: Clock, lockout: LockoutPolicy): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization')
    const basic = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
    if (basic) {
      // An API password, for clients that cannot send bearer tokens: `<tenant>/<userName>:<password>`.
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const refuse = (detail: string) => new HttpError(401, detail, undefined, { 'WWW-Authenticate': 'Basic realm="roster-admin", charset="UTF-8"' })
      if (colon < 0) throw refuse('malformed Basic credentials')
      let auth
      try {
        auth = await verifyApiPassword(store, decoded.slice(0, colon), decoded.slice(colon + 1), { policy: lockout, clock, clientAddress: ctx.ip })
      } catch (err) {
        if (err instanceof UnauthenticatedError) throw refuse(err.message)
        throw err
      }
      ctx.state.operator = {
        tenant: auth.tenant,
        user: auth.user,
        requestId: (ctx.state.requestId as string | undefined) ?? null,
        credential: { type: 'api-password', setBy: auth.setBy },
      } satisfies Operator
      return next()
    }
    if (header) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
      const challenge = (detail: string) => new HttpError(401, detail, undefined, { 'WWW-Authenticate': 'Bearer realm="roster-admin", error="invalid_token"' })
      if (!m) throw challenge('malformed Authorization header: expected Bearer <personal access token>')
      let auth
      try {
        auth = await verifyPersonalToken(store, m[1]!, clock.now())
      } catch (err) {
        if (err instanceof UnauthenticatedError) throw challenge(err.message)
        throw err
      }
      ctx.state.operator = {
        tenant: auth.tenant,
        user: auth.user,
        requestId: (ctx.state.requestId as string | undefined) ?? null,
        scope: auth.scope,
        credential: { type: 'personal-token', id: auth.token.id, name: auth.token.name, issuedBy: auth.token.issuedBy },
      } satisfies Operator
      return next()
    }
    // A cookie rides along on requests other sites make; an HTML form cannot send JSON, and a
    // script on another origin cannot without our CORS consent. So cookie-authenticated changes
    // must come as JSON.
    // (The header itself: koa's ctx.is() answers null for a request without a body.) A change with
    // no body at all (an action, a DELETE) is taken too, unless the browser says another origin
    // sent it: a cross-origin fetch may send a bodiless POST without asking (a "simple request").
    const json = /^application\/json\s*(;|$)/i.test(ctx.get('Content-Type'))
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && !json && !(hasNoBody(ctx) && !fromAnotherOrigin(ctx))) {
      throw new HttpError(415, 'send changes as application/json, or with no body at all where there is nothing to send')
    }
    const live = await session(ctx)
    if (!live) throw new HttpError(401, 'sign in first: no session (sign in at /login/<tenant>)')
    const operator: Operator = { tenant: live.tenant, user: live.user, requestId: (ctx.state.requestId as string | undefined) ?? null, reach: live.reach, credential: { type: 'session' } }
    ctx.state.operator = operator
    ctx.state.liveSession = live
    await next()
  }
}

/**
 * Whether the browser says the request comes from a page of another origin: Sec-Fetch-Site (every
 * current browser), else Origin against our Host. Clients that are no browser send neither.
 */
function fromAnotherOrigin(ctx: Context): boolean {
  const site = ctx.get('Sec-Fetch-Site')
  if (site) return site !== 'same-origin' && site !== 'none'
  const origin = ctx.get('Origin')
  if (!origin) return false
  try {
    return new URL(origin).host !== ctx.get('Host')
  } catch {
    return true // "null" (a sandboxed page, a redirect across origins) or garbage
  }
}

export const operatorOf = (ctx: Context): Operator => ctx.state.operator as Operator

export const liveSessionOf = (ctx: Context): LiveSession | undefined => ctx.state.liveSession as LiveSession | undefined

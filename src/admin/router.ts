import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import type { Clock, LiveSession } from '../domain/sign-in/sessions.js'
import type { LockoutPolicy } from '../domain/sign-in/lockout.js'
import { routerMiddleware } from '../http/router.js'
import { HttpError } from '../http/errors.js'
import { operatorAuth, operatorOf } from './auth.js'
import type { RequestState } from '../http/request-context.js'
import { openApiDocument } from './openapi.js'
import { usersApi, type AdminDeps } from './users-api.js'
import { meApi } from './me-api.js'
import { tokensApi } from './tokens-api.js'
import { auditApi } from './audit-api.js'
import { groupsApi } from './groups-api.js'
import { rolesApi } from './roles-api.js'
import { settingsApi, type SettingsDeps } from './settings-api.js'
import { credentialsApi } from './credentials-api.js'
import { attributesApi } from './attributes-api.js'
import { provisioningApi } from './provisioning-api.js'

export const API_PREFIX = '/api'

/** The routers of /api, apart so that a test can compare their routes with the OpenAPI document. */
export function adminRouters(deps: AdminDeps & SettingsDeps & { idleMs: number; session?: (ctx: Context) => Promise<LiveSession | null> }): { open: Router; authenticated: Router } {
  const open = new Router({ prefix: API_PREFIX })
  open.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument
  })
  // Whether the browser has a live session, asked by the console before GET /me: "not signed in"
  // is an answer here, not an error (a 401 would be logged in the browser's console at every visit
  // of the sign-in screen). /me keeps its 401 for scripts, whose missing credential is an error.
  open.get('/session', async (ctx) => {
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { signedIn: Boolean(await deps.session?.(ctx)) }
  })
  const authenticated = new Router({ prefix: API_PREFIX })
  meApi(authenticated, deps)
  usersApi(authenticated, deps)
  tokensApi(authenticated, deps)
  auditApi(authenticated, deps)
  groupsApi(authenticated, deps)
  rolesApi(authenticated, deps)
  settingsApi(authenticated, deps)
  credentialsApi(authenticated, deps)
  attributesApi(authenticated, deps)
  provisioningApi(authenticated, deps)
  return { open, authenticated }
}

/** The admin JSON API under /api (errors are problem JSON, as everywhere outside /scim). */
export function adminApi(deps: AdminDeps & SettingsDeps & { idleMs: number; clock: Clock; lockout: LockoutPolicy; session: (ctx: Context) => Promise<LiveSession | null> }): Middleware {
  const { open, authenticated } = adminRouters(deps)
  const openRoutes = routerMiddleware(open)
  const routes = routerMiddleware(authenticated)
  const auth = operatorAuth(deps.store, deps.session, deps.clock, deps.lockout)
  return async (ctx, next) => {
    if (ctx.path !== API_PREFIX && !ctx.path.startsWith(`${API_PREFIX}/`)) return next()
    await openRoutes(ctx, () =>
      auth(ctx, () => {
        // Whose work this is: database admission is fair per tenant (src/store/postgres/tenant-admission.ts).
        const log = (ctx.state as Partial<RequestState>).log
        if (log) log.tenantId = operatorOf(ctx).tenant.id
        return routes(ctx, next)
      }),
    )
    // The router answers 405, and 501 for a method it does not know at all, with an Allow header
    // (which stays) but no body: problem JSON like every other refusal, and 4xx since the request
    // is at fault.
    if ((ctx.status === 405 || ctx.status === 501) && ctx.body == null) {
      throw new HttpError(405, `${ctx.method} is not allowed here; allowed: ${ctx.response.get('Allow')}`)
    }
  }
}

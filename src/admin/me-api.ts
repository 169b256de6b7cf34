import type Router from '@koa/router'
import { effectiveAccess } from '../directory/roles.js'
import { liveSessionOf, operatorOf } from './auth.js'
import { roleJson, userJson } from './representation.js'
import type { AdminDeps } from './users-api.js'

/** GET /api/me: the caller, its tenant, roles and permissions, and its session (null with a token). */
export function meApi(router: Router, deps: AdminDeps & { idleMs: number }): void {
  router.get('/me', async (ctx) => {
    const { user, tenant, scope } = operatorOf(ctx)
    const session = liveSessionOf(ctx)?.session
    const access = await effectiveAccess(deps.store, tenant.id, user.id)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = {
      ...userJson(user, tenant),
      tenant: { id: tenant.id, slug: tenant.slug, displayName: tenant.displayName, source: tenant.source },
      roles: access.roles.map((r) => ({ ...roleJson(r.role), via: r.via })),
      // What this request may do: with a narrower token, fewer than the roles give.
      permissions: scope ? access.permissions.filter((p) => scope.includes(p)) : access.permissions,
      session: session
        ? {
            method: session.method,
            signedInAt: session.created.toISOString(),
            expiresAt: new Date(Math.min(session.expires.getTime(), session.lastSeen.getTime() + deps.idleMs)).toISOString(),
          }
        : null,
    }
  })
}

import type Router from '@koa/router'
import { effectiveAccess } from '../directory/roles.js'
import { liveSessionOf } from './auth.js'
import { roleJson, userJson } from './representation.js'
import type { AdminDeps } from './users-api.js'

/** GET /api/me: the signed-in user, its tenant, roles and permissions, and its session. */
export function meApi(router: Router, deps: AdminDeps & { idleMs: number }): void {
  router.get('/me', async (ctx) => {
    const { user, tenant, session } = liveSessionOf(ctx)
    const access = await effectiveAccess(deps.store, tenant.id, user.id)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = {
      ...userJson(user, tenant),
      tenant: { id: tenant.id, slug: tenant.slug, displayName: tenant.displayName, source: tenant.source },
      roles: access.roles.map((r) => ({ ...roleJson(r.role), via: r.via })),
      permissions: access.permissions,
      session: {
        method: session.method,
        signedInAt: session.created.toISOString(),
        expiresAt: new Date(Math.min(session.expires.getTime(), session.lastSeen.getTime() + deps.idleMs)).toISOString(),
      },
    }
  })
}

import type Router from '@koa/router'
import { PERMISSIONS, PERMISSION_CATALOGUE } from '../domain/access/model.js'
import { heldPermissions, operatorAccess } from '../domain/access/operator.js'
import { getDirectoryConnection } from '../domain/directory-sync/connection.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { Store } from '../domain/store.js'
import { liveSessionOf, operatorOf } from './auth.js'
import { roleJson, userJson } from './representation.js'
import type { AdminDeps } from './users-api.js'

/** Where a managed tenant's people are changed, by name: what the console says beside them. */
async function sourceName(store: Store, tenant: Tenant): Promise<string> {
  if (tenant.source === 'scim') return 'your identity provider'
  if (tenant.source === 'local') return 'Roster'
  const connection = await getDirectoryConnection(store, tenant.id)
  return connection?.settings.preset === 'ad' ? 'Active Directory' : 'the LDAP directory'
}

/** Every permission, in the domain's order, with what it lets its holder do. */
const permissionCatalogue = PERMISSIONS.map((name) => ({ name, ...PERMISSION_CATALOGUE[name] }))

/**
 * GET /api/me: the caller, its tenant, roles and permissions, the catalogue of permissions (so the
 * console names them without a copy of its own), and its session (null with a token).
 */
export function meApi(router: Router, deps: AdminDeps & { idleMs: number }): void {
  router.get('/me', async (ctx) => {
    const op = operatorOf(ctx)
    const { user, tenant } = op
    const session = liveSessionOf(ctx)?.session
    const [access, source] = await Promise.all([operatorAccess(deps.store, op), sourceName(deps.store, tenant)])
    ctx.set('Cache-Control', 'no-store')
    ctx.body = {
      ...userJson(user, tenant),
      tenant: { id: tenant.id, slug: tenant.slug, displayName: tenant.displayName, source: tenant.source, sourceName: source },
      roles: access.roles.map((r) => ({ ...roleJson(r.role), via: r.via })),
      // What this request may do: with a narrower token, fewer than the roles give.
      permissions: heldPermissions(op, access),
      permissionCatalogue,
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

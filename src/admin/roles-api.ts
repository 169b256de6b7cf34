import type Router from '@koa/router'
import type { Context } from 'koa'
import { listRoles } from '../domain/access/roles.js'
import { changeUserRoleAs, createRoleAs, deleteRoleAs, updateRoleAs } from '../domain/administration/roles.js'
import { jsonBody } from './body.js'
import { operatorOf } from './auth.js'
import { roleJson } from './representation.js'
import { NewRoleBody, RoleEditBody, RoleRefBody } from './schemas.js'
import type { AdminDeps } from './users-api.js'
import { validated } from './validate.js'

/** /api/roles and /api/users/{id}/roles: define roles, give them to users (groups: groups-api.ts). */
export function rolesApi(router: Router, deps: AdminDeps): void {
  const body = (ctx: Context) => jsonBody(ctx, deps.bodyLimitBytes)

  router.get('/roles', async (ctx) => {
    ctx.body = { items: (await listRoles(deps.store, operatorOf(ctx).tenant.id)).map(roleJson) }
  })

  router.post('/roles', async (ctx) => {
    const input = validated<{ name: string; description?: string; permissions: string[] }>(NewRoleBody, await body(ctx))
    const role = await createRoleAs(deps.store, operatorOf(ctx), input)
    ctx.status = 201
    ctx.body = roleJson(role)
  })

  router.patch('/roles/:id', async (ctx) => {
    const changes = validated<{ name?: string; description?: string; permissions?: string[] }>(RoleEditBody, await body(ctx))
    ctx.body = roleJson(await updateRoleAs(deps.store, operatorOf(ctx), ctx.params.id!, changes))
  })

  router.delete('/roles/:id', async (ctx) => {
    await deleteRoleAs(deps.store, operatorOf(ctx), ctx.params.id!)
    ctx.status = 204
  })

  router.post('/users/:id/roles', async (ctx) => {
    const { role } = validated<{ role: string }>(RoleRefBody, await body(ctx))
    await changeUserRoleAs(deps.store, operatorOf(ctx), ctx.params.id!, role, 'assign')
    ctx.status = 204
  })

  router.delete('/users/:id/roles/:role', async (ctx) => {
    await changeUserRoleAs(deps.store, operatorOf(ctx), ctx.params.id!, ctx.params.role!, 'unassign')
    ctx.status = 204
  })
}

import type Router from '@koa/router'
import type { Context } from 'koa'
import type { Store } from '../domain/store.js'
import { createUserAs, deleteUserAs, editUserAs, getUserAs, listUsersAs, changeStatusAs, type NewPerson, type PersonEdit } from '../domain/administration/users.js'
import { tenantAttributes } from '../domain/identity/custom-attributes.js'
import { managerOfUser } from '../domain/identity/users.js'
import { jsonBody } from './body.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { lacking } from '../domain/access/operator.js'
import { allowedOnUser } from '../domain/administration/allowed.js'
import { etagOf, ifMatch, notModified } from '../http/etag.js'
import { operatorOf } from './auth.js'
import { roleJson, userJson } from './representation.js'
import { NewUserBody, UserEditBody, UserListParams } from './schemas.js'
import { validated, validatedQuery } from './validate.js'

export interface AdminDeps {
  store: Store
  bodyLimitBytes: number
}

const body = (ctx: Context, deps: AdminDeps) => jsonBody(ctx, deps.bodyLimitBytes)
const versionCheck = (ctx: Context) => ifMatch(ctx.get('If-Match') || undefined)

function listParams(ctx: Context) {
  type Sort = (typeof UserListParams.properties.sort.enum)[number]
  return validatedQuery<{ view: 'active' | 'inactive' | 'archived'; q?: string; sort: Sort; order: 'asc' | 'desc'; cursor?: string; from?: string; last?: 'true' | 'false'; limit: number }>(UserListParams, ctx.query)
}

/** /api/users: the console's user list and user administration. */
export function usersApi(router: Router, deps: AdminDeps): void {
  // Custom attribute values are shown for the tenant's definitions (cached, like SCIM's).
  const definitions = (ctx: Context) => tenantAttributes(deps.store, operatorOf(ctx).tenant.id)

  router.get('/users', async (ctx) => {
    const op = operatorOf(ctx)
    const p = listParams(ctx)
    const page = await listUsersAs(deps.store, op, { view: p.view, search: p.q, sort: p.sort, order: p.order, after: p.cursor ?? null, from: p.from ?? null, last: p.last === 'true', limit: p.limit })
    const defs = await definitions(ctx)
    ctx.body = {
      items: page.items.map((u) => ({ ...userJson(u, op.tenant, defs), lastSignIn: u.lastSignIn?.toISOString() ?? null })),
      total: page.total,
      totalExact: page.totalExact,
      next: page.next,
      previous: page.previous ?? null,
    }
  })

  router.post('/users', async (ctx) => {
    const op = operatorOf(ctx)
    const input = validated<Omit<NewPerson, 'phone' | 'externalId' | 'password'> & { phone?: string | null; externalId?: string | null; password?: string | null }>(NewUserBody, await body(ctx, deps))
    const password = input.password === undefined ? 'generate' : input.password
    const { user, generatedPassword } = await createUserAs(deps.store, op, { ...input, phone: input.phone ?? null, externalId: input.externalId ?? null, password })
    ctx.status = 201
    ctx.set('Location', `/api/users/${user.id}`)
    ctx.set('ETag', etagOf(user.version))
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { ...userJson(user, op.tenant, await definitions(ctx)), ...(generatedPassword ? { generatedPassword } : {}) }
  })

  router.get('/users/:id', async (ctx) => {
    const op = operatorOf(ctx)
    const detail = await getUserAs(deps.store, op, ctx.params.id!)
    if (notModified(ctx.get('If-None-Match') || undefined, detail.user.version)) {
      ctx.status = 304
      return
    }
    ctx.set('ETag', etagOf(detail.user.version))
    ctx.body = {
      ...userJson(detail.user, op.tenant, await definitions(ctx)),
      roles: detail.access.roles.map((r) => ({ ...roleJson(r.role), via: r.via })),
      permissions: detail.access.permissions,
      ownedGroups: detail.ownedGroups,
      ownedServiceAccounts: detail.ownedServiceAccounts,
      serviceAccount: detail.serviceAccount,
      apiAccess: detail.apiAccess,
      hasApiPassword: detail.hasApiPassword,
      // A user of the tenant, or a reference an IdP sent that names no user yet (kept as sent).
      manager: await managerOfUser(deps.store, detail.user),
      allowed: await allowedOnUser(deps.store, op, detail.user.id),
      // What this user holds and the operator does not: why a change is refused when it is (rank).
      permissionsBeyondYours: await lacking(deps.store, op, detail.access.permissions),
    }
  })

  router.patch('/users/:id', async (ctx) => {
    const op = operatorOf(ctx)
    const fields = validated<PersonEdit>(UserEditBody, await body(ctx, deps))
    const user = await editUserAs(deps.store, op, ctx.params.id!, fields, versionCheck(ctx))
    ctx.set('ETag', etagOf(user.version))
    ctx.body = userJson(user, op.tenant, await definitions(ctx))
  })

  for (const change of ['activate', 'deactivate', 'archive', 'restore'] as const) {
    router.post(`/users/:id/${change}`, async (ctx) => {
      const op = operatorOf(ctx)
      const user = await changeStatusAs(deps.store, op, ctx.params.id!, change, versionCheck(ctx))
      ctx.set('ETag', etagOf(user.version))
      ctx.body = userJson(user, op.tenant, await definitions(ctx))
    })
  }

  router.delete('/users/:id', async (ctx) => {
    const replacement = ctx.query.replacementOwnerId
    if (replacement !== undefined && typeof replacement !== 'string') throw new ValidationError('replacementOwnerId is given once', 'replacementOwnerId')
    await deleteUserAs(deps.store, operatorOf(ctx), ctx.params.id!, { ifVersion: versionCheck(ctx), replacementOwnerId: replacement ?? null })
    ctx.status = 204
  })
}

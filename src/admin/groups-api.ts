import type Router from '@koa/router'
import type { Context } from 'koa'
import type { Group, MemberType } from '../domain/identity/model.js'
import { changeGroupMembersAs, createGroupAs, deleteGroupAs, getGroupAs, groupMembersAs, listGroupsAs, updateGroupAs } from '../domain/administration/groups.js'
import { changeGroupRoleAs } from '../domain/administration/roles.js'
import { jsonBody } from './body.js'
import { etagOf, ifMatch } from '../http/etag.js'
import { operatorOf } from './auth.js'
import { allowedOnGroup } from '../domain/administration/allowed.js'
import { managedBy } from './representation.js'
import { GroupEditBody, MembersChangeBody, NewGroupBody, PageParams, RoleRefBody } from './schemas.js'
import type { AdminDeps } from './users-api.js'
import { validated, validatedQuery } from './validate.js'

const groupJson = (g: Group, extra: Record<string, unknown>, ctx: Context) => ({
  id: g.id,
  displayName: g.displayName,
  origin: g.origin,
  managedBy: managedBy(operatorOf(ctx).tenant),
  version: g.version,
  created: g.created.toISOString(),
  modified: g.modified.toISOString(),
  ...extra,
})

function pageParams(ctx: Context) {
  const p = validatedQuery<{ q?: string; cursor?: string; limit: number }>(PageParams, ctx.query)
  return { search: p.q, after: p.cursor ?? null, limit: p.limit }
}

/** /api/groups: the console's groups — list, create, rename, owner, members, roles. */
export function groupsApi(router: Router, deps: AdminDeps): void {
  const body = (ctx: Context) => jsonBody(ctx, deps.bodyLimitBytes)

  router.get('/groups', async (ctx) => {
    const page = await listGroupsAs(deps.store, operatorOf(ctx), pageParams(ctx))
    ctx.body = { items: page.items.map((g) => groupJson(g, { ownerId: g.owner?.id ?? null, owner: g.owner, memberCount: g.memberCount, roles: g.roles }, ctx)), next: page.next }
  })

  router.post('/groups', async (ctx) => {
    const input = validated<{ displayName: string; ownerId?: string | null }>(NewGroupBody, await body(ctx))
    const group = await createGroupAs(deps.store, operatorOf(ctx), { displayName: input.displayName, ownerId: input.ownerId ?? null })
    ctx.status = 201
    ctx.set('Location', `/api/groups/${group.id}`)
    ctx.set('ETag', etagOf(group.version))
    ctx.body = groupJson(group, { ownerId: input.ownerId ?? null, memberCount: 0, roles: [] }, ctx)
  })

  router.get('/groups/:id', async (ctx) => {
    const d = await getGroupAs(deps.store, operatorOf(ctx), ctx.params.id!)
    ctx.set('ETag', etagOf(d.group.version))
    ctx.body = groupJson(d.group, { ownerId: d.ownerId, owner: d.owner, memberCount: d.memberCount, roles: d.roles, allowed: await allowedOnGroup(deps.store, operatorOf(ctx)) }, ctx)
  })

  router.patch('/groups/:id', async (ctx) => {
    const input = validated<{ displayName?: string; ownerId?: string | null }>(GroupEditBody, await body(ctx))
    const group = await updateGroupAs(deps.store, operatorOf(ctx), ctx.params.id!, input, ifMatch(ctx.get('If-Match') || undefined))
    const d = await getGroupAs(deps.store, operatorOf(ctx), group.id)
    ctx.set('ETag', etagOf(d.group.version))
    ctx.body = groupJson(d.group, { ownerId: d.ownerId, owner: d.owner, memberCount: d.memberCount, roles: d.roles, allowed: await allowedOnGroup(deps.store, operatorOf(ctx)) }, ctx)
  })

  router.delete('/groups/:id', async (ctx) => {
    await deleteGroupAs(deps.store, operatorOf(ctx), ctx.params.id!, ifMatch(ctx.get('If-Match') || undefined))
    ctx.status = 204
  })

  router.get('/groups/:id/members', async (ctx) => {
    const page = await groupMembersAs(deps.store, operatorOf(ctx), ctx.params.id!, pageParams(ctx))
    ctx.body = page
  })

  router.post('/groups/:id/members', async (ctx) => {
    const change = validated<{ add: Array<{ id: string; type: MemberType }>; remove: string[] }>(MembersChangeBody, await body(ctx))
    await changeGroupMembersAs(deps.store, operatorOf(ctx), ctx.params.id!, change)
    ctx.status = 204
  })

  for (const change of ['assign', 'unassign'] as const) {
    const handler = async (ctx: Context) => {
      const role = change === 'assign' ? validated<{ role: string }>(RoleRefBody, await body(ctx)).role : ctx.params.role!
      await changeGroupRoleAs(deps.store, operatorOf(ctx), ctx.params.id!, role, change)
      ctx.status = 204
    }
    if (change === 'assign') router.post('/groups/:id/roles', handler)
    else router.delete('/groups/:id/roles/:role', handler)
  }
}

import type Router from '@koa/router'
import type { Context } from 'koa'
import { createServiceAccountAs, listServiceAccountsAs, setApiAccessAs, setApiPasswordAs } from '../domain/credentials/api-credentials.js'
import { issuePersonalToken, listPersonalTokens, regeneratePersonalToken, revokePersonalToken } from '../domain/credentials/personal-tokens.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { jsonBody } from './body.js'
import { operatorOf } from './auth.js'
import { userJson } from './representation.js'
import { ApiAccessBody, ApiPasswordBody, NewServiceAccountBody, NewTokenBody } from './schemas.js'
import { tokenJson } from './tokens-api.js'
import type { AdminDeps } from './users-api.js'
import { validated } from './validate.js'

/**
 * Credentials of any user (credentials.manage; your own need nothing more): the API switch, the API
 * password, personal access tokens; and service accounts.
 */
export function credentialsApi(router: Router, deps: AdminDeps): void {
  const body = (ctx: Context) => jsonBody(ctx, deps.bodyLimitBytes)

  router.put('/users/:id/api-access', async (ctx) => {
    const { enabled } = validated<{ enabled: boolean }>(ApiAccessBody, await body(ctx))
    await setApiAccessAs(deps.store, operatorOf(ctx), ctx.params.id!, enabled)
    ctx.status = 204
  })

  router.put('/users/:id/api-password', async (ctx) => {
    const { password } = validated<{ password: string | null }>(ApiPasswordBody, await body(ctx))
    const generated = await setApiPasswordAs(deps.store, operatorOf(ctx), ctx.params.id!, password)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { set: password !== null, ...(generated ? { generatedPassword: generated } : {}) }
  })

  router.get('/users/:id/tokens', async (ctx) => {
    ctx.body = { items: (await listPersonalTokens(deps.store, operatorOf(ctx), ctx.params.id!)).map(tokenJson) }
  })

  router.post('/users/:id/tokens', async (ctx) => {
    const input = validated<{ name: string; expires?: string | null; permissions?: string[] | null }>(NewTokenBody, await body(ctx))
    const expires = input.expires ? new Date(input.expires) : null
    if (expires && Number.isNaN(expires.getTime())) throw new ValidationError('expires must be a date-time', 'expires')
    const { token, secret } = await issuePersonalToken(deps.store, operatorOf(ctx), ctx.params.id!, { name: input.name, expires, permissions: input.permissions ?? null })
    ctx.status = 201
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { ...tokenJson(token), secret }
  })

  router.post('/users/:id/tokens/:tokenId/regenerate', async (ctx) => {
    const { token, secret } = await regeneratePersonalToken(deps.store, operatorOf(ctx), ctx.params.id!, ctx.params.tokenId!)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = { ...tokenJson(token), secret }
  })

  router.delete('/users/:id/tokens/:tokenId', async (ctx) => {
    await revokePersonalToken(deps.store, operatorOf(ctx), ctx.params.id!, ctx.params.tokenId!)
    ctx.status = 204
  })

  router.get('/service-accounts', async (ctx) => {
    const op = operatorOf(ctx)
    const accounts = await listServiceAccountsAs(deps.store, op)
    ctx.body = {
      items: accounts.map((a) => ({
        ...userJson(a.user, op.tenant),
        ownerId: a.owner.id,
        owner: a.owner,
        description: a.description,
        roles: a.roles,
        apiAccess: a.apiAccess,
        tokenCount: a.tokenCount,
        lastUsed: a.lastUsed?.toISOString() ?? null,
      })),
    }
  })

  router.post('/service-accounts', async (ctx) => {
    const op = operatorOf(ctx)
    const input = validated<{ name: string; description: string; ownerId?: string | null; roles: string[] }>(NewServiceAccountBody, await body(ctx))
    const user = await createServiceAccountAs(deps.store, op, { ...input, ownerId: input.ownerId ?? null })
    ctx.status = 201
    ctx.set('Location', `/api/users/${user.id}`)
    ctx.body = { ...userJson(user, op.tenant), ownerId: input.ownerId ?? op.user.id, description: input.description }
  })
}

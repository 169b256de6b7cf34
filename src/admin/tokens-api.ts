import type Router from '@koa/router'
import type { Context } from 'koa'
import type { PersonalToken } from '../domain/access/model.js'
import { issuePersonalToken, listPersonalTokens, regeneratePersonalToken, revokePersonalToken } from '../domain/credentials/personal-tokens.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { jsonBody } from './body.js'
import { operatorOf } from './auth.js'
import { NewTokenBody } from './schemas.js'
import type { AdminDeps } from './users-api.js'
import { validated } from './validate.js'

const iso = (d: Date | null) => d?.toISOString() ?? null

export const tokenJson = (t: PersonalToken) => ({ id: t.id, name: t.name, permissions: t.permissions, issuedBy: t.issuedBy, expires: iso(t.expires), created: t.created.toISOString(), lastUsed: iso(t.lastUsed), revoked: iso(t.revoked) })

function noStore(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store')
}

/** /api/me/tokens: the caller's personal access tokens (the secret only in the answer that makes it). */
export function tokensApi(router: Router, deps: AdminDeps): void {
  router.get('/me/tokens', async (ctx) => {
    const op = operatorOf(ctx)
    ctx.body = { items: (await listPersonalTokens(deps.store, op, op.user.id)).map(tokenJson) }
  })

  router.post('/me/tokens', async (ctx) => {
    const op = operatorOf(ctx)
    const input = validated<{ name: string; expires?: string | null; permissions?: string[] | null }>(NewTokenBody, await jsonBody(ctx, deps.bodyLimitBytes))
    const expires = input.expires ? new Date(input.expires) : null
    if (expires && Number.isNaN(expires.getTime())) throw new ValidationError('expires must be a date-time such as 2027-01-31T00:00:00Z', 'expires')
    const { token, secret } = await issuePersonalToken(deps.store, op, op.user.id, { name: input.name, expires, permissions: input.permissions ?? null })
    ctx.status = 201
    noStore(ctx)
    ctx.body = { ...tokenJson(token), secret }
  })

  router.post('/me/tokens/:id/regenerate', async (ctx) => {
    const op = operatorOf(ctx)
    const { token, secret } = await regeneratePersonalToken(deps.store, op, op.user.id, ctx.params.id!)
    noStore(ctx)
    ctx.body = { ...tokenJson(token), secret }
  })

  router.delete('/me/tokens/:id', async (ctx) => {
    const op = operatorOf(ctx)
    await revokePersonalToken(deps.store, op, op.user.id, ctx.params.id!)
    ctx.status = 204
  })
}

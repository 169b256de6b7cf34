import type { Middleware } from 'koa'
import type { Store } from '../domain/store.js'
import { UnauthenticatedError } from '../domain/kernel/errors.js'
import { verifyToken, type TokenCache, type UsageRecorder } from '../domain/credentials/tokens.js'
import { HttpError } from '../http/errors.js'
import type { RequestState } from '../http/request-context.js'

const REALM = 'roster'

/**
 * Bearer authentication (RFC 6750) for the SCIM endpoints: the token names the tenant. Failures
 * get 401 with a WWW-Authenticate challenge; the error body is written by the surface's formatter.
 */
export function bearerAuth(store: Store, usage: UsageRecorder, cache?: TokenCache): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization')
    if (!header) {
      throw new HttpError(401, 'authentication required: send Authorization: Bearer <token>', undefined, { 'WWW-Authenticate': `Bearer realm="${REALM}"` })
    }
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
    const challenge = (detail: string) => new HttpError(401, detail, undefined, { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token"` })
    if (!m) throw challenge('malformed Authorization header: expected Bearer <token>')
    let auth
    try {
      auth = await verifyToken(store, m[1]!, cache)
    } catch (err) {
      if (err instanceof UnauthenticatedError) throw challenge(err.message)
      throw err
    }
    usage.record(auth.tenant.id, auth.token.id)
    ctx.state.tenant = auth.tenant
    ctx.state.actor = { type: 'token', id: auth.token.id, label: auth.token.label }
    ;(ctx.state as RequestState).log.tenantId = auth.tenant.id
    await next()
  }
}

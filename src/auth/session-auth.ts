import type { Context } from 'koa'
import type { Store } from '../domain/store.js'
import type { Logger } from '../log.js'
import { resolveSession, type Clock, type LiveSession, type SessionPolicy } from '../domain/sign-in/sessions.js'
import { clearSessionCookie, readCookie, sessionCookieName, type CookieSettings } from './session-cookie.js'

export interface SessionDeps {
  store: Store
  log: Logger
  clock: Clock
  policy: SessionPolicy
  cookies: CookieSettings
}

/**
 * The request's live session, if its cookie names one that still holds (checked once per request
 * and remembered on ctx.state). A session that ended — idle, expired, its user deactivated,
 * archived, deleted or given other roles — is deleted and its cookie cleared.
 */
export async function sessionOf(ctx: Context, deps: SessionDeps): Promise<LiveSession | null> {
  const state = ctx.state as { session?: LiveSession | null }
  if (state.session !== undefined) return state.session
  const token = readCookie(ctx, sessionCookieName(deps.cookies))
  let live: LiveSession | null = null
  if (token) {
    const result = await resolveSession(deps.store, token, deps.policy, deps.clock)
    if ('live' in result) live = result.live
    else {
      clearSessionCookie(ctx, deps.cookies)
      if (result.session) deps.log.info({ tenantId: result.session.tenantId, userId: result.session.userId, reason: result.ended }, 'session ended')
    }
  }
  state.session = live
  return live
}

export const hasSessionCookie = (ctx: Context, cookies: CookieSettings): boolean => readCookie(ctx, sessionCookieName(cookies)) !== null

import type { Context } from 'koa'
import type { Config } from '../config.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { User } from '../domain/identity/model.js'
import type { SecretBox } from '../domain/credentials/secrets.js'
import type { SignInMethod, StoredSamlConfig } from '../domain/sign-in/model.js'
import { recordRefusedSignIn, type SignInRefused } from '../domain/sign-in/sign-in.js'
import type { LockoutPolicy } from '../domain/sign-in/lockout.js'
import type { SignInMetrics } from '../domain/kernel/metrics.js'
import { sessionIdHash, startSession } from '../domain/sign-in/sessions.js'
import { HttpError } from '../http/errors.js'
import { messagePage, sendHtml } from './pages.js'
import type { SloContext } from '../saml/logout.js'
import { spEndpoints } from '../saml/service-provider.js'
import { openSpKey } from '../domain/sign-in/saml-settings.js'
import { readCookie, sessionCookieName, setSessionCookie } from './session-cookie.js'
import type { SessionDeps } from './session-auth.js'

/** What every sign-in route needs. */
export interface SignInDeps extends SessionDeps {
  config: Config
  /** Opens sealed SP keys; absent without ENCRYPTION_KEY. */
  box: SecretBox | undefined
  lockout: LockoutPolicy
  /** Counts sign-ins by method and outcome (METRICS_PORT); absent: not counted. */
  metrics?: SignInMetrics
}

export const requestIdOf = (ctx: Context): string | null => (ctx.state.requestId as string | undefined) ?? null

/** The tenant's own landing page: the sign-in form, or who is signed in. */
export const landingPath = (slug: string) => `/login/${slug}`

/** Starts the session (rotating any the browser had), sets the cookie and sends the browser on. */
export async function completeSignIn(
  ctx: Context,
  deps: SignInDeps,
  tenant: Tenant,
  user: User,
  method: SignInMethod,
  returnTo: string | null,
  saml?: { nameId: string; nameIdFormat: string | null; sessionIndex: string | null; replacesSession: Buffer | null },
): Promise<void> {
  const { token } = await startSession(
    deps.store,
    {
      tenant,
      user,
      method,
      samlNameId: saml?.nameId ?? null,
      samlNameIdFormat: saml?.nameIdFormat ?? null,
      samlSessionIndex: saml?.sessionIndex ?? null,
      // The IdP's cross-site POST comes without our SameSite=Lax cookie: the session to replace was
      // noted when the browser asked to sign in.
      replaces: sessionIdHash(readCookie(ctx, sessionCookieName(deps.cookies))) ?? saml?.replacesSession ?? null,
      requestId: requestIdOf(ctx),
    },
    deps.policy,
    deps.clock,
  )
  setSessionCookie(ctx, deps.cookies, token, deps.policy.maxMs)
  deps.metrics?.signIn(method, 'success', 'none')
  deps.log.info({ tenantId: tenant.id, userId: user.id, method }, 'signed in')
  ctx.status = 303
  ctx.redirect(returnTo ?? landingPath(tenant.slug))
}

/** Records a refused sign-in in the audit log and the server log, with its reason. */
export async function noteRefusal(ctx: Context, deps: SignInDeps, tenant: Tenant, method: SignInMethod, claimed: string | null, refusal: SignInRefused): Promise<void> {
  deps.metrics?.signIn(method, 'refused', refusal.reason)
  await recordRefusedSignIn(deps.store, tenant, { method, claimed, reason: refusal.reason, detail: refusal.detail, user: refusal.user }, requestIdOf(ctx))
  deps.log.warn({ tenantId: tenant.id, method, reason: refusal.reason, detail: refusal.detail }, 'sign-in refused')
}

/**
 * A refused SSO sign-in: the reason is noted; the browser gets a plain message that says nothing
 * about which check failed or whether the user exists.
 */
export async function refuseSignIn(
  ctx: Context,
  deps: SignInDeps,
  tenant: Tenant,
  method: SignInMethod,
  claimed: string | null,
  refusal: SignInRefused,
): Promise<void> {
  await noteRefusal(ctx, deps, tenant, method, claimed, refusal)
  sendHtml(
    ctx,
    403,
    messagePage({
      title: 'Sign-in failed',
      message: `You could not be signed in. If this keeps happening, give your administrator this reference: ${requestIdOf(ctx) ?? 'none'}.`,
      link: { href: landingPath(tenant.slug), label: 'Back to sign-in' },
    }),
  )
}

/**
 * The SP key in the clear, or null when the tenant's requests go unsigned. Signing without
 * ENCRYPTION_KEY is a setup fault of the server (503), not the visitor's.
 */
export function spKeyOf(deps: SignInDeps, config: StoredSamlConfig): string | null {
  if (!config.settings.signRequests) return null
  if (!deps.box) throw new HttpError(503, 'single sign-on cannot sign its requests: ENCRYPTION_KEY is not set on the server')
  return openSpKey(deps.box, config)
}

/** What the SAML modules need to answer for one tenant. */
export function samlContext(deps: SignInDeps, tenant: Tenant, config: StoredSamlConfig, spKey: string | null): SloContext {
  return {
    store: deps.store,
    tenant,
    config,
    endpoints: spEndpoints(deps.config.publicUrl, tenant.slug),
    clockSkewMs: deps.config.signIn.samlClockSkewMs,
    clock: deps.clock,
    spKey,
  }
}

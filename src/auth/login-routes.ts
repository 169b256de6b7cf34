import { randomBytes, timingSafeEqual } from 'node:crypto'
import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import type { Tenant } from '../domain/tenancy/model.js'
import { endSession } from '../domain/sign-in/sessions.js'
import { passwordSignIn, SignInRefused } from '../domain/sign-in/sign-in.js'
import { readForm } from '../http/body.js'
import { HttpError } from '../http/errors.js'
import { routerMiddleware } from '../http/router.js'
import { logoutRequestUrl } from '../saml/logout.js'
import { loginPage, messagePage, sendHtml, signedInPage } from './pages.js'
import { safeReturnTo } from './return-to.js'
import { retryAfterSeconds } from '../domain/sign-in/lockout.js'
import { clearSessionCookie, formTokenCookieName, readCookie, sessionCookieName, setFormTokenCookie } from './session-cookie.js'
import { sessionOf } from './session-auth.js'
import { completeSignIn, landingPath, noteRefusal, requestIdOf, samlContext, spKeyOf, type SignInDeps } from './sign-in-flow.js'

const sameToken = (a: string | null, b: string | undefined): boolean =>
  !!a && !!b && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * The tenant's sign-in page and local password sign-in (/login/<slug>) and sign-out (/logout).
 */
export function loginRoutes(deps: SignInDeps): Middleware {
  const router = new Router()

  const tenantOf = async (ctx: Context): Promise<Tenant> => {
    const tenant = await deps.store.tenants.getBySlug(String(ctx.params.slug))
    if (!tenant) throw new HttpError(404, 'no such tenant')
    return tenant
  }

  const showForm = async (ctx: Context, tenant: Tenant, status: number, extra: { alert?: string; note?: string; userName?: string; returnTo?: string | null }) => {
    const config = await deps.store.samlConfigs.get(tenant.id)
    const formToken = randomBytes(24).toString('base64url')
    setFormTokenCookie(ctx, deps.cookies, formToken)
    const returnTo = extra.returnTo ?? null
    const sso = config ? `/saml/${tenant.slug}/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}` : null
    sendHtml(
      ctx,
      status,
      loginPage({
        tenantName: tenant.displayName,
        ssoUrl: sso,
        passwordAction: !config || config.settings.passwordSignIn ? landingPath(tenant.slug) : null,
        formToken,
        returnTo,
        ...extra,
      }),
    )
  }

  router.get('/login/:slug', async (ctx) => {
    const tenant = await tenantOf(ctx)
    const live = await sessionOf(ctx, deps)
    if (live && live.tenant.id === tenant.id) {
      const slo = live.session.method === 'saml' ? (await deps.store.samlConfigs.get(tenant.id))?.settings.sloUrl : null
      return sendHtml(ctx, 200, signedInPage({ tenantName: tenant.displayName, userName: live.user.userName, logoutAction: '/logout' }), slo ? [new URL(slo).origin] : [])
    }
    await showForm(ctx, tenant, 200, {
      returnTo: safeReturnTo(ctx.query.returnTo, deps.config.publicUrl),
      note: ctx.query.signedOut !== undefined ? 'You have signed out.' : undefined,
    })
  })

  router.post('/login/:slug', async (ctx) => {
    const tenant = await tenantOf(ctx)
    const form = await readForm(ctx, deps.config.bodyLimitBytes)
    const returnTo = safeReturnTo(form.returnTo, deps.config.publicUrl)
    // Double-submit token: another site's form cannot read or send our Strict cookie, so it cannot
    // sign a browser into an account of the attacker's choosing.
    if (!sameToken(readCookie(ctx, formTokenCookieName(deps.cookies)), form.formToken)) {
      return showForm(ctx, tenant, 403, { alert: 'The sign-in form expired. Please try again.', returnTo })
    }
    const userName = (form.username ?? '').trim()
    const password = form.password ?? ''
    if (!userName || !password) return showForm(ctx, tenant, 400, { alert: 'Enter your user name and password.', userName, returnTo })
    const config = await deps.store.samlConfigs.get(tenant.id)
    try {
      if (config && !config.settings.passwordSignIn) throw new SignInRefused('password-sign-in-disabled', 'this tenant signs in with SSO only')
      const user = await passwordSignIn(deps.store, tenant, { userName, password, clientAddress: ctx.ip }, deps.lockout, deps.clock)
      await completeSignIn(ctx, deps, tenant, user, 'password', returnTo)
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err
      await noteRefusal(ctx, deps, tenant, 'password', userName, err)
      const alert =
        err.reason === 'locked-out'
          ? 'Too many failed attempts. Wait a while before trying again.'
          : err.reason === 'password-sign-in-disabled'
            ? 'This organisation signs in with single sign-on.'
            : 'The user name or password is not right, or this account cannot sign in.'
      if (err.retryAt) ctx.set('Retry-After', String(retryAfterSeconds(err.retryAt, deps.clock.now())))
      await showForm(ctx, tenant, err.reason === 'locked-out' ? 429 : 401, { alert, userName, returnTo })
    }
  })

  router.post('/logout', async (ctx) => {
    const live = await sessionOf(ctx, deps)
    const token = readCookie(ctx, sessionCookieName(deps.cookies))
    clearSessionCookie(ctx, deps.cookies)
    if (!live || !token) return sendHtml(ctx, 200, messagePage({ title: 'Signed out', message: 'You are signed out.' }))
    const session = await endSession(deps.store, token, requestIdOf(ctx))
    const landing = `${landingPath(live.tenant.slug)}?signedOut=1`
    ctx.status = 303
    const config = session?.method === 'saml' ? await deps.store.samlConfigs.get(live.tenant.id) : null
    // SP-initiated Single Logout when the IdP has an endpoint for it: the IdP ends its own session
    // (and the other SPs'), then sends the browser back to our /slo with a LogoutResponse.
    if (session?.samlNameId && config?.settings.sloUrl && config.settings.signRequests && !deps.box) {
      deps.log.warn({ tenantId: live.tenant.id }, 'single logout skipped: requests are signed and ENCRYPTION_KEY is not set; the IdP session stays open')
    } else if (session?.samlNameId && config?.settings.sloUrl) {
      return ctx.redirect(await logoutRequestUrl(samlContext(deps, live.tenant, config, spKeyOf(deps, config)), session, landing))
    }
    ctx.redirect(landing)
  })

  return routerMiddleware(router)
}

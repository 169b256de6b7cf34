import Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import type { Tenant } from '../domain/tenancy/model.js'
import type { StoredSamlConfig } from '../domain/sign-in/model.js'
import { assertMaySignIn, createJustInTime, findSigningInUser, SignInRefused } from '../domain/sign-in/sign-in.js'
import { endSamlSessions, sessionIdHash } from '../domain/sign-in/sessions.js'
import { readForm } from '../http/body.js'
import { HttpError } from '../http/errors.js'
import { routerMiddleware } from '../http/router.js'
import { acceptLoginResponse, SamlRejected } from '../saml/login-response.js'
import { acceptSloMessage, logoutResponseUrl, type SloMessage } from '../saml/logout.js'
import { samlClient, spEndpoints, spMetadataXml, StoredRequests } from '../saml/service-provider.js'
import { safeReturnTo } from './return-to.js'
import { messagePage, sendHtml } from './pages.js'
import { completeSignIn, landingPath, refuseSignIn, requestIdOf, samlContext, spKeyOf, type SignInDeps } from './sign-in-flow.js'
import { clearSessionCookie, readCookie, sessionCookieName } from './session-cookie.js'
import { sessionOf } from './session-auth.js'

/**
 * SAML 2.0 per tenant under /saml/<slug>: SP metadata, SP-initiated sign-in (Redirect binding),
 * the Assertion Consumer Service (POST binding) and Single Logout (Redirect and POST).
 */
export function samlRoutes(deps: SignInDeps): Middleware {
  const router = new Router({ prefix: '/saml/:slug' })

  const load = async (ctx: Context): Promise<{ tenant: Tenant; config: StoredSamlConfig }> => {
    const tenant = await deps.store.tenants.getBySlug(String(ctx.params.slug))
    const config = tenant ? await deps.store.samlConfigs.get(tenant.id) : null
    if (!tenant || !config) throw new HttpError(404, 'single sign-on is not set up for this tenant')
    return { tenant, config }
  }
  router.get('/metadata', async (ctx) => {
    const { tenant, config } = await load(ctx)
    ctx.type = 'application/samlmetadata+xml'
    ctx.set('Content-Disposition', `inline; filename="roster-${tenant.slug}-metadata.xml"`)
    ctx.body = spMetadataXml(config, spEndpoints(deps.config.publicUrl, tenant.slug))
  })

  router.get('/login', async (ctx) => {
    const { tenant, config } = await load(ctx)
    // A missing or unsafe returnTo lands on the tenant's page: a crafted link must not get a redirect.
    const returnTo = safeReturnTo(ctx.query.returnTo, deps.config.publicUrl) ?? landingPath(tenant.slug)
    const c = samlContext(deps, tenant, config, spKeyOf(deps, config))
    const current = sessionIdHash(readCookie(ctx, sessionCookieName(deps.cookies)))
    const client = samlClient({ ...c, requests: new StoredRequests(deps.store, tenant.id, 'authn', deps.clock, returnTo, current) })
    // No RelayState: the return path is kept with the request (node-saml signs the query with one
    // encoding and sends it with another, so a free-form RelayState can break the signature).
    ctx.redirect(await client.getAuthorizeUrlAsync('', undefined, {}))
  })

  router.post('/acs', async (ctx) => {
    const { tenant, config } = await load(ctx)
    const form = await readForm(ctx, deps.config.bodyLimitBytes)
    let claimed: string | null = null
    try {
      let login
      try {
        login = await acceptLoginResponse(samlContext(deps, tenant, config, null), form.SAMLResponse ?? '')
      } catch (err) {
        if (err instanceof SamlRejected) throw new SignInRefused('invalid-response', err.message)
        throw err
      }
      claimed = login.identifier
      let user
      try {
        user = await findSigningInUser(deps.store, tenant, login.identifier)
      } catch (err) {
        if (!(err instanceof SignInRefused && err.reason === 'unknown-user' && config.settings.jitProvisioning)) throw err
        user = await createJustInTime(deps.store, tenant, login.identity, requestIdOf(ctx)).catch((e: Error) => {
          throw e instanceof SignInRefused ? e : new SignInRefused('unknown-user', `just-in-time creation of "${login.identifier}" failed: ${e.message}`)
        })
      }
      assertMaySignIn(user)
      // Unsolicited responses may name a return path in RelayState; solicited ones use the request's,
      // checked again here, where the redirect is made, whatever the stored value came through.
      const returnTo = safeReturnTo(login.solicited ? login.returnTo : form.RelayState, deps.config.publicUrl)
      await completeSignIn(ctx, deps, tenant, user, 'saml', returnTo, login)
    } catch (err) {
      if (err instanceof SignInRefused) return refuseSignIn(ctx, deps, tenant, 'saml', claimed, err)
      throw err
    }
  })

  const slo = async (ctx: Context, message: SloMessage) => {
    const { tenant, config } = await load(ctx)
    const c = samlContext(deps, tenant, config, spKeyOf(deps, config))
    let outcome
    try {
      outcome = await acceptSloMessage(c, message)
    } catch (err) {
      if (!(err instanceof SamlRejected)) throw err
      deps.log.warn({ tenantId: tenant.id, detail: err.message }, 'single logout message refused')
      return sendHtml(ctx, 400, messagePage({ title: 'Sign-out failed', message: `The sign-out message could not be accepted. Reference: ${requestIdOf(ctx) ?? 'none'}.` }))
    }
    if (outcome.kind === 'logout-request') {
      const ended = await endSamlSessions(deps.store, tenant, outcome.nameId, outcome.sessionIndex, requestIdOf(ctx))
      deps.log.info({ tenantId: tenant.id, ended }, 'single logout from the IdP')
      // The browser carrying the request is the subject's: its cookie goes too.
      if (await sessionOf(ctx, deps)) clearSessionCookie(ctx, deps.cookies)
      // Without a sign-out URL of the IdP there is nowhere to send the answer.
      if (!config.settings.sloUrl) return sendHtml(ctx, 200, messagePage({ title: 'Signed out', message: 'You are signed out.' }))
      return ctx.redirect(await logoutResponseUrl(c, outcome))
    }
    ctx.status = 303
    ctx.redirect(safeReturnTo(outcome.returnTo, deps.config.publicUrl) ?? `${landingPath(tenant.slug)}?signedOut=1`)
  }
  router.get('/slo', (ctx) => slo(ctx, { binding: 'redirect', params: stringParams(ctx.query), rawQuery: ctx.querystring }))
  router.post('/slo', async (ctx) => slo(ctx, { binding: 'post', params: await readForm(ctx, deps.config.bodyLimitBytes), rawQuery: '' }))

  return routerMiddleware(router)
}

function stringParams(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(query)) {
    if (typeof v === 'string') out[k] = v
    else if (Array.isArray(v)) throw new HttpError(400, `parameter ${k} is repeated`)
  }
  return out
}

import Koa from 'koa'
import type { Config } from './config.js'
import type { Logger } from './log.js'
import type { Store } from './domain/store.js'
import { TokenCache, type UsageRecorder } from './domain/credentials/tokens.js'
import { requestContext } from './http/request-context.js'
import { securityHeaders } from './http/security-headers.js'
import { errorHandler } from './http/error-handler.js'
import { bodyLimit } from './http/body.js'
import { healthRouter, type Readiness } from './http/health.js'
import { SCIM_PREFIX, scimService } from './scim/router.js'
import { scimError } from './scim/messages/error.js'
import { SecretBox } from './domain/credentials/secrets.js'
import { systemClock, type Clock } from './domain/sign-in/sessions.js'
import { cookieSettings } from './auth/session-cookie.js'
import { sessionOf } from './auth/session-auth.js'
import type { SignInDeps } from './auth/sign-in-flow.js'
import { samlRoutes } from './auth/saml-routes.js'
import { loginRoutes } from './auth/login-routes.js'
import { htmlError } from './auth/pages.js'
import { adminApi } from './admin/router.js'
import { consoleRoutes } from './admin/console.js'
import { ProvisioningLogWriter } from './domain/provisioning/writer.js'
import type { PrometheusMetrics } from './ops/metrics.js'

export interface AppDeps {
  config: Config
  log: Logger
  store: Store
  usage: UsageRecorder
  /** Verified tokens; by default remembered for TOKEN_CACHE_TTL and forgotten on the database's notices. */
  tokens?: TokenCache
  /** Time for sessions, lockouts and SAML requests; tests pass a clock they can move. */
  clock?: Clock
  /** Where SCIM requests are logged (the service flushes it on shutdown); by default one of the app's own. */
  provisioningLog?: ProvisioningLogWriter
  /** Turned unready by the service when it stops, so that a load balancer stops sending first. */
  readiness?: Readiness
  /** Where requests, SCIM operations and sign-ins are counted (METRICS_PORT); absent: nowhere. */
  metrics?: PrometheusMetrics
}

/** Assembles the HTTP application: cross-cutting middleware first, then one service per surface. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa()
  // Errors are answered and logged by errorHandler; koa's own stderr printing would duplicate them.
  app.silent = true
  app.proxy = deps.config.trustProxy
  // Outermost: it sees every request's final status, errors answered below included.
  if (deps.metrics) app.use(deps.metrics.requestMetrics())
  app.use(requestContext(deps.log, deps.config.logRequests))
  app.use(securityHeaders())
  // Everything under /scim answers in SCIM's error format, including versions we do not serve.
  // Browser pages answer errors as pages.
  app.use(
    errorHandler(deps.log, [
      { prefix: '/scim', format: scimError },
      ...['/saml', '/login', '/logout'].map((prefix) => ({ prefix, format: htmlError })),
    ]),
  )
  app.use(bodyLimit(deps.config.bodyLimitBytes))
  const health = healthRouter(deps.store, deps.readiness)
  app.use(health.routes()).use(health.allowedMethods())
  const signIn: SignInDeps = {
    store: deps.store,
    log: deps.log,
    config: deps.config,
    clock: deps.clock ?? systemClock,
    policy: { idleMs: deps.config.signIn.sessionIdleMs, maxMs: deps.config.signIn.sessionMaxMs },
    cookies: cookieSettings(deps.config.publicUrl),
    box: deps.config.encryptionKey ? new SecretBox(deps.config.encryptionKey) : undefined,
    lockout: { maxFailures: deps.config.signIn.loginMaxFailures, lockoutMs: deps.config.signIn.loginLockoutMs, onLockout: deps.metrics?.signIn.lockout },
    metrics: deps.metrics?.signIn,
  }
  app.use(consoleRoutes())
  app.use(samlRoutes(signIn))
  app.use(loginRoutes(signIn))
  const tokens = deps.tokens ?? TokenCache.following(deps.store.notices.feed, deps.config.tokenCacheTtlMs)
  app.use(
    adminApi({
      store: deps.store,
      config: deps.config,
      log: deps.log,
      box: signIn.box,
      tokens,
      scimBaseUrl: `${deps.config.publicUrl}${SCIM_PREFIX}`,
      syncMetrics: deps.metrics?.sync,
      bodyLimitBytes: deps.config.bodyLimitBytes,
      idleMs: signIn.policy.idleMs,
      clock: signIn.clock,
      lockout: signIn.lockout,
      session: (ctx) => sessionOf(ctx, signIn),
    }),
  )
  app.use(
    scimService({
      session: (ctx) => sessionOf(ctx, signIn),
      store: deps.store,
      usage: deps.usage,
      tokens,
      publicUrl: deps.config.publicUrl,
      bodyLimitBytes: deps.config.bodyLimitBytes,
      metrics: deps.metrics?.scim,
      provisioningLog: {
        writer: deps.provisioningLog ?? new ProvisioningLogWriter(deps.store, deps.log),
        maxBodyBytes: deps.config.provisioningLog.maxBodyBytes,
        log: deps.log,
      },
    }),
  )
  return app
}

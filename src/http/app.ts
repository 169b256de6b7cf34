import Koa from 'koa'
import type { Config } from '../config.js'
import type { Logger } from '../log.js'
import type { Store } from '../store/port.js'
import { TokenCache, type UsageRecorder } from '../directory/tokens.js'
import { requestContext } from './request-context.js'
import { errorHandler } from './error-handler.js'
import { bodyLimit } from './body.js'
import { healthRouter } from './health.js'
import { scimService } from '../scim/router.js'
import { scimError } from '../scim/errors.js'

export interface AppDeps {
  config: Config
  log: Logger
  store: Store
  usage: UsageRecorder
  /** Verified tokens, remembered for TOKEN_CACHE_TTL; revocations through this process forget them. */
  tokens?: TokenCache
}

/** Assembles the HTTP application: cross-cutting middleware first, then one service per surface. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa()
  // Errors are answered and logged by errorHandler; koa's own stderr printing would duplicate them.
  app.silent = true
  app.use(requestContext(deps.log))
  // Everything under /scim answers in SCIM's error format, including versions we do not serve.
  app.use(errorHandler(deps.log, [{ prefix: '/scim', format: scimError }]))
  app.use(bodyLimit(deps.config.bodyLimitBytes))
  const health = healthRouter(deps.store)
  app.use(health.routes()).use(health.allowedMethods())
  app.use(
    scimService({
      store: deps.store,
      usage: deps.usage,
      tokens: deps.tokens ?? new TokenCache(deps.config.tokenCacheTtlMs),
      publicUrl: deps.config.publicUrl,
      bodyLimitBytes: deps.config.bodyLimitBytes,
    }),
  )
  return app
}

import { randomUUID } from 'node:crypto'
import type { Middleware } from 'koa'
import { withLogContext, type Logger, type LogContext } from '../log.js'

const VALID_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/

export interface RequestState {
  requestId: string
  log: LogContext
}

/** LOG_REQUESTS: which requests the access log shows above debug. */
export type RequestLogMode = 'all' | 'errors' | 'off'

/** Orchestrators probe these every few seconds; a probe that succeeds says nothing worth a line at info. */
const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

/**
 * The level of a request's access-log line, or undefined for none. `errors`: 5xx at error (the
 * service failed), 4xx at info (a client's mistake, often what an IdP integration needs to see),
 * the rest at debug. `all`: every request at info, 5xx at error. `off`: no line. Successful
 * health checks are at debug in every mode.
 */
export function accessLogLevel(mode: RequestLogMode, path: string, status: number): 'error' | 'info' | 'debug' | undefined {
  if (mode === 'off') return undefined
  if (status >= 500) return 'error'
  if (status < 400 && HEALTH_PATHS.has(path)) return 'debug'
  return mode === 'all' || status >= 400 ? 'info' : 'debug'
}

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a new one), echoes it,
 * runs the rest of the request inside a log context carrying it, and writes its access-log line as
 * `mode` says. A line whose level is off costs a comparison: nothing is built or serialised.
 */
export function requestContext(log: Logger, mode: RequestLogMode): Middleware {
  return async (ctx, next) => {
    const offered = ctx.get('X-Request-Id')
    const requestId = VALID_REQUEST_ID.test(offered) ? offered : randomUUID()
    ctx.set('X-Request-Id', requestId)
    const logContext: LogContext = { reqId: requestId }
    ctx.state.requestId = requestId
    ctx.state.log = logContext
    const started = mode === 'off' ? 0n : process.hrtime.bigint()
    await withLogContext(logContext, async () => {
      try {
        await next()
      } finally {
        const level = accessLogLevel(mode, ctx.path, ctx.status)
        if (level !== undefined && log.isLevelEnabled(level)) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6
          // Paths only: query strings carry SCIM filters, which carry personal data.
          log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request')
        }
      }
    })
  }
}

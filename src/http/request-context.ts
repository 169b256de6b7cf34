import { randomUUID } from 'node:crypto'
import type { Middleware } from 'koa'
import { withLogContext, type Logger, type LogContext } from '../log.js'

const VALID_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/

export interface RequestState {
  requestId: string
  log: LogContext
}

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a new one), echoes it,
 * runs the rest of the request inside a log context carrying it, and writes one access-log line.
 */
export function requestContext(log: Logger): Middleware {
  return async (ctx, next) => {
    const offered = ctx.get('X-Request-Id')
    const requestId = VALID_REQUEST_ID.test(offered) ? offered : randomUUID()
    ctx.set('X-Request-Id', requestId)
    const logContext: LogContext = { reqId: requestId }
    ctx.state.requestId = requestId
    ctx.state.log = logContext
    const started = process.hrtime.bigint()
    await withLogContext(logContext, async () => {
      try {
        await next()
      } finally {
        const ms = Number(process.hrtime.bigint() - started) / 1e6
        // Paths only: query strings carry SCIM filters, which carry personal data.
        log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request')
      }
    })
  }
}

import type { Context, Middleware } from 'koa'
import type { Logger } from '../log.js'
import { describeError, type ErrorShape } from './errors.js'

export type ErrorFormatter = (ctx: Context, shape: ErrorShape) => void

/** RFC 9457 problem details: the admin API's and every non-SCIM endpoint's error format. */
export const problemJson: ErrorFormatter = (ctx, shape) => {
  ctx.type = 'application/problem+json'
  ctx.body = {
    type: 'about:blank',
    title: httpTitle(shape.status),
    status: shape.status,
    detail: shape.detail,
    ...(shape.field ? { field: shape.field } : {}),
    // What kind of fault (uniqueness, required, format, …): with `field`, enough for a form to word it.
    ...(shape.code ? { code: shape.code } : {}),
    requestId: ctx.state.requestId as string,
  }
}

/**
 * Catches everything thrown below and answers in the format of the surface the request was for
 * (chosen by path prefix), so even errors raised before routing (body limits) speak the right
 * protocol. Unexpected errors are logged with their stack; the client only sees a request id.
 */
export function errorHandler(log: Logger, formats: Array<{ prefix: string; format: ErrorFormatter }>): Middleware {
  return async (ctx, next) => {
    try {
      await next()
      if (ctx.status === 404 && ctx.body == null) {
        const err = Object.assign(new Error(`no such endpoint: ${ctx.method} ${ctx.path}`), { status: 404, expose: true })
        throw err
      }
    } catch (err) {
      const shape = describeError(err)
      if (shape.status >= 500) log.error({ err }, 'request failed')
      else log.debug({ err: (err as Error).message }, 'request refused')
      ctx.status = shape.status
      for (const [k, v] of Object.entries(shape.headers)) ctx.set(k, v)
      const format = formats.find((f) => ctx.path === f.prefix || ctx.path.startsWith(`${f.prefix}/`))?.format ?? problemJson
      format(ctx, shape)
    }
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export const httpTitle = (status: number): string => TITLES[status] ?? 'Error'

import type { Context } from 'koa'
import { readJson } from '../http/body.js'

/**
 * A request that carries no body at all: no Content-Type, and neither a length above 0 nor a
 * chunked one. Action routes (/deactivate, DELETE, …) need nothing more; clients such as curl send
 * them so.
 */
export const hasNoBody = (ctx: Context): boolean => !ctx.get('Content-Type') && !ctx.get('Transfer-Encoding') && Number(ctx.get('Content-Length') || 0) === 0

/**
 * The admin API's request body: JSON, or nothing at all, read as `{}` (so a missing field is named by
 * the route's schema, 400, rather than a 415). A body of another type is still 415.
 */
export async function jsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  return hasNoBody(ctx) ? {} : readJson(ctx, { limitBytes, types: ['application/json'] })
}

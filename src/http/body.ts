import type { Context, Middleware } from 'koa'
import getRawBody from 'raw-body'
import { parse as parseContentType, type ContentType } from 'content-type'
import { HttpError } from './errors.js'

/**
 * Refuses a declared body over the limit before anything reads it (and before authentication, so
 * anonymous clients cannot make us buffer large uploads). Chunked bodies are bounded in readJson.
 */
export function bodyLimit(limitBytes: number): Middleware {
  return async (ctx, next) => {
    const declared = Number(ctx.get('Content-Length') || 0)
    if (declared > limitBytes) throw new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`, 'tooLarge')
    await next()
  }
}

export interface ReadJsonOptions {
  limitBytes: number
  /** Media types accepted besides application/json (e.g. application/scim+json). */
  types: string[]
}

/** Reads and parses a JSON body: bounded size, strict UTF-8, clear errors for each failure. */
export async function readJson(ctx: Context, options: ReadJsonOptions): Promise<unknown> {
  let type: ContentType
  try {
    type = parseContentType(ctx.get('Content-Type'))
  } catch {
    throw new HttpError(415, `send the body as ${options.types.join(' or ')}`)
  }
  if (!options.types.includes(type.type)) throw new HttpError(415, `unsupported content type ${type.type}: send ${options.types.join(' or ')}`)
  const charset = (type.parameters.charset ?? 'utf-8').toLowerCase()
  if (charset !== 'utf-8' && charset !== 'utf8') throw new HttpError(415, `unsupported charset ${charset}: send UTF-8`)
  const text = await readUtf8(ctx, options.limitBytes)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'invalidSyntax')
  }
}

/** Reads an application/x-www-form-urlencoded body (HTML forms, the SAML POST binding). */
export async function readForm(ctx: Context, limitBytes: number): Promise<Record<string, string>> {
  let type: ContentType
  try {
    type = parseContentType(ctx.get('Content-Type'))
  } catch {
    throw new HttpError(415, 'send the form as application/x-www-form-urlencoded')
  }
  if (type.type !== 'application/x-www-form-urlencoded') throw new HttpError(415, `unsupported content type ${type.type}: send application/x-www-form-urlencoded`)
  const form: Record<string, string> = {}
  // A repeated field keeps its first value: nothing Roster reads is multi-valued.
  for (const [k, v] of new URLSearchParams(await readUtf8(ctx, limitBytes))) if (!(k in form)) form[k] = v
  return form
}

async function readUtf8(ctx: Context, limitBytes: number): Promise<string> {
  let raw: Buffer
  try {
    raw = await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('Content-Length') || undefined })
  } catch (err) {
    const e = err as { type?: string; message?: string }
    if (e.type === 'entity.too.large') throw new HttpError(413, `request body exceeds the limit of ${limitBytes} bytes`, 'tooLarge')
    throw new HttpError(400, `could not read the request body: ${e.message ?? 'aborted'}`, 'invalidSyntax')
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new HttpError(400, 'the request body is not valid UTF-8', 'invalidSyntax')
  }
}

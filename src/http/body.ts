import type { Context, Middleware } from 'koa'
import getRawBody from 'raw-body'
import { parse as parseContentType, type ContentType } from 'content-type'
import { HttpError } from './errors.js'

/**
 * A 413 answers before the body has arrived: the rest is still on its way, and the next request on
 * a keep-alive connection would wait behind it forever if nobody read it. So it is read and thrown
 * away, up to as much again as the limit (the connection stays usable, and a client still sending
 * reads our answer rather than a reset); a longer body closes the connection once the answer is out.
 */
function discardRest(ctx: Context, limitBytes: number): void {
  const { req, res } = ctx
  let left = limitBytes
  const close = () => req.socket.destroy()
  const discard = (chunk: Buffer) => {
    left -= chunk.length
    if (left >= 0) return
    req.off('data', discard)
    req.pause()
    if (res.writableFinished) close()
    else res.once('finish', close)
  }
  req.on('data', discard)
  req.resume()
}

const tooLarge = (ctx: Context, limitBytes: number, detail: string): HttpError => {
  discardRest(ctx, limitBytes)
  return new HttpError(413, detail, 'tooLarge')
}

/**
 * Refuses a declared body over the limit before anything reads it (and before authentication, so
 * anonymous clients cannot make us buffer large uploads). Chunked bodies are bounded in readJson.
 */
export function bodyLimit(limitBytes: number): Middleware {
  return async (ctx, next) => {
    const declared = Number(ctx.get('Content-Length') || 0)
    if (declared > limitBytes) throw tooLarge(ctx, limitBytes, `request body of ${declared} bytes exceeds the limit of ${limitBytes} bytes`)
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
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'invalidSyntax')
  }
  // Kept for request logs that record what was sent (the SCIM provisioning log), refused or not;
  // the text too, so the log stores it as sent instead of serialising the value again.
  ctx.state.requestBody = value
  ctx.state.requestText = text
  const at = unstorableTextAt(value)
  if (at) throw new HttpError(400, `${at} contains a NUL character or an unpaired surrogate (\\u0000, \\ud800): text cannot hold them`, 'invalidValue')
  return value
}

// NUL, or a UTF-16 surrogate without its partner.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text)

const step = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`

/**
 * The JSON path ($.a[0].b) of the first string, member name or value, that no text column can
 * hold: PostgreSQL refuses NUL, and a lone surrogate (legal in JSON's \u escapes, never in UTF-8)
 * would be stored as U+FFFD, another text than was sent. Refusing them here, once, keeps them out
 * of every handler. Iterative, since JSON.parse accepts nesting deeper than the call stack.
 */
function unstorableTextAt(root: unknown): string | null {
  const pending: Array<[value: unknown, path: string]> = [[root, '$']]
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path] = item
    if (typeof value === 'string' && unstorable(value)) return path
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) if (typeof value[i] === 'object' || typeof value[i] === 'string') pending.push([value[i], step(path, i)])
    } else if (value !== null && typeof value === 'object') {
      const members = Object.entries(value)
      for (const [key] of members) if (unstorable(key)) return step(path, key)
      for (let i = members.length - 1; i >= 0; i--) pending.push([members[i]![1], step(path, members[i]![0])])
    }
  }
  return null
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
  // %00 decodes to NUL, which no text column holds (form decoding never yields a lone surrogate).
  const bad = Object.entries(form).find(([k, v]) => k.includes('\u0000') || v.includes('\u0000'))
  if (bad) throw new HttpError(400, `the form field ${JSON.stringify(bad[0].replaceAll('\u0000', '\\u0000'))} contains a NUL character`, 'invalidValue')
  return form
}

async function readUtf8(ctx: Context, limitBytes: number): Promise<string> {
  let raw: Buffer
  try {
    raw = await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get('Content-Length') || undefined })
  } catch (err) {
    const e = err as { type?: string; message?: string }
    if (e.type === 'entity.too.large') throw tooLarge(ctx, limitBytes, `request body exceeds the limit of ${limitBytes} bytes`)
    throw new HttpError(400, `could not read the request body: ${e.message ?? 'aborted'}`, 'invalidSyntax')
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new HttpError(400, 'the request body is not valid UTF-8', 'invalidSyntax')
  }
}

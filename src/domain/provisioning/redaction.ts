/**
 * The redaction rule of the provisioning log: secrets never reach storage. Redacted are the values
 * of members whose name looks like a secret (`password`, `secret`, `token`, `credential`, `apiKey`,
 * anywhere, schema-qualified or not: `urn:…:User:password`), the `value` of an object whose `path`
 * names one (a PATCH operation `{"op":"replace","path":"password","value":…}`, also inside a Bulk
 * request), and in the query string the values of such parameters and any parameter whose value names
 * one (a filter on `password`). Headers are never recorded.
 */
import type { StoredBody } from './model.js'

export const REDACTED = '[redacted]'

const SECRET_NAME = /pass(word|wd)|secret|token|credential|api[-_]?key/i

export const isSecretName = (name: string): boolean => SECRET_NAME.test(name)

/** Thrown inside the serializer once the cap is reached: the rest is not worth walking. */
const FULL = Symbol('full')

/**
 * The body's JSON text, redacted, at most `maxBytes` UTF-8 bytes (cut at a character boundary,
 * `truncated` set). Serialises only as much as the cap holds, so a large list answer costs its first
 * `maxBytes`, not its whole size.
 *
 * `text`, when the caller has it, is the value's JSON text (the request as sent, the response as it
 * goes out). Most bodies name no secret anywhere: then that text is stored as it is, which spares
 * walking the value again — this is on every SCIM request's path. The text qualifies only when it
 * fits under the cap whole and neither a secret-like name nor a \u escape (which could spell one)
 * occurs anywhere in it; otherwise the value is walked and redacted below.
 */
export function storedBody(value: unknown, maxBytes: number, text?: string): StoredBody {
  if (value === undefined || value === null) return { json: null, truncated: false }
  if (typeof value === 'string') return capped(value, maxBytes, false)
  if (text !== undefined && text.length <= maxBytes && !text.includes('\\u') && !SECRET_NAME.test(text) && Buffer.byteLength(text) <= maxBytes) return { json: text, truncated: false }
  const parts: string[] = []
  let length = 0
  const emit = (s: string) => {
    parts.push(s)
    length += s.length
    if (length > maxBytes) throw FULL
  }
  const write = (v: unknown): void => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON()
    if (v === null || typeof v !== 'object') {
      emit(JSON.stringify(v) ?? 'null')
      return
    }
    if (Array.isArray(v)) {
      emit('[')
      v.forEach((item, i) => {
        if (i) emit(',')
        write(item)
      })
      emit(']')
      return
    }
    const record = v as Record<string, unknown>
    // A PATCH operation (or anything shaped like one) whose path names a secret carries it in `value`.
    const secretValue = typeof record.path === 'string' && isSecretName(record.path)
    emit('{')
    let first = true
    for (const [key, member] of Object.entries(record)) {
      if (member === undefined || typeof member === 'function') continue
      emit(`${first ? '' : ','}${JSON.stringify(key)}:`)
      first = false
      if (isSecretName(key) || (secretValue && key.toLowerCase() === 'value')) emit(JSON.stringify(REDACTED))
      else write(member)
    }
    emit('}')
  }
  try {
    write(value)
  } catch (err) {
    if (err === FULL) return capped(parts.join(''), maxBytes, true)
    // Nested deeper than the stack (JSON.parse takes what recursion cannot walk): keep nothing of it.
    if (err instanceof RangeError) return { json: JSON.stringify('[too deeply nested to record]'), truncated: true }
    throw err
  }
  return capped(parts.join(''), maxBytes, false)
}

/** `text` cut to `maxBytes` UTF-8 bytes at a character boundary. */
function capped(text: string, maxBytes: number, truncated: boolean): StoredBody {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return { json: text, truncated }
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8')
  // A character split by the cut decodes as U+FFFD: drop it.
  if (cut.endsWith('\ufffd')) cut = cut.slice(0, -1)
  return { json: cut, truncated: true }
}

/** Longest path kept (URLs may be long; the log is for reading). */
const MAX_PATH = 4096

/** The path with its query, the values of secret-like parameters and of parameters naming a secret (a filter) redacted. */
export function redactedPath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?')
  const path = q < 0 ? pathAndQuery : `${pathAndQuery.slice(0, q)}?${pathAndQuery
    .slice(q + 1)
    .split('&')
    .map(redactedParameter)
    .join('&')}`
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path
}

function redactedParameter(pair: string): string {
  const eq = pair.indexOf('=')
  if (eq < 0) return pair
  const rawName = pair.slice(0, eq)
  const name = decoded(rawName)
  if (isSecretName(name)) return `${rawName}=${encodeURIComponent(REDACTED)}`
  // A filter naming a secret may carry it quoted or (lenient mode) as a bare word: all of it goes.
  return isSecretName(decoded(pair.slice(eq + 1))) ? `${rawName}=${encodeURIComponent(REDACTED)}` : pair
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

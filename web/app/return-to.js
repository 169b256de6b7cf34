/* global TextDecoder */
/**
 * The console's copy of the server's redirect rule (src/auth/return-to.ts): a path on this origin,
 * checked on what the URL parser makes of it, never on the raw string. Returns the parsed
 * path+search+hash, or null for anything that could leave the origin (the caller uses its default).
 */
const isControl = (code) => code < 0x20 || (code >= 0x7f && code <= 0x9f)
const hasControl = (s) => [...s].some((c) => isControl(c.codePointAt(0)))
const withoutControlOrSpace = (s) => [...s].filter((c) => c !== ' ' && !isControl(c.codePointAt(0))).join('')
const ENCODED_SLASH = /%2f/i
const SLASH_LOOKALIKES = /[\u2215\u2044\uff0f\u29f8]/g

const isSinglePath = (s) => /^\/(?![/\\])/.test(s)
const pathPart = (s) => s.split(/[?#]/, 1)[0]

/** Decodes %XX runs as UTF-8 (invalid bytes become U+FFFD) and leaves stray `%` alone; never throws. */
const percentDecode = (s) =>
  s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => new TextDecoder().decode(new Uint8Array(run.slice(1).split('%').map((h) => parseInt(h, 16)))))

function leavesPath(decoded, origin) {
  const slashes = decoded.replace(SLASH_LOOKALIKES, '/')
  if (!isSinglePath(slashes)) return true
  try {
    const u = new URL(slashes, origin)
    return u.origin !== origin || !isSinglePath(u.pathname)
  } catch {
    return true
  }
}

export function safeReturnTo(value, origin = location.origin) {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null
  if (!value.startsWith('/') || hasControl(value)) return null
  const once = percentDecode(value)
  const twice = percentDecode(once)
  if ([value, once, twice].some((s) => s.includes('\\'))) return null
  if (ENCODED_SLASH.test(pathPart(value)) || ENCODED_SLASH.test(pathPart(once))) return null
  if ([once, twice].some((s) => leavesPath(withoutControlOrSpace(s), origin))) return null
  let parsed
  try {
    parsed = new URL(value, origin)
  } catch {
    return null
  }
  if (parsed.origin !== origin) return null
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`
  return isSinglePath(path) ? path : null
}

/**
 * Where a browser may be sent after sign-in or sign-out: a path on Roster's own origin, nothing else.
 * Every redirect whose target came from a request (returnTo, RelayState, a stored request's return
 * path) goes through safeReturnTo, the console's sign-in hop included (it hands the sign-in page its
 * own location and lets this check decide).
 *
 * The check runs on what the redirect will carry, not on what was sent: the input is parsed with
 * the WHATWG URL parser against the public origin and the parsed path is returned, so a dot segment
 * cannot turn `/.//evil.example` into `//evil.example` after the check. Before parsing, everything
 * a parser or a browser might read differently from us is refused: control characters (the parser
 * drops tabs and newlines), backslashes (browsers read them as slashes), encoded slashes, and paths
 * that start with two slashes or a slash look-alike once decoded (twice, for a decoding proxy or
 * framework in front of us). Callers fall back to the landing page on null; they never echo input.
 */
export function safeReturnTo(value: unknown, publicUrl: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return null
  if (!value.startsWith('/') || hasControl(value)) return null
  const once = percentDecode(value)
  const twice = percentDecode(once)
  if ([value, once, twice].some((s) => s.includes('\\'))) return null
  if (ENCODED_SLASH.test(pathPart(value)) || ENCODED_SLASH.test(pathPart(once))) return null
  if ([once, twice].some((s) => leavesPath(withoutControlOrSpace(s), publicUrl))) return null
  const origin = new URL(publicUrl).origin
  let parsed: URL
  try {
    parsed = new URL(value, origin)
  } catch {
    return null
  }
  if (parsed.origin !== origin) return null
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`
  return isSinglePath(path) ? path : null
}

const MAX_LENGTH = 2048
/** C0 and C1 controls and DEL: the URL parser drops some, browsers and proxies read them variously. */
const isControl = (code: number) => code < 0x20 || (code >= 0x7f && code <= 0x9f)
const hasControl = (s: string) => [...s].some((c) => isControl(c.codePointAt(0)!))
/** What a lenient reader makes of a decoded path: controls and spaces gone. */
const withoutControlOrSpace = (s: string) => [...s].filter((c) => c !== ' ' && !isControl(c.codePointAt(0)!)).join('')
const ENCODED_SLASH = /%2f/i
/** Characters that render as a slash, and that IDNA maps to one in host names. */
const SLASH_LOOKALIKES = /[\u2215\u2044\uff0f\u29f8]/g

/** One slash, then anything but a slash or backslash (or nothing): a path, never a network path. */
const isSinglePath = (s: string) => /^\/(?![/\\])/.test(s)

const pathPart = (s: string) => s.split(/[?#]/, 1)[0]!

/** Whether a decoded form would name another host or not be a plain path once parsed. */
function leavesPath(decoded: string, publicUrl: string): boolean {
  const slashes = decoded.replace(SLASH_LOOKALIKES, '/')
  if (!isSinglePath(slashes)) return true
  try {
    const u = new URL(slashes, publicUrl)
    return u.origin !== new URL(publicUrl).origin || !isSinglePath(u.pathname)
  } catch {
    return true
  }
}

/** Decodes %XX runs as UTF-8 (invalid bytes become U+FFFD) and leaves stray `%` alone; never throws. */
const percentDecode = (s: string) => s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'))

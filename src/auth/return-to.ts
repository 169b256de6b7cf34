/**
 * Where a browser may be sent after sign-in or sign-out: a path on Roster's own origin, nothing else.
 * `//evil.example`, `/\evil.example` (browsers read backslashes as slashes), absolute URLs, control
 * characters and anything that resolves to another origin are refused.
 */
export function safeReturnTo(value: unknown, publicUrl: string): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\') || hasControlCharacter(value)) return null
  let u: URL
  try {
    u = new URL(value, publicUrl)
  } catch {
    return null
  }
  if (u.origin !== new URL(publicUrl).origin) return null
  return `${u.pathname}${u.search}${u.hash}`
}

const hasControlCharacter = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)

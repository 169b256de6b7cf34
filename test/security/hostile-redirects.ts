/**
 * Redirect targets an attacker would try, for every place that redirects after a value from the
 * request (returnTo, RelayState): each one either names another host outright, or becomes a
 * network path (`//host`) once parsed, decoded, or read by a lenient browser. None of them may take
 * the browser off Roster's origin.
 *
 * Shared by the server-side tests and the headless Chromium test (test/security/open-redirect.test.ts).
 */
export const HOST = 'evil.example'

export const HOSTILE_REDIRECTS: readonly string[] = [
  // Network paths and backslash variants (browsers read `\` as `/`).
  `//${HOST}/phish`,
  `///${HOST}`,
  `////${HOST}`,
  `/\\${HOST}`,
  `\\\\${HOST}`,
  `\\/${HOST}`,
  `/\\/${HOST}`,
  `/%5c${HOST}`,
  `/%5C${HOST}`,
  `/%255c${HOST}`,
  // Dot segments that collapse to `//` after the check (the finding).
  `/.//${HOST}/phish`,
  `/..//${HOST}/phish`,
  `/a/..//${HOST}/phish`,
  `/a/b/../..//${HOST}`,
  `/././/${HOST}`,
  `/%2e//${HOST}/phish`,
  `/%2E//${HOST}`,
  `/%2e%2e//${HOST}/phish`,
  `/.%2e//${HOST}`,
  `/%2e.//${HOST}`,
  `/admin/%2e%2e/%2e%2e//${HOST}`,
  // Encoded slashes, once and twice.
  `%2f%2f${HOST}`,
  `/%2f${HOST}`,
  `/%2f/${HOST}`,
  `/%2F%2F${HOST}`,
  `/%252f%252f${HOST}`,
  `/%252e//${HOST}`,
  `/%252e%252e//${HOST}`,
  // Whitespace and control characters (the URL parser strips tabs and newlines, and leading spaces).
  `/\t/${HOST}`,
  `/\n/${HOST}`,
  `/\r/${HOST}`,
  `/\r\n/${HOST}`,
  `\t//${HOST}`,
  `/%09/${HOST}`,
  `/%0a/${HOST}`,
  `/%0d%0a/${HOST}`,
  ` //${HOST}`,
  `  /\\${HOST}`,
  `\u00a0//${HOST}`,
  `/\u0000/${HOST}`,
  // Unicode slash look-alikes (IDNA maps U+FF0F to `/` in host names).
  `/\u2215${HOST}`,
  `/\u2044${HOST}`,
  `/\uff0f${HOST}`,
  `/\u29f8${HOST}`,
  `\u2215\u2215${HOST}`,
  `\uff0f\uff0f${HOST}`,
  `/%E2%88%95${HOST}`,
  `/%EF%BC%8F${HOST}`,
  // Absolute URLs and other schemes.
  `https://${HOST}/phish`,
  `http://${HOST}`,
  `http:${HOST}`,
  `http:/${HOST}`,
  `https:${HOST}`,
  `HTTPS://${HOST}`,
  `javascript:alert(document.domain)`,
  `JaVaScRiPt:alert(1)`,
  `java\tscript:alert(1)`,
  `data:text/html,<script>alert(1)</script>`,
  `vbscript:msgbox(1)`,
  `//${HOST}@roster.test`,
  `//@${HOST}`,
  // Not a path at all.
  `${HOST}`,
  `?next=//${HOST}`,
  `#//${HOST}`,
  '',
]

/** Paths that must keep working, and what the redirect carries for each. */
export const SAFE_REDIRECTS: ReadonlyArray<{ input: string; location: string }> = [
  { input: '/admin', location: '/admin' },
  { input: '/admin/users?q=a#x', location: '/admin/users?q=a#x' },
  { input: '/admin/users?view=active', location: '/admin/users?view=active' },
  { input: '/admin/./users', location: '/admin/users' },
  { input: '/api/me', location: '/api/me' },
]

import type { Context } from 'koa'

/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix when
 * PUBLIC_URL is https (the browser then refuses it from plain http and from sub-domains). Written
 * by hand rather than with koa's cookies: behind a TLS-terminating proxy koa sees plain http and
 * would refuse to set a Secure cookie; PUBLIC_URL, not the connection, decides.
 */
export interface CookieSettings {
  secure: boolean
}

export const cookieSettings = (publicUrl: string): CookieSettings => ({ secure: publicUrl.startsWith('https:') })

export const sessionCookieName = (s: CookieSettings) => (s.secure ? '__Host-roster_session' : 'roster_session')
export const formTokenCookieName = (s: CookieSettings) => (s.secure ? '__Host-roster_form' : 'roster_form')

function write(ctx: Context, s: CookieSettings, name: string, value: string, maxAgeSeconds: number, sameSite: 'Lax' | 'Strict'): void {
  const attrs = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${sameSite}`, `Max-Age=${maxAgeSeconds}`]
  if (s.secure) attrs.push('Secure')
  ctx.append('Set-Cookie', attrs.join('; '))
}

export function setSessionCookie(ctx: Context, s: CookieSettings, token: string, maxAgeMs: number): void {
  write(ctx, s, sessionCookieName(s), token, Math.floor(maxAgeMs / 1000), 'Lax')
}

export function clearSessionCookie(ctx: Context, s: CookieSettings): void {
  write(ctx, s, sessionCookieName(s), '', 0, 'Lax')
}

/** The anti-forgery token of the password form (double submit): Strict, so no other site's form carries it. */
export function setFormTokenCookie(ctx: Context, s: CookieSettings, token: string): void {
  write(ctx, s, formTokenCookieName(s), token, 3600, 'Strict')
}

export function readCookie(ctx: Context, name: string): string | null {
  for (const part of (ctx.get('Cookie') || '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

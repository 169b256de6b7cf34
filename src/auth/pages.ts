import type { Context } from 'koa'
import { httpTitle, type ErrorFormatter } from '../http/error-handler.js'

/** The few HTML pages of sign-in: plain, readable on a phone, no scripts, nothing from elsewhere. */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

// The console's own stylesheet (web/assets/console.css, its `sign-in` section): one look for the
// console's tenant screen and these pages, from the same tokens. A file, so CSP needs no inline style.
const STYLESHEET = '/admin/assets/console.css'

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Roster</title><link rel="stylesheet" href="${STYLESHEET}"></head><body class="sign-in-page"><main class="narrow sign-in">${body}</main></body></html>`
}

/**
 * `formTargets`: origins a form on the page may end up at besides ours. CSP form-action also
 * governs the redirects that follow a submission, so the sign-out form needs the IdP's origin when
 * sign-out continues there (Single Logout).
 */
export function sendHtml(ctx: Context, status: number, html: string, formTargets: string[] = []): void {
  ctx.status = status
  ctx.type = 'text/html; charset=utf-8'
  ctx.set('Cache-Control', 'no-store')
  const formAction = ["'self'", ...formTargets].join(' ')
  ctx.set('Content-Security-Policy', `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
  ctx.set('X-Frame-Options', 'DENY')
  ctx.set('Referrer-Policy', 'no-referrer')
  ctx.body = html
}

export interface LoginPageModel {
  tenantName: string
  /** Our SSO start URL, when the tenant has SAML. */
  ssoUrl: string | null
  passwordAction: string | null
  formToken: string
  returnTo: string | null
  userName?: string
  alert?: string
  note?: string
}

export function loginPage(m: LoginPageModel): string {
  const parts = [`<h1>Sign in to ${escapeHtml(m.tenantName)}</h1>`]
  if (m.alert) parts.push(`<p class="alert" role="alert">${escapeHtml(m.alert)}</p>`)
  if (m.note) parts.push(`<p class="note" role="status">${escapeHtml(m.note)}</p>`)
  if (m.ssoUrl) parts.push(`<a class="button primary" href="${escapeHtml(m.ssoUrl)}">Sign in with single sign-on</a>`)
  if (m.passwordAction) {
    parts.push(`<form method="post" action="${escapeHtml(m.passwordAction)}">
<input type="hidden" name="formToken" value="${escapeHtml(m.formToken)}">
${m.returnTo ? `<input type="hidden" name="returnTo" value="${escapeHtml(m.returnTo)}">` : ''}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(m.userName ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button></form>`)
  }
  if (!m.ssoUrl && !m.passwordAction) parts.push('<p>Sign-in is not available for this tenant. Ask its administrator.</p>')
  return page('Sign in', parts.join('\n'))
}

export function signedInPage(m: { tenantName: string; userName: string; logoutAction: string }): string {
  return page(
    'Signed in',
    `<h1>${escapeHtml(m.tenantName)}</h1><p>You are signed in as <strong>${escapeHtml(m.userName)}</strong>.</p>
<form method="post" action="${escapeHtml(m.logoutAction)}"><button type="submit">Sign out</button></form>`,
  )
}

export function messagePage(m: { title: string; message: string; link?: { href: string; label: string } }): string {
  return page(
    m.title,
    `<h1>${escapeHtml(m.title)}</h1><p>${escapeHtml(m.message)}</p>${m.link ? `<a class="button secondary" href="${escapeHtml(m.link.href)}">${escapeHtml(m.link.label)}</a>` : ''}`,
  )
}

/** Errors on browser paths (/saml, /login, /logout) as a page, not JSON. */
export const htmlError: ErrorFormatter = (ctx, shape) => {
  const detail = shape.unexpected ? `Something went wrong on our side. Reference: ${String(ctx.state.requestId ?? 'none')}.` : shape.detail
  sendHtml(ctx, shape.status, messagePage({ title: httpTitle(shape.status), message: detail }))
}

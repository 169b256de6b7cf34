import type { Context } from 'koa'
import { httpTitle, type ErrorFormatter } from '../http/error-handler.js'

/** The few HTML pages of sign-in: plain, readable on a phone, no scripts, nothing from elsewhere. */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:24rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #9aa3b2;border-radius:4px}
button,a.button{display:block;width:100%;box-sizing:border-box;margin-top:1.25rem;padding:.7rem;font-size:1rem;border:0;border-radius:4px;background:#2456c9;color:#fff;text-align:center;text-decoration:none;cursor:pointer}
a.button.secondary{background:#e7eaf0;color:#1d2330}p.alert{padding:.6rem;border-radius:4px;background:#fdecea;color:#8a1c12}
p.note{color:#4a5264}:focus-visible{outline:3px solid #f5a623;outline-offset:2px}`

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Roster</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
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
  ctx.set('Content-Security-Policy', `default-src 'none'; style-src 'unsafe-inline'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`)
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
  if (m.ssoUrl) parts.push(`<a class="button" href="${escapeHtml(m.ssoUrl)}">Sign in with single sign-on</a>`)
  if (m.passwordAction) {
    parts.push(`<form method="post" action="${escapeHtml(m.passwordAction)}">
<input type="hidden" name="formToken" value="${escapeHtml(m.formToken)}">
${m.returnTo ? `<input type="hidden" name="returnTo" value="${escapeHtml(m.returnTo)}">` : ''}
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(m.userName ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`)
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

import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { send } from '@koa/send'
import type { Middleware } from 'koa'

export const CONSOLE_PREFIX = '/admin'

const webRoot = fileURLToPath(new URL('../../web/', import.meta.url))
// htm's standalone build carries Preact and its hooks in one ES module without bare imports, so
// the browser loads it as is: the console needs no bundler and no build step after `npm ci`.
// (Found from the package's main entry: its exports map names the ES module build for `import`
// only, and tests load this module through require as well.)
const vendorDir = join(dirname(createRequire(import.meta.url).resolve('htm')), '..', 'preact')
const VENDOR_FILE = 'standalone.module.js'

// Everything the console loads comes from us; it talks only to /api. No inline script or style,
// so an injected string cannot run. form-action is left open: sign-out continues to the tenant's
// IdP (Single Logout) at an origin this page does not know.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'"

/**
 * The web console (web/): static files under /admin/assets and /admin/vendor, and index.html for
 * every other /admin path, since the console routes in the browser (history API), so a reload or a
 * bookmark of /admin/users/<id> lands on the same screen.
 */
export function consoleRoutes(): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== CONSOLE_PREFIX && !ctx.path.startsWith(`${CONSOLE_PREFIX}/`)) return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405
      ctx.set('Allow', 'GET, HEAD')
      return
    }
    ctx.set('Content-Security-Policy', CSP)
    ctx.set('X-Content-Type-Options', 'nosniff')
    ctx.set('Referrer-Policy', 'same-origin')
    const rest = ctx.path.slice(CONSOLE_PREFIX.length)
    if (rest === '/vendor/htm-preact.js') {
      await send(ctx, VENDOR_FILE, { root: vendorDir, maxage: 3600_000 })
      return
    }
    if (rest.startsWith('/assets/') || rest.startsWith('/app/')) {
      // send() refuses paths that leave root (..), hidden files, and answers 404 for what is missing.
      try {
        await send(ctx, rest.slice(1), { root: webRoot, hidden: false })
      } catch (err) {
        if ((err as { status?: number }).status === 404) {
          ctx.status = 404
          ctx.type = 'text/plain'
          ctx.body = 'Not found'
          return
        }
        throw err
      }
      ctx.set('Cache-Control', 'no-cache')
      return
    }
    await send(ctx, 'index.html', { root: webRoot })
    ctx.set('Cache-Control', 'no-store')
  }
}

import Router from '@koa/router'

/** What readiness asks of the store; the toolkit knows nothing more of it. */
export interface Pingable {
  readonly kind: string
  ping(timeoutMs: number): Promise<unknown>
}

/** Liveness says the process runs; readiness says it can do its job (the store answers). */
export function healthRouter(store: Pingable): Router {
  const router = new Router()
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', async (ctx) => {
    try {
      await store.ping(2000)
      ctx.body = { status: 'ready', store: store.kind }
    } catch {
      ctx.status = 503
      ctx.set('Retry-After', '5')
      ctx.body = { status: 'unavailable', store: store.kind, detail: 'the database does not answer' }
    }
  })
  return router
}

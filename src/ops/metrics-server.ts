/**
 * GET /metrics on its own port (METRICS_PORT): the API's port, exposed to identity providers and
 * browsers, never serves it, and the metrics port can stay inside the network Prometheus scrapes
 * from. Metrics are per process: Prometheus scrapes every node (docs/operations.md).
 */
import Koa from 'koa'
import type { Logger } from '../log.js'
import { listen, type RunningServer } from '../http/server.js'
import type { PrometheusMetrics } from './metrics.js'

export async function serveMetrics(metrics: PrometheusMetrics, port: number, host: string, log: Logger): Promise<RunningServer> {
  const app = new Koa()
  app.silent = true
  app.use(async (ctx) => {
    if (ctx.path !== '/metrics') {
      ctx.status = 404
      ctx.body = 'not found: metrics are at /metrics\n'
      return
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405
      ctx.set('Allow', 'GET, HEAD')
      return
    }
    try {
      const { body, contentType } = await metrics.scrape()
      ctx.type = contentType
      ctx.body = body
    } catch (err) {
      log.warn({ err }, 'metrics could not be collected')
      ctx.status = 500
      ctx.body = 'metrics could not be collected\n'
    }
  })
  try {
    return await listen(app, port, host, log)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new Error(`METRICS_PORT ${port} on HOST ${host} is already in use: stop the other process or set METRICS_PORT`, { cause: err })
    throw err
  }
}

import Router from '@koa/router'

/** What readiness asks of the store; the toolkit knows nothing more of it. */
export interface Pingable {
  readonly kind: string
  ping(timeoutMs: number): Promise<unknown>
}

/**
 * Balancers and orchestrators mark a backend down after a few failed probes: HAProxy's `fall` and
 * Kubernetes' failureThreshold both default to 3. After that many unready answers nothing new is
 * routed here.
 */
const UNREADY_PROBES_SEEN = 3
/**
 * Probes that stop for this many of their intervals (and at least quietFloorMs) mean nobody routes
 * traffic by them any more; one probe alone (a person with curl) is no balancer.
 */
const QUIET_INTERVALS = 3

/**
 * Whether this node wants traffic. A node shutting down turns unready first and keeps serving until
 * whoever routes requests here has seen that, so that stopping loses no request: the balancer stops
 * sending, then the server drains what is in flight.
 */
export class Readiness {
  private draining = false
  private lastProbeAt = Number.NEGATIVE_INFINITY
  private probeIntervalMs = Number.POSITIVE_INFINITY
  private unreadyAnswers = 0
  private settled: (() => void) | undefined
  private readonly quietFloorMs: number

  constructor(options: { quietFloorMs?: number } = {}) {
    this.quietFloorMs = options.quietFloorMs ?? 1000
  }

  get accepting(): boolean {
    return !this.draining
  }

  /** A readiness probe arrived; returns whether to answer ready. */
  probed(): boolean {
    const now = Date.now()
    this.probeIntervalMs = now - this.lastProbeAt
    this.lastProbeAt = now
    if (!this.draining) return true
    this.unreadyAnswers++
    this.settled?.()
    return false
  }

  /**
   * Turns unready, then resolves once the balancer has had UNREADY_PROBES_SEEN probes answered
   * unready, or has stopped probing (at once when nothing probes it regularly), or after timeoutMs
   * at the latest.
   */
  drain(timeoutMs: number): Promise<void> {
    this.draining = true
    return new Promise((resolve) => {
      let quiet: NodeJS.Timeout | undefined
      const deadline = setTimeout(finish, timeoutMs)
      deadline.unref()
      function finish() {
        clearTimeout(deadline)
        clearTimeout(quiet)
        resolve()
      }
      // Checked now and at every probe: enough unready answers yet, or how long until silence says
      // that no one is watching.
      this.settled = () => {
        clearTimeout(quiet)
        if (this.unreadyAnswers >= UNREADY_PROBES_SEEN) return finish()
        const silentAfter = this.lastProbeAt + Math.max(QUIET_INTERVALS * this.probeIntervalMs, this.quietFloorMs)
        if (!Number.isFinite(silentAfter) || silentAfter <= Date.now()) return finish()
        quiet = setTimeout(finish, silentAfter - Date.now())
        quiet.unref()
      }
      this.settled()
    })
  }
}

/**
 * Liveness says the process runs; readiness says it can do its job (the store answers) and wants to
 * (it is not shutting down).
 */
export function healthRouter(store: Pingable, readiness = new Readiness()): Router {
  const router = new Router()
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' }
  })
  router.get('/readyz', async (ctx) => {
    if (!readiness.probed()) {
      ctx.status = 503
      ctx.body = { status: 'stopping', store: store.kind, detail: 'this node is shutting down' }
      return
    }
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

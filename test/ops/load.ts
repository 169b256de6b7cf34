/**
 * Mixed traffic through the balancer, as a deployment sees it: SCIM writes and reads, the console
 * API with a session, password and SAML sign-ins. Every request's outcome is kept with its start and end, so
 * a test can tell requests in flight at a moment from those started after it; every SCIM create
 * that was acknowledged (201) is remembered, to read back afterwards.
 */
import { call, passwordSignIn, scimUser, type Answer } from './cluster.js'

export interface Failure {
  op: string
  startedAt: number
  endedAt: number
  detail: string
}

export interface LoadTarget {
  url: string
  tenant: string
  scimToken: string
  adminCookie: string
  /**
   * Who each client signs in as, from an address of its own: sign-in attempts are counted per
   * account and per client address before the password is checked, so one account or one address
   * signing in many times at once looks like guessing.
   */
  signIns: Array<{ userName: string; password: string }>
  /** One SAML sign-in (the SP-initiated request, then the IdP's response): 303 when signed in. */
  samlSignIn: () => Promise<Answer>
}

/** One step of the mix: `requests` HTTP requests, the last answering `expect`. */
type Op = { name: string; expect: number; requests: number; run: () => Promise<Answer> }

export class Load {
  /** HTTP requests sent. */
  requests = 0
  readonly failures: Failure[] = []
  /** Ids of users whose creation was acknowledged with 201. */
  readonly acknowledged: string[] = []
  private running = false
  private startedAt = 0
  private stoppedAt = 0
  private workers: Promise<void>[] = []
  private seq = 0

  constructor(
    private readonly target: LoadTarget,
    private readonly label: string,
  ) {}

  start(concurrency: number): void {
    this.running = true
    this.startedAt = Date.now()
    for (let w = 0; w < concurrency; w++) this.workers.push(this.worker(w))
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.workers)
    this.workers = []
    this.stoppedAt = Date.now()
  }

  /** HTTP requests per second while it ran. */
  get rate(): number {
    return Math.round((this.requests * 1000) / Math.max(1, this.stoppedAt - this.startedAt))
  }

  private ops(w: number): Op[] {
    const t = this.target
    const scim = { bearer: t.scimToken }
    const someUser = () => this.acknowledged[Math.floor(Math.random() * this.acknowledged.length)]
    return [
      {
        name: 'SCIM create',
        expect: 201,
        requests: 1,
        run: async () => {
          const res = await call(t.url, 'POST', '/scim/v2/Users', { ...scim, json: scimUser(`${this.label}-${w}-${this.seq++}`), contentType: 'application/scim+json' })
          if (res.status === 201) this.acknowledged.push((res.body as { id: string }).id)
          return res
        },
      },
      { name: 'SCIM read', expect: 200, requests: 1, run: () => call(t.url, 'GET', someUser() ? `/scim/v2/Users/${someUser()}` : '/scim/v2/Users?count=1', scim) },
      { name: 'SCIM search', expect: 200, requests: 1, run: () => call(t.url, 'GET', `/scim/v2/Users?filter=${encodeURIComponent(`userName sw "${this.label}-${w}"`)}&count=5`, scim) },
      { name: 'console /api/me', expect: 200, requests: 1, run: () => call(t.url, 'GET', '/api/me', { cookie: t.adminCookie }) },
      { name: 'console /api/users', expect: 200, requests: 1, run: () => call(t.url, 'GET', '/api/users?limit=5', { cookie: t.adminCookie }) },
      {
        name: 'password sign-in',
        expect: 303,
        requests: 2,
        run: async () => {
          const who = t.signIns[w % t.signIns.length]!
          return (await passwordSignIn(t.url, t.tenant, who.userName, who.password, `192.0.2.${w + 1}`)).res
        },
      },
      { name: 'SAML sign-in', expect: 303, requests: 2, run: t.samlSignIn },
    ]
  }

  private async worker(w: number): Promise<void> {
    const ops = this.ops(w)
    for (let i = w; this.running; i++) {
      const op = ops[i % ops.length]!
      const startedAt = Date.now()
      this.requests += op.requests
      try {
        const res = await op.run()
        if (res.status !== op.expect) this.failures.push({ op: op.name, startedAt, endedAt: Date.now(), detail: `${res.status} ${JSON.stringify(res.body).slice(0, 200)}` })
      } catch (err) {
        const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause
        this.failures.push({ op: op.name, startedAt, endedAt: Date.now(), detail: `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}` })
      }
    }
  }
}

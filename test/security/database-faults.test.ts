/**
 * Database faults never end the process, and a hung database never hangs Roster.
 *
 * Roster runs as its own process (npm start) on a private PostgreSQL cluster while 8 clients do
 * mixed SCIM reads and writes; the cluster's connections are cut (pg_terminate_backend), the
 * server is stopped and started (pg_ctl stop -m fast), and frozen (SIGSTOP of the postmaster and
 * every backend). Every answer must be 2xx/4xx, or 503 with Retry-After in SCIM's error format:
 * never a 500, never a crash, never a request outliving a deadline derived from the configured
 * timeouts. When the database is back, requests succeed again without a restart.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import pg from 'pg'
import { startCluster, type PostgresCluster } from '../services/postgres.mjs'
import { startServer, type ServerProcess } from '../support/process.js'
import { ERROR, USER } from '../support/scim.js'
import { until } from '../support/wait.js'

const TOKEN_LINE = /^SCIM token: (rst_\S+)$/m

// Short timeouts keep the test quick; the deadline every request must meet follows from them.
const STATEMENT_TIMEOUT_MS = 2000
const CONNECT_TIMEOUT_MS = 2000
const ACQUIRE_TIMEOUT_MS = 2000
// The client-side query timeout is the statement timeout plus max(1s, 10%) (src/store/postgres/pg-database.ts).
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1000
// A request's database step waits at most for admission, a connection, and one statement; the rest
// is slack for a loaded two-core machine.
const REQUEST_DEADLINE_MS = ACQUIRE_TIMEOUT_MS + CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 8000

interface Outcome {
  client: number
  method: string
  status: number
  retryAfter: string | null
  body: string
  at: number
}

/** Eight clients doing mixed SCIM GET/POST until stopped; every answer is kept for the assertions. */
class Load {
  readonly outcomes: Outcome[] = []
  readonly failures: string[] = []
  private running = true
  private readonly loops: Promise<void>[]
  private seq = 0

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly knownId: string,
    clients = 8,
  ) {
    this.loops = Array.from({ length: clients }, (_, i) => this.loop(i))
  }

  private async one(client: number, method: string, path: string, body?: unknown): Promise<void> {
    const started = Date.now()
    try {
      const res = await fetch(`${this.baseUrl}/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      })
      this.outcomes.push({ client, method, status: res.status, retryAfter: res.headers.get('Retry-After'), body: await res.text(), at: Date.now() })
    } catch (err) {
      const e = err as Error
      this.failures.push(`${method} ${path}: ${e.name === 'TimeoutError' ? `no answer within ${REQUEST_DEADLINE_MS} ms` : e.message} (after ${Date.now() - started} ms)`)
    }
  }

  private async loop(client: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      switch ((client + i) % 4) {
        case 0:
          await this.one(client, 'POST', '/Users', { schemas: [USER], userName: `load-${process.pid}-${this.seq++}-${Date.now()}` })
          break
        case 1:
          await this.one(client, 'GET', `/Users/${this.knownId}`)
          break
        case 2:
          await this.one(client, 'GET', '/Users?filter=userName%20sw%20%22load-%22&count=5')
          break
        default:
          await this.one(client, 'GET', '/Users/00000000-0000-4000-8000-000000000000')
      }
    }
  }

  since(t: number): Outcome[] {
    return this.outcomes.filter((o) => o.at >= t)
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  /** The invariant of the whole test: what every answer may be. */
  check(): void {
    assert.deepEqual(this.failures, [], 'every request got an answer within the deadline')
    for (const o of this.outcomes) {
      const ok = (o.status >= 200 && o.status < 300) || (o.status >= 400 && o.status < 500) || o.status === 503
      assert.ok(ok, `${o.method} answered ${o.status}: ${o.body.slice(0, 300)}`)
      if (o.status === 503) {
        assert.match(o.retryAfter ?? '', /^\d+$/, '503 carries Retry-After in delta-seconds')
        const body = JSON.parse(o.body) as { schemas?: string[]; status?: string }
        assert.deepEqual(body.schemas, [ERROR])
        assert.equal(body.status, '503')
      }
    }
  }
}


/** The postmaster and every process it started (backends and auxiliaries). */
function serverProcesses(cluster: PostgresCluster): number[] {
  const postmaster = Number(fs.readFileSync(`${cluster.dataDir}/postmaster.pid`, 'utf8').split('\n')[0])
  const children = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The parent pid is the 4th field, after "(comm)" which may itself contain spaces.
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster
      } catch {
        return false
      }
    })
    .map(Number)
  return [postmaster, ...children]
}

if (process.env.TEST_PG_BIN || process.env.CI === 'true') {
  describe('security: database faults never end the process (PostgreSQL server)', function () {
    this.timeout(240_000)
    let cluster: PostgresCluster
    let server: ServerProcess
    let token: string
    let knownId: string

    /** The fault injector's own statements, on a connection of their own (the faults end any kept one). */
    const adminQuery = async <R extends pg.QueryResultRow>(text: string): Promise<R[]> => {
      const c = new pg.Client({ connectionString: cluster.url, application_name: 'fault-injector' })
      c.on('error', () => undefined)
      await c.connect()
      try {
        return (await c.query<R>(text)).rows
      } finally {
        await c.end().catch(() => undefined)
      }
    }

    const scim = (method: string, path: string, body?: unknown) =>
      fetch(`${server.baseUrl}/scim/v2${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(REQUEST_DEADLINE_MS),
      }).catch(() => null)

    const alive = () => {
      assert.equal(server.child.exitCode, null, `Roster exited:\n${server.stderr().slice(-3000)}`)
      assert.equal(server.child.signalCode, null)
      assert.doesNotMatch(server.stderr(), /Unhandled|uncaught/i)
    }

    /** Requests succeed again, without a restart. */
    const recovered = async () => {
      await until('requests succeed again', 60_000, async () => {
        const created = await scim('POST', '/Users', { schemas: [USER], userName: `after-${Date.now()}-${Math.random()}` })
        const read = await scim('GET', `/Users/${knownId}`)
        return created?.status === 201 && read?.status === 200
      })
    }

    before(async () => {
      cluster = await startCluster({ binDir: process.env.TEST_PG_BIN })
      const c = new pg.Client({ connectionString: cluster.url })
      await c.connect()
      await c.query('CREATE DATABASE faults')
      await c.end()
      server = await startServer({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${cluster.port}/faults`,
        DATABASE_POOL_MAX: '6',
        DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`,
        DATABASE_STATEMENT_TIMEOUT: `${STATEMENT_TIMEOUT_MS}ms`,
        DATABASE_ACQUIRE_TIMEOUT: `${ACQUIRE_TIMEOUT_MS}ms`,
        LOG_LEVEL: 'warn',
      })
      token = TOKEN_LINE.exec(server.stdout())![1]!
      const res = await scim('POST', '/Users', { schemas: [USER], userName: 'known' })
      assert.equal(res?.status, 201)
      knownId = ((await res!.json()) as { id: string }).id
    })
    after(async () => {
      await server?.stop('SIGKILL')
      await cluster?.destroy()
    })
    afterEach(alive)

    it('survives its connections being terminated mid-request, again and again', async () => {
      const load = new Load(server.baseUrl, token, knownId)
      try {
        let terminated = 0
        for (let round = 0; round < 12; round++) {
          const mark = Date.now()
          // Some requests go through between rounds, so every round cuts connections in use.
          await until(`requests are answered before round ${round}`, 30_000, () => load.since(mark).length >= 8 || server.child.exitCode !== null)
          alive()
          const rows = await adminQuery<{ killed: boolean }>(
            `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = 'faults' AND application_name = 'roster'`,
          )
          terminated += rows.filter((r) => r.killed).length
        }
        assert.ok(terminated >= 12, `terminated ${terminated} backends`)
      } finally {
        await load.stop()
      }
      alive()
      load.check()
      assert.ok(load.outcomes.some((o) => o.status === 503), 'some requests lost their connection')
      await recovered()
    })

    it('survives the server stopping (pg_ctl stop -m fast) and heals when it starts again', async () => {
      const load = new Load(server.baseUrl, token, knownId)
      try {
        for (let round = 0; round < 2; round++) {
          let mark = Date.now()
          await until('requests are answered', 30_000, () => load.since(mark).filter((o) => o.status < 300).length >= 8 || server.child.exitCode !== null)
          alive()
          await cluster.stop()
          mark = Date.now()
          await until('clients see 503 while the server is down', 30_000, () => load.since(mark).filter((o) => o.status === 503).length >= 8)
          alive()
          await cluster.start()
          mark = Date.now()
          await until('requests succeed again', 60_000, () => load.since(mark).filter((o) => o.status < 300).length >= 8)
        }
      } finally {
        await cluster.start()
        await load.stop()
      }
      alive()
      load.check()
      await recovered()
    })

    it('does not hang while the server is frozen (SIGSTOP), and heals when it resumes', async () => {
      const load = new Load(server.baseUrl, token, knownId)
      let frozen: number[] = []
      try {
        let mark = Date.now()
        await until('requests are answered', 30_000, () => load.since(mark).filter((o) => o.status < 300).length >= 8)
        frozen = serverProcesses(cluster)
        for (const pid of frozen) process.kill(pid, 'SIGSTOP')
        mark = Date.now()
        // Frozen until every client has had a request end in 503: none of them hangs behind the
        // frozen server (each answer also met the deadline, or load.check fails below).
        await until('every client gets 503 from the frozen database', 4 * REQUEST_DEADLINE_MS, () => {
          const clients = new Set(load.since(mark).filter((o) => o.status === 503).map((o) => o.client))
          return clients.size === 8 || load.failures.length > 0
        })
        alive()
      } finally {
        for (const pid of frozen) {
          try {
            process.kill(pid, 'SIGCONT')
          } catch {
            // gone
          }
        }
      }
      try {
        const mark = Date.now()
        await until('requests succeed after the server resumes', 60_000, () => load.since(mark).filter((o) => o.status < 300).length >= 8)
      } finally {
        await load.stop()
      }
      alive()
      load.check()
      await recovered()
    })
  })
}

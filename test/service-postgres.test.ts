import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { startCluster, type PostgresCluster } from './services/postgres.mjs'
import { failedStart, startServer, type ServerProcess } from './support/process.js'
import { until } from './support/wait.js'

const TOKEN_LINE = /^SCIM token: (rst_\S+)$/m

async function status(url: string, token?: string): Promise<number> {
  try {
    return (await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) })).status
  } catch {
    return -1
  }
}


// A private cluster per file: these tests stop and restart it, which the shared one must never see.
// Under CI the server binaries are mandatory (npm test installs them); elsewhere the harness says
// loudly when they are missing and this part does not run.
if (process.env.TEST_PG_BIN || process.env.CI === 'true') {
  describe('npm start on a PostgreSQL server', function () {
    let cluster: PostgresCluster
    const servers: ServerProcess[] = []
    const url = (db: string) => `postgres://postgres@127.0.0.1:${cluster.port}/${db}`

    before(async () => {
      cluster = await startCluster({ binDir: process.env.TEST_PG_BIN })
    })
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.stop('SIGKILL')))
      await cluster.start()
    })
    after(async () => cluster?.destroy())

    async function createDatabase(name: string): Promise<void> {
      const c = new pg.Client({ connectionString: cluster.url })
      await c.connect()
      await c.query(`CREATE DATABASE ${name}`)
      await c.end()
    }

    it('bootstraps exactly once when two processes start together on an empty database', async () => {
      await createDatabase('twin')
      const env = { DATABASE_URL: url('twin') }
      const [a, b] = await Promise.all([startServer(env), startServer(env)])
      servers.push(a!, b!)
      const tokens = [a!, b!].map((s) => TOKEN_LINE.exec(s.stdout())?.[1]).filter(Boolean)
      assert.equal(tokens.length, 1, 'one process created the default tenant and token')
      for (const s of [a!, b!]) assert.equal(await status(`${s.baseUrl}/scim/v2/x`, tokens[0]), 404)
      const c = new pg.Client({ connectionString: url('twin') })
      await c.connect()
      const { rows } = await c.query('SELECT (SELECT count(*)::int FROM tenants) AS tenants, (SELECT count(*)::int FROM tokens) AS tokens')
      await c.end()
      assert.deepEqual(rows[0], { tenants: 1, tokens: 1 })
    })

    it('reports the database gone on /readyz and with 503, and recovers by itself when it returns', async () => {
      await createDatabase('outage')
      const s = await startServer({ DATABASE_URL: url('outage'), DATABASE_CONNECT_TIMEOUT: '2s' })
      servers.push(s)
      const token = TOKEN_LINE.exec(s.stdout())![1]!
      assert.equal(await status(`${s.baseUrl}/readyz`), 200)
      await cluster.stop()
      await until('/readyz reports 503', 20_000, async () => (await status(`${s.baseUrl}/readyz`)) === 503, 200)
      assert.equal(await status(`${s.baseUrl}/scim/v2/x`, token), 503)
      assert.equal(await status(`${s.baseUrl}/healthz`), 200, 'the process itself is alive')
      await cluster.start()
      await until('/readyz recovers', 20_000, async () => (await status(`${s.baseUrl}/readyz`)) === 200, 200)
      assert.equal(await status(`${s.baseUrl}/scim/v2/x`, token), 404)
      assert.equal(s.child.exitCode, null, 'the server never crashed')
    })

    it('fails at start-up naming the cause for a wrong password and a missing database', async () => {
      const c = new pg.Client({ connectionString: cluster.url })
      await c.connect()
      await c.query(`CREATE ROLE roster LOGIN PASSWORD 'right-password'`)
      await c.end()
      // Switch TCP logins from trust to password authentication for this private cluster.
      const hba = path.join(cluster.dataDir, 'pg_hba.conf')
      fs.writeFileSync(hba, fs.readFileSync(hba, 'utf8').replace(/^(host\s.*\s)trust\s*$/gm, '$1scram-sha-256'))
      await cluster.stop()
      await cluster.start()
      const wrong = await failedStart({ DATABASE_URL: `postgres://roster:wrong-password@127.0.0.1:${cluster.port}/postgres` })
      assert.equal(wrong.code, 1)
      assert.match(wrong.stderr, /DATABASE_URL .*password authentication failed/)
      assert.doesNotMatch(wrong.stderr, /wrong-password/)
      assert.ok(wrong.ms < 15_000)
      const missing = await failedStart({ DATABASE_URL: `postgres://roster:right-password@127.0.0.1:${cluster.port}/nope` })
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /database "nope" does not exist/)
    })
  })
}

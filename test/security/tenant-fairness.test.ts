/**
 * No tenant can starve another (issue 12, findings 4 and 11): database work is admitted per tenant
 * (src/store/postgres/tenant-admission.ts), round-robin across tenants, with a cap per tenant on the
 * server and turns between statements on the embedded database. Assertions are about order and
 * counts (who was served while whose work was still running), never about durations.
 */
import assert from 'node:assert/strict'
import pg from 'pg'
import request from 'supertest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { StoreUnavailableError } from '../../src/domain/kernel/errors.js'
import { withLogContext } from '../../src/log.js'
import { TenantAdmission } from '../../src/store/postgres/tenant-admission.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { backends, postgresBackend, type TestStore } from '../support/stores.js'
import { signInApp, signInActor, newTenant } from '../support/sign-in.js'
import { apiAs, tenantWithAdmin } from '../support/admin.js'
import { BULK_REQUEST, USER } from '../support/scim.js'
import { until } from '../support/wait.js'


/** Lets every queued grant (microtasks and setImmediate turns) happen. */
const settle = () => new Promise((r) => setImmediate(() => setImmediate(r)))

describe('security: tenant admission (unit)', () => {
  it('serves waiting tenants round-robin, FIFO within a tenant', async () => {
    const gate = new TenantAdmission({ capacity: 1 })
    const order: string[] = []
    const first = await gate.acquire('A')
    const waiting = ['A1', 'A2', 'A3', 'B1', 'C1', 'B2'].map((name) =>
      gate.acquire(name[0]).then((release) => {
        order.push(name)
        release()
      }),
    )
    first()
    await Promise.all(waiting)
    assert.deepEqual(order, ['A1', 'B1', 'C1', 'A2', 'B2', 'A3'])
  })

  it('caps one tenant at its share while another is admitted at once', async () => {
    const gate = new TenantAdmission({ capacity: 4, perTenant: 2 })
    const a = [await gate.acquire('A'), await gate.acquire('A')]
    let thirdA = false
    const pending = gate.acquire('A').then((release) => {
      thirdA = true
      return release
    })
    const b = await gate.acquire('B')
    await settle()
    assert.equal(thirdA, false, 'a tenant never holds more than its share')
    assert.deepEqual(gate.snapshot(), { active: { A: 2, B: 1 }, waiting: { A: 1 } })
    a[0]!()
    ;(await pending)()
    a[1]!()
    b()
    assert.deepEqual(gate.snapshot(), { active: {}, waiting: {} })
  })

  it('gives up after the acquire timeout with StoreUnavailableError', async () => {
    const gate = new TenantAdmission({ capacity: 1, waitTimeoutMs: 20 })
    const release = await gate.acquire('A')
    await assert.rejects(gate.acquire('B'), StoreUnavailableError)
    assert.deepEqual(gate.snapshot().waiting, {})
    release()
    ;(await gate.acquire('B'))()
  })

  it('runs work issued inside admitted work on the same admission (no deadlock inside a transaction)', async () => {
    const gate = new TenantAdmission({ capacity: 1 })
    const result = await gate.run(() => gate.run(() => gate.run(async () => 'nested')), 'A')
    assert.equal(result, 'nested')
  })

  it('is configured by DATABASE_TENANT_CONCURRENCY, a share of the pool', () => {
    assert.equal(loadConfig({}).databaseTenantConcurrency, undefined)
    assert.equal(new TenantAdmission({ capacity: 10 }).perTenant, 5, 'default: half the pool')
    assert.equal(new TenantAdmission({ capacity: 1 }).perTenant, 1)
    assert.equal(loadConfig({ DATABASE_POOL_MAX: '20', DATABASE_TENANT_CONCURRENCY: '4' }).databaseTenantConcurrency, 4)
    assert.throws(() => loadConfig({ DATABASE_POOL_MAX: '4', DATABASE_TENANT_CONCURRENCY: '5' }), (e: unknown) => e instanceof ConfigError && /DATABASE_TENANT_CONCURRENCY/.test(e.message))
    const timeouts = loadConfig({ DATABASE_STATEMENT_TIMEOUT: '2s', DATABASE_ACQUIRE_TIMEOUT: '500ms' })
    assert.deepEqual([timeouts.databaseStatementTimeoutMs, timeouts.databaseAcquireTimeoutMs], [2000, 500])
    assert.throws(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT: 'forever' }), /DATABASE_STATEMENT_TIMEOUT/)
  })

  it('takes the key from the request context', async () => {
    const gate = new TenantAdmission({ capacity: 2, perTenant: 1 })
    const seen: Array<Record<string, number>> = []
    await withLogContext({ tenantId: 't-1' }, () => gate.run(async () => seen.push(gate.snapshot().active)))
    assert.deepEqual(seen, [{ 't-1': 1 }])
  })

  it('with yieldToIo, another tenant gets in between the statements of a sequential flood', async () => {
    // Work that never waits for I/O (like PGlite's statements) would otherwise run to the end before
    // an I/O callback, here a setImmediate, can even ask for a turn.
    for (const yieldToIo of [true, false]) {
      const gate = new TenantAdmission({ capacity: 1, yieldToIo })
      const order: string[] = []
      const flood = (async () => {
        for (let i = 0; i < 50; i++) await gate.run(async () => void order.push('A'), 'A')
      })()
      setImmediate(() => void gate.run(async () => void order.push('B'), 'B'))
      await flood
      await settle()
      const b = order.indexOf('B')
      if (yieldToIo) assert.ok(b >= 0 && b < 5, `B served after ${b} of A's 50 statements`)
      else assert.equal(b, 50, 'without turns, B waits for the whole flood (the failure this prevents)')
    }
  })
})

for (const backend of backends()) {
  describe(`security: tenant B is served while tenant A floods (${backend.name})`, function () {
    this.timeout(180_000)
    let t: TestStore
    let app: ReturnType<typeof signInApp>
    before(async () => {
      t = await backend.open()
      app = signInApp(t.store)
    })
    after(async () => t?.dispose())

    const scimAs = (token: string) => ({
      get: (path: string) => request(app).get(`/scim/v2${path}`).set('Authorization', `Bearer ${token}`),
      post: (path: string, body: unknown) =>
        request(app).post(`/scim/v2${path}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
      put: (path: string, body: unknown) =>
        request(app).put(`/scim/v2${path}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
    })
    const scimTenant = async (prefix: string): Promise<{ tenant: Tenant; scim: ReturnType<typeof scimAs> }> => {
      const tenant = await newTenant(t.store, prefix, 'scim')
      return { tenant, scim: scimAs((await issueToken(t.store, tenant, 'fairness', signInActor)).secret) }
    }

    it('answers B\'s reads between the operations of A\'s 999-operation Bulk', async () => {
      const a = await scimTenant('fair-bulk-a')
      const b = await scimTenant('fair-bulk-b')
      const bUser = (await b.scim.post('/Users', { schemas: [USER], userName: 'reader' }).expect(201)).body as { id: string }
      const operations = Array.from({ length: 999 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: { schemas: [USER], userName: `bulk-${i}` } }))

      let bulkAnswered = false
      const bulk = a.scim.post('/Bulk', { schemas: [BULK_REQUEST], Operations: operations }).then((res) => {
        bulkAnswered = true
        return res
      })
      const createdByA = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE tenant_id = $1', [a.tenant.id]))[0]!.n
      await until('A\'s Bulk has started writing', 60_000, async () => (await createdByA()) > 0 || bulkAnswered)

      // Each of B's reads reports how much of A's Bulk was done when it was answered.
      const progressAtB: number[] = []
      for (let i = 0; i < 5; i++) {
        await b.scim.get(`/Users/${bUser.id}`).expect(200)
        progressAtB.push(bulkAnswered ? 999 : await createdByA())
      }
      const res = await bulk
      assert.equal(res.status, 200)
      assert.equal((res.body.Operations as Array<{ status: string }>).filter((o) => o.status === '201').length, 999)
      assert.ok(progressAtB.every((n) => n < 999), `B's reads were answered before A's Bulk finished (A's users at each answer: ${progressAtB.join(', ')})`)
    })

    if (backend === postgresBackend) {
      it('keeps B\'s reads (SCIM and admin API) going while A\'s requests hold their whole share of the pool', async () => {
        const a = await scimTenant('fair-lock-a')
        const b = await scimTenant('fair-lock-b')
        const bAdmin = await tenantWithAdmin(t.store, app, 'fair-lock-admin')
        const bUser = (await b.scim.post('/Users', { schemas: [USER], userName: 'reader' }).expect(201)).body as { id: string }
        const target = (await a.scim.post('/Users', { schemas: [USER], userName: 'contended' }).expect(201)).body as { id: string }

        // A's writes all wait on a row lock the test holds, so each keeps its connection for as long
        // as the test wants: a flood of slow work without any timing.
        const locker = new pg.Client({ connectionString: t.url, application_name: 'fairness-locker' })
        await locker.connect()
        // Observed from a connection of its own: inside the locker's transaction, pg_stat_activity
        // would keep showing the snapshot taken at its first read.
        const observer = new pg.Client({ connectionString: t.url, application_name: 'fairness-observer' })
        await observer.connect()
        const lockWaiters = async () =>
          (
            await observer.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'roster' AND wait_event_type = 'Lock'`,
            )
          ).rows[0]!.n
        let aAnswered = 0
        const aStatuses: string[] = []
        let flood: Promise<request.Response[]> | undefined
        try {
          await locker.query('BEGIN')
          await locker.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [target.id])
          flood = Promise.all(
            Array.from({ length: 12 }, (_, i) =>
              a.scim.put(`/Users/${target.id}`, { schemas: [USER], userName: 'contended', displayName: `writer ${i}` }).then((r) => {
                aAnswered++
                aStatuses.push(`${r.status} ${r.text.slice(0, 200)}`)
                return r
              }),
            ),
          )
          // The pool has 10 connections; A may hold half of them.
          await until('A holds its whole share of the pool', 30_000, async () => (await lockWaiters()) >= 5 || aAnswered > 0)
          assert.equal(aAnswered, 0, `A's writes wait for the lock: ${aStatuses.join('; ')}`)

          for (let i = 0; i < 5; i++) {
            // A deadline only so that a starved B fails the test instead of hanging it.
            await b.scim.get(`/Users/${bUser.id}`).timeout(30_000).expect(200)
            await apiAs(app, bAdmin.cookie).get(`/users/${bAdmin.admin.id}`).timeout(30_000).expect(200)
          }
          assert.equal(aAnswered, 0, `A's requests were all still waiting while B was served: ${aStatuses.join('; ')}`)
          assert.equal(await lockWaiters(), 5, 'A never holds more than its share (DATABASE_TENANT_CONCURRENCY, half the pool)')
        } finally {
          await locker.query('ROLLBACK').catch(() => undefined)
          await locker.end()
          await observer.end()
        }
        const answers = await flood!
        assert.deepEqual(
          answers.map((r) => r.status),
          answers.map(() => 200),
        )
      })
    }
  })
}

/**
 * Graceful shutdown's first step (issue 16, item 6): a stopping node answers /readyz unready and
 * keeps serving until the balancer has seen that; with nothing probing it, stopping does not wait.
 */
import assert from 'node:assert/strict'
import Koa from 'koa'
import request from 'supertest'
import { healthRouter, Readiness } from '../../src/http/health.js'

const store = { kind: 'test', ping: () => Promise.resolve() }

function app(readiness: Readiness) {
  const k = new Koa()
  const health = healthRouter(store, readiness)
  k.use(health.routes())
  k.use((ctx) => {
    ctx.body = 'served'
  })
  return k.callback()
}

describe('readiness while shutting down', () => {
  it('drains at once when nothing probes readiness regularly (no balancer to tell)', async () => {
    for (const probes of [0, 1]) {
      const readiness = new Readiness({ quietFloorMs: 60_000 })
      for (let i = 0; i < probes; i++) await request(app(readiness)).get('/readyz').expect(200)
      const started = Date.now()
      await readiness.drain(60_000)
      assert.ok(Date.now() - started < 30_000, `did not wait for the timeout after ${probes} probe(s)`)
      assert.equal(readiness.accepting, false)
    }
  })

  it('answers unready once draining, keeps serving, and ends the drain after the balancer has seen three unready answers', async () => {
    const readiness = new Readiness({ quietFloorMs: 60_000 })
    const callback = app(readiness)
    await request(callback).get('/readyz').expect(200)
    await request(callback).get('/readyz').expect(200)
    let drained = false
    const draining = readiness.drain(60_000).then(() => (drained = true))
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setImmediate(r))
      assert.equal(drained, false, `still draining before unready answer ${i}`)
      const res = await request(callback).get('/readyz').expect(503)
      assert.equal((res.body as { status: string }).status, 'stopping')
      await request(callback).get('/anything').expect(200, 'served')
    }
    await draining
    assert.equal(drained, true)
  })

  it('ends the drain when the balancer stops probing, or at the timeout', async () => {
    const quietly = new Readiness({ quietFloorMs: 50 })
    await request(app(quietly)).get('/readyz').expect(200)
    await request(app(quietly)).get('/readyz').expect(200)
    await quietly.drain(60_000)

    const timed = new Readiness({ quietFloorMs: 60_000 })
    await request(app(timed)).get('/readyz').expect(200)
    await request(app(timed)).get('/readyz').expect(200)
    await timed.drain(50)
  })
})

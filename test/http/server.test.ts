import assert from 'node:assert/strict'
import Koa from 'koa'
import { listen } from '../../src/http/server.js'
import { silentLog } from '../support/stores.js'

describe('HTTP server shutdown', () => {
  it('finishes in-flight requests, then stops accepting', async () => {
    const app = new Koa()
    app.use(async (ctx) => {
      await new Promise((r) => setTimeout(r, 300))
      ctx.body = { done: true }
    })
    const running = await listen(app, 0, '127.0.0.1', silentLog)
    const url = `http://127.0.0.1:${running.port}/`
    const inFlight = fetch(url).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))
    await new Promise((r) => setTimeout(r, 50))
    const closed = running.close(5000)
    assert.deepEqual(await inFlight, { status: 200, body: { done: true } })
    await closed
    await assert.rejects(fetch(url), 'no longer accepting connections')
  })

  it('closes connections that outlive the shutdown timeout', async () => {
    const app = new Koa()
    app.use(async (ctx) => {
      await new Promise((r) => setTimeout(r, 10_000))
      ctx.body = 'late'
    })
    const running = await listen(app, 0, '127.0.0.1', silentLog)
    const stuck = fetch(`http://127.0.0.1:${running.port}/`).then(
      () => 'answered',
      () => 'cut off',
    )
    await new Promise((r) => setTimeout(r, 50))
    const started = Date.now()
    await running.close(200)
    assert.ok(Date.now() - started < 5000)
    assert.equal(await stuck, 'cut off')
  })
})

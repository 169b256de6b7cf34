import assert from 'node:assert/strict'
import Koa from 'koa'
import { listen } from '../../src/http/server.js'
import { silentLog } from '../support/stores.js'

describe('HTTP server shutdown', () => {
  it('finishes in-flight requests, then stops accepting', async () => {
    // The handler answers only once shutdown has begun: the request is in flight when it starts.
    let arrived!: () => void
    const inHandler = new Promise<void>((r) => (arrived = r))
    let release!: () => void
    const closing = new Promise<void>((r) => (release = r))
    const app = new Koa()
    app.use(async (ctx) => {
      arrived()
      await closing
      ctx.body = { done: true }
    })
    const running = await listen(app, 0, '127.0.0.1', silentLog)
    const url = `http://127.0.0.1:${running.port}/`
    const inFlight = fetch(url).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }))
    await inHandler
    const closed = running.close(5000)
    release()
    assert.deepEqual(await inFlight, { status: 200, body: { done: true } })
    await closed
    await assert.rejects(fetch(url), 'no longer accepting connections')
  })

  it('closes connections that outlive the shutdown timeout', async () => {
    // A handler that never answers: only the shutdown timeout can end its connection.
    let arrived!: () => void
    const inHandler = new Promise<void>((r) => (arrived = r))
    const app = new Koa()
    app.use(async () => {
      arrived()
      await new Promise(() => undefined)
    })
    const running = await listen(app, 0, '127.0.0.1', silentLog)
    const stuck = fetch(`http://127.0.0.1:${running.port}/`).then(
      () => 'answered',
      () => 'cut off',
    )
    await inHandler
    await running.close(200)
    assert.equal(await stuck, 'cut off')
  })
})

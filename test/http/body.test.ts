import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import request from 'supertest'
import { readJson } from '../../src/http/body.js'
import { errorHandler } from '../../src/http/error-handler.js'
import { silentLog } from '../support/stores.js'

describe('JSON request bodies', () => {
  const app = new Koa()
  app.silent = true
  app.use(errorHandler(silentLog, []))
  app.use(async (ctx) => {
    ctx.body = { got: await readJson(ctx, { limitBytes: 64, types: ['application/json', 'application/scim+json'] }) }
  })
  const cb = app.callback()

  // supertest re-encodes Buffers and sets Content-Length itself; these cases need the raw bytes.
  const raw = (headers: Record<string, string>, chunks: Buffer[]) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const server = http.createServer(cb).listen(0, '127.0.0.1', () => {
        const req = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', path: '/', headers }, (res) => {
          let body = ''
          res.on('data', (d: Buffer) => (body += d.toString()))
          res.on('end', () => {
            server.close()
            resolve({ status: res.statusCode ?? 0, body })
          })
        })
        req.on('error', (err) => {
          server.close()
          reject(err)
        })
        for (const c of chunks) req.write(c)
        req.end()
      })
    })

  it('parses application/json and application/scim+json with a charset', async () => {
    await request(cb).post('/').set('Content-Type', 'application/scim+json; charset=utf-8').send('{"a":1}').expect(200, { got: { a: 1 } })
    await request(cb).post('/').set('Content-Type', 'application/json').send('{"b":"ü"}').expect(200, { got: { b: 'ü' } })
  })

  it('refuses malformed JSON with 400', async () => {
    const res = await request(cb).post('/').set('Content-Type', 'application/json').send('{"a":').expect(400)
    assert.match(res.body.detail, /not valid JSON/)
  })

  it('refuses invalid UTF-8 with 400', async () => {
    const res = await raw({ 'Content-Type': 'application/json' }, [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])])
    assert.equal(res.status, 400)
    assert.match(res.body, /UTF-8/)
  })

  it('refuses other media types and charsets with 415', async () => {
    await request(cb).post('/').set('Content-Type', 'text/plain').send('{}').expect(415)
    await request(cb).post('/').set('Content-Type', 'application/json; charset=latin1').send('{}').expect(415)
  })

  it('refuses a chunked body over the limit with 413', async () => {
    const res = await raw({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, [Buffer.from('{"x":"'), Buffer.from('z'.repeat(200)), Buffer.from('"}')])
    assert.equal(res.status, 413)
  })
})

import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import request from 'supertest'
import { pgliteBackend, type TestStore } from '../support/stores.js'
import { testApp } from '../support/app.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { createLogger, type Logger } from '../../src/log.js'
import { accessLogLevel } from '../../src/http/request-context.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import type { Actor } from '../../src/domain/audit/model.js'

const actor: Actor = { type: 'system', id: null, label: 'test' }
const LEVELS: Record<number, string> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' }

/** A logger at `level` keeping every line it writes. */
function capture(level: 'info' | 'debug'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  return { log: createLogger({ logLevel: level, logFormat: 'json' }, 'test', sink), lines }
}

/** The access-log lines as `level path status`. */
const accessLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === 'request').map((l) => `${LEVELS[l.level as number]} ${l.path as string} ${l.status as number}`)

describe('request log (LOG_REQUESTS)', () => {
  let t: TestStore
  let closed: TestStore
  let token: string
  before(async () => {
    t = await pgliteBackend.open()
    const tenant = await createTenant(t.store, actor, { slug: 'request-log' })
    token = (await issueToken(t.store, tenant, 'test', actor)).secret
    closed = await pgliteBackend.open()
    await closed.dispose()
  })
  after(async () => t?.dispose())

  /** A 200, a successful health check, a 401 and a 503 (the store is gone), through an app logging as `mode` says. */
  async function traffic(mode: 'all' | 'errors' | 'off' | undefined, level: 'info' | 'debug') {
    const { log, lines } = capture(level)
    const config = mode === undefined ? {} : { logRequests: mode }
    const { callback } = testApp(t.store, { log, config })
    await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).expect(200)
    await request(callback).get('/healthz').expect(200)
    await request(callback).get('/scim/v2/Users').expect(401)
    await request(testApp(closed.store, { log, config }).callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).expect(503)
    return lines
  }

  it('parses LOG_REQUESTS, errors by default, and refuses anything else', () => {
    assert.equal(loadConfig({}).logRequests, 'errors')
    for (const mode of ['all', 'errors', 'off'] as const) assert.equal(loadConfig({ LOG_REQUESTS: mode }).logRequests, mode)
    assert.throws(() => loadConfig({ LOG_REQUESTS: 'some' }), (err: unknown) => err instanceof ConfigError && /LOG_REQUESTS/.test(err.message))
  })

  it('errors (default): 5xx at error, 4xx at info, the rest only at debug', async () => {
    assert.deepEqual(accessLines(await traffic(undefined, 'info')), ['info /scim/v2/Users 401', 'error /scim/v2/Users 503'])
    assert.deepEqual(accessLines(await traffic('errors', 'debug')), ['debug /scim/v2/Users 200', 'debug /healthz 200', 'info /scim/v2/Users 401', 'error /scim/v2/Users 503'])
  })

  it('all: every request at info, 5xx at error, successful health checks at debug', async () => {
    assert.deepEqual(accessLines(await traffic('all', 'info')), ['info /scim/v2/Users 200', 'info /scim/v2/Users 401', 'error /scim/v2/Users 503'])
    assert.deepEqual(accessLines(await traffic('all', 'debug')), ['info /scim/v2/Users 200', 'debug /healthz 200', 'info /scim/v2/Users 401', 'error /scim/v2/Users 503'])
  })

  it('off: no access line at any level; request ids and failures are logged as before', async () => {
    const { log, lines } = capture('debug')
    const { callback } = testApp(closed.store, { log, config: { logRequests: 'off' } })
    const res = await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'req-off-1').expect(503)
    assert.equal(res.headers['x-request-id'], 'req-off-1')
    assert.deepEqual(accessLines(lines), [])
    assert.deepEqual(accessLines(await traffic('off', 'debug')), [])
    const failed = lines.filter((l) => l.level === 50)
    assert.ok(failed.length > 0, 'the 503 is logged by the error handler')
    assert.ok(failed.every((l) => l.reqId === 'req-off-1'))
  })

  it('carries the request id, method, path, status and duration on the line', async () => {
    const { log, lines } = capture('info')
    const { callback } = testApp(t.store, { log, config: { logRequests: 'all' } })
    await request(callback).get('/scim/v2/Users?filter=userName%20eq%20%22secret%22').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'abc-1').expect(200)
    const [line] = lines.filter((l) => l.msg === 'request')
    assert.equal(line?.reqId, 'abc-1')
    assert.equal(line?.method, 'GET')
    assert.equal(line?.path, '/scim/v2/Users') // never the query string: filters carry personal data
    assert.equal(typeof line?.ms, 'number')
  })

  it('chooses levels by mode, status and path', () => {
    assert.equal(accessLogLevel('errors', '/readyz', 503), 'error')
    assert.equal(accessLogLevel('errors', '/healthz', 405), 'info')
    assert.equal(accessLogLevel('all', '/healthz', 304), 'debug')
    assert.equal(accessLogLevel('all', '/api/users', 302), 'info')
    assert.equal(accessLogLevel('errors', '/api/users', 302), 'debug')
    assert.equal(accessLogLevel('off', '/api/users', 500), undefined)
  })
})

import assert from 'node:assert/strict'
import request from 'supertest'
import { pgliteBackend, type TestStore } from './support/stores.js'
import { capturingLogger, testApp } from './support/app.js'
import { createTenant } from '../src/domain/tenancy/tenants.js'
import { issueToken, revokeToken, TokenCache } from '../src/domain/credentials/tokens.js'
import type { Actor } from '../src/domain/audit/model.js'
import type { Tenant } from '../src/domain/tenancy/model.js'
import type { Store } from '../src/domain/store.js'

const actor: Actor = { type: 'system', id: null, label: 'test' }
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

describe('HTTP basics', () => {
  let t: TestStore
  let tenant: Tenant
  let token: string
  before(async () => {
    t = await pgliteBackend.open()
    tenant = await createTenant(t.store, actor, { slug: 'http-basics' })
    token = (await issueToken(t.store, tenant, 'test', actor)).secret
  })
  after(async () => t?.dispose())

  it('answers /healthz and /readyz', async () => {
    const { callback } = testApp(t.store)
    await request(callback).get('/healthz').expect(200, { status: 'ok' })
    const ready = await request(callback).get('/readyz').expect(200)
    assert.equal(ready.body.status, 'ready')
  })

  it('reports an unreachable store on /readyz and answers other requests with 503', async () => {
    const closed = await pgliteBackend.open()
    await closed.dispose()
    const { callback } = testApp(closed.store)
    const ready = await request(callback).get('/readyz').expect(503)
    assert.equal(ready.body.status, 'unavailable')
    const res = await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).expect(503)
    assert.equal(res.headers['retry-after'], '5')
    assert.equal(res.body.status, '503')
  })

  it('echoes a sane X-Request-Id, replaces an insane one, and logs it on every line', async () => {
    const { log, lines } = capturingLogger()
    const { callback } = testApp(t.store, { log })
    const echoed = await request(callback).get('/healthz').set('X-Request-Id', 'abc-123').expect(200)
    assert.equal(echoed.headers['x-request-id'], 'abc-123')
    const replaced = await request(callback).get('/healthz').set('X-Request-Id', 'has spaces <script>').expect(200)
    assert.match(replaced.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
    const generated = await request(callback).get('/healthz').expect(200)
    assert.match(generated.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
    const access = lines.filter((l) => l.msg === 'request')
    assert.deepEqual(access.map((l) => l.reqId), ['abc-123', replaced.headers['x-request-id'], generated.headers['x-request-id']])
  })

  describe('SCIM bearer authentication', () => {
    const expect401 = async (res: request.Response, challenge: RegExp) => {
      assert.equal(res.status, 401)
      assert.match(res.headers['www-authenticate'] as string, challenge)
      assert.match(res.headers['content-type'] as string, /^application\/scim\+json/)
      assert.deepEqual(res.body.schemas, [SCIM_ERROR])
      assert.equal(res.body.status, '401')
      assert.equal(typeof res.body.detail, 'string')
    }

    it('refuses a request without a token', async () => {
      const { callback } = testApp(t.store)
      await expect401(await request(callback).get('/scim/v2/Users'), /^Bearer realm="roster"$/)
      await expect401(await request(callback).get('/scim/v2'), /^Bearer realm="roster"$/)
      await expect401(await request(callback).get('/scim/v2/NoSuchThing'), /^Bearer realm="roster"$/)
    })

    it('refuses a malformed header or token', async () => {
      const { callback } = testApp(t.store)
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`), /invalid_token/)
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', 'Bearer'), /invalid_token/)
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', 'Bearer not-a-roster-token'), /invalid_token/)
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}x`), /invalid_token/)
    })

    it('refuses an unknown token and a token with the wrong secret', async () => {
      const { callback } = testApp(t.store)
      const unknown = `rst_0123456789abcdef_${'A'.repeat(43)}`
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${unknown}`), /invalid_token/)
      const wrongSecret = `${token.slice(0, 21)}${'B'.repeat(43)}`
      await expect401(await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${wrongSecret}`), /invalid_token/)
    })

    it('accepts a valid token (case-insensitive scheme) and then answers per endpoint', async () => {
      const { callback } = testApp(t.store)
      const res = await request(callback).get('/scim/v2/NoSuchThing').set('Authorization', `bearer ${token}`).expect(404)
      assert.deepEqual(res.body.schemas, [SCIM_ERROR])
      assert.equal(res.body.status, '404')
    })

    it('refuses a token as soon as it is revoked', async () => {
      const { callback } = testApp(t.store)
      const { secret } = await issueToken(t.store, tenant, 'short-lived', actor)
      await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${secret}`).expect(404)
      await revokeToken(t.store, tenant, 'short-lived', actor)
      const res = await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${secret}`)
      await expect401(res, /invalid_token/)
      assert.match(res.body.detail, /revoked/)
    })

    it('remembers verified tokens briefly, forgets one revoked through the same process at once', async () => {
      let now = 1_000_000
      const cache = new TokenCache(5000, 100, () => now)
      const { callback } = testApp(t.store, { tokens: cache })
      const a = await issueToken(t.store, tenant, 'cached-a', actor)
      const b = await issueToken(t.store, tenant, 'cached-b', actor)
      for (const { secret } of [a, b]) await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${secret}`).expect(404)
      // The secret is still compared on a cache hit.
      await expect401(await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${a.secret.slice(0, -1)}${a.secret.endsWith('A') ? 'B' : 'A'}`), /invalid_token/)
      await revokeToken(t.store, tenant, 'cached-a', actor, null, cache)
      await expect401(await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${a.secret}`), /invalid_token/)
      // Revoked elsewhere (no cache to tell): valid until the entry expires, then refused.
      await revokeToken(t.store, tenant, 'cached-b', actor)
      await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${b.secret}`).expect(404)
      now += 5001
      await expect401(await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${b.secret}`), /invalid_token/)
    })

    it('records last use off the request path, in a batch', async () => {
      const { callback, usage } = testApp(t.store)
      const { secret, token: issued } = await issueToken(t.store, tenant, 'usage', actor)
      await request(callback).get('/scim/v2/x').set('Authorization', `Bearer ${secret}`).expect(404)
      const before = (await t.store.tokens.list(tenant.id)).find((x) => x.id === issued.id)
      assert.equal(before?.lastUsed, null)
      await usage.flush()
      const after = (await t.store.tokens.list(tenant.id)).find((x) => x.id === issued.id)
      assert.ok(after?.lastUsed instanceof Date)
    })
  })

  describe('errors', () => {
    it('answers 413 for a declared body over the limit, in the surface\'s format', async () => {
      const { callback } = testApp(t.store, { config: { bodyLimitBytes: 1024 } })
      const big = JSON.stringify({ x: 'y'.repeat(2000) })
      const scim = await request(callback).post('/scim/v2/Users').set('Content-Type', 'application/scim+json').send(big).expect(413)
      assert.deepEqual(scim.body.schemas, [SCIM_ERROR])
      const other = await request(callback).post('/elsewhere').set('Content-Type', 'application/json').send(big).expect(413)
      assert.match(other.headers['content-type'] as string, /^application\/problem\+json/)
      assert.equal(other.body.status, 413)
    })

    it('answers unknown paths with problem JSON', async () => {
      const { callback } = testApp(t.store)
      const res = await request(callback).get('/nope').expect(404)
      assert.match(res.headers['content-type'] as string, /^application\/problem\+json/)
      assert.equal(res.body.title, 'Not Found')
      assert.ok(res.body.requestId)
    })

    it('never shows a stack trace or internal message to the client', async () => {
      const { log, lines } = capturingLogger()
      const failing: Store = {
        ...t.store,
        tokens: {
          ...t.store.tokens,
          findForVerification: async () => {
            throw new Error('internal detail at /srv/secret/path.ts:12')
          },
        },
      }
      const { callback } = testApp(failing, { log })
      const res = await request(callback).get('/scim/v2/Users').set('Authorization', `Bearer ${token}`).expect(500)
      assert.equal(res.body.detail, 'internal error')
      assert.doesNotMatch(res.text, /secret|path\.ts|at /)
      const logged = lines.find((l) => l.msg === 'request failed')
      assert.ok(logged, 'the error is logged server-side')
      assert.match(JSON.stringify(logged), /internal detail/)
      assert.equal(logged.reqId, res.headers['x-request-id'])
    })
  })
})

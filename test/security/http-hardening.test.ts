/**
 * Issue 12, findings 8, 9, 12 and 13, each reproduced as the attacker sent it: malformed ids, NUL
 * and broken %-escapes in the request target, NUL and lone surrogates in JSON bodies (never a 500);
 * the token list of an unknown user (404); a keep-alive connection after a chunked over-limit POST
 * (never hangs); the security headers.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { randomUUID } from 'node:crypto'
import request from 'supertest'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import { tenantWithAdmin } from '../support/admin.js'
import { backends, silentLog, type TestStore } from '../support/stores.js'
import { PUBLIC_URL, signInActor, type signInApp } from '../support/sign-in.js'
import { testApp } from '../support/app.js'
import { testKey } from '../support/sync.js'
import { listen, type RunningServer } from '../../src/http/server.js'
import { ERROR, USER, GROUP, PATCH_OP } from '../support/scim.js'

type App = ReturnType<typeof signInApp>

const BODY_LIMIT = 4096
const UNKNOWN = '00000000-0000-4000-8000-000000000000'

/** Identifiers that cannot name anything: not a uuid, NUL, a broken escape, an encoded lone surrogate. */
const BAD_IDS = ['x', '%00', 'a%00b', '%E0%A4%A', '%ED%A0%80', "'; DROP TABLE users; --", '..%2F..%2Fetc']

function assertProblem(res: request.Response, what: string): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what} → ${res.status} ${res.text.slice(0, 300)}`)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, `${what}: problem JSON`)
  assert.equal(res.body.status, res.status, what)
}

/**
 * One keep-alive connection: sends `first` (written in pieces, as a streaming client would), reads
 * the response, then sends `second`. Resolves with the first response's head and what became of the
 * connection: a second response, or closed. Rejects when neither happens before the deadline.
 */
function keepAliveExchange(port: number, first: string[], second: string, deadlineMs = 10_000): Promise<{ head: string; then: 'answered' | 'closed' }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    let head: string | null = null
    let settled = false
    const finish = (outcome: 'answered' | 'closed' | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (outcome instanceof Error) reject(outcome)
      else resolve({ head: head ?? received, then: outcome })
    }
    const timer = setTimeout(() => finish(new Error(`the connection hung: neither closed nor answered within ${deadlineMs} ms; received ${JSON.stringify(received.slice(0, 300))}`)), deadlineMs)
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1')
      if (head === null) {
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return
        head = received.slice(0, end)
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        // Wait for the first body to be complete before the second request goes out.
        const afterFirst = end + 4 + length
        const poll = () => {
          if (received.length < afterFirst) return void setImmediate(poll)
          received = received.slice(afterFirst)
          if (!socket.destroyed && socket.writable) socket.write(second)
        }
        poll()
      } else if (/^HTTP\/1\.1 \d{3}/.test(received)) finish('answered')
    })
    socket.on('end', () => head !== null && finish('closed'))
    socket.on('close', () => (head !== null ? finish('closed') : finish(new Error(`closed before any response: ${JSON.stringify(received)}`))))
    socket.on('error', (err) => (head !== null ? finish('closed') : finish(err)))
    socket.on('connect', () => {
      for (const piece of first) socket.write(piece)
    })
  })
}

const chunked = (pieces: string[]) => pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).concat('0\r\n\r\n')

for (const backend of backends()) {
  describe(`HTTP hardening (issue 12 findings 8, 9, 12, 13) on ${backend.name}`, function () {
    this.timeout(120_000)
    let t: TestStore
    let app: App
    let koa: ReturnType<typeof testApp>['app']
    let tenant: Tenant
    let admin: User
    let cookie: string
    let scimToken: string
    const api = (method: string, path: string, body?: unknown) => {
      const verb = method.toLowerCase() as 'get'
      const r = request(app)[verb](`/api${path}`).set('Cookie', cookie)
      // Changes are sent as JSON (an empty object where there is nothing to send).
      if (method === 'GET') return r
      return r.set('Content-Type', 'application/json').send(body === undefined ? '{}' : JSON.stringify(body))
    }
    const scim = (method: string, path: string, body: unknown) => {
      const verb = method.toLowerCase() as 'post'
      return request(app)[verb](`/scim/v2${path}`).set('Authorization', `Bearer ${scimToken}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body))
    }

    before(async () => {
      t = await backend.open()
      // As signInApp builds it, keeping the koa app to serve it as production does (finding 9).
      koa = testApp(t.store, { config: { publicUrl: PUBLIC_URL, encryptionKey: testKey, bodyLimitBytes: BODY_LIMIT } }).app
      app = koa.callback()
      ;({ tenant, admin, cookie } = await tenantWithAdmin(t.store, app, 'harden'))
      scimToken = (await issueToken(t.store, tenant, 'hardening', signInActor)).secret
    })
    after(async () => t?.dispose())

    describe('finding 8: malformed input is 4xx, never 500', () => {
      it('answers ids that cannot be ids with 404 or 400 on every user, token and role route', async () => {
        for (const id of BAD_IDS) {
          const cases: Array<[string, string, unknown?]> = [
            ['GET', `/users/${id}`],
            ['PATCH', `/users/${id}`, { firstName: 'A' }],
            ['DELETE', `/users/${id}`],
            ['GET', `/users/${id}/tokens`],
            ['POST', `/users/${id}/tokens`, { name: 'n' }],
            ...(['activate', 'deactivate', 'archive', 'restore'] as const).map((c): [string, string] => ['POST', `/users/${id}/${c}`]),
            ['POST', `/users/${admin.id}/tokens/${id}/regenerate`],
            ['DELETE', `/users/${admin.id}/tokens/${id}`],
            ['POST', `/users/${id}/tokens/${id}/regenerate`],
            ['DELETE', `/users/${id}/tokens/${id}`],
            ['PUT', `/users/${id}/api-access`, { enabled: true }],
            ['PUT', `/users/${id}/api-password`, { password: null }],
            ['POST', `/users/${id}/roles`, { role: 'Administrator' }],
            ['DELETE', `/users/${id}/roles/${id}`],
            ['POST', `/me/tokens/${id}/regenerate`],
            ['DELETE', `/me/tokens/${id}`],
            ['DELETE', `/roles/${id}`],
            ['DELETE', `/settings/scim-tokens/${id}`],
            ['GET', `/groups/${id}`],
            ['DELETE', `/groups/${id}`],
            ['GET', `/groups/${id}/members`],
            ['DELETE', `/groups/${id}/roles/${id}`],
            ['PATCH', `/attributes/${id}`, { label: 'L' }],
            ['DELETE', `/attributes/${id}`],
          ]
          for (const [method, path, body] of cases) {
            const res = await api(method, path, body)
            assertProblem(res, `${method} ${path}`)
            assert.ok([400, 404].includes(res.status), `${method} ${path} → ${res.status} ${res.text}`)
          }
        }
      })

      it('refuses a malformed %-escape or NUL in the path or query string with 400', async () => {
        for (const path of ['/settings/scim-tokens/%E0%A4%A', '/users/%E0%A4%A', '/me/tokens/%00', '/roles/%00', '/settings/scim-tokens/%00']) {
          const res = await api('DELETE', path)
          assertProblem(res, path)
          assert.equal(res.status, 400, `${path}: ${res.text}`)
        }
        for (const query of ['q=%00', 'q=a%00b', 'q=%E0%A4%A', 'q=%ED%A0%80', 'view=%00', 'cursor=%00']) {
          const res = await api('GET', `/users?${query}`)
          assertProblem(res, query)
          assert.equal(res.status, 400, `GET /users?${query}: ${res.text}`)
        }
        for (const path of ['/groups?q=%00', '/audit?actor=%00', '/audit?action=%00']) assert.equal((await api('GET', path)).status, 400, path)
        // In SCIM's error format under /scim.
        const res = await request(app).get('/scim/v2/Users?filter=userName%20eq%20%22%00%22').set('Authorization', `Bearer ${scimToken}`)
        assert.equal(res.status, 400)
        assert.deepEqual(res.body.schemas, [ERROR])
      })

      it('decodes a path parameter once: a SCIM token named with "%" is revoked by its name', async () => {
        await api('POST', '/settings/scim-tokens', { name: '50% off' }).expect(201)
        await api('DELETE', `/settings/scim-tokens/${encodeURIComponent('50% off')}`).expect(204)
      })

      it('refuses NUL and lone surrogates anywhere in an admin JSON body with 400 naming the JSON path', async () => {
        const cases: Array<[string, string, unknown, string]> = [
          ['POST', '/users', { userName: 'a\u0000b', firstName: 'A', lastName: 'B' }, '$.userName'],
          ['POST', '/groups', { displayName: '\ud800' }, '$.displayName'],
          ['POST', '/roles', { name: 'r', permissions: ['users.view', 'x\udc00'] }, '$.permissions[1]'],
          ['POST', '/me/tokens', { name: 'ok', 'bad\u0000key': 1 }, '$["bad\\u0000key"]'],
          ['PATCH', `/users/${admin.id}`, { title: 'a\u0000' }, '$.title'],
        ]
        for (const [method, path, body, at] of cases) {
          const res = await api(method, path, body)
          assertProblem(res, `${method} ${path}`)
          assert.equal(res.status, 400, `${method} ${path}: ${res.text}`)
          assert.ok(res.body.detail.includes(at), `${res.body.detail} names ${at}`)
        }
        // A well-formed pair is a character like any other.
        await api('POST', '/groups', { displayName: 'astral \ud83d\ude00' }).expect(201)
      })

      it('refuses NUL and lone surrogates in SCIM bodies with 400 in SCIM format', async () => {
        const userId = (await scim('POST', '/Users', { schemas: [USER], userName: 'scimmed' }).expect(201)).body.id
        const cases: Array<[string, string, unknown]> = [
          ['POST', '/Users', { schemas: [USER], userName: 'nul\u0000name' }],
          ['POST', '/Users', { schemas: [USER], userName: 'ok-title', title: 'boss\u0000' }],
          ['POST', '/Users', { schemas: [USER], userName: '\ud800' }],
          ['POST', '/Groups', { schemas: [GROUP], displayName: 'g\u0000' }],
          ['POST', '/Groups', { schemas: [GROUP], displayName: 'lone \udfff' }],
          ['PUT', `/Users/${userId}`, { schemas: [USER], userName: 'scimmed', displayName: '\u0000' }],
          ['PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: '\ud800' }] }],
          ['POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'b\u0000' } }] }],
        ]
        for (const [method, path, body] of cases) {
          const res = await scim(method, path, body)
          assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${res.text}`)
          assert.deepEqual(res.body.schemas, [ERROR], `${method} ${path}: SCIM error format`)
          assert.equal(res.body.scimType, 'invalidValue')
        }
      })

      it('refuses NUL in a sign-in form field with a 4xx page', async () => {
        const res = await request(app).post(`/login/${tenant.slug}`).type('form').send('username=a%00b&password=x&formToken=x')
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 200)}`)
      })

      it('has every repository answer "not found" for keys that cannot be keys', async () => {
        const s = t.store
        const tid = tenant.id
        for (const key of ['x', '\u0000', 'a\u0000', '\ud800', 'a\udc00b']) {
          const probes: Array<[string, () => Promise<unknown>, unknown]> = [
            ['users.get', () => s.users.get(tid, key), null],
            ['users.getBySourceAnchor', () => s.users.getBySourceAnchor(tid, key), null],
            ['users.getBySourceAnchors', async () => (await s.users.getBySourceAnchors(tid, [key])).size, 0],
            ['users.idsBySourceDn', async () => (await s.users.idsBySourceDn(tid, [key])).size, 0],
            ['users.delete', () => s.users.delete(tid, key), false],
            ['groups.get', () => s.groups.get(tid, key), null],
            ['groups.getByDisplayName', () => s.groups.getByDisplayName(tid, key), null],
            ['groups.delete', () => s.groups.delete(tid, key), false],
            ['memberships.list', async () => (await s.memberships.list(tid, key, { limit: 5, after: null })).items.length, 0],
            ['memberships.count', () => s.memberships.count(tid, key), 0],
            ['memberships.groupsOf', async () => (await s.memberships.groupsOf(tid, key)).length, 0],
            ['tenants.getById', () => s.tenants.getById(key), null],
            ['tenants.getBySlug', () => s.tenants.getBySlug(key), null],
            ['tokens.findForVerification', () => s.tokens.findForVerification(key), null],
            ['tokens.revokeByLabel', () => s.tokens.revokeByLabel(tid, key, new Date()), null],
            ['personalTokens.findForVerification', () => s.personalTokens.findForVerification(key), null],
            ['personalTokens.listForUser', async () => (await s.personalTokens.listForUser(tid, key)).length, 0],
            ['personalTokens.get', () => s.personalTokens.get(tid, admin.id, key), null],
            ['roles.get', () => s.roles.get(tid, key), null],
            ['roles.getByName', () => s.roles.getByName(tid, key), null],
            ['roleAssignments.ofPrincipal', async () => (await s.roleAssignments.ofPrincipal(tid, key)).length, 0],
            ['roleAssignments.holders', async () => (await s.roleAssignments.holders(tid, key)).length, 0],
            ['roleAssignments.unassign', () => s.roleAssignments.unassign(tid, key, admin.id), false],
            ['groupOwners.get', () => s.groupOwners.get(tid, key), null],
            ['groupOwners.ownedBy', async () => (await s.groupOwners.ownedBy(tid, key)).length, 0],
            ['serviceAccounts.get', () => s.serviceAccounts.get(tid, key), null],
            ['serviceAccounts.ownedBy', async () => (await s.serviceAccounts.ownedBy(tid, key)).length, 0],
            ['customAttributes.get', () => s.customAttributes.get(tid, key), null],
            ['customAttributes.delete', () => s.customAttributes.delete(tid, key), false],
          ]
          for (const [name, probe, expected] of probes) assert.deepEqual(await probe(), expected, `${name}(${JSON.stringify(key)})`)
        }
      })
    })

    describe('finding 12: unknown ids are 404', () => {
      it('answers the token list of an unknown user with 404, of a known one with 200', async () => {
        for (const id of [UNKNOWN, randomUUID()]) {
          const res = await api('GET', `/users/${id}/tokens`)
          assertProblem(res, `GET /users/${id}/tokens`)
          assert.equal(res.status, 404)
        }
        assert.deepEqual((await api('GET', `/users/${admin.id}/tokens`).expect(200)).body, { items: [] })
      })
    })

    describe('finding 9: a refused body never leaves a keep-alive connection hanging', () => {
      // The production server: its keep-alive timeout (65 s) is what left the client hanging.
      let server: RunningServer
      let port: number
      before(async () => {
        server = await listen(koa, 0, '127.0.0.1', silentLog)
        port = server.port
      })
      after(async () => server?.close(0))

      const next = () => `GET /api/me HTTP/1.1\r\nHost: roster.test\r\nCookie: ${cookie}\r\n\r\n`
      const head = (path: string, extra: string) =>
        `POST ${path} HTTP/1.1\r\nHost: roster.test\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n${extra}\r\n`

      // Far past the limit, so that the unread rest fills the socket's buffers (a short body is
      // parsed to its end whether anyone reads it or not, and never showed the hang).
      const huge = `{"name":"${'x'.repeat(2 * 1024 * 1024)}"}`
      const pieces = (text: string) => Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) => text.slice(i * 65536, (i + 1) * 65536))

      it('answers a chunked POST far over the limit with 413, then closes or answers the next request', async () => {
        for (const [path, auth] of [
          ['/api/me/tokens', `Cookie: ${cookie}`],
          ['/scim/v2/Users', `Authorization: Bearer ${scimToken}`],
        ]) {
          const { head: res, then } = await keepAliveExchange(port, [head(path!, `${auth}\r\nTransfer-Encoding: chunked\r\n`), ...chunked(pieces(huge))], next())
          assert.match(res, /^HTTP\/1\.1 413 /, path)
          assert.ok(['closed', 'answered'].includes(then))
        }
      })

      it("answers what Node's HTTP parser refuses (not HTTP, headers too large) in problem JSON, and closes", async () => {
        const raw = (text: string) =>
          new Promise<string>((resolve, reject) => {
            const socket = net.connect(port, '127.0.0.1')
            let got = ''
            const deadline = setTimeout(() => {
              socket.destroy()
              reject(new Error(`no answer within 10 s; got ${JSON.stringify(got)}`))
            }, 10_000)
            socket.on('data', (d) => (got += d.toString('latin1')))
            socket.on('close', () => {
              clearTimeout(deadline)
              resolve(got)
            })
            socket.on('error', () => undefined)
            socket.end(text)
          })
        for (const [text, status] of [
          ['NOT HTTP AT ALL\r\n\r\n', 400],
          [`GET /api/me HTTP/1.1\r\nHost: roster.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
        ] as const) {
          const answer = await raw(text)
          assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), answer.slice(0, 80))
          assert.match(answer, /\r\nContent-Type: application\/problem\+json\r\n/i)
          assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).status, status)
        }
      })

      it('keeps the connection after a chunked POST a little over the limit: the next request is answered', async () => {
        const over = `{"name":"${'x'.repeat(BODY_LIMIT + 100)}"}`
        const { head: res, then } = await keepAliveExchange(port, [head('/api/me/tokens', `Cookie: ${cookie}\r\nTransfer-Encoding: chunked\r\n`), ...chunked(pieces(over))], next())
        assert.match(res, /^HTTP\/1\.1 413 /)
        assert.equal(then, 'answered')
      })

      it('answers a declared over-limit body with 413 and does not hang either', async () => {
        const { head: res } = await keepAliveExchange(port, [head('/api/me/tokens', `Cookie: ${cookie}\r\nContent-Length: ${huge.length}\r\n`), huge], next())
        assert.match(res, /^HTTP\/1\.1 413 /)
      })

      it('keeps a connection alive after an ordinary refusal', async () => {
        const body = '{"name":""}'
        const { head: res, then } = await keepAliveExchange(port, [head('/api/me/tokens', `Cookie: ${cookie}\r\nContent-Length: ${body.length}\r\n`), body], next())
        assert.match(res, /^HTTP\/1\.1 400 /)
        assert.equal(then, 'answered')
      })
    })

    describe('finding 13: security headers', () => {
      const common = (res: request.Response, what: string) => {
        assert.equal(res.headers['x-content-type-options'], 'nosniff', what)
        assert.equal(res.headers['x-frame-options'], 'DENY', what)
        assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, what)
        assert.match(String(res.headers['referrer-policy']), /^(no-referrer|same-origin)$/, what)
      }

      it('sends nosniff, DENY framing and a referrer policy on the API, its errors, SCIM and health', async () => {
        common(await api('GET', '/me').expect(200), 'GET /api/me')
        common(await api('GET', '/nosuch').expect(404), 'a 404')
        common(await request(app).get('/api/me').expect(401), 'a 401')
        common(await api('GET', '/users?q=%00').expect(400), 'a 400')
        common(await request(app).get('/scim/v2/Users').set('Authorization', `Bearer ${scimToken}`).expect(200), 'SCIM')
        common(await request(app).get('/api/openapi.json').expect(200), 'the OpenAPI document')
        // The API's default policy allows nothing at all.
        assert.match(String((await api('GET', '/me')).headers['content-security-policy']), /default-src 'none'/)
      })

      it('forbids framing the admin console and the sign-in page', async () => {
        for (const path of ['/admin', '/admin/users/x', '/admin/assets/nosuch.css', `/login/${tenant.slug}`]) common(await request(app).get(path), path)
        const console = await request(app).get('/admin').expect(200)
        assert.match(String(console.headers['content-security-policy']), /script-src 'self'/, 'the console keeps its own policy')
      })
    })
  })
}

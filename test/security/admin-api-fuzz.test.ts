/**
 * Bad input is 4xx, never 5xx, on every route of the admin API (issue 12). fast-check generates
 * requests over the routes the admin router really has (read from it, so a new route is fuzzed the
 * day it is added): ids (real ones of this and another tenant, unknown uuids, hostile text, broken
 * %-escapes), query strings and JSON bodies shaped by the route's OpenAPI schema and then bent
 * (wrong types, NUL, lone surrogates, huge values), other methods, content types and headers.
 * Every answer must be below 500, and every 4xx must be problem JSON. 10,000 requests in all,
 * half on each store. The seed is fixed so that a failure replays; fast-check prints it shrunk.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import fc from 'fast-check'
import request from 'supertest'
import { adminRouters } from '../../src/admin/router.js'
import { openApiDocument } from '../../src/admin/openapi.js'
import { listen, type RunningServer } from '../../src/http/server.js'
import { tenantWithAdmin } from '../support/admin.js'
import { testApp, testConfig } from '../support/app.js'
import { backends, silentLog, type TestStore } from '../support/stores.js'
import { newTenant, newUser, PUBLIC_URL } from '../support/sign-in.js'
import { testKey } from '../support/sync.js'

const RUNS_PER_STORE = 5000
/** Requests in flight at once: races are input too, and the run stays short. */
const CONCURRENCY = 8
const SEEDS = { pglite: 20261207, postgres: 12122026 }

type Schema = Record<string, unknown>
interface Route {
  method: string
  /** As the router has it: /api/users/:id/tokens */
  path: string
  body: Schema | null
  query: Array<{ name: string; schema: Schema }>
}

/** The authenticated and open routes, each with what OpenAPI says it takes. */
function adminRoutes(): Route[] {
  const { open, authenticated } = adminRouters({ store: null as never, bodyLimitBytes: 1024, idleMs: 1000, config: testConfig(), log: silentLog, box: undefined, scimBaseUrl: '' })
  const paths = openApiDocument.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Array<{ name: string; in: string; schema: Schema }> }>>
  const routes: Route[] = []
  for (const layer of [...open.stack, ...authenticated.stack]) {
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      const path = String(layer.path)
      const op = paths[path.replace(/^\/api/, '').replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]
      routes.push({
        method,
        path,
        body: op?.requestBody?.content['application/json']?.schema ?? null,
        query: (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
      })
    }
  }
  return routes
}

const components = openApiDocument.components.schemas as Record<string, Schema>
const resolve = (s: Schema): Schema => (typeof s.$ref === 'string' ? components[s.$ref.split('/').pop()!]! : s)

/** What no text column holds, or what is easily misread: injected into otherwise ordinary text. */
const POISON = ['\u0000', '\ud800', '\udfff', '%00', '%E0%A4%A', '\u202e', '\ufeff', '\\', '"', "'"]

/** Text meant to break things: NUL, lone surrogates, escapes, quotes, markup, very long. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('', ' ', 'x', '../..', '<script>alert(1)</script>', 'null', '0', '-1', '1e309', 'Administrator', 'users.view', '*', 'ｂｏｂ', '\ud83d\ude00', 'x'.repeat(300), 'é'.repeat(1000)) },
  { weight: 3, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...POISON), fc.string({ maxLength: 6 })).map(([a, p, b]) => a + p + b) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
)

/** encodeURIComponent, writing a lone surrogate as the bytes a careless client would send. */
function encode(text: string): string {
  return [...text].map((ch) => (/[\ud800-\udfff]/.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch))).join('')
}

/** A value for `schema`: usually of its shape, sometimes of another type entirely. */
function valueOf(schema: Schema, ids: fc.Arbitrary<string>, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema)
  const wrong = fc.oneof(fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, '', [], {}), hostileText)
  let right: fc.Arbitrary<unknown>
  const types = ([] as unknown[]).concat(s.type ?? [])
  if (Array.isArray(s.enum)) right = fc.constantFrom(...(s.enum as unknown[]))
  else if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) right = fc.oneof(...((s.anyOf ?? s.oneOf) as Schema[]).map((x) => valueOf(x, ids, depth + 1)))
  else if (types.length > 1) right = fc.oneof(...types.map((type) => valueOf({ ...s, type }, ids, depth + 1)))
  else if (types[0] === 'object' || s.properties) {
    if (depth > 3) return fc.constant({})
    const props = Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([k, v]) => [k, valueOf(v, ids, depth + 1)]))
    // The schema's members, any of them missing, and now and then members it does not know.
    const extra = sometimes(6, fc.dictionary(hostileText, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }))
    right = fc.tuple(fc.record(props, { requiredKeys: [] }), extra).map(([members, more]) => ({ ...more, ...members }))
  } else if (types[0] === 'array') right = fc.array(valueOf((s.items ?? {}) as Schema, ids, depth + 1), { maxLength: 4 })
  else if (types[0] === 'string') {
    if (s.format === 'uuid') right = ids
    else if (s.format === 'date-time') right = fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2027-01-31', 'tomorrow', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z'))
    else right = fc.oneof(fc.constantFrom('Ann', 'ann@example.com', 'https://idp.example/metadata', 'ldap://localhost:1', 'users.view', 'generate'), hostileText)
  } else if (types[0] === 'integer' || types[0] === 'number') right = fc.oneof(fc.integer({ min: -5, max: 600 }), fc.constantFrom(1e21, -0, 0.5))
  else if (types[0] === 'boolean') right = fc.boolean()
  else right = fc.jsonValue({ maxDepth: 2 })
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong })
}

/** Bodies that are not JSON at all, or JSON that a careless parser chokes on. */
const rawBodies = fc.constantFrom(
  '', '{', '[]', '"x"', 'null', '1', '{"a":"\\u0000"}', '{"name":"\\ud800"}', '{"\\u0000":1}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}',
  '['.repeat(10_000) + ']'.repeat(10_000), '{"a":1,"a":2}', '\ufeff{}', '{"name":"x"}garbage', 'name=x&password=y',
)

const contentTypes = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('application/json; charset=latin1', 'application/scim+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', ';;;', 'application/json; charset=', undefined),
  },
)

const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/)
const headerValues = fc.oneof(fc.constantFrom('*', '"1"', 'W/"2"', '"abc"', 'garbage', '', `"${'9'.repeat(400)}"`, '"-1"', '"1", "2"'), printable)

/** `arb` once in `n` times, null otherwise. */
const sometimes = <T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb })

interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string | Buffer | null
}

function requests(routes: Route[], ids: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  const segment = fc.oneof(
    { weight: 5, arbitrary: ids.map(encode) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 3, arbitrary: hostileText.map(encode) },
    { weight: 2, arbitrary: fc.constantFrom('%00', '%E0%A4%A', '%ED%A0%80', '%', '%%', '%2F', '%2e%2e', '..', '.', 'x%00y', '%C0%AF', '%FF', '%u0000', 'me') },
  )
  return fc.constantFrom(...routes).chain((route) => {
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
    const query = fc.oneof(
      { weight: 3, arbitrary: fc.constant('') },
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            fc.subarray(route.query),
            fc.array(fc.tuple(fc.constantFrom('q', 'limit', 'cursor', 'view', 'x', 'filter', '__proto__', 'replacementOwnerId'), hostileText), { maxLength: 2 }),
          )
          .chain(([known, extra]) =>
            fc.tuple(fc.tuple(...known.map((p) => valueOf(p.schema, ids).map((v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v) ?? ''] as const))), fc.constant(extra)),
          )
          .map(([known, extra]) => [...known, ...extra].map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')),
      },
      { weight: 1, arbitrary: fc.constantFrom('q=%00', 'q=%E0%A4%A', 'limit=1&limit=2', 'q[]=x', 'q[a]=b', '%zz', '=&=', 'q', 'limit=NaN', 'cursor=%FF%FE', 'limit=1e400') },
    )
    const body: fc.Arbitrary<string | Buffer | null> = fc.oneof(
      { weight: route.body ? 8 : 1, arbitrary: route.body ? valueOf(route.body, ids).map((v) => JSON.stringify(v) ?? 'null') : fc.constant('{}') },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: rawBodies },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(b), Buffer.from('"}')])) },
      { weight: 1, arbitrary: fc.constant(null) },
    )
    return fc.record({
      method: fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'TRACE') }),
      segments: fc.tuple(...params.map(() => segment)),
      query,
      decoration: fc.constantFrom('', '', '', '', '/', '//', '/.'),
      body,
      contentType: contentTypes,
      ifMatch: sometimes(4, headerValues),
      ifNoneMatch: sometimes(8, headerValues),
      accept: sometimes(4, fc.constantFrom('application/json', 'text/html', '*/*', 'application/problem+json;q=0', 'x')),
      authorization: sometimes(15, fc.constantFrom('Bearer x', 'Bearer rpt_0000000000000000_' + 'A'.repeat(43), 'Basic Og==', 'Basic ' + Buffer.from('a/b:c').toString('base64'), 'Digest x', 'Bearer')),
    }).map((r): FuzzRequest => {
      let i = 0
      const path = route.path.replace(/:(\w+)/g, () => r.segments[i++]!) + r.decoration + (r.query ? `?${r.query}` : '')
      const headers: Record<string, string> = {}
      if (r.contentType) headers['content-type'] = r.contentType
      if (r.ifMatch !== null) headers['if-match'] = r.ifMatch
      if (r.ifNoneMatch !== null) headers['if-none-match'] = r.ifNoneMatch
      if (r.accept !== null) headers.accept = r.accept
      if (r.authorization !== null) headers.authorization = r.authorization
      return { method: r.method, path, headers, body: r.method === 'GET' || r.method === 'HEAD' ? null : r.body }
    })
  })
}

const describeRequest = (r: FuzzRequest) => `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers)} ${r.body === null ? '' : JSON.stringify(String(r.body).slice(0, 300))}`

for (const backend of backends()) {
  describe(`admin API under generative input on ${backend.name}`, function () {
    this.timeout(300_000)
    let t: TestStore
    let server: RunningServer
    let agent: http.Agent
    let cookie: string
    let known: string[]
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)

    before(async () => {
      process.on('unhandledRejection', onUnhandled)
      t = await backend.open()
      const { app } = testApp(t.store, { config: { publicUrl: PUBLIC_URL, encryptionKey: testKey } })
      const callback = app.callback()
      const tenant = await tenantWithAdmin(t.store, callback, 'fuzz')
      cookie = tenant.cookie
      const api = (method: 'post' | 'put', path: string, body: object) => request(callback)[method](`/api${path}`).set('Cookie', cookie).send(body)
      // Something for real ids to name: a user, a group, a role, a personal token, an attribute,
      // and the same in another tenant (which must stay out of reach).
      const user = (await api('post', '/users', { userName: 'target', firstName: 'T', lastName: 'Arget', email: 'target@example.com' }).expect(201)).body
      const group = (await api('post', '/groups', { displayName: 'Fuzzers' }).expect(201)).body
      const role = (await api('post', '/roles', { name: 'Fuzz viewer', permissions: ['users.view'] }).expect(201)).body
      const token = (await api('post', `/users/${user.id}/tokens`, { name: 'script' }).expect(201)).body
      const attribute = (await api('post', '/attributes', { name: 'costCenter', label: 'Cost center', type: 'text' }).expect(201)).body
      await api('post', '/settings/scim-tokens', { name: 'okta' }).expect(201)
      const other = await newTenant(t.store, 'fuzz-other')
      const stranger = await newUser(t.store, other, 'stranger')
      known = [tenant.admin.id, user.id, group.id, role.id, token.id, attribute?.id, stranger.id, 'Administrator', 'Fuzz viewer', 'okta', 'script'].filter((x): x is string => typeof x === 'string')
      server = await listen(app, 0, '127.0.0.1', silentLog)
      agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    })
    after(async () => {
      process.off('unhandledRejection', onUnhandled)
      agent?.destroy()
      await server?.close(0)
      await t?.dispose()
    })

    const send = (r: FuzzRequest) =>
      new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
        // Content-Length always: Node sends the body of a DELETE or OPTIONS unframed otherwise.
        const length = r.body === null ? {} : { 'content-length': String(Buffer.byteLength(r.body)) }
        const req = http.request({ host: '127.0.0.1', port: server.port, method: r.method, path: r.path, agent, headers: { ...r.headers, ...length, cookie } }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end(r.body ?? undefined)
      })

    it(`answers ${RUNS_PER_STORE} generated requests over every route with no 5xx, and every 4xx as problem JSON`, async () => {
      const routes = adminRoutes()
      assert.ok(routes.length > 40, `the router's routes were found: ${routes.length}`)
      const statuses = new Map<number, number>()
      const check = async (r: FuzzRequest) => {
        const res = await send(r)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        const what = `${describeRequest(r)} → ${res.status} ${res.type} ${res.text.slice(0, 300)}`
        assert.ok(res.status < 500, what)
        if (res.status >= 400) {
          assert.match(res.type, /^application\/problem\+json/, `problem JSON: ${what}`)
          if (r.method !== 'HEAD') assert.equal((JSON.parse(res.text) as { status: number }).status, res.status, what)
        }
      }
      // A batch at a time, sent together over keep-alive connections (so a request that spoils its
      // connection for the next one shows too); fast-check shrinks a failing batch to its culprit.
      await fc.assert(
        fc.asyncProperty(fc.array(requests(routes, fc.constantFrom(...known)), { minLength: CONCURRENCY, maxLength: CONCURRENCY }), async (batch) => {
          await Promise.all(batch.map(check))
        }),
        { numRuns: RUNS_PER_STORE / CONCURRENCY, seed: SEEDS[backend.name] },
      )
      const count = (from: number, to: number) => [...statuses].filter(([s]) => s >= from && s < to).reduce((n, [, k]) => n + k, 0)
      const summary = JSON.stringify([...statuses].sort(([a], [b]) => a - b))
      // The inputs reach the handlers, not just the front door.
      assert.ok(count(200, 300) > RUNS_PER_STORE / 20, `some requests succeed: ${summary}`)
      for (const s of [400, 404, 405, 415]) assert.ok((statuses.get(s) ?? 0) > 0, `some requests get ${s}: ${summary}`)
      // Still signed in: the fuzzing did not just lock itself out.
      assert.equal((await send({ method: 'GET', path: '/api/me', headers: {}, body: null })).status, 200)
      assert.deepEqual(unhandled, [])
    })
  })
}

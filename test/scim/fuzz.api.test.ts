/**
 * Generative robustness: 10,000 random filters and PATCH bodies thrown at the real handlers over
 * HTTP. Bad input must get a 4xx SCIM error — never a 5xx, never an unhandled rejection — and a
 * refused PATCH must leave the resource exactly as it was.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pgliteBackend } from '../support/stores.js'
import { prng } from '../support/prng.js'
import { ENTERPRISE, GROUP, PATCH_OP, USER, scimFixture, type ScimFixture } from '../support/scim.js'

const ATTRS = [
  'userName', 'USERNAME', 'name.givenName', 'name.familyName', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'active', 'title',
  'meta.created', 'meta.lastModified', 'meta.resourceType', 'id', 'externalId', 'displayName', 'groups', 'groups.value', 'members', 'members.value',
  'password', 'x509Certificates.value', `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:manager.value`, `${USER}:userName`, 'nosuch', 'name.nosuch',
  'urn:bogus:Thing:attr', 'phoneNumbers[type eq "work"]', 'emails[value co "@"]', '$ref', 'schemas', 'addresses.postalCode',
]
const OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'EQ', 'Sw', 'xx']
const VALUES = ['"a"', '"bjensen"', '""', '"2011-05-13T04:42:34Z"', '"not a date"', '1', '-2.5e3', 'true', 'false', 'null', '"\\u00e9"', '"\\q"', '"unterminated', '[', ')', '']
const PATHS = [
  'userName', 'name.givenName', 'name', 'emails', 'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[value co "@"].primary', 'active', 'title',
  'password', 'id', 'meta', 'meta.version', 'groups', 'members', 'members[value eq "00000000-0000-4000-8000-000000000000"]', 'displayName', 'externalId',
  `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, ENTERPRISE, 'nosuch', 'emails[', 'emails[type eq]', '', 'x509Certificates',
  'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality', 'roles', 'nickName',
]
const RAW_VALUES: unknown[] = [
  'x', '', 'False', 'true', true, false, 0, 1.5, -1, null, [], {}, [{ value: 'a@b.c', type: 'work' }], [{ value: 'a@b.c', primary: true }, { value: 'c@d.e', primary: true }],
  { givenName: 'Ann' }, { 'name.givenName': 'Ann' }, { active: 'FALSE' }, [{ value: '00000000-0000-4000-8000-000000000000' }], { value: 'x' }, 'x'.repeat(300),
  { [ENTERPRISE]: { department: 'Sales' } }, [[1]], { emails: 'not-a-list' }, '2011-05-13T04:42:34Z', { displayName: 12 },
]

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T
}

function randomFilter(r: () => number, depth = 0): string {
  const roll = r()
  if (depth < 3 && roll < 0.15) return `${randomFilter(r, depth + 1)} ${pick(r, ['and', 'or', 'AND', 'Or', 'xor'])} ${randomFilter(r, depth + 1)}`
  if (depth < 3 && roll < 0.22) return `not (${randomFilter(r, depth + 1)})`
  if (depth < 3 && roll < 0.28) return `(${randomFilter(r, depth + 1)}`
  if (depth < 3 && roll < 0.34) return `emails[${randomFilter(r, depth + 1)}]`
  const op = pick(r, OPS)
  return op.toLowerCase() === 'pr' ? `${pick(r, ATTRS)} pr` : `${pick(r, ATTRS)} ${op} ${pick(r, VALUES)}`
}

function mutate(r: () => number, s: string): string {
  const i = Math.floor(r() * (s.length + 1))
  switch (Math.floor(r() * 4)) {
    case 0:
      return s.slice(0, i)
    case 1:
      return s.slice(0, i) + pick(r, ['"', '(', ')', '[', ']', ' ', '.', '\\', '\u0000', 'é', ':']) + s.slice(i)
    case 2:
      return s.slice(0, i) + s.slice(i + 1)
    default:
      return s
  }
}

function randomPatch(r: () => number): unknown {
  if (r() < 0.05) return pick(r, [null, [], 'x', { schemas: [PATCH_OP] }, { schemas: [PATCH_OP], Operations: [] }, { Operations: [{ op: 'add' }] }])
  const ops = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
    const op: Record<string, unknown> = { op: pick(r, ['add', 'replace', 'remove', 'Add', 'REPLACE', 'Remove', 'move', '', 7]) }
    if (r() < 0.8) op.path = mutate(r, pick(r, PATHS))
    if (r() < 0.85) op.value = pick(r, RAW_VALUES)
    return op
  })
  return { schemas: r() < 0.95 ? [PATCH_OP] : ['urn:wrong'], Operations: ops }
}

describe('SCIM handlers under generative input', function () {
  this.timeout(600_000)
  let fx: ScimFixture
  let server: http.Server
  let base: string
  let token: string
  let tenantId: string
  let userId: string
  let groupId: string
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  before(async () => {
    process.on('unhandledRejection', onUnhandled)
    fx = await scimFixture(pgliteBackend)
    const c = await fx.client({ source: 'scim' })
    token = c.token
    tenantId = c.tenant.id
    userId = (await c.post('/Users', { schemas: [USER, ENTERPRISE], userName: 'bjensen', emails: [{ value: 'b@example.com', type: 'work' }], [ENTERPRISE]: { department: 'X' } }).expect(201)).body.id
    groupId = (await c.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: userId }] }).expect(201)).body.id
    server = http.createServer(fx.callback).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`
  })
  after(async () => {
    process.off('unhandledRejection', onUnhandled)
    server?.close()
    await fx?.dispose()
  })

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, text }
  }

  it('answers 5,000 random filters without a 5xx', async () => {
    const r = prng(20261122)
    const statuses = new Map<number, number>()
    for (let i = 0; i < 5000; i++) {
      const filter = r() < 0.5 ? mutate(r, randomFilter(r)) : randomFilter(r)
      const endpoint = r() < 0.75 ? '/Users' : '/Groups'
      const res = await call('GET', `${endpoint}?filter=${encodeURIComponent(filter)}&count=2`)
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      assert.ok(res.status < 500, `${endpoint} filter ${JSON.stringify(filter)} → ${res.status} ${res.text}`)
      if (res.status >= 400) assert.match(res.text, /"schemas":\["urn:ietf:params:scim:api:messages:2.0:Error"\]/)
    }
    assert.ok((statuses.get(200) ?? 0) > 200, `some filters are valid: ${JSON.stringify([...statuses])}`)
    assert.ok((statuses.get(400) ?? 0) > 200, `some filters are invalid: ${JSON.stringify([...statuses])}`)
    assert.deepEqual(unhandled, [])
  })

  it('answers 5,000 random PATCH bodies without a 5xx, applying refused ones not at all', async () => {
    const r = prng(7644)
    const statuses = new Map<number, number>()
    for (let i = 0; i < 5000; i++) {
      const target = r() < 0.6 ? `/Users/${userId}` : `/Groups/${groupId}`
      const repo = target.startsWith('/Users') ? fx.t.store.users : fx.t.store.groups
      const before = await repo.get(tenantId, target.split('/')[2]!)
      const body = randomPatch(r)
      const res = await call('PATCH', target, r() < 0.02 ? mutate(r, JSON.stringify(body)) : body)
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      assert.ok(res.status < 500, `${target} PATCH ${JSON.stringify(body)} → ${res.status} ${res.text}`)
      if (res.status >= 400) {
        const after = await repo.get(tenantId, before!.id)
        assert.equal(after!.version, before!.version, `a refused PATCH changed nothing: ${JSON.stringify(body)}`)
      }
      // Keep the targets alive and recognisable whatever the PATCH did.
      if (res.status < 300 && r() < 0.05) {
        await call('PUT', `/Users/${userId}`, { schemas: [USER], userName: 'bjensen' })
      }
    }
    assert.ok((statuses.get(400) ?? 0) > 500, JSON.stringify([...statuses]))
    assert.ok([...statuses.keys()].some((s) => s < 300), JSON.stringify([...statuses]))
    assert.deepEqual(unhandled, [])
  })
})

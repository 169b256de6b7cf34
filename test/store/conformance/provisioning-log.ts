/** Conformance of the provisioning log port (src/domain/provisioning/persister.ts). */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { NewProvisioningEntry } from '../../../src/domain/provisioning/model.js'
import { ValidationError } from '../../../src/domain/kernel/errors.js'
import { actor, MALFORMED_KEYS, newTenant, unknownId, useStore, type StoreUnderTest } from './harness.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`provisioning log port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    let clock = Date.parse('2026-06-01T00:00:00Z')
    const entry = (tenantId: string, extra: Partial<NewProvisioningEntry> = {}): NewProvisioningEntry => ({
      tenantId,
      at: new Date((clock += 1000)),
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      durationMs: 3.25,
      token: { id: 'tok1', label: 'Entra' },
      requestId: randomUUID(),
      resourceType: 'User',
      resourceId: randomUUID(),
      resourceName: 'bob',
      request: { json: '{"userName":"bob"}', truncated: false },
      response: { json: '{"id":"x","userName":"bob"}', truncated: false },
      error: null,
      notes: [],
      ...extra,
    })

    it('appends many entries of several tenants in one call and reads each back whole', async () => {
      const [a, b] = [await newTenant(ctx.store), await newTenant(ctx.store)]
      const full = entry(a.id, {
        status: 409,
        error: { scimType: 'uniqueness', detail: 'userName "bob" is already taken' },
        notes: [{ kind: 'dialect', rule: 'boolean-string', detail: 'read "True" as true', at: 'Operations[0]' }, { kind: 'ignored', path: 'adreses' }, { kind: 'unresolved', path: 'manager', value: 'SuzzyQ' }],
        response: { json: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"…', truncated: true },
      })
      await ctx.store.provisioningLog.appendMany([full, entry(b.id), entry(a.id, { token: null, requestId: null, resourceType: null, resourceId: null, resourceName: null, request: { json: null, truncated: false } })])
      const page = await ctx.store.provisioningLog.list(a.id, { limit: 10 })
      assert.equal(page.items.length, 2)
      const read = page.items[1]!
      const { id, ...rest } = read
      assert.match(id, /^\d+$/)
      assert.deepEqual(rest, full)
      assert.deepEqual(await ctx.store.provisioningLog.get(a.id, id), read)
      const bare = page.items[0]!
      assert.equal(bare.token, null)
      assert.deepEqual(bare.request, { json: null, truncated: false })
      assert.equal(bare.error, null)
    })

    it('pages newest first by time, losing none, and refuses a forged cursor', async () => {
      const tenant = await newTenant(ctx.store)
      // Written out of time order (a batch holds requests of several nodes and durations).
      const times = Array.from({ length: 23 }, (_, i) => clock + ((i * 7) % 23) * 1000)
      clock += 30_000
      await ctx.store.provisioningLog.appendMany(times.map((t, i) => entry(tenant.id, { at: new Date(t), resourceName: `u${i}` })))
      const seen: number[] = []
      let before: string | null = null
      do {
        const page = await ctx.store.provisioningLog.list(tenant.id, { limit: 5, before })
        seen.push(...page.items.map((e) => e.at.getTime()))
        before = page.next
      } while (before)
      assert.deepEqual(seen, [...times].sort((x, y) => y - x))
      await assert.rejects(ctx.store.provisioningLog.list(tenant.id, { limit: 5, before: 'garbage!' }), ValidationError)
      await assert.rejects(ctx.store.provisioningLog.list(tenant.id, { limit: 5, before: Buffer.from('["x","1"]').toString('base64url') }), ValidationError)
    })

    it('filters by status, resource, text in path or name, and time', async () => {
      const tenant = await newTenant(ctx.store)
      const userId = randomUUID()
      const t0 = clock
      await ctx.store.provisioningLog.appendMany([
        entry(tenant.id, { resourceId: userId, resourceName: 'Alice_Smith' }),
        entry(tenant.id, { status: 400, error: { scimType: 'invalidFilter', detail: 'bad' }, method: 'GET', path: '/scim/v2/Users?filter=userName%20eq%20%22carol%22', resourceId: null, resourceName: null }),
        entry(tenant.id, { method: 'PATCH', path: `/scim/v2/Users/${userId}`, resourceId: userId, resourceName: null, status: 200 }),
        entry(tenant.id, { status: 500, error: { scimType: null, detail: 'internal' }, resourceName: 'dave' }),
      ])
      const list = (q: object) => ctx.store.provisioningLog.list(tenant.id, { limit: 50, ...q }).then((p) => p.items.map((e) => e.status))
      assert.deepEqual(await list({ status: 'failed' }), [500, 400])
      assert.deepEqual(await list({ status: 'succeeded' }), [200, 201])
      assert.deepEqual(await list({ resourceId: userId }), [200, 201])
      assert.deepEqual(await list({ text: 'CAROL' }), [400])
      assert.deepEqual(await list({ text: 'alice_' }), [201])
      assert.deepEqual(await list({ text: 'e_s' }), [201], 'the underscore is a character, not a wildcard')
      assert.deepEqual(await list({ text: 'U%e' }), [], 'so is the percent sign')
      assert.deepEqual(await list({ from: new Date(t0 + 2000), to: new Date(t0 + 4000) }), [200, 400])
    })

    it('keeps tenants apart: another tenant’s entries are not listed, found or deleted', async () => {
      const [a, b] = [await newTenant(ctx.store), await newTenant(ctx.store)]
      await ctx.store.provisioningLog.appendMany([entry(a.id, { at: new Date(0) })])
      const mine = (await ctx.store.provisioningLog.list(a.id, { limit: 5 })).items[0]!
      assert.deepEqual((await ctx.store.provisioningLog.list(b.id, { limit: 5 })).items, [])
      assert.equal(await ctx.store.provisioningLog.get(b.id, mine.id), null)
      assert.equal(await ctx.store.provisioningLog.deleteOlderThan(b.id, new Date(), 10), 0)
      assert.equal(await ctx.store.provisioningLog.deleteBeyond(b.id, 0, 10), 0)
      assert.ok(await ctx.store.provisioningLog.get(a.id, mine.id))
      for (const key of [...MALFORMED_KEYS, '99999999999999999999', '-1']) assert.equal(await ctx.store.provisioningLog.get(a.id, key), null, JSON.stringify(key))
      assert.equal(await ctx.store.provisioningLog.get(unknownId(), mine.id), null)
    })

    it('deletes by age and beyond a count, at most `limit` rows a call, oldest first', async () => {
      const tenant = await newTenant(ctx.store)
      const base = Date.parse('2026-01-01T00:00:00Z')
      await ctx.store.provisioningLog.appendMany(Array.from({ length: 10 }, (_, i) => entry(tenant.id, { at: new Date(base + i * 60_000), resourceName: `u${i}` })))
      const names = async () => (await ctx.store.provisioningLog.list(tenant.id, { limit: 50 })).items.map((e) => e.resourceName)
      assert.equal(await ctx.store.provisioningLog.deleteOlderThan(tenant.id, new Date(base + 4 * 60_000), 3), 3)
      assert.deepEqual(await names(), ['u9', 'u8', 'u7', 'u6', 'u5', 'u4', 'u3'])
      assert.equal(await ctx.store.provisioningLog.deleteOlderThan(tenant.id, new Date(base + 4 * 60_000), 3), 1)
      assert.equal(await ctx.store.provisioningLog.deleteOlderThan(tenant.id, new Date(base + 4 * 60_000), 3), 0, 'idempotent')
      assert.equal(await ctx.store.provisioningLog.deleteBeyond(tenant.id, 2, 3), 3)
      assert.deepEqual(await names(), ['u9', 'u8', 'u7'])
      assert.equal(await ctx.store.provisioningLog.deleteBeyond(tenant.id, 2, 3), 1)
      assert.deepEqual(await names(), ['u9', 'u8'])
      assert.equal(await ctx.store.provisioningLog.deleteBeyond(tenant.id, 2, 3), 0)
    })

    it('stores text no column can hold (NUL, a lone surrogate) as U+FFFD instead of failing the batch', async () => {
      const tenant = await newTenant(ctx.store)
      await ctx.store.provisioningLog.appendMany([
        entry(tenant.id, { path: '/scim/v2/Users/a\u0000b', resourceId: 'a\u0000b', resourceName: '\ud800x', error: { scimType: null, detail: 'no user "a\u0000b"' }, notes: [{ kind: 'ignored', path: 'x\u0000' }] }),
        entry(tenant.id, { resourceName: 'fine' }),
      ])
      const [fine, odd] = (await ctx.store.provisioningLog.list(tenant.id, { limit: 5 })).items
      assert.equal(fine!.resourceName, 'fine')
      assert.equal(odd!.resourceId, 'a\ufffdb')
      assert.equal(odd!.resourceName, '\ufffdx')
      assert.deepEqual(odd!.notes, [{ kind: 'ignored', path: 'x\ufffd' }])
    })

    it('the audit port finds a request’s events by its request id', async () => {
      const tenant = await newTenant(ctx.store)
      const event = (requestId: string | null) => ({ tenantId: tenant.id, actor, action: 'user.create', resourceType: 'User', resourceId: 'u', changes: null, requestId })
      await ctx.store.audit.appendMany([event('req-a'), event('req-b'), event('req-a'), event(null)])
      const page = await ctx.store.audit.list(tenant.id, { limit: 10, requestId: 'req-a' })
      assert.deepEqual(page.items.map((e) => e.requestId), ['req-a', 'req-a'])
    })
  })
}

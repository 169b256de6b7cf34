/** Conformance of the audit port (src/domain/audit/persister.ts). */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { NewAuditEvent } from '../../../src/domain/audit/model.js'
import { ValidationError } from '../../../src/domain/kernel/errors.js'
import { actor, newTenant, rolledBack, unknownId, useStore, type StoreUnderTest } from './harness.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`audit port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const event = (tenantId: string, action: string, extra: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
      tenantId,
      actor,
      action,
      resourceType: 'User',
      resourceId: null,
      changes: null,
      requestId: null,
      ...extra,
    })

    it('appends and lists newest first with paging and filters', async () => {
      const tenant = await newTenant(ctx.store)
      for (const action of ['user.create', 'user.update', 'user.delete']) {
        await ctx.store.audit.append(event(tenant.id, action, { resourceId: 'r1', changes: { attributes: ['userName'] }, requestId: 'req-1' }))
      }
      const first = await ctx.store.audit.list(tenant.id, { limit: 2 })
      assert.deepEqual(first.items.map((e) => e.action), ['user.delete', 'user.update'])
      const rest = await ctx.store.audit.list(tenant.id, { limit: 2, before: first.next })
      assert.deepEqual(rest.items.map((e) => e.action), ['user.create'])
      assert.equal(rest.next, null)
      const only = await ctx.store.audit.list(tenant.id, { limit: 10, action: 'user.update' })
      assert.equal(only.items.length, 1)
      assert.deepEqual(only.items[0]!.changes, { attributes: ['userName'] })
      assert.deepEqual(only.items[0]!.actor, actor)
      assert.equal(only.items[0]!.requestId, 'req-1')
    })

    it('pages through events numbered past 9 in numeric order, losing none', async () => {
      const tenant = await newTenant(ctx.store)
      for (let i = 1; i <= 23; i++) await ctx.store.audit.append(event(tenant.id, `n.${i}`))
      const seen: string[] = []
      let before: string | null = null
      do {
        const page = await ctx.store.audit.list(tenant.id, { limit: 5, before })
        seen.push(...page.items.map((e) => e.action))
        before = page.next
      } while (before)
      assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => `n.${23 - i}`))
    })

    it('appends many in one call and filters by action prefix, resource, actor and time', async () => {
      const tenant = await newTenant(ctx.store)
      const userId = randomUUID()
      const person = { type: 'user' as const, id: userId, label: 'Ann@Example.com' }
      await ctx.store.audit.appendMany([
        event(tenant.id, 'user.create', { resourceId: 'u1', at: new Date('2026-01-01T00:00:00Z') }),
        event(tenant.id, 'user.update', { resourceId: 'u1', actor: person, at: new Date('2026-02-01T00:00:00Z') }),
        event(tenant.id, 'users.bulk', { resourceId: 'u2', at: new Date('2026-03-01T00:00:00Z') }),
        event(tenant.id, 'group.create', { resourceType: 'Group', resourceId: 'g1', actor: person, at: new Date('2026-04-01T00:00:00Z') }),
      ])
      const actions = async (q: Parameters<typeof ctx.store.audit.list>[1]) => (await ctx.store.audit.list(tenant.id, q)).items.map((e) => e.action)
      assert.deepEqual(await actions({ limit: 10, action: 'user.*' }), ['user.update', 'user.create'], 'a prefix ends at the dot')
      assert.deepEqual(await actions({ limit: 10, resourceId: 'u1' }), ['user.update', 'user.create'])
      assert.deepEqual(await actions({ limit: 10, actor: userId }), ['group.create', 'user.update'], 'by actor id')
      assert.deepEqual(await actions({ limit: 10, actor: 'ann@example.COM' }), ['group.create', 'user.update'], 'by actor label, case-insensitively')
      assert.deepEqual(
        await actions({ limit: 10, from: new Date('2026-02-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') }),
        ['users.bulk', 'user.update'],
        'from is inclusive, to exclusive',
      )
      const at = (await ctx.store.audit.list(tenant.id, { limit: 10, action: 'user.create' })).items[0]!.at
      assert.equal(at.toISOString(), '2026-01-01T00:00:00.000Z')
    })

    it("never lists another tenant's events", async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      await ctx.store.audit.append(event(a.id, 'user.create'))
      assert.deepEqual((await ctx.store.audit.list(b.id, { limit: 10 })).items, [])
      assert.deepEqual((await ctx.store.audit.list(unknownId(), { limit: 10 })).items, [])
      assert.equal((await ctx.store.audit.list(a.id, { limit: 10 })).items.length, 1)
    })

    it('refuses a cursor it did not issue', async () => {
      const tenant = await newTenant(ctx.store)
      for (const bad of ['x', '!!!', Buffer.from('abc').toString('base64url')]) {
        await assert.rejects(ctx.store.audit.list(tenant.id, { limit: 10, before: bad }), (e: unknown) => e instanceof ValidationError && e.field === 'cursor', bad)
      }
    })

    it('keeps no event of a transaction that fails', async () => {
      const tenant = await newTenant(ctx.store)
      await rolledBack(ctx.store, async (tx) => {
        await tx.audit.append(event(tenant.id, 'user.create'))
        await tx.audit.appendMany([event(tenant.id, 'user.update')])
      })
      assert.deepEqual((await ctx.store.audit.list(tenant.id, { limit: 10 })).items, [])
    })
  })
}

/** Conformance of the tenancy port (src/domain/tenancy/persister.ts). */
import assert from 'node:assert/strict'
import { isConflict, MALFORMED_KEYS, newTenant, rolledBack, slug, unknownId, useStore, type StoreUnderTest } from './harness.js'

export function describeConformance(subject: StoreUnderTest): void {
  describe(`tenancy port on ${subject.name}`, function () {
    const ctx = useStore(subject)

    it('creates and finds a tenant by id and slug', async () => {
      const tenant = await newTenant(ctx.store, 'scim')
      assert.equal(tenant.source, 'scim')
      assert.deepEqual(await ctx.store.tenants.getBySlug(tenant.slug), tenant)
      assert.deepEqual(await ctx.store.tenants.getById(tenant.id), tenant)
    })

    it('refuses a second tenant with the same slug', async () => {
      const tenant = await newTenant(ctx.store)
      await assert.rejects(ctx.store.tenants.create({ slug: tenant.slug, displayName: 'x', source: 'local' }), isConflict('slug'))
    })

    it('updates display name, source and settings', async () => {
      const tenant = await newTenant(ctx.store)
      const updated = await ctx.store.tenants.update(tenant.id, { source: 'ldap', settings: { strictScim: true } })
      assert.equal(updated?.source, 'ldap')
      assert.deepEqual(updated?.settings, { strictScim: true })
      assert.equal(updated?.displayName, 'Test')
      assert.deepEqual(await ctx.store.tenants.getById(tenant.id), updated)
    })

    it('finds nothing by a malformed or unknown key', async () => {
      for (const key of MALFORMED_KEYS) {
        assert.equal(await ctx.store.tenants.getById(key), null, JSON.stringify(key))
        assert.equal(await ctx.store.tenants.getBySlug(key), null, JSON.stringify(key))
        assert.equal(await ctx.store.tenants.update(key, { displayName: 'x' }), null, JSON.stringify(key))
      }
      assert.equal(await ctx.store.tenants.getById(unknownId()), null)
      assert.equal(await ctx.store.tenants.getBySlug(slug('none')), null)
      assert.equal(await ctx.store.tenants.update(unknownId(), { displayName: 'x' }), null)
    })

    it('lists and counts every tenant, by slug', async () => {
      const made = [await newTenant(ctx.store), await newTenant(ctx.store)]
      const list = await ctx.store.tenants.list()
      assert.deepEqual(
        list.map((t) => t.slug),
        [...list.map((t) => t.slug)].sort(),
      )
      for (const t of made) assert.ok(list.some((x) => x.id === t.id))
      assert.equal(await ctx.store.tenants.count(), list.length)
    })

    it('creates a tenant with a given id', async () => {
      const id = unknownId()
      const tenant = await ctx.store.tenants.create({ id, slug: slug(), displayName: 'Given', source: 'local' })
      assert.equal(tenant.id, id)
      assert.deepEqual(tenant.settings, {})
    })

    it('keeps nothing of a transaction that fails', async () => {
      const s = slug()
      await rolledBack(ctx.store, async (tx) => {
        const tenant = await tx.tenants.create({ slug: s, displayName: 'Gone', source: 'local' })
        assert.equal((await tx.tenants.getBySlug(s))?.id, tenant.id, 'the transaction sees its own write')
      })
      assert.equal(await ctx.store.tenants.getBySlug(s), null)
    })
  })
}

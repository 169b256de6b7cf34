/**
 * The tenant's counters are striped by connection (migration 0016): whatever connections write, the
 * totals an unfiltered SCIM list and the console's list report stay exact.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../support/stores.js'
import { newTenant } from '../support/sign-in.js'

for (const backend of backends()) {
  describe(`tenant totals across counter stripes, on ${backend.name}`, function () {
    let t: TestStore
    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())

    it('sums every stripe: concurrent inserts, status changes and deletes on many connections', async function () {
      this.timeout(60_000)
      const tenant = await newTenant(t.store, 'stripes')
      const other = await newTenant(t.store, 'stripes-other')
      const users = await Promise.all(Array.from({ length: 40 }, (_, i) => t.store.users.insert({ tenantId: tenant.id, userName: `s${i}`, origin: 'local' })))
      await t.store.users.insert({ tenantId: other.id, userName: 'elsewhere', origin: 'local' })
      await Promise.all(users.slice(0, 10).map((u) => t.store.users.update(tenant.id, u.id, { status: 'inactive' })))
      await Promise.all(users.slice(10, 15).map((u) => t.store.users.update(tenant.id, u.id, { status: 'archived' })))
      await Promise.all(users.slice(30).map((u) => t.store.users.delete(tenant.id, u.id)))
      await Promise.all(['g1', 'g2', 'g3'].map((displayName) => t.store.groups.insert({ tenantId: tenant.id, displayName, origin: 'local' })))
      const stripes = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tenant_stats WHERE tenant_id = $1', [tenant.id])
      if (backend.name === 'postgres') assert.ok(stripes[0]!.n > 1, 'the pool wrote through more than one stripe')
      const scim = await t.store.users.query(tenant.id, { page: { kind: 'index', startIndex: 1, count: 0 } })
      assert.equal(scim.totalResults, 30)
      assert.equal((await t.store.groups.query(tenant.id, { page: { kind: 'index', startIndex: 1, count: 0 } })).totalResults, 3)
      for (const [view, n] of [['active', 15], ['inactive', 10], ['archived', 5]] as const) {
        const page = await t.store.userList.list(tenant.id, { view, limit: 5, sort: 'userName', order: 'asc' })
        assert.equal(page.total, n, view)
      }
      assert.equal((await t.store.users.query(other.id, { page: { kind: 'index', startIndex: 1, count: 0 } })).totalResults, 1)
    })
  })
}

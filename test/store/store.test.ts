/**
 * The PostgreSQL adapter's own rules, beyond the ports: the per-port conformance suites
 * (test/store/conformance/) say what every adapter must do; this says what needs SQL to check.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../support/stores.js'
import type { Store } from '../../src/domain/store.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'

let n = 0
const slug = () => `t${Date.now().toString(36)}${(n++).toString(36)}`

for (const backend of backends()) {
  describe(`PostgreSQL store on ${backend.name}`, function () {
    let t: TestStore
    let store: Store
    before(async function () {
      t = await backend.open()
      store = t.store
    })
    after(async () => t?.dispose())

    const newTenant = (source: Tenant['source'] = 'local') => store.tenants.create({ slug: slug(), displayName: 'Test', source })

    describe('kept totals', () => {
      it('stay exact through inserts, deletes, bulk statements and rollbacks', async () => {
        const tenant = await newTenant()
        const totalsOnly = { page: { kind: 'index', startIndex: 1, count: 0 } } as const
        const total = async (table: 'users' | 'groups') => (await store[table].query(tenant.id, totalsOnly)).totalResults
        const users = await Promise.all([1, 2, 3].map((i) => store.users.insert({ tenantId: tenant.id, userName: `k${i}`, origin: 'local' })))
        await store.groups.insert({ tenantId: tenant.id, displayName: 'G', origin: 'local' })
        assert.equal(await total('users'), 3)
        assert.equal(await total('groups'), 1)
        await store.users.delete(tenant.id, users[0]!.id)
        assert.equal(await total('users'), 2)
        await t.db.query(
          `INSERT INTO users (tenant_id, id, user_name, user_name_key, origin) SELECT $1, gen_random_uuid(), 'bulk' || n, 'bulk' || n, 'local' FROM generate_series(1, 50) n`,
          [tenant.id],
        )
        assert.equal(await total('users'), 52)
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.users.insert({ tenantId: tenant.id, userName: 'gone', origin: 'local' })
            throw new Error('rollback')
          }),
        )
        assert.equal(await total('users'), 52)
        assert.equal(await total('users'), await store.users.count(tenant.id))
      })
    })

    it('answers ping', async () => {
      await store.ping()
    })
  })
}

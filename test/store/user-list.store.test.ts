/**
 * The PostgreSQL adapter's side of the user list: what the port suite (conformance/user-list.ts)
 * cannot say without SQL or the adapter's own numbers — counts kept through raw deletes, the
 * migration that introduced the list, the search count cap, and cursors forged in its encoding.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../support/stores.js'
import type { UserListView } from '../../src/domain/identity/persister.js'
import type { Store } from '../../src/domain/store.js'
import type { User } from '../../src/domain/identity/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { USER_LIST_SEARCH_COUNT_LIMIT } from '../../src/store/postgres/repos/user-list.js'
import { cmpText, ids, isCursorError, slug, VIEWS } from './conformance/user-list.js'

for (const backend of backends()) {
  describe(`user list (PostgreSQL adapter) on ${backend.name}`, function () {
    let t: TestStore
    let store: Store
    let tenant: Tenant
    before(async function () {
      t = await backend.open()
      store = t.store
      tenant = await store.tenants.create({ slug: slug(), displayName: 'List', source: 'scim' })
      await store.users.insertMany(Array.from({ length: 12 }, (_, i) => ({ tenantId: tenant.id, userName: `user${i}`, origin: 'scim' as const })))
    })
    after(async () => t?.dispose())

    it('refuses a cursor altered in its encoding', async () => {
      const base = { view: 'active', sort: 'lastSignIn', order: 'asc', limit: 5 } as const
      const first = await store.userList.list(tenant.id, base)
      const decoded = JSON.parse(Buffer.from(first.next!, 'base64url').toString('utf8')) as unknown[]
      const altered = [...decoded]
      altered[1] = ['2000-01-01 00:00:00+00']
      const forged = Buffer.from(JSON.stringify(altered)).toString('base64url')
      await assert.rejects(store.userList.list(tenant.id, { ...base, after: forged }), isCursorError)
    })

    it('keeps its totals through a delete in SQL', async () => {
      const t2 = await store.tenants.create({ slug: slug(), displayName: 'Counts', source: 'local' })
      const totals = async () => Promise.all(VIEWS.map(async (view: UserListView) => (await store.userList.list(t2.id, { view, sort: 'userName', order: 'asc', limit: 1 })).total))
      await store.users.insertMany((['active', 'inactive', 'archived'] as const).map((status, i) => ({ tenantId: t2.id, userName: `u${i}`, status, origin: 'local' as const })))
      assert.deepEqual(await totals(), [1, 1, 1])
      await t.db.query('DELETE FROM users WHERE tenant_id = $1', [t2.id])
      assert.deepEqual(await totals(), [0, 0, 0])
    })

    describe('migration 0006', () => {
      it('counts and indexes the users that were there before it', async () => {
        const fresh = await backend.open({ migrate: false })
        try {
          await migrate(fresh.db, migrations.filter((m) => m.version < 6))
          const id = (await fresh.db.query<{ id: string }>(`INSERT INTO tenants (id, slug, display_name, source) VALUES (gen_random_uuid(), 'old', 'Old', 'scim') RETURNING id`))[0]!.id
          await fresh.db.query(
            `INSERT INTO users (tenant_id, id, user_name, display_name, status, origin, resource)
             SELECT $1, gen_random_uuid(), 'user' || n, 'Person ' || n, (ARRAY['active', 'active', 'inactive', 'archived'])[1 + n % 4], 'scim', '{}'
               FROM generate_series(1, 40) AS n`,
            [id],
          )
          await migrate(fresh.db)
          const list = (view: UserListView, search?: string) => fresh.store.userList.list(id, { view, sort: 'name', order: 'asc', limit: 5, ...(search ? { search } : {}) })
          assert.deepEqual(await Promise.all(VIEWS.map(async (v) => (await list(v)).total)), [20, 10, 10])
          // Inactive: every n ≡ 2 (mod 4); "1" starts a word in 10, 14 and 18.
          assert.deepEqual((await list('inactive', 'person 1')).items.map((u) => u.displayName), ['Person 10', 'Person 14', 'Person 18'])
        } finally {
          await fresh.dispose()
        }
      })
    })

    describe(`more than ${USER_LIST_SEARCH_COUNT_LIMIT.toLocaleString('en')} matches`, () => {
      it('reports one more than the limit and still pages in order', async function () {
        this.timeout(120_000)
        const big = await store.tenants.create({ slug: slug(), displayName: 'Big', source: 'scim' })
        const count = USER_LIST_SEARCH_COUNT_LIMIT + 40
        const made: User[] = []
        for (let from = 0; from < count; from += 2500) {
          const batch = Array.from({ length: Math.min(2500, count - from) }, (_, j) => {
            const i = from + j
            return { tenantId: big.id, userName: `capper${String((i * 7919) % count).padStart(5, '0')}`, displayName: i % 2 ? `Cap Person ${i}` : null, origin: 'scim' as const }
          })
          made.push(...(await store.users.insertMany(batch)))
        }
        await store.users.insert({ tenantId: big.id, userName: 'nomatch', origin: 'scim' })
        const names = made.map((u) => u.userName.toLowerCase()).sort((a, b) => cmpText(a, b))
        let after: string | null = null
        const seen: string[] = []
        for (let page = 0; page < 3; page++) {
          const got = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 50, search: 'cap', after })
          assert.equal(got.total, USER_LIST_SEARCH_COUNT_LIMIT + 1)
          assert.equal(got.totalExact, false)
          seen.push(...got.items.map((u) => u.userName))
          after = got.next
        }
        assert.deepEqual(seen, names.slice(0, 150))
        const desc = await store.userList.list(big.id, { view: 'active', sort: 'name', order: 'desc', limit: 3, search: 'per' })
        assert.equal(desc.total, USER_LIST_SEARCH_COUNT_LIMIT + 1)
        const nameOf = (u: User) => (u.displayName ?? u.userName).toLowerCase()
        const byName = [...made].sort((a, b) => cmpText(nameOf(b), nameOf(a)) || cmpText(b.id, a.id))
        assert.deepEqual(ids(desc.items), ids(byName.slice(0, 3)))
        const exact = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 3, search: 'capper0' })
        assert.equal(exact.total, 10_000)
        // Without a search the total is the tenant's counters: exact at any size ("18,003 users", not "about").
        const all = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 3 })
        assert.equal(all.total, count + 1)
        assert.equal(all.totalExact, true)
        // The last page and a page back from it, in the dense search's walk too (its count is a
        // cap, not exact, so the last page is a whole one).
        const last = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 50, search: 'cap', last: true })
        assert.deepEqual(last.items.map((u) => u.userName), names.slice(-50))
        assert.equal(last.next, null)
        const back = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 50, search: 'cap', after: last.previous })
        assert.deepEqual(back.items.map((u) => u.userName), names.slice(-100, -50))
        // Counted exactly (no search), the last page is what whole pages leave over.
        const lastAll = await store.userList.list(big.id, { view: 'active', sort: 'userName', order: 'asc', limit: 50, last: true })
        assert.equal(lastAll.items.length, (count + 1) % 50 || 50)
      })
    })
  })
}

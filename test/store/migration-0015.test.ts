import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { parseFilter } from '../../src/scim/filter/parse.js'
import { resolveFilter } from '../../src/scim/filter/resolve.js'
import { loadSchemas } from '../../src/scim/schema/schemas.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const uid = (n: number) => `bbbbbbbb-0000-4000-8000-${String(n).padStart(12, '0')}`

// Migration 0015 turns the document GIN indexes' pending list off: users written before it (their
// entries still in the list) must be found by the same filters afterwards.
for (const backend of backends()) {
  describe(`migration 0015 (GIN fastupdate off) on ${backend.name}`, () => {
    it('keeps every earlier user findable by eq through the GIN index, with fastupdate off', async () => {
      const t = await backend.open({ migrate: false })
      try {
        await migrate(t.db, migrations.filter((m) => m.version <= 14))
        const tenant = await t.store.tenants.create({ slug: `m15${Date.now().toString(36)}`, displayName: 'M', source: 'scim' })
        const boss = uid(1)
        // Written as the schema of version 14 stood: the repository of today needs later migrations
        // (0017's manager-reference function), so the rows go in with SQL of that schema.
        const insert = (id: string, userName: string, resource: Record<string, unknown>) =>
          t.db.query(`INSERT INTO users (tenant_id, id, user_name, user_name_key, origin, resource) VALUES ($1, $2, $3, $4, 'scim', $5)`, [tenant.id, id, userName, userName.toLowerCase(), JSON.stringify(resource)])
        await insert(boss, 'boss', { userName: 'boss', title: 'Chief' })
        for (const n of [2, 3]) {
          await insert(uid(n), `u${n}`, { userName: `u${n}`, title: 'Staff Engineer', emails: [{ value: `U${n}@Example.com`, type: 'work' }], [ENTERPRISE]: { manager: { value: boss } } })
        }
        assert.deepEqual(await migrate(t.db), migrations.filter((m) => m.version > 14).map((m) => m.version))

        for (const index of ['users_resource_ci_idx', 'groups_resource_ci_idx']) {
          const rows = await t.db.query<{ options: string[] | null }>(`SELECT reloptions AS options FROM pg_class WHERE relname = $1`, [index])
          assert.deepEqual(rows[0]?.options, ['fastupdate=off'], index)
        }
        const registry = loadSchemas()
        const found = async (filter: string) =>
          (await t.store.users.query(tenant.id, { filter: resolveFilter(registry, 'User', parseFilter(filter)), page: { kind: 'index', startIndex: 1, count: 10 } })).items.map((u) => u.userName).sort()
        assert.deepEqual(await found('title eq "staff engineer"'), ['u2', 'u3'])
        assert.deepEqual(await found('emails.value eq "u3@example.com"'), ['u3'])
        assert.deepEqual(await found(`${ENTERPRISE}:manager.value eq "${boss}"`), ['u2', 'u3'])

        const plan = await t.db.transaction(async (sql) => {
          await sql.query('SET LOCAL enable_seqscan = off')
          const rows = await sql.query(`EXPLAIN SELECT id FROM users r WHERE r.resource_ci @> lower($1::text)::jsonb`, ['{"title":"chief"}'])
          return rows.map((r) => String(Object.values(r)[0])).join('\n')
        })
        assert.match(plan, /users_resource_ci_idx/)

        // A deleted manager's reports lose the reference (users.clearReference finds them through the index).
        assert.deepEqual((await t.store.users.clearReference(tenant.id, [ENTERPRISE, 'manager'], boss)).sort(), [uid(2), uid(3)])
        assert.deepEqual(await found(`${ENTERPRISE}:manager.value eq "${boss}"`), [])
      } finally {
        await t.dispose()
      }
    })
  })
}

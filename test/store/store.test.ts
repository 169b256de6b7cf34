import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { backends, type TestStore } from '../support/stores.js'
import type { Store } from '../../src/domain/store.js'
import type { Actor } from '../../src/domain/audit/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { ConflictError, PreconditionFailedError } from '../../src/domain/errors.js'
import { hashSecret } from '../../src/domain/credentials/tokens.js'

const actor: Actor = { type: 'system', id: null, label: 'test' }
let n = 0
const slug = () => `t${Date.now().toString(36)}${(n++).toString(36)}`

for (const backend of backends()) {
  describe(`store on ${backend.name}`, function () {
    let t: TestStore
    let store: Store
    before(async function () {
      t = await backend.open()
      store = t.store
    })
    after(async () => t?.dispose())

    const newTenant = (source: Tenant['source'] = 'local') => store.tenants.create({ slug: slug(), displayName: 'Test', source })

    describe('tenants', () => {
      it('creates and finds a tenant by id and slug', async () => {
        const tenant = await newTenant('scim')
        assert.equal(tenant.source, 'scim')
        assert.deepEqual(await store.tenants.getBySlug(tenant.slug), tenant)
        assert.deepEqual(await store.tenants.getById(tenant.id), tenant)
        assert.equal(await store.tenants.getById('not-a-uuid'), null)
      })

      it('refuses a second tenant with the same slug', async () => {
        const tenant = await newTenant()
        await assert.rejects(store.tenants.create({ slug: tenant.slug, displayName: 'x', source: 'local' }), (e: unknown) => e instanceof ConflictError && e.field === 'slug')
      })

      it('updates display name, source and settings', async () => {
        const tenant = await newTenant()
        const updated = await store.tenants.update(tenant.id, { source: 'ldap', settings: { strictScim: true } })
        assert.equal(updated?.source, 'ldap')
        assert.deepEqual(updated?.settings, { strictScim: true })
        assert.equal(updated?.displayName, 'Test')
      })
    })

    describe('tokens', () => {
      it('stores only the hash and finds the token for verification', async () => {
        const tenant = await newTenant()
        const id = randomUUID().replace(/-/g, '').slice(0, 16)
        await store.tokens.create({ id, tenantId: tenant.id, label: 'okta', secretHash: hashSecret('s3cret') })
        const found = await store.tokens.findForVerification(id)
        assert.ok(found)
        assert.equal(found.token.tenantId, tenant.id)
        assert.ok(found.secretHash.equals(hashSecret('s3cret')))
      })

      it('keeps live labels unique per tenant, case-insensitively, and frees a label on revoke', async () => {
        const a = await newTenant()
        const b = await newTenant()
        const mk = (tenantId: string, label: string) =>
          store.tokens.create({ id: randomUUID().replace(/-/g, '').slice(0, 16), tenantId, label, secretHash: hashSecret(label) })
        await mk(a.id, 'Okta')
        await assert.rejects(mk(a.id, 'okta'), (e: unknown) => e instanceof ConflictError && e.field === 'name')
        await mk(b.id, 'okta')
        const revoked = await store.tokens.revokeByLabel(a.id, 'OKTA', new Date())
        assert.ok(revoked?.revoked)
        assert.equal(await store.tokens.revokeByLabel(a.id, 'okta', new Date()), null)
        await mk(a.id, 'okta')
        assert.equal((await store.tokens.list(a.id)).length, 1)
        assert.equal((await store.tokens.list(a.id, { includeRevoked: true })).length, 2)
      })

      it('records usage in one batch and never moves last-used backwards', async () => {
        const tenant = await newTenant()
        const ids = [1, 2].map(() => randomUUID().replace(/-/g, '').slice(0, 16))
        for (const id of ids) await store.tokens.create({ id, tenantId: tenant.id, label: id, secretHash: hashSecret(id) })
        const later = new Date('2030-01-01T00:00:00Z')
        await store.tokens.recordUsage(ids.map((tokenId) => ({ tenantId: tenant.id, tokenId, at: later })))
        await store.tokens.recordUsage([{ tenantId: tenant.id, tokenId: ids[0]!, at: new Date('2029-01-01T00:00:00Z') }])
        const list = await store.tokens.list(tenant.id)
        assert.deepEqual(list.map((x) => x.lastUsed?.toISOString()), [later.toISOString(), later.toISOString()])
      })

      it('ignores usage reported under the wrong tenant', async () => {
        const a = await newTenant()
        const b = await newTenant()
        const id = randomUUID().replace(/-/g, '').slice(0, 16)
        await store.tokens.create({ id, tenantId: a.id, label: 'x', secretHash: hashSecret('x') })
        await store.tokens.recordUsage([{ tenantId: b.id, tokenId: id, at: new Date() }])
        assert.equal((await store.tokens.list(a.id))[0]!.lastUsed, null)
      })
    })

    describe('users', () => {
      it('inserts with defaults and derives active from status', async () => {
        const tenant = await newTenant()
        const u = await store.users.insert({ tenantId: tenant.id, userName: 'Ann@Example.com', origin: 'scim', resource: { name: { givenName: 'Ann' } } })
        assert.equal(u.status, 'active')
        assert.equal(u.active, true)
        assert.equal(u.version, 1)
        assert.deepEqual(u.resource, { name: { givenName: 'Ann' } })
        const off = await store.users.insert({ tenantId: tenant.id, userName: 'bob', origin: 'local', status: 'archived' })
        assert.equal(off.active, false)
      })

      it('keeps userName unique per tenant, case-insensitively', async () => {
        const a = await newTenant()
        const b = await newTenant()
        await store.users.insert({ tenantId: a.id, userName: 'ann@example.com', origin: 'local' })
        await assert.rejects(
          store.users.insert({ tenantId: a.id, userName: 'ANN@example.com', origin: 'local' }),
          (e: unknown) => e instanceof ConflictError && e.field === 'userName',
        )
        await store.users.insert({ tenantId: b.id, userName: 'ann@example.com', origin: 'local' })
        assert.equal((await store.users.getByUserName(a.id, 'Ann@Example.COM'))?.tenantId, a.id)
      })

      it('never returns another tenant\'s user', async () => {
        const a = await newTenant()
        const b = await newTenant()
        const u = await store.users.insert({ tenantId: a.id, userName: 'x', origin: 'local' })
        assert.equal(await store.users.get(b.id, u.id), null)
        assert.equal(await store.users.update(b.id, u.id, { displayName: 'hijack' }), null)
        assert.equal(await store.users.delete(b.id, u.id), false)
        assert.equal((await store.users.existing(b.id, [u.id])).size, 0)
        assert.equal((await store.users.get(a.id, u.id))?.displayName, null)
        assert.equal(await store.users.get(a.id, 'not-a-uuid'), null)
      })

      it('updates with a version bump and checks the expected version', async () => {
        const tenant = await newTenant()
        const u = await store.users.insert({ tenantId: tenant.id, userName: 'v', origin: 'local' })
        const u2 = await store.users.update(tenant.id, u.id, { displayName: 'Vee', status: 'inactive' }, { ifVersion: 1 })
        assert.equal(u2?.version, 2)
        assert.equal(u2?.active, false)
        assert.ok(u2!.modified >= u.modified)
        await assert.rejects(store.users.update(tenant.id, u.id, { displayName: 'stale' }, { ifVersion: 1 }), PreconditionFailedError)
        assert.equal(await store.users.update(tenant.id, randomUUID(), { displayName: 'x' }, { ifVersion: 1 }), null)
        assert.equal((await store.users.get(tenant.id, u.id))?.displayName, 'Vee')
      })

      it('finds users by source anchor, unique per tenant', async () => {
        const tenant = await newTenant('ldap')
        const u = await store.users.insert({ tenantId: tenant.id, userName: 'a', origin: 'ldap', sourceAnchor: 'guid-1' })
        assert.equal((await store.users.getBySourceAnchor(tenant.id, 'guid-1'))?.id, u.id)
        await assert.rejects(store.users.insert({ tenantId: tenant.id, userName: 'b', origin: 'ldap', sourceAnchor: 'guid-1' }), ConflictError)
      })

      it('pages through all users in a stable order', async () => {
        const tenant = await newTenant()
        for (let i = 0; i < 7; i++) await store.users.insert({ tenantId: tenant.id, userName: `u${i}`, origin: 'local' })
        const seen: string[] = []
        let after: string | null = null
        do {
          const page = await store.users.list(tenant.id, { limit: 3, after })
          seen.push(...page.items.map((u) => u.userName))
          after = page.next
        } while (after)
        assert.deepEqual(seen.sort(), ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6'])
        assert.equal(await store.users.count(tenant.id), 7)
      })
    })

    describe('groups and memberships', () => {
      it('adds and removes members one row at a time, reporting what changed', async () => {
        const tenant = await newTenant()
        const g = await store.groups.insert({ tenantId: tenant.id, displayName: 'Staff', origin: 'scim' })
        const users = await Promise.all([1, 2, 3].map((i) => store.users.insert({ tenantId: tenant.id, userName: `m${i}`, origin: 'scim' })))
        const refs = users.map((u) => ({ memberId: u.id, memberType: 'User' as const }))
        assert.equal(await store.memberships.add(tenant.id, g.id, refs), 3)
        assert.equal(await store.memberships.add(tenant.id, g.id, refs.slice(0, 2)), 0)
        assert.equal(await store.memberships.count(tenant.id, g.id), 3)
        assert.equal(await store.memberships.remove(tenant.id, g.id, [users[0]!.id, randomUUID()]), 1)
        const page1 = await store.memberships.list(tenant.id, g.id, { limit: 1 })
        assert.equal(page1.items.length, 1)
        const page2 = await store.memberships.list(tenant.id, g.id, { limit: 1, after: page1.next })
        assert.equal(page2.next, null)
        assert.deepEqual([...page1.items, ...page2.items].map((m) => m.memberId).sort(), [users[1]!.id, users[2]!.id].sort())
        assert.deepEqual(await store.memberships.groupsOf(tenant.id, users[1]!.id), [g.id])
      })

      it('supports nested groups and cleans memberships up on delete', async () => {
        const tenant = await newTenant()
        const parent = await store.groups.insert({ tenantId: tenant.id, displayName: 'All', origin: 'local' })
        const child = await store.groups.insert({ tenantId: tenant.id, displayName: 'Support', origin: 'local' })
        const u = await store.users.insert({ tenantId: tenant.id, userName: 'nest', origin: 'local' })
        await store.memberships.add(tenant.id, parent.id, [{ memberId: child.id, memberType: 'Group' }])
        await store.memberships.add(tenant.id, child.id, [{ memberId: u.id, memberType: 'User' }])
        assert.equal(await store.users.delete(tenant.id, u.id), true)
        assert.equal(await store.memberships.count(tenant.id, child.id), 0)
        assert.equal(await store.groups.delete(tenant.id, child.id), true)
        assert.equal(await store.memberships.count(tenant.id, parent.id), 0)
      })

      it('touches the group version when members change', async () => {
        const tenant = await newTenant()
        const g = await store.groups.insert({ tenantId: tenant.id, displayName: 'G', origin: 'local' })
        const touched = await store.groups.touch(tenant.id, g.id, { ifVersion: 1 })
        assert.equal(touched?.version, 2)
        await assert.rejects(store.groups.touch(tenant.id, g.id, { ifVersion: 1 }), PreconditionFailedError)
      })

      it('keeps memberships within the tenant', async () => {
        const a = await newTenant()
        const b = await newTenant()
        const g = await store.groups.insert({ tenantId: a.id, displayName: 'A', origin: 'local' })
        const u = await store.users.insert({ tenantId: a.id, userName: 'ua', origin: 'local' })
        await store.memberships.add(a.id, g.id, [{ memberId: u.id, memberType: 'User' }])
        assert.equal(await store.memberships.count(b.id, g.id), 0)
        assert.equal(await store.memberships.remove(b.id, g.id, [u.id]), 0)
        assert.equal(await store.memberships.removeAll(b.id, g.id), 0)
        assert.deepEqual(await store.memberships.groupsOf(b.id, u.id), [])
        assert.equal(await store.groups.get(b.id, g.id), null)
        assert.equal((await store.groups.getByDisplayName(a.id, 'a'))?.id, g.id)
      })
    })

    describe('audit events', () => {
      it('appends and lists newest first with paging and filters', async () => {
        const tenant = await newTenant()
        for (const action of ['user.create', 'user.update', 'user.delete']) {
          await store.audit.append({ tenantId: tenant.id, actor, action, resourceType: 'User', resourceId: 'r1', changes: { attributes: ['userName'] }, requestId: 'req-1' })
        }
        const first = await store.audit.list(tenant.id, { limit: 2 })
        assert.deepEqual(first.items.map((e) => e.action), ['user.delete', 'user.update'])
        const rest = await store.audit.list(tenant.id, { limit: 2, before: first.next })
        assert.deepEqual(rest.items.map((e) => e.action), ['user.create'])
        assert.equal(rest.next, null)
        const only = await store.audit.list(tenant.id, { limit: 10, action: 'user.update' })
        assert.equal(only.items.length, 1)
        assert.deepEqual(only.items[0]!.changes, { attributes: ['userName'] })
        assert.deepEqual(only.items[0]!.actor, actor)
      })

      it('pages through events numbered past 9 in numeric order, losing none', async () => {
        const tenant = await newTenant()
        for (let i = 1; i <= 23; i++) {
          await store.audit.append({ tenantId: tenant.id, actor, action: `n.${i}`, resourceType: 'User', resourceId: null, changes: null, requestId: null })
        }
        const seen: string[] = []
        let before: string | null = null
        do {
          const page = await store.audit.list(tenant.id, { limit: 5, before })
          seen.push(...page.items.map((e) => e.action))
          before = page.next
        } while (before)
        assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => `n.${23 - i}`))
      })
    })

    describe('transactions', () => {
      it('commits everything or nothing', async () => {
        const tenant = await newTenant()
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.users.insert({ tenantId: tenant.id, userName: 'rolled-back', origin: 'local' })
            await tx.audit.append({ tenantId: tenant.id, actor, action: 'user.create', resourceType: 'User', resourceId: null, changes: null, requestId: null })
            throw new Error('boom')
          }),
          /boom/,
        )
        assert.equal(await store.users.getByUserName(tenant.id, 'rolled-back'), null)
        assert.equal((await store.audit.list(tenant.id, { limit: 10 })).items.length, 0)
      })

      it('rolls back on a conflict half-way and joins nested transactions', async () => {
        const tenant = await newTenant()
        await store.users.insert({ tenantId: tenant.id, userName: 'taken', origin: 'local' })
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.users.insert({ tenantId: tenant.id, userName: 'first', origin: 'local' })
            await tx.transaction(async (inner) => inner.users.insert({ tenantId: tenant.id, userName: 'TAKEN', origin: 'local' }))
          }),
          ConflictError,
        )
        assert.equal(await store.users.getByUserName(tenant.id, 'first'), null)
        const committed = await store.transaction(async (tx) => {
          const u = await tx.users.insert({ tenantId: tenant.id, userName: 'second', origin: 'local' })
          await tx.transaction(async (inner) => inner.users.update(tenant.id, u.id, { displayName: 'Two' }))
          return u.id
        })
        assert.equal((await store.users.get(tenant.id, committed))?.displayName, 'Two')
      })

      it('serialises concurrent transactions without losing writes', async () => {
        const tenant = await newTenant()
        const g = await store.groups.insert({ tenantId: tenant.id, displayName: 'busy', origin: 'local' })
        const users = await Promise.all(Array.from({ length: 10 }, (_, i) => store.users.insert({ tenantId: tenant.id, userName: `c${i}`, origin: 'local' })))
        await Promise.all(
          users.map((u) =>
            store.transaction(async (tx) => {
              await tx.memberships.add(tenant.id, g.id, [{ memberId: u.id, memberType: 'User' }])
              await tx.groups.touch(tenant.id, g.id)
            }),
          ),
        )
        assert.equal(await store.memberships.count(tenant.id, g.id), 10)
        assert.equal((await store.groups.get(tenant.id, g.id))?.version, 11)
      })
    })

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

/**
 * Conformance of the credentials port (src/domain/credentials/persister.ts): SCIM tokens, personal
 * tokens, per-user API settings and service accounts.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { hashSecret } from '../../../src/domain/credentials/tokens.js'
import { isConflict, MALFORMED_KEYS, newTenant, rolledBack, unknownId, useStore, type StoreUnderTest } from './harness.js'

const tokenId = () => randomUUID().replace(/-/g, '').slice(0, 16)

export function describeConformance(subject: StoreUnderTest): void {
  describe(`credentials port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const user = (tenant: Tenant, userName: string) => ctx.store.users.insert({ tenantId: tenant.id, userName, origin: 'local' })
    const personalToken = (tenant: Tenant, userId: string, name: string, extra: { expires?: Date | null } = {}) =>
      ctx.store.personalTokens.create({
        id: tokenId(),
        tenantId: tenant.id,
        userId,
        name,
        permissions: null,
        expires: extra.expires ?? null,
        issuedBy: { id: userId, label: 'self' },
        secretHash: hashSecret(name),
      })

    describe('SCIM tokens', () => {
      it('stores only the hash and finds the token for verification', async () => {
        const tenant = await newTenant(ctx.store)
        const id = tokenId()
        await ctx.store.tokens.create({ id, tenantId: tenant.id, label: 'okta', secretHash: hashSecret('s3cret') })
        const found = await ctx.store.tokens.findForVerification(id)
        assert.ok(found)
        assert.equal(found.token.tenantId, tenant.id)
        assert.deepEqual(found.tenant, tenant)
        assert.ok(found.secretHash.equals(hashSecret('s3cret')))
      })

      it('keeps live labels unique per tenant, case-insensitively, and frees a label on revoke', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const mk = (tenantId: string, label: string) => ctx.store.tokens.create({ id: tokenId(), tenantId, label, secretHash: hashSecret(label) })
        await mk(a.id, 'Okta')
        await assert.rejects(mk(a.id, 'okta'), isConflict('name'))
        await mk(b.id, 'okta')
        const revoked = await ctx.store.tokens.revokeByLabel(a.id, 'OKTA', new Date())
        assert.ok(revoked?.revoked)
        assert.equal(await ctx.store.tokens.revokeByLabel(a.id, 'okta', new Date()), null)
        await mk(a.id, 'okta')
        assert.equal((await ctx.store.tokens.list(a.id)).length, 1)
        assert.equal((await ctx.store.tokens.list(a.id, { includeRevoked: true })).length, 2)
      })

      it('records usage in one batch and never moves last-used backwards', async () => {
        const tenant = await newTenant(ctx.store)
        const ids = [1, 2].map(() => tokenId())
        for (const id of ids) await ctx.store.tokens.create({ id, tenantId: tenant.id, label: id, secretHash: hashSecret(id) })
        const later = new Date('2030-01-01T00:00:00Z')
        await ctx.store.tokens.recordUsage(ids.map((tokenId) => ({ tenantId: tenant.id, tokenId, at: later })))
        await ctx.store.tokens.recordUsage([{ tenantId: tenant.id, tokenId: ids[0]!, at: new Date('2029-01-01T00:00:00Z') }])
        const list = await ctx.store.tokens.list(tenant.id)
        assert.deepEqual(list.map((x) => x.lastUsed?.toISOString()), [later.toISOString(), later.toISOString()])
      })

      it("ignores usage reported under the wrong tenant and never revokes another tenant's token", async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const id = tokenId()
        await ctx.store.tokens.create({ id, tenantId: a.id, label: 'x', secretHash: hashSecret('x') })
        await ctx.store.tokens.recordUsage([{ tenantId: b.id, tokenId: id, at: new Date() }])
        assert.equal(await ctx.store.tokens.revokeByLabel(b.id, 'x', new Date()), null)
        assert.deepEqual(await ctx.store.tokens.list(b.id, { includeRevoked: true }), [])
        const [token] = await ctx.store.tokens.list(a.id)
        assert.equal(token!.lastUsed, null)
        assert.equal(token!.revoked, null)
      })

      it('finds nothing by a malformed or unknown key', async () => {
        const tenant = await newTenant(ctx.store)
        for (const key of [...MALFORMED_KEYS, tokenId()]) {
          assert.equal(await ctx.store.tokens.findForVerification(key), null, JSON.stringify(key))
          assert.equal(await ctx.store.tokens.revokeByLabel(tenant.id, key, new Date()), null, JSON.stringify(key))
        }
      })
    })

    describe('personal tokens', () => {
      it('creates, lists, revokes and replaces the secret of a user\'s tokens, names unique among live ones', async () => {
        const tenant = await newTenant(ctx.store)
        const owner = await user(tenant, 'owner')
        const t1 = await personalToken(tenant, owner.id, 'laptop')
        assert.equal(t1.lastUsed, null)
        assert.deepEqual(t1.issuedBy, { id: owner.id, label: 'self' })
        await assert.rejects(personalToken(tenant, owner.id, 'LAPTOP'), isConflict())
        const found = await ctx.store.personalTokens.findForVerification(t1.id)
        assert.ok(found?.secretHash.equals(hashSecret('laptop')))
        assert.deepEqual(await ctx.store.personalTokens.get(tenant.id, owner.id, t1.id), t1)
        const issuer = { id: unknownId(), label: 'admin' }
        const replaced = await ctx.store.personalTokens.replaceSecret(tenant.id, owner.id, t1.id, hashSecret('new'), issuer)
        assert.deepEqual(replaced?.issuedBy, issuer)
        assert.ok((await ctx.store.personalTokens.findForVerification(t1.id))?.secretHash.equals(hashSecret('new')))
        const revoked = await ctx.store.personalTokens.revoke(tenant.id, owner.id, t1.id, new Date())
        assert.ok(revoked?.revoked)
        assert.equal(await ctx.store.personalTokens.revoke(tenant.id, owner.id, t1.id, new Date()), null, 'revoked once')
        assert.equal(await ctx.store.personalTokens.replaceSecret(tenant.id, owner.id, t1.id, hashSecret('x'), issuer), null, 'a revoked token keeps its secret')
        const t2 = await personalToken(tenant, owner.id, 'laptop')
        assert.deepEqual((await ctx.store.personalTokens.listForUser(tenant.id, owner.id)).map((t) => t.id), [t1.id, t2.id])
      })

      it('records a use, but not again within a short while', async () => {
        const tenant = await newTenant(ctx.store)
        const owner = await user(tenant, 'toucher')
        const t = await personalToken(tenant, owner.id, 'cli')
        const first = new Date('2030-01-01T00:00:00Z')
        await ctx.store.personalTokens.touch(t.id, first)
        await ctx.store.personalTokens.touch(t.id, new Date(first.getTime() + 1000))
        assert.deepEqual((await ctx.store.personalTokens.get(tenant.id, owner.id, t.id))?.lastUsed, first)
      })

      it("never finds or changes another tenant's or user's token", async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const owner = await user(a, 'mine')
        const someoneElse = await user(a, 'theirs')
        const t = await personalToken(a, owner.id, 'k')
        for (const [tenantId, userId] of [
          [b.id, owner.id],
          [a.id, someoneElse.id],
        ] as const) {
          assert.equal(await ctx.store.personalTokens.get(tenantId, userId, t.id), null)
          assert.equal(await ctx.store.personalTokens.revoke(tenantId, userId, t.id, new Date()), null)
          assert.equal(await ctx.store.personalTokens.replaceSecret(tenantId, userId, t.id, hashSecret('x'), { id: userId, label: 'x' }), null)
          assert.deepEqual(await ctx.store.personalTokens.listForUser(tenantId, userId), [])
        }
        assert.equal((await ctx.store.personalTokens.get(a.id, owner.id, t.id))?.revoked, null)
      })

      it('finds nothing by a malformed key', async () => {
        const tenant = await newTenant(ctx.store)
        const owner = await user(tenant, 'keys')
        for (const key of MALFORMED_KEYS) {
          const k = JSON.stringify(key)
          assert.equal(await ctx.store.personalTokens.findForVerification(key), null, k)
          assert.equal(await ctx.store.personalTokens.get(tenant.id, owner.id, key), null, k)
          assert.equal(await ctx.store.personalTokens.get(tenant.id, key, tokenId()), null, k)
          assert.equal(await ctx.store.personalTokens.revoke(tenant.id, key, tokenId(), new Date()), null, k)
          assert.deepEqual(await ctx.store.personalTokens.listForUser(tenant.id, key), [], k)
        }
      })
    })

    describe('API settings and service accounts', () => {
      it('gives the defaults until set, per tenant and user', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const u = await user(a, 'api')
        const defaults = { apiAccess: true, apiPasswordHash: null, apiPasswordSetBy: null }
        assert.deepEqual(await ctx.store.userApiSettings.get(a.id, u.id), defaults)
        const set = { apiAccess: false, apiPasswordHash: 'hash', apiPasswordSetBy: { id: u.id, label: 'api' } }
        await ctx.store.userApiSettings.put(a.id, u.id, set)
        assert.deepEqual(await ctx.store.userApiSettings.get(a.id, u.id), set)
        assert.deepEqual(await ctx.store.userApiSettings.get(b.id, u.id), defaults)
        for (const key of MALFORMED_KEYS) assert.deepEqual(await ctx.store.userApiSettings.get(a.id, key), defaults, JSON.stringify(key))
      })

      it('keeps service accounts with their owner, lists and transfers them within the tenant', async () => {
        const a = await newTenant(ctx.store)
        const b = await newTenant(ctx.store)
        const [owner, heir, bot] = await Promise.all(['owner', 'heir', 'bot'].map((n) => user(a, n)))
        await ctx.store.serviceAccounts.insert(a.id, { userId: bot!.id, ownerId: owner!.id, description: 'CI' })
        await personalToken(a, bot!.id, 'deploy')
        await ctx.store.roleAssignments.assign(a.id, 'viewer', 'User', bot!.id)
        assert.deepEqual(await ctx.store.serviceAccounts.get(a.id, bot!.id), { userId: bot!.id, ownerId: owner!.id, description: 'CI' })
        const [item] = await ctx.store.serviceAccounts.list(a.id)
        assert.equal(item!.user.id, bot!.id)
        assert.deepEqual(item!.owner, { id: owner!.id, userName: 'owner', displayName: null })
        assert.deepEqual(item!.roleIds, ['viewer'])
        assert.equal(item!.apiAccess, true)
        assert.equal(item!.tokenCount, 1)
        assert.equal(item!.lastUsed, null)
        assert.equal(await ctx.store.serviceAccounts.get(b.id, bot!.id), null)
        assert.deepEqual(await ctx.store.serviceAccounts.list(b.id), [])
        assert.deepEqual(await ctx.store.serviceAccounts.ownedBy(b.id, owner!.id), [])
        assert.deepEqual(await ctx.store.serviceAccounts.transfer(b.id, owner!.id, heir!.id), [])
        assert.deepEqual(await ctx.store.serviceAccounts.transfer(a.id, owner!.id, heir!.id), [bot!.id])
        assert.deepEqual(await ctx.store.serviceAccounts.ownedBy(a.id, heir!.id), [bot!.id])
        for (const key of MALFORMED_KEYS) assert.equal(await ctx.store.serviceAccounts.get(a.id, key), null, JSON.stringify(key))
      })
    })

    it('keeps nothing of a transaction that fails', async () => {
      const tenant = await newTenant(ctx.store)
      const u = await user(tenant, 'tx')
      const id = tokenId()
      await rolledBack(ctx.store, async (tx) => {
        await tx.tokens.create({ id, tenantId: tenant.id, label: 'gone', secretHash: randomBytes(32) })
        await tx.userApiSettings.put(tenant.id, u.id, { apiAccess: false, apiPasswordHash: null, apiPasswordSetBy: null })
      })
      assert.equal(await ctx.store.tokens.findForVerification(id), null)
      assert.equal((await ctx.store.userApiSettings.get(tenant.id, u.id)).apiAccess, true)
    })
  })
}

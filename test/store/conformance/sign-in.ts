/**
 * Conformance of the sign-in port (src/domain/sign-in/persister.ts): sessions, login failure
 * counters, SAML settings, requests and consumed assertion ids, and the purge of what expired.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { SamlSettings, SessionRecord } from '../../../src/domain/sign-in/model.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { MALFORMED_KEYS, newTenant, rolledBack, useStore, type StoreUnderTest } from './harness.js'

const MINUTE = 60_000

const settings = (entity: string): SamlSettings => ({
  idpEntityId: entity,
  ssoUrl: 'https://idp.example/sso',
  sloUrl: null,
  idpCertificates: ['CERT'],
  identifier: 'email',
  identifierAttribute: null,
  allowIdpInitiated: false,
  signRequests: true,
  jitProvisioning: false,
  passwordSignIn: true,
})

export function describeConformance(subject: StoreUnderTest): void {
  describe(`sign-in port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const user = (tenant: Tenant, userName: string) => ctx.store.users.insert({ tenantId: tenant.id, userName, origin: 'local' })
    const session = (tenant: Tenant, userId: string, expires: Date, extra: Partial<SessionRecord> = {}): SessionRecord => {
      const now = new Date()
      return {
        idHash: randomBytes(32),
        tenantId: tenant.id,
        userId,
        method: 'saml',
        fingerprint: 'f',
        samlNameId: 'sam@example.com',
        samlNameIdFormat: null,
        samlSessionIndex: '_s1',
        created: now,
        lastSeen: now,
        expires,
        ...extra,
      }
    }

    it('keeps SAML requests per tenant, finds them until they expire, and lets one caller consume each', async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const now = new Date()
      await ctx.store.samlRequests.save({ tenantId: a.id, id: '_r1', kind: 'authn', returnTo: '/x', replacesSession: null, created: now, expires: new Date(now.getTime() + 10 * MINUTE) })
      assert.equal((await ctx.store.samlRequests.find(a.id, '_r1', 'authn', now))?.returnTo, '/x')
      assert.equal(await ctx.store.samlRequests.find(b.id, '_r1', 'authn', now), null, 'another tenant does not see it')
      assert.equal(await ctx.store.samlRequests.consume(b.id, '_r1', 'authn', now), null, 'nor consume it')
      assert.equal(await ctx.store.samlRequests.find(a.id, '_r1', 'logout', now), null, 'nor another kind')
      assert.equal(await ctx.store.samlRequests.find(a.id, '_r1', 'authn', new Date(now.getTime() + 11 * MINUTE)), null, 'nor after expiry')
      const [first, second] = await Promise.all([ctx.store.samlRequests.consume(a.id, '_r1', 'authn', now), ctx.store.samlRequests.consume(a.id, '_r1', 'authn', now)])
      assert.equal([first, second].filter(Boolean).length, 1)
    })

    it('accepts an assertion id once per tenant', async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const expires = new Date(Date.now() + 5 * MINUTE)
      assert.equal(await ctx.store.samlAssertions.consumeOnce(a.id, '_a1', expires), true)
      assert.equal(await ctx.store.samlAssertions.consumeOnce(a.id, '_a1', expires), false)
      assert.equal(await ctx.store.samlAssertions.consumeOnce(b.id, '_a1', expires), true)
    })

    it('keeps one SAML configuration per tenant, replaced by put', async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      assert.equal(await ctx.store.samlConfigs.get(a.id), null)
      const first = await ctx.store.samlConfigs.put(a.id, settings('https://idp/1'), 'SP CERT', 'sealed')
      assert.deepEqual(first.settings, settings('https://idp/1'))
      assert.equal(first.sealedSpKey, 'sealed')
      const second = await ctx.store.samlConfigs.put(a.id, settings('https://idp/2'), 'SP CERT 2', 'sealed 2')
      assert.deepEqual(await ctx.store.samlConfigs.get(a.id), second)
      assert.equal(second.settings.idpEntityId, 'https://idp/2')
      assert.equal(await ctx.store.samlConfigs.get(b.id), null)
    })

    it('stores sessions by id hash, touches, deletes with the user, and purges what expired', async () => {
      const tenant = await newTenant(ctx.store)
      const u = await user(tenant, 'sam')
      const now = new Date()
      const live = session(tenant, u.id, new Date(now.getTime() + 60 * MINUTE), { created: now, lastSeen: now })
      const old = session(tenant, u.id, new Date(now.getTime() - MINUTE), { created: now, lastSeen: now })
      await ctx.store.sessions.insert(live)
      await ctx.store.sessions.insert(old)
      await ctx.store.sessions.touch(live.idHash, new Date(now.getTime() + MINUTE))
      assert.equal((await ctx.store.sessions.get(live.idHash))?.lastSeen.getTime(), now.getTime() + MINUTE)
      await ctx.store.samlRequests.save({ tenantId: tenant.id, id: '_old', kind: 'authn', returnTo: null, replacesSession: null, created: now, expires: new Date(now.getTime() - 1) })
      await ctx.store.samlAssertions.consumeOnce(tenant.id, '_old', new Date(now.getTime() - 1))
      await ctx.store.loginFailures.put(tenant.id, 'user:sam', { failures: 2, windowStart: new Date(now.getTime() - 2 * 86_400_000), lockedUntil: null })
      await ctx.store.loginFailures.put(tenant.id, 'user:locked', { failures: 9, windowStart: new Date(now.getTime() - 2 * 86_400_000), lockedUntil: new Date(now.getTime() + MINUTE) })
      assert.equal(await ctx.store.signInHousekeeping.purgeExpired(now), 4)
      assert.ok(await ctx.store.sessions.get(live.idHash))
      assert.equal(await ctx.store.sessions.get(old.idHash), null)
      assert.ok(await ctx.store.loginFailures.get(tenant.id, 'user:locked'), 'a running lock stays')
      await ctx.store.users.delete(tenant.id, u.id)
      assert.equal(await ctx.store.sessions.get(live.idHash), null, 'deleting the user deletes its sessions')
    })

    it('forgives login failures atomically: parallel successes each take one back, never below zero, never while locked', async () => {
      const tenant = await newTenant(ctx.store)
      const now = new Date()
      await ctx.store.loginFailures.put(tenant.id, 'addr:a', { failures: 8, windowStart: now, lockedUntil: null })
      await Promise.all(Array.from({ length: 6 }, () => ctx.store.loginFailures.forgive(tenant.id, 'addr:a')))
      assert.equal((await ctx.store.loginFailures.get(tenant.id, 'addr:a'))?.failures, 2)
      await Promise.all(Array.from({ length: 5 }, () => ctx.store.loginFailures.forgive(tenant.id, 'addr:a')))
      assert.equal((await ctx.store.loginFailures.get(tenant.id, 'addr:a'))?.failures, 0)
      const until = new Date(now.getTime() + MINUTE)
      await ctx.store.loginFailures.put(tenant.id, 'addr:locked', { failures: 9, windowStart: now, lockedUntil: until })
      await ctx.store.loginFailures.forgive(tenant.id, 'addr:locked')
      assert.equal((await ctx.store.loginFailures.get(tenant.id, 'addr:locked'))?.failures, 9, 'a lock is not talked down')
      await ctx.store.loginFailures.forgive(tenant.id, 'addr:none')
      assert.equal(await ctx.store.loginFailures.get(tenant.id, 'addr:none'), null)
    })

    it("ends sessions per user and per SAML subject, never another tenant's", async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const [ua, ub] = [await user(a, 'same'), await user(b, 'same')]
      const later = new Date(Date.now() + 60 * MINUTE)
      const s1 = session(a, ua.id, later, { samlSessionIndex: '_one' })
      const s2 = session(a, ua.id, later, { samlSessionIndex: '_two' })
      const s3 = session(b, ub.id, later, { samlSessionIndex: '_one' })
      for (const s of [s1, s2, s3]) await ctx.store.sessions.insert(s)
      assert.equal(await ctx.store.sessions.countForUser(a.id, ua.id), 2)
      assert.equal(await ctx.store.sessions.countForUser(b.id, ua.id), 0)
      assert.equal(await ctx.store.sessions.deleteForUser(b.id, ua.id), 0)
      const ended = await ctx.store.sessions.deleteForSamlSubject(a.id, 'sam@example.com', '_one')
      assert.deepEqual(ended.map((s) => s.idHash.toString('hex')), [s1.idHash.toString('hex')])
      assert.ok(await ctx.store.sessions.get(s3.idHash), "the other tenant's session with the same subject stays")
      assert.equal((await ctx.store.sessions.deleteForSamlSubject(a.id, 'sam@example.com', null)).length, 1, 'no index: every session of the subject')
      await ctx.store.sessions.insert(session(a, ua.id, later))
      assert.equal(await ctx.store.sessions.deleteForUser(a.id, ua.id), 1)
      assert.equal(await ctx.store.sessions.delete(s3.idHash), true)
      assert.equal(await ctx.store.sessions.delete(s3.idHash), false)
    })

    it('counts login failures in a window, keeps a running lock, and clears per tenant', async () => {
      const a = await newTenant(ctx.store)
      const b = await newTenant(ctx.store)
      const t0 = new Date('2030-01-01T00:00:00Z')
      const at = (ms: number) => new Date(t0.getTime() + ms)
      assert.equal((await ctx.store.loginFailures.count(a.id, 'user:x', t0, 10 * MINUTE)).failures, 1)
      const counted = await Promise.all([1, 2, 3].map((i) => ctx.store.loginFailures.count(a.id, 'user:x', at(i * 1000), 10 * MINUTE)))
      assert.deepEqual(counted.map((r) => r.failures).sort(), [2, 3, 4], 'concurrent attempts each count')
      assert.equal((await ctx.store.loginFailures.get(b.id, 'user:x')), null)
      const fresh = await ctx.store.loginFailures.count(a.id, 'user:x', at(11 * MINUTE), 10 * MINUTE)
      assert.deepEqual(fresh, { failures: 1, windowStart: at(11 * MINUTE), lockedUntil: null }, 'an old window starts again')
      await ctx.store.loginFailures.put(a.id, 'user:x', { failures: 5, windowStart: t0, lockedUntil: at(30 * MINUTE) })
      const locked = await ctx.store.loginFailures.count(a.id, 'user:x', at(20 * MINUTE), 10 * MINUTE)
      assert.deepEqual(locked, { failures: 5, windowStart: t0, lockedUntil: at(30 * MINUTE) }, 'a running lock is kept')
      await ctx.store.loginFailures.clear(b.id, 'user:x')
      assert.ok(await ctx.store.loginFailures.get(a.id, 'user:x'))
      await ctx.store.loginFailures.clear(a.id, 'user:x')
      assert.equal(await ctx.store.loginFailures.get(a.id, 'user:x'), null)
    })

    it('finds nothing by a malformed key', async () => {
      const tenant = await newTenant(ctx.store)
      const now = new Date()
      for (const key of MALFORMED_KEYS) {
        const k = JSON.stringify(key)
        assert.equal(await ctx.store.samlRequests.find(tenant.id, key, 'authn', now), null, k)
        assert.equal(await ctx.store.samlRequests.consume(tenant.id, key, 'authn', now), null, k)
        assert.equal(await ctx.store.loginFailures.get(tenant.id, key), null, k)
        await ctx.store.loginFailures.clear(tenant.id, key)
        assert.equal(await ctx.store.sessions.countForUser(tenant.id, key), 0, k)
        assert.equal(await ctx.store.sessions.deleteForUser(tenant.id, key), 0, k)
        assert.deepEqual(await ctx.store.sessions.deleteForSamlSubject(tenant.id, key, key), [], k)
      }
      assert.equal(await ctx.store.sessions.get(randomBytes(32)), null)
    })

    it('keeps nothing of a transaction that fails', async () => {
      const tenant = await newTenant(ctx.store)
      const u = await user(tenant, 'tx')
      const s = session(tenant, u.id, new Date(Date.now() + MINUTE))
      await rolledBack(ctx.store, async (tx) => {
        await tx.sessions.insert(s)
        await tx.samlConfigs.put(tenant.id, settings('https://idp/tx'), 'c', 'k')
        await tx.loginFailures.count(tenant.id, 'user:tx', new Date(), MINUTE)
      })
      assert.equal(await ctx.store.sessions.get(s.idHash), null)
      assert.equal(await ctx.store.samlConfigs.get(tenant.id), null)
      assert.equal(await ctx.store.loginFailures.get(tenant.id, 'user:tx'), null)
    })
  })
}

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { backends, type TestStore } from '../support/stores.js'
import { newTenant, newUser } from '../support/sign-in.js'
import type { SessionRecord } from '../../src/domain/sign-in/model.js'

const MINUTE = 60_000

for (const backend of backends()) {
  describe(`sign-in records on ${backend.name}`, function () {
    let t: TestStore
    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())

    it('keeps SAML requests per tenant, finds them until they expire, and lets one caller consume each', async () => {
      const a = await newTenant(t.store, 'req-a')
      const b = await newTenant(t.store, 'req-b')
      const now = new Date()
      await t.store.samlRequests.save({ tenantId: a.id, id: '_r1', kind: 'authn', returnTo: '/x', replacesSession: null, created: now, expires: new Date(now.getTime() + 10 * MINUTE) })
      assert.equal((await t.store.samlRequests.find(a.id, '_r1', 'authn', now))?.returnTo, '/x')
      assert.equal(await t.store.samlRequests.find(b.id, '_r1', 'authn', now), null, 'another tenant does not see it')
      assert.equal(await t.store.samlRequests.find(a.id, '_r1', 'logout', now), null, 'nor another kind')
      assert.equal(await t.store.samlRequests.find(a.id, '_r1', 'authn', new Date(now.getTime() + 11 * MINUTE)), null, 'nor after expiry')
      const [first, second] = await Promise.all([t.store.samlRequests.consume(a.id, '_r1', 'authn', now), t.store.samlRequests.consume(a.id, '_r1', 'authn', now)])
      assert.equal([first, second].filter(Boolean).length, 1)
    })

    it('accepts an assertion id once per tenant', async () => {
      const a = await newTenant(t.store, 'asrt-a')
      const b = await newTenant(t.store, 'asrt-b')
      const expires = new Date(Date.now() + 5 * MINUTE)
      assert.equal(await t.store.samlAssertions.consumeOnce(a.id, '_a1', expires), true)
      assert.equal(await t.store.samlAssertions.consumeOnce(a.id, '_a1', expires), false)
      assert.equal(await t.store.samlAssertions.consumeOnce(b.id, '_a1', expires), true)
    })

    it('stores sessions by id hash, touches, deletes with the user, and purges what expired', async () => {
      const tenant = await newTenant(t.store, 'sess')
      const user = await newUser(t.store, tenant, 'sam')
      const now = new Date()
      const session = (expires: Date): SessionRecord => ({
        idHash: randomBytes(32),
        tenantId: tenant.id,
        userId: user.id,
        method: 'saml',
        fingerprint: 'f',
        samlNameId: 'sam@example.com',
        samlNameIdFormat: null,
        samlSessionIndex: '_s1',
        created: now,
        lastSeen: now,
        expires,
      })
      const live = session(new Date(now.getTime() + 60 * MINUTE))
      const old = session(new Date(now.getTime() - MINUTE))
      await t.store.sessions.insert(live)
      await t.store.sessions.insert(old)
      await t.store.sessions.touch(live.idHash, new Date(now.getTime() + MINUTE))
      assert.equal((await t.store.sessions.get(live.idHash))?.lastSeen.getTime(), now.getTime() + MINUTE)
      await t.store.samlRequests.save({ tenantId: tenant.id, id: '_old', kind: 'authn', returnTo: null, replacesSession: null, created: now, expires: new Date(now.getTime() - 1) })
      await t.store.samlAssertions.consumeOnce(tenant.id, '_old', new Date(now.getTime() - 1))
      await t.store.loginFailures.put(tenant.id, 'user:sam', { failures: 2, windowStart: new Date(now.getTime() - 2 * 86_400_000), lockedUntil: null })
      await t.store.loginFailures.put(tenant.id, 'user:locked', { failures: 9, windowStart: new Date(now.getTime() - 2 * 86_400_000), lockedUntil: new Date(now.getTime() + MINUTE) })
      assert.equal(await t.store.signInHousekeeping.purgeExpired(now), 4)
      assert.ok(await t.store.sessions.get(live.idHash))
      assert.equal(await t.store.sessions.get(old.idHash), null)
      assert.ok(await t.store.loginFailures.get(tenant.id, 'user:locked'), 'a running lock stays')
      await t.store.users.delete(tenant.id, user.id)
      assert.equal(await t.store.sessions.get(live.idHash), null, 'deleting the user deletes its sessions')
    })
  })
}

/**
 * Finding 7: the lockout counted each typed identifier on its own, so signing in with the locked
 * user's email address instead of the user name went on guessing. Finding 10: HTTP Basic with an API
 * password had no throttling at all (30 wrong, then right: 200). Now failures count per account,
 * whatever identifier was typed and whichever way the password is checked (src/domain/sign-in/lockout.ts),
 * each attempt counts before its password is looked at (parallel guesses cannot slip through), and
 * the 429 says when to retry. Found by the multi-node test (issue 16): a success took its attempt
 * back from the address by a read and a write, so parallel successes lost decrements and a busy
 * address locked itself out; now one atomic statement (LoginFailureRepo.forgive).
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { apiAs, passwordSession } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { ManualClock, newTenant, newUser, passwordLogin, sessionCookie, signInApp } from '../support/sign-in.js'
import { testConfig } from '../support/app.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'

type App = ReturnType<typeof signInApp>
const MINUTE = 60_000
const MAX_FAILURES = 3

for (const backend of backends()) {
  describe(`security: lockout per account, on ${backend.name}`, function () {
    let t: TestStore
    let clock: ManualClock
    let app: App
    let tenant: Tenant
    let alice: User
    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      clock = new ManualClock()
      app = signInApp(t.store, clock, { signIn: { ...testConfig().signIn, loginMaxFailures: MAX_FAILURES, loginLockoutMs: 15 * MINUTE } })
      tenant = await newTenant(t.store, 'lock')
      alice = await newUser(t.store, tenant, 'alice', { email: 'Alice@Example.com', password: 'correct horse battery' })
    })

    it('counts guesses by user name and by email address against one account (finding 7)', async () => {
      const typed = ['alice', 'alice@example.com', 'ALICE@EXAMPLE.COM', 'Alice']
      for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await passwordLogin(app, tenant, typed[i % typed.length]!, `wrong ${i}`)).status, 401)
      for (const identifier of typed) {
        const locked = await passwordLogin(app, tenant, identifier, 'correct horse battery')
        assert.equal(locked.status, 429, `${identifier}: ${locked.status}`)
        assert.equal(sessionCookie(locked), null)
        assert.ok(Number(locked.headers['retry-after']) > 0 && Number(locked.headers['retry-after']) <= 15 * 60, `Retry-After ${locked.headers['retry-after']}`)
      }
      clock.advance(16 * MINUTE)
      assert.equal((await passwordLogin(app, tenant, 'alice@example.com', 'correct horse battery')).status, 303)
    })

    it('counts parallel guesses each: at most the limit of them is ever checked', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => passwordLogin(app, tenant, i % 2 ? 'alice' : 'alice@example.com', `wrong ${i}`)))
      const checked = results.filter((r) => r.status === 401).length
      assert.ok(checked <= MAX_FAILURES, `${checked} of 12 parallel guesses were checked`)
      assert.equal(results.filter((r) => r.status === 429).length, 12 - checked)
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 429)
    })

    it('never locks out a busy address by its own successful sign-ins, however many run at once (multi-node review)', async () => {
      // Each attempt counts against the address first and a success takes it back. Taken back by a
      // read and a write, parallel successes lost their decrements until the address (an office
      // behind one NAT, every client behind a balancer without TRUST_PROXY) locked itself out.
      // Eight colleagues at once (one account's own parallel attempts are capped by its own count).
      const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']
      for (const name of names.slice(1)) await newUser(t.store, tenant, name, { password: 'correct horse battery' })
      for (let round = 0; round < 12; round++) {
        const results = await Promise.all(names.map((name) => passwordLogin(app, tenant, name, 'correct horse battery')))
        assert.deepEqual(results.map((r) => r.status), names.map(() => 303), `round ${round}`)
      }
    })

    it('throttles HTTP Basic API passwords with the same account count, and says when to retry (finding 10)', async () => {
      const admin = await newUser(t.store, tenant, 'root', { password: 'root password 1' })
      const { assignRole } = await import('../../src/domain/access/roles.js')
      await assignRole(t.store, { tenant, actor: { type: 'system', id: null, label: 'test' }, requestId: null }, 'Administrator', { type: 'User', id: admin.id, label: 'root' })
      const cookie = await passwordSession(app, tenant, 'root', 'root password 1')
      const password = (await apiAs(app, cookie).put(`/users/${alice.id}/api-password`, { password: 'generate' }).expect(200)).body.generatedPassword
      const basic = (secret: string) => `Basic ${Buffer.from(`${tenant.slug}/alice:${secret}`).toString('base64')}`
      const statuses: number[] = []
      for (let i = 0; i < 30; i++) statuses.push((await request(app).get('/api/me').set('Authorization', basic(`wrong ${i}`))).status)
      assert.deepEqual(statuses.slice(0, MAX_FAILURES), Array(MAX_FAILURES).fill(401))
      assert.ok(statuses.slice(MAX_FAILURES).every((s) => s === 429), statuses.join(' '))
      const right = await request(app).get('/api/me').set('Authorization', basic(password))
      assert.equal(right.status, 429, 'the right API password is refused while the account is locked')
      assert.equal(right.headers['content-type']?.split(';')[0], 'application/problem+json')
      assert.ok(Number(right.headers['retry-after']) > 0)
      // The same account: the sign-in form is locked too, whichever credential was guessed.
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 429)
      clock.advance(16 * MINUTE)
      assert.equal((await request(app).get('/api/me').set('Authorization', basic(password))).status, 200)
    })

    it('locks an unknown name in every spelling of it (no way to tell who exists)', async () => {
      for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await passwordLogin(app, tenant, 'nobody', `x${i}`)).status, 401)
      assert.equal((await passwordLogin(app, tenant, ' NOBODY ', 'x')).status, 429)
      assert.equal((await passwordLogin(app, tenant, 'ｎｏｂｏｄｙ', 'x')).status, 429)
    })
  })
}

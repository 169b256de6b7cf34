/**
 * Sessions and local password sign-in: timeouts on an injected clock (no sleeping), rotation,
 * lockout, the form's anti-forgery token, and sessions ending at their next request when the user
 * is deactivated, archived, deleted or given other roles.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends, type TestStore } from '../support/stores.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { USER, patchOp } from '../support/scim.js'
import { cookieOf, ManualClock, passwordLogin, newTenant, newUser, PUBLIC_URL, samlTenant, scimToken, sessionCookie, signInApp } from '../support/sign-in.js'

type App = ReturnType<typeof signInApp>
const MINUTE = 60_000

for (const backend of backends()) {
  describe(`Sessions and password sign-in on ${backend.name}`, function () {
    let t: TestStore
    let clock: ManualClock
    let app: App
    let tenant: Tenant
    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      clock = new ManualClock()
      app = signInApp(t.store, clock, { signIn: { samlClockSkewMs: 60_000, sessionIdleMs: 30 * MINUTE, sessionMaxMs: 8 * 60 * MINUTE, loginMaxFailures: 3, loginLockoutMs: 15 * MINUTE } })
      tenant = await newTenant(t.store, 'pw')
      await newUser(t.store, tenant, 'alice', { email: 'alice@example.com', password: 'correct horse battery' })
    })

    const signIn = async () => {
      const res = await passwordLogin(app, tenant, 'alice', 'correct horse battery')
      assert.equal(res.status, 303, res.text)
      return sessionCookie(res)!
    }
    const me = (cookie: string) => request(app).get('/api/me').set('Cookie', cookie)

    it('signs in with a password: form page, redirect, cookie, /api/me, audit', async () => {
      const form = await request(app).get(`/login/${tenant.slug}`).expect(200)
      assert.match(String(form.headers['content-type']), /text\/html/)
      assert.match(form.text, /name="password"/)
      assert.match(String(form.headers['content-security-policy']), /default-src 'none'/)
      const res = await passwordLogin(app, tenant, 'ALICE', 'correct horse battery', { returnTo: '/admin' })
      assert.equal(res.status, 303, res.text)
      assert.equal(res.headers.location, '/admin')
      const body = (await me(sessionCookie(res)!).expect(200)).body
      assert.equal(body.userName, 'alice')
      assert.equal(body.session.method, 'password')
      const events = (await t.store.audit.list(tenant.id, { limit: 10, action: 'session.sign-in' })).items
      assert.equal(events.length, 1)
      // Signed in, the tenant page says so and offers sign-out.
      const page = await request(app).get(`/login/${tenant.slug}`).set('Cookie', sessionCookie(res)!).expect(200)
      assert.match(page.text, /signed in as <strong>alice<\/strong>/)
    })

    it('refuses a wrong password and an unknown user with the same plain message, and audits the reason', async () => {
      const wrong = await passwordLogin(app, tenant, 'alice', 'nope')
      const unknown = await passwordLogin(app, tenant, 'nobody', 'nope')
      assert.equal(wrong.status, 401)
      assert.equal(unknown.status, 401)
      const message = (html: string) => /<p class="alert" role="alert">([^<]+)</.exec(html)![1]
      assert.equal(message(wrong.text), message(unknown.text))
      assert.equal(sessionCookie(wrong), null)
      const reasons = (await t.store.audit.list(tenant.id, { limit: 10, action: 'session.sign-in-failed' })).items.map((e) => (e.changes?.after as { reason: string }).reason)
      assert.deepEqual(reasons.sort(), ['bad-password', 'unknown-user'])
    })

    it('refuses a post without the form’s anti-forgery token (login CSRF)', async () => {
      const res = await request(app).post(`/login/${tenant.slug}`).type('form').send({ username: 'alice', password: 'correct horse battery', formToken: 'forged' })
      assert.equal(res.status, 403)
      assert.equal(sessionCookie(res), null)
    })

    it('refuses an inactive user after checking the password', async () => {
      await newUser(t.store, tenant, 'bob', { password: 'bob password 1', active: false })
      const res = await passwordLogin(app, tenant, 'bob', 'bob password 1')
      assert.equal(res.status, 401)
      const refusal = (await t.store.audit.list(tenant.id, { limit: 1, action: 'session.sign-in-failed' })).items[0]
      assert.equal((refusal?.changes?.after as { reason: string }).reason, 'user-inactive')
    })

    it('locks a user name out after LOGIN_MAX_FAILURES, even for the right password, until LOGIN_LOCKOUT has passed', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await passwordLogin(app, tenant, 'alice', `wrong ${i}`)).status, 401)
      const locked = await passwordLogin(app, tenant, 'alice', 'correct horse battery')
      assert.equal(locked.status, 429)
      assert.match(locked.text, /Too many failed attempts/)
      assert.equal(sessionCookie(locked), null)
      clock.advance(14 * MINUTE)
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 429)
      clock.advance(2 * MINUTE)
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 303)
    })

    it('locks out unknown user names too (no way to tell who exists)', async () => {
      for (let i = 0; i < 3; i++) await passwordLogin(app, tenant, 'ghost', 'x')
      assert.equal((await passwordLogin(app, tenant, 'ghost', 'x')).status, 429)
    })

    it('locks out a client address guessing across user names (4x the per-name limit), behind a trusted proxy', async () => {
      const proxied = signInApp(t.store, clock, { trustProxy: true, signIn: { samlClockSkewMs: 60_000, sessionIdleMs: 30 * MINUTE, sessionMaxMs: 8 * 60 * MINUTE, loginMaxFailures: 3, loginLockoutMs: 15 * MINUTE } })
      for (let i = 0; i < 12; i++) assert.equal((await passwordLogin(proxied, tenant, `guess-${i}`, 'x', { ip: '203.0.113.7' })).status, 401)
      assert.equal((await passwordLogin(proxied, tenant, 'alice', 'correct horse battery', { ip: '203.0.113.7' })).status, 429)
      // Another client is not affected.
      assert.equal((await passwordLogin(proxied, tenant, 'alice', 'correct horse battery', { ip: '198.51.100.4' })).status, 303)
    })

    it('counts failures in a window: old failures stop counting after LOGIN_LOCKOUT', async () => {
      await passwordLogin(app, tenant, 'alice', 'wrong 1')
      await passwordLogin(app, tenant, 'alice', 'wrong 2')
      clock.advance(16 * MINUTE)
      await passwordLogin(app, tenant, 'alice', 'wrong 3')
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 303)
    })

    it('a success clears the user name’s failures', async () => {
      await passwordLogin(app, tenant, 'alice', 'wrong 1')
      await passwordLogin(app, tenant, 'alice', 'wrong 2')
      await signIn()
      await passwordLogin(app, tenant, 'alice', 'wrong 3')
      await passwordLogin(app, tenant, 'alice', 'wrong 4')
      assert.equal((await passwordLogin(app, tenant, 'alice', 'correct horse battery')).status, 303)
    })

    it('ends a session idle for SESSION_IDLE and keeps an active one alive until SESSION_MAX', async () => {
      const cookie = await signIn()
      for (let i = 0; i < 15; i++) {
        clock.advance(29 * MINUTE)
        await me(cookie).expect(200)
      }
      // 15 × 29 min = 7 h 15 min; the absolute limit is 8 h.
      clock.advance(29 * MINUTE)
      await me(cookie).expect(200)
      clock.advance(29 * MINUTE)
      const ended = await me(cookie).expect(401)
      assert.match(String(ended.headers['set-cookie']), /roster_session=; .*Max-Age=0/)
      const idle = await signIn()
      clock.advance(30 * MINUTE)
      await me(idle).expect(401)
      // Ended means gone: the cookie does not come back to life.
      clock.advance(-30 * MINUTE)
      await me(idle).expect(401)
    })

    it('rotates the session id at sign-in and signs out', async () => {
      const first = await signIn()
      const res = await passwordLogin(app, tenant, 'alice', 'correct horse battery', { cookie: first })
      const second = sessionCookie(res)!
      assert.notEqual(first, second)
      await me(first).expect(401)
      const out = await request(app).post('/logout').set('Cookie', second)
      assert.equal(out.status, 303)
      assert.equal(out.headers.location, `/login/${tenant.slug}?signedOut=1`)
      await me(second).expect(401)
      assert.equal((await t.store.audit.list(tenant.id, { limit: 10, action: 'session.sign-out' })).items.length, 1)
    })

    it('sets Secure and the __Host- prefix when PUBLIC_URL is https', async () => {
      const https = signInApp(t.store, clock, { publicUrl: 'https://roster.example' })
      const form = await request(https).get(`/login/${tenant.slug}`).expect(200)
      const formCookie = cookieOf(form, '__Host-roster_form')!
      const token = /name="formToken" value="([^"]+)"/.exec(form.text)![1]!
      const res = await request(https).post(`/login/${tenant.slug}`).set('Cookie', formCookie).type('form').send({ formToken: token, username: 'alice', password: 'correct horse battery' })
      const header = ([] as string[]).concat(res.headers['set-cookie']!).find((h) => h.startsWith('__Host-roster_session='))!
      assert.match(header, /; Secure/)
      assert.match(header, /; HttpOnly/)
      assert.match(header, /SameSite=Lax/)
      assert.match(header, /Path=\//)
    })

    describe('a session ends at the next request when its user changes', () => {
      let token: string
      let aliceId: string
      const scim = () => ({
        patch: (body: unknown) =>
          request(app).patch(`/scim/v2/Users/${aliceId}`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(JSON.stringify(body)),
      })
      beforeEach(async () => {
        token = await scimToken(t.store, tenant)
        aliceId = (await t.store.users.getByUserName(tenant.id, 'alice'))!.id
      })

      it('deactivated over SCIM', async () => {
        const cookie = await signIn()
        await me(cookie).expect(200)
        await scim().patch(patchOp({ op: 'replace', path: 'active', value: false })).expect(200)
        await me(cookie).expect(401)
        // Reactivating does not revive the ended session.
        await scim().patch(patchOp({ op: 'replace', path: 'active', value: true })).expect(200)
        await me(cookie).expect(401)
      })

      it('given other roles', async () => {
        const cookie = await signIn()
        await scim().patch(patchOp({ op: 'add', path: 'roles', value: [{ value: 'admin', type: 'console' }] })).expect(200)
        await me(cookie).expect(401)
      })

      it('given a new password', async () => {
        const cookie = await signIn()
        await scim().patch(patchOp({ op: 'replace', path: 'password', value: 'a new password 2' })).expect(200)
        await me(cookie).expect(401)
      })

      it('archived', async () => {
        const cookie = await signIn()
        await t.store.users.update(tenant.id, aliceId, { status: 'archived', active: false })
        await me(cookie).expect(401)
      })

      it('deleted ("deleting a user forces them to log out")', async () => {
        const cookie = await signIn()
        await request(app).delete(`/scim/v2/Users/${aliceId}`).set('Authorization', `Bearer ${token}`).expect(204)
        await me(cookie).expect(401)
      })

      it('but not when something else about the user changes', async () => {
        const cookie = await signIn()
        await scim().patch(patchOp({ op: 'replace', path: 'displayName', value: 'Alice A.' })).expect(200)
        await me(cookie).expect(200)
      })
    })

    it('answers /scim/v2/Me for a session: the user’s own resource, read-only', async () => {
      const cookie = await signIn()
      const res = await request(app).get('/scim/v2/Me').set('Cookie', cookie).expect(200)
      assert.equal(res.body.userName, 'alice')
      assert.deepEqual(res.body.schemas, [USER])
      assert.equal(res.body.meta.location, `${PUBLIC_URL}/scim/v2/Users/${res.body.id}`)
      const put = await request(app).put('/scim/v2/Me').set('Cookie', cookie).set('Content-Type', 'application/scim+json').send(JSON.stringify({ schemas: [USER], userName: 'x' }))
      assert.equal(put.status, 403)
      // Other SCIM paths never accept the cookie.
      const users = await request(app).get('/scim/v2/Users').set('Cookie', cookie)
      assert.equal(users.status, 401)
      // Without a session, /Me is 401 (no credential) and with a tenant token 501.
      await request(app).get('/scim/v2/Me').expect(401)
      const token = await scimToken(t.store, tenant)
      await request(app).get('/scim/v2/Me').set('Authorization', `Bearer ${token}`).expect(501)
    })

    it('a tenant with SAML can close password sign-in', async () => {
      const sso = await samlTenant(t.store, 'ssoonly', { passwordSignIn: false })
      await newUser(t.store, sso.tenant, 'carol', { password: 'carol password 1' })
      const form = await request(app).get(`/login/${sso.tenant.slug}`).expect(200)
      assert.doesNotMatch(form.text, /name="password"/)
      assert.match(form.text, /Sign in with single sign-on/)
      const res = await passwordLogin(app, sso.tenant, 'carol', 'carol password 1')
      assert.equal(res.status, 401)
      assert.equal(sessionCookie(res), null)
      const refusal = (await t.store.audit.list(sso.tenant.id, { limit: 1, action: 'session.sign-in-failed' })).items[0]
      assert.equal((refusal?.changes?.after as { reason: string }).reason, 'password-sign-in-disabled')
    })

    it('answers /api/me without a session with problem JSON', async () => {
      const res = await request(app).get('/api/me').expect(401)
      assert.match(String(res.headers['content-type']), /application\/problem\+json/)
    })
  })
}

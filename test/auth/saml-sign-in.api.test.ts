/**
 * SAML sign-in against an independent in-process IdP (samlify + xml-crypto, test/support/saml-idp.ts):
 * a valid login, and every attack refused with no session created and the refusal reason audited.
 * Each attack asserts the reason, so a removed check fails its test even when another check would
 * have caught a sloppier forgery.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import request from 'supertest'
import { backends } from '../support/stores.js'
import type { TestStore } from '../support/stores.js'
import { generateKeyPair } from '../support/saml-idp.js'
import {
  ManualClock,
  newUser,
  PUBLIC_URL,
  samlTenant,
  sessionCookie,
  signInApp,
  startLogin,
  type SamlTenant,
} from '../support/sign-in.js'

type App = ReturnType<typeof signInApp>

for (const backend of backends()) {
  describe(`SAML sign-in on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let s: SamlTenant
    before(async () => {
      t = await backend.open()
      app = signInApp(t.store)
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      s = await samlTenant(t.store, 'saml')
      await newUser(t.store, s.tenant, 'alice@example.com', { email: 'alice@example.com' })
    })

    const response = (o: Partial<Parameters<SamlTenant['idp']['loginResponse']>[0]> = {}, st = s) =>
      st.idp.loginResponse({ spEntityId: st.sp.entityId, acsUrl: st.sp.acsUrl, nameId: 'alice@example.com', ...o })
    const post = (samlResponse: string, st = s, relayState?: string) =>
      request(app)
        .post(`/saml/${st.tenant.slug}/acs`)
        .type('form')
        .send({ SAMLResponse: samlResponse, ...(relayState !== undefined ? { RelayState: relayState } : {}) })

    /** The last refusal recorded for the tenant. */
    const lastRefusal = async (st = s) => {
      // Pages run newest first.
      const page = await t.store.audit.list(st.tenant.id, { limit: 1, action: 'session.sign-in-failed' })
      return page.items[0]?.changes?.after as { reason: string; detail: string } | undefined
    }
    const sessionCount = async (st = s) => {
      const alice = await t.store.users.getByUserName(st.tenant.id, 'alice@example.com')
      return t.store.sessions.countForUser(st.tenant.id, alice!.id)
    }
    async function assertRefused(res: request.Response, detail: RegExp, st = s) {
      assert.equal(res.status, 403, res.text)
      assert.equal(sessionCookie(res), null, 'no session cookie')
      assert.match(res.text, /could not be signed in/)
      // The browser learns nothing about which check failed.
      assert.doesNotMatch(res.text, /signature|audience|Recipient|Destination|InResponseTo|expired/i)
      assert.equal(await sessionCount(st), 0, 'no session row')
      const refusal = await lastRefusal(st)
      assert.equal(refusal?.reason, 'invalid-response')
      assert.match(refusal!.detail, detail)
    }

    it('serves SP metadata with entityID, ACS, SLO and the signing certificate', async () => {
      const res = await request(app).get(`/saml/${s.tenant.slug}/metadata`).expect(200)
      assert.match(String(res.headers['content-type']), /application\/samlmetadata\+xml/)
      assert.ok(res.text.includes(`entityID="${s.sp.entityId}"`))
      assert.ok(res.text.includes(`Location="${s.sp.acsUrl}"`))
      assert.ok(res.text.includes(`Location="${s.sp.sloUrl}"`))
      assert.match(res.text, /AuthnRequestsSigned="true"/)
      assert.match(res.text, /<ds:X509Certificate>MII/)
      assert.ok(s.sp.entityId.startsWith(PUBLIC_URL), 'URLs come from PUBLIC_URL')
      // A forged Host header changes nothing.
      const forged = await request(app).get(`/saml/${s.tenant.slug}/metadata`).set('Host', 'evil.example').set('X-Forwarded-Host', 'evil.example').expect(200)
      assert.doesNotMatch(forged.text, /evil\.example/)
    })

    it('sends a signed AuthnRequest (Redirect binding) that our SP certificate verifies', async () => {
      const res = await request(app).get(`/saml/${s.tenant.slug}/login?returnTo=/admin/users`).expect(302)
      const stored = await t.store.samlConfigs.get(s.tenant.id)
      const parsed = s.idp.parseRedirect(res.headers.location!, stored!.spCertificate)
      assert.ok(res.headers.location!.startsWith('https://idp.example/sso?'))
      assert.equal(parsed.issuer, s.sp.entityId)
      assert.equal(parsed.acsUrl, s.sp.acsUrl)
      assert.equal(parsed.signed, true)
      assert.equal(parsed.signatureValid, true)
      assert.ok(await t.store.samlRequests.find(s.tenant.id, parsed.id, 'authn', new Date()), 'request id stored in the database')
    })

    it('signs in with a valid response: session cookie, redirect to returnTo, /api/me, audit', async () => {
      const id = await startLogin(app, s, '/admin/users?view=active')
      const res = await post(response({ inResponseTo: id }))
      assert.equal(res.status, 303, res.text)
      assert.equal(res.headers.location, '/admin/users?view=active')
      const cookie = sessionCookie(res)
      assert.ok(cookie)
      const header = ([] as string[]).concat(res.headers['set-cookie']!).find((h) => h.startsWith(cookie.split('=')[0]!))!
      assert.match(header, /HttpOnly/)
      assert.match(header, /SameSite=Lax/)
      assert.doesNotMatch(header, /Secure/, 'plain http PUBLIC_URL: no Secure flag')
      const me = await request(app).get('/api/me').set('Cookie', cookie).expect(200)
      assert.equal(me.body.userName, 'alice@example.com')
      assert.equal(me.body.tenant.slug, s.tenant.slug)
      assert.equal(me.body.session.method, 'saml')
      const page = await t.store.audit.list(s.tenant.id, { limit: 100 })
      assert.ok(page.items.some((e) => e.action === 'session.sign-in' && (e.changes?.after as { method?: string }).method === 'saml'))
    })

    it('accepts a response signed as a whole as well as its assertion', async () => {
      const id = await startLogin(app, s)
      const res = await post(response({ inResponseTo: id, signResponse: true }))
      assert.equal(res.status, 303, res.text)
    })

    it('refuses an unsigned assertion', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, signAssertion: false })), /Invalid signature/)
    })

    it('refuses an unsigned assertion inside a signed response', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, signAssertion: false, signResponse: true })), /Invalid signature/)
    })

    it('refuses a Response whose own signature does not verify, though its assertion’s does', async () => {
      const id = await startLogin(app, s)
      // Renaming the Response's ID (and the Reference that points at it) breaks only the Response signature.
      const valid = response({ inResponseTo: id, signResponse: true, responseId: '_response-id-1' })
      await assertRefused(await post(s.idp.tamper(valid, '_response-id-1', '_response-id-2')), /Invalid document signature/)
    })

    it('answers garbage with a refusal, never a server error', async () => {
      const b64 = (text: string) => Buffer.from(text).toString('base64')
      for (const garbage of ['', 'not base64 !!', b64('<unclosed'), b64('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'), b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>'), randomBytes(300).toString('base64')]) {
        const res = await post(garbage)
        assert.equal(res.status, 403, `${garbage.slice(0, 30)}: ${res.status} ${res.text.slice(0, 200)}`)
        assert.equal(sessionCookie(res), null)
      }
      const noBody = await request(app).post(`/saml/${s.tenant.slug}/acs`).type('json').send({ SAMLResponse: 'x' })
      assert.equal(noBody.status, 415)
    })

    it('refuses a signature by a key the tenant does not trust', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, signWith: generateKeyPair('attacker') })), /Invalid signature/)
    })

    for (const variant of ['moved-signed-assertion', 'signature-moved-to-evil-assertion', 'second-unsigned-assertion', 'second-unsigned-assertion-after'] as const) {
      it(`refuses XML signature wrapping: ${variant}`, async () => {
        await newUser(t.store, s.tenant, 'mallory@example.com')
        const id = await startLogin(app, s)
        const wrapped = s.idp.wrapSignature(response({ inResponseTo: id }), variant, 'mallory@example.com')
        await assertRefused(await post(wrapped), /Invalid signature/)
      })
    }

    it('refuses a tampered NameID', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(s.idp.tamper(response({ inResponseTo: id }), 'alice@example.com', 'admin@example.com'), s), /Invalid signature/)
    })

    it('reads the whole NameID despite comment injection (no sign-in as the prefix user)', async () => {
      // alice@example.com exists; the IdP vouched for alice@example.com.evil.test, which does not.
      const id = await startLogin(app, s)
      const res = await post(s.idp.commentInjection({ spEntityId: s.sp.entityId, acsUrl: s.sp.acsUrl, inResponseTo: id, nameId: 'alice@example.com.evil.test' }, 'alice@example.com'.length))
      assert.equal(res.status, 403)
      assert.equal(sessionCookie(res), null)
      assert.equal(await sessionCount(), 0)
      const refusal = await lastRefusal()
      assert.equal(refusal?.reason, 'unknown-user')
      assert.match(refusal!.detail, /alice@example\.com\.evil\.test/)
    })

    it('refuses an expired assertion', async () => {
      const id = await startLogin(app, s)
      const past = new Date(Date.now() - 10 * 60_000)
      await assertRefused(await post(response({ inResponseTo: id, now: past, notOnOrAfter: new Date(Date.now() - 2 * 60_000), subjectNotOnOrAfter: new Date(Date.now() + 60_000) })), /expired/)
    })

    it('refuses an assertion that is not yet valid', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, notBefore: new Date(Date.now() + 5 * 60_000) })), /not yet valid/)
    })

    it('accepts validity times within SAML_CLOCK_SKEW', async () => {
      const id = await startLogin(app, s)
      const res = await post(response({ inResponseTo: id, notBefore: new Date(Date.now() + 30_000) }))
      assert.equal(res.status, 303, res.text)
    })

    it('refuses an expired bearer confirmation on an unsolicited response (node-saml lets it pass)', async () => {
      const open = await samlTenant(t.store, 'idpinit', { allowIdpInitiated: true })
      await newUser(t.store, open.tenant, 'alice@example.com')
      const res = await post(response({ subjectNotOnOrAfter: new Date(Date.now() - 5 * 60_000) }, open), open)
      await assertRefused(res, /NotOnOrAfter/, open)
    })

    it('refuses a wrong audience', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, audience: 'https://other-sp.example/metadata' })), /audience/)
    })

    it('refuses a wrong Destination', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, destination: 'https://other-sp.example/acs' })), /Destination/)
    })

    it('refuses a wrong Recipient', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, recipient: 'https://other-sp.example/acs' })), /Recipient/)
    })

    it('refuses a missing Recipient', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(response({ inResponseTo: id, recipient: null })), /Recipient/)
    })

    /** Replaces the first occurrence only: the Response's Issuer comes before the assertion's. */
    const replaceFirst = (b64: string, from: string, to: string) => {
      const xml = Buffer.from(b64, 'base64').toString('utf8')
      const i = xml.indexOf(from)
      assert.ok(i >= 0, `${from} not in the response`)
      return Buffer.from(xml.slice(0, i) + to + xml.slice(i + from.length)).toString('base64')
    }

    it('refuses an assertion issued by another entity (even with a trusted key)', async () => {
      const id = await startLogin(app, s)
      // The unsigned Response names the right IdP; the signed assertion names another.
      const other = response({ inResponseTo: id, issuer: 'https://other-idp.example' })
      await assertRefused(await post(replaceFirst(other, '>https://other-idp.example<', `>${s.idp.entityId}<`)), /assertion issuer/)
    })

    it('refuses a Response whose Issuer is not the tenant’s IdP', async () => {
      const id = await startLogin(app, s)
      await assertRefused(await post(replaceFirst(response({ inResponseTo: id }), `>${s.idp.entityId}<`, '>https://other-idp.example<')), /response issuer/)
    })

    it('refuses the replay of a consumed response', async () => {
      const id = await startLogin(app, s)
      const first = response({ inResponseTo: id })
      assert.equal((await post(first)).status, 303)
      const replay = await post(first)
      assert.equal(replay.status, 403)
      assert.equal(sessionCookie(replay), null)
      assert.equal(await sessionCount(), 1, 'only the first sign-in made a session')
      const refusal = await lastRefusal()
      assert.equal(refusal?.reason, 'invalid-response')
    })

    it('refuses a second assertion id replayed with a fresh InResponseTo', async () => {
      // The same signed assertion id cannot be used twice, even against a new request.
      const assertionId = `_a${Date.now()}`
      const first = await startLogin(app, s)
      assert.equal((await post(response({ inResponseTo: first, assertionId }))).status, 303)
      const second = await startLogin(app, s)
      const res = await post(response({ inResponseTo: second, assertionId }))
      assert.equal(res.status, 403)
      assert.match((await lastRefusal())!.detail, /already used \(replay\)/)
    })

    it('answers each request once: a second, different response to the same request is refused', async () => {
      const id = await startLogin(app, s)
      assert.equal((await post(response({ inResponseTo: id }))).status, 303)
      const res = await post(response({ inResponseTo: id }))
      assert.equal(res.status, 403)
      assert.equal(sessionCookie(res), null)
      assert.match((await lastRefusal())!.detail, /InResponseTo is not valid/)
    })

    it('answers each request once even when two responses to it arrive together', async () => {
      const id = await startLogin(app, s)
      const results = await Promise.all([post(response({ inResponseTo: id })), post(response({ inResponseTo: id }))])
      assert.deepEqual(results.map((r) => r.status).sort(), [303, 403])
      assert.equal(await sessionCount(), 1)
    })

    it('refuses an InResponseTo that this SP never issued', async () => {
      await assertRefused(await post(response({ inResponseTo: '_never-issued' })), /InResponseTo is not valid/)
    })

    it('refuses an InResponseTo issued for another tenant', async () => {
      const other = await samlTenant(t.store, 'other')
      const otherId = await startLogin(app, other)
      await assertRefused(await post(response({ inResponseTo: otherId })), /InResponseTo is not valid/)
    })

    it('refuses an InResponseTo whose request expired', async () => {
      const clock = new ManualClock()
      const clocked = signInApp(t.store, clock)
      const id = await startLogin(clocked, s)
      clock.advance(11 * 60_000)
      const res = await request(clocked).post(`/saml/${s.tenant.slug}/acs`).type('form').send({ SAMLResponse: response({ inResponseTo: id }) })
      await assertRefused(res, /InResponseTo/)
    })

    it('refuses an unsolicited response while IdP-initiated sign-in is off', async () => {
      await assertRefused(await post(response({ inResponseTo: null })), /InResponseTo is missing/)
    })

    it('accepts an unsolicited response when the tenant allows IdP-initiated sign-in; RelayState must be a local path', async () => {
      const open = await samlTenant(t.store, 'idpinit', { allowIdpInitiated: true })
      await newUser(t.store, open.tenant, 'alice@example.com')
      const ok = await post(response({}, open), open, '/admin/groups')
      assert.equal(ok.status, 303, ok.text)
      assert.equal(ok.headers.location, '/admin/groups')
      const evil = await post(response({}, open), open, 'https://evil.example/phish')
      assert.equal(evil.status, 303)
      assert.equal(evil.headers.location, `/login/${open.tenant.slug}`)
    })

    for (const evil of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', `${PUBLIC_URL}/admin`, '/a\tb', '/a\r\nSet-Cookie:x=1']) {
      it(`ignores returnTo=${JSON.stringify(evil)}: the sign-in returns to the tenant's page (test/security/open-redirect.test.ts has the full corpus)`, async () => {
        const res = await request(app).get(`/saml/${s.tenant.slug}/login?returnTo=${encodeURIComponent(evil)}`).expect(302)
        const stored = await t.store.samlRequests.find(s.tenant.id, s.idp.parseRedirect(res.headers.location!).id, 'authn', new Date())
        assert.equal(stored?.returnTo, `/login/${s.tenant.slug}`)
      })
    }

    it('keeps a percent-encoded returnTo as the path it is', async () => {
      const res = await request(app).get(`/saml/${s.tenant.slug}/login?returnTo=${encodeURIComponent('/%0d%0aSet-Cookie:x=1')}`).expect(302)
      const stored = await t.store.samlRequests.find(s.tenant.id, s.idp.parseRedirect(res.headers.location!).id, 'authn', new Date())
      assert.equal(stored?.returnTo, '/%0d%0aSet-Cookie:x=1')
    })

    it('refuses inactive and archived users, and unknown users when just-in-time creation is off', async () => {
      await newUser(t.store, s.tenant, 'bob@example.com', { active: false })
      let id = await startLogin(app, s)
      let res = await post(response({ inResponseTo: id, nameId: 'bob@example.com' }))
      assert.equal(res.status, 403)
      assert.equal((await lastRefusal())?.reason, 'user-inactive')
      id = await startLogin(app, s)
      res = await post(response({ inResponseTo: id, nameId: 'nobody@example.com' }))
      assert.equal(res.status, 403)
      assert.equal((await lastRefusal())?.reason, 'unknown-user')
      assert.equal(await t.store.users.getByUserName(s.tenant.id, 'nobody@example.com'), null)
    })

    it('matches the identifier case-insensitively, and by email when no userName matches', async () => {
      let id = await startLogin(app, s)
      assert.equal((await post(response({ inResponseTo: id, nameId: 'ALICE@Example.COM' }))).status, 303)
      await newUser(t.store, s.tenant, 'carol', { email: 'carol@corp.example' })
      id = await startLogin(app, s)
      const res = await post(response({ inResponseTo: id, nameId: 'Carol@Corp.Example' }))
      assert.equal(res.status, 303)
      const me = await request(app).get('/api/me').set('Cookie', sessionCookie(res)!).expect(200)
      assert.equal(me.body.userName, 'carol')
    })

    it('identifies by an attribute when configured (UPN)', async () => {
      const upn = await samlTenant(t.store, 'upn', { identifier: 'upn' })
      await newUser(t.store, upn.tenant, 'dave@corp.example')
      const id = await startLogin(app, upn)
      const res = await post(response({ inResponseTo: id, nameId: 'opaque-persistent-id', attributes: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'dave@corp.example' } }, upn), upn)
      assert.equal(res.status, 303, res.text)
    })

    it('creates an unknown user just in time when the local tenant allows it', async () => {
      const jit = await samlTenant(t.store, 'jit', { jitProvisioning: true })
      const id = await startLogin(app, jit)
      const res = await post(response({ inResponseTo: id, nameId: 'erin@example.com', attributes: { givenName: 'Erin', sn: 'Example', email: 'erin@example.com' } }, jit), jit)
      assert.equal(res.status, 303, res.text)
      const erin = await t.store.users.getByUserName(jit.tenant.id, 'erin@example.com')
      assert.equal(erin?.email, 'erin@example.com')
      assert.equal(erin?.origin, 'local')
    })

    it('never creates users at sign-in for directory- or IdP-managed tenants', async () => {
      await assert.rejects(samlTenant(t.store, 'jitscim', { source: 'scim', jitProvisioning: true }), /just-in-time creation is only possible/)
      const managed = await samlTenant(t.store, 'scimsso', { source: 'scim' })
      const id = await startLogin(app, managed)
      const res = await post(response({ inResponseTo: id, nameId: 'frank@example.com' }, managed), managed)
      assert.equal(res.status, 403)
      assert.equal(await t.store.users.getByUserName(managed.tenant.id, 'frank@example.com'), null)
    })

    it('ends the session the browser had when it asked to sign in (the IdP’s POST carries no cookie)', async () => {
      let id = await startLogin(app, s)
      const first = sessionCookie(await post(response({ inResponseTo: id })))!
      const login = await request(app).get(`/saml/${s.tenant.slug}/login`).set('Cookie', first).expect(302)
      id = s.idp.parseRedirect(login.headers.location!).id
      const second = sessionCookie(await post(response({ inResponseTo: id })))!
      await request(app).get('/api/me').set('Cookie', first).expect(401)
      await request(app).get('/api/me').set('Cookie', second).expect(200)
    })

    it('rotates the session id at sign-in', async () => {
      let id = await startLogin(app, s)
      const first = sessionCookie(await post(response({ inResponseTo: id })))!
      id = await startLogin(app, s)
      const res = await request(app).post(`/saml/${s.tenant.slug}/acs`).set('Cookie', first).type('form').send({ SAMLResponse: response({ inResponseTo: id }) })
      const second = sessionCookie(res)!
      assert.notEqual(second, first)
      await request(app).get('/api/me').set('Cookie', first).expect(401)
      await request(app).get('/api/me').set('Cookie', second).expect(200)
    })

    describe('Single Logout', () => {
      const signIn = async () => {
        const id = await startLogin(app, s)
        return sessionCookie(await post(response({ inResponseTo: id, sessionIndex: '_idp-session-1' })))!
      }

      it('ends the subject’s sessions on a signed IdP LogoutRequest and answers with a signed LogoutResponse', async () => {
        const cookie = await signIn()
        const { query } = s.idp.logoutRequest({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, nameId: 'alice@example.com', sessionIndex: '_idp-session-1' })
        const res = await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`)
        assert.equal(res.status, 302, res.text)
        assert.ok(res.headers.location!.startsWith('https://idp.example/slo?SAMLResponse='))
        const stored = await t.store.samlConfigs.get(s.tenant.id)
        assert.equal(s.idp.parseRedirect(res.headers.location!, stored!.spCertificate).signatureValid, true)
        await request(app).get('/api/me').set('Cookie', cookie).expect(401)
      })

      it('accepts the POST binding too', async () => {
        const cookie = await signIn()
        const { postBody } = s.idp.logoutRequest({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, nameId: 'alice@example.com' })
        const res = await request(app).post(`/saml/${s.tenant.slug}/slo`).type('form').send(postBody)
        assert.equal(res.status, 302, res.text)
        await request(app).get('/api/me').set('Cookie', cookie).expect(401)
      })

      it('refuses an unsigned Redirect LogoutRequest (node-saml would accept it)', async () => {
        const cookie = await signIn()
        const { query } = s.idp.logoutRequest({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, nameId: 'alice@example.com' })
        const unsigned = query.split('&').filter((p) => !/^(Signature|SigAlg)=/.test(p)).join('&')
        const res = await request(app).get(`/saml/${s.tenant.slug}/slo?${unsigned}`)
        assert.equal(res.status, 400)
        await request(app).get('/api/me').set('Cookie', cookie).expect(200)
      })

      it('refuses a LogoutRequest signed by an unknown key', async () => {
        const cookie = await signIn()
        const { query } = s.idp.logoutRequest({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, nameId: 'alice@example.com', signWith: generateKeyPair('attacker') })
        assert.equal((await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`)).status, 400)
        await request(app).get('/api/me').set('Cookie', cookie).expect(200)
      })

      it('SP-initiated: sign-out sends a signed LogoutRequest to the IdP and completes on its LogoutResponse', async () => {
        const cookie = await signIn()
        const out = await request(app).post('/logout').set('Cookie', cookie)
        assert.equal(out.status, 303)
        const stored = await t.store.samlConfigs.get(s.tenant.id)
        const parsed = s.idp.parseRedirect(out.headers.location!, stored!.spCertificate)
        assert.ok(out.headers.location!.startsWith('https://idp.example/slo?'))
        assert.equal(parsed.signatureValid, true)
        await request(app).get('/api/me').set('Cookie', cookie).expect(401)
        const { query } = s.idp.logoutResponse({ spEntityId: s.sp.entityId, sloUrl: s.sp.sloUrl, inResponseTo: parsed.id })
        const back = await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`)
        assert.equal(back.status, 303, back.text)
        assert.equal(back.headers.location, `/login/${s.tenant.slug}?signedOut=1`)
        // The same LogoutResponse a second time answers nothing.
        assert.equal((await request(app).get(`/saml/${s.tenant.slug}/slo?${query}`)).status, 400)
      })
    })

    it('answers an IdP LogoutRequest with a page when the IdP has no sign-out URL', async () => {
      const noSlo = await samlTenant(t.store, 'noslo', { sloUrl: null })
      await newUser(t.store, noSlo.tenant, 'alice@example.com')
      const id = await startLogin(app, noSlo)
      const cookie = sessionCookie(await post(response({ inResponseTo: id }, noSlo), noSlo))!
      const { query } = noSlo.idp.logoutRequest({ spEntityId: noSlo.sp.entityId, sloUrl: noSlo.sp.sloUrl, nameId: 'alice@example.com' })
      const res = await request(app).get(`/saml/${noSlo.tenant.slug}/slo?${query}`).expect(200)
      assert.match(res.text, /You are signed out/)
      await request(app).get('/api/me').set('Cookie', cookie).expect(401)
    })

    it('answers 404 pages for tenants without SSO', async () => {
      const res = await request(app).get('/saml/no-such-tenant/login').expect(404)
      assert.match(String(res.headers['content-type']), /text\/html/)
    })
  })
}

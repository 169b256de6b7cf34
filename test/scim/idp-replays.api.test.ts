/**
 * Request shapes identity providers are documented (or reported in SCIM projects' issue trackers)
 * to send, replayed per IdP in a tenant's default (lenient) mode and in strict mode, on both stores.
 * Each shape names its source; docs/scim.md ("Dialects") lists them. Microsoft's own validation
 * collection is replayed in entra-validator.api.test.ts; the shapes already pinned by
 * dialects.api.test.ts are not repeated here.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends } from '../support/stores.js'
import { ENTERPRISE, ERROR, GROUP, LIST, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

const q = encodeURIComponent

for (const backend of backends()) {
  for (const strict of [false, true]) {
    const mode = strict ? 'strict' : 'lenient'
    describe(`IdP request replays on ${backend.name}, ${mode} mode`, function () {
      let fx: ScimFixture
      let c: ScimClient
      before(async () => {
        fx = await scimFixture(backend)
      })
      beforeEach(async () => {
        c = await fx.client({ strict })
      })
      after(async () => fx?.dispose())

      const user = async (userName: string, extra: Record<string, unknown> = {}) =>
        (await c.post('/Users', { schemas: [USER], userName, ...extra }).expect(201)).body as Record<string, unknown> & { id: string }
      const group = async (displayName: string, members: string[] = []) =>
        (await c.post('/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) }).expect(201)).body as { id: string }
      const members = async (id: string) =>
        ((await c.get(`/Groups/${id}`).expect(200)).body.members ?? []).map((m: { value: string }) => m.value).sort() as string[]
      /** A deviation: lenient mode takes it (checked by `then`), strict mode answers 400. */
      const deviation = async (res: { status: number; text: string }, then: () => Promise<void> | void) => {
        if (strict) return assert.equal(res.status, 400, res.text)
        assert.ok(res.status < 300, `${res.status} ${res.text}`)
        await then()
      }

      // Okta's "SCIM 2.0 Spec Test" (the Runscope suite its OIN submission guide points to; a copy
      // is tests/scim_tests/scim_e2e_test.json in github.com/BerriAI/litellm), in its order, with
      // its headers (charset, Accept, User-Agent) and its assertions.
      describe('Okta SCIM 2.0 Spec Test', () => {
        const okta = (r: request.Test) =>
          r.set('Accept', 'application/scim+json').set('Accept-Charset', 'utf-8').set('User-Agent', 'OKTA SCIM Integration').set('Authorization', `Bearer ${c.token}`)
        const get = (path: string) => okta(request(fx.callback).get(`/scim/v2${path}`))

        it('passes every required step in order', async () => {
          // The suite reads an existing user first: one provisioned earlier.
          await user('seed@example.com', { name: { givenName: 'Seed', familyName: 'User' }, emails: [{ value: 'seed@example.com', type: 'work', primary: true }] })

          const list = await get('/Users?count=1&startIndex=1').expect(200)
          assert.ok(list.body.schemas.includes(LIST))
          for (const key of ['itemsPerPage', 'startIndex', 'totalResults']) assert.equal(typeof list.body[key], 'number', key)
          const first = list.body.Resources[0]
          for (const value of [first.id, first.name.familyName, first.name.givenName, first.userName, first.active, first.emails[0].value]) assert.notEqual(value, undefined)

          const byId = await get(`/Users/${first.id}`).expect(200)
          assert.equal(byId.body.id, first.id)

          const invalid = await get(`/Users?filter=${q('userName eq "invalid-user-2b9e@example.com"')}`).expect(200)
          assert.equal(invalid.body.totalResults, 0)
          const missing = await get('/Users/010101010101010101').expect(404)
          assert.ok(missing.body.schemas.includes(ERROR))
          assert.ok(missing.body.detail)

          const body = { schemas: [USER], userName: 'Rand.Om@example.com', name: { givenName: 'Rand', familyName: 'Om' }, emails: [{ primary: true, value: 'Rand.Om@example.com', type: 'work' }], displayName: 'Rand Om', active: true }
          const created = await request(fx.callback)
            .post('/scim/v2/Users')
            .set('Authorization', `Bearer ${c.token}`)
            .set('Content-Type', 'application/json')
            .set('Accept', 'application/scim+json; charset=utf-8')
            .send(JSON.stringify(body))
            .expect(201)
          assert.equal(created.body.active, true)
          assert.deepEqual([created.body.name.familyName, created.body.name.givenName, created.body.userName], ['Om', 'Rand', 'Rand.Om@example.com'])
          assert.ok(created.body.schemas.includes(USER))
          const read = await get(`/Users/${created.body.id}`).expect(200)
          assert.equal(read.body.userName, 'Rand.Om@example.com')

          await c.post('/Users', body).expect(409)
          // "Username Case Sensitivity Check": the same name in capitals finds the same user.
          const caps = await get(`/Users?filter=${q('userName eq "RAND.OM@EXAMPLE.COM"')}`).expect(200)
          assert.deepEqual(caps.body.Resources.map((r: { id: string }) => r.id), [created.body.id])
          await get('/Groups').expect(200)

          // "Check status 401": an Authorization header that is not a bearer token.
          const unauthorized = await request(fx.callback).get(`/scim/v2/Users?filter=${q('userName eq "x"')}`).set('Authorization', 'non-token').expect(401)
          assert.equal(unauthorized.body.status, '401')
          assert.ok(unauthorized.body.schemas.includes(ERROR))
          assert.ok(unauthorized.body.detail)
          const notFound = await get('/Users/00919288221112222').expect(404)
          assert.equal(notFound.body.status, '404')
        })
      })

      describe('Okta', () => {
        it('pushes a group membership with a PUT of the whole group (okta-blog-archive #1956)', async () => {
          const [a, b, d] = [await user('put-a'), await user('put-b'), await user('put-d')]
          const g = await group('Pushed', [a.id, b.id])
          const res = await c.put(`/Groups/${g.id}`, { schemas: [GROUP], id: g.id, displayName: 'Pushed', members: [{ value: b.id, display: 'put-b' }, { value: d.id, display: 'put-d' }] }).expect(200)
          assert.equal(res.body.displayName, 'Pushed')
          assert.deepEqual(await members(g.id), [b.id, d.id].sort())
        })

        it('changes a password with a path-less replace and never returns it', async () => {
          const u = await user('pw@example.com', { password: 'First-secret-1' })
          const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { password: 'Second-secret-2' } })).expect(200)
          assert.equal(res.body.password, undefined)
        })
      })

      // learn.microsoft.com, "Known issues and resolutions with SCIM 2.0 protocol compliance of the
      // Microsoft Entra user provisioning service" (application-provisioning-config-problem-scim-
      // compatibility): the requests Entra sends without and with the aadOptscim062020 flag.
      describe('Microsoft Entra ID, with and without aadOptscim062020', () => {
        it('ignores the flag when it reaches Roster as a query parameter of a list', async () => {
          const u = await user('flag@contoso.com')
          const res = await c.get(`/Users?aadOptscim062020&filter=${q('userName eq "flag@contoso.com"')}`).expect(200)
          assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [u.id])
        })

        it('disables a user: "Replace" with "False" (default), replace with false (flag)', async () => {
          const u = await user('disable@contoso.com')
          await deviation(await c.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })), async () => {
            assert.equal((await c.get(`/Users/${u.id}`).expect(200)).body.active, false)
            await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: true })).expect(200)
          })
          const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200)
          assert.equal(res.body.active, false)
        })

        it('adds a single-value string: "Add" (default), add (flag)', async () => {
          const u = await user('nick@contoso.com')
          await deviation(await c.patch(`/Users/${u.id}`, patchOp({ op: 'Add', path: 'nickName', value: 'Babs' })), async () => {
            assert.equal((await c.get(`/Users/${u.id}`).expect(200)).body.nickName, 'Babs')
          })
          const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'nickName', value: 'Babs2' })).expect(200)
          assert.equal(res.body.nickName, 'Babs2')
        })

        it('replaces several attributes: one "Replace" each (default), a path-less value with dotted keys (flag)', async () => {
          const u = await user('multi@contoso.com', { emails: [{ type: 'work', value: 'old@contoso.com' }] })
          const byDefault = await c.patch(
            `/Users/${u.id}`,
            patchOp(
              { op: 'Replace', path: 'displayName', value: 'Pvlo' },
              { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
              { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
              { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
              { op: 'Replace', path: 'externalId', value: 'Eqpj' },
              { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
            ),
          )
          await deviation(byDefault, () => {
            assert.equal(byDefault.body.displayName, 'Pvlo')
            assert.deepEqual(byDefault.body.emails, [{ type: 'work', value: 'TestBcwqnm@test.microsoft.com' }])
            assert.deepEqual(byDefault.body.name, { givenName: 'Gtfd', familyName: 'Pkqf' })
            assert.equal(byDefault.body.externalId, 'Eqpj')
            assert.equal(byDefault.body[ENTERPRISE].employeeNumber, 'Eqpj')
          })
          const withFlag = await c.patch(
            `/Users/${u.id}`,
            patchOp(
              { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
              { op: 'replace', value: { displayName: 'Bjfe', 'name.givenName': 'Kkom', 'name.familyName': 'Unua', [`${ENTERPRISE}:employeeNumber`]: 'Aklq' } },
            ),
          )
          // Dotted keys in a path-less value are not RFC 7644 attribute names: strict mode refuses them.
          await deviation(withFlag, () => {
            assert.equal(withFlag.body.displayName, 'Bjfe')
            assert.deepEqual(withFlag.body.name, { givenName: 'Kkom', familyName: 'Unua' })
            assert.equal(withFlag.body[ENTERPRISE].employeeNumber, 'Aklq')
            assert.deepEqual(withFlag.body.emails, [{ type: 'work', value: 'TestMhvaes@test.microsoft.com' }])
          })
        })

        it('removes a group member: "Remove" with a value list (default), a value filter (flag)', async () => {
          const [a, b] = [await user('rm-a'), await user('rm-b')]
          const g = await group('Removals', [a.id, b.id])
          await deviation(await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: a.id }] })), async () => {
            assert.deepEqual(await members(g.id), [b.id])
          })
          await c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${b.id}"]` })).expect(204)
          assert.deepEqual(await members(g.id), strict ? [a.id] : [])
        })
      })

      describe('Other clients', () => {
        it('deactivates with a path-less add of active (SailPoint; developer.sailpoint.com/discuss/t/7752)', async () => {
          const u = await user('sailpoint')
          const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', value: { active: false } })).expect(200)
          assert.equal(res.body.active, false)
        })

        it('adds members with a path-less add of a members value (wso2/product-is #5333)', async () => {
          const a = await user('pathless-member')
          const g = await group('Path-less')
          await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', value: { members: [{ display: 'pathless-member', value: a.id }] } })).expect(204)
          assert.deepEqual(await members(g.id), [a.id])
        })

        it('empties a group with remove of members and no value (RFC 7644 §3.5.2.2; Microsoft collection "Patch remove all users")', async () => {
          const [a, b] = [await user('all-a'), await user('all-b')]
          const g = await group('Emptied', [a.id, b.id])
          await c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: 'members' })).expect(204)
          assert.deepEqual(await members(g.id), [])
        })
      })
    })
  }
}

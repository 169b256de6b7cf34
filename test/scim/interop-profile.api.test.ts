/**
 * The service-provider requirements of the IETF SCIM interoperability profile
 * (draft-zollner-scim-interop-profile-01), one test per requirement Roster meets, titled by the
 * profile's section. docs/scim.md ("Interoperability profile") is the matrix: each requirement,
 * Roster's behaviour, the test below, and where Roster departs from the profile and why.
 * Runs on both stores, in the default (lenient) mode and in strict mode.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { backends } from '../support/stores.js'
import { GROUP, PATCH_OP, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'
import { parseListRequest } from '../../src/scim/messages/search-request.js'
import { SCIM_LIMITS } from '../../src/scim/limits.js'

const q = encodeURIComponent

for (const backend of backends()) {
  for (const strict of [false, true]) {
    describe(`SCIM interoperability profile on ${backend.name}, ${strict ? 'strict' : 'lenient'} mode`, function () {
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
      const ids = (res: { body: { Resources: Array<{ id: string }> } }) => res.body.Resources.map((r) => r.id)

      it('§4: does not claim interopProfileConformant (Roster departs from §5.3 and §6.5.1.1 on purpose)', async () => {
        const res = await c.get('/ServiceProviderConfig').expect(200)
        assert.notEqual(res.body.interopProfileConformant, true)
      })

      it('§5.1: serves the discovery endpoints; every schema a resource type names is at /Schemas; ResourceType id equals name', async () => {
        await c.get('/ServiceProviderConfig').expect(200)
        const types = (await c.get('/ResourceTypes').expect(200)).body.Resources as Array<{ id: string; name: string; schema: string; schemaExtensions?: Array<{ schema: string }> }>
        const schemas = new Set(((await c.get('/Schemas').expect(200)).body.Resources as Array<{ id: string }>).map((s) => s.id))
        assert.ok(types.length >= 2)
        for (const rt of types) {
          assert.equal(rt.id, rt.name)
          for (const urn of [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)]) {
            assert.ok(schemas.has(urn), `${urn} is listed at /Schemas`)
            await c.get(`/Schemas/${urn}`).expect(200)
          }
        }
      })

      it('§5.2: filters and uniqueness agree on case: userName case-insensitive, externalId and id case-exact', async () => {
        const u = await user('JSmith', { externalId: 'ABC-123' })
        assert.deepEqual(ids(await c.get(`/Users?filter=${q('userName eq "jsmith"')}`).expect(200)), [u.id])
        const taken = await c.post('/Users', { schemas: [USER], userName: 'jsmith' }).expect(409)
        assert.equal(taken.body.scimType, 'uniqueness')
        assert.deepEqual(ids(await c.get(`/Users?filter=${q('externalId eq "ABC-123"')}`).expect(200)), [u.id])
        assert.deepEqual(ids(await c.get(`/Users?filter=${q('externalId eq "abc-123"')}`).expect(200)), [])
        // externalId is not unique (RFC 7643 §3.1): another user may carry a value differing in case.
        await user('other', { externalId: 'abc-123' })
        assert.deepEqual(ids(await c.get(`/Users?filter=${q(`id eq "${u.id.toUpperCase()}"`)}`).expect(200)), [])
      })

      it('§5.3: an attribute or schema URI the schemas lack is refused in strict mode, ignored in lenient mode', async () => {
        const unknownAttribute = await c.post('/Users', { schemas: [USER], userName: 'adreses', adreses: [{ country: 'DE' }] })
        const unknownSchema = await c.post('/Users', { schemas: [USER, 'urn:example:params:scim:schemas:unknown'], userName: 'unknown-schema' })
        if (strict) {
          assert.equal(unknownAttribute.status, 400)
          assert.equal(unknownSchema.status, 400)
          assert.equal(unknownAttribute.body.scimType, 'invalidSyntax')
          assert.equal(unknownSchema.body.scimType, 'invalidSyntax')
        } else {
          // Microsoft's validation collection sends a misspelt attribute and expects 200 ("Put a
          // user misspelled attribute"): lenient mode ignores it and records that it did.
          assert.equal(unknownAttribute.status, 201, unknownAttribute.text)
          assert.equal(unknownAttribute.body.adreses, undefined)
          assert.equal(unknownSchema.status, 201, unknownSchema.text)
          assert.deepEqual(unknownSchema.body.schemas, [USER])
        }
      })

      it('§5.4: every multi-valued complex attribute with a type declares its type values in canonicalValues', async () => {
        const all = (await c.get('/Schemas').expect(200)).body.Resources as Array<{ id: string; attributes: Array<{ name: string; multiValued: boolean; type: string; subAttributes?: Array<{ name: string; canonicalValues?: string[] }> }> }>
        let typed = 0
        for (const schema of all) {
          for (const attribute of schema.attributes) {
            const type = attribute.multiValued && attribute.type === 'complex' ? attribute.subAttributes?.find((s) => s.name === 'type') : undefined
            if (!type) continue
            typed++
            assert.ok(Array.isArray(type.canonicalValues), `${schema.id}:${attribute.name}.type declares canonicalValues`)
          }
        }
        assert.ok(typed >= 5)
      })

      it('§6.1: one endpoint per resource type; a resource is addressed by its id only', async () => {
        const u = await user('addressed')
        assert.equal(u.meta && (u.meta as { location: string }).location.endsWith(`/Users/${u.id}`), true)
        await c.get('/Users/addressed').expect(404)
        await c.get(`/Groups/${u.id}`).expect(404)
        // §5.2: ids are case-exact, in the path too: the id in capitals names nothing.
        const upper = `/Users/${u.id.toUpperCase()}`
        await c.get(upper).expect(404)
        await c.patch(upper, patchOp({ op: 'replace', path: 'displayName', value: 'x' })).expect(404)
        await c.delete(upper).expect(404)
        await c.get(`/Users/${u.id}`).expect(200)
      })

      it('§6.2: answers in application/scim+json, errors included', async () => {
        const scimJson = (res: { headers: Record<string, string> }) => assert.match(res.headers['content-type']!, /^application\/scim\+json/)
        scimJson(await c.post('/Users', { schemas: [USER], userName: 'json' }).expect(201))
        scimJson(await c.get('/Users').expect(200))
        scimJson(await c.get('/Users/00000000-0000-4000-8000-000000000000').expect(404))
        scimJson(await c.get(`/Users?filter=${q('userName eq')}`).expect(400))
        scimJson(await request(fx.callback).get('/scim/v2/Users').expect(401))
      })

      it('§6.3: supports eq and and; an attribute the resource type lacks is 400 invalidFilter; no filters on other methods', async () => {
        const u = await user('filtered', { title: 'Engineer' })
        assert.deepEqual(ids(await c.get(`/Users?filter=${q('userName eq "filtered" and title eq "Engineer"')}`).expect(200)), [u.id])
        assert.equal((await c.get(`/Users?filter=${q('noSuchAttribute eq "x"')}`).expect(400)).body.scimType, 'invalidFilter')
        assert.equal((await c.get(`/Groups?filter=${q('userName eq "filtered"')}`).expect(400)).body.scimType, 'invalidFilter')
        await c.delete(`/Users?filter=${q('userName eq "filtered"')}`).expect(405)
        await c.patch(`/Users?filter=${q('userName eq "filtered"')}`, patchOp({ op: 'replace', path: 'title', value: 'x' })).expect(405)
        await c.get(`/Users/${u.id}`).expect(200)
      })

      it('§6.4: index and cursor paging; 100 by default, counts of 100 and more honoured up to the advertised maximum', async () => {
        const config = (await c.get('/ServiceProviderConfig').expect(200)).body.pagination
        assert.deepEqual([config.index, config.cursor], [true, true])
        assert.ok(config.defaultPageSize >= 100 && config.maxPageSize >= 100)
        assert.equal(parseListRequest({}).page.count, 100)
        assert.equal(parseListRequest({ count: '100' }).page.count, 100)
        assert.equal(parseListRequest({ count: String(SCIM_LIMITS.maxPageSize * 5) }).page.count, SCIM_LIMITS.maxPageSize)
        for (const n of ['p1', 'p2', 'p3']) await user(n)
        const first = await c.get('/Users?count=2&cursor=').expect(200)
        assert.equal(first.body.Resources.length, 2)
        const next = await c.get(`/Users?count=2&cursor=${q(first.body.nextCursor)}`).expect(200)
        assert.equal(next.body.Resources.length, 1)
        assert.equal((await c.get('/Users?startIndex=3&count=100').expect(200)).body.Resources.length, 1)
      })

      it('§6.5.2.1: add and replace are the same on a singular simple attribute; add on a complex one merges, replace puts it whole', async () => {
        const u = await user('singular', { displayName: 'Before', name: { givenName: 'Ann', familyName: 'Lee' } })
        const added = await c
          .patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'displayName', value: 'After' }, { op: 'add', path: 'active', value: false }, { op: 'add', path: 'userName', value: 'singular2' }))
          .expect(200)
        assert.deepEqual([added.body.displayName, added.body.active, added.body.userName], ['After', false, 'singular2'])
        const replaced = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'displayName', value: 'Again' })).expect(200)
        assert.equal(replaced.body.displayName, 'Again')
        const merged = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'name', value: { middleName: 'M' } })).expect(200)
        assert.deepEqual(merged.body.name, { givenName: 'Ann', middleName: 'M', familyName: 'Lee' })
        // replace of the complex attribute whole: exactly what is sent (the profile); strict mode
        // keeps RFC 7644 §3.5.2.3's merge.
        const whole = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'name', value: { givenName: 'Bea' } })).expect(200)
        assert.deepEqual(whole.body.name, strict ? { givenName: 'Bea', middleName: 'M', familyName: 'Lee' } : { givenName: 'Bea' })
      })

      it('§6.5.2.2: replace without a filter replaces a multi-valued attribute; add appends', async () => {
        const u = await user('multi', { emails: [{ type: 'work', value: 'a@example.com' }] })
        const added = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'emails', value: [{ type: 'home', value: 'b@example.com' }] })).expect(200)
        assert.deepEqual(added.body.emails.map((e: { value: string }) => e.value), ['a@example.com', 'b@example.com'])
        const replaced = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'emails', value: [{ type: 'other', value: 'c@example.com' }] })).expect(200)
        assert.deepEqual(replaced.body.emails, [{ type: 'other', value: 'c@example.com' }])
      })

      it('§6.6: PATCH never deletes; DELETE deletes (404 afterwards, gone from queries, userName free again)', async () => {
        const u = await user('lifecycle')
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200)
        assert.equal((await c.get(`/Users/${u.id}`).expect(200)).body.active, false)
        assert.deepEqual(ids(await c.get(`/Users?filter=${q('userName eq "lifecycle"')}`).expect(200)), [u.id])
        await c.delete(`/Users/${u.id}`).expect(204)
        await c.get(`/Users/${u.id}`).expect(404)
        await c.put(`/Users/${u.id}`, { schemas: [USER], userName: 'lifecycle' }).expect(404)
        await c.patch(`/Users/${u.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }).expect(404)
        await c.delete(`/Users/${u.id}`).expect(404)
        assert.equal((await c.get(`/Users?filter=${q('userName eq "lifecycle"')}`).expect(200)).body.totalResults, 0)
        const again = await user('lifecycle')
        assert.notEqual(again.id, u.id)
      })

      it('§6.9.1: a uniqueness conflict on POST, PUT or PATCH is 409 uniqueness', async () => {
        await user('taken')
        const u = await user('free')
        const conflicts = [
          await c.post('/Users', { schemas: [USER], userName: 'TAKEN' }),
          await c.put(`/Users/${u.id}`, { schemas: [USER], userName: 'taken' }),
          await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'userName', value: 'Taken' })),
        ]
        for (const res of conflicts) {
          assert.equal(res.status, 409, res.text)
          assert.equal(res.body.scimType, 'uniqueness')
        }
        await c.post('/Groups', { schemas: [GROUP], displayName: 'g' }).expect(201)
      })

      it('§7.2: bearer tokens only; HTTP Basic is refused with a Bearer challenge', async () => {
        const res = await request(fx.callback).get('/scim/v2/Users').set('Authorization', 'Basic dXNlcjpwYXNz').expect(401)
        assert.match(res.headers['www-authenticate'] as string, /^Bearer /)
        const config = (await c.get('/ServiceProviderConfig').expect(200)).body
        assert.deepEqual(config.authenticationSchemes.map((s: { type: string }) => s.type), ['oauthbearertoken'])
      })
    })
  }
}

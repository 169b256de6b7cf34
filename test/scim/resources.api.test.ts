import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { GROUP, LIST, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'
import type { Store } from '../../src/domain/store.js'
import { testApp } from '../support/app.js'
import request from 'supertest'

for (const backend of backends()) {
  describe(`SCIM resources on ${backend.name}`, function () {
    let fx: ScimFixture
    let c: ScimClient
    before(async () => {
      fx = await scimFixture(backend)
    })
    beforeEach(async () => {
      c = await fx.client()
    })
    after(async () => fx?.dispose())

    const newUser = async (userName: string, extra: Record<string, unknown> = {}) => (await c.post('/Users', { schemas: [USER], userName, ...extra }).expect(201)).body as { id: string }
    const newGroup = async (displayName: string, members: string[] = []) =>
      (await c.post('/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) }).expect(201)).body as { id: string }

    describe('users', () => {
      it('stores the password as a hash and never returns it', async () => {
        const u = await c.post('/Users', { schemas: [USER], userName: 'secretive', password: 't1meMa$heen' }).expect(201)
        assert.equal(u.body.password, undefined)
        const stored = await fx.t.store.users.get(c.tenant.id, u.body.id)
        assert.match(stored!.passwordHash!, /^\$argon2id\$/)
        assert.ok(!JSON.stringify(stored!.resource).includes('t1meMa$heen'))
        const asked = await c.get(`/Users/${u.body.id}?attributes=password`).expect(200)
        assert.equal(asked.body.password, undefined)
      })

      it('reports the user\'s groups, direct and indirect', async () => {
        const u = await newUser('member')
        const inner = await newGroup('Inner', [u.id])
        const outer = await newGroup('Outer', [inner.id])
        const res = await c.get(`/Users/${u.id}`).expect(200)
        const groups = (res.body.groups as Array<{ value: string; display: string; type: string }>).map((g) => [g.value, g.display, g.type]).sort()
        assert.deepEqual(groups, [[inner.id, 'Inner', 'direct'], [outer.id, 'Outer', 'indirect']].sort())
        const filtered = await c.get(`/Users?filter=${encodeURIComponent(`groups.value eq "${outer.id}"`)}`).expect(200)
        assert.equal(filtered.body.totalResults, 1)
      })

      it('ignores readOnly attributes on input and rejects a changed immutable one', async () => {
        const u = await c.post('/Users', { schemas: [USER], userName: 'ro', id: 'chosen-by-client', meta: { version: 'x' }, groups: [{ value: 'g' }] }).expect(201)
        assert.notEqual(u.body.id, 'chosen-by-client')
        assert.equal(u.body.groups, undefined)
      })

      it('treats attribute names case-insensitively on input', async () => {
        const u = await c.post('/Users', { SCHEMAS: [USER], USERNAME: 'shouty', Name: { GivenName: 'Ann' } }).expect(201)
        assert.equal(u.body.userName, 'shouty')
        assert.equal(u.body.name.givenName, 'Ann')
      })

      it('deactivates and reactivates', async () => {
        const u = await newUser('toggle')
        const off = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200)
        assert.equal(off.body.active, false)
        assert.equal((await fx.t.store.users.get(c.tenant.id, u.id))!.status, 'inactive')
        const on = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { active: true } })).expect(200)
        assert.equal(on.body.active, true)
      })
    })

    describe('groups', () => {
      it('requires members to exist in the tenant and to have the stated type', async () => {
        const other = await fx.client()
        const foreign = (await other.post('/Users', { schemas: [USER], userName: 'foreign' }).expect(201)).body.id as string
        const res = await c.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: foreign }] }).expect(400)
        assert.equal(res.body.scimType, 'invalidValue')
        const u = await newUser('typed')
        await c.post('/Groups', { schemas: [GROUP], displayName: 'G', members: [{ value: u.id, type: 'Group' }] }).expect(400)
      })

      it('refuses nesting that would make a group contain itself', async () => {
        const a = await newGroup('A')
        const b = await newGroup('B', [a.id])
        const res = await c.patch(`/Groups/${a.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: b.id }] })).expect(400)
        assert.equal(res.body.scimType, 'invalidValue')
        await c.patch(`/Groups/${a.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: a.id }] })).expect(400)
      })

      it('never reads memberships for excludedAttributes=members', async () => {
        const u = await newUser('m')
        const g = await newGroup('Big', [u.id])
        let reads = 0
        const counting: Store = {
          ...fx.t.store,
          memberships: new Proxy(fx.t.store.memberships, {
            get(target, prop, receiver) {
              const v = Reflect.get(target, prop, receiver) as unknown
              if (typeof v === 'function' && /^(list|membersOf|count)$/.test(String(prop))) {
                return (...args: unknown[]) => {
                  reads++
                  return (v as (...a: unknown[]) => unknown).apply(target, args)
                }
              }
              return v
            },
          }),
        }
        const { callback } = testApp(counting, { config: { publicUrl: 'http://localhost:3000' } })
        const auth = { Authorization: `Bearer ${c.token}` }
        await request(callback).get(`/scim/v2/Groups/${g.id}?excludedAttributes=members`).set(auth).expect(200)
        await request(callback).get(`/scim/v2/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Big"')}`).set(auth).expect(200)
        await request(callback)
          .patch(`/scim/v2/Groups/${g.id}`)
          .set(auth)
          .set('Content-Type', 'application/scim+json')
          .send(JSON.stringify(patchOp({ op: 'remove', path: `members[value eq "${u.id}"]` })))
          .expect(204)
        assert.equal(reads, 0)
        await request(callback).get(`/scim/v2/Groups/${g.id}`).set(auth).expect(200)
        assert.ok(reads > 0, 'the counter works')
      })

      it('loses no member when many clients PATCH one group at once', async () => {
        const g = await newGroup('Busy')
        const users = await Promise.all(Array.from({ length: 20 }, (_, i) => newUser(`busy${i}`)))
        const results = await Promise.all(users.map((u) => c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }))))
        assert.deepEqual(results.map((r) => r.status), users.map(() => 204))
        const after = await c.get(`/Groups/${g.id}`).expect(200)
        assert.equal(after.body.members.length, 20)
        const removals = await Promise.all(users.slice(0, 10).map((u) => c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${u.id}"]` }))))
        assert.deepEqual(removals.map((r) => r.status), removals.map(() => 204))
        assert.equal((await c.get(`/Groups/${g.id}`).expect(200)).body.members.length, 10)
      })

      it('renames a group the way Okta does', async () => {
        const g = await newGroup('Old name')
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'replace', value: { id: g.id, displayName: 'New name' } })).expect(204)
        assert.equal((await c.get(`/Groups/${g.id}`).expect(200)).body.displayName, 'New name')
      })

      it('replaces the member list with PUT', async () => {
        const [a, b] = [await newUser('pa'), await newUser('pb')]
        const g = await newGroup('Put', [a.id])
        const res = await c.put(`/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Put', members: [{ value: b.id }] }).expect(200)
        assert.deepEqual(res.body.members.map((m: { value: string }) => m.value), [b.id])
      })

      it('filters groups by displayName and members, as Entra ID matches them', async () => {
        const u = await newUser('gm')
        const g = await newGroup('Sales', [u.id])
        await newGroup('Support')
        const byName = await c.get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "sales"')}`).expect(200)
        assert.deepEqual(byName.body.Resources.map((r: { id: string }) => r.id), [g.id])
        assert.equal(byName.body.Resources[0].members, undefined)
        const byMember = await c.get(`/Groups?filter=${encodeURIComponent(`members[value eq "${u.id}"]`)}`).expect(200)
        assert.equal(byMember.body.totalResults, 1)
      })
    })

    describe('cursor paging (RFC 9865)', () => {
      it('walks every user forwards and back without gaps or repeats', async () => {
        const names = Array.from({ length: 7 }, (_, i) => `cur${i}`)
        for (const n of names) await newUser(n)
        const seen: string[] = []
        let res = await c.get('/Users?cursor=&count=3&sortBy=userName').expect(200)
        assert.equal(res.body.startIndex, undefined)
        const pages = [res.body]
        seen.push(...res.body.Resources.map((r: { userName: string }) => r.userName))
        while (res.body.nextCursor) {
          res = await c.get(`/Users?cursor=${res.body.nextCursor}&count=3&sortBy=userName`).expect(200)
          pages.push(res.body)
          seen.push(...res.body.Resources.map((r: { userName: string }) => r.userName))
        }
        assert.deepEqual(seen, names)
        assert.equal(pages[0].previousCursor, undefined)
        const back = await c.get(`/Users?cursor=${pages[2].previousCursor}&count=3&sortBy=userName`).expect(200)
        assert.deepEqual(back.body.Resources.map((r: { userName: string }) => r.userName), ['cur3', 'cur4', 'cur5'])
        for (const p of pages) assert.equal(p.totalResults, 7)
      })

      it('refuses a cursor it did not issue', async () => {
        const res = await c.get('/Users?cursor=bm90LWEtY3Vyc29y&count=3').expect(400)
        assert.equal(res.body.scimType, 'invalidCursor')
      })
    })

    describe('source of truth', () => {
      it('refuses SCIM writes to a directory-managed tenant, and still answers reads', async () => {
        const ldap = await fx.client({ source: 'ldap' })
        const res = await ldap.post('/Users', { schemas: [USER], userName: 'nope' }).expect(409)
        assert.match(res.body.detail, /managed by its directory/)
        await ldap.get('/Users').expect(200)
        await ldap.post('/Groups', { schemas: [GROUP], displayName: 'nope' }).expect(409)
      })

      it('lets SCIM write to local tenants', async () => {
        const local = await fx.client({ source: 'local' })
        await local.post('/Users', { schemas: [USER], userName: 'fine' }).expect(201)
      })
    })

    describe('audit', () => {
      it('records every create, update and delete with the token as actor, in the same transaction', async () => {
        const u = await newUser('audited', { title: 'Before' })
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'title', value: 'After' }, { op: 'replace', path: 'password', value: 'n3w-Passw0rd' })).expect(200)
        await c.delete(`/Users/${u.id}`).expect(204)
        const events = (await fx.t.store.audit.list(c.tenant.id, { limit: 10, resourceId: u.id })).items.reverse()
        assert.deepEqual(events.map((e) => e.action), ['user.create', 'user.update', 'user.delete'])
        for (const e of events) assert.deepEqual([e.actor.type, e.actor.label], ['token', 'test'])
        assert.deepEqual(events[1]!.changes!.attributes, ['password', 'title'])
        assert.equal(events[1]!.changes!.before!.title, 'Before')
        assert.equal(events[1]!.changes!.after!.title, 'After')
        assert.ok(!JSON.stringify(events).includes('n3w-Passw0rd'), 'secrets never reach the audit log')
        // A refused write leaves no audit event behind.
        await c.post('/Users', { schemas: [USER], userName: 'AUDITED2' }).expect(201)
        await c.post('/Users', { schemas: [USER], userName: 'audited2' }).expect(409)
        const creates = (await fx.t.store.audit.list(c.tenant.id, { limit: 50, action: 'user.create' })).items
        assert.equal(creates.length, 2)
      })
    })

    describe('discovery', () => {
      it('serves ServiceProviderConfig that tells the truth', async () => {
        const res = await c.get('/ServiceProviderConfig').expect(200)
        const b = res.body
        assert.deepEqual(b.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'])
        for (const f of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) assert.equal(b[f].supported, true, f)
        assert.ok(b.bulk.maxOperations > 0 && b.bulk.maxPayloadSize > 0)
        assert.ok(b.filter.maxResults > 0)
        assert.equal(b.pagination.cursor, true)
        assert.equal(b.pagination.index, true)
        assert.equal(b.authenticationSchemes[0].type, 'oauthbearertoken')
        // The advertised page size is the enforced one.
        for (let i = 0; i < 3; i++) await newUser(`cap${i}`)
        const capped = await c.get(`/Users?count=${b.filter.maxResults + 1000}`).expect(200)
        assert.ok(capped.body.itemsPerPage <= b.filter.maxResults)
      })

      it('serves ResourceTypes and Schemas', async () => {
        const types = await c.get('/ResourceTypes').expect(200)
        assert.deepEqual(types.body.schemas, [LIST])
        assert.deepEqual(types.body.Resources.map((r: { id: string }) => r.id).sort(), ['Group', 'User'])
        const user = await c.get('/ResourceTypes/User').expect(200)
        assert.equal(user.body.endpoint, '/Users')
        assert.deepEqual(user.body.schemaExtensions, [{ schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false }])
        const schemas = await c.get('/Schemas').expect(200)
        const ids = schemas.body.Resources.map((r: { id: string }) => r.id)
        for (const urn of [USER, GROUP, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']) assert.ok(ids.includes(urn), urn)
        const userSchema = await c.get(`/Schemas/${USER}`).expect(200)
        const userName = userSchema.body.attributes.find((a: { name: string }) => a.name === 'userName')
        assert.equal(userName.uniqueness, 'server')
        await c.get('/Schemas/urn:nope').expect(404)
        await c.get('/Schemas?filter=id eq "x"').expect(403)
      })
    })

    it('rejects a PATCH body without the PatchOp schema', async () => {
      const u = await newUser('strictish')
      const res = await c.patch(`/Users/${u.id}`, { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }).expect(400)
      assert.equal(res.body.scimType, 'invalidSyntax')
    })
  })
}

describe('SCIM protocol-level behaviour', function () {
  let fx: ScimFixture
  let c: ScimClient
  before(async () => {
    fx = await scimFixture(backends()[0]!)
    c = await fx.client()
  })
  after(async () => fx?.dispose())

  it('answers another protocol version with 400 invalidVers', async () => {
    const res = await request(fx.callback).get('/scim/v1/Users').set('Authorization', `Bearer ${c.token}`).expect(400)
    assert.equal(res.body.scimType, 'invalidVers')
    assert.match(res.headers['content-type'] as string, /^application\/scim\+json/)
  })

  it('answers a secret in a GET filter with 403 sensitive, and in a search body with invalidFilter', async () => {
    const res = await c.get(`/Users?filter=${encodeURIComponent('password eq "guess"')}`).expect(403)
    assert.equal(res.body.scimType, 'sensitive')
    assert.match(res.body.detail, /URI/)
    const body = await c.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'password eq "guess"' }).expect(400)
    assert.equal(body.body.scimType, 'invalidFilter')
  })

  it('answers invalid UTF-8 and oversized bodies without writing anything', async () => {
    const bad = await c.post('/Users').set('Content-Type', 'application/scim+json').send(Buffer.from('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\xff\xfe"}', 'latin1'))
    assert.equal(bad.status, 400)
    assert.equal(bad.body.scimType, 'invalidSyntax')
    const huge = await c.post('/Users', { schemas: [USER], userName: 'huge', title: 'x'.repeat(2 * 1024 * 1024) })
    assert.equal(huge.status, 413)
    assert.equal((await c.get('/Users').expect(200)).body.totalResults, 0)
  })

  it('refuses a Bulk body over maxPayloadSize with 413', async () => {
    const config = await c.get('/ServiceProviderConfig').expect(200)
    const max = config.body.bulk.maxPayloadSize as number
    const big = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'a', title: 'y'.repeat(max) } }] }
    const res = await c.post('/Bulk', big)
    assert.equal(res.status, 413)
    assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
  })

  it('answers circular bulkId references with 409 and creates nothing', async () => {
    const res = await c
      .post('/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          { method: 'POST', path: '/Groups', bulkId: 'qwerty', data: { schemas: [GROUP], displayName: 'Group A', members: [{ type: 'Group', value: 'bulkId:ytrewq' }] } },
          { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'Group B', members: [{ type: 'Group', value: 'bulkId:qwerty' }] } },
        ],
      })
      .expect(200)
    assert.deepEqual(res.body.Operations.map((o: { status: string }) => o.status), ['409', '409'])
    assert.equal((await c.get('/Groups').expect(200)).body.totalResults, 0)
  })

  it('never re-enables a deactivated user because active is left out', async () => {
    const u = (await c.post('/Users', { schemas: [USER], userName: 'off', active: false }).expect(201)).body as { id: string; active: boolean }
    assert.equal(u.active, false)
    const put = await c.put(`/Users/${u.id}`, { schemas: [USER], userName: 'off', title: 'still off' }).expect(200)
    assert.equal(put.body.active, false)
    const removed = await c.patch(`/Users/${u.id}`, patchOp({ op: 'remove', path: 'active' })).expect(200)
    assert.equal(removed.body.active, false)
    const on = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: true })).expect(200)
    assert.equal(on.body.active, true)
    const fresh = await c.post('/Users', { schemas: [USER], userName: 'default-on' }).expect(201)
    assert.equal(fresh.body.active, true)
  })
})

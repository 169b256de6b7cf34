/**
 * The request examples of RFC 7644 §3.3–§3.14, replayed against Roster and answered as the RFC says.
 * Runs on PGlite and on the PostgreSQL server, in a tenant's default (lenient) mode and in its strict
 * mode: the RFC's own examples pass unchanged in both. Example bodies are the RFC's, with ids and
 * versions replaced by the ones Roster issued (the RFC's are illustrative).
 */
import assert from 'node:assert/strict'
import { backends } from '../../support/stores.js'
import { BASE, BULK_REQUEST, ENTERPRISE, ERROR, GROUP, LIST, PATCH_OP, SEARCH, USER, scimFixture, type ScimClient, type ScimFixture } from '../../support/scim.js'

const BJENSEN = {
  schemas: [USER],
  userName: 'bjensen',
  externalId: 'bjensen',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
}

for (const backend of backends()) {
  for (const strict of [false, true]) describe(`RFC 7644 examples on ${backend.name}${strict ? ', strict mode' : ''}`, function () {
    let fx: ScimFixture
    let c: ScimClient
    before(async () => {
      fx = await scimFixture(backend)
    })
    beforeEach(async () => {
      c = await fx.client({ strict })
    })
    after(async () => fx?.dispose())

    async function createBjensen(): Promise<{ id: string; etag: string; body: Record<string, unknown> }> {
      const res = await c.post('/Users', BJENSEN).expect(201)
      return { id: res.body.id, etag: res.headers.etag as string, body: res.body }
    }

    describe('§3.3 creating resources', () => {
      it('POST /Users answers 201 with Location, ETag and the resource with meta', async () => {
        const res = await c.post('/Users', BJENSEN).expect(201)
        assert.match(res.headers['content-type'] as string, /^application\/scim\+json/)
        const id = res.body.id as string
        assert.match(id, /^[0-9a-f-]{36}$/)
        assert.equal(res.headers.location, `${BASE}/Users/${id}`)
        assert.match(res.headers.etag as string, /^W\/"\d+"$/)
        assert.deepEqual(res.body.schemas, [USER])
        assert.equal(res.body.userName, 'bjensen')
        assert.equal(res.body.externalId, 'bjensen')
        assert.deepEqual(res.body.name, BJENSEN.name)
        assert.equal(res.body.meta.resourceType, 'User')
        assert.equal(res.body.meta.location, `${BASE}/Users/${id}`)
        assert.equal(res.body.meta.version, res.headers.etag)
        assert.ok(Date.parse(res.body.meta.created) > 0)
        assert.equal(res.body.meta.created, res.body.meta.lastModified)
      })

      it('refuses a duplicate userName with 409 uniqueness', async () => {
        await createBjensen()
        const res = await c.post('/Users', { ...BJENSEN, userName: 'BJensen' }).expect(409)
        assert.deepEqual(res.body.schemas, [ERROR])
        assert.equal(res.body.scimType, 'uniqueness')
        assert.equal(res.body.status, '409')
      })

      it('creates a group with members', async () => {
        const { id } = await createBjensen()
        const res = await c.post('/Groups', { schemas: [GROUP], displayName: 'Tour Guides', members: [{ value: id }] }).expect(201)
        assert.equal(res.body.displayName, 'Tour Guides')
        assert.deepEqual(
          res.body.members.map((m: Record<string, unknown>) => [m.value, m.type, m.$ref]),
          [[id, 'User', `${BASE}/Users/${id}`]],
        )
      })
    })

    describe('§3.4.1 retrieving a known resource', () => {
      it('GET /Users/{id} answers 200 with the resource and its ETag', async () => {
        const { id, etag } = await createBjensen()
        const res = await c.get(`/Users/${id}`).expect(200)
        assert.equal(res.headers.etag, etag)
        assert.equal(res.body.id, id)
        assert.equal(res.body.meta.version, etag)
      })

      it('answers 404 with a SCIM error for an unknown id', async () => {
        const res = await c.get('/Users/2819c223-7f76-453a-919d-413861904646').expect(404)
        assert.deepEqual(res.body.schemas, [ERROR])
        assert.equal(res.body.status, '404')
      })

      it('never shows another tenant\'s resource', async () => {
        const { id } = await createBjensen()
        const other = await fx.client()
        await other.get(`/Users/${id}`).expect(404)
        await other.put(`/Users/${id}`, BJENSEN).expect(404)
        await other.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }).expect(404)
        await other.delete(`/Users/${id}`).expect(404)
        const list = await other.get('/Users?filter=userName eq "bjensen"').expect(200)
        assert.equal(list.body.totalResults, 0)
      })
    })

    describe('§3.4.2 query resources', () => {
      it('filters with userName eq, answering a ListResponse', async () => {
        const { id } = await createBjensen()
        await c.post('/Users', { schemas: [USER], userName: 'jsmith' }).expect(201)
        const res = await c.get(`/Users?filter=${encodeURIComponent('userName Eq "bjensen"')}`).expect(200)
        assert.deepEqual(res.body.schemas, [LIST])
        assert.equal(res.body.totalResults, 1)
        assert.equal(res.body.itemsPerPage, 1)
        assert.equal(res.body.startIndex, 1)
        assert.equal(res.body.Resources[0].id, id)
      })

      it('answers the RFC\'s example filters', async () => {
        await c.post('/Users', { ...BJENSEN, title: 'Tour Guide', emails: [{ value: 'bjensen@example.com', type: 'work' }], userType: 'Employee' }).expect(201)
        await c.post('/Users', { schemas: [USER], userName: 'other', name: { familyName: 'O\'Malley', givenName: 'Jim' } }).expect(201)
        const cases: Array<[string, number]> = [
          ['userName eq "bjensen"', 1],
          ['name.familyName co "O\'Malley"', 1],
          ['userName sw "J"', 0],
          ['userName sw "b"', 1],
          ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', 0],
          ['title pr', 1],
          ['meta.lastModified gt "2011-05-13T04:42:34Z"', 2],
          ['meta.lastModified ge "2011-05-13T04:42:34Z"', 2],
          ['meta.lastModified lt "2011-05-13T04:42:34Z"', 0],
          ['meta.lastModified le "2011-05-13T04:42:34Z"', 0],
          ['title pr and userType eq "Employee"', 1],
          ['title pr or userType eq "Intern"', 1],
          ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', 0],
          ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', 1],
          ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', 1],
          ['userType eq "Employee" and (emails.type eq "work")', 1],
          ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', 1],
          ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', 1],
        ]
        for (const [filter, expected] of cases) {
          const res = await c.get(`/Users?filter=${encodeURIComponent(filter)}`)
          assert.equal(res.status, 200, `${filter}: ${JSON.stringify(res.body)}`)
          assert.equal(res.body.totalResults, expected, filter)
        }
      })

      it('answers a malformed filter with 400 invalidFilter naming the position', async () => {
        const res = await c.get(`/Users?filter=${encodeURIComponent('userName eq')}`).expect(400)
        assert.equal(res.body.scimType, 'invalidFilter')
        assert.match(res.body.detail, /position \d+/)
      })

      it('pages by startIndex and count (§3.4.2.4) with exact totals', async () => {
        for (let i = 0; i < 5; i++) await c.post('/Users', { schemas: [USER], userName: `page${i}` }).expect(201)
        const res = await c.get('/Users?startIndex=2&count=2&sortBy=userName').expect(200)
        assert.equal(res.body.totalResults, 5)
        assert.equal(res.body.itemsPerPage, 2)
        assert.equal(res.body.startIndex, 2)
        assert.deepEqual(res.body.Resources.map((r: { userName: string }) => r.userName), ['page1', 'page2'])
        const totals = await c.get('/Users?count=0').expect(200)
        assert.equal(totals.body.totalResults, 5)
        assert.deepEqual(totals.body.Resources, [])
      })

      it('sorts (§3.4.2.3)', async () => {
        for (const n of ['b', 'C', 'a']) await c.post('/Users', { schemas: [USER], userName: n }).expect(201)
        const asc = await c.get('/Users?sortBy=userName').expect(200)
        assert.deepEqual(asc.body.Resources.map((r: { userName: string }) => r.userName), ['a', 'b', 'C'])
        const desc = await c.get('/Users?sortBy=userName&sortOrder=descending').expect(200)
        assert.deepEqual(desc.body.Resources.map((r: { userName: string }) => r.userName), ['C', 'b', 'a'])
      })

      it('returns only the requested attributes (§3.4.2.5)', async () => {
        await createBjensen()
        const res = await c.get('/Users?attributes=userName').expect(200)
        const r = res.body.Resources[0]
        assert.equal(r.userName, 'bjensen')
        assert.ok(r.id, 'id is always returned')
        assert.equal(r.name, undefined)
        assert.equal(r.externalId, undefined)
        const excluded = await c.get('/Users?excludedAttributes=name').expect(200)
        assert.equal(excluded.body.Resources[0].name, undefined)
        assert.equal(excluded.body.Resources[0].externalId, 'bjensen')
      })

      it('searches with POST /.search (§3.4.3)', async () => {
        await c.post('/Users', { schemas: [USER], userName: 'smithers', displayName: 'Smith Smithers' }).expect(201)
        await c.post('/Groups', { schemas: [GROUP], displayName: 'smiths' }).expect(201)
        const body = { schemas: [SEARCH], attributes: ['displayName', 'userName'], filter: 'displayName sw "smith"', startIndex: 1, count: 10 }
        const users = await c.post('/Users/.search', body).expect(200)
        assert.equal(users.body.totalResults, 1)
        assert.equal(users.body.Resources[0].displayName, 'Smith Smithers')
        const all = await c.post('/.search', { ...body, attributes: ['displayName'] }).expect(200)
        assert.equal(all.body.totalResults, 2)
        // userName exists only on Users: Groups simply do not match.
        const byUserName = await c.post('/.search', { schemas: [SEARCH], filter: 'userName sw "smith"' }).expect(200)
        assert.deepEqual(byUserName.body.Resources.map((r: { userName: string }) => r.userName), ['smithers'])
        const nonsense = await c.post('/.search', { schemas: [SEARCH], filter: 'noSuchAttribute eq 1' }).expect(400)
        assert.equal(nonsense.body.scimType, 'invalidFilter')
      })
    })

    describe('§3.5.1 replacing with PUT', () => {
      it('replaces the resource and bumps its version; a stale If-Match gets 412', async () => {
        const { id, etag } = await createBjensen()
        const replaced = await c
          .put(`/Users/${id}`, { schemas: [USER], id, userName: 'bjensen', externalId: 'bjensen', name: { familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane' }, emails: [{ value: 'bjensen@example.com' }] })
          .set('If-Match', etag)
          .expect(200)
        assert.equal(replaced.body.name.middleName, 'Jane')
        assert.equal(replaced.body.name.formatted, undefined, 'PUT replaces: attributes not sent are gone')
        assert.notEqual(replaced.headers.etag, etag)
        const stale = await c.put(`/Users/${id}`, BJENSEN).set('If-Match', etag).expect(412)
        assert.deepEqual(stale.body.schemas, [ERROR])
      })
    })

    describe('§3.5.2 modifying with PATCH', () => {
      it('adds a member, removes it, and replaces attributes', async () => {
        const { id: userId } = await createBjensen()
        const group = await c.post('/Groups', { schemas: [GROUP], displayName: 'Tour Guides' }).expect(201)
        const gid = group.body.id as string
        await c
          .patch(`/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ display: 'Babs Jensen', $ref: `${BASE}/Users/${userId}`, value: userId }] }] })
          .set('If-Match', group.headers.etag as string)
          .expect((res) => assert.ok([200, 204].includes(res.status), `${res.status} ${JSON.stringify(res.body)}`))
        const withMember = await c.get(`/Groups/${gid}`).expect(200)
        assert.deepEqual(withMember.body.members.map((m: { value: string }) => m.value), [userId])
        await c.patch(`/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] }).expect((res) => assert.ok([200, 204].includes(res.status)))
        const empty = await c.get(`/Groups/${gid}`).expect(200)
        assert.equal(empty.body.members, undefined)
        const patched = await c
          .patch(`/Users/${userId}`, {
            schemas: [PATCH_OP],
            Operations: [
              { op: 'replace', path: 'name.givenName', value: 'Babs' },
              { op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] },
              { op: 'replace', value: { displayName: 'Babs Jensen', nickName: 'Babs' } },
            ],
          })
          .expect(200)
        assert.equal(patched.body.name.givenName, 'Babs')
        assert.equal(patched.body.displayName, 'Babs Jensen')
        assert.equal(patched.body.nickName, 'Babs')
        assert.deepEqual(patched.body.emails, [{ value: 'babs@jensen.org', type: 'home' }])
      })

      it('applies all operations or none', async () => {
        const { id } = await createBjensen()
        const res = await c
          .patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Changed' }, { op: 'replace', path: 'displayName[value eq "x"]', value: 1 }] })
          .expect(400)
        assert.equal(res.body.scimType, 'invalidPath')
        const after = await c.get(`/Users/${id}`).expect(200)
        assert.equal(after.body.displayName, undefined)
      })
    })

    describe('§3.6 deleting', () => {
      it('answers 204, then 404', async () => {
        const { id, etag } = await createBjensen()
        await c.delete(`/Users/${id}`).set('If-Match', 'W/"999"').expect(412)
        await c.delete(`/Users/${id}`).set('If-Match', etag).expect(204)
        await c.get(`/Users/${id}`).expect(404)
        await c.delete(`/Users/${id}`).expect(404)
      })
    })

    describe('§3.7 bulk operations', () => {
      it('creates a user and a group that references it by bulkId, then updates and deletes', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            failOnErrors: 1,
            Operations: [
              { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: [GROUP], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] } },
              { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
            ],
          })
          .expect(200)
        assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'])
        const [groupOp, userOp] = res.body.Operations
        assert.equal(groupOp.status, '201', JSON.stringify(groupOp))
        assert.equal(userOp.status, '201', JSON.stringify(userOp))
        const userId = (userOp.location as string).split('/').pop()!
        const group = await c.get(`/Groups/${(groupOp.location as string).split('/').pop()}`).expect(200)
        assert.deepEqual(group.body.members.map((m: { value: string }) => m.value), [userId])

        const second = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            Operations: [
              // Joining the group changed the user's representation (its groups), so its ETag moved on.
              { method: 'PUT', path: `/Users/${userId}`, version: (await c.get(`/Users/${userId}`).expect(200)).headers.etag, data: { schemas: [USER], userName: 'Alice', displayName: 'Alice A.' } },
              { method: 'PATCH', path: `/Users/${userId}`, data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nickName', value: 'Ali' }] } },
              { method: 'DELETE', path: `/Users/${userId}`, version: 'W/"1"' },
            ],
          })
          .expect(200)
        assert.deepEqual(second.body.Operations.map((o: { status: string }) => o.status), ['200', '200', '412'])
      })

      it('stops after failOnErrors errors and reports each failure', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            failOnErrors: 1,
            Operations: [
              { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER] } },
              { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER], userName: 'never-created' } },
            ],
          })
          .expect(200)
        assert.equal(res.body.Operations.length, 1)
        assert.equal(res.body.Operations[0].status, '400')
        assert.equal(res.body.Operations[0].response.scimType, 'invalidValue')
        const list = await c.get('/Users?filter=userName eq "never-created"').expect(200)
        assert.equal(list.body.totalResults, 0)
      })

      it('refuses more operations than maxOperations with 413', async () => {
        const config = await c.get('/ServiceProviderConfig').expect(200)
        const max = config.body.bulk.maxOperations as number
        const ops = Array.from({ length: max + 1 }, (_, i) => ({ method: 'DELETE', path: `/Users/x${i}` }))
        const res = await c.post('/Bulk', { schemas: [BULK_REQUEST], Operations: ops }).expect(413)
        assert.deepEqual(res.body.schemas, [ERROR])
      })
    })

    describe('§3.11 /Me', () => {
      it('answers 501 for a credential that is not bound to a user', async () => {
        const res = await c.get('/Me').expect(501)
        assert.deepEqual(res.body.schemas, [ERROR])
      })
    })

    describe('§3.12 errors', () => {
      it('answers malformed JSON with 400 invalidSyntax', async () => {
        const res = await c.post('/Users').set('Content-Type', 'application/scim+json').send('{"schemas":').expect(400)
        assert.equal(res.body.scimType, 'invalidSyntax')
      })

      it('answers a wrong type with 400 invalidValue', async () => {
        const res = await c.post('/Users', { schemas: [USER], userName: 'typed', active: 'perhaps' }).expect(400)
        assert.equal(res.body.scimType, 'invalidValue')
      })

      it('accepts application/json too', async () => {
        await c.post('/Users').set('Content-Type', 'application/json').send(JSON.stringify({ schemas: [USER], userName: 'json' })).expect(201)
      })
    })

    describe('§3.14 versioning with ETags', () => {
      it('answers If-None-Match with 304 while the version is current', async () => {
        const { id, etag } = await createBjensen()
        await c.get(`/Users/${id}`).set('If-None-Match', etag).expect(304)
        await c.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] }).expect(200)
        const fresh = await c.get(`/Users/${id}`).set('If-None-Match', etag).expect(200)
        assert.notEqual(fresh.headers.etag, etag)
      })
    })

    describe('the enterprise extension', () => {
      it('stores the extension, checks the manager reference, and returns its schema', async () => {
        const boss = await c.post('/Users', { schemas: [USER], userName: 'boss' }).expect(201)
        const res = await c
          .post('/Users', {
            schemas: [USER, ENTERPRISE],
            userName: 'worker',
            [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: boss.body.id } },
          })
          .expect(201)
        assert.deepEqual(res.body.schemas, [USER, ENTERPRISE])
        assert.equal(res.body[ENTERPRISE].manager.value, boss.body.id)
        // A manager that names no user: refused in strict mode; kept as sent (no $ref), to be resolved
        // when that user appears, in lenient mode.
        const orphan = await c.post('/Users', { schemas: [USER, ENTERPRISE], userName: 'orphan', [ENTERPRISE]: { manager: { value: '00000000-0000-4000-8000-000000000000' } } })
        if (strict) {
          assert.equal(orphan.status, 400)
          assert.equal(orphan.body.scimType, 'invalidValue')
        } else {
          assert.equal(orphan.status, 201, orphan.text)
          assert.deepEqual(orphan.body[ENTERPRISE].manager, { value: '00000000-0000-4000-8000-000000000000' })
        }
      })
    })
  })
}

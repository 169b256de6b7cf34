/**
 * Review probes of Roster's SCIM service provider against RFC 7643 / RFC 7644 / RFC 9865 and the IdP
 * dialects (shared IDP-DIALECTS.md): real IdP sequences end to end, tenant isolation, concurrency,
 * ETags, Bulk and paging edge cases. Tests that began as bug reports cite the section they enforce.
 */
import assert from 'node:assert/strict'
import type request from 'supertest'
import { backends } from '../support/stores.js'
import { BULK_REQUEST, ENTERPRISE, ERROR, GROUP, LIST, SEARCH, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** RFC 7644 §3.12: every error is a JSON body with the Error schema and `status` as a string. */
function assertScimError(res: request.Response, status: number, scimType?: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body ?? res.text)}`)
  assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
  assert.deepEqual(res.body.schemas, [ERROR])
  assert.equal(res.body.status, String(status))
  if (scimType !== undefined) assert.equal(res.body.scimType, scimType)
}

for (const backend of backends()) {
  describe(`SCIM review probes on ${backend.name}`, function () {
    let fx: ScimFixture
    let c: ScimClient
    before(async () => {
      fx = await scimFixture(backend)
    })
    beforeEach(async () => {
      c = await fx.client()
    })
    after(async () => fx?.dispose())

    const newUser = async (userName: string, extra: Json = {}, client = c) =>
      (await client.post('/Users', { schemas: [USER], userName, ...extra }).expect(201)).body as Json
    const newGroup = async (displayName: string, members: string[] = [], client = c) =>
      (await client.post('/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) }).expect(201)).body as Json
    const membersOf = async (groupId: string, client = c) =>
      (((await client.get(`/Groups/${groupId}`).expect(200)).body.members ?? []) as Json[]).map((m) => m.value as string).sort()
    const q = (filter: string) => encodeURIComponent(filter)

    // -------------------------------------------------------------------------------------------
    describe('Entra ID end to end', () => {
      it('test connection, match, create, patch (dialect), deactivate, delete', async () => {
        // Test connection: filter on a random userName gives an empty ListResponse.
        const probe = await c.get(`/Users?filter=${q('userName eq "a0b1c2d3-random"')}`).expect(200)
        assert.deepEqual(probe.body.schemas, [LIST])
        assert.equal(probe.body.totalResults, 0)
        assert.deepEqual(probe.body.Resources, [])

        const created = await c
          .post('/Users', {
            schemas: [USER, ENTERPRISE],
            externalId: 'entra-obj-1',
            userName: 'Ryan.Leenay@contoso.com',
            active: true,
            displayName: 'Ryan Leenay',
            emails: [{ primary: true, type: 'work', value: 'Ryan.Leenay@contoso.com' }],
            name: { familyName: 'Leenay', givenName: 'Ryan' },
            [ENTERPRISE]: { department: 'Eng' },
          })
          .expect(201)
        const id = created.body.id as string

        // Matching: userName in another case, externalId (caseExact), the work email.
        for (const f of ['userName eq "ryan.leenay@CONTOSO.com"', 'externalId eq "entra-obj-1"', 'emails[type eq "work"].value eq "ryan.leenay@contoso.com"']) {
          const m = await c.get(`/Users?filter=${q(f)}`).expect(200)
          assert.equal(m.body.totalResults, 1, f)
          assert.equal(m.body.Resources[0].id, id)
        }
        const caseExact = await c.get(`/Users?filter=${q('externalId eq "ENTRA-OBJ-1"')}`).expect(200)
        assert.equal(caseExact.body.totalResults, 0, 'externalId is caseExact (RFC 7643 §3.1)')

        const patched = await c
          .patch(
            `/Users/${id}`,
            patchOp(
              { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ryan@contoso.com' },
              { op: 'Replace', path: 'displayName', value: 'Ryan L' },
              { op: 'Add', value: { 'name.givenName': 'Ryan2', [`${ENTERPRISE}:department`]: 'Sales' } },
            ),
          )
          .expect(200)
        assert.equal(patched.body.emails[0].value, 'ryan@contoso.com')
        assert.equal(patched.body.emails.length, 1)
        assert.equal(patched.body.name.givenName, 'Ryan2')
        assert.equal(patched.body[ENTERPRISE].department, 'Sales')

        const off = await c.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })).expect(200)
        assert.equal(off.body.active, false)
        await c.delete(`/Users/${id}`).expect(204)
        assertScimError(await c.get(`/Users/${id}`), 404)
      })

      it('group push — match with excludedAttributes=members, add, remove (value list), remove unknown', async () => {
        const u1 = await newUser('u1')
        const u2 = await newUser('u2')
        const g = await newGroup('Sales Team')
        const match = await c.get(`/Groups?excludedAttributes=members&filter=${q('displayName eq "sales team"')}`).expect(200)
        assert.equal(match.body.totalResults, 1)
        assert.equal(match.body.Resources[0].members, undefined)
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: u1.id }, { value: u2.id }] })).expect(204)
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: u1.id }] })).expect(204)
        assert.deepEqual(await membersOf(g.id), [u1.id, u2.id].sort())
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: u1.id }] })).expect(204)
        assert.deepEqual(await membersOf(g.id), [u2.id])
        // remove of a member that is not there: success, nothing changes
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: u1.id }] })).expect(204)
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${u1.id}"]` })).expect(204)
        assert.deepEqual(await membersOf(g.id), [u2.id])
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('no-op modifications', () => {
      // RFC 7644 §3.5.2.1 (add): "If the target location already contains the value specified, no
      // changes SHOULD be made to the resource ... Unless other operations change the resource, this
      // operation SHALL NOT change the modify timestamp of the resource."
      it('an add of a value already present does not change meta.lastModified / version (RFC 7644 §3.5.2.1)', async () => {
        const u = await newUser('noop', { title: 'Boss' })
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'title', value: 'Boss' })).expect(200)
        assert.equal(res.body.meta.lastModified, u.meta.lastModified)
        assert.equal(res.body.meta.version, u.meta.version)
      })

      it('adding an existing group member does not change the group version (RFC 7644 §3.5.2.1)', async () => {
        const u = await newUser('m')
        const g = await newGroup('G', [u.id])
        const res = await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] })).expect(204)
        assert.equal(res.headers.etag, g.meta.version)
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('error bodies', () => {
      // RFC 7644 §3.12: "implementers MUST return the errors in the body of the response in a JSON
      // format, using the attributes described below" — for every error status.
      it('a method the endpoint does not allow gets a SCIM error body, not text/plain (RFC 7644 §3.12)', async () => {
        assertScimError(await c.put('/Users', { schemas: [USER], userName: 'x' }), 405)
        assertScimError(await c.delete('/Users'), 405)
      })

      it('404 for unknown ids on every method, with status as a string', async () => {
        const id = '00000000-0000-0000-0000-000000000000'
        assertScimError(await c.get(`/Users/${id}`), 404)
        assertScimError(await c.put(`/Users/${id}`, { schemas: [USER], userName: 'x' }), 404)
        assertScimError(await c.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'title', value: 'x' })), 404)
        assertScimError(await c.delete(`/Users/${id}`), 404)
        assertScimError(await c.get(`/Groups/not-a-uuid`), 404)
      })

      it('missing schemas → 400 invalidSyntax; unknown filter attribute → 400 invalidFilter; duplicate → 409 uniqueness', async () => {
        assertScimError(await c.post('/Users', { userName: 'noschemas' }), 400, 'invalidSyntax')
        assertScimError(await c.patch('/Users/x', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }), 400, 'invalidSyntax')
        assertScimError(await c.get(`/Users?filter=${q('nope eq "x"')}`), 400, 'invalidFilter')
        assertScimError(await c.get(`/Users?filter=${q('userName eq')}`), 400, 'invalidFilter')
        await newUser('dup')
        assertScimError(await c.post('/Users', { schemas: [USER], userName: 'DUP' }), 409, 'uniqueness')
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('multi-tenant isolation', () => {
      it('another tenant\'s ids are 404 on every method, and stay untouched', async () => {
        const other = await fx.client()
        const u = await newUser('victim', {}, other)
        const g = await newGroup('Victims', [u.id], other)
        for (const [kind, id] of [['Users', u.id], ['Groups', g.id]] as const) {
          assertScimError(await c.get(`/${kind}/${id}`), 404)
          const body = kind === 'Users' ? { schemas: [USER], userName: 'hijack' } : { schemas: [GROUP], displayName: 'hijack' }
          assertScimError(await c.put(`/${kind}/${id}`, body), 404)
          assertScimError(await c.patch(`/${kind}/${id}`, patchOp({ op: 'replace', path: 'displayName', value: 'hijack' })), 404)
          assertScimError(await c.delete(`/${kind}/${id}`), 404)
        }
        assert.equal((await other.get(`/Users/${u.id}`).expect(200)).body.userName, 'victim')
        assert.deepEqual(await membersOf(g.id, other), [u.id])
        assert.equal((await c.get(`/Users?filter=${q(`id eq "${u.id}"`)}`).expect(200)).body.totalResults, 0)
        assert.equal((await c.get(`/Groups?filter=${q(`members.value eq "${u.id}"`)}`).expect(200)).body.totalResults, 0)
        // the same userName is free in another tenant
        await newUser('victim')
      })

      it('members and managers from another tenant are refused (POST, PUT, PATCH)', async () => {
        const other = await fx.client()
        const foreign = await newUser('foreign', {}, other)
        const foreignGroup = await newGroup('FG', [], other)
        const g = await newGroup('Mine')
        assertScimError(await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: foreign.id }] })), 400, 'invalidValue')
        assertScimError(await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: foreignGroup.id, type: 'Group' }] })), 400, 'invalidValue')
        assertScimError(await c.put(`/Groups/${g.id}`, { schemas: [GROUP], displayName: 'Mine', members: [{ value: foreign.id }] }), 400, 'invalidValue')
        assert.deepEqual(await membersOf(g.id), [])
        // A manager is refused in strict mode; lenient mode keeps it as an unresolved reference
        // (test/scim/manager-references.api.test.ts), which links to nothing of the other tenant.
        const strict = await fx.client({ strict: true })
        const me = await newUser('me', {}, strict)
        assertScimError(await strict.post('/Users', { schemas: [USER, ENTERPRISE], userName: 'm2', [ENTERPRISE]: { manager: { value: foreign.id } } }), 400, 'invalidValue')
        assertScimError(await strict.patch(`/Users/${me.id}`, patchOp({ op: 'replace', path: `${ENTERPRISE}:manager`, value: foreign.id })), 400, 'invalidValue')
        assertScimError(await strict.patch(`/Users/${me.id}`, patchOp({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: foreign.id })), 400, 'invalidValue')
        assertScimError(await strict.put(`/Users/${me.id}`, { schemas: [USER, ENTERPRISE], userName: 'me', [ENTERPRISE]: { manager: { value: foreign.id } } }), 400, 'invalidValue')
        const kept = await c.post('/Users', { schemas: [USER, ENTERPRISE], userName: 'm2', [ENTERPRISE]: { manager: { value: foreign.id } } }).expect(201)
        assert.deepEqual(kept.body[ENTERPRISE].manager, { value: foreign.id })
      })

      it('Bulk cannot reach another tenant\'s resources', async () => {
        const other = await fx.client()
        const foreign = await newUser('foreign', {}, other)
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            Operations: [
              { method: 'PATCH', path: `/Users/${foreign.id}`, data: patchOp({ op: 'replace', path: 'title', value: 'pwned' }) },
              { method: 'PUT', path: `/Users/${foreign.id}`, data: { schemas: [USER], userName: 'pwned' } },
              { method: 'DELETE', path: `/Users/${foreign.id}` },
              { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'G', members: [{ value: foreign.id }] } },
            ],
          })
          .expect(200)
        assert.deepEqual(res.body.Operations.map((o: Json) => o.status), ['404', '404', '404', '400'])
        const still = await other.get(`/Users/${foreign.id}`).expect(200)
        assert.equal(still.body.userName, 'foreign')
        assert.equal(still.body.title, undefined)
      })

      it('a cursor from another tenant is refused', async () => {
        const other = await fx.client()
        for (const n of ['a', 'b', 'c']) await newUser(n, {}, other)
        const page = await other.get('/Users?cursor=&count=1').expect(200)
        assert.ok(page.body.nextCursor)
        assertScimError(await c.get(`/Users?cursor=${page.body.nextCursor}&count=1`), 400, 'invalidCursor')
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('concurrency', () => {
      it('parallel creates of one userName (in different case) → exactly one 201, the rest 409 uniqueness', async () => {
        const names = Array.from({ length: 12 }, (_, i) => (i % 2 ? 'Racer' : 'racer'))
        const results = await Promise.all(names.map((userName) => c.post('/Users', { schemas: [USER], userName })))
        const statuses = results.map((r) => r.status).sort()
        assert.deepEqual(statuses, [201, ...Array(11).fill(409)], JSON.stringify(results.map((r) => r.body)))
        for (const r of results.filter((x) => x.status === 409)) assertScimError(r, 409, 'uniqueness')
      })

      it('parallel renames onto one free userName → exactly one wins', async () => {
        const users = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((n) => newUser(n)))
        const results = await Promise.all(users.map((u) => c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'userName', value: 'Target' }))))
        assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409])
      })

      it('parallel member adds to one group all land', async () => {
        const users = await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(`pm${i}`)))
        const g = await newGroup('Parallel')
        const results = await Promise.all(users.map((u) => c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }))))
        assert.deepEqual([...new Set(results.map((r) => r.status))], [204])
        assert.equal((await membersOf(g.id)).length, 8)
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('unicode and sizes', () => {
      it('userName uniqueness is case-insensitive beyond ASCII (Ä/ä), filters too', async () => {
        await newUser('Ärger')
        assertScimError(await c.post('/Users', { schemas: [USER], userName: 'ärger' }), 409, 'uniqueness')
        const r = await c.get(`/Users?filter=${q('userName eq "äRGER"')}`).expect(200)
        assert.equal(r.body.totalResults, 1)
      })

      it('empty userName is refused; very long userName is refused with 400', async () => {
        assertScimError(await c.post('/Users', { schemas: [USER], userName: '' }), 400, 'invalidValue')
        assertScimError(await c.post('/Users', { schemas: [USER], userName: 'x'.repeat(300) }), 400)
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('paging and sorting', () => {
      const seed = async () => {
        const spec: Array<[string, Json]> = [
          ['alice', { title: 'b', name: { givenName: 'Zed' }, emails: [{ value: 'z@x.com', primary: true }], active: true }],
          ['Bob', { title: 'a', name: { givenName: 'amy' }, emails: [{ value: 'a@x.com' }, { value: 'b@x.com', primary: true }], active: false }],
          ['carol', { name: { givenName: 'Amy' }, active: true }],
          ['dave', { title: 'B', emails: [{ value: 'm@x.com' }] }],
          ['Eve', { title: 'c', name: { givenName: 'bo' }, active: false }],
          ['frank', {}],
          ['Gina', { title: 'a', [ENTERPRISE]: { department: 'Z' }, schemas: [USER, ENTERPRISE] }],
        ]
        for (const [n, extra] of spec) await newUser(n, extra)
      }

      const sorts = ['userName', 'title', 'name.givenName', 'emails', 'emails.value', 'meta.created', 'meta.lastModified', 'active', 'id', `${ENTERPRISE}:department`, 'displayName']
      for (const sortBy of sorts) {
        for (const sortOrder of ['ascending', 'descending']) {
          it(`OK: cursor and index pages agree with the full list, sortBy=${sortBy} ${sortOrder}`, async () => {
            await seed()
            const base = `sortBy=${encodeURIComponent(sortBy)}&sortOrder=${sortOrder}&attributes=userName`
            const all = (await c.get(`/Users?${base}&count=1000`).expect(200)).body
            assert.equal(all.totalResults, 7)
            const expected = (all.Resources as Json[]).map((r) => r.id)
            const viaCursor: string[] = []
            let cursor = ''
            for (let i = 0; i < 10; i++) {
              const page = (await c.get(`/Users?${base}&count=2&cursor=${cursor}`).expect(200)).body
              assert.equal(page.totalResults, 7)
              viaCursor.push(...(page.Resources as Json[]).map((r) => r.id))
              if (!page.nextCursor) break
              cursor = page.nextCursor
            }
            assert.deepEqual(viaCursor, expected)
            const viaIndex: string[] = []
            for (let start = 1; start <= 7; start += 3) {
              const page = (await c.get(`/Users?${base}&count=3&startIndex=${start}`).expect(200)).body
              assert.equal(page.startIndex, start)
              viaIndex.push(...(page.Resources as Json[]).map((r) => r.id))
            }
            assert.deepEqual(viaIndex, expected)
          })
        }
      }

      it('sorting by userName is case-insensitive; missing values go last ascending', async () => {
        await seed()
        const names = ((await c.get('/Users?sortBy=userName&attributes=userName').expect(200)).body.Resources as Json[]).map((r) => r.userName)
        assert.deepEqual(names, ['alice', 'Bob', 'carol', 'dave', 'Eve', 'frank', 'Gina'])
        const titles = ((await c.get('/Users?sortBy=title&attributes=title').expect(200)).body.Resources as Json[]).map((r) => r.title ?? null)
        assert.deepEqual(titles.slice(-2), [null, null])
      })

      it('a cursor keeps working after the row it points at is deleted', async () => {
        await seed()
        const p1 = (await c.get('/Users?sortBy=userName&count=3&cursor=').expect(200)).body
        const last = (p1.Resources as Json[])[2]!
        await c.delete(`/Users/${last.id}`).expect(204)
        const p2 = (await c.get(`/Users?sortBy=userName&count=3&cursor=${p1.nextCursor}`).expect(200)).body
        assert.deepEqual((p2.Resources as Json[]).map((r) => r.userName), ['dave', 'Eve', 'frank'])
        assert.equal(p2.totalResults, 6)
      })

      // RFC 9865 §2: "nextCursor ... is omitted from a response only to indicate that there are no more result pages."
      it('the last cursor page has no nextCursor; a previousCursor leads back', async () => {
        for (const n of ['a', 'b', 'c', 'd']) await newUser(n)
        const p1 = (await c.get('/Users?sortBy=userName&count=2&cursor=').expect(200)).body
        assert.ok(p1.nextCursor)
        assert.equal(p1.startIndex, undefined)
        const p2 = (await c.get(`/Users?sortBy=userName&count=2&cursor=${p1.nextCursor}`).expect(200)).body
        assert.deepEqual((p2.Resources as Json[]).map((r) => r.userName), ['c', 'd'])
        assert.equal(p2.nextCursor, undefined)
        assert.ok(p2.previousCursor)
        const back = (await c.get(`/Users?sortBy=userName&count=2&cursor=${p2.previousCursor}`).expect(200)).body
        assert.deepEqual((back.Resources as Json[]).map((r) => r.userName), ['a', 'b'])
      })

      it('index paging edge cases (RFC 7644 §3.4.2.4)', async () => {
        for (const n of ['a', 'b', 'c']) await newUser(n)
        const beyond = (await c.get('/Users?startIndex=10').expect(200)).body
        assert.equal(beyond.totalResults, 3)
        assert.equal(beyond.itemsPerPage, 0)
        assert.deepEqual(beyond.Resources, [])
        const zero = (await c.get('/Users?count=0').expect(200)).body
        assert.equal(zero.totalResults, 3)
        assert.deepEqual(zero.Resources, [])
        const negative = (await c.get('/Users?count=-1&startIndex=-5').expect(200)).body // negative count SHALL be 0; startIndex < 1 is 1
        assert.equal(negative.totalResults, 3)
        assert.equal(negative.itemsPerPage, 0)
        assert.equal(negative.startIndex, 1)
        const huge = (await c.get('/Users?count=1000000000').expect(200)).body
        assert.equal(huge.itemsPerPage, 3)
        assertScimError(await c.get('/Users?count=abc'), 400, 'invalidValue')
      })

      it('POST /.search (resource type and root) with a SearchRequest body', async () => {
        await newUser('searchme', { title: 'x' })
        await newGroup('searchme group')
        const r = await c.post('/Users/.search', { schemas: [SEARCH], filter: 'title eq "x"', attributes: ['userName'], startIndex: 1, count: 10 }).expect(200)
        assert.equal(r.body.totalResults, 1)
        assert.deepEqual(Object.keys(r.body.Resources[0]).sort(), ['id', 'schemas', 'userName'])
        const root = await c.post('/.search', { schemas: [SEARCH], filter: 'displayName sw "search" or title eq "x"' }).expect(200)
        // title is a User attribute only: for the group that branch is unassigned, and its displayName matches.
        assert.equal(root.body.totalResults, 2)
      })

      // router.ts answerRootSearch documents: "A filter naming attributes one type lacks (`userName` for
      // Groups) simply matches nothing of that type". RFC 7644 §3.4.3 root search applies the filter to
      // every resource type. Then `userName sw "x" or displayName sw "x"` must still find the group by
      // its displayName: the unknown-attribute branch is false, not an error for the whole type.
      it('root /.search with an `or` naming a User-only attribute still finds matching Groups (RFC 7644 §3.4.3)', async () => {
        await newUser('searchme')
        await newGroup('searchme group')
        const root = await c.post('/.search', { schemas: [SEARCH], filter: 'userName sw "search" or displayName sw "search"' }).expect(200)
        assert.equal(root.body.totalResults, 2)
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('references to deleted resources', () => {
      // RFC 7644 §3.5.2: a PATCH changes the attributes its operations target; §3.6: after DELETE the
      // resource is gone. Roster keeps `manager.value` pointing at the deleted user and re-validates the
      // whole document on every write (users.ts updateUser → checkManager), so every later PUT/PATCH of
      // the report — including Entra's/Okta's deprovisioning `active=false` — fails with 400.
      it('after the manager is deleted, the report can still be patched (deactivated) (RFC 7644 §3.5.2, §3.6)', async () => {
        const m = await newUser('manager')
        const r = await newUser('report', { schemas: [USER, ENTERPRISE], [ENTERPRISE]: { manager: { value: m.id } } })
        await c.delete(`/Users/${m.id}`).expect(204)
        const res = await c.patch(`/Users/${r.id}`, patchOp({ op: 'replace', path: 'active', value: false }))
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.active, false)
      })

      it('after the manager is deleted, the report no longer names a manager that 404s (RFC 7643 §4.3 manager.value is "the id of the SCIM resource")', async () => {
        const m = await newUser('manager')
        const r = await newUser('report', { schemas: [USER, ENTERPRISE], [ENTERPRISE]: { manager: { value: m.id } } })
        await c.delete(`/Users/${m.id}`).expect(204)
        const got = await c.get(`/Users/${r.id}`).expect(200)
        assert.equal(got.body[ENTERPRISE]?.manager?.value, undefined)
      })

      it('deleting a user removes it from its groups', async () => {
        const u = await newUser('leaver')
        const stay = await newUser('stayer')
        const g = await newGroup('G', [u.id, stay.id])
        await c.delete(`/Users/${u.id}`).expect(204)
        assert.deepEqual(await membersOf(g.id), [stay.id])
      })

      // RFC 7644 §3.14: the ETag is the resource's version; RFC 7232 §2.3 / §3.2: If-None-Match answers 304
      // only when the representation is unchanged. A group whose members changed because a member was
      // deleted keeps W/"1" and meta.lastModified, so a client revalidating its cached copy gets 304
      // and keeps the deleted member.
      it('a group whose member was deleted gets a new version / lastModified (RFC 7644 §3.14, RFC 7643 §3.1 meta)', async () => {
        const u = await newUser('leaver')
        const g = await newGroup('G', [u.id])
        await c.delete(`/Users/${u.id}`).expect(204)
        const res = await c.get(`/Groups/${g.id}`).set('If-None-Match', g.meta.version as string)
        assert.equal(res.status, 200, 'the cached representation (with the deleted member) is stale: no 304')
        assert.notEqual(res.body.meta.version, g.meta.version)
      })

      it('a user whose (computed) groups changed gets a new version, so If-None-Match does not answer 304 (RFC 7644 §3.14)', async () => {
        const u = await newUser('joiner')
        const g = await newGroup('G')
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] })).expect(204)
        const res = await c.get(`/Users/${u.id}`).set('If-None-Match', u.meta.version as string)
        assert.equal(res.status, 200, 'the cached user had no groups; the current one has one')
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('Bulk', () => {
      it('bulkId references in paths and data (also forward), version check, failOnErrors stops', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            failOnErrors: 1,
            Operations: [
              { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'BG', members: [{ value: 'bulkId:u' }] } }, // forward reference
              { method: 'POST', path: '/Users', bulkId: 'u', data: { schemas: [USER], userName: 'bulk-user' } },
              { method: 'PATCH', path: '/Users/bulkId:u', data: patchOp({ op: 'replace', path: 'title', value: 'T' }) },
            ],
          })
          .expect(200)
        assert.match(String(res.headers['content-type']), /^application\/scim\+json/)
        const ops = res.body.Operations as Json[]
        assert.deepEqual(ops.map((o) => [o.method, o.status]), [['POST', '201'], ['POST', '201'], ['PATCH', '200']], JSON.stringify(ops))
        const uid = String(ops.find((o) => o.bulkId === 'u')!.location).split('/').pop()!
        assert.deepEqual(await membersOf(String(ops.find((o) => o.bulkId === 'g')!.location).split('/').pop()!), [uid])

        const stale = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            failOnErrors: 1,
            Operations: [
              { method: 'PUT', path: `/Users/${uid}`, version: 'W/"1"', data: { schemas: [USER], userName: 'bulk-user' } }, // stale: 412
              { method: 'DELETE', path: `/Users/${uid}` },
            ],
          })
          .expect(200)
        assert.deepEqual((stale.body.Operations as Json[]).map((o) => o.status), ['412'])
        assert.equal(stale.body.Operations[0].response.status, '412')
        await c.get(`/Users/${uid}`).expect(200)
      })

      // RFC 7644 §3.7: an optimised order "MUST ensure that the client's intent is preserved and the
      // same stateless result is achieved as for non-optimized processing". Operation 0 (a POST with a
      // forward reference to operation 1) is runnable as soon as operation 1 ran; in request order it
      // comes before the failing operation 2. Roster only revisits waiting operations after a full
      // pass, so failOnErrors=1 stops before operation 0 ever runs and it is silently dropped.
      it('failOnErrors does not drop an earlier operation that was waiting on a forward bulkId (RFC 7644 §3.7)', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            failOnErrors: 1,
            Operations: [
              { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'BG', members: [{ value: 'bulkId:u' }] } },
              { method: 'POST', path: '/Users', bulkId: 'u', data: { schemas: [USER], userName: 'bulk-user' } },
              { method: 'DELETE', path: '/Users/00000000-0000-0000-0000-000000000000' }, // 404
            ],
          })
          .expect(200)
        const ops = res.body.Operations as Json[]
        assert.deepEqual(ops.map((o) => [o.method, o.bulkId ?? null, o.status]), [['POST', 'g', '201'], ['POST', 'u', '201'], ['DELETE', null, '404']], JSON.stringify(ops))
      })

      it('maxOperations exceeded → 413 with a SCIM error body (RFC 7644 §3.7.4)', async () => {
        const Operations = Array.from({ length: 1001 }, (_, i) => ({ method: 'DELETE', path: `/Users/x${i}` }))
        assertScimError(await c.post('/Bulk', { schemas: [BULK_REQUEST], Operations }), 413)
      })

      it('a reference to a failed POST fails with 409; a circular reference fails', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            Operations: [
              { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [USER] } },
              { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'X', members: [{ value: 'bulkId:bad' }] } },
            ],
          })
          .expect(200)
        assert.deepEqual((res.body.Operations as Json[]).map((o) => o.status), ['400', '409'])
      })

      // RFC 7644 §3.7.2: "bulkId:" references are replaced by the created resource's id wherever the
      // client uses them. A PATCH removing a member created in the same request with the RFC §3.5.2.2
      // filter form `members[value eq "bulkId:u"]` is silently a no-op: the reference inside the path
      // is neither waited for nor substituted (bulk.ts references()/substitute() only look at whole
      // path segments and whole JSON strings).
      it('bulkId references inside a PATCH path filter are resolved (RFC 7644 §3.7.2)', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            Operations: [
              { method: 'POST', path: '/Users', bulkId: 'u', data: { schemas: [USER], userName: 'bulk-member' } },
              { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP], displayName: 'BG', members: [{ value: 'bulkId:u' }] } },
              { method: 'PATCH', path: '/Groups/bulkId:g', data: patchOp({ op: 'remove', path: 'members[value eq "bulkId:u"]' }) },
            ],
          })
          .expect(200)
        const gid = String((res.body.Operations as Json[])[1]!.location).split('/').pop()!
        assert.deepEqual(await membersOf(gid), [])
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('renames and identifiers', () => {
      it('renaming a user to its own name in another case is not a conflict (PUT and PATCH)', async () => {
        const u = await newUser('casey@example.com')
        const put = await c.put(`/Users/${u.id}`, { schemas: [USER], userName: 'Casey@Example.com' }).expect(200)
        assert.equal(put.body.userName, 'Casey@Example.com')
        const patched = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'userName', value: 'CASEY@example.com' })).expect(200)
        assert.equal(patched.body.userName, 'CASEY@example.com')
        const found = await c.get(`/Users?filter=${q('userName eq "casey@EXAMPLE.com"')}`).expect(200)
        assert.equal(found.body.totalResults, 1)
      })

      it('externalId can be changed by PATCH and PUT and is then found by it', async () => {
        const u = await newUser('ext', { externalId: 'a' })
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'externalId', value: 'b' })).expect(200)
        assert.equal((await c.get(`/Users?filter=${q('externalId eq "b"')}`).expect(200)).body.totalResults, 1)
        await c.put(`/Users/${u.id}`, { schemas: [USER], userName: 'ext', externalId: 'c' }).expect(200)
        assert.equal((await c.get(`/Users?filter=${q('externalId eq "b"')}`).expect(200)).body.totalResults, 0)
        assert.equal((await c.get(`/Users?filter=${q('externalId eq "c"')}`).expect(200)).body.totalResults, 1)
      })
    })

    // -------------------------------------------------------------------------------------------
    describe('cursor page size', () => {
      // RFC 9865 §2: count is "A positive integer"; "Service providers supporting cursor-based
      // pagination MUST include nextCursor in all paged query responses except when returning the last
      // page. nextCursor is omitted from a response only to indicate that there are no more result
      // pages." An empty page without nextCursor would read as "done", so count < 1 is refused.
      it('cursor=&count=0 is refused with invalidCount rather than read as the last page (RFC 9865 §2)', async () => {
        for (const n of ['a', 'b']) await newUser(n)
        assertScimError(await c.get('/Users?cursor=&count=0'), 400, 'invalidCount')
        assertScimError(await c.get('/Users?cursor=&count=-5'), 400, 'invalidCount')
      })
    })
  })
}

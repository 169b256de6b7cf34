/**
 * Identity-provider dialects (shared/IDP-DIALECTS.md): each documented request shape replayed per
 * IdP. By default every one is accepted and means what the IdP meant; in a tenant's strict mode the
 * deviations from RFC 7644 are refused with 400.
 */
import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { ENTERPRISE, GROUP, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

for (const backend of backends()) {
  describe(`IdP dialects on ${backend.name}`, function () {
    let fx: ScimFixture
    before(async () => {
      fx = await scimFixture(backend)
    })
    after(async () => fx?.dispose())

    const user = async (c: ScimClient, userName: string, extra: Record<string, unknown> = {}) =>
      (await c.post('/Users', { schemas: [USER], userName, ...extra }).expect(201)).body as Record<string, unknown> & { id: string }
    const group = async (c: ScimClient, displayName: string, members: string[]) =>
      (await c.post('/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) }).expect(201)).body as { id: string }
    const members = async (c: ScimClient, id: string) =>
      ((await c.get(`/Groups/${id}`).expect(200)).body.members ?? []).map((m: { value: string }) => m.value).sort() as string[]

    describe('Microsoft Entra ID', () => {
      let c: ScimClient
      beforeEach(async () => {
        c = await fx.client()
      })

      it('matches before create on userName, externalId and the work email', async () => {
        const u = await user(c, 'ann@contoso.com', { externalId: 'ext-1', emails: [{ type: 'work', value: 'ann@contoso.com', primary: true }] })
        for (const filter of ['userName eq "ann@contoso.com"', 'externalId eq "ext-1"', 'emails[type eq "work"].value eq "ann@contoso.com"']) {
          const res = await c.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)
          assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [u.id], filter)
        }
        const g = await group(c, 'Sales', [])
        const res = await c.get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Sales"')}`).expect(200)
        assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [g.id])
      })

      it('accepts capitalised ops and booleans sent as strings', async () => {
        const u = await user(c, 'bool')
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })).expect(200)
        assert.equal(res.body.active, false)
        const back = await c.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' })).expect(200)
        assert.equal(back.body.active, true)
      })

      it('removes exactly the members listed in value, never the whole group', async () => {
        const [a, b, d] = [await user(c, 'a'), await user(c, 'b'), await user(c, 'd')]
        const g = await group(c, 'Team', [a.id, b.id, d.id])
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: a.id }, { value: d.id }] })).expect(204)
        assert.deepEqual(await members(c, g.id), [b.id])
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: a.id }] })).expect(204)
        assert.deepEqual(await members(c, g.id), [a.id, b.id].sort())
      })

      it('takes a value object keyed by dotted paths and extension URNs', async () => {
        const u = await user(c, 'keys')
        const res = await c
          .patch(`/Users/${u.id}`, patchOp({ op: 'Replace', value: { 'name.givenName': 'Ann', 'name.familyName': 'Smith', [`${ENTERPRISE}:department`]: 'Sales', displayName: 'Ann Smith' } }))
          .expect(200)
        assert.deepEqual(res.body.name, { givenName: 'Ann', familyName: 'Smith' })
        assert.equal(res.body[ENTERPRISE].department, 'Sales')
        assert.equal(res.body.displayName, 'Ann Smith')
      })

      it('creates the element when replacing through a filter that matches none', async () => {
        const u = await user(c, 'mail')
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'mail@contoso.com' })).expect(200)
        assert.deepEqual(res.body.emails, [{ type: 'work', value: 'mail@contoso.com' }])
        const again = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' })).expect(200)
        assert.deepEqual(again.body.emails, [{ type: 'work', value: 'new@contoso.com' }])
      })

      it('sets the manager from a bare id', async () => {
        const boss = await user(c, 'boss')
        const u = await user(c, 'report')
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.id })).expect(200)
        assert.equal(res.body[ENTERPRISE].manager.value, boss.id)
      })

      it('deprovisions softly, then deletes', async () => {
        const u = await user(c, 'leaver')
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: false })).expect(200)
        await c.delete(`/Users/${u.id}`).expect(204)
        await c.get(`/Users/${u.id}`).expect(404)
      })
    })

    describe('Okta', () => {
      let c: ScimClient
      beforeEach(async () => {
        c = await fx.client()
      })

      it('creates with a password, deactivates and reactivates without a path', async () => {
        const u = await user(c, 'okta@example.com', { password: 'Sup3r-secret', name: { givenName: 'O', familyName: 'K' }, active: true })
        assert.equal(u.password, undefined)
        const off = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { active: false } })).expect(200)
        assert.equal(off.body.active, false)
        const on = await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { active: true } })).expect(200)
        assert.equal(on.body.active, true)
      })

      it('updates a profile with a PUT of the whole user', async () => {
        const u = await user(c, 'put@example.com', { title: 'Old', nickName: 'Nick' })
        const res = await c.put(`/Users/${u.id}`, { schemas: [USER], id: u.id, userName: 'put@example.com', title: 'New', active: true }).expect(200)
        assert.equal(res.body.title, 'New')
        assert.equal(res.body.nickName, undefined)
      })

      it('pushes groups: create, rename with id in the value, add and remove members', async () => {
        const [a, b] = [await user(c, 'ga'), await user(c, 'gb')]
        const g = await group(c, 'Okta Group', [])
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'replace', value: { id: g.id, displayName: 'Renamed' } })).expect(204)
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: a.id, display: 'ga' }, { value: b.id, display: 'gb' }] })).expect(204)
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${a.id}"]` })).expect(204)
        const res = await c.get(`/Groups/${g.id}`).expect(200)
        assert.equal(res.body.displayName, 'Renamed')
        assert.deepEqual(res.body.members.map((m: { value: string }) => m.value), [b.id])
      })

      it('lists with startIndex and count, with the paging fields in every response', async () => {
        await user(c, 'l1')
        const res = await c.get('/Users?startIndex=1&count=100').expect(200)
        assert.equal(res.body.totalResults, 1)
        assert.equal(res.body.itemsPerPage, 1)
        assert.equal(res.body.startIndex, 1)
        const none = await c.get(`/Users?filter=${encodeURIComponent('userName eq "nobody"')}`).expect(200)
        assert.deepEqual([none.body.totalResults, none.body.itemsPerPage, none.body.startIndex, none.body.Resources], [0, 0, 1, []])
        await c.get('/Users/00000000-0000-4000-8000-000000000000').expect(404)
      })

      it('sends application/scim+json with a charset', async () => {
        await c.post('/Users').set('Content-Type', 'application/scim+json; charset=utf-8').send(JSON.stringify({ schemas: [USER], userName: 'charset' })).expect(201)
      })
    })

    describe('strict mode', () => {
      let c: ScimClient
      let u: { id: string }
      beforeEach(async () => {
        c = await fx.client({ strict: true })
        u = await user(c, 'strict')
      })

      const refused: Array<[string, (c: ScimClient, id: string) => Promise<{ status: number }>]> = [
        ['capitalised op', (c, id) => c.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'title', value: 'x' }))],
        ['boolean as string', (c, id) => c.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'active', value: 'False' }))],
        ['dotted keys in a path-less value', (c, id) => c.patch(`/Users/${id}`, patchOp({ op: 'replace', value: { 'name.givenName': 'A' } }))],
        ['filtered replace with no match', (c, id) => c.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'emails[type eq "work"].value', value: 'a@b.c' }))],
        ['manager as a bare id', (c, id) => c.patch(`/Users/${id}`, patchOp({ op: 'add', path: `${ENTERPRISE}:manager`, value: id }))],
        ['sub-attribute after a value filter in a filter', (c) => c.get(`/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "a@b.c"')}`)],
      ]
      for (const [name, send] of refused) {
        it(`refuses ${name}`, async () => {
          const res = await send(c, u.id)
          assert.equal(res.status, 400)
        })
      }

      it('refuses member removal with a value list, and keeps the members', async () => {
        const g = await group(c, 'Strict', [u.id])
        const res = await c.patch(`/Groups/${g.id}`, patchOp({ op: 'remove', path: 'members', value: [{ value: u.id }] }))
        assert.equal(res.status, 400)
        assert.deepEqual(await members(c, g.id), [u.id])
      })

      it('still accepts the RFC forms', async () => {
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'active', value: false })).expect(200)
        await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'emails', value: [{ type: 'work', value: 'a@b.c' }] })).expect(200)
        await c.get(`/Users?filter=${encodeURIComponent('emails[type eq "work" and value eq "a@b.c"]')}`).expect(200)
      })
    })
  })
}

/**
 * Attributes not in the tenant's schema (issue 14, item 2). Lenient mode (the default) ignores them
 * and the change's audit event lists them under `ignored`, so nothing an IdP sent vanishes without a
 * trace; strict mode refuses them with the RFC's 400, as before. Unknown names only: wrong values of
 * known attributes and a malformed message stay 400 in both modes.
 */
import assert from 'node:assert/strict'
import type { AuditEvent } from '../../src/domain/audit/model.js'
import { auditJson } from '../../src/admin/audit-api.js'
import { backends } from '../support/stores.js'
import { BULK_REQUEST, ENTERPRISE, GROUP, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

const IDP_EXTENSION = 'urn:example:idp:scim:schemas:extension:custom:2.0:User'

for (const backend of backends()) {
  describe(`unknown attributes on ${backend.name}`, function () {
    let fx: ScimFixture
    before(async () => {
      fx = await scimFixture(backend)
    })
    after(async () => fx?.dispose())

    /** The tenant's audit events of `action` on `id`, newest first. */
    const events = async (c: ScimClient, action: string, id: string): Promise<AuditEvent[]> =>
      (await fx.t.store.audit.list(c.tenant.id, { limit: 50, action, resourceId: id })).items

    const misspelt = {
      schemas: [USER, ENTERPRISE, IDP_EXTENSION],
      userName: 'ann',
      adreses: [{ locality: 'Berlin' }],
      name: { givenName: 'Ann', middel: 'B' },
      [ENTERPRISE]: { department: 'Sales', costCenterX: '42' },
      [IDP_EXTENSION]: { badge: 'B-7' },
    }
    const MISSPELT_PATHS = ['adreses', 'name.middel', `${ENTERPRISE}:costCenterX`, IDP_EXTENSION]

    describe('lenient mode (default)', () => {
      let c: ScimClient
      beforeEach(async () => {
        c = await fx.client()
      })

      it('POST creates the user without them, and the audit event lists each', async () => {
        const res = await c.post('/Users', misspelt).expect(201)
        assert.equal(res.body.userName, 'ann')
        assert.deepEqual(res.body.name, { givenName: 'Ann' })
        assert.deepEqual(res.body[ENTERPRISE], { department: 'Sales' })
        assert.deepEqual(res.body.schemas, [USER, ENTERPRISE])
        assert.equal(res.body.adreses, undefined)
        assert.equal(res.body[IDP_EXTENSION], undefined)
        const [created] = await events(c, 'user.create', res.body.id)
        assert.ok(created)
        assert.deepEqual([...(created.changes?.ignored ?? [])].sort(), [...MISSPELT_PATHS].sort())
        assert.deepEqual([...auditJson(created).ignored].sort(), [...MISSPELT_PATHS].sort())
        assert.ok(!created.changes?.attributes.some((a) => /adreses|middel|costCenterX|idp/.test(a)))
      })

      it('PUT replaces the user without them, and the audit event lists each', async () => {
        const u = (await c.post('/Users', { schemas: [USER], userName: 'bob' }).expect(201)).body
        const res = await c.put(`/Users/${u.id}`, { ...misspelt, userName: 'bob', title: 'Boss' }).expect(200)
        assert.equal(res.body.title, 'Boss')
        assert.equal(res.body.adreses, undefined)
        const [updated] = await events(c, 'user.update', u.id)
        assert.ok(updated)
        assert.deepEqual([...(updated.changes?.ignored ?? [])].sort(), [...MISSPELT_PATHS].sort())
        // The create event, before any of them, lists none.
        const [created] = await events(c, 'user.create', u.id)
        assert.equal(created?.changes?.ignored, undefined)
        assert.deepEqual(auditJson(created!).ignored, [])
      })

      it('PATCH applies the known attributes, ignores the unknown ones (values, paths, removes) and lists them', async () => {
        const u = (await c.post('/Users', { schemas: [USER, ENTERPRISE], userName: 'cy', [ENTERPRISE]: { department: 'Ops' } }).expect(201)).body
        const res = await c
          .patch(
            `/Users/${u.id}`,
            patchOp(
              { op: 'replace', value: { title: 'Lead', adreses: 'x', 'name.middel': 'C' } },
              { op: 'add', path: `${ENTERPRISE}:costCenterX`, value: '42' },
              { op: 'replace', path: 'name.middel', value: 'C' },
              { op: 'remove', path: 'favoriteColor' },
              { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' },
            ),
          )
          .expect(200)
        assert.equal(res.body.title, 'Lead')
        assert.deepEqual(res.body[ENTERPRISE], { department: 'Sales' })
        assert.equal(res.body.name, undefined)
        const [updated] = await events(c, 'user.update', u.id)
        assert.ok(updated)
        assert.deepEqual([...(updated.changes?.ignored ?? [])].sort(), ['adreses', 'favoriteColor', 'name.middel', `${ENTERPRISE}:costCenterX`].sort())
        assert.deepEqual(updated.changes?.attributes, ['title', `${ENTERPRISE}:department`].sort())
      })

      it('a PATCH of unknown attributes only changes nothing: 200, same version, no audit event', async () => {
        const u = (await c.post('/Users', { schemas: [USER], userName: 'dee' }).expect(201)).body
        const res = await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'adreses', value: 'x' }, { op: 'remove', path: 'name.middel' })).expect(200)
        assert.equal(res.body.meta.version, u.meta.version)
        assert.deepEqual(await events(c, 'user.update', u.id), [])
      })

      it('Groups too: POST and PATCH ignore them and their audit events list them', async () => {
        const g = (await c.post('/Groups', { schemas: [GROUP], displayName: 'Team', descriptoin: 'x' }).expect(201)).body
        assert.equal(g.descriptoin, undefined)
        const [created] = await events(c, 'group.create', g.id)
        assert.deepEqual(created?.changes?.ignored, ['descriptoin'])
        await c.patch(`/Groups/${g.id}`, patchOp({ op: 'replace', value: { displayName: 'Team 2', owner: 'ann' } })).expect(204)
        const [updated] = await events(c, 'group.update', g.id)
        assert.deepEqual(updated?.changes?.ignored, ['owner'])
        assert.equal((await c.get(`/Groups/${g.id}`).expect(200)).body.displayName, 'Team 2')
      })

      it('Bulk: each operation\'s audit event lists only what that operation ignored', async () => {
        const res = await c
          .post('/Bulk', {
            schemas: [BULK_REQUEST],
            Operations: [
              { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [USER], userName: 'bulk-a', adreses: 'x' } },
              { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: [USER], userName: 'bulk-b', favoriteColor: 'red' } },
              { method: 'PATCH', path: '/Users/bulkId:a', data: patchOp({ op: 'replace', value: { title: 'T', nickName2: 'x' } }) },
            ],
          })
          .expect(200)
        assert.deepEqual(res.body.Operations.map((o: { status: string }) => o.status), ['201', '201', '200'])
        const idOf = (i: number) => String(res.body.Operations[i].location).split('/').pop()!
        assert.deepEqual((await events(c, 'user.create', idOf(0)))[0]?.changes?.ignored, ['adreses'])
        assert.deepEqual((await events(c, 'user.create', idOf(1)))[0]?.changes?.ignored, ['favoriteColor'])
        assert.deepEqual((await events(c, 'user.update', idOf(0)))[0]?.changes?.ignored, ['nickName2'])
      })

      it('still refuses wrong values of known attributes and malformed messages', async () => {
        const u = (await c.post('/Users', { schemas: [USER], userName: 'eve' }).expect(201)).body
        const refused = async (res: { status: number; body: { scimType?: string; detail?: string } }, scimType: string, detail: RegExp) => {
          assert.equal(res.status, 400, JSON.stringify(res.body))
          assert.equal(res.body.scimType, scimType)
          assert.match(res.body.detail ?? '', detail)
        }
        await refused(await c.post('/Users', { schemas: [USER], userName: 'f', adreses: 'x', active: 'maybe' }), 'invalidValue', /active must be a boolean/)
        await refused(await c.post('/Users', { userName: 'f', adreses: 'x' }), 'invalidSyntax', /"schemas"/)
        await refused(await c.post('/Users', [{ userName: 'f' }]), 'invalidSyntax', /JSON object/)
        await refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { adreses: 'x', name: 'Eve' } })), 'invalidValue', /name must be an object/)
        await refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'meta.created', value: 'x' })), 'mutability', /set by the server/)
        assert.deepEqual(await events(c, 'user.update', u.id), [])
      })
    })

    describe('strict mode', () => {
      let c: ScimClient
      beforeEach(async () => {
        c = await fx.client({ strict: true })
      })

      const refused = (res: { status: number; body: { scimType?: string; detail?: string } }, scimType: string, detail: RegExp) => {
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.equal(res.body.scimType, scimType)
        assert.match(res.body.detail ?? '', detail)
      }

      it('POST and PUT refuse each kind of unknown attribute (invalidSyntax), creating nothing', async () => {
        const base = { schemas: [USER, ENTERPRISE], userName: 'ann' }
        refused(await c.post('/Users', { ...base, adreses: [] }), 'invalidSyntax', /unknown attribute adreses/)
        refused(await c.post('/Users', { ...base, name: { middel: 'B' } }), 'invalidSyntax', /unknown attribute name\.middel/)
        refused(await c.post('/Users', { ...base, [ENTERPRISE]: { costCenterX: '42' } }), 'invalidSyntax', new RegExp(`unknown attribute ${ENTERPRISE}:costCenterX`))
        refused(await c.post('/Users', { ...base, schemas: [USER, IDP_EXTENSION], [IDP_EXTENSION]: { badge: 'x' } }), 'invalidSyntax', new RegExp(`unknown schema ${IDP_EXTENSION}`))
        refused(await c.post('/Users', { schemas: [USER], userName: 'ann', [IDP_EXTENSION]: { badge: 'x' } }), 'invalidSyntax', /unknown attribute/)
        assert.equal((await c.get('/Users').expect(200)).body.totalResults, 0)
        const u = (await c.post('/Users', base).expect(201)).body
        refused(await c.put(`/Users/${u.id}`, { ...base, adreses: [] }), 'invalidSyntax', /unknown attribute adreses/)
      })

      it('PATCH refuses unknown value keys (invalidSyntax) and paths (invalidPath), for remove too', async () => {
        const u = (await c.post('/Users', { schemas: [USER], userName: 'bob' }).expect(201)).body
        refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', value: { adreses: 'x' } })), 'invalidSyntax', /unknown attribute "adreses"/)
        refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: 'adreses', value: 'x' })), 'invalidPath', /unknown attribute "adreses"/)
        refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'replace', path: 'name.middel', value: 'x' })), 'invalidPath', /unknown attribute "name.middel"/)
        refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: `${ENTERPRISE}:costCenterX`, value: 'x' })), 'invalidPath', /unknown attribute/)
        refused(await c.patch(`/Users/${u.id}`, patchOp({ op: 'remove', path: 'favoriteColor' })), 'invalidPath', /unknown attribute "favoriteColor"/)
        assert.deepEqual(await events(c, 'user.update', u.id), [])
      })
    })
  })
}

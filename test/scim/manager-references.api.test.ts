/**
 * Enterprise `manager` references that name no user yet (issue 14; ManagerReference in
 * src/domain/identity/model.ts). Lenient mode keeps them as sent and points them at the user they
 * name when that user is created; strict mode refuses them with 400 invalidValue, as RFC 7643 §4.3
 * reads.
 */
import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { ENTERPRISE, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

const withManager = (userName: string, value: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER, ENTERPRISE],
  userName,
  ...extra,
  [ENTERPRISE]: { department: 'Sales', manager: { value } },
})

const managerOf = (body: Record<string, unknown>) => (body[ENTERPRISE] as { manager?: Record<string, unknown> } | undefined)?.manager

for (const backend of backends()) {
  describe(`manager references on ${backend.name}`, function () {
    let fx: ScimFixture
    before(async () => {
      fx = await scimFixture(backend)
    })
    after(async () => fx?.dispose())

    describe('lenient mode (default)', () => {
      let c: ScimClient
      beforeEach(async () => {
        c = await fx.client()
      })

      it('keeps a manager naming no user as sent, and a PUT resending it succeeds', async () => {
        const res = await c.post('/Users', withManager('report@example.com', 'SuzzyQ')).expect(201)
        assert.deepEqual(managerOf(res.body), { value: 'SuzzyQ' })
        const read = await c.get(`/Users/${res.body.id}`).expect(200)
        assert.deepEqual(managerOf(read.body), { value: 'SuzzyQ' })
        const put = await c.put(`/Users/${res.body.id}`, withManager('report@example.com', 'SuzzyQ', { title: 'Rep' })).expect(200)
        assert.deepEqual(managerOf(put.body), { value: 'SuzzyQ' })
        assert.equal(put.body.title, 'Rep')
      })

      it('points the reference at a user created later with that externalId, auditing the change', async () => {
        const report = (await c.post('/Users', withManager('r1@example.com', 'SuzzyQ')).expect(201)).body
        const before = (await c.get(`/Users/${report.id}`).expect(200)).body.meta.version
        const boss = (await c.post('/Users', { schemas: [USER], userName: 'suzy@example.com', externalId: 'SuzzyQ' }).expect(201)).body
        const after = (await c.get(`/Users/${report.id}`).expect(200)).body
        assert.equal(managerOf(after)?.value, boss.id)
        assert.notEqual(after.meta.version, before, 'the report changed: its version moved')
        const events = (await fx.t.store.audit.list(c.tenant.id, { limit: 10, resourceId: report.id })).items
        const change = events.find((e) => e.action === 'user.update')
        assert.deepEqual(change?.changes, {
          attributes: [`${ENTERPRISE}:manager`],
          before: { [`${ENTERPRISE}:manager`]: { value: 'SuzzyQ' } },
          after: { [`${ENTERPRISE}:manager`]: { value: boss.id } },
        })
        // The IdP resending its own value afterwards changes nothing.
        const put = await c.put(`/Users/${report.id}`, withManager('r1@example.com', 'SuzzyQ')).expect(200)
        assert.equal(managerOf(put.body)?.value, boss.id)
        assert.equal(put.body.meta.version, after.meta.version)
      })

      it('points the reference at a user created later with that userName, compared by its canonical form', async () => {
        const report = (await c.post('/Users', withManager('r2@example.com', 'Boss@Example.com ')).expect(201)).body
        const other = (await c.post('/Users', withManager('r3@example.com', 'boss@example.com')).expect(201)).body
        const boss = (await c.post('/Users', { schemas: [USER], userName: 'ＢＯＳＳ@example.com' }).expect(201)).body
        assert.equal(managerOf((await c.get(`/Users/${report.id}`).expect(200)).body)?.value, boss.id)
        assert.equal(managerOf((await c.get(`/Users/${other.id}`).expect(200)).body)?.value, boss.id)
      })

      it('leaves the unresolved set when a PUT or PATCH names a real user, or removes the manager', async () => {
        const real = (await c.post('/Users', { schemas: [USER], userName: 'real@example.com' }).expect(201)).body
        const a = (await c.post('/Users', withManager('a@example.com', 'ghost')).expect(201)).body
        const b = (await c.post('/Users', withManager('b@example.com', 'ghost')).expect(201)).body
        await c.patch(`/Users/${a.id}`, patchOp({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: real.id })).expect(200)
        await c.patch(`/Users/${b.id}`, patchOp({ op: 'remove', path: `${ENTERPRISE}:manager` })).expect(200)
        // The user they once named arrives: neither report moves.
        await c.post('/Users', { schemas: [USER], userName: 'ghost@example.com', externalId: 'ghost' }).expect(201)
        assert.equal(managerOf((await c.get(`/Users/${a.id}`).expect(200)).body)?.value, real.id)
        assert.equal(managerOf((await c.get(`/Users/${b.id}`).expect(200)).body), undefined)
      })

      it('resolves at write time a value naming an existing user by externalId', async () => {
        const boss = (await c.post('/Users', { schemas: [USER], userName: 'chief@example.com', externalId: 'okta-chief' }).expect(201)).body
        const res = await c.post('/Users', withManager('r4@example.com', 'okta-chief')).expect(201)
        assert.equal(managerOf(res.body)?.value, boss.id)
      })

      it('still refuses a user as their own manager, by id, externalId or userName', async () => {
        const me = (await c.post('/Users', { schemas: [USER], userName: 'me@example.com', externalId: 'me-ext' }).expect(201)).body
        const refused = await c.patch(`/Users/${me.id}`, patchOp({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: me.id })).expect(400)
        assert.equal(refused.body.scimType, 'invalidValue')
        await c.patch(`/Users/${me.id}`, patchOp({ op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'me-ext' })).expect(400)
        await c.post('/Users', withManager('self@example.com', 'SELF@example.com')).expect(400)
        await c.post('/Users', withManager('self2@example.com', 'own-ext', { externalId: 'own-ext' })).expect(400)
      })

      it('a deleted manager leaves their reports without a manager, as before', async () => {
        const boss = (await c.post('/Users', { schemas: [USER], userName: 'gone@example.com' }).expect(201)).body
        const report = (await c.post('/Users', withManager('r5@example.com', boss.id)).expect(201)).body
        await c.delete(`/Users/${boss.id}`).expect(204)
        assert.equal(managerOf((await c.get(`/Users/${report.id}`).expect(200)).body), undefined)
      })
    })

    describe('strict mode', () => {
      it('refuses a manager naming no user with 400 invalidValue', async () => {
        const c = await fx.client({ strict: true })
        const res = await c.post('/Users', withManager('report@example.com', 'SuzzyQ')).expect(400)
        assert.equal(res.body.scimType, 'invalidValue')
        assert.match(res.body.detail, /SuzzyQ/)
        const u = (await c.post('/Users', { schemas: [USER], userName: 'u@example.com' }).expect(201)).body
        assert.equal((await c.put(`/Users/${u.id}`, withManager('u@example.com', 'SuzzyQ')).expect(400)).body.scimType, 'invalidValue')
        // A real id is fine.
        const boss = (await c.post('/Users', { schemas: [USER], userName: 'boss@example.com', externalId: 'SuzzyQ' }).expect(201)).body
        assert.equal(managerOf((await c.put(`/Users/${u.id}`, withManager('u@example.com', boss.id)).expect(200)).body)?.value, boss.id)
        // ...but not its externalId: strict mode takes ids only.
        await c.put(`/Users/${u.id}`, withManager('u@example.com', 'SuzzyQ')).expect(400)
      })
    })
  })
}

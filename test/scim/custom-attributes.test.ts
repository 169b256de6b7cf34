/**
 * A tenant's custom user attributes over SCIM: the tenant extension schema in /Schemas and
 * /ResourceTypes (for that tenant only), values written by create, replace and PATCH, checked
 * against the definitions, returned, and filtered on.
 */
import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { LIST, USER, patchOp, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'
import { newUser, signInActor } from '../support/sign-in.js'
import { assignRole } from '../../src/domain/access/roles.js'
import { defineAttributeAs, deleteAttributeAs, updateAttributeAs } from '../../src/domain/administration/attributes.js'
import { type AttributeInput } from '../../src/domain/identity/custom-attributes.js'
import { CUSTOM_ATTRIBUTES_URN as EXT } from '../../src/domain/identity/custom-attribute-model.js'
import type { Operator } from '../../src/domain/access/operator.js'
import type { Store } from '../../src/domain/store.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

async function operator(store: Store, c: ScimClient): Promise<Operator> {
  const user = await newUser(store, c.tenant, `admin-${Math.random().toString(36).slice(2, 8)}`)
  await assignRole(store, { tenant: c.tenant, actor: signInActor, requestId: null }, 'Administrator', { type: 'User', id: user.id, label: user.userName })
  return { tenant: c.tenant, user, requestId: null }
}

const CONTACT_CENTRE: AttributeInput[] = [
  { name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2'] },
  { name: 'costCentre', label: 'Cost centre', type: 'text', required: true },
  { name: 'softPhone', label: 'Soft phone', type: 'boolean', description: 'Uses the browser phone' },
]

for (const backend of backends()) {
  describe(`SCIM custom attributes on ${backend.name}`, function () {
    let fx: ScimFixture
    let c: ScimClient
    let op: Operator
    before(async () => {
      fx = await scimFixture(backend)
    })
    beforeEach(async () => {
      c = await fx.client()
      op = await operator(fx.t.store, c)
      for (const a of CONTACT_CENTRE) await defineAttributeAs(fx.t.store, op, a)
    })
    after(async () => fx?.dispose())

    it('lists the tenant extension in /Schemas and /ResourceTypes; a tenant without definitions sees none', async () => {
      const schemas = (await c.get('/Schemas').expect(200)).body
      const ext = schemas.Resources.find((s: Json) => s.id === EXT)
      assert.ok(ext, 'listed')
      assert.deepEqual(
        ext.attributes.map((a: Json) => [a.name, a.type, a.required, a.mutability, a.returned, a.canonicalValues]),
        [
          ['routingProfile', 'string', false, 'readWrite', 'default', ['Tier 1', 'Tier 2']],
          ['costCentre', 'string', false, 'readWrite', 'default', undefined],
          ['softPhone', 'boolean', false, 'readWrite', 'default', undefined],
        ],
      )
      assert.equal((await c.get(`/Schemas/${EXT}`).expect(200)).body.meta.location, `http://localhost:3000/scim/v2/Schemas/${EXT}`)
      const user = (await c.get('/ResourceTypes/User').expect(200)).body
      assert.deepEqual(user.schemaExtensions.map((e: Json) => [e.schema, e.required]).pop(), [EXT, false])

      const other = await fx.client()
      const otherSchemas = (await other.get('/Schemas').expect(200)).body
      assert.equal(otherSchemas.Resources.some((s: Json) => s.id === EXT), false)
      await other.get(`/Schemas/${EXT}`).expect(404)
      assert.equal((await other.get('/ResourceTypes/User').expect(200)).body.schemaExtensions.some((e: Json) => e.schema === EXT), false)
      // Another tenant's extension is an unknown schema there: ignored (lenient), refused (strict).
      const ignored = await other.post('/Users', { schemas: [USER, EXT], userName: 'x', [EXT]: { costCentre: 'A' } }).expect(201)
      assert.equal(ignored.body[EXT], undefined)
      assert.deepEqual(ignored.body.schemas, [USER])
      const strict = await fx.client({ strict: true })
      const refused = await strict.post('/Users', { schemas: [USER, EXT], userName: 'x', [EXT]: { costCentre: 'A' } }).expect(400)
      assert.equal(refused.body.scimType, 'invalidSyntax')
    })

    it('creates, replaces and patches values and returns them; required is not enforced over SCIM', async () => {
      const created = (await c.post('/Users', { schemas: [USER, EXT], userName: 'ann', [EXT]: { routingProfile: 'Tier 1', costCentre: 'CC-7', softPhone: true } }).expect(201)).body
      assert.deepEqual(created[EXT], { routingProfile: 'Tier 1', costCentre: 'CC-7', softPhone: true })
      assert.ok(created.schemas.includes(EXT))
      const bare = (await c.post('/Users', { schemas: [USER], userName: 'bob' }).expect(201)).body
      assert.equal(bare[EXT], undefined, 'an IdP that sends none still provisions')

      const replaced = (await c.put(`/Users/${created.id}`, { schemas: [USER, EXT], userName: 'ann', [EXT]: { routingProfile: 'Tier 2' } }).expect(200)).body
      assert.deepEqual(replaced[EXT], { routingProfile: 'Tier 2' })

      const patched = (
        await c
          .patch(`/Users/${created.id}`, patchOp({ op: 'add', path: `${EXT}:costCentre`, value: 'CC-9' }, { op: 'replace', path: `${EXT}:softPhone`, value: false }, { op: 'remove', path: `${EXT}:routingProfile` }))
          .expect(200)
      ).body
      assert.deepEqual(patched[EXT], { costCentre: 'CC-9', softPhone: false })
      const noPath = (await c.patch(`/Users/${created.id}`, patchOp({ op: 'replace', value: { [EXT]: { routingProfile: 'Tier 1' } } })).expect(200)).body
      assert.equal(noPath[EXT].routingProfile, 'Tier 1')
      assert.deepEqual((await c.get(`/Users/${created.id}`).expect(200)).body[EXT], { costCentre: 'CC-9', softPhone: false, routingProfile: 'Tier 1' })
    })

    it('refuses wrong types, values outside the choices, over-long text and unknown attributes', async () => {
      const cases: Array<[Json, string]> = [
        [{ routingProfile: 'Tier 3' }, 'invalidValue'],
        [{ routingProfile: 'tier 1' }, 'invalidValue'],
        [{ costCentre: 42 }, 'invalidValue'],
        [{ costCentre: 'x'.repeat(1025) }, 'invalidValue'],
        [{ softPhone: 'maybe' }, 'invalidValue'],
        [{ nickname: 'x', costCentre: 42 }, 'invalidValue'],
      ]
      for (const [values, scimType] of cases) {
        const res = await c.post('/Users', { schemas: [USER, EXT], userName: `u${Math.random()}`, [EXT]: values }).expect(400)
        assert.equal(res.body.scimType, scimType, JSON.stringify(values))
      }
      const u = (await c.post('/Users', { schemas: [USER], userName: 'carol' }).expect(201)).body
      assert.equal((await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: `${EXT}:routingProfile`, value: 'Nope' })).expect(400)).body.scimType, 'invalidValue')
      assert.equal((await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: `${EXT}:softPhone`, value: 3 })).expect(400)).body.scimType, 'invalidValue')
    })

    it('ignores attributes the tenant has not defined (lenient), and refuses them in strict mode', async () => {
      const created = (await c.post('/Users', { schemas: [USER, EXT], userName: 'dan', [EXT]: { costCentre: 'CC-1', nickname: 'x' } }).expect(201)).body
      assert.deepEqual(created[EXT], { costCentre: 'CC-1' })
      const patched = (await c.patch(`/Users/${created.id}`, patchOp({ op: 'add', path: `${EXT}:nickname`, value: 'x' })).expect(200)).body
      assert.deepEqual(patched[EXT], { costCentre: 'CC-1' })

      const strict = await fx.client({ strict: true })
      const strictOp = await operator(fx.t.store, strict)
      for (const a of CONTACT_CENTRE) await defineAttributeAs(fx.t.store, strictOp, a)
      const refused = await strict.post('/Users', { schemas: [USER, EXT], userName: 'dan', [EXT]: { costCentre: 'CC-1', nickname: 'x' } }).expect(400)
      assert.equal(refused.body.scimType, 'invalidSyntax')
      const u = (await strict.post('/Users', { schemas: [USER], userName: 'erin' }).expect(201)).body
      const unknown = await strict.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: `${EXT}:nickname`, value: 'x' })).expect(400)
      assert.equal(unknown.body.scimType, 'invalidPath')
    })

    it('filters on values', async () => {
      await c.post('/Users', { schemas: [USER, EXT], userName: 'dan', [EXT]: { routingProfile: 'Tier 2', costCentre: 'North', softPhone: true } }).expect(201)
      await c.post('/Users', { schemas: [USER, EXT], userName: 'eve', [EXT]: { routingProfile: 'Tier 1', costCentre: 'South' } }).expect(201)
      const names = async (filter: string) => ((await c.get(`/Users?filter=${encodeURIComponent(filter)}`).expect(200)).body as Json).Resources.map((r: Json) => r.userName).sort()
      assert.deepEqual(await names(`${EXT}:routingProfile eq "Tier 2"`), ['dan'])
      assert.deepEqual(await names(`${EXT}:costCentre sw "so"`), ['eve'])
      assert.deepEqual(await names(`${EXT}:softPhone eq true`), ['dan'])
      assert.deepEqual(await names(`${EXT}:costCentre pr`), ['dan', 'eve'])
      const list = (await c.get(`/Users?filter=${encodeURIComponent(`${EXT}:routingProfile eq "Tier 1"`)}`).expect(200)).body
      assert.deepEqual(list.schemas, [LIST])
      assert.equal((await c.get(`/Users?filter=${encodeURIComponent(`${EXT}:nickname eq "x"`)}`).expect(400)).body.scimType, 'invalidFilter')
    })

    it('follows definition changes at once: a new attribute is writable, a deleted one is gone, a stored value stays writable', async () => {
      const u = (await c.post('/Users', { schemas: [USER, EXT], userName: 'fay', [EXT]: { routingProfile: 'Tier 1' } }).expect(201)).body
      const phoneType = await defineAttributeAs(fx.t.store, op, { name: 'phoneType', label: 'Phone type', type: 'choice', choices: ['Desk', 'Soft'] })
      await c.patch(`/Users/${u.id}`, patchOp({ op: 'add', path: `${EXT}:phoneType`, value: 'Desk' })).expect(200)
      await deleteAttributeAs(fx.t.store, op, phoneType.id, { purge: true })
      const after = (await c.get(`/Users/${u.id}`).expect(200)).body
      assert.deepEqual(after[EXT], { routingProfile: 'Tier 1' })
      assert.equal((await c.get('/Schemas').expect(200)).body.Resources.find((s: Json) => s.id === EXT).attributes.some((a: Json) => a.name === 'phoneType'), false)
      // A PUT that resends the stored values passes, whatever the definitions say now.
      const routing = (await c.get('/Schemas').expect(200)).body.Resources.find((s: Json) => s.id === EXT).attributes[0]
      assert.equal(routing.name, 'routingProfile')
      await updateAttributeAs(fx.t.store, op, (await fx.t.store.customAttributes.list(c.tenant.id))[1]!.id, { label: 'Cost center' })
      await c.put(`/Users/${u.id}`, { schemas: [USER, EXT], userName: 'fay', [EXT]: { routingProfile: 'Tier 1', costCentre: 'Z' } }).expect(200)
    })
  })
}

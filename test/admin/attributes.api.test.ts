/**
 * Custom user attributes through the admin API: definitions (settings.manage to change, users.view
 * to read), values on console create and edit checked against them (types, choices, required),
 * search by value, managed tenants refusing edits, every change audited.
 */
import assert from 'node:assert/strict'
import { adminSuiteHooks, apiAs, tenantWithAdmin, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { newUser, signInActor, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { CUSTOM_ATTRIBUTES_URN as EXT } from '../../src/domain/identity/custom-attribute-model.js'
import { updateUser } from '../../src/domain/identity/users.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`admin API: custom attributes on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let adminCookie: string
    const api = (cookie = adminCookie) => apiAs(app, cookie)
    const person = (userName: string, extra: Json = {}) => ({ firstName: 'Ann', lastName: 'Example', userName, email: `${userName}@example.com`, ...extra })
    const define = async (body: Json) => (await api().post('/attributes', body).expect(201)).body as Json

    adminSuiteHooks(backend, 'attrs', (s) => ({ t, app, tenant, cookie: adminCookie } = s))

    const withRole = async (role: string, userName: string) => (await userWithRole(t.store, app, tenant, role, userName)).cookie

    it('defines, lists, changes and deletes attributes', async () => {
      const routing = await define({ name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2'], description: 'Queue routing' })
      assert.deepEqual(
        { ...routing, id: undefined, created: undefined, modified: undefined },
        {
          id: undefined,
          name: 'routingProfile',
          label: 'Routing profile',
          type: 'choice',
          choices: ['Tier 1', 'Tier 2'],
          required: false,
          description: 'Queue routing',
          position: 0,
          scimPath: `${EXT}:routingProfile`,
          created: undefined,
          modified: undefined,
        },
      )
      const phone = await define({ name: 'softPhone', label: 'Soft phone', type: 'boolean' })
      assert.equal(phone.position, 1)
      await define({ name: 'securityProfile', label: 'Security profile', type: 'text', required: true, position: 0 })
      const list = (await api().get('/attributes').expect(200)).body.items as Json[]
      assert.deepEqual(list.map((a) => a.name), ['routingProfile', 'securityProfile', 'softPhone'])

      const changed = (await api().patch(`/attributes/${routing.id}`, { label: 'Routing', choices: ['Tier 1', 'Tier 2', 'Tier 3'], required: true }).expect(200)).body
      assert.deepEqual([changed.label, changed.choices, changed.required], ['Routing', ['Tier 1', 'Tier 2', 'Tier 3'], true])
      assert.equal((await api().patch(`/attributes/${routing.id}`, { name: 'renamed' }).expect(400)).body.field, 'name')
      assert.equal((await api().patch(`/attributes/${routing.id}`, { type: 'text' }).expect(400)).body.field, 'type')

      await api().delete(`/attributes/${phone.id}`).expect(204)
      await api().delete(`/attributes/${phone.id}`).expect(404)
      assert.deepEqual((await api().get('/attributes').expect(200)).body.items.map((a: Json) => a.name), ['routingProfile', 'securityProfile'])
    })

    it('needs settings.manage to change definitions (403 naming it); users.view reads them', async () => {
      const a = await define({ name: 'costCentre', label: 'Cost centre', type: 'text' })
      const viewer = await withRole('Viewer', 'vic')
      assert.deepEqual((await api(viewer).get('/attributes').expect(200)).body.items.map((x: Json) => x.name), ['costCentre'])
      for (const res of [
        await api(viewer).post('/attributes', { name: 'x', label: 'X', type: 'text' }).expect(403),
        await api(viewer).patch(`/attributes/${a.id}`, { label: 'Y' }).expect(403),
        await api(viewer).delete(`/attributes/${a.id}`).expect(403),
      ]) {
        assert.match(res.body.detail, /settings\.manage/)
      }
      const nobody = await withRole('General user', 'gus')
      assert.match((await api(nobody).get('/attributes').expect(403)).body.detail, /users\.view/)
    })

    it('validates definitions, naming the field at fault', async () => {
      const cases: Array<[Json, string]> = [
        [{ name: '9lives', label: 'X', type: 'text' }, 'name'],
        [{ name: 'has-dash', label: 'X', type: 'text' }, 'name'],
        [{ name: 'a'.repeat(65), label: 'X', type: 'text' }, 'name'],
        [{ name: 'ok', label: '', type: 'text' }, 'label'],
        [{ name: 'ok', label: 'X', type: 'number' }, 'type'],
        [{ name: 'ok', label: 'X', type: 'choice' }, 'choices'],
        [{ name: 'ok', label: 'X', type: 'choice', choices: [] }, 'choices'],
        [{ name: 'ok', label: 'X', type: 'choice', choices: ['A', 'A'] }, 'choices.1'],
        [{ name: 'ok', label: 'X', type: 'choice', choices: [' A'] }, 'choices.0'],
        [{ name: 'ok', label: 'X', type: 'choice', choices: Array.from({ length: 101 }, (_, i) => `c${i}`) }, 'choices'],
        [{ name: 'ok', label: 'X', type: 'text', choices: ['A'] }, 'choices'],
        [{ name: 'ok', label: 'X', type: 'text', extra: 1 }, 'extra'],
      ]
      for (const [body, field] of cases) {
        const res = await api().post('/attributes', body).expect(400)
        assert.equal(res.body.field, field, JSON.stringify(body))
      }
      await define({ name: 'costCentre', label: 'Cost centre', type: 'text' })
      const dup = await api().post('/attributes', { name: 'COSTCENTRE', label: 'Again', type: 'text' }).expect(409)
      assert.equal(dup.body.field, 'name')
    })

    it('takes values on create and edit, checks types, choices and required, and shows them', async () => {
      await define({ name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2'] })
      await define({ name: 'securityProfile', label: 'Security profile', type: 'text', required: true })
      await define({ name: 'softPhone', label: 'Soft phone', type: 'boolean' })

      const missing = await api().post('/users', person('ann', { attributes: { routingProfile: 'Tier 1' } })).expect(400)
      assert.equal(missing.body.field, 'attributes.securityProfile')
      assert.match(missing.body.detail, /Security profile is required/)
      const cases: Array<[Json, string]> = [
        [{ securityProfile: 'Agent', routingProfile: 'Tier 9' }, 'attributes.routingProfile'],
        [{ securityProfile: 'Agent', softPhone: 'yes' }, 'attributes.softPhone'],
        [{ securityProfile: true }, 'attributes.securityProfile'],
        [{ securityProfile: 'Agent', nickname: 'x' }, 'attributes.nickname'],
        [{ securityProfile: 'x'.repeat(1025) }, 'attributes.securityProfile'],
        [{ securityProfile: 'Agent', 'bad-name': 'x' }, 'attributes'],
      ]
      for (const [attributes, field] of cases) {
        const res = await api().post('/users', person('ann', { attributes })).expect(400)
        assert.equal(res.body.field, field, JSON.stringify(attributes))
      }

      const created = (await api().post('/users', person('ann', { attributes: { securityProfile: 'Agent', routingProfile: 'Tier 1', softPhone: true } })).expect(201)).body
      assert.deepEqual(created.attributes, { routingProfile: 'Tier 1', securityProfile: 'Agent', softPhone: true })
      const stored = await t.store.users.get(tenant.id, created.id)
      assert.deepEqual(stored!.resource[EXT], { securityProfile: 'Agent', routingProfile: 'Tier 1', softPhone: true }, 'under the SCIM extension')

      const edited = (await api().patch(`/users/${created.id}`, { attributes: { routingProfile: 'Tier 2', softPhone: null } }).expect(200)).body
      assert.deepEqual(edited.attributes, { routingProfile: 'Tier 2', securityProfile: 'Agent' })
      assert.equal((await api().patch(`/users/${created.id}`, { attributes: { securityProfile: null } }).expect(400)).body.field, 'attributes.securityProfile')
      assert.equal((await api().patch(`/users/${created.id}`, { attributes: { routingProfile: 'tier 2' } }).expect(400)).body.field, 'attributes.routingProfile')
      const read = (await api().get(`/users/${created.id}`).expect(200)).body
      assert.deepEqual(read.attributes, { routingProfile: 'Tier 2', securityProfile: 'Agent' })
      const listed = (await api().get('/users?q=ann').expect(200)).body.items as Json[]
      assert.deepEqual(listed.find((u) => u.userName === 'ann')!.attributes, { routingProfile: 'Tier 2', securityProfile: 'Agent' })
      // Other edits leave the values alone.
      assert.deepEqual((await api().patch(`/users/${created.id}`, { lastName: 'Other' }).expect(200)).body.attributes, { routingProfile: 'Tier 2', securityProfile: 'Agent' })
    })

    it('refuses to remove a choice users hold, and to delete an attribute users hold unless purged', async () => {
      const routing = await define({ name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2', 'Tier 3'] })
      const u1 = (await api().post('/users', person('ann', { attributes: { routingProfile: 'Tier 2' } })).expect(201)).body
      await api().post('/users', person('bob', { attributes: { routingProfile: 'Tier 2' } })).expect(201)
      const refused = await api().patch(`/attributes/${routing.id}`, { choices: ['Tier 1', 'Tier 3'] }).expect(409)
      assert.match(refused.body.detail, /^2 users hold a choice being removed from routingProfile: "Tier 2" \(2\)/)
      assert.equal(refused.body.field, 'choices')
      await api().patch(`/attributes/${routing.id}`, { choices: ['Tier 1', 'Tier 2'] }).expect(200)

      const held = await api().delete(`/attributes/${routing.id}`).expect(409)
      assert.match(held.body.detail, /2 users hold a value for routingProfile.*purge=true/)
      await api().delete(`/attributes/${routing.id}?purge=true`).expect(204)
      const after = await t.store.users.get(tenant.id, u1.id)
      assert.equal(after!.resource[EXT], undefined, 'the value went with the definition')
      assert.ok(after!.version > u1.version, 'SCIM clients see a new version')
      const cleared = (await api().get(`/audit?action=user.update&target=${u1.id}`).expect(200)).body.items as Json[]
      assert.deepEqual(cleared[0]!.attributes, [`${EXT}:routingProfile`])
    })

    it('finds users by text and choice values in the search', async () => {
      await define({ name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2'] })
      await define({ name: 'costCentre', label: 'Cost centre', type: 'text' })
      await define({ name: 'softPhone', label: 'Soft phone', type: 'boolean' })
      await api().post('/users', person('ann', { attributes: { routingProfile: 'Tier 2', costCentre: 'Helpdesk North' } })).expect(201)
      await api().post('/users', person('bob', { attributes: { routingProfile: 'Tier 1', softPhone: true } })).expect(201)
      const search = async (q: string) => ((await api().get(`/users?q=${encodeURIComponent(q)}`).expect(200)).body.items as Json[]).map((u) => u.userName).sort()
      assert.deepEqual(await search('Tier 2'), ['ann'])
      assert.deepEqual(await search('tier'), ['ann', 'bob'])
      assert.deepEqual(await search('helpdesk'), ['ann'])
      assert.deepEqual(await search('nor'), ['ann'])
      assert.deepEqual(await search('true'), [], 'yes/no values are not searched')
    })

    it('refuses value edits in a directory-managed tenant (409), as for every other field', async () => {
      const { tenant: synced, cookie } = await tenantWithAdmin(t.store, app, 'attrs-ldap', 'boss', 'ldap')
      const worker = await newUser(t.store, synced, 'worker')
      await api(cookie).post('/attributes', { name: 'costCentre', label: 'Cost centre', type: 'text' }).expect(201)
      const refused = await api(cookie).patch(`/users/${worker.id}`, { attributes: { costCentre: 'A' } }).expect(409)
      assert.match(refused.body.detail, /managed by its directory/)
      // A value the sync's tenant holds anyway (set before the tenant became managed) is shown.
      await updateUser(t.store, { tenant: synced, actor: signInActor, channel: 'sync', requestId: null }, worker.id, (u) => ({
        userName: u.userName, externalId: null, displayName: null, email: null, active: true, managerId: null, document: { ...u.resource, [EXT]: { costCentre: 'B' } },
      }))
      assert.deepEqual((await api(cookie).get(`/users/${worker.id}`).expect(200)).body.attributes, { costCentre: 'B' })
    })

    it('audits every definition change', async () => {
      const a = await define({ name: 'costCentre', label: 'Cost centre', type: 'text' })
      await api().patch(`/attributes/${a.id}`, { label: 'Cost center' }).expect(200)
      await api().delete(`/attributes/${a.id}`).expect(204)
      const events = (await api().get('/audit?action=attribute.*').expect(200)).body.items as Json[]
      assert.deepEqual(events.map((e) => e.action), ['attribute.delete', 'attribute.update', 'attribute.define'])
      assert.ok(events.every((e) => e.resourceType === 'CustomAttribute' && e.resourceId === a.id))
      const update = events[1]!
      assert.deepEqual(update.attributes, ['label'])
      assert.deepEqual([update.before.label, update.after.label], ['Cost centre', 'Cost center'])
      assert.equal(events[2]!.after.type, 'text')
    })
  })
}

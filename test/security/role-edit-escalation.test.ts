/**
 * Editing a custom role (PATCH /api/roles/:id) is a way to hand out permissions: every holder gets
 * what the role carries at their next request. So it follows the rule of creating and assigning
 * one: the operator holds every permission the role carries before and after the change. Without
 * it, a delegate with roles.manage would add settings.manage to their own role (raising themselves)
 * or to anyone's, or strip a role carrying more than they hold. Refusals change nothing and leave
 * no audit event.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { adminSuiteHooks, apiAs, passwordSession } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { newUser, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const DELEGATE = ['roles.manage', 'users.view', 'users.edit', 'groups.view', 'audit.view']

for (const backend of backends()) {
  describe(`security: role edits never grant or strip beyond the editor, on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let cookie: string
    const api = (c = cookie) => apiAs(app, c)

    adminSuiteHooks(backend, 'role-edit', (s) => ({ t, app, tenant, cookie } = s))

    it('refuses (403) adding a permission the editor lacks, to their own role or another, and changing a role carrying one; nothing changes', async () => {
      const delegateRole = (await api().post('/roles', { name: 'Role delegate', permissions: DELEGATE }).expect(201)).body
      const helpdesk = (await api().post('/roles', { name: 'Helpdesk', permissions: ['users.view'] }).expect(201)).body
      const settings = (await api().post('/roles', { name: 'Settings keepers', permissions: ['settings.manage', 'users.view'] }).expect(201)).body
      const dee = await newUser(t.store, tenant, 'dee', { password: 'dee password 12' })
      await api().post(`/users/${dee.id}/roles`, { role: delegateRole.id }).expect(204)
      const deeCookie = await passwordSession(app, tenant, 'dee', 'dee password 12')
      const before = (await api().get('/roles').expect(200)).body.items as Json[]

      const refused = async (id: string, body: object, names: RegExp) => {
        const res = await api(deeCookie).patch(`/roles/${id}`, body).expect(403)
        assert.match(res.body.detail, names, JSON.stringify(res.body))
      }
      // Raising herself through her own role, and anyone through another.
      await refused(delegateRole.id, { permissions: [...DELEGATE, 'settings.manage'] }, /settings\.manage/)
      await refused(delegateRole.id, { permissions: [...DELEGATE, 'credentials.manage', 'users.delete'] }, /credentials\.manage, users\.delete/)
      await refused(helpdesk.id, { permissions: ['users.view', 'roles.manage', 'settings.manage'] }, /settings\.manage/)
      // A role carrying more than she holds is not hers to strip, rename or reword.
      await refused(settings.id, { permissions: ['users.view'] }, /settings\.manage/)
      await refused(settings.id, { name: 'Old settings' }, /settings\.manage/)
      await refused(settings.id, { description: 'unused' }, /settings\.manage/)
      // Built-ins stay read-only for everyone (409 before anything else counts).
      await api(deeCookie).patch('/roles/viewer', { permissions: ['users.view'] }).expect(409)

      assert.deepEqual((await api().get('/roles').expect(200)).body.items, before)
      assert.deepEqual((await api(deeCookie).get('/me').expect(200)).body.permissions, [...DELEGATE].sort())
      assert.deepEqual((await t.store.audit.list(tenant.id, { limit: 10, action: 'role.update' })).items, [])

      // Within what she holds, she may edit (the rule is not a blanket refusal).
      const ok = (await api(deeCookie).patch(`/roles/${helpdesk.id}`, { permissions: ['users.edit', 'users.view'] }).expect(200)).body
      assert.deepEqual(ok.permissions, ['users.edit', 'users.view'])
    })

    it('a token narrowed below its user adds only what the token carries', async () => {
      const helpdesk = (await api().post('/roles', { name: 'Helpdesk', permissions: ['users.view'] }).expect(201)).body
      const me = (await api().get('/me').expect(200)).body
      const token = (await api().post(`/users/${me.id}/tokens`, { name: 'roles script', permissions: ['roles.manage', 'users.view'] }).expect(201)).body.secret as string
      const withToken = (body: object) => request(app).patch(`/api/roles/${helpdesk.id}`).set('Authorization', `Bearer ${token}`).send(body)
      const res = await withToken({ permissions: ['users.view', 'settings.manage'] })
      assert.equal(res.status, 403, JSON.stringify(res.body))
      assert.match(res.body.detail, /settings\.manage/)
      assert.equal((await withToken({ description: 'read only' })).status, 200)
      assert.deepEqual((await api().get('/roles').expect(200)).body.items.find((r: Json) => r.id === helpdesk.id).permissions, ['users.view'])
    })
  })
}

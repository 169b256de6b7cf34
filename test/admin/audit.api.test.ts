/**
 * The audit log view: filters by actor, action (exact or prefix), target and time range, newest
 * first with cursor paging; exports as CSV (spreadsheet-safe) and JSON Lines; audit.view required.
 */
import assert from 'node:assert/strict'
import request from 'supertest'
import { adminSuiteHooks, passwordSession } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { cookieOf, newUser, type signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`admin API: audit log on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let auditor: User
    let cookie: string
    const get = (path: string, c = cookie) => request(app).get(`/api${path}`).set('Cookie', c)
    const signIn = (userName: string, password: string) => passwordSession(app, tenant, userName, password)

    adminSuiteHooks(backend, 'audit', (s) => ({ t, app, tenant, admin: auditor, cookie } = s), 'audra')
    beforeEach(async () => {
      // Some history: a console create and edit, a refused sign-in.
      const created = (await request(app).post('/api/users').set('Cookie', cookie).send({ firstName: '=cmd|', lastName: 'Doe, "Jr"', userName: 'jane', email: 'jane@example.com', password: 'jane password 12' }).expect(201)).body
      await request(app).patch(`/api/users/${created.id}`).set('Cookie', cookie).send({ lastName: 'Doe' }).expect(200)
      const form = await request(app).get(`/login/${tenant.slug}`)
      const formCookie = cookieOf(form, 'roster_form')!
      await request(app).post(`/login/${tenant.slug}`).set('Cookie', formCookie).type('form').send({ formToken: formCookie.split('=')[1], username: 'jane', password: 'wrong' })
    })

    it('lists events newest first with before/after, filtered by action, prefix, actor, target and time', async () => {
      const all = (await get('/audit').expect(200)).body.items as Json[]
      assert.ok(all.length >= 5)
      assert.ok(all.every((e, i) => i === 0 || Number(all[i - 1]!.id) > Number(e.id)), 'newest first')
      const update = (await get('/audit?action=user.update').expect(200)).body.items as Json[]
      assert.equal(update.length, 1)
      assert.deepEqual(update[0]!.before, { name: { givenName: '=cmd|', familyName: 'Doe, "Jr"', formatted: '=cmd| Doe, "Jr"' }, displayName: '=cmd| Doe, "Jr"' })
      assert.deepEqual(update[0]!.after.name.familyName, 'Doe')
      const users = (await get('/audit?action=user.*').expect(200)).body.items as Json[]
      assert.deepEqual([...new Set(users.map((e) => e.action))].sort(), ['user.create', 'user.update'])
      const create = users.find((e) => e.action === 'user.create')!
      assert.ok(create.attributes.includes('password'))
      assert.doesNotMatch(JSON.stringify(create), /jane password 12/, 'secrets are redacted')
      const byActor = (await get('/audit?actor=AUDRA').expect(200)).body.items as Json[]
      assert.ok(byActor.length >= 3 && byActor.every((e) => e.actor.label === 'audra'))
      const byId = (await get(`/audit?actor=${auditor.id}`).expect(200)).body.items as Json[]
      assert.equal(byId.length, byActor.length)
      const target = (await get(`/audit?target=${create.resourceId}`).expect(200)).body.items as Json[]
      assert.deepEqual(target.map((e) => e.action).sort(), ['session.sign-in-failed', 'user.create', 'user.update'])
      const failed = target.find((e) => e.action === 'session.sign-in-failed')!
      assert.equal(failed.after.reason, 'bad-password')
      const future = (await get(`/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).expect(200)).body.items
      assert.deepEqual(future, [])
      const past = (await get(`/audit?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).expect(200)).body.items
      assert.equal(past.length, all.length)
    })

    it('pages by cursor without losing or repeating events', async () => {
      const all = (await get('/audit?limit=500').expect(200)).body.items.map((e: Json) => e.id)
      const seen: string[] = []
      let cursor: string | null = null
      do {
        const page: Json = (await get(`/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`).expect(200)).body
        seen.push(...page.items.map((e: Json) => e.id))
        cursor = page.next
      } while (cursor)
      assert.deepEqual(seen, all)
    })

    it('exports CSV that a spreadsheet shows as text, and JSON Lines', async () => {
      const csv = await get('/audit/export?format=csv&action=user.*').expect(200)
      assert.match(String(csv.headers['content-type']), /^text\/csv/)
      assert.match(String(csv.headers['content-disposition']), /attachment; filename="roster-audit-.*-audit\.csv"/)
      const lines = csv.text.split('\r\n').filter(Boolean)
      assert.equal(lines[0], 'at,actorType,actorLabel,actorId,actorCredential,action,resourceType,resourceId,attributes,before,after,requestId')
      // audra's and jane's user.create, jane's user.update, after the header.
      assert.equal(lines.length, 4)
      assert.ok(!lines.slice(1).some((l) => /(^|,)=/.test(l)), 'no cell starts with =')
      const jsonl = await get('/audit/export?format=jsonl').expect(200)
      const events = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as Json)
      assert.ok(events.length >= 5)
      assert.ok(events.every((e) => typeof e.action === 'string' && typeof e.at === 'string'))
      await get('/audit/export?format=xml').expect(400)
    })

    it('names every id an entry holds, by its current name, linked by type; a deleted target by the name it recorded', async () => {
      const api = (method: 'post' | 'patch' | 'put' | 'delete', path: string, body?: object) =>
        request(app)[method](`/api${path}`).set('Cookie', cookie).send(body ?? {})
      const kim = (await api('post', '/users', { firstName: 'Kim', lastName: 'Lo', userName: 'kim', email: 'kim@example.com', password: null }).expect(201)).body
      const lee = (await api('post', '/users', { firstName: 'Lee', lastName: 'Ma', userName: 'lee', email: 'lee@example.com', password: null }).expect(201)).body
      await api('post', `/users/${kim.id}/deactivate`).expect(200)
      await api('post', `/users/${kim.id}/activate`).expect(200)
      await api('post', `/users/${kim.id}/roles`, { role: 'Viewer' }).expect(204)
      await api('put', `/users/${kim.id}/api-access`, { enabled: true }).expect(204)
      await api('put', `/users/${kim.id}/api-password`, { password: 'generate' }).expect(200)
      await api('post', `/users/${kim.id}/tokens`, { name: 'script', permissions: ['users.view'] }).expect(201)
      const group = (await api('post', '/groups', { displayName: 'Ops', ownerId: lee.id }).expect(201)).body
      await api('patch', `/groups/${group.id}`, { ownerId: kim.id }).expect(200)
      const role = (await api('post', '/roles', { name: 'Helpdesk', permissions: ['users.view'] }).expect(201)).body
      const gone = (await api('post', '/users', { firstName: 'Max', lastName: 'No', userName: 'max', email: 'max@example.com', password: null }).expect(201)).body
      await api('post', `/users/${gone.id}/deactivate`).expect(200)
      await api('delete', `/users/${gone.id}`).expect(204)

      const items = (await get('/audit?limit=100').expect(200)).body.items as Json[]
      const one = (action: string, id?: string) => items.find((e) => e.action === action && (!id || e.resourceId === id))!
      for (const action of ['user.deactivate', 'user.activate', 'role.assign', 'user.api-password', 'personal-token.create']) {
        const e = one(action, kim.id)
        assert.ok(e, action)
        assert.deepEqual(e.target, { type: 'User', id: kim.id, name: 'kim', deleted: false }, action)
      }
      // A token issued to kim names kim, not the token ("User script" was the bug).
      assert.equal(one('personal-token.create').target.name, 'kim')
      const owner = one('group.owner', group.id)
      assert.deepEqual(owner.target, { type: 'Group', id: group.id, name: 'Ops', deleted: false })
      assert.equal(owner.names[lee.id].name, 'lee')
      assert.equal(owner.names[kim.id].name, 'kim')
      assert.deepEqual(one('role.create', role.id).target, { type: 'Role', id: role.id, name: 'Helpdesk', deleted: false })
      // The acting user is named and linkable too.
      assert.deepEqual(owner.names[auditor.id], { type: 'User', id: auditor.id, name: 'audra', deleted: false })
      // Deleted: the name the entry recorded, else none, and marked deleted.
      assert.deepEqual(one('user.delete', gone.id).target, { type: 'User', id: gone.id, name: 'max', deleted: true })
      // Its other entries take that name from the page (a deactivation records no userName).
      assert.deepEqual(one('user.deactivate', gone.id).target, { type: 'User', id: gone.id, name: 'max', deleted: true })
      // The sign-in of someone who exists is named as well.
      const signIn = items.find((e) => e.action === 'session.sign-in-failed')!
      assert.equal(signIn.target.name, 'jane')
    })

    it('names only the tenant’s own resources', async () => {
      const other = await newUser(t.store, (await t.store.tenants.create({ slug: `other-${Date.now().toString(36)}`, displayName: 'Other', source: 'local' })), 'stranger')
      const e = await t.store.audit.append({ tenantId: tenant.id, actor: { type: 'system', id: null, label: 'test' }, action: 'user.update', resourceType: 'User', resourceId: other.id, changes: null, requestId: null })
      const got = ((await get('/audit?action=user.update').expect(200)).body.items as Json[]).find((x) => x.id === e.id)!
      assert.deepEqual(got.target, { type: 'User', id: other.id, name: null, deleted: true })
    })

    it('needs audit.view, and validates its filters', async () => {
      const plain = await newUser(t.store, tenant, 'pete', { password: 'pete password 1' })
      void plain
      const peteCookie = await signIn('pete', 'pete password 1')
      assert.match((await get('/audit', peteCookie).expect(403)).body.detail, /missing permission audit\.view/)
      assert.equal((await get('/audit?from=yesterday').expect(400)).body.field, 'from')
      assert.equal((await get('/audit?action=DROP TABLE').expect(400)).body.field, 'action')
      await get('/audit?cursor=bm9wZQ').expect(400)
    })
  })
}

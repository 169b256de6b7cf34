/**
 * Finding 6: userName uniqueness was bypassed by Unicode and whitespace — `josé` composed and
 * decomposed, `bob` and `bob `, ` cat`, `d\u200ban`, a no-break space, a trailing tab, full-width
 * letters, `straße`/`STRASSE`, `kim`/`kım` were all accepted as different users. Now every
 * comparison of user names (uniqueness, lookups, sign-in by name or email, SCIM `userName eq`) is
 * by one key (src/domain/identity/user-name.ts), new names with control or invisible characters are
 * refused naming the position, the name shown stays as entered, and migration 0013 reports the
 * collisions it finds in existing rows instead of merging them.
 */
import assert from 'node:assert/strict'
import { apiAs, tenantWithAdmin } from '../support/admin.js'
import { ERROR, scimFixture, userBody, type ScimFixture } from '../support/scim.js'
import { backends, type TestStore } from '../support/stores.js'
import { newTenant, newUser, passwordLogin, sessionCookie, signInActor, signInApp } from '../support/sign-in.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { postgresStore } from '../../src/store/postgres/store.js'
import { createUsers, updateUser } from '../../src/domain/identity/users.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { ConflictError } from '../../src/domain/kernel/errors.js'

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

/** Each pair names one person twice; the second is refused (409), or 400 at `refusedAt` when it holds a refused character. */
const PAIRS: Array<{ first: string; second: string; refusedAt?: number }> = [
  { first: 'jos\u00e9', second: 'jose\u0301' },
  { first: 'bob', second: 'bob ' },
  { first: 'cat', second: ' cat' },
  { first: 'dan', second: 'd\u200ban', refusedAt: 1 },
  { first: 'eve', second: 'eve\u00a0' },
  { first: 'fay', second: 'fay\t', refusedAt: 3 },
  { first: 'gus', second: '\uff47\uff55\uff53' },
  { first: 'stra\u00dfe', second: 'STRASSE' },
  { first: 'kim', second: 'k\u0131m' },
]

/** Characters no new userName may hold, and where they sit. */
const REFUSED: Array<{ userName: string; at: number }> = [
  { userName: '\u200bzed', at: 0 },
  { userName: 'x\u2060y', at: 1 },
  { userName: 'ab\u0007', at: 2 },
  { userName: 'r\u202eev', at: 1 },
  { userName: 'z\ufeffz', at: 1 },
  { userName: 'line\nbreak', at: 4 },
]

const label = (s: string) => JSON.stringify(s)

for (const backend of backends()) {
  describe(`security: one identity, one userName, on ${backend.name}`, function () {
    describe('SCIM', () => {
      let f: ScimFixture
      before(async () => {
        f = await scimFixture(backend)
      })
      after(async () => f?.dispose())

      it('refuses each second spelling of a name: 409 uniqueness, or 400 at the refused character', async () => {
        const scim = await f.client()
        for (const { first, second, refusedAt } of PAIRS) {
          await scim.post('/Users', userBody(first)).expect(201)
          const res = await scim.post('/Users', userBody(second))
          assert.deepEqual(res.body.schemas, [ERROR], label(second))
          if (refusedAt === undefined) {
            assert.equal(res.status, 409, `${label(second)}: ${res.status} ${res.text}`)
            assert.equal(res.body.scimType, 'uniqueness')
          } else {
            assert.equal(res.status, 400, `${label(second)}: ${res.status} ${res.text}`)
            assert.equal(res.body.scimType, 'invalidValue')
            assert.match(res.body.detail, new RegExp(`position ${refusedAt}\\b`))
          }
        }
        const all = await scim.get('/Users?count=100').expect(200)
        assert.equal(all.body.totalResults, PAIRS.length)
      })

      it('refuses control and invisible characters, naming the position', async () => {
        const scim = await f.client()
        for (const { userName, at } of REFUSED) {
          const res = await scim.post('/Users', userBody(userName)).expect(400)
          assert.equal(res.body.scimType, 'invalidValue', label(userName))
          assert.match(res.body.detail, new RegExp(`position ${at}\\b`), `${label(userName)}: ${res.body.detail}`)
        }
      })

      it('refuses renaming into another user\'s name (PUT and PATCH), and keeps the name shown as entered', async () => {
        const scim = await f.client()
        const zoe = (await scim.post('/Users', userBody('\uff3a\uff4f\u00eb')).expect(201)).body
        assert.equal(zoe.userName, '\uff3a\uff4f\u00eb')
        const other = (await scim.post('/Users', userBody('other')).expect(201)).body
        const put = await scim.put(`/Users/${other.id}`, userBody('ZOE\u0308 ')).expect(409)
        assert.equal(put.body.scimType, 'uniqueness')
        const patch = await scim.patch(`/Users/${other.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'userName', value: 'zo\u00cb' }] }).expect(409)
        assert.equal(patch.body.scimType, 'uniqueness')
        assert.equal((await scim.get(`/Users/${zoe.id}`).expect(200)).body.userName, '\uff3a\uff4f\u00eb')
        // A rename to another spelling of one's own name is no conflict.
        assert.equal((await scim.put(`/Users/${zoe.id}`, userBody('Zoë')).expect(200)).body.userName, 'Zoë')
      })

      it('finds a user by `userName eq` in any spelling of the name', async () => {
        const scim = await f.client()
        const bob = (await scim.post('/Users', userBody('Bob')).expect(201)).body
        await scim.post('/Users', userBody('bobby')).expect(201)
        for (const spelling of ['bob', 'BOB', ' bob ', '\uff42\uff4f\uff42', 'b\u200bob']) {
          const res = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq ${JSON.stringify(spelling)}`)}`).expect(200)
          assert.deepEqual(res.body.Resources.map((u: Json) => u.id), [bob.id], label(spelling))
          assert.equal(res.body.Resources[0].userName, 'Bob')
        }
      })
    })

    describe('admin API, sign-in and batches', () => {
      let t: TestStore
      let app: ReturnType<typeof signInApp>
      before(async () => {
        t = await backend.open()
        app = signInApp(t.store)
      })
      after(async () => t?.dispose())

      it('refuses each second spelling of a name on the admin API, in problem JSON', async () => {
        const { cookie } = await tenantWithAdmin(t.store, app, 'un-api')
        const api = apiAs(app, cookie)
        let n = 0
        const person = (userName: string) => ({ firstName: 'Ann', lastName: 'Example', userName, email: `p${n++}@example.com` })
        for (const { first, second, refusedAt } of PAIRS) {
          await api.post('/users', person(first)).expect(201)
          const res = await api.post('/users', person(second))
          assert.match(String(res.headers['content-type']), /application\/problem\+json/, label(second))
          assert.equal(res.body.field, 'userName', `${label(second)}: ${res.text}`)
          // The API's schema already refuses surrounding white space (400) before the name is compared.
          const expected = refusedAt !== undefined || /^\s|\s$/.test(second) ? 400 : 409
          assert.equal(res.status, expected, `${label(second)}: ${res.status} ${res.text}`)
          if (refusedAt !== undefined && /^\S(.*\S)?$/.test(second)) assert.match(res.body.detail, new RegExp(`position ${refusedAt}\\b`))
        }
        for (const { userName, at } of REFUSED.filter((r) => /^\S(.*\S)?$/.test(r.userName))) {
          const res = await api.post('/users', person(userName)).expect(400)
          assert.equal(res.body.field, 'userName')
          assert.match(res.body.detail, new RegExp(`position ${at}\\b`), `${label(userName)}: ${res.body.detail}`)
        }
        const shown = (await api.post('/users', person('\uff2a\uff4f')).expect(201)).body
        assert.equal((await api.get(`/users/${shown.id}`).expect(200)).body.userName, '\uff2a\uff4f')
      })

      it('signs in by any spelling of the userName or the email address', async () => {
        const tenant = await newTenant(t.store, 'un-sign')
        await newUser(t.store, tenant, 'Hana', { email: 'Hana@Example.com', password: 'correct horse battery' })
        for (const typed of ['hana', ' HANA ', '\uff48\uff41\uff4e\uff41', 'hana@example.com', 'HANA@EXAMPLE.COM', '\uff48\uff41\uff4e\uff41\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com']) {
          const res = await passwordLogin(app, tenant, typed, 'correct horse battery')
          assert.equal(res.status, 303, `${label(typed)}: ${res.status}`)
          assert.ok(sessionCookie(res), label(typed))
        }
        const other = await passwordLogin(app, tenant, 'hanna', 'correct horse battery')
        assert.ok(other.status !== 303 && !sessionCookie(other), `hanna: ${other.status}`)
      })

      it('refuses a second spelling within one batch (the directory sync\'s path)', async () => {
        const tenant = await newTenant(t.store, 'un-batch', 'ldap')
        const write = (userName: string) => ({ userName, externalId: null, displayName: null, email: null, active: true, managerId: null, document: { userName, active: true } })
        const result = await createUsers(t.store, { tenant, actor: signInActor, channel: 'sync', requestId: null }, [write('Lee'), write('lee '), write('l\u00e9e'), write('le\u0301e')])
        assert.deepEqual(result.created.map((u) => u.userName).sort(), ['Lee', 'l\u00e9e'])
        assert.deepEqual(result.failed.map((f) => [f.index, f.error instanceof ConflictError]), [[1, true], [3, true]])
      })
    })

    describe('migration 0013', () => {
      it('keys existing rows and reports colliding ones per tenant without merging them', async () => {
        const t = await backend.open({ migrate: false })
        try {
          await migrate(t.db, migrations.filter((m) => m.version < 13))
          const [a, b] = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b']
          for (const id of [a, b]) await t.db.query(`INSERT INTO tenants (id, slug, display_name, source) VALUES ($1, $2, $2, 'local')`, [id, `t-${id.slice(-1)}`])
          const rows: Array<[string, string, string, string]> = [
            [a, '10000000-0000-4000-8000-000000000001', 'bob', '2020-01-01'],
            [a, '10000000-0000-4000-8000-000000000002', 'bob ', '2020-01-02'],
            [a, '10000000-0000-4000-8000-000000000003', 'jos\u00e9', '2020-01-03'],
            [a, '10000000-0000-4000-8000-000000000004', 'JOSE\u0301', '2020-01-04'],
            [a, '10000000-0000-4000-8000-000000000005', 'ann', '2020-01-05'],
            [b, '10000000-0000-4000-8000-000000000006', 'bob', '2020-01-06'],
          ]
          for (const [tenant, id, userName, created] of rows) {
            await t.db.query(`INSERT INTO users (tenant_id, id, user_name, origin, created, email) VALUES ($1, $2, $3, 'local', $4, $5)`, [tenant, id, userName, created, `${id.slice(-1)}@Example.com`])
          }
          const warnings: Array<{ fields: Json; message: string }> = []
          await migrate(t.db, migrations, { warn: (fields, message) => warnings.push({ fields: fields as Json, message }) })

          const keys = await t.db.query<{ id: string; user_name: string; user_name_key: string }>('SELECT id::text AS id, user_name, user_name_key FROM users ORDER BY id')
          assert.deepEqual(
            keys.map((r) => [r.user_name, r.user_name_key]),
            [
              ['bob', 'bob'],
              ['bob ', 'bob#10000000-0000-4000-8000-000000000002'],
              ['jos\u00e9', 'jos\u00e9'],
              ['JOSE\u0301', 'jos\u00e9#10000000-0000-4000-8000-000000000004'],
              ['ann', 'ann'],
              ['bob', 'bob'],
            ],
          )
          const events = await t.db.query<{ tenant_id: string; changes: Json }>(`SELECT tenant_id::text AS tenant_id, changes FROM audit_events WHERE action = 'user.user-name-collision'`)
          assert.deepEqual(events.map((e) => e.tenant_id), [a])
          assert.deepEqual(
            events[0]!.changes.after.collisions.map((c: Json) => c.users.map((u: Json) => u.userName)),
            [['bob', 'bob '], ['jos\u00e9', 'JOSE\u0301']],
          )
          assert.equal(warnings.length, 1)
          assert.equal(warnings[0]!.fields.tenantId, a)
          assert.match(warnings[0]!.message, /user\.user-name-collision/)

          // From now on the key is unique: a third spelling is refused, the colliding user stays editable.
          const store = postgresStore(t.db)
          const tenant = (await store.tenants.getById(a)) as Tenant
          await assert.rejects(newUser(store, tenant, 'BOB'), ConflictError)
          const ctx = { tenant, actor: signInActor, channel: 'cli' as const, requestId: null }
          const edited = await updateUser(store, ctx, rows[1]![1], (u) => ({ userName: u.userName, externalId: null, displayName: 'Robert', email: null, active: true, managerId: null, document: { ...u.resource, userName: u.userName, displayName: 'Robert' } }))
          assert.equal(edited.userName, 'bob ')
          await assert.rejects(
            updateUser(store, ctx, rows[4]![1], (u) => ({ userName: 'Bob', externalId: null, displayName: null, email: null, active: true, managerId: null, document: { ...u.resource, userName: 'Bob' } })),
            ConflictError,
          )
          assert.equal((await store.users.getByEmail(a, '\uff11@example.COM', 2)).length, 1)
        } finally {
          await t.dispose()
        }
      })
    })
  })
}

/**
 * Finding 1 (critical): a narrowed credential minted an unrestricted one. A user holding only
 * credentials.manage issued an administrator a token narrowed to credentials.manage; with it,
 * `POST /api/me/tokens` gave a token with `permissions: null` (all of the administrator's), and
 * `PUT /api/users/{self}/api-password` a password with the same reach; the audit log named the
 * administrator. The rule (src/domain/credentials/minting.ts): a new credential's permissions ⊆ the caller's
 * effective permissions ∩ the scope of the credential the caller used — on every path that issues
 * or renews one. Proved here by the finding's requests and by random chains of minting.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import request from 'supertest'
import { adminSuiteHooks, apiAs, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { newUser, signInActor, type signInApp } from '../support/sign-in.js'
import { assignRole } from '../../src/domain/access/roles.js'
import { PERMISSIONS, type Permission } from '../../src/domain/access/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'

type App = ReturnType<typeof signInApp>

/** A credential as a client holds it: the Authorization header value. */
type Credential = { header: string; label: string; basicOf?: string }

const bearer = (secret: string, label: string): Credential => ({ header: `Bearer ${secret}`, label })
const basic = (tenant: Tenant, userName: string, password: string): Credential => ({
  header: `Basic ${Buffer.from(`${tenant.slug}/${userName}:${password}`).toString('base64')}`,
  label: `API password of ${userName}`,
  basicOf: userName,
})

for (const backend of backends()) {
  describe(`security: credentials never exceed their minter, on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let admin: User
    let cookie: string

    adminSuiteHooks(backend, 'mint', (s) => ({ t, app, tenant, admin, cookie } = s))

    const as = (c: Credential) => ({
      get: (path: string) => request(app).get(`/api${path}`).set('Authorization', c.header),
      post: (path: string, body: object = {}) => request(app).post(`/api${path}`).set('Authorization', c.header).send(body),
      put: (path: string, body: object) => request(app).put(`/api${path}`).set('Authorization', c.header).send(body),
    })
    const permissionsOf = async (c: Credential): Promise<Permission[]> => {
      const res = await as(c).get('/me')
      assert.equal(res.status, 200, `${c.label}: GET /api/me ${res.status} ${res.text}`)
      return res.body.permissions as Permission[]
    }

    /** A user holding a custom role with exactly `permissions`, and a full token an administrator issued them. */
    async function holderOf(permissions: readonly Permission[], userName: string): Promise<{ user: User; token: Credential }> {
      const role = (await apiAs(app, cookie).post('/roles', { name: `role of ${userName}`, permissions }).expect(201)).body
      const user = await newUser(t.store, tenant, userName)
      await assignRole(t.store, { tenant, actor: signInActor, requestId: null }, role.id, { type: 'User', id: user.id, label: userName })
      const issued = (await apiAs(app, cookie).post(`/users/${user.id}/tokens`, { name: 'start' }).expect(201)).body
      return { user, token: bearer(issued.secret, `${userName}'s token`) }
    }

    it('reproduces finding 1: the narrowed token of an administrator mints nothing wider, and the audit log names who acted', async () => {
      await apiAs(app, cookie).post('/roles', { name: 'Key keeper', permissions: ['credentials.manage'] }).expect(201)
      const { user: kim, cookie: kimCookie } = await userWithRole(t.store, app, tenant, 'Key keeper', 'kim')
      // Allowed: within what kim holds (kim signed in with her password: she holds her session).
      const narrowed = (await apiAs(app, kimCookie).post(`/users/${admin.id}/tokens`, { name: 'x', permissions: ['credentials.manage'] }).expect(201)).body
      assert.deepEqual(narrowed.issuedBy, { id: kim.id, label: 'kim' })
      const adminNarrowed = bearer(narrowed.secret, "the administrator's narrowed token")

      // The escalations of the finding: each refused.
      const unrestricted = await as(adminNarrowed).post('/me/tokens', { name: 'y' })
      assert.equal(unrestricted.status, 403, unrestricted.text)
      assert.match(unrestricted.body.detail, /narrowed to credentials\.manage/)
      assert.equal((await as(adminNarrowed).post('/me/tokens', { name: 'y', permissions: ['settings.manage'] })).status, 403)
      assert.equal((await as(adminNarrowed).put(`/users/${admin.id}/api-password`, { password: 'generate' })).status, 403)
      assert.equal((await as(adminNarrowed).get('/settings')).status, 403)
      assert.equal((await as(adminNarrowed).post(`/users/${kim.id}/roles`, { role: 'Administrator' })).status, 403)
      assert.equal((await as(adminNarrowed).post('/settings/scim-tokens', { name: 'idp' })).status, 403)
      // kim herself cannot set the administrator's API password either, nor mint a full token of theirs.
      assert.equal((await apiAs(app, kimCookie).put(`/users/${admin.id}/api-password`, { password: 'generate' })).status, 403)
      assert.equal((await apiAs(app, kimCookie).post(`/users/${admin.id}/tokens`, { name: 'full' })).status, 403)

      // What the narrowed token may do is audited under kim, with the credential and whose it is.
      const within = await as(adminNarrowed).post('/me/tokens', { name: 'z', permissions: ['credentials.manage'] }).expect(201)
      assert.deepEqual(within.body.issuedBy, { id: kim.id, label: 'kim' }, 'the holder of the minting token holds the new one')
      const events = (await apiAs(app, cookie).get(`/audit?target=${admin.id}&action=personal-token.create`).expect(200)).body.items
      const created = events.find((e: { after: { name?: string } | null }) => e.after?.name === 'z')
      assert.ok(created, JSON.stringify(events))
      assert.equal(created.actor.id, kim.id)
      assert.equal(created.actor.label, 'kim')
      assert.deepEqual(created.actor.via, { credential: 'personal-token', id: narrowed.id, name: 'x', onBehalfOf: { id: admin.id, label: 'root' } })
      const csv = (await apiAs(app, cookie).get(`/audit/export?format=csv&target=${admin.id}&action=personal-token.create`).expect(200)).text
      assert.match(csv.split('\r\n').find((l) => l.includes('""z""'))!, /,kim,.*personal-token/)
      // Renewing itself stays within its own scope: allowed, and still narrowed.
      const renewed = (await as(adminNarrowed).post(`/users/${admin.id}/tokens/${narrowed.id}/regenerate`).expect(200)).body
      assert.deepEqual(await permissionsOf(bearer(renewed.secret, 'renewed')), ['credentials.manage'])
    })

    it('issues a SCIM token only to a request holding every permission (a SCIM token reaches all of them)', async () => {
      const { token: settingsOnly } = await holderOf(['settings.manage'], 'sam')
      const refused = await as(settingsOnly).post('/settings/scim-tokens', { name: 'idp' })
      assert.equal(refused.status, 403, refused.text)
      assert.match(refused.body.detail, /a SCIM token would carry permissions you do not hold yourself/)
      const narrowedAdmin = bearer((await apiAs(app, cookie).post('/me/tokens', { name: 'settings', permissions: ['settings.manage'] }).expect(201)).body.secret, 'narrowed')
      assert.equal((await as(narrowedAdmin).post('/settings/scim-tokens', { name: 'idp' })).status, 403)
      await apiAs(app, cookie).post('/settings/scim-tokens', { name: 'idp' }).expect(201)
    })

    it('holds for any chain of minting from any roles and scopes (property)', async function () {
      this.timeout(240_000)
      const permissionSet = fc.subarray([...PERMISSIONS])
      const step = fc.record({
        kind: fc.constantFrom('me-token', 'user-token', 'api-password', 'regenerate'),
        target: fc.nat(),
        permissions: fc.option(permissionSet, { nil: null }),
        follow: fc.boolean(),
      })
      let run = 0
      await fc.assert(
        fc.asyncProperty(permissionSet, fc.option(permissionSet, { nil: null }), permissionSet, fc.array(step, { minLength: 1, maxLength: 4 }), async (rolePerms, startScope, otherPerms, steps) => {
          run++
          const holder = await holderOf(rolePerms, `holder${run}`)
          const other = await holderOf(otherPerms, `other${run}`)
          const users = [admin, holder.user, other.user]
          let current: Credential = startScope === null ? holder.token : bearer((await apiAs(app, cookie).post(`/users/${holder.user.id}/tokens`, { name: 'scoped', permissions: startScope }).expect(201)).body.secret, 'scoped start')
          const minted: Array<{ ownerId: string; id: string }> = []
          let n = 0
          for (const s of steps) {
            const name = `chain ${++n}`
            const target = users[s.target % users.length]!
            const before = await permissionsOf(current)
            let res: request.Response
            let made: () => Credential
            if (s.kind === 'me-token') {
              res = await as(current).post('/me/tokens', { name, ...(s.permissions ? { permissions: s.permissions } : {}) })
              made = () => bearer(res.body.secret, 'chained own token')
            } else if (s.kind === 'user-token') {
              res = await as(current).post(`/users/${target.id}/tokens`, { name, ...(s.permissions ? { permissions: s.permissions } : {}) })
              made = () => bearer(res.body.secret, `chained token of ${target.userName}`)
            } else if (s.kind === 'api-password') {
              res = await as(current).put(`/users/${target.id}/api-password`, { password: 'generate' })
              made = () => basic(tenant, target.userName, res.body.generatedPassword)
            } else {
              const token = minted[s.target % Math.max(1, minted.length)]
              if (!token) continue
              res = await as(current).post(`/users/${token.ownerId}/tokens/${token.id}/regenerate`)
              made = () => bearer(res.body.secret, 'regenerated token')
            }
            assert.ok([200, 201, 403].includes(res.status), `${s.kind}: ${res.status} ${res.text}`)
            if (res.status === 403) continue
            if (res.body.id) minted.push({ ownerId: s.kind === 'me-token' ? (await as(current).get('/me')).body.id : s.kind === 'regenerate' ? minted[s.target % minted.length]!.ownerId : target.id, id: res.body.id })
            const fresh = made()
            const after = await permissionsOf(fresh)
            const wider = after.filter((p) => !before.includes(p))
            assert.deepEqual(wider, [], `${s.kind} by ${current.label} (holding ${before.join(', ') || 'nothing'}) minted ${fresh.label} holding more: ${wider.join(', ')}`)
            // A new API password replaces the one the current credential may be.
            if (s.follow || (s.kind === 'api-password' && current.basicOf === target.userName)) current = fresh
          }
        }),
        { numRuns: 30, seed: Number(process.env.FC_SEED ?? 4242) },
      )
    })
  })
}

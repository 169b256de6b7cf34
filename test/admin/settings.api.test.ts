/**
 * Tenant settings over the admin API (settings.manage): SCIM tokens with the base URL, SSO from IdP
 * metadata with our SP URLs, the directory connection against a real OpenLDAP server (set, test,
 * dry run, sync now, run history), and the identity source shown in every answer.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import request from 'supertest'
import { adminSuiteHooks, apiAs, userWithRole } from '../support/admin.js'
import { backends, type TestStore } from '../support/stores.js'
import { PUBLIC_URL, type signInApp } from '../support/sign-in.js'
import { generateKeyPair, TestIdp } from '../support/saml-idp.js'
import { openLdapServer } from '../support/directories.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'

type App = ReturnType<typeof signInApp>
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

for (const backend of backends()) {
  describe(`admin API: tenant settings on ${backend.name}`, function () {
    let t: TestStore
    let app: App
    let tenant: Tenant
    let cookie: string
    const api = (c = cookie) => apiAs(app, c)

    adminSuiteHooks(backend, 'settings', (s) => ({ t, app, tenant, cookie } = s))

    it('manages SCIM tokens: created once-shown, usable over SCIM, listed with last use, revoked', async () => {
      const overview = (await api().get('/settings').expect(200)).body
      assert.equal(overview.tenant.source, 'local')
      assert.equal(overview.scimBaseUrl, `${PUBLIC_URL}/scim/v2`)
      const created = (await api().post('/settings/scim-tokens', { name: 'Okta' }).expect(201)).body
      assert.match(created.secret, /^rst_/)
      await request(app).get('/scim/v2/Users').set('Authorization', `Bearer ${created.secret}`).expect(200)
      const list = (await api().get('/settings/scim-tokens').expect(200)).body
      assert.equal(list.items[0].name, 'Okta')
      assert.equal(list.items[0].secret, undefined)
      await api().delete('/settings/scim-tokens/Okta').expect(204)
      await request(app).get('/scim/v2/Users').set('Authorization', `Bearer ${created.secret}`).expect(401)
    })

    it('sets up SSO from uploaded IdP metadata and shows our SP URLs with a test sign-in link', async () => {
      const idp = new TestIdp({ entityId: 'https://idp.example/meta', keys: generateKeyPair('settings-idp'), ssoUrl: 'https://idp.example/sso', sloUrl: 'https://idp.example/slo' })
      const before = (await api().get('/settings/sso').expect(200)).body
      assert.equal(before.identityProvider, null)
      assert.equal(before.serviceProvider.metadataUrl, `${PUBLIC_URL}/saml/${tenant.slug}/metadata`)
      const saved = (await api().put('/settings/sso', { metadataXml: idp.metadataXml(), identifier: 'email' }).expect(200)).body
      assert.equal(saved.identityProvider.idpEntityId, 'https://idp.example/meta')
      assert.equal(saved.identityProvider.identifier, 'email')
      assert.match(saved.identityProvider.idpCertificates[0].subject, /CN=settings-idp/)
      const bad = await api().put('/settings/sso', { metadataXml: '<nope' }).expect(400)
      assert.equal(bad.body.field, 'metadata')
      const after = (await api().get('/settings/sso').expect(200)).body
      assert.match(after.serviceProvider.testSignInUrl, /\/saml\/.*\/login\?returnTo=%2Fapi%2Fme$/)
      await request(app).get(`/saml/${tenant.slug}/login?returnTo=/api/me`).expect(302)
    })

    it('needs settings.manage', async () => {
      const { cookie: vic } = await userWithRole(t.store, app, tenant, 'User manager', 'vic')
      for (const path of ['/settings', '/settings/scim-tokens', '/settings/sso', '/settings/directory']) {
        assert.match((await api(vic).get(path).expect(403)).body.detail, /missing permission settings\.manage/)
      }
    })

    it('connects a real OpenLDAP directory: set, test, dry run, sync now, run history; the tenant becomes directory-managed', async function () {
      const ldap = await openLdapServer(this)
      const name = `settings-${Date.now().toString(36)}-${backend.name}`
      const ou = `ou=${name},${ldap.suffix}`
      await ldap.ldif(
        [
          `dn: ${ou}\nobjectClass: organizationalUnit\nou: ${name}\n`,
          `dn: uid=lina,${ou}\nobjectClass: inetOrgPerson\nuid: lina\ncn: Lina Larsen\nsn: Larsen\nmail: lina@example.org\n`,
          `dn: uid=omar,${ou}\nobjectClass: inetOrgPerson\nuid: omar\ncn: Omar Ali\nsn: Ali\nmail: omar@example.org\n`,
        ].join('\n'),
      )
      const caPem = fs.readFileSync(ldap.caFile!, 'utf8')
      await api()
        .put('/settings/directory', { preset: 'openldap', url: ldap.url, startTls: true, caPem, bindDn: ldap.bindDn, bindPassword: ldap.password, baseDns: [ou] })
        .expect(204)
      const probe = (await api().post('/settings/directory/test').expect(200)).body
      assert.equal(probe.users, 2)
      const dry = (await api().post('/settings/directory/sync', { dryRun: true }).expect(200)).body
      assert.equal(dry.run.dryRun, true)
      assert.equal(dry.run.counts.usersCreated, 2)
      assert.equal(await t.store.users.getByUserName(tenant.id, 'lina'), null, 'a dry run writes nothing')
      const real = (await api().post('/settings/directory/sync').expect(200)).body
      assert.equal(real.run.status, 'succeeded')
      assert.ok(await t.store.users.getByUserName(tenant.id, 'lina'))
      const dir = (await api().get('/settings/directory').expect(200)).body
      assert.equal(dir.connection.bindPassword, 'set (never shown)')
      assert.doesNotMatch(JSON.stringify(dir), new RegExp(ldap.password))
      assert.deepEqual(dir.runs.map((r: Json) => [r.trigger, r.dryRun]), [['console', false], ['console', true]])
      assert.equal((await api().get('/settings').expect(200)).body.tenant.source, 'ldap')
      // An edit without the bind password keeps the stored one while the server and account stay…
      await api().put('/settings/directory', { preset: 'openldap', url: ldap.url, startTls: true, caPem, bindDn: ldap.bindDn, baseDns: [ou], pageSize: 100 }).expect(204)
      assert.equal((await api().post('/settings/directory/test').expect(200)).body.users, 2)
      // …but is never sent to another server or account unless typed again.
      for (const moved of [{ url: 'ldap://127.0.0.1:1', bindDn: ldap.bindDn }, { url: ldap.url, bindDn: `cn=other,${ldap.suffix}` }]) {
        const refused = await api().put('/settings/directory', { preset: 'openldap', startTls: true, caPem, baseDns: [ou], ...moved }).expect(400)
        assert.equal(refused.body.field, 'bindPassword')
      }
      // Now directory-managed: console edits of synced users are refused with where to change them.
      const lina = await t.store.users.getByUserName(tenant.id, 'lina')
      assert.match((await api().patch(`/users/${lina!.id}`, { lastName: 'X' }).expect(409)).body.detail, /managed by its directory/)
    })
  })
}

/**
 * The sync rewrites a user's document from its directory entry; values the directory does not
 * hold — the tenant's custom attributes, set in Roster — must survive every re-sync.
 */
import assert from 'node:assert/strict'
import type { SlapdServer } from '../services/slapd.mjs'
import { openLdapServer } from '../support/directories.js'
import { pgliteBackend, type TestStore } from '../support/stores.js'
import { succeeded, syncTenant, testActor } from '../support/sync.js'
import { LdapTree } from './ldap-fixtures.js'
import { CUSTOM_ATTRIBUTES_URN as EXT } from '../../src/domain/identity/custom-attribute-model.js'
import { forgetTenantAttributes } from '../../src/domain/identity/custom-attributes.js'
import { updateUser } from '../../src/domain/identity/users.js'

describe('directory sync and custom attributes (OpenLDAP)', function () {
  this.timeout(120_000)
  let server: SlapdServer
  let tree: LdapTree
  let ts: TestStore

  before(async function () {
    server = await openLdapServer(this)
    tree = await LdapTree.create(server, 'CA')
    ts = await pgliteBackend.open()
  })
  after(async () => {
    await tree?.destroy()
    await ts?.dispose()
  })

  it('keeps the values on re-sync while the directory changes the user', async () => {
    const ann = await tree.addPerson({ uid: 'ann', cn: 'Ann A', sn: 'A', title: 'Agent' })
    const t = await syncTenant(ts.store, tree.target())
    succeeded(await t.sync({ full: true }))
    await ts.store.customAttributes.insert({ tenantId: t.tenant.id, name: 'routingProfile', label: 'Routing profile', type: 'choice', choices: ['Tier 1', 'Tier 2'], required: false, description: '', position: 0 })
    forgetTenantAttributes(ts.store, t.tenant.id)
    const stored = (await ts.store.users.getByUserNames(t.tenant.id, ['ann'])).get('ann')!
    await updateUser(ts.store, { tenant: t.tenant, actor: testActor, channel: 'sync', requestId: null }, stored.id, (u) => ({
      userName: u.userName, externalId: u.externalId, displayName: u.displayName, email: u.email, active: u.active, managerId: null,
      document: { ...u.resource, [EXT]: { routingProfile: 'Tier 2' } },
    }))

    await tree.replace(ann, { title: 'Team lead' })
    const report = succeeded(await t.sync({ full: true }))
    assert.equal(report.run.counts.usersUpdated, 1)
    const user = (await t.scim(`/Users/${stored.id}`).expect(200)).body as Record<string, unknown>
    assert.equal(user.title, 'Team lead')
    assert.deepEqual(user[EXT], { routingProfile: 'Tier 2' })

    // Nothing changed in the directory: nothing is written.
    assert.equal(succeeded(await t.sync({ full: true })).run.counts.usersUpdated, 0)
  })
})

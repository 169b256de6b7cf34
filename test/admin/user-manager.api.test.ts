/**
 * The console's user detail names the enterprise manager: a user of the tenant (id, name), or a
 * reference an identity provider sent that names no user yet, as sent (ManagerReference,
 * src/domain/identity/model.ts). The OpenAPI document describes the field.
 */
import assert from 'node:assert/strict'
import { adminSuiteHooks, apiAs } from '../support/admin.js'
import { backends } from '../support/stores.js'
import { signInActor } from '../support/sign-in.js'
import type { signInApp } from '../support/sign-in.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { Store } from '../../src/domain/store.js'
import { MANAGER_PATH } from '../../src/domain/identity/model.js'
import { createUser, type UserWrite } from '../../src/domain/identity/users.js'
import { openApiDocument } from '../../src/admin/openapi.js'

const [URN] = MANAGER_PATH

for (const backend of backends()) {
  describe(`admin API: a user's manager on ${backend.name}`, function () {
    let store: Store
    let app: ReturnType<typeof signInApp>
    let tenant: Tenant
    let cookie: string
    adminSuiteHooks(backend, 'admin-mgr', (s) => ({ t: { store }, app, tenant, cookie } = s))

    /** A user as an IdP in lenient mode writes it: its manager may name no user yet. */
    const scimUser = (userName: string, extra: { externalId?: string; displayName?: string; manager?: string } = {}) => {
      const input: UserWrite = {
        userName,
        externalId: extra.externalId ?? null,
        displayName: extra.displayName ?? null,
        email: null,
        active: true,
        managerId: extra.manager ?? null,
        managerReference: 'may-be-unresolved',
        document: { userName, ...(extra.displayName ? { displayName: extra.displayName } : {}), ...(extra.manager ? { [URN]: { manager: { value: extra.manager } } } : {}) },
      }
      return createUser(store, { tenant, actor: signInActor, channel: 'scim', requestId: null }, input)
    }

    it('shows an unresolved manager as sent, then the user it names once created', async () => {
      const report = await scimUser('report', { manager: 'SuzzyQ' })
      const before = (await apiAs(app, cookie).get(`/users/${report.id}`).expect(200)).body
      assert.deepEqual(before.manager, { resolved: false, value: 'SuzzyQ' })
      const boss = await scimUser('suzy', { externalId: 'SuzzyQ', displayName: 'Suzy Q' })
      const after = (await apiAs(app, cookie).get(`/users/${report.id}`).expect(200)).body
      assert.deepEqual(after.manager, { resolved: true, id: boss.id, userName: 'suzy', displayName: 'Suzy Q' })
      assert.equal((await apiAs(app, cookie).get(`/users/${boss.id}`).expect(200)).body.manager, null)
    })

    it('is described in the OpenAPI document', () => {
      const detail = (openApiDocument as unknown as { components: { schemas: { UserDetail: { allOf: Array<{ properties?: Record<string, unknown> }> } } } }).components.schemas.UserDetail
      assert.ok(detail.allOf.some((part) => part.properties?.manager), 'UserDetail.manager')
    })
  })
}

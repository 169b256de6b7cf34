/**
 * The manager reference rule of user writes (ManagerReference, src/domain/identity/model.ts): a
 * write may keep a manager that names no user yet (`may-be-unresolved`, SCIM's lenient mode) or
 * must name a user (`must-resolve`, the default: console, admin API, directory sync); the user such
 * a reference names is pointed at when created, by any channel, in the statement that creates it.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../../support/stores.js'
import { newTenant, signInActor } from '../../support/sign-in.js'
import { recorded } from '../../support/recorded-db.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { MANAGER_PATH, type User } from '../../../src/domain/identity/model.js'
import { postgresStore } from '../../../src/store/postgres/store.js'
import { ValidationError } from '../../../src/domain/kernel/errors.js'
import { createUser, createUsers, setManagers, updateUser, type UserWrite } from '../../../src/domain/identity/users.js'

const [URN] = MANAGER_PATH

for (const backend of backends()) {
  describe(`manager references of user writes on ${backend.name}`, function () {
    let t: TestStore
    let tenant: Tenant
    const write = (channel: 'scim' | 'cli' = 'scim') => ({ tenant, actor: signInActor, channel, requestId: 'req-m' })
    const input = (userName: string, extra: Partial<UserWrite> = {}, manager?: string): UserWrite => ({
      userName,
      externalId: null,
      displayName: null,
      email: null,
      active: true,
      managerId: manager ?? null,
      document: { userName, ...(manager !== undefined ? { [URN]: { manager: { value: manager } } } : {}) },
      ...extra,
    })
    const lenient = (noted: string[] = []): Partial<UserWrite> => ({ managerReference: 'may-be-unresolved', onUnresolvedManager: (v) => noted.push(v) })
    const managerOf = async (u: User) => ((await t.store.users.get(tenant.id, u.id))?.resource[URN] as { manager?: { value: string } } | undefined)?.manager?.value

    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'mgrref')
    })

    it('must-resolve (the default) refuses a manager naming no user; may-be-unresolved keeps it and says so', async () => {
      await assert.rejects(createUser(t.store, write(), input('r', {}, 'SuzzyQ')), (e: unknown) => e instanceof ValidationError && /is not a user of this tenant/.test(e.message))
      const noted: string[] = []
      const r = await createUser(t.store, write(), input('r', lenient(noted), 'SuzzyQ'))
      assert.deepEqual(r.resource, { userName: 'r', [URN]: { manager: { value: 'SuzzyQ' } } })
      assert.deepEqual(noted, ['SuzzyQ'])
      // A console edit of another attribute leaves the reference (and its tracking) alone.
      await updateUser(t.store, write('cli'), r.id, (current) => input('r', { displayName: 'R', document: { ...current.resource, displayName: 'R' } }, 'SuzzyQ'))
      const boss = await createUser(t.store, write('cli'), input('boss', { externalId: 'SuzzyQ' }))
      assert.equal(await managerOf(r), boss.id)
    })

    it('refuses a user as their own manager in both modes', async () => {
      const me = await createUser(t.store, write(), input('me', { externalId: 'me-ext' }))
      const refused = (pattern: RegExp) => (e: unknown) => e instanceof ValidationError && pattern.test(e.message)
      await assert.rejects(updateUser(t.store, write(), me.id, () => input('me', { externalId: 'me-ext' }, me.id)), refused(/own manager/))
      for (const value of [me.id, 'me-ext', 'ME']) {
        await assert.rejects(updateUser(t.store, write(), me.id, () => input('me', { externalId: 'me-ext', ...lenient() }, value)), refused(/own manager/), value)
      }
      await assert.rejects(createUser(t.store, write(), input('self', { externalId: 'x', ...lenient() }, 'x')), /own manager/)
    })

    it('costs a create no statement of its own, and resolves waiting reports within the creating statement', async () => {
      const { db, statements } = recorded(t.db)
      const store = postgresStore(db)
      await createUser(store, write(), input('plain'))
      assert.deepEqual(statements.length, 1, statements.join(' | '))
      const r = await createUser(t.store, write(), input('r', lenient(), 'boss@example.com'))
      statements.length = 0
      const boss = await createUser(store, write(), input('Boss@Example.com'))
      assert.deepEqual(statements.length, 1, statements.join(' | '))
      assert.equal(await managerOf(r), boss.id)
      const events = (await t.store.audit.list(tenant.id, { limit: 10, resourceId: r.id, action: 'user.update' })).items
      assert.deepEqual(events.map((e) => [e.requestId, e.changes?.after]), [['req-m', { [`${URN}:manager`]: { value: boss.id } }]])
    })

    it('a batch (the directory sync\'s) resolves waiting reports; its own managers must still resolve', async () => {
      const r = await createUser(t.store, write(), input('r', lenient(), 'ldap-boss'))
      const result = await createUsers(t.store, write('cli'), [input('ldap-boss'), input('orphan', lenient(), 'nobody')])
      assert.equal(result.created.length, 1)
      assert.match(result.failed[0]!.error.message, /"nobody" is not a user/)
      assert.equal(await managerOf(r), result.created[0]!.id)
    })

    it('a reference set by setManagers or a later write leaves the unresolved set', async () => {
      const real = await createUser(t.store, write(), input('real'))
      const [a, b] = [await createUser(t.store, write(), input('a', lenient(), 'ghost')), await createUser(t.store, write(), input('b', lenient(), 'ghost'))]
      await setManagers(t.store, write('cli'), [{ user: (await t.store.users.get(tenant.id, a.id))!, managerId: real.id }])
      await updateUser(t.store, write(), b.id, () => input('b', lenient()))
      await createUser(t.store, write(), input('ghost'))
      assert.equal(await managerOf(a), real.id)
      assert.equal(await managerOf(b), undefined)
    })

    it('a value naming an existing user by externalId or userName is written as its id', async () => {
      const boss = await createUser(t.store, write(), input('chief', { externalId: 'okta-7' }))
      const noted: string[] = []
      const r = await createUser(t.store, write(), { ...input('r', lenient(noted), 'okta-7'), document: { userName: 'r', [URN]: { manager: { value: 'okta-7', $ref: 'https://idp/Users/okta-7', displayName: 'Chief' } } } })
      assert.deepEqual(r.resource[URN], { manager: { value: boss.id, displayName: 'Chief' } })
      assert.deepEqual(noted, [])
      // Resending the IdP's value changes nothing.
      const again = await updateUser(t.store, write(), r.id, () => ({ ...input('r', lenient(), 'okta-7'), document: { userName: 'r', [URN]: { manager: { value: 'okta-7', displayName: 'Chief' } } } }))
      assert.equal(again.version, r.version)
    })
  })
}

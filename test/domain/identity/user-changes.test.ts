/**
 * A user's creation and change without a lock held across round trips (issue 15): creating a user
 * is one statement (the row and its audit event), a change is one read and one write; a change
 * computed from a user that changed meanwhile is computed again, and after a few such races the
 * change takes the row lock, so concurrent changes never overwrite each other.
 */
import assert from 'node:assert/strict'
import { backends, type TestStore } from '../../support/stores.js'
import { newTenant, signInActor } from '../../support/sign-in.js'
import { recorded } from '../../support/recorded-db.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import type { User } from '../../../src/domain/identity/model.js'
import { postgresStore } from '../../../src/store/postgres/store.js'
import { PreconditionFailedError } from '../../../src/domain/kernel/errors.js'
import { createUser, updateUser, type UserWrite } from '../../../src/domain/identity/users.js'
import type { JsonObject } from '../../../src/domain/kernel/json.js'

for (const backend of backends()) {
  describe(`one user's change, lock-free, on ${backend.name}`, function () {
    let t: TestStore
    let tenant: Tenant
    const write = () => ({ tenant, actor: signInActor, channel: 'cli' as const, requestId: 'req-u' })
    const input = (userName: string, document: JsonObject = { userName }, extra: Partial<UserWrite> = {}): UserWrite => ({
      userName,
      externalId: null,
      displayName: null,
      email: null,
      active: true,
      managerId: null,
      document,
      ...extra,
    })
    /** The change that adds one phone number to whatever the user has now. */
    const addPhone = (value: string) => (current: User) => {
      const phones = (current.resource.phoneNumbers as JsonObject[] | undefined) ?? []
      return input(current.userName, { ...current.resource, phoneNumbers: [...phones, { value }] })
    }
    const events = async (u: User) => (await t.store.audit.list(tenant.id, { limit: 100, resourceId: u.id })).items

    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())
    beforeEach(async () => {
      tenant = await newTenant(t.store, 'uchange')
    })

    it('creates a user and its audit event in one statement, and changes it in a read and a write', async () => {
      const { db, statements } = recorded(t.db)
      const store = postgresStore(db)
      const u = await createUser(store, write(), input('one'))
      assert.deepEqual(statements.length, 1, statements.join(' | '))
      statements.length = 0
      const changed = await updateUser(store, write(), u.id, addPhone('+1 555 0100'), { ifVersion: [u.version] })
      assert.equal(statements.length, 2, statements.join(' | '))
      assert.ok(!statements.includes('BEGIN'), statements.join(' | '))
      assert.equal(changed.version, u.version + 1)
      assert.deepEqual(
        (await events(u)).map((e) => [e.action, e.requestId, e.changes?.attributes]),
        [
          ['user.update', 'req-u', ['phoneNumbers']],
          ['user.create', 'req-u', ['userName']],
        ],
      )
      await assert.rejects(updateUser(store, write(), u.id, addPhone('+1 555 0101'), { ifVersion: [u.version] }), PreconditionFailedError)
      assert.equal((await events(u)).length, 2, 'a refused change records nothing')
    })

    it('computes a change again when the user changed between its read and its write', async () => {
      const u = await createUser(t.store, write(), input('raced'))
      let calls = 0
      const changed = await updateUser(t.store, write(), u.id, async (current) => {
        // The first time, someone else's change lands after this change read the user.
        if (++calls === 1) await updateUser(t.store, write(), u.id, addPhone('theirs'))
        return addPhone('mine')(current)
      })
      assert.equal(calls, 2)
      assert.deepEqual(changed.resource.phoneNumbers, [{ value: 'theirs' }, { value: 'mine' }])
      assert.equal(changed.version, u.version + 2)
      // An If-Match naming the version first read no longer holds once it was raced.
      calls = 0
      await assert.rejects(
        updateUser(t.store, write(), u.id, async (current) => {
          if (++calls === 1) await updateUser(t.store, write(), u.id, addPhone('again'))
          return addPhone('late')(current)
        }, { ifVersion: [changed.version] }),
        PreconditionFailedError,
      )
    })

    it('takes the row lock after repeated races, and still lands the change', async () => {
      const u = await createUser(t.store, write(), input('contended'))
      const { db, statements } = recorded(t.db)
      const store = postgresStore(db)
      let calls = 0
      const changed = await updateUser(store, write(), u.id, async (current) => {
        // Raced on every optimistic attempt; the locked attempt cannot be raced (and must not wait on itself).
        if (!statements.includes('BEGIN')) await updateUser(t.store, write(), u.id, addPhone(`theirs-${++calls}`))
        return addPhone('mine')(current)
      })
      assert.ok(statements.includes('BEGIN'), statements.join(' | '))
      const phones = (changed.resource.phoneNumbers as JsonObject[]).map((p) => p.value)
      assert.deepEqual(phones, [...Array.from({ length: calls }, (_, i) => `theirs-${i + 1}`), 'mine'])
    })

    it('lands every one of many concurrent changes to one user', async function () {
      this.timeout(60_000)
      const u = await createUser(t.store, write(), input('busy'))
      const values = Array.from({ length: 16 }, (_, i) => `+1 555 01${String(i).padStart(2, '0')}`)
      await Promise.all(values.map((v) => updateUser(t.store, write(), u.id, addPhone(v))))
      const after = (await t.store.users.get(tenant.id, u.id))!
      assert.deepEqual(((after.resource.phoneNumbers as JsonObject[]).map((p) => p.value) as string[]).sort(), values)
      assert.equal(after.version, u.version + values.length, 'one bump per change')
      assert.equal((await events(u)).filter((e) => e.action === 'user.update').length, values.length, 'one event per change')
    })
  })
}

/**
 * What the persistence conformance suites need from an adapter: a way to open a fresh, migrated
 * store and to dispose of it. Nothing else: the suites speak only the ports (src/domain/*\/persister.ts
 * and the composed Store), so an adapter other than PostgreSQL (MongoDB, say) runs them unchanged:
 *
 *   import { describeConformance } from '../test/store/conformance/identity.js'
 *   describeConformance({ name: 'mongodb', open: openMongoStore })
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Store } from '../../../src/domain/store.js'
import type { Actor } from '../../../src/domain/audit/model.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { ConflictError } from '../../../src/domain/kernel/errors.js'

export interface StoreUnderTest {
  name: string
  open(): Promise<{ store: Store; dispose(): Promise<void> }>
}

/**
 * Opens one store for a describe block: `ctx.store` is usable inside its tests. One store per suite
 * keeps the suites quick; tests keep apart by making their own tenants.
 */
export function useStore(subject: StoreUnderTest): { readonly store: Store } {
  const ctx: { store: Store; dispose?: () => Promise<void> } = { store: undefined as unknown as Store }
  before(async function () {
    this.timeout(120_000)
    const opened = await subject.open()
    ctx.store = opened.store
    ctx.dispose = () => opened.dispose()
  })
  after(async () => ctx.dispose?.())
  return ctx
}

export const actor: Actor = { type: 'system', id: null, label: 'conformance' }

let n = 0
export const slug = (prefix = 't') => `${prefix}${Date.now().toString(36)}${(n++).toString(36)}`

export const newTenant = (store: Store, source: Tenant['source'] = 'local') => store.tenants.create({ slug: slug(), displayName: 'Test', source })

/** Keys that cannot name a record: not a uuid, NUL, a lone surrogate. Finding by them finds nothing. */
export const MALFORMED_KEYS = ['not-a-uuid', '', 'a\u0000b', '\ud800', `${randomUUID()}x`]

/** A uuid no record has. */
export const unknownId = () => randomUUID()

export const isConflict = (field?: string) => (e: unknown) => e instanceof ConflictError && (field === undefined || e.field === field)

/** Runs fn in a transaction that then fails, and checks the failure is the one thrown. */
export async function rolledBack(store: Store, fn: (tx: Store) => Promise<unknown>): Promise<void> {
  await assert.rejects(
    store.transaction(async (tx) => {
      await fn(tx)
      throw new Error('roll back')
    }),
    /roll back/,
  )
}

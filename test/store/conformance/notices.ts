/**
 * Conformance of the invalidation notices port (src/domain/kernel/notices.ts): a notice reaches
 * this node's feed (every node's, in a deployment) when the transaction it was published in commits,
 * never before and never after a rollback, with its topic and key as published.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { NoticeListener, NoticeTopic } from '../../../src/domain/kernel/notices.js'
import { until } from '../../support/wait.js'
import { rolledBack, useStore, type StoreUnderTest } from './harness.js'

/** A listener that keeps what it hears. */
function recorder(): NoticeListener & { heard: Array<[NoticeTopic, string]>; resets: number; keys(): string[] } {
  const r = {
    heard: [] as Array<[NoticeTopic, string]>,
    resets: 0,
    notice: (topic: NoticeTopic, key: string) => void r.heard.push([topic, key]),
    reset: () => void r.resets++,
    keys: () => r.heard.map(([, key]) => key),
  }
  return r
}

const DEADLINE_MS = 5_000

export function describeConformance(subject: StoreUnderTest): void {
  describe(`notices port on ${subject.name}`, function () {
    const ctx = useStore(subject)
    const listeners: Array<() => void> = []
    const listen = async () => {
      const r = recorder()
      listeners.push(ctx.store.notices.feed.subscribe(r))
      await until('the feed delivers', DEADLINE_MS, () => ctx.store.notices.feed.delivering)
      return r
    }
    afterEach(() => {
      for (const unsubscribe of listeners.splice(0)) unsubscribe()
    })

    it('delivers a notice published outside a transaction to this node, topic and key as published', async () => {
      const r = await listen()
      const key = `${randomUUID()}:ü "quoted" \\ ,`
      await ctx.store.notices.publish('scim-token', key)
      await until('the notice arrives', DEADLINE_MS, () => r.keys().includes(key))
      assert.deepEqual(r.heard.filter(([, k]) => k === key), [['scim-token', key]])
    })

    it('delivers a notice published in a transaction when it commits, not before', async () => {
      const r = await listen()
      const key = randomUUID()
      await ctx.store.transaction(async (tx) => {
        await tx.notices.publish('tenant', key)
        // A round trip on the transaction's connection, after which a notice sent at once would be here.
        await tx.tenants.count()
        assert.deepEqual(r.keys(), [])
      })
      await until('the committed notice arrives', DEADLINE_MS, () => r.keys().includes(key))
      assert.deepEqual(r.heard, [['tenant', key]])
    })

    it('never delivers a notice of a transaction that rolls back', async () => {
      const r = await listen()
      const lost = randomUUID()
      await rolledBack(ctx.store, (tx) => tx.notices.publish('custom-attributes', lost))
      // Notices arrive in commit order: once a later one is here, the rolled-back one never will be.
      const marker = randomUUID()
      await ctx.store.notices.publish('custom-attributes', marker)
      await until('the marker arrives', DEADLINE_MS, () => r.keys().includes(marker))
      assert.deepEqual(r.keys(), [marker])
    })

    it('delivers notices in commit order, each once, to every subscriber', async () => {
      const [a, b] = [await listen(), await listen()]
      const keys = Array.from({ length: 5 }, () => randomUUID())
      for (const key of keys) await ctx.store.transaction((tx) => tx.notices.publish('scim-token', key))
      for (const r of [a, b]) {
        await until('all five arrive', DEADLINE_MS, () => r.heard.length >= keys.length)
        assert.deepEqual(r.keys(), keys)
      }
    })

    it('stops delivering to a listener that unsubscribed', async () => {
      const gone = recorder()
      const unsubscribe = ctx.store.notices.feed.subscribe(gone)
      const stays = await listen()
      unsubscribe()
      const key = randomUUID()
      await ctx.store.notices.publish('tenant', key)
      await until('the notice arrives', DEADLINE_MS, () => stays.keys().includes(key))
      assert.deepEqual(gone.keys(), [])
    })
  })
}

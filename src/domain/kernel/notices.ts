/**
 * Invalidation notices: how a node tells every node (itself included) that a record a cache may
 * hold has changed. Several Roster nodes share one database, so a cache is only as good as what
 * tells it to forget: the database does (PostgreSQL's LISTEN/NOTIFY), never a node's guess.
 *
 * - `publish` is a write like any other: inside a transaction it is delivered when, and only if,
 *   the transaction commits, so a notice never arrives before the change it announces is visible.
 * - The feed is the node's end: one per database (the store and its transactions share it). While
 *   it cannot vouch that every notice arrives (`delivering` false: the listening connection was
 *   lost, or is not yet listening) caches must not be trusted; `reset` tells them to drop
 *   everything, both when delivery is lost and when it resumes (notices of the gap are gone).
 */

/** What changed: the topic names the kind of record, the key which one. */
export type NoticeTopic = 'scim-token' | 'tenant' | 'custom-attributes'

export interface NoticeListener {
  notice(topic: NoticeTopic, key: string): void
  /** Notices may have been missed: forget everything. */
  reset(): void
}

export interface NoticeFeed {
  /** True while every committed notice reaches the listeners. */
  readonly delivering: boolean
  /** Starts listening if not yet; returns the unsubscribe. */
  subscribe(listener: NoticeListener): () => void
}

export interface Notices {
  /** Announces a change to every node, when the surrounding transaction (if any) commits. */
  publish(topic: NoticeTopic, key: string): Promise<void>
  readonly feed: NoticeFeed
}

/** The Store's part (src/domain/store.ts): notices, bound like the repositories to the pool or a transaction. */
export interface NoticesPersister {
  notices: Notices
}

/**
 * The bookkeeping a cache that follows a feed needs: whether it may trust what it holds, and a
 * generation that moves on every notice and reset. A value read from the database may be stored
 * only if the generation did not move since the read began: otherwise a request that read before a
 * change committed would put the stale value back after the notice was handled.
 */
export class Invalidation {
  private gen = 0

  constructor(private readonly feed?: NoticeFeed) {}

  /** Without a feed (a single process, tests), the cache is trusted for its TTL as before. */
  get trusted(): boolean {
    return !this.feed || this.feed.delivering
  }

  /** Take before reading the database; pass to `mayStore` with what was read. */
  get generation(): number {
    return this.gen
  }

  mayStore(readAt: number): boolean {
    return this.trusted && readAt === this.gen
  }

  /** Call on every notice and reset that drops entries. */
  moved(): void {
    this.gen++
  }
}

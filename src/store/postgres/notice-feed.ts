import pg from 'pg'
import type { PGlite } from '@electric-sql/pglite'
import type { NoticeFeed, NoticeListener, NoticeTopic } from '../../domain/kernel/notices.js'
import type { Logger } from '../../log.js'
import type { Sql } from './sql.js'

/**
 * Invalidation notices over PostgreSQL's LISTEN/NOTIFY (src/domain/kernel/notices.ts). A notice is
 * `pg_notify` on one channel, issued on the writer's connection: inside a transaction the server
 * delivers it at commit, to every listening session of the database, the writer's own included.
 */
export const NOTICE_CHANNEL = 'roster_notices'

const TOPICS: readonly NoticeTopic[] = ['scim-token', 'tenant', 'custom-attributes']

export async function publishNotice(sql: Sql, topic: NoticeTopic, key: string): Promise<void> {
  await sql.query('SELECT pg_notify($1, $2)', [NOTICE_CHANNEL, JSON.stringify([topic, key])])
}

export type ClosableFeed = NoticeFeed & { close(): Promise<void> }

/** The node's listeners; a payload it cannot read means a notice was lost, so it resets them. */
class Fanout {
  private readonly listeners = new Set<NoticeListener>()

  constructor(private readonly log?: Logger) {}

  add(listener: NoticeListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  deliver(payload: string): void {
    const notice = decode(payload)
    for (const l of this.listeners) this.guard(() => (notice ? l.notice(notice[0], notice[1]) : l.reset()))
  }

  reset(): void {
    for (const l of this.listeners) this.guard(() => l.reset())
  }

  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log?.error({ err: (err as Error).message }, 'an invalidation listener failed')
    }
  }
}

function decode(payload: string): [NoticeTopic, string] | null {
  try {
    const v = JSON.parse(payload) as unknown
    if (Array.isArray(v) && v.length === 2 && TOPICS.includes(v[0] as NoticeTopic) && typeof v[1] === 'string') return [v[0] as NoticeTopic, v[1]]
  } catch {
    // falls through: unreadable
  }
  return null
}

export interface PgFeedOptions {
  connectionString: string
  /** Shown in pg_stat_activity, so operators (and tests) can tell the listening session apart. */
  applicationName: string
  connectTimeoutMs: number
  log: Logger
  /** Reconnection backoff after the listening connection is lost: doubles from min up to max. */
  reconnect?: { minMs: number; maxMs: number }
}

/**
 * The server's feed: one dedicated connection (not from the pool, which would hand it to other work
 * and drop it when idle) that LISTENs, opened at the first subscription. Losing it resets every
 * listener and stops `delivering`; it reconnects with capped exponential backoff, and once it
 * listens again resets them once more, since notices sent in the gap are gone.
 */
export function pgNoticeFeed(options: PgFeedOptions): ClosableFeed {
  const { minMs, maxMs } = options.reconnect ?? { minMs: 100, maxMs: 10_000 }
  const fanout = new Fanout(options.log)
  let delivering = false
  let started = false
  let closed = false
  let failures = 0
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined

  const listen = async (): Promise<void> => {
    if (closed) return
    const c = new pg.Client({ connectionString: options.connectionString, application_name: options.applicationName, connectionTimeoutMillis: options.connectTimeoutMs, keepAlive: true })
    client = c
    let gone = false
    const lost = (err: Error) => {
      if (gone) return
      gone = true
      if (client === c) client = undefined
      delivering = false
      fanout.reset()
      void c.end().catch(() => undefined)
      if (closed) return
      const delay = Math.min(maxMs, minMs * 2 ** failures++)
      options.log.warn({ err: err.message, retryInMs: delay }, 'lost the invalidation notice connection: caches are bypassed until it is back')
      retry = setTimeout(() => void listen(), delay)
      retry.unref()
    }
    c.on('error', lost)
    c.on('end', () => lost(new Error('connection ended')))
    c.on('notification', (m) => {
      if (m.channel === NOTICE_CHANNEL) fanout.deliver(m.payload ?? '')
    })
    try {
      await c.connect()
      await c.query(`LISTEN ${NOTICE_CHANNEL}`)
    } catch (err) {
      lost(err as Error)
      return
    }
    if (gone || closed) return
    failures = 0
    delivering = true
    fanout.reset()
  }

  return {
    get delivering() {
      return delivering
    },
    subscribe(listener) {
      const unsubscribe = fanout.add(listener)
      if (!started && !closed) {
        started = true
        void listen()
      }
      return unsubscribe
    },
    async close() {
      closed = true
      delivering = false
      clearTimeout(retry)
      await client?.end().catch(() => undefined)
    },
  }
}

/**
 * The embedded database's feed: PGlite's own LISTEN support, on the one in-process instance. It
 * cannot lose its connection, so it delivers from the moment LISTEN ran until it is closed.
 */
export function pgliteNoticeFeed(db: PGlite): ClosableFeed {
  const fanout = new Fanout()
  let delivering = false
  let listening: Promise<unknown> | undefined
  return {
    get delivering() {
      return delivering
    },
    subscribe(listener) {
      const unsubscribe = fanout.add(listener)
      listening ??= db
        .listen(NOTICE_CHANNEL, (payload) => fanout.deliver(payload))
        .then(() => {
          delivering = true
          fanout.reset()
        })
        .catch(() => undefined)
      return unsubscribe
    },
    async close() {
      delivering = false
      await listening
    },
  }
}

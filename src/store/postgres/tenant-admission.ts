import { AsyncLocalStorage } from 'node:async_hooks'
import { StoreUnavailableError } from '../../domain/kernel/errors.js'
import { currentLogContext } from '../../log.js'

/** The admission key of work done for no tenant: start-up, housekeeping, credential lookups. */
export const NO_TENANT = '(no tenant)'

/**
 * Whose work this is: the tenant the request was authenticated for, from the request's context
 * (src/log.ts), so that no repository signature has to carry it.
 */
export function currentTenantKey(): string {
  return currentLogContext()?.tenantId ?? NO_TENANT
}

/** A tenant may hold this many connections at once unless configured: half the pool, rounded up. */
export function defaultTenantConcurrency(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / 2))
}

export interface AdmissionOptions {
  /** Units of database work admitted at once in all: the pool size (1 for the embedded database). */
  capacity: number
  /** Units one tenant may hold at once (capped at capacity). */
  perTenant?: number
  /** How long work may wait for admission before it fails with StoreUnavailableError; 0: forever. */
  waitTimeoutMs?: number
  /**
   * Grant admissions in a later turn of the event loop. The embedded database runs each statement
   * synchronously and resolves it as a microtask, so a caller that runs statement after statement
   * never lets the event loop read another request's socket: nobody else even gets to queue.
   * Deferring each grant to setImmediate lets pending I/O in first, and the new arrivals then
   * take their turn in the round-robin.
   */
  yieldToIo?: boolean
  /** Told when work gave up waiting (waitTimeoutMs passed): the metrics count it. */
  onWaitTimeout?: () => void
}

interface Waiter {
  key: string
  grant(release: () => void): void
  refuse(err: Error): void
  timer?: NodeJS.Timeout
}

/**
 * Admission in front of the database: at most `capacity` units of work at once, at most
 * `perTenant` of them for one tenant, and the waiters served round-robin across tenants (FIFO
 * within one). A tenant flooding the database queues behind its own work, and another tenant's
 * point read is admitted at the next free slot, not after the flood.
 */
export class TenantAdmission {
  readonly capacity: number
  readonly perTenant: number
  private readonly waitTimeoutMs: number
  private readonly yieldToIo: boolean
  private readonly onWaitTimeout: (() => void) | undefined
  private readonly active = new Map<string, number>()
  private total = 0
  // Keys with waiters, in round-robin order: a key served goes to the back (Map keeps insertion order).
  private readonly queues = new Map<string, Waiter[]>()
  // Set while admitted work runs: a statement issued inside a transaction belongs to the transaction's
  // admission, and waiting for a second one could wait on itself (every slot held by transactions
  // that each wait for one more).
  private readonly admitted = new AsyncLocalStorage<TenantAdmission>()
  private dispatchScheduled = false
  private closed = false

  constructor(options: AdmissionOptions) {
    this.capacity = Math.max(1, Math.floor(options.capacity))
    this.perTenant = Math.min(this.capacity, Math.max(1, Math.floor(options.perTenant ?? defaultTenantConcurrency(this.capacity))))
    this.waitTimeoutMs = options.waitTimeoutMs ?? 0
    this.yieldToIo = options.yieldToIo ?? false
    this.onWaitTimeout = options.onWaitTimeout
  }

  /** Waits for a slot for `key`; resolves with the function that gives it back (idempotent). */
  acquire(key: string = currentTenantKey()): Promise<() => void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('the database is closed'))
    if (!this.yieldToIo && !this.queues.has(key) && this.grantable(key)) return Promise.resolve(this.take(key))
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { key, grant: resolve, refuse: reject }
      if (this.waitTimeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.remove(waiter)
          this.onWaitTimeout?.()
          reject(new StoreUnavailableError(`no database connection became free within ${this.waitTimeoutMs} ms`))
        }, this.waitTimeoutMs)
      }
      const queue = this.queues.get(key)
      if (queue) queue.push(waiter)
      else this.queues.set(key, [waiter])
      this.schedule()
    })
  }

  /** Runs `work` admitted under the current tenant's key; work already admitted runs at once. */
  async run<T>(work: () => Promise<T>, key: string = currentTenantKey()): Promise<T> {
    if (this.admitted.getStore() === this) return work()
    const release = await this.acquire(key)
    try {
      return await this.admitted.run(this, work)
    } finally {
      release()
    }
  }

  /** Refuses every waiter and all later work. */
  close(): void {
    this.closed = true
    for (const queue of this.queues.values()) {
      for (const w of queue) {
        clearTimeout(w.timer)
        w.refuse(new StoreUnavailableError('the database is closed'))
      }
    }
    this.queues.clear()
  }

  /** What is admitted and waiting now, per key (for tests and diagnostics). */
  snapshot(): { active: Record<string, number>; waiting: Record<string, number> } {
    return {
      active: Object.fromEntries(this.active),
      waiting: Object.fromEntries([...this.queues].map(([k, q]) => [k, q.length])),
    }
  }

  private grantable(key: string): boolean {
    return this.total < this.capacity && (this.active.get(key) ?? 0) < this.perTenant
  }

  private take(key: string): () => void {
    this.total++
    this.active.set(key, (this.active.get(key) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      this.total--
      const n = (this.active.get(key) ?? 1) - 1
      if (n > 0) this.active.set(key, n)
      else this.active.delete(key)
      this.schedule()
    }
  }

  private schedule(): void {
    if (!this.yieldToIo) return this.dispatch()
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    setImmediate(() => {
      this.dispatchScheduled = false
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (this.total < this.capacity && this.queues.size) {
      let next: Waiter | undefined
      for (const [key, queue] of this.queues) {
        if ((this.active.get(key) ?? 0) >= this.perTenant) continue
        next = queue.shift()
        this.queues.delete(key)
        if (queue.length) this.queues.set(key, queue)
        break
      }
      if (!next) return
      clearTimeout(next.timer)
      next.grant(this.take(next.key))
    }
  }

  private remove(waiter: Waiter): void {
    const queue = this.queues.get(waiter.key)
    if (!queue) return
    const i = queue.indexOf(waiter)
    if (i >= 0) queue.splice(i, 1)
    if (!queue.length) this.queues.delete(waiter.key)
  }
}

/**
 * Writing the provisioning log off the request path: entries wait in memory and go to the store in
 * one multi-row statement every `flushMs`, or at once when `batchSize` are waiting, and on shutdown.
 * The buffer is bounded: while the database is slow or down, entries beyond it are dropped and
 * counted, and a failed batch is dropped too — a SCIM request is never made to wait for, or fail
 * because of, its log entry. Losing some entries under database trouble is the price.
 */
import { AsyncResource } from 'node:async_hooks'
import type { NewProvisioningEntry } from './model.js'
import type { ProvisioningLogPersister } from './persister.js'

/** Where the writer reports dropped entries (pino's signature: the service's logger fits). */
export interface ProvisioningLogLog {
  warn(fields: object, message: string): void
}

export interface WriterOptions {
  flushMs: number
  /** Entries per statement; this many waiting flush at once. */
  batchSize: number
  /** Entries held at most while a flush is slow or failing; more are dropped. */
  maxBuffered: number
  /** Stored body bytes held at most (bodies are capped, but a flood of large ones adds up). */
  maxBufferedBytes: number
}

export const WRITER_DEFAULTS: WriterOptions = { flushMs: 200, batchSize: 500, maxBuffered: 20_000, maxBufferedBytes: 64 * 1024 ** 2 }

/** Roughly what an entry holds in memory: its bodies and a bit for the rest. */
const sizeOf = (e: NewProvisioningEntry) => (e.request.json?.length ?? 0) + (e.response.json?.length ?? 0) + 512

/** A dropped-entries warning at most this often. */
const WARN_EVERY_MS = 60_000

export class ProvisioningLogWriter {
  private pending: NewProvisioningEntry[] = []
  private pendingBytes = 0
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private stopped = false
  private lastWarning = 0
  private droppedSinceWarning = 0
  /** Entries lost since start: buffer full, a failed batch, or recorded after stop. */
  dropped = 0
  private readonly options: WriterOptions
  /**
   * Flushes run in the context the writer was made in (start-up), not in the context of the request
   * whose entry happened to start them: their database work is nobody's request (tenant admission
   * and log lines must not name that request's tenant).
   */
  private readonly detached: (fn: () => void) => void

  constructor(
    private readonly store: ProvisioningLogPersister,
    private readonly log: ProvisioningLogLog,
    options: Partial<WriterOptions> = {},
  ) {
    this.options = { ...WRITER_DEFAULTS, ...options }
    this.detached = AsyncResource.bind((fn: () => void) => fn())
  }

  /** Takes an entry for the next batch; never throws, never waits. */
  record(entry: NewProvisioningEntry): void {
    const bytes = sizeOf(entry)
    if (this.stopped || this.pending.length >= this.options.maxBuffered || this.pendingBytes + bytes > this.options.maxBufferedBytes) {
      this.drop(1)
      return
    }
    this.pending.push(entry)
    this.pendingBytes += bytes
    if (this.pending.length >= this.options.batchSize) this.detached(() => void this.flush())
    else if (!this.timer) {
      this.detached(() => {
        this.timer = setTimeout(() => void this.flush(), this.options.flushMs)
        this.timer.unref()
      })
    }
  }

  /** Writes everything waiting (after any flush already running); resolves when it is stored or dropped. */
  async flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.flushing) await this.flushing
    if (!this.pending.length) return
    const batch = this.pending.splice(0, this.options.batchSize)
    this.pendingBytes -= batch.reduce((sum, e) => sum + sizeOf(e), 0)
    this.flushing = this.write(batch)
    try {
      await this.flushing
    } finally {
      this.flushing = undefined
    }
    if (this.pending.length) await this.flush()
  }

  /** Stops taking entries and writes those waiting (the service's shutdown). */
  async stop(): Promise<void> {
    this.stopped = true
    await this.flush()
  }

  private async write(batch: NewProvisioningEntry[]): Promise<void> {
    try {
      await this.store.provisioningLog.appendMany(batch)
    } catch (err) {
      this.drop(batch.length, (err as Error).message)
    }
  }

  private drop(n: number, reason?: string): void {
    this.dropped += n
    this.droppedSinceWarning += n
    const now = Date.now()
    if (now - this.lastWarning < WARN_EVERY_MS) return
    this.log.warn({ dropped: this.droppedSinceWarning, droppedTotal: this.dropped, ...(reason ? { err: reason } : {}) }, 'provisioning log entries dropped')
    this.lastWarning = now
    this.droppedSinceWarning = 0
  }
}

import { Writable } from 'node:stream'
import type pino from 'pino'
import type { Config } from '../../src/config.js'
import { loadConfig } from '../../src/config.js'
import { createApp } from '../../src/app.js'
import { createLogger } from '../../src/log.js'
import { UsageRecorder, type TokenCache } from '../../src/domain/credentials/tokens.js'
import type { Store } from '../../src/domain/store.js'
import type { Clock } from '../../src/domain/sign-in/sessions.js'
import { silentLog } from './stores.js'

export function testConfig(overrides: Partial<Config> = {}): Config {
  // Tokens are verified against the store on every request unless a test asks for the cache.
  return { ...loadConfig({ LOG_LEVEL: 'silent', LOG_FORMAT: 'json' }), tokenCacheTtlMs: 0, ...overrides }
}

/** A logger that keeps every line it writes, parsed, for assertions about logging. */
export function capturingLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  return { log: createLogger({ logLevel: 'debug', logFormat: 'json' }, 'test', sink), lines }
}

export function testApp(store: Store, options: { config?: Partial<Config>; log?: pino.Logger; tokens?: TokenCache; clock?: Clock } = {}) {
  const log = options.log ?? silentLog
  const usage = new UsageRecorder(store, log, 60_000)
  const app = createApp({ config: testConfig(options.config), log, store, usage, clock: options.clock, ...(options.tokens ? { tokens: options.tokens } : {}) })
  return { app, usage, callback: app.callback() }
}

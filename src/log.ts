import { AsyncLocalStorage } from 'node:async_hooks'
import pino, { type Logger } from 'pino'
import pretty from 'pino-pretty'
import type { Config } from './config.js'

export type { Logger }

/** What is known about the work in progress; every log line written inside it carries these fields. */
export interface LogContext {
  reqId?: string
  tenantId?: string
}

const context = new AsyncLocalStorage<LogContext>()

export function withLogContext<T>(ctx: LogContext, fn: () => T): T {
  return context.run(ctx, fn)
}

/** The context of the current request (mutable, so later middleware can add the tenant). */
export function currentLogContext(): LogContext | undefined {
  return context.getStore()
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, name = 'roster', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: config.logLevel,
    // The request id travels with async work, not through function arguments.
    mixin: () => ({ ...context.getStore() }),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token'], censor: '[redacted]' },
  }
  if (destination) return pino(options, destination)
  if (config.logFormat === 'pretty') {
    return pino(options, pretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name', sync: true }))
  }
  return pino(options)
}

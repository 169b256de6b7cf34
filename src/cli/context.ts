import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.js'
import { createLogger } from '../log.js'
import { openStore, redact } from '../store/open.js'
import type { Store } from '../domain/store.js'
import type { Actor } from '../domain/audit/model.js'
import { DomainError } from '../domain/kernel/errors.js'
import { SecretBox } from '../domain/credentials/secrets.js'
import { invocation } from './invocation.js'
import { err, errStream } from './output.js'
import { socketPath } from './socket-protocol.js'

/** Thrown for a failure the user can fix; printed as one line, exit status 1 (2 for configuration). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

export interface CliContext {
  config: Config
  store: Store
  actor: Actor
}

/** The audit actor: the OS user who typed the command (the client's, when it ran inside the server). */
export function cliActor(): Actor {
  return { type: 'cli', id: null, label: `cli:${invocation().user}` }
}

/** Commands that only read (backup too): they never create a store where there is none. */
const READ_ONLY = /^(audit|backup)$| (list|show|log|status|test|roles|groups)$/

/** Says where the data is, once per command, on standard error (standard output is the result). */
function announce(where: string): void {
  err(`roster: using ${where}\n`)
}

/**
 * Opens the store for one command and always closes it. The store is opened only here, after
 * argument parsing succeeded, so a call with bad arguments never touches the data. Inside the
 * server (a `roster` client on the local socket) the command uses the server's open store instead.
 */
export async function withStore<T>(command: string, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const server = invocation().server
  if (server) {
    const where = server.config.databaseUrl ? `PostgreSQL ${redact(server.config.databaseUrl)}` : `the embedded store in ${server.config.dataDir}`
    announce(`${where}, through the running server (${socketPath(server.config.dataDir)})`)
    return await run(fn, { config: server.config, store: server.store, actor: cliActor() })
  }
  let config: Config
  try {
    loadDotEnv()
    config = loadConfig()
  } catch (err) {
    throw new CliError(err instanceof ConfigError ? err.message : (err as Error).message, 2)
  }
  if (!config.databaseUrl) {
    if (READ_ONLY.test(command) && !fs.existsSync(path.join(config.dataDir, 'pgdata'))) {
      throw new CliError(
        `no Roster data in ${config.dataDir} (DATA_DIR, default ./data in the current directory). ` +
          'Set DATA_DIR to the directory the server uses, or DATABASE_URL for a PostgreSQL server; a read-only command creates nothing.',
        2,
      )
    }
    announce(`the embedded store in ${config.dataDir}`)
  } else {
    announce(`PostgreSQL ${redact(config.databaseUrl)}`)
  }
  // Diagnostics go to stderr so that standard output carries only the command's result.
  const log = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel, logFormat: 'json' }, 'roster-cli', errStream)
  const opened = await openStore(config, log, { role: 'cli', command: `roster ${command}` }).catch((err: Error) => {
    throw new CliError(err.message)
  })
  try {
    return await run(fn, { config, store: opened.store, actor: cliActor() })
  } finally {
    await opened.store.close()
  }
}

async function run<T>(fn: (ctx: CliContext) => Promise<T>, ctx: CliContext): Promise<T> {
  try {
    return await fn(ctx)
  } catch (err) {
    if (err instanceof DomainError) throw new CliError(err.message)
    throw err
  }
}

/** The box that seals stored secrets; a clear configuration error without ENCRYPTION_KEY. */
export function requireSecretBox(config: Config): SecretBox {
  if (!config.encryptionKey) {
    throw new CliError('ENCRYPTION_KEY is not set: it seals stored secrets (directory bind passwords, SAML SP signing keys) in the database. Generate one with `openssl rand -base64 32`, keep it safe and set it for every Roster process', 2)
  }
  return new SecretBox(config.encryptionKey)
}

/** Commander argument parser for a repeatable option: every value, in order. */
export const collect = (value: string, previous: string[] = []) => [...previous, value]

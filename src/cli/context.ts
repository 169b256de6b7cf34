import os from 'node:os'
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.js'
import { createLogger } from '../log.js'
import { openStore } from '../store/open.js'
import type { Store } from '../domain/store.js'
import type { Actor } from '../domain/audit/model.js'
import { DomainError } from '../domain/kernel/errors.js'
import { SecretBox } from '../domain/credentials/secrets.js'

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

export function cliActor(): Actor {
  let user = 'unknown'
  try {
    user = os.userInfo().username
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return { type: 'cli', id: null, label: `cli:${user}` }
}

/**
 * Opens the store for one command and always closes it. The store is opened only here, after
 * argument parsing succeeded, so a call with bad arguments never touches the data.
 */
export async function withStore<T>(command: string, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  let config: Config
  try {
    loadDotEnv()
    config = loadConfig()
  } catch (err) {
    throw new CliError(err instanceof ConfigError ? err.message : (err as Error).message, 2)
  }
  // Diagnostics go to stderr so that standard output carries only the command's result.
  const log = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel, logFormat: 'json' }, 'roster-cli')
  const opened = await openStore(config, log, { role: 'cli', command: `roster ${command}` }).catch((err: Error) => {
    throw new CliError(err.message)
  })
  try {
    return await fn({ config, store: opened.store, actor: cliActor() })
  } catch (err) {
    if (err instanceof DomainError) throw new CliError(err.message)
    throw err
  } finally {
    await opened.store.close()
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

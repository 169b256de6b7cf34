import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Every setting Roster reads, typed. `loadConfig` is the only place that touches `process.env`,
 * so a bad value is reported once, with the variable's name, before anything starts.
 */
export interface Config {
  port: number
  host: string
  /** Serves Prometheus metrics at /metrics on this port (same HOST); undefined: no metrics listener. */
  metricsPort: number | undefined
  /** Behind a reverse proxy: client addresses come from X-Forwarded-For (password lockout counts per address). */
  trustProxy: boolean
  /** Origin (scheme://host[:port]) for every absolute URL Roster emits; never taken from requests. */
  publicUrl: string
  dataDir: string
  databaseUrl: string | undefined
  databasePoolMax: number
  databaseConnectTimeoutMs: number
  /** Longest a single SQL statement may run on the server (statement_timeout); 0: no limit. */
  databaseStatementTimeoutMs: number
  /** Longest a unit of database work waits for a free connection before the request gets 503. */
  databaseAcquireTimeoutMs: number
  /** Connections one tenant may use at once (its share of the pool); undefined: half the pool. */
  databaseTenantConcurrency: number | undefined
  logLevel: LogLevel
  logFormat: 'json' | 'pretty'
  /** Which requests get an access-log line above debug (src/http/request-context.ts): `all`, `errors` (4xx, 5xx) or `off`. */
  logRequests: 'all' | 'errors' | 'off'
  bodyLimitBytes: number
  shutdownTimeoutMs: number
  tokenUsageFlushMs: number
  /** How long a verified token is remembered in memory (0: verify against the database every time). */
  tokenCacheTtlMs: number
  /** Seals stored secrets such as directory bind passwords; absent: those features refuse to store one. */
  encryptionKey: Buffer | undefined
  /** Where encryptionKey came from: ENCRYPTION_KEY, the embedded store's key file, or nowhere (yet). */
  encryptionKeySource: 'env' | 'file' | 'none'
  /** The embedded store's generated key (DATA_DIR/encryption.key); undefined with DATABASE_URL. */
  encryptionKeyFile: string | undefined
  /** ENCRYPTION_KEY is set and the key file holds another key: the environment's is used (the start-up warns). */
  encryptionKeyConflict: boolean
  sync: SyncConfig
  signIn: SignInConfig
  provisioningLog: ProvisioningLogConfig
}

/** The SCIM provisioning log (src/domain/provisioning/): how long and how much of it is kept. */
export interface ProvisioningLogConfig {
  /** Entries older than this are deleted. */
  retentionMs: number
  /** Bytes kept of each request and response body (redacted JSON); the rest is cut and the entry says so. */
  maxBodyBytes: number
  /** Entries kept per tenant; the oldest beyond go. */
  maxEntries: number
}

export interface SignInConfig {
  /** How far the IdP's clock may be from ours when SAML validity times are checked. */
  samlClockSkewMs: number
  /** A session with no request for this long ends. */
  sessionIdleMs: number
  /** A session ends this long after sign-in, however active. */
  sessionMaxMs: number
  /** Failed password sign-ins (per user name, or 4x per client address) before a lockout. */
  loginMaxFailures: number
  /** How long a lockout lasts; failures older than this no longer count. */
  loginLockoutMs: number
}

export interface SyncConfig {
  /** Time between scheduled sync runs of each `ldap` tenant. */
  intervalMs: number
  /** Every this many runs, a full reconciliation instead of an incremental run. */
  fullEvery: number
  /** A run that would archive more than this share of a tenant's synced users stops (unless forced). */
  maxArchivePercent: number
  /** …and more than this many: small directories may lose a few users without --force. */
  maxArchiveCount: number
  /** How long a worker's claim on a tenant lasts without renewal (a killed worker's claim expires). */
  leaseTtlMs: number
  /** Run the scheduler inside the server: `auto` = only with the embedded store. */
  worker: 'auto' | 'on' | 'off'
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }

/** Parses `500ms`, `30s`, `5m`, `12h`, `7d`. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+)\s*(ms|s|m|h|d)$/i.exec(raw.trim())
  if (!m) return undefined
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!
}

/** Parses `1048576`, `512kb`, `1mb`. */
export function parseSize(raw: string): number | undefined {
  const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim())
  if (!m) return undefined
  return Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!
}

/** Reads the environment (and `.env`, loaded by the caller) into a Config, or throws ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = []
  const read = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = read(name)
    if (raw === undefined) return def
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: must be a whole number from ${min} to ${max}`)
      return def
    }
    return n
  }
  const duration = (name: string, def: string, minMs: number, maxMs = 7 * DURATION_UNITS.d!): number => {
    const raw = read(name) ?? def
    const ms = parseDuration(raw)
    if (ms === undefined || ms < minMs || ms > maxMs) {
      problems.push(`${name}=${JSON.stringify(raw)}: must be a duration such as 500ms, 30s, 5m or 2h, from ${minMs}ms to ${maxMs}ms`)
      return parseDuration(def)!
    }
    return ms
  }
  const oneOf = <T extends string>(name: string, def: T, allowed: readonly T[]): T => {
    const raw = read(name)
    if (raw === undefined) return def
    const v = raw.toLowerCase() as T
    if (!allowed.includes(v)) {
      problems.push(`${name}=${JSON.stringify(raw)}: must be one of ${allowed.join(', ')}`)
      return def
    }
    return v
  }

  const port = int('PORT', 3000, 0, 65535)
  const host = read('HOST') ?? '127.0.0.1'

  let publicUrl = `http://localhost:${port}`
  const rawPublic = read('PUBLIC_URL')
  if (rawPublic !== undefined) {
    let u: URL | undefined
    try {
      u = new URL(rawPublic)
    } catch {
      u = undefined
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      problems.push(`PUBLIC_URL=${JSON.stringify(rawPublic)}: must be an absolute http:// or https:// URL`)
    } else if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
      problems.push(`PUBLIC_URL=${JSON.stringify(rawPublic)}: must be an origin only (scheme, host and optional port), without path, query or credentials`)
    } else {
      publicUrl = u.origin
    }
  }

  const databaseUrl = read('DATABASE_URL')
  if (databaseUrl !== undefined) {
    let u: URL | undefined
    try {
      u = new URL(databaseUrl)
    } catch {
      u = undefined
    }
    if (!u || (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')) {
      problems.push('DATABASE_URL: must be a postgres:// or postgresql:// connection URL')
    }
  }

  const bodyRaw = read('BODY_LIMIT') ?? '1mb'
  let bodyLimitBytes = parseSize(bodyRaw)
  if (bodyLimitBytes === undefined || bodyLimitBytes < 1024 || bodyLimitBytes > 1024 ** 3) {
    problems.push(`BODY_LIMIT=${JSON.stringify(bodyRaw)}: must be a size such as 512kb or 1mb, from 1kb to 1gb`)
    bodyLimitBytes = 1024 ** 2
  }

  const logBodyRaw = read('PROVISIONING_LOG_MAX_BODY') ?? '16kb'
  let logBodyBytes = parseSize(logBodyRaw)
  if (logBodyBytes === undefined || logBodyBytes < 256 || logBodyBytes > 1024 ** 2) {
    problems.push(`PROVISIONING_LOG_MAX_BODY=${JSON.stringify(logBodyRaw)}: must be a size in bytes such as 16384 or 16kb, from 256 to 1mb`)
    logBodyBytes = 16 * 1024
  }

  const keyRaw = read('ENCRYPTION_KEY')
  let encryptionKey: Buffer | undefined
  if (keyRaw !== undefined) {
    encryptionKey = parseEncryptionKey(keyRaw)
    if (!encryptionKey) problems.push('ENCRYPTION_KEY: must be 32 random bytes as base64 (44 characters) or hex (64), e.g. the output of `openssl rand -base64 32`')
  }
  // The embedded store keeps a generated key beside its data (ensureEncryptionKeyFile); with a
  // PostgreSQL server the key stays the operator's to set, as every node needs the same one.
  const encryptionKeyFile = databaseUrl === undefined ? path.join(path.resolve(cwd, read('DATA_DIR') ?? './data'), ENCRYPTION_KEY_FILE) : undefined
  const fileKey = encryptionKeyFile ? readKeyFile(encryptionKeyFile, problems) : undefined
  const encryptionKeySource = encryptionKey ? 'env' : fileKey ? 'file' : 'none'
  const encryptionKeyConflict = Boolean(encryptionKey && fileKey && !encryptionKey.equals(fileKey))
  encryptionKey ??= fileKey

  const config: Config = {
    port,
    host,
    metricsPort: read('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 0, 0, 65535),
    trustProxy: oneOf('TRUST_PROXY', 'off', ['on', 'off'] as const) === 'on',
    publicUrl,
    dataDir: path.resolve(cwd, read('DATA_DIR') ?? './data'),
    databaseUrl,
    databasePoolMax: int('DATABASE_POOL_MAX', 10, 1, 1000),
    databaseConnectTimeoutMs: duration('DATABASE_CONNECT_TIMEOUT', '5s', 100, 120_000),
    databaseStatementTimeoutMs: duration('DATABASE_STATEMENT_TIMEOUT', '30s', 0, 3_600_000),
    databaseAcquireTimeoutMs: duration('DATABASE_ACQUIRE_TIMEOUT', '10s', 100, 600_000),
    databaseTenantConcurrency: read('DATABASE_TENANT_CONCURRENCY') === undefined ? undefined : int('DATABASE_TENANT_CONCURRENCY', 1, 1, 1000),
    logLevel: oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    logFormat: 'json',
    logRequests: oneOf('LOG_REQUESTS', 'errors', ['all', 'errors', 'off'] as const),
    bodyLimitBytes,
    shutdownTimeoutMs: duration('SHUTDOWN_TIMEOUT', '10s', 0, 600_000),
    tokenUsageFlushMs: duration('TOKEN_USAGE_FLUSH_INTERVAL', '30s', 100, 3_600_000),
    tokenCacheTtlMs: duration('TOKEN_CACHE_TTL', '5s', 0, 300_000),
    encryptionKey,
    encryptionKeySource,
    encryptionKeyFile,
    encryptionKeyConflict,
    sync: {
      intervalMs: duration('SYNC_INTERVAL', '5m', 1000),
      fullEvery: int('SYNC_FULL_EVERY', 12, 1, 100_000),
      maxArchivePercent: int('SYNC_MAX_ARCHIVE_PERCENT', 10, 0, 100),
      maxArchiveCount: int('SYNC_MAX_ARCHIVE_COUNT', 5, 0, 1_000_000),
      leaseTtlMs: duration('SYNC_LEASE_TTL', '60s', 1000, 3_600_000),
      worker: oneOf('SYNC_WORKER', 'auto', ['auto', 'on', 'off'] as const),
    },
    signIn: {
      samlClockSkewMs: duration('SAML_CLOCK_SKEW', '60s', 0, 600_000),
      sessionIdleMs: duration('SESSION_IDLE', '30m', 60_000, 30 * DURATION_UNITS.d!),
      sessionMaxMs: duration('SESSION_MAX', '12h', 60_000, 90 * DURATION_UNITS.d!),
      loginMaxFailures: int('LOGIN_MAX_FAILURES', 5, 1, 1000),
      loginLockoutMs: duration('LOGIN_LOCKOUT', '15m', 1000, DURATION_UNITS.d!),
    },
    provisioningLog: {
      retentionMs: duration('PROVISIONING_LOG_RETENTION', '7d', 60_000, 400 * DURATION_UNITS.d!),
      maxBodyBytes: logBodyBytes,
      maxEntries: int('PROVISIONING_LOG_MAX_ENTRIES', 100_000, 1, 100_000_000),
    },
  }
  const fmt = oneOf('LOG_FORMAT', 'auto', ['auto', 'json', 'pretty'] as const)
  config.logFormat = fmt === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : fmt

  if (config.databaseTenantConcurrency !== undefined && config.databaseTenantConcurrency > config.databasePoolMax) {
    problems.push('DATABASE_TENANT_CONCURRENCY: must not be more than DATABASE_POOL_MAX (it is a share of the pool)')
  }
  if (config.metricsPort !== undefined && config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push('METRICS_PORT: must differ from PORT (metrics are served on a port of their own)')
  }
  if (config.signIn.sessionIdleMs > config.signIn.sessionMaxMs) {
    problems.push('SESSION_IDLE: must not be longer than SESSION_MAX (a session ends at SESSION_MAX however active)')
  }
  if (problems.length) throw new ConfigError(problems)
  return config
}

/** Loads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(cwd = process.cwd()): void {
  try {
    process.loadEnvFile(path.join(cwd, '.env'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/** Parses ENCRYPTION_KEY: 32 bytes as base64 (44 characters) or hex (64 characters). */
export function parseEncryptionKey(raw: string): Buffer | undefined {
  const text = raw.trim()
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (key.length === 32) return key
  }
  return undefined
}

/** The embedded store's generated ENCRYPTION_KEY, in DATA_DIR. */
export const ENCRYPTION_KEY_FILE = 'encryption.key'

function readKeyFile(file: string, problems: string[]): Buffer | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    problems.push(`${file}: cannot read the encryption key (${code ?? (err as Error).message})`)
    return undefined
  }
  const key = parseEncryptionKey(text)
  if (!key) problems.push(`${file}: must hold 32 bytes as base64 or hex (the key Roster generated there); restore it from a backup, or set ENCRYPTION_KEY`)
  return key
}

/**
 * With the embedded store and no key anywhere, generates ENCRYPTION_KEY into DATA_DIR/encryption.key
 * (mode 0600, never overwritten: `wx` fails if another process wrote it first, and then that key is
 * read) and returns the config using it, with the file's path when this call created it.
 */
export function ensureEncryptionKeyFile(config: Config): { config: Config; created: string | undefined } {
  const file = config.encryptionKeyFile
  if (!file || config.encryptionKeySource !== 'none') return { config, created: undefined }
  let created: string | undefined
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    created = file
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EEXIST') throw new Error(`DATA_DIR ${path.dirname(file)} is not a writable directory (${code ?? (err as Error).message}): cannot keep the generated encryption key there. Set DATA_DIR to a directory Roster may write to.`, { cause: err })
  }
  const problems: string[] = []
  const key = readKeyFile(file, problems)
  if (!key) throw new ConfigError(problems)
  return { config: { ...config, encryptionKey: key, encryptionKeySource: 'file' }, created }
}

import { ConfigError, loadConfig, loadDotEnv } from './config.js'
import { createLogger } from './log.js'
import { startService } from './service.js'

/** `npm start`: configuration from the environment, then the service, until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config
  try {
    loadDotEnv()
    config = loadConfig()
  } catch (err) {
    process.stderr.write(`roster: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`)
    process.exit(2)
  }
  // JSON log lines go through process.stdout itself, like the banner below: one stream keeps them in
  // order (pino's own asynchronous writer could put a line written earlier after the banner).
  const log = createLogger(config, 'roster', config.logFormat === 'json' ? process.stdout : undefined)
  let service
  try {
    service = await startService(config, log)
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'start-up failed')
    process.stderr.write(`roster: cannot start: ${(err as Error).message}\n`)
    process.exit(1)
  }
  // The banner goes out in one write: a reader (a terminal, a log collector, a test waiting for
  // it) never sees half of it, and nothing else can land between its lines.
  const banner = [`SCIM base URL: ${service.scimBaseUrl}`]
  const first = service.firstStart
  if (first) {
    banner.push(
      `SCIM token: ${first.scimToken}`,
      `Admin console: ${config.publicUrl}/admin`,
      `Sign-in page: ${config.publicUrl}/login/${first.tenantSlug}`,
      `Admin user: ${first.adminUserName}`,
      `Admin password: ${first.adminPassword}`,
    )
  }
  if (first) banner.push(`(First start: created tenant "${first.tenantSlug}" and its administrator. The token and the password above are shown only this once.)`)
  if (service.encryptionKeyCreated) {
    banner.push(
      `Encryption key: generated in ${service.encryptionKeyCreated} (mode 0600). It seals directory bind passwords and SAML signing keys.`,
      '  Back it up with the data directory: a backup without it cannot open those secrets. Anyone who has the file and the data can open them.',
    )
  }
  // Before the banner: whoever reads it may signal at once, and a SIGTERM that arrived before a handler
  // existed would kill the process instead of stopping it.
  let signals = 0
  const shutdown = (signal: string) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting at once')
      process.exit(1)
    }
    log.info({ signal }, 'shutting down: finishing in-flight requests')
    service.stop().then(
      () => {
        log.info('stopped')
        process.exit(0)
      },
      (err: unknown) => {
        log.error({ err }, 'error while shutting down')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.stdout.write(`${banner.join('\n')}\n`)
}

void main()

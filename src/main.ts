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
  const log = createLogger(config)
  let service
  try {
    service = await startService(config, log)
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'start-up failed')
    process.stderr.write(`roster: cannot start: ${(err as Error).message}\n`)
    process.exit(1)
  }
  process.stdout.write(`SCIM base URL: ${service.scimBaseUrl}\n`)
  if (service.firstStart) {
    const first = service.firstStart
    process.stdout.write(`SCIM token: ${first.scimToken}\n`)
    process.stdout.write(`Admin console: ${config.publicUrl}/admin\n`)
    process.stdout.write(`Sign-in page: ${config.publicUrl}/login/${first.tenantSlug}\n`)
    process.stdout.write(`Admin user: ${first.adminUserName}\n`)
    process.stdout.write(`Admin password: ${first.adminPassword}\n`)
    process.stderr.write(`(First start: created tenant "${first.tenantSlug}" and its administrator. The token and the password above are shown only this once.)\n`)
  }

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
}

void main()

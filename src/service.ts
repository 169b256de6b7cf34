import type { Config } from './config.js'
import type { Logger } from './log.js'
import type { Store } from './domain/store.js'
import { openStore } from './store/open.js'
import { firstStart, type FirstStart } from './domain/administration/bootstrap.js'
import { UsageRecorder } from './domain/credentials/tokens.js'
import { createApp } from './app.js'
import { listen, type RunningServer } from './http/server.js'
import { Readiness } from './http/health.js'
import { SCIM_PREFIX } from './scim/router.js'
import { SecretBox } from './domain/credentials/secrets.js'
import { DirectorySync, type SyncScheduler } from '../sync/service.js'
import { ProvisioningLogWriter } from './domain/provisioning/writer.js'
import { pruneProvisioningLog } from './domain/provisioning/retention.js'

export interface Service {
  store: Store
  http: RunningServer
  /** The directory sync scheduler, when it runs in this process (SYNC_WORKER). */
  sync: SyncScheduler | null
  scimBaseUrl: string
  /** Set on the first start of an empty store only. */
  firstStart: FirstStart | null
  stop(): Promise<void>
}

const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000

export class PortInUseError extends Error {}

/** Opens the store, migrates, bootstraps an empty store, and serves HTTP. */
export async function startService(config: Config, log: Logger): Promise<Service> {
  const opened = await openStore(config, log, { role: 'server', command: 'roster server' })
  const { store } = opened
  let usage: UsageRecorder | undefined
  const provisioningLog = new ProvisioningLogWriter(store, log.child({ component: 'provisioning-log' }))
  try {
    const first = await firstStart(store)
    usage = new UsageRecorder(store, log, config.tokenUsageFlushMs)
    usage.start()
    const readiness = new Readiness()
    const app = createApp({ config, log, store, usage, provisioningLog, readiness })
    let http: RunningServer
    try {
      http = await listen(app, config.port, config.host, log)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code === 'EADDRINUSE') throw new PortInUseError(`PORT ${config.port} on HOST ${config.host} is already in use: stop the other process or set PORT`)
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new PortInUseError(`HOST ${config.host} is not an address of this machine`)
      throw err
    }
    opened.describe({ url: config.publicUrl })
    log.info({ store: opened.location, address: `${config.host}:${http.port}` }, 'Roster is listening')
    // With the embedded store no other process can open the data, so the server syncs its
    // directory-managed tenants itself; with a server database a `roster sync` worker may do it.
    const runSync = config.sync.worker === 'on' || (config.sync.worker === 'auto' && store.kind === 'pglite')
    const sync = runSync
      ? new DirectorySync({
          store,
          box: config.encryptionKey ? new SecretBox(config.encryptionKey) : undefined,
          policy: config.sync,
          log: log.child({ component: 'sync' }),
        }).scheduler({ intervalMs: config.sync.intervalMs })
      : null
    sync?.start()
    // Expired sessions, SAML request ids, consumed assertion ids and stale lockout counters are
    // refused by their checks anyway; this keeps the tables small. Every process may run it.
    const housekeeping = setInterval(() => {
      store.signInHousekeeping.purgeExpired(new Date()).catch((err: unknown) => log.warn({ err }, 'sign-in housekeeping failed'))
    }, HOUSEKEEPING_INTERVAL_MS)
    housekeeping.unref()
    // The provisioning log's retention window and per-tenant cap: idempotent bounded deletes, so
    // every node may run it.
    const pruning = setInterval(() => {
      pruneProvisioningLog(store, config.provisioningLog, new Date()).catch((err: unknown) => log.warn({ err }, 'provisioning log pruning failed'))
    }, HOUSEKEEPING_INTERVAL_MS)
    pruning.unref()
    let stopping: Promise<void> | undefined
    const recorder = usage
    return {
      store,
      http,
      sync,
      scimBaseUrl: `${config.publicUrl}${SCIM_PREFIX}`,
      firstStart: first,
      stop: () =>
        (stopping ??= (async () => {
          clearInterval(housekeeping)
          clearInterval(pruning)
          // Unready first: the balancer stops sending, then what is in flight drains.
          await readiness.drain(config.shutdownTimeoutMs)
          await http.close(config.shutdownTimeoutMs)
          await sync?.stop()
          await recorder.stop()
          // After the last request: its entry is in the buffer.
          await provisioningLog.stop()
          await store.close()
        })()),
    }
  } catch (err) {
    await usage?.stop().catch(() => undefined)
    await provisioningLog.stop().catch(() => undefined)
    await store.close().catch(() => undefined)
    throw err
  }
}

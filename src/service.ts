import { ensureEncryptionKeyFile, type Config } from './config.js'
import type { Logger } from './log.js'
import type { Store } from './domain/store.js'
import { openStore } from './store/open.js'
import { firstStart, type FirstStart } from './domain/administration/bootstrap.js'
import { UsageRecorder } from './domain/credentials/tokens.js'
import { createApp } from './app.js'
import { listen, type RunningServer } from './http/server.js'
import { Readiness } from './http/health.js'
import { PrometheusMetrics } from './ops/metrics.js'
import { serveMetrics } from './ops/metrics-server.js'
import { SCIM_PREFIX } from './scim/router.js'
import { SecretBox } from './domain/credentials/secrets.js'
import { DirectorySync, type SyncScheduler } from '../sync/service.js'
import { ProvisioningLogWriter } from './domain/provisioning/writer.js'
import { pruneProvisioningLog } from './domain/provisioning/retention.js'
import { listenCliSocket } from './cli/socket-server.js'

export interface Service {
  store: Store
  http: RunningServer
  /** The metrics listener (METRICS_PORT), when on. */
  metrics: RunningServer | null
  /** The directory sync scheduler, when it runs in this process (SYNC_WORKER). */
  sync: SyncScheduler | null
  scimBaseUrl: string
  /** Set on the first start of an empty store only. */
  firstStart: FirstStart | null
  /** The key file this start generated (embedded store, no ENCRYPTION_KEY), for the banner. */
  encryptionKeyCreated: string | undefined
  stop(): Promise<void>
}

const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000

export class PortInUseError extends Error {}

/** Opens the store, migrates, bootstraps an empty store, and serves HTTP. */
export async function startService(config: Config, log: Logger): Promise<Service> {
  // The embedded store's own ENCRYPTION_KEY, generated once into DATA_DIR (src/config.ts), so that
  // directory sync and SSO work from the first start; with DATABASE_URL the operator sets it.
  const keyed = ensureEncryptionKeyFile(config)
  config = keyed.config
  if (config.encryptionKeyConflict) {
    log.warn({ keyFile: config.encryptionKeyFile }, 'ENCRYPTION_KEY differs from the key in the data directory\'s key file: using ENCRYPTION_KEY (secrets sealed with the other key will not open)')
  }
  const metrics = config.metricsPort === undefined ? null : new PrometheusMetrics()
  const opened = await openStore({ ...config, metrics: metrics?.database }, log, { role: 'server', command: 'roster server' })
  const { store } = opened
  let usage: UsageRecorder | undefined
  const provisioningLog = new ProvisioningLogWriter(store, log.child({ component: 'provisioning-log' }))
  try {
    const first = await firstStart(store)
    if (first) log.info({ tenant: first.tenantSlug }, 'first start: created the tenant and its administrator')
    usage = new UsageRecorder(store, log, config.tokenUsageFlushMs)
    usage.start()
    const readiness = new Readiness()
    const app = createApp({ config, log, store, usage, provisioningLog, readiness, metrics: metrics ?? undefined })
    let http: RunningServer
    try {
      http = await listen(app, config.port, config.host, log)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code === 'EADDRINUSE') throw new PortInUseError(`PORT ${config.port} on HOST ${config.host} is already in use: stop the other process or set PORT`)
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw new PortInUseError(`HOST ${config.host} is not an address of this machine`)
      throw err
    }
    const metricsServer = metrics
      ? await serveMetrics(metrics, config.metricsPort!, config.host, log).catch(async (err: unknown) => {
          await http.close(0)
          throw err
        })
      : null
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
          metrics: metrics?.sync,
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
    // `roster` commands run in this process through DATA_DIR/roster.sock (src/cli/socket-server.ts).
    const cliSocket = await listenCliSocket(config, store, log.child({ component: 'cli-socket' }))
    let stopping: Promise<void> | undefined
    const recorder = usage
    return {
      store,
      http,
      metrics: metricsServer,
      sync,
      scimBaseUrl: `${config.publicUrl}${SCIM_PREFIX}`,
      firstStart: first,
      encryptionKeyCreated: keyed.created,
      stop: () =>
        (stopping ??= (async () => {
          await cliSocket?.close(config.shutdownTimeoutMs)
          clearInterval(housekeeping)
          clearInterval(pruning)
          // No new sync run from now; one in progress may finish while HTTP drains, or stops
          // between two changes after SHUTDOWN_TIMEOUT (interrupted, lease released: see
          // SyncScheduler.stop). It still needs the store, closed last.
          const syncStopped = sync?.stop(config.shutdownTimeoutMs)
          // Unready first: the balancer stops sending, then what is in flight drains.
          await readiness.drain(config.shutdownTimeoutMs)
          await http.close(config.shutdownTimeoutMs)
          await metricsServer?.close(1000)
          await syncStopped
          // After the last request: every token use is in the buffer; one batch writes them all.
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

import { Command } from 'commander'
import { requireTenant } from '../domain/tenancy/tenants.js'
import type { SecretBox } from '../domain/credentials/secrets.js'
import type { SyncRun } from '../domain/directory-sync/model.js'
import { createLogger, type Logger } from '../log.js'
import { DirectorySync, type SyncReport } from '../../sync/service.js'
import { CliError, requireSecretBox, withStore, type CliContext } from './context.js'
import { err, errStream, out, isoOrDash, printJsonLines, printTable } from './output.js'
import { parseSlug } from './tenant.js'
import { invocation } from './invocation.js'

/** The sync service as the CLI uses it: configuration's policy, logging to standard error. */
export function directorySync(config: CliContext['config'], store: CliContext['store'], box: SecretBox | undefined, log?: Logger): DirectorySync {
  return new DirectorySync({ store, box, policy: config.sync, log: log ?? createLogger({ logLevel: config.logLevel, logFormat: config.logFormat }, 'roster-sync', errStream) })
}

function duration(run: SyncRun): string {
  if (!run.finished) return '-'
  const ms = run.finished.getTime() - run.started.getTime()
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`
}

function printReport(report: SyncReport): void {
  const { run, samples } = report
  for (const w of report.warnings) err(`warning: ${w}\n`)
  const c = run.counts
  const line = (text: string) => out(`${text}\n`)
  line(`Run ${run.id}: ${run.mode}${run.dryRun ? ', dry run' : ''}${run.forced ? ', forced' : ''} — ${run.status} in ${duration(run)}`)
  line(`  read      ${c.usersRead} users, ${c.groupsRead} groups${c.deletionsRead ? `, ${c.deletionsRead} deletions` : ''}`)
  line(`  users     ${c.usersCreated} created, ${c.usersUpdated} updated, ${c.usersArchived} archived, ${c.usersRestored} restored, ${c.usersUnchanged} unchanged`)
  line(`  groups    ${c.groupsCreated} created, ${c.groupsUpdated} updated, ${c.groupsDeleted} deleted`)
  line(`  members   ${c.membersAdded} added, ${c.membersRemoved} removed`)
  if (samples && run.dryRun) {
    const show: Array<[keyof typeof samples, string]> = [
      ['usersCreated', 'would create'],
      ['usersUpdated', 'would update'],
      ['usersArchived', 'would archive'],
      ['usersRestored', 'would restore'],
      ['groupsCreated', 'would create group'],
      ['groupsUpdated', 'would update group'],
      ['groupsDeleted', 'would delete group'],
      ['membersAdded', 'would add member'],
      ['membersRemoved', 'would remove member'],
    ]
    for (const [key, label] of show) for (const s of samples[key]) line(`  ${label}: ${s}`)
  }
  if (c.errors) {
    line(`  problems  ${c.errors}${run.errors.length < c.errors ? ` (first ${run.errors.length} shown)` : ''}`)
    for (const e of run.errors) line(`    ${e.entry ? `${e.entry}: ` : ''}${e.message}`)
  }
  if (run.status !== 'succeeded') line(`  ${run.message ?? ''}`)
}

export function syncCommand(): Command {
  const cmd = new Command('sync')
    .summary('sync users and groups from directories: one run (--once), or the worker')
    .description(
      'sync users and groups from directories.\n' +
        '  roster sync --tenant <slug> --once   one run now\n' +
        '  roster sync                          the worker, until stopped: each\n' +
        '                                       directory-managed tenant,\n' +
        '                                       every SYNC_INTERVAL',
    )
    // `roster sync status --tenant x`: options after `status` are the subcommand's own.
    .enablePositionalOptions()
    .option('--tenant <slug>', 'only this tenant', parseSlug)
    .option('--once', 'one run, then exit (needs --tenant)')
    .option('--full', 'read everything and reconcile (default: incremental from the last mark; full every SYNC_FULL_EVERY runs)')
    .option('--dry-run', 'print what would change (counts and samples); write nothing')
    .option('--force', 'go ahead even when more than SYNC_MAX_ARCHIVE_PERCENT of the users would be archived')
    .option('--json', 'with --once: the run record as JSON')
    .action(async (opts: { tenant?: string; once?: boolean; full?: boolean; dryRun?: boolean; force?: boolean; json?: boolean }) => {
      if (!opts.once && (opts.full || opts.dryRun || opts.force)) throw new CliError('--full, --dry-run and --force apply to one run: add --once', 2)
      if (opts.once && !opts.tenant) throw new CliError('--once needs --tenant <slug>', 2)
      // A worker's life is its process's (it stops on SIGINT/SIGTERM): it cannot run inside the server
      // for a socket client, and the server already runs the scheduler itself unless SYNC_WORKER=off.
      if (!opts.once && invocation().server) {
        throw new CliError('a Roster server is running on this DATA_DIR and runs directory sync itself (unless SYNC_WORKER=off): use roster sync --tenant <slug> --once for one run now, or stop the server to run a separate worker', 2)
      }
      await withStore('sync', async ({ config, store }) => {
        const box = requireSecretBox(config)
        const log = createLogger({ logLevel: config.logLevel, logFormat: config.logFormat }, 'roster-sync', errStream)
        if (opts.once) {
          const tenant = await requireTenant(store, opts.tenant!)
          const report = await directorySync(config, store, box, log.child({}, { level: 'warn' })).run(tenant, { full: opts.full, dryRun: opts.dryRun, force: opts.force, trigger: 'cli' })
          if (opts.json) out(`${JSON.stringify({ ...report.run, samples: report.samples, warnings: report.warnings })}\n`)
          else printReport(report)
          if (report.run.status !== 'succeeded') throw new CliError(report.run.message ?? `run ${report.run.status}`)
          return
        }
        const tenantIds = opts.tenant ? [(await requireTenant(store, opts.tenant)).id] : undefined
        await runWorker(directorySync(config, store, box, log), config.sync.intervalMs, tenantIds, log, config.shutdownTimeoutMs)
      })
    })

  cmd
    .command('status')
    .description("a tenant's recent sync runs and where incremental sync resumes")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--limit <n>', 'how many runs', (v) => Math.max(1, Math.min(1000, Number(v) || 10)), 10)
    .option('--json', 'one JSON object per run')
    .action(async (opts: { tenant: string; limit: number; json?: boolean }) => {
      await withStore('sync status', async ({ config, store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const { runs, state } = await directorySync(config, store, undefined).status(tenant.id, opts.limit)
        if (opts.json) return printJsonLines(runs)
        out(
          `Tenant ${tenant.slug} (source ${tenant.source}). Resumes from: ${state.highWaterMark ? JSON.stringify(state.highWaterMark) : 'nothing yet (next run is full)'}; ` +
            `last full run: ${isoOrDash(state.lastFull)}; incremental runs since: ${state.runsSinceFull}` +
            `${state.lease && state.lease.expires > new Date() ? `; running now on ${state.lease.holder}` : ''}\n`,
        )
        if (!runs.length) {
          out('No runs yet.\n')
          return
        }
        printTable(
          runs.map((r) => ({
            started: r.started.toISOString(),
            mode: `${r.mode}${r.dryRun ? ' (dry)' : ''}${r.forced ? ' (forced)' : ''}`,
            status: r.status,
            took: duration(r),
            read: `${r.counts.usersRead}u/${r.counts.groupsRead}g`,
            users: `+${r.counts.usersCreated} ~${r.counts.usersUpdated} -${r.counts.usersArchived} ^${r.counts.usersRestored}`,
            groups: `+${r.counts.groupsCreated} ~${r.counts.groupsUpdated} -${r.counts.groupsDeleted}`,
            members: `+${r.counts.membersAdded} -${r.counts.membersRemoved}`,
            problems: String(r.counts.errors),
            message: r.status === 'succeeded' && !r.counts.errors ? '' : (r.message ?? ''),
          })),
          [
            ['started', 'STARTED'],
            ['mode', 'MODE'],
            ['status', 'STATUS'],
            ['took', 'TOOK'],
            ['read', 'READ'],
            ['users', 'USERS +new ~upd -arch ^rest'],
            ['groups', 'GROUPS'],
            ['members', 'MEMBERS'],
            ['problems', 'PROBLEMS'],
            ['message', 'MESSAGE'],
          ],
        )
      })
    })

  return cmd
}

/** Runs until SIGTERM/SIGINT; a run in progress then gets graceMs (SHUTDOWN_TIMEOUT) to finish. */
async function runWorker(sync: DirectorySync, intervalMs: number, tenantIds: string[] | undefined, log: Logger, graceMs: number): Promise<void> {
  const scheduler = sync.scheduler({ intervalMs, tenantIds })
  log.info({ intervalMs, tenants: tenantIds ?? 'every ldap tenant' }, 'sync worker started')
  scheduler.start()
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'sync worker stopping')
      scheduler.stop(graceMs).then(resolve, resolve)
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
}

import { Command, InvalidArgumentError } from 'commander'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { provisioningLogOn, type ProvisioningEntry } from '../domain/provisioning/model.js'
import { entryView } from '../domain/provisioning/view.js'
import { summary } from '../domain/provisioning/summary.js'
import { withStore } from './context.js'
import { err, out, printJsonLines } from './output.js'
import { parseSlug } from './tenant.js'

function limit(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000.')
  return n
}

/** One line an operator reads down a terminal: when, how it ended, what was asked, what happened. */
const entryLine = (e: ProvisioningEntry): string => `${e.at.toISOString()}  ${e.status}  ${e.method} ${e.path}  ${summary(e)}`

/** `roster scim …`: what the tenant's identity provider sent over SCIM. */
export function scimCommand(): Command {
  const cmd = new Command('scim').description("a tenant's SCIM provisioning: what its identity provider sent and what Roster made of it")
  cmd
    .command('log')
    .description("the provisioning log, newest first: every SCIM request with its status and what happened (docs/admin.md, Provisioning log)")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--failed', 'only requests answered with an error (status 400 and above)')
    .option('--limit <n>', 'how many entries', limit, 20)
    .option('--json', 'one JSON object per line, with the notes and the request and response bodies')
    .action(async (opts: { tenant: string; failed?: boolean; limit: number; json?: boolean }) => {
      await withStore('scim log', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        // Said on stderr so that the listing on stdout stays the same shape for scripts.
        if (!provisioningLogOn(tenant)) err(`The provisioning log is off for tenant ${tenant.slug}: new requests are not recorded (roster tenant update ${tenant.slug} --provisioning-log on).\n`)
        const page = await store.provisioningLog.list(tenant.id, { limit: opts.limit, ...(opts.failed ? { status: 'failed' as const } : {}) })
        if (opts.json) return printJsonLines(page.items.map(entryView))
        for (const e of page.items) out(`${entryLine(e)}\n`)
        if (!page.items.length) err(opts.failed ? 'No failed SCIM requests in the log.\n' : 'No SCIM requests in the log.\n')
      })
    })
  return cmd
}

import { Command, InvalidArgumentError } from 'commander'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { withStore } from './context.js'
import { printJsonLines, printTable } from './output.js'
import { parseSlug } from './tenant.js'

function limit(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000.')
  return n
}

/** `roster audit`: a tenant's most recent audit events, newest first (the console's view comes later). */
export function auditCommand(): Command {
  return new Command('audit')
    .description("a tenant's audit log, newest first: who changed what, sign-ins and refused sign-ins with their reason")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--action <action>', 'only this action, e.g. session.sign-in-failed, user.update')
    .option('--limit <n>', 'how many events', limit, 20)
    .option('--json', 'one JSON object per line, with the changes before and after')
    .action(async (opts: { tenant: string; action?: string; limit: number; json?: boolean }) => {
      await withStore('audit', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const page = await store.audit.list(tenant.id, { limit: opts.limit, action: opts.action })
        if (opts.json) return printJsonLines(page.items)
        printTable(
          page.items.map((e) => ({
            at: e.at.toISOString(),
            // A CLI actor's label already says cli:<login>.
            actor: e.actor.label.startsWith(`${e.actor.type}:`) ? e.actor.label : `${e.actor.type}:${e.actor.label}`,
            action: e.action,
            resource: `${e.resourceType}${e.resourceId ? ` ${e.resourceId}` : ''}`,
            changes: e.changes?.after ? JSON.stringify(e.changes.after).slice(0, 200) : (e.changes?.attributes.join(', ') ?? ''),
            request: e.requestId ?? '',
          })),
          [['at', 'AT'], ['actor', 'ACTOR'], ['action', 'ACTION'], ['resource', 'RESOURCE'], ['request', 'REQUEST'], ['changes', 'CHANGES']],
        )
      })
    })
}

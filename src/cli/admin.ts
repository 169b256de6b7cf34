import { Command } from 'commander'
import { createAdministrator } from '../domain/administration/administrators.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { withStore } from './context.js'
import { err, out } from './output.js'
import { parseSlug } from './tenant.js'

export function adminCommand(): Command {
  const cmd = new Command('admin').description('administrators of a tenant')
  cmd
    .command('create')
    .description(
      'create a local user with the Administrator role and a generated password, printed once, alone on standard output.\n' +
        'Directory- or IdP-managed tenants: give a synced user the role instead (roster role assign --role Administrator --user <name>).',
    )
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--username <name>', 'user name to sign in with')
    .option('--email <address>', 'email address')
    .action(async (opts: { tenant: string; username: string; email?: string }) => {
      await withStore('admin create', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const { password } = await createAdministrator(store, { tenant, actor, requestId: null }, { userName: opts.username, email: opts.email })
        out(`${password}\n`)
        err(`Administrator ${opts.username} created in tenant ${tenant.slug}; sign in at /login/${tenant.slug}. The password above is shown only this once.\n`)
      })
    })
  return cmd
}

import { Command, InvalidArgumentError } from 'commander'
import { issueToken, revokeToken } from '../domain/credentials/tokens.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { validateLabel } from '../domain/credentials/tokens.js'
import { withStore } from './context.js'
import { err, out, isoOrDash, printJsonLines, printTable } from './output.js'
import { parseSlug } from './tenant.js'

function parseLabel(value: string): string {
  try {
    return validateLabel(value)
  } catch (err) {
    if (err instanceof ValidationError) throw new InvalidArgumentError(`${err.message}.`)
    throw err
  }
}

export function tokenCommand(): Command {
  const cmd = new Command('token').description('manage SCIM bearer tokens of a tenant')

  cmd
    .command('create')
    .description('create a SCIM bearer token; prints it once, alone on standard output')
    .requiredOption('--tenant <slug>', 'tenant the token gives access to', parseSlug)
    .requiredOption('--name <label>', 'a name to recognise it by, e.g. "Okta production"', parseLabel)
    .action(async (opts: { tenant: string; name: string }) => {
      await withStore('token create', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const { secret } = await issueToken(store, tenant, opts.name, actor)
        out(`${secret}\n`)
        err(`Created token "${opts.name}" for tenant ${tenant.slug}. Copy it now: it is stored only as a hash and cannot be shown again.\n`)
      })
    })

  cmd
    .command('list')
    .description('list a tenant\'s tokens (never their secrets)')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--all', 'include revoked tokens')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { tenant: string; all?: boolean; json?: boolean }) => {
      await withStore('token list', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const tokens = await store.tokens.list(tenant.id, { includeRevoked: opts.all })
        const rows = tokens.map((t) => ({ name: t.label, created: isoOrDash(t.created), lastUsed: isoOrDash(t.lastUsed), revoked: isoOrDash(t.revoked) }))
        if (opts.json) return printJsonLines(rows)
        printTable(rows, [['name', 'NAME'], ['created', 'CREATED'], ['lastUsed', 'LAST USED'], ...(opts.all ? ([['revoked', 'REVOKED']] as Array<[string, string]>) : [])])
      })
    })

  cmd
    .command('revoke')
    .description('revoke a token by name; it stops working at once')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <label>', 'the token\'s name', parseLabel)
    .action(async (opts: { tenant: string; name: string }) => {
      await withStore('token revoke', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        await revokeToken(store, tenant, opts.name, actor)
        err(`Revoked token "${opts.name}" of tenant ${tenant.slug}.\n`)
      })
    })
  return cmd
}

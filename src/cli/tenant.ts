import { Command, InvalidArgumentError, Option } from 'commander'
import { IDENTITY_SOURCES, type IdentitySource } from '../domain/tenancy/model.js'
import { createTenant, SLUG_PATTERN, updateTenant } from '../domain/tenancy/tenants.js'
import { provisioningLogOn } from '../domain/provisioning/model.js'
import { CliError, withStore } from './context.js'
import { err, out, printJsonLines, printTable } from './output.js'

export function parseSlug(value: string): string {
  if (!SLUG_PATTERN.test(value)) throw new InvalidArgumentError('use 1-63 lower-case letters, digits and hyphens, not starting or ending with a hyphen.')
  return value
}

export function tenantCommand(): Command {
  const cmd = new Command('tenant').description('create, update and list tenants')

  cmd
    .command('create')
    .description('create a tenant')
    .argument('<slug>', 'short name used in URLs, e.g. acme', parseSlug)
    .option('--name <display name>', 'display name (default: the slug)')
    .addOption(
      new Option('--source <source>', 'who writes its users and groups: local (Roster), scim (one IdP) or ldap (a directory)')
        .choices(IDENTITY_SOURCES as string[])
        .default('local'),
    )
    .action(async (slug: string, opts: { name?: string; source: IdentitySource }) => {
      await withStore('tenant create', async ({ store, actor }) => {
        const tenant = await createTenant(store, actor, { slug, displayName: opts.name, source: opts.source })
        out(`${tenant.slug}\n`)
        err(`Created tenant ${tenant.slug} ("${tenant.displayName}", source ${tenant.source}, id ${tenant.id}).\n`)
      })
    })

  cmd
    .command('update')
    .description('change a tenant\'s display name, identity source, SCIM strict mode or provisioning log')
    .argument('<slug>', 'the tenant', parseSlug)
    .option('--name <display name>', 'new display name')
    .addOption(new Option('--source <source>', 'new identity source: local, scim or ldap').choices(IDENTITY_SOURCES as string[]))
    .addOption(
      new Option('--scim-strict <on|off>', 'on: refuse identity-provider dialects (Entra ID, Okta deviations) instead of normalising them').choices(['on', 'off']),
    )
    .addOption(new Option('--provisioning-log <on|off>', 'record every SCIM request and what Roster made of it (on by default; read with roster scim log)').choices(['on', 'off']))
    .action(async (slug: string, opts: { name?: string; source?: IdentitySource; scimStrict?: 'on' | 'off'; provisioningLog?: 'on' | 'off' }) => {
      if (opts.name === undefined && opts.source === undefined && opts.scimStrict === undefined && opts.provisioningLog === undefined) {
        throw new CliError('nothing to change: give --name, --source, --scim-strict or --provisioning-log', 2)
      }
      await withStore('tenant update', async ({ store, actor }) => {
        const t = await updateTenant(store, actor, slug, {
          displayName: opts.name,
          source: opts.source,
          ...(opts.scimStrict ? { scimStrict: opts.scimStrict === 'on' } : {}),
          ...(opts.provisioningLog ? { provisioningLog: opts.provisioningLog === 'on' } : {}),
        })
        err(
          `Updated tenant ${t.slug} ("${t.displayName}", source ${t.source}, SCIM strict mode ${t.settings.scimStrict === true ? 'on' : 'off'}, provisioning log ${provisioningLogOn(t) ? 'on' : 'off'}).\n`,
        )
      })
    })

  cmd
    .command('list')
    .description('list tenants')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withStore('tenant list', async ({ store }) => {
        const tenants = await store.tenants.list()
        if (opts.json) {
          printJsonLines(
            tenants.map((t) => ({ id: t.id, slug: t.slug, name: t.displayName, source: t.source, scimStrict: t.settings.scimStrict === true, provisioningLog: provisioningLogOn(t), created: t.created.toISOString() })),
          )
          return
        }
        printTable(
          tenants.map((t) => ({ slug: t.slug, name: t.displayName, source: t.source, created: t.created.toISOString(), id: t.id })),
          [['slug', 'SLUG'], ['name', 'NAME'], ['source', 'SOURCE'], ['created', 'CREATED'], ['id', 'ID']],
        )
      })
    })
  return cmd
}

import fs from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { ValidationError } from '../domain/kernel/errors.js'
import {
  DEFAULT_PAGE_SIZE,
  DirectoryError,
  MAPPING_TARGETS,
  MAX_PAGE_SIZE,
  NoDirectoryConnectionError,
  PRESETS,
  PRESET_NAMES,
  effectiveSettings,
  parseMapping,
  validateSettings,
  type DirectorySettings,
  type PresetName,
} from '../../sync/service.js'
import { CliError, collect, requireSecretBox, withStore } from './context.js'
import { directorySync } from './sync.js'
import { parseSlug } from './tenant.js'
import { err, out, printPairs } from './output.js'
import { callerPath, invocation } from './invocation.js'


function pageSize(value: string): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_PAGE_SIZE) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_PAGE_SIZE}.`)
  return n
}

interface SetOptions {
  tenant: string
  preset: PresetName
  url: string
  starttls?: boolean
  caFile?: string
  insecureTls?: boolean
  bindDn: string
  bindPasswordFile?: string
  bindPasswordEnv?: string
  baseDn: string[]
  userFilter?: string
  groupFilter?: string
  pageSize?: number
  map?: string[]
}

/** The bind password from a file or a variable: never from the command line (it would show in ps). */
function readPassword(opts: SetOptions): string {
  if (!!opts.bindPasswordFile === !!opts.bindPasswordEnv) throw new CliError('give the bind password with exactly one of --bind-password-file <path> or --bind-password-env <VAR>', 2)
  let password: string
  if (opts.bindPasswordFile) {
    try {
      password = fs.readFileSync(callerPath(opts.bindPasswordFile), 'utf8')
    } catch (err) {
      throw new CliError(`cannot read --bind-password-file ${opts.bindPasswordFile}: ${(err as Error).message}`, 2)
    }
  } else {
    const value = invocation().env[opts.bindPasswordEnv!]
    if (value === undefined || value === '') throw new CliError(`--bind-password-env ${opts.bindPasswordEnv}: that variable is not set`, 2)
    password = value
  }
  // One trailing newline is how files end, not part of the password.
  password = password.replace(/\r?\n$/, '')
  if (!password) throw new CliError('the bind password is empty', 2)
  return password
}

function buildSettings(opts: SetOptions): DirectorySettings {
  let caPem: string | null = null
  if (opts.caFile) {
    try {
      caPem = fs.readFileSync(callerPath(opts.caFile), 'utf8')
    } catch (err) {
      throw new CliError(`cannot read --ca-file ${opts.caFile}: ${(err as Error).message}`, 2)
    }
  }
  try {
    return validateSettings({
      preset: opts.preset,
      url: opts.url,
      startTls: !!opts.starttls,
      caPem,
      insecureTls: !!opts.insecureTls,
      bindDn: opts.bindDn,
      baseDns: opts.baseDn,
      userFilter: opts.userFilter ?? null,
      groupFilter: opts.groupFilter ?? null,
      pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
      mapping: parseMapping(opts.map ?? []),
    })
  } catch (err) {
    if (err instanceof ValidationError) throw new CliError(err.message, 2)
    throw err
  }
}

/** What `show` prints: everything but secrets; the CA as its first line and size. */
function describeSettings(s: DirectorySettings): Array<[string, string]> {
  const e = effectiveSettings(s)
  const rows: Array<[string, string]> = [
    ['preset', `${s.preset} (${PRESETS[s.preset].label})`],
    ['url', s.url],
    ['tls', s.url.startsWith('ldaps:') ? 'LDAPS' : s.startTls ? 'StartTLS' : 'none (plain LDAP)'],
    ['certificate check', s.insecureTls ? 'OFF (--insecure-tls)' : s.caPem ? `CA from file (${(s.caPem.match(/BEGIN CERTIFICATE/g) ?? []).length} certificate(s))` : 'system CAs'],
    ['bind DN', s.bindDn],
    ['bind password', 'set (sealed; never shown)'],
    ...s.baseDns.map((dn, i): [string, string] => [i ? '' : 'base DN', dn]),
    ['user filter', `${e.effectiveUserFilter}${s.userFilter ? '' : ' (preset)'}`],
    ['group filter', `${e.effectiveGroupFilter}${s.groupFilter ? '' : ' (preset)'}`],
    ['page size', String(s.pageSize)],
    ['change tracking', e.presetDefinition.changeTracking === 'usn' ? 'uSNChanged / highestCommittedUSN' : 'modifyTimestamp'],
  ]
  for (const target of MAPPING_TARGETS) {
    const attr = e.effectiveMapping[target]
    const overridden = target in s.mapping
    rows.push([target === MAPPING_TARGETS[0] ? 'mapping' : '', `${target} = ${attr || '(off)'}${overridden ? ' (override)' : ''}`])
  }
  return rows
}

export function directoryCommand(): Command {
  const cmd = new Command('directory').description("a tenant's directory connection (Active Directory or LDAP) for the sync")

  cmd
    .command('set')
    .description(
      'connect a tenant to its directory; the tenant becomes directory-managed (source ldap).\n' +
        'The bind password is read from a file or an environment variable (never the command line) and stored sealed with ENCRYPTION_KEY.',
    )
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .addOption(new Option('--preset <preset>', 'kind of directory: attribute mapping, filters and change tracking').choices(PRESET_NAMES as string[]).makeOptionMandatory())
    .requiredOption('--url <url>', 'ldaps://host[:port], or ldap://host[:port] (with --starttls)')
    .option('--starttls', 'upgrade an ldap:// connection with StartTLS before binding')
    .addOption(new Option('--ca-file <pem>', 'CA certificate(s) that issued the server certificate (PEM)').conflicts('insecureTls'))
    .option('--insecure-tls', 'accept any server certificate (labs only; warned about on every run)')
    .requiredOption('--bind-dn <dn>', 'account to bind as (a DN; for AD also user@domain)')
    .option('--bind-password-file <path>', 'file holding the bind password (one trailing newline is ignored)')
    .option('--bind-password-env <VAR>', 'environment variable holding the bind password')
    .requiredOption('--base-dn <dn>', 'subtree to sync users and groups from (repeatable)', collect)
    .option('--user-filter <filter>', 'LDAP filter selecting users (default: the preset\'s)')
    .option('--group-filter <filter>', 'LDAP filter selecting groups (default: the preset\'s)')
    .option('--page-size <n>', `entries per page of the paged search (default ${DEFAULT_PAGE_SIZE})`, pageSize)
    .option('--map <scimAttr=ldapAttr>', `override one mapping entry (repeatable; empty attribute = off). Targets: ${MAPPING_TARGETS.join(', ')}`, collect)
    .action(async (opts: SetOptions) => {
      const settings = buildSettings(opts)
      const password = readPassword(opts)
      await withStore('directory set', async ({ config, store, actor }) => {
        const box = requireSecretBox(config)
        const tenant = await requireTenant(store, opts.tenant)
        await directorySync(config, store, box).setConnection({ tenant, actor, requestId: null }, settings, password)
        out(`Directory connection of tenant ${tenant.slug} saved; the tenant is now managed by its directory (source ldap).\n`)
        out(`Next: roster directory test --tenant ${tenant.slug}, then roster sync --tenant ${tenant.slug} --once\n`)
      })
    })

  cmd
    .command('show')
    .description("show a tenant's directory connection (never the password)")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--json', 'as one JSON object')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      await withStore('directory show', async ({ config, store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const stored = await directorySync(config, store, undefined).connection(tenant.id)
        if (!stored) throw new CliError(`tenant ${tenant.slug} has no directory connection; set one with roster directory set`)
        const { settings, effective: e } = stored
        if (opts.json) {
          const { caPem, ...rest } = settings
          out(
            `${JSON.stringify({ tenant: tenant.slug, source: tenant.source, ...rest, caCertificate: caPem !== null, effectiveUserFilter: e.effectiveUserFilter, effectiveGroupFilter: e.effectiveGroupFilter, effectiveMapping: e.effectiveMapping, modified: stored.modified })}\n`,
          )
          return
        }
        printPairs([['tenant', `${tenant.slug} (source ${tenant.source})`], ...describeSettings(settings), ['last changed', stored.modified.toISOString()]])
      })
    })

  cmd
    .command('test')
    .description('connect, bind, count users and groups, and show three users as they would be synced; writes nothing')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--user <userName>', 'show this one user as it would be synced (matched on the attribute mapped to userName)')
    .action(async (opts: { tenant: string; user?: string }) => {
      await withStore('directory test', async ({ config, store }) => {
        const box = requireSecretBox(config)
        const tenant = await requireTenant(store, opts.tenant)
        let tested
        try {
          tested = await directorySync(config, store, box).test(tenant, { userName: opts.user })
        } catch (err) {
          if (err instanceof NoDirectoryConnectionError) throw new CliError(`tenant ${tenant.slug} has no directory connection; set one with roster directory set`)
          if (err instanceof DirectoryError) throw new CliError(`directory test failed: ${err.message}`)
          throw err
        }
        const { settings, result } = tested
        for (const w of result.warnings) err(`warning: ${w}\n`)
        out(`Connected to ${settings.url} and bound as ${settings.bindDn}.\n`)
        if (opts.user === undefined) out(`Users: ${result.users}   Groups: ${result.groups}   (under ${settings.baseDns.join('; ')})\n`)
        else out(`Users named ${JSON.stringify(opts.user)}: ${result.users}\n`)
        if (result.skippedCount) {
          out(`${result.skippedCount} user entr${result.skippedCount === 1 ? 'y' : 'ies'} would be skipped, e.g.:\n`)
          for (const s of result.skipped) out(`  ${s.dn}: ${s.problem}\n`)
        }
        out(result.samples.length ? 'Samples, as they would be synced:\n' : 'No users match the user filter.\n')
        for (const s of result.samples) {
          const u = s.user
          out(`  ${s.dn}\n`)
          const fields: Array<[string, string | null]> = [
            ['anchor', s.anchor],
            ['userName', u.userName],
            ['name', [u.givenName, u.familyName].filter(Boolean).join(' ') || null],
            ['displayName', u.displayName],
            ['email', u.email],
            ['phone', u.phone],
            ['title', u.title],
            ['department', u.department],
            ['employeeNumber', u.employeeNumber],
            ['manager', u.managerDn],
            ['active', String(u.active)],
          ]
          for (const [k, v] of fields) if (v) out(`    ${k.padEnd(15)}${v}\n`)
        }
      })
    })

  return cmd
}

import { Command, InvalidArgumentError, Option } from 'commander'
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { GroupOfMember, User } from '../domain/identity/model.js'
import type { CustomAttribute } from '../domain/identity/custom-attribute-model.js'
import type { WriteContext } from '../domain/identity/writes.js'
import { USER_LIST_SORTS, type UserListSort, type UserListView } from '../domain/identity/persister.js'
import { listAttributes } from '../domain/identity/custom-attributes.js'
import { changeStatus, createPerson, deleteHandingOver, editPerson, listUsers, userDetail, type AttributeValues, type PersonEdit, type StatusChange, type UserDetail } from '../domain/administration/users.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { personView } from '../domain/administration/person-view.js'
import { CliError, collect, withStore, type CliContext } from './context.js'
import { err, out, printJsonLines, printPairs, printTable } from './output.js'
import { parseSlug } from './tenant.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A user named by userName or id (an id is tried first: a userName never looks like one in practice). */
export async function userOf(store: Store, tenant: Tenant, ref: string): Promise<User> {
  const user = (UUID.test(ref) ? await store.users.get(tenant.id, ref) : null) ?? (await store.users.getByUserName(tenant.id, ref))
  if (!user) throw new CliError(`no user "${ref}" in tenant ${tenant.slug}`)
  return user
}

/** The CLI's writes: the `cli` channel (the tenant's source of truth decides), audited as `cli:<login>`. */
export const cliWrite = (ctx: CliContext, tenant: Tenant): WriteContext => ({ tenant, actor: ctx.actor, channel: 'cli', requestId: null })

export function parseLimit(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('a whole number from 1 to 500.')
  return n
}

/** `--attr name=value` (repeatable), checked while parsing the arguments. */
function collectAttr(pair: string, previous: Array<[string, string]> = []): Array<[string, string]> {
  const eq = pair.indexOf('=')
  if (eq < 1) throw new InvalidArgumentError(`give name=value, not "${pair}".`)
  return [...previous, [pair.slice(0, eq), pair.slice(eq + 1)]]
}

/** An empty value clears the attribute; a yes/no attribute takes true or false. */
function attributeValues(pairs: Array<[string, string]>, definitions: readonly CustomAttribute[]): AttributeValues {
  const values: AttributeValues = {}
  for (const [name, raw] of pairs) {
    const def = definitions.find((d) => d.name.toLowerCase() === name.toLowerCase())
    // Only the spelling of a yes/no value is the CLI's to translate; the domain checks the rest.
    values[name] = raw === '' ? null : def?.type === 'boolean' && (raw === 'true' || raw === 'false') ? raw === 'true' : raw
  }
  return values
}

const groupsJson = (groups: GroupOfMember[]) => groups.map((g) => ({ id: g.groupId, displayName: g.displayName, direct: g.direct }))

const rolesJson = (detail: UserDetail) => ({
  own: detail.access.roles.filter((r) => r.via === null).map((r) => r.role.name),
  effective: detail.access.roles.map((r) => ({ name: r.role.name, permissions: r.role.permissions, via: r.via?.map((g) => g.groupName) ?? null })),
  permissions: detail.access.permissions,
})

const roleLine = (r: UserDetail['access']['roles'][number]) => `${r.role.name}${r.via ? ` (via group ${r.via.map((g) => g.groupName).join(', ')})` : ''}`

/** Label/value rows of a list: the label on the first row only, "(none)" for an empty list. */
const listRows = (label: string, values: string[]): Array<[string, string]> => (values.length ? values.map((v, i) => [i ? '' : label, v]) : [[label, '(none)']])

async function groupsOfUser(store: Store, tenant: Tenant, userId: string): Promise<GroupOfMember[]> {
  return (await store.memberships.groupsOfMembers(tenant.id, [userId])).get(userId) ?? []
}

interface PersonOptions {
  firstName?: string
  lastName?: string
  email?: string
  phone?: string
  externalId?: string
  attr: Array<[string, string]>
}

/** The person fields shared by create and edit; an empty --phone or --external-id clears it. */
function personFields(opts: PersonOptions, definitions: readonly CustomAttribute[]): PersonEdit {
  return {
    ...(opts.firstName !== undefined ? { firstName: opts.firstName } : {}),
    ...(opts.lastName !== undefined ? { lastName: opts.lastName } : {}),
    ...(opts.email !== undefined ? { email: opts.email } : {}),
    ...(opts.phone !== undefined ? { phone: opts.phone || null } : {}),
    ...(opts.externalId !== undefined ? { externalId: opts.externalId || null } : {}),
    ...(opts.attr.length ? { attributes: attributeValues(opts.attr, definitions) } : {}),
  }
}

const tenantOption = () => new Option('--tenant <slug>', 'tenant').argParser(parseSlug).makeOptionMandatory()

const STATUS_DONE: Record<StatusChange, string> = { activate: 'Activated', deactivate: 'Deactivated', archive: 'Archived', restore: 'Restored' }
const STATUS_HELP: Record<StatusChange, string> = {
  activate: 'let an inactive user sign in again',
  deactivate: 'stop a user signing in (ends its sessions); it shows under --status inactive',
  archive: 'move a user to the archive (ends its sessions): where removed people wait',
  restore: 'bring an archived user back, active',
}

export function userCommand(): Command {
  const cmd = new Command('user').description("a tenant's users, as the console manages them (users are named by userName or id)")

  cmd
    .command('list')
    .description("one page of the tenant's users, as the console lists them")
    .addOption(tenantOption())
    .option('--search <text>', 'what the console\'s search box takes (userName, name, email…; every word must match)')
    .addOption(new Option('--status <status>', 'which view').choices(['active', 'inactive', 'archived']).default('active'))
    .addOption(new Option('--sort <column>', 'sort by').choices([...USER_LIST_SORTS]).default('userName'))
    .addOption(new Option('--order <order>', 'sort order').choices(['asc', 'desc']).default('asc'))
    .option('--limit <n>', 'users per page, 1-500 (default 50)', parseLimit)
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--json', 'one JSON object per line (the next cursor goes to standard error)')
    .action(async (opts: { tenant: string; search?: string; status: UserListView; sort: UserListSort; order: 'asc' | 'desc'; limit?: number; cursor?: string; json?: boolean }) => {
      await withStore('user list', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const page = await listUsers(store, tenant.id, { view: opts.status, search: opts.search, sort: opts.sort, order: opts.order, after: opts.cursor ?? null, limit: opts.limit ?? 50 })
        if (opts.json) {
          const definitions = await listAttributes(store, tenant.id)
          printJsonLines(page.items.map((u) => ({ ...personView(u, definitions), lastSignIn: u.lastSignIn?.toISOString() ?? null })))
        } else {
          printTable(
            page.items.map((u) => ({ userName: u.userName, name: u.displayName ?? '', email: u.email ?? '', status: u.status, lastSignIn: u.lastSignIn?.toISOString() ?? '-' })),
            [['userName', 'USERNAME'], ['name', 'NAME'], ['email', 'EMAIL'], ['status', 'STATUS'], ['lastSignIn', 'LAST SIGN-IN']],
          )
        }
        const total = page.totalExact ? `${page.total}` : `more than ${page.total - 1}`
        err(`${page.items.length} of ${total} ${opts.status} users${page.next ? `; next page: --cursor ${page.next}` : ''}\n`)
      })
    })

  cmd
    .command('show')
    .description("a user's attributes, status, groups, own and effective roles, and what it owns")
    .argument('<user>', 'userName or id')
    .addOption(tenantOption())
    .option('--json', 'as one JSON object')
    .action(async (ref: string, opts: { tenant: string; json?: boolean }) => {
      await withStore('user show', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const user = await userOf(store, tenant, ref)
        const [detail, groups, definitions] = await Promise.all([userDetail(store, tenant, user.id, 'cli'), groupsOfUser(store, tenant, user.id), listAttributes(store, tenant.id)])
        const json = personView(detail.user, definitions)
        if (opts.json) {
          return printJsonLines([
            { ...json, groups: groupsJson(groups), roles: rolesJson(detail), ownedGroups: detail.ownedGroups, ownedServiceAccounts: detail.ownedServiceAccounts, editable: detail.editable },
          ])
        }
        const labelOf = (name: string) => definitions.find((d) => d.name === name)?.label ?? name
        printPairs([
          ['id', json.id],
          ['userName', json.userName],
          ['name', json.displayName ?? '-'],
          ['email', json.email ?? '-'],
          ['phone', json.phone ?? '-'],
          ['externalId', json.externalId ?? '-'],
          ['status', json.status],
          ['origin', `${json.origin}${detail.editable ? '' : ` (tenant ${tenant.slug} is managed by its ${tenant.source === 'ldap' ? 'directory' : 'identity provider'}: read-only here)`}`],
          ...listRows('attributes', Object.entries(json.attributes ?? {}).map(([k, v]) => `${labelOf(k)}: ${String(v)}`)),
          ...listRows('groups', groups.map((g) => `${g.displayName}${g.direct ? '' : ' (through a nested group)'}`)),
          ...listRows('roles', detail.access.roles.map(roleLine)),
          ['permissions', detail.access.permissions.join(' ') || '(none)'],
          ...(detail.ownedGroups.length || detail.ownedServiceAccounts.length
            ? ([['owns', `${detail.ownedGroups.length} group(s), ${detail.ownedServiceAccounts.length} service account(s)`]] as Array<[string, string]>)
            : []),
          ['created', json.created],
          ['modified', json.modified],
        ])
      })
    })

  const personOptions = (c: Command, creating: boolean) =>
    c
      .addOption(new Option('--first-name <name>', 'given name').makeOptionMandatory(creating))
      .addOption(new Option('--last-name <name>', 'family name').makeOptionMandatory(creating))
      .addOption(new Option('--email <email>', 'email address, unique in the tenant').makeOptionMandatory(creating))
      .option('--phone <phone>', creating ? 'phone number' : 'phone number ("" to clear it)')
      .option('--external-id <id>', creating ? 'the ID another system knows the user by' : 'external ID ("" to clear it)')
      .option('--attr <name=value>', 'a custom attribute value (repeatable; "name=" clears it; yes/no attributes take true or false)', collectAttr, [])

  personOptions(
    cmd
      .command('create')
      .description('create a user; prints its id (and a generated password, once, with --generate-password)')
      .argument('<userName>', 'the sign-in name, unique in the tenant (fixed once created)')
      .addOption(tenantOption()),
    true,
  )
    .option('--inactive', 'create it inactive (it cannot sign in until activated)')
    .option('--generate-password', 'give it a generated password, printed once on standard output (default: none, single sign-on only)')
    .option('--role <name>', 'a role to give it (repeatable)', collect, [])
    .action(async (userName: string, opts: PersonOptions & { tenant: string; firstName: string; lastName: string; email: string; inactive?: boolean; generatePassword?: boolean; role: string[] }) => {
      await withStore('user create', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const definitions = await listAttributes(ctx.store, tenant.id)
        const fields = personFields(opts, definitions)
        const { user, generatedPassword } = await createPerson(ctx.store, cliWrite(ctx, tenant), {
          userName,
          firstName: opts.firstName,
          lastName: opts.lastName,
          email: opts.email,
          phone: fields.phone ?? null,
          externalId: fields.externalId ?? null,
          attributes: fields.attributes,
          status: opts.inactive ? 'inactive' : 'active',
          password: opts.generatePassword ? 'generate' : null,
          roles: opts.role,
        })
        out(`${user.id}\n`)
        if (generatedPassword) {
          out(`${generatedPassword}\n`)
          err('The password is shown only this once: hand it over safely.\n')
        }
        err(`Created user ${user.userName} (${user.status}) in tenant ${tenant.slug}.\n`)
      })
    })

  personOptions(cmd.command('edit').description("change a user's name, email, phone, external ID or custom attributes (the userName is fixed)").argument('<user>', 'userName or id').addOption(tenantOption()), false).action(
    async (ref: string, opts: PersonOptions & { tenant: string }) => {
      if ([opts.firstName, opts.lastName, opts.email, opts.phone, opts.externalId].every((v) => v === undefined) && !opts.attr.length) {
        throw new CliError('nothing to change: give --first-name, --last-name, --email, --phone, --external-id or --attr', 2)
      }
      await withStore('user edit', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const user = await userOf(ctx.store, tenant, ref)
        const edited = await editPerson(ctx.store, cliWrite(ctx, tenant), user.id, personFields(opts, await listAttributes(ctx.store, tenant.id)))
        err(`Updated user ${edited.userName} (version ${edited.version}).\n`)
      })
    },
  )

  for (const change of ['activate', 'deactivate', 'archive', 'restore'] as const) {
    cmd
      .command(change)
      .description(STATUS_HELP[change])
      .argument('<user>', 'userName or id')
      .addOption(tenantOption())
      .action(async (ref: string, opts: { tenant: string }) => {
        await withStore(`user ${change}`, async (ctx) => {
          const tenant = await requireTenant(ctx.store, opts.tenant)
          const user = await userOf(ctx.store, tenant, ref)
          const changed = await changeStatus(ctx.store, cliWrite(ctx, tenant), user.id, change)
          err(`${STATUS_DONE[change]} ${changed.userName}: now ${changed.status}.\n`)
        })
      })
  }

  cmd
    .command('delete')
    .description('delete a user for good; the groups and service accounts it owns go to --hand-over-to in the same change')
    .argument('<user>', 'userName or id')
    .addOption(tenantOption())
    .option('--hand-over-to <userName>', 'an active user who becomes the owner of what the deleted user owns')
    .action(async (ref: string, opts: { tenant: string; handOverTo?: string }) => {
      await withStore('user delete', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const user = await userOf(ctx.store, tenant, ref)
        const heir = opts.handOverTo ? await userOf(ctx.store, tenant, opts.handOverTo) : null
        await deleteHandingOver(ctx.store, cliWrite(ctx, tenant), user.id, { replacementOwnerId: heir?.id ?? null, handOverHint: '--hand-over-to <userName>' })
        err(`Deleted user ${user.userName}.\n`)
      })
    })

  cmd
    .command('roles')
    .description("a user's own roles and its effective ones (with the groups they come through); change them with roster role assign/unassign")
    .argument('<user>', 'userName or id')
    .addOption(tenantOption())
    .option('--json', 'as one JSON object')
    .action(async (ref: string, opts: { tenant: string; json?: boolean }) => {
      await withStore('user roles', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const user = await userOf(store, tenant, ref)
        const detail = await userDetail(store, tenant, user.id, 'cli')
        if (opts.json) return printJsonLines([rolesJson(detail)])
        printPairs([
          ...listRows('own', detail.access.roles.filter((r) => r.via === null).map((r) => r.role.name)),
          ...listRows('effective', detail.access.roles.map(roleLine)),
          ['permissions', detail.access.permissions.join(' ') || '(none)'],
        ])
      })
    })

  cmd
    .command('groups')
    .description('the groups a user belongs to, directly or through nested groups')
    .argument('<user>', 'userName or id')
    .addOption(tenantOption())
    .option('--json', 'one JSON object per line')
    .action(async (ref: string, opts: { tenant: string; json?: boolean }) => {
      await withStore('user groups', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const user = await userOf(store, tenant, ref)
        const groups = await groupsOfUser(store, tenant, user.id)
        if (opts.json) return printJsonLines(groupsJson(groups))
        printTable(
          groups.map((g) => ({ name: g.displayName, membership: g.direct ? 'direct' : 'nested', id: g.groupId })),
          [['name', 'GROUP'], ['membership', 'MEMBERSHIP'], ['id', 'ID']],
        )
      })
    })

  return cmd
}

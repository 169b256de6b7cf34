import { Command, Option } from 'commander'
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { Group } from '../domain/identity/model.js'
import { deleteGroup } from '../domain/identity/groups.js'
import { changeMembers, createGroupWith, groupDetail, groupMembers, listGroups, updateGroupWith } from '../domain/administration/groups.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { CliError, collect, withStore } from './context.js'
import { err, out, printJsonLines, printPairs, printTable } from './output.js'
import { parseSlug } from './tenant.js'
import { cliWrite, parseLimit, userOf } from './user.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A group named by display name or id. Display names need not be unique: a shared one is refused. */
async function groupOf(store: Store, tenant: Tenant, ref: string): Promise<Group> {
  const byId = UUID.test(ref) ? await store.groups.get(tenant.id, ref) : null
  if (byId) return byId
  const group = await store.groups.getByDisplayName(tenant.id, ref)
  if (!group) throw new CliError(`no group "${ref}" in tenant ${tenant.slug}`)
  const named = (await store.groupList.list(tenant.id, { search: ref, limit: 500 })).items.filter((g) => g.displayName.toLowerCase() === group.displayName.toLowerCase())
  if (named.length > 1) throw new CliError(`${named.length} groups are named "${group.displayName}" in tenant ${tenant.slug}: name one by id (${named.map((g) => g.id).join(', ')})`)
  return group
}

const tenantOption = () => new Option('--tenant <slug>', 'tenant').argParser(parseSlug).makeOptionMandatory()

const printNext = (next: string | null, what: string) => {
  if (next) err(`more ${what}: --cursor ${next}\n`)
}

export function groupCommand(): Command {
  const cmd = new Command('group').description("a tenant's groups, as the console manages them (groups are named by display name or id)")

  cmd
    .command('list')
    .description("one page of the tenant's groups, with member count, owner and roles")
    .addOption(tenantOption())
    .option('--search <text>', 'display names containing this')
    .option('--limit <n>', 'groups per page, 1-500 (default 50)', parseLimit)
    .option('--cursor <cursor>', 'the next page: the cursor the previous page printed')
    .option('--json', 'one JSON object per line (the next cursor goes to standard error)')
    .action(async (opts: { tenant: string; search?: string; limit?: number; cursor?: string; json?: boolean }) => {
      await withStore('group list', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const page = await listGroups(store, tenant.id, { search: opts.search, after: opts.cursor ?? null, limit: opts.limit ?? 50 })
        if (opts.json) {
          printJsonLines(
            page.items.map((g) => ({ id: g.id, displayName: g.displayName, origin: g.origin, memberCount: g.memberCount, owner: g.owner, roles: g.roles.map((r) => r.name), version: g.version, created: g.created.toISOString(), modified: g.modified.toISOString() })),
          )
        } else {
          printTable(
            page.items.map((g) => ({ name: g.displayName, members: String(g.memberCount), owner: g.owner?.userName ?? '-', roles: g.roles.map((r) => r.name).join(', ') || '-', id: g.id })),
            [['name', 'NAME'], ['members', 'MEMBERS'], ['owner', 'OWNER'], ['roles', 'ROLES'], ['id', 'ID']],
          )
        }
        printNext(page.next, 'groups')
      })
    })

  cmd
    .command('show')
    .description('a group, its owner and roles, and one page of its members')
    .argument('<group>', 'display name or id')
    .addOption(tenantOption())
    .option('--search <text>', 'members whose userName, name or email contains this')
    .option('--limit <n>', 'members per page, 1-500 (default 50)', parseLimit)
    .option('--cursor <cursor>', 'the next page of members: the cursor the previous page printed')
    .option('--json', 'as one JSON object (members.next: the next cursor)')
    .action(async (ref: string, opts: { tenant: string; search?: string; limit?: number; cursor?: string; json?: boolean }) => {
      await withStore('group show', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const group = await groupOf(store, tenant, ref)
        const [d, members] = await Promise.all([groupDetail(store, tenant.id, group.id), groupMembers(store, tenant.id, group.id, { search: opts.search, after: opts.cursor ?? null, limit: opts.limit ?? 50 })])
        if (opts.json) {
          return printJsonLines([
            { id: d.group.id, displayName: d.group.displayName, origin: d.group.origin, owner: d.owner, roles: d.roles.map((r) => r.name), memberCount: d.memberCount, version: d.group.version, created: d.group.created.toISOString(), modified: d.group.modified.toISOString(), members },
          ])
        }
        printPairs([
          ['id', d.group.id],
          ['name', d.group.displayName],
          ['origin', d.group.origin],
          ['owner', d.owner?.userName ?? '-'],
          ['roles', d.roles.map((r) => r.name).join(', ') || '(none)'],
          ['members', String(d.memberCount)],
        ])
        if (members.items.length) {
          out('\n')
          printTable(
            members.items.map((m) => ({ name: m.name, type: m.type === 'User' ? 'user' : 'group', email: m.email ?? '-', id: m.id })),
            [['name', 'MEMBER'], ['type', 'TYPE'], ['email', 'EMAIL'], ['id', 'ID']],
          )
        }
        printNext(members.next, 'members')
      })
    })

  cmd
    .command('create')
    .description('create a group; prints its id')
    .argument('<displayName>', 'the group name, unique in the tenant')
    .addOption(tenantOption())
    .option('--owner <userName>', 'the user responsible for it')
    .action(async (displayName: string, opts: { tenant: string; owner?: string }) => {
      await withStore('group create', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const owner = opts.owner ? await userOf(ctx.store, tenant, opts.owner) : null
        const group = await createGroupWith(ctx.store, cliWrite(ctx, tenant), { displayName, ownerId: owner?.id ?? null })
        out(`${group.id}\n`)
        err(`Created group ${group.displayName} in tenant ${tenant.slug}.\n`)
      })
    })

  cmd
    .command('edit')
    .description('rename a group or change its owner (owners are Roster\'s own: allowed whatever the tenant\'s source)')
    .argument('<group>', 'display name or id')
    .addOption(tenantOption())
    .option('--name <displayName>', 'new name')
    .option('--owner <userName>', 'new owner')
    .option('--no-owner', 'leave it without an owner')
    .action(async (ref: string, opts: { tenant: string; name?: string; owner?: string | false }) => {
      // --owner declared before --no-owner: undefined when neither is given, false for --no-owner.
      const owner = opts.owner
      if (opts.name === undefined && owner === undefined) throw new CliError('nothing to change: give --name, --owner or --no-owner', 2)
      await withStore('group edit', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const group = await groupOf(ctx.store, tenant, ref)
        const ownerId = owner === undefined ? undefined : owner === false ? null : (await userOf(ctx.store, tenant, owner)).id
        const edited = await updateGroupWith(ctx.store, cliWrite(ctx, tenant), group.id, { displayName: opts.name, ownerId })
        err(`Updated group ${edited.displayName}.\n`)
      })
    })

  cmd
    .command('delete')
    .description('delete a group (its members stay; the roles it gave them go)')
    .argument('<group>', 'display name or id')
    .addOption(tenantOption())
    .action(async (ref: string, opts: { tenant: string }) => {
      await withStore('group delete', async (ctx) => {
        const tenant = await requireTenant(ctx.store, opts.tenant)
        const group = await groupOf(ctx.store, tenant, ref)
        await deleteGroup(ctx.store, cliWrite(ctx, tenant), group.id)
        err(`Deleted group ${group.displayName}.\n`)
      })
    })

  const members = cmd.command('members').description("change a group's members (list them with roster group show)")
  for (const change of ['add', 'remove'] as const) {
    members
      .command(change)
      .description(change === 'add' ? 'add users (and groups, nested) to a group, in one change' : 'remove users (and groups) from a group, in one change')
      .argument('<group>', 'display name or id')
      .addOption(tenantOption())
      .option('--user <userName>', 'a user (repeatable)', collect, [])
      .option('--group <group>', 'a group to nest (repeatable)', collect, [])
      .action(async (ref: string, opts: { tenant: string; user: string[]; group: string[] }) => {
        if (!opts.user.length && !opts.group.length) throw new CliError('name at least one --user <userName> or --group <group>', 2)
        await withStore(`group members ${change}`, async (ctx) => {
          const tenant = await requireTenant(ctx.store, opts.tenant)
          const group = await groupOf(ctx.store, tenant, ref)
          const users = await Promise.all(opts.user.map((u) => userOf(ctx.store, tenant, u)))
          const groups = await Promise.all(opts.group.map((g) => groupOf(ctx.store, tenant, g)))
          const refs = [...users.map((u) => ({ id: u.id, type: 'User' as const })), ...groups.map((g) => ({ id: g.id, type: 'Group' as const }))]
          await changeMembers(ctx.store, cliWrite(ctx, tenant), group.id, change === 'add' ? { add: refs, remove: [] } : { add: [], remove: refs.map((r) => r.id) })
          err(`${change === 'add' ? 'Added' : 'Removed'} ${refs.length} member${refs.length === 1 ? '' : 's'} ${change === 'add' ? 'to' : 'from'} ${group.displayName}.\n`)
        })
      })
  }

  return cmd
}

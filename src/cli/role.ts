import { Command } from 'commander'
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import { PERMISSIONS } from '../domain/access/model.js'
import { assignRole, createRole, deleteRole, effectiveAccess, findRole, listRoles, unassignRole, updateRole, type Principal, type RoleChanges } from '../domain/access/roles.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { CliError, collect, withStore } from './context.js'
import { err, out, printJsonLines, printPairs, printTable } from './output.js'
import { parseSlug } from './tenant.js'


async function principalOf(store: Store, tenant: Tenant, opts: { user?: string; group?: string }): Promise<Principal> {
  if (!!opts.user === !!opts.group) throw new CliError('name exactly one of --user <userName> or --group <displayName>', 2)
  if (opts.user) {
    const user = await store.users.getByUserName(tenant.id, opts.user)
    if (!user) throw new CliError(`no user "${opts.user}" in tenant ${tenant.slug}`)
    return { type: 'User', id: user.id, label: user.userName }
  }
  const group = await store.groups.getByDisplayName(tenant.id, opts.group!)
  if (!group) throw new CliError(`no group "${opts.group}" in tenant ${tenant.slug}`)
  return { type: 'Group', id: group.id, label: group.displayName }
}

export function roleCommand(): Command {
  const cmd = new Command('role').description('roles (named sets of permissions) and who holds them; a user also holds the roles of its groups')

  cmd
    .command('list')
    .description("the tenant's roles: built-in ones, then its own")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--json', 'one JSON object per line')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      await withStore('role list', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const roles = await listRoles(store, tenant.id)
        if (opts.json) return printJsonLines(roles)
        printTable(
          roles.map((r) => ({ name: r.name, kind: r.builtIn ? 'built-in' : 'custom', permissions: r.permissions.join(' ') || '(none)' })),
          [['name', 'NAME'], ['kind', 'KIND'], ['permissions', 'PERMISSIONS']],
        )
      })
    })

  cmd
    .command('create')
    .description('define a custom role')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'role name, unique in the tenant')
    .option('--permission <permission>', `a permission (repeatable): ${PERMISSIONS.join(', ')}`, collect)
    .option('--description <text>', 'what the role is for')
    .action(async (opts: { tenant: string; name: string; permission?: string[]; description?: string }) => {
      await withStore('role create', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const role = await createRole(store, { tenant, actor, requestId: null }, { name: opts.name, description: opts.description, permissions: opts.permission ?? [] })
        out(`${role.name}\n`)
      })
    })

  cmd
    .command('update')
    .description("edit a custom role: its name, description or permissions (built-in roles are read-only); holders get the new permissions at their next request")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'the role to edit (name or id)')
    .option('--rename <name>', 'a new name, unique in the tenant')
    .option('--description <text>', 'a new description ("" for none)')
    .option('--permission <permission>', `the whole new set of permissions (repeatable; replaces them): ${PERMISSIONS.join(', ')}`, collect)
    .option('--no-permissions', 'take every permission away (holders only sign in)')
    .option('--add <permission>', 'a permission to add (repeatable)', collect)
    .option('--remove <permission>', 'a permission to take away (repeatable)', collect)
    .option('--json', 'print the role as one JSON object')
    .action(async (opts: { tenant: string; name: string; rename?: string; description?: string; permission?: string[]; permissions: boolean; add?: string[]; remove?: string[]; json?: boolean }) => {
      const add = opts.add ?? []
      const remove = opts.remove ?? []
      if (opts.permission && (add.length || remove.length)) throw new CliError('give either --permission (the whole set) or --add/--remove, not both', 2)
      await withStore('role update', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const changes: RoleChanges = {}
        if (opts.rename !== undefined) changes.name = opts.rename
        if (opts.description !== undefined) changes.description = opts.description
        if (opts.permissions === false) changes.permissions = []
        else if (opts.permission) changes.permissions = opts.permission
        else if (add.length || remove.length) {
          const current = await findRole(store, tenant.id, opts.name)
          changes.permissions = [...current.permissions, ...add].filter((p) => !remove.includes(p))
        }
        if (!Object.keys(changes).length) throw new CliError('nothing to change: give --rename, --description, --permission, --no-permissions, --add or --remove', 2)
        const role = await updateRole(store, { tenant, actor, requestId: null }, opts.name, changes)
        if (opts.json) return printJsonLines([role])
        out(`${role.name}: ${role.permissions.join(' ') || '(no permissions)'}\n`)
      })
    })

  cmd
    .command('delete')
    .description('delete a custom role and every assignment of it')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'role name')
    .action(async (opts: { tenant: string; name: string }) => {
      await withStore('role delete', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        await deleteRole(store, { tenant, actor, requestId: null }, opts.name)
      })
    })

  for (const op of ['assign', 'unassign'] as const) {
    cmd
      .command(op)
      .description(op === 'assign' ? 'give a role to a user or a group (its members, nested groups included, hold it too)' : 'take a role from a user or a group')
      .requiredOption('--tenant <slug>', 'tenant', parseSlug)
      .requiredOption('--role <name>', 'role name (e.g. Administrator, "User manager", Viewer)')
      .option('--user <userName>', 'a user')
      .option('--group <displayName>', 'a group')
      .action(async (opts: { tenant: string; role: string; user?: string; group?: string }) => {
        await withStore(`role ${op}`, async ({ store, actor }) => {
          const tenant = await requireTenant(store, opts.tenant)
          const principal = await principalOf(store, tenant, opts)
          const ctx = { tenant, actor, requestId: null }
          const changed = op === 'assign' ? await assignRole(store, ctx, opts.role, principal) : await unassignRole(store, ctx, opts.role, principal)
          if (!changed) err(`${principal.label} ${op === 'assign' ? 'already holds' : 'does not hold'} that role itself; nothing changed\n`)
        })
      })
  }

  cmd
    .command('show')
    .description("a user's effective roles, each with where it comes from, and the resulting permissions")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--user <userName>', 'a user')
    .option('--json', 'as one JSON object')
    .action(async (opts: { tenant: string; user: string; json?: boolean }) => {
      await withStore('role show', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const principal = await principalOf(store, tenant, { user: opts.user })
        const access = await effectiveAccess(store, tenant.id, principal.id)
        if (opts.json) return printJsonLines([access])
        printPairs([
          ...access.roles.map((r, i): [string, string] => [i ? '' : 'roles', `${r.role.name}${r.via ? ` (via group ${r.via.map((g) => g.groupName).join(', ')})` : ''}`]),
          ...(access.roles.length ? [] : [['roles', '(none)'] as [string, string]]),
          ['permissions', access.permissions.join(' ') || '(none)'],
        ])
      })
    })
  return cmd
}

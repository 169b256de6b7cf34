import { Command, Option } from 'commander'
import { CUSTOM_ATTRIBUTE_TYPES, CUSTOM_ATTRIBUTES_URN, type CustomAttribute, type CustomAttributeType } from '../domain/identity/custom-attribute-model.js'
import { attributeByName, attributeFields, defineAttribute, deleteAttribute, listAttributes, updateAttribute } from '../domain/identity/custom-attributes.js'
import { requireTenant } from '../domain/tenancy/tenants.js'
import { CliError, collect, withStore } from './context.js'
import { err, out, printJsonLines, printTable } from './output.js'
import { parseSlug } from './tenant.js'

// The same fields as the admin API's representation, so a script can move between the two.
const attributeJson = (a: CustomAttribute) => ({
  id: a.id,
  ...attributeFields(a),
  scimPath: `${CUSTOM_ATTRIBUTES_URN}:${a.name}`,
  created: a.created.toISOString(),
  modified: a.modified.toISOString(),
})

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`

export function attributeCommand(): Command {
  const cmd = new Command('attribute').description("a tenant's custom user attributes: typed fields the console, the admin API and SCIM carry (docs/admin.md)")

  cmd
    .command('list')
    .description("the tenant's custom user attributes, in display order")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .option('--json', 'one JSON object per line')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      await withStore('attribute list', async ({ store }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const attributes = await listAttributes(store, tenant.id)
        if (opts.json) return printJsonLines(attributes.map(attributeJson))
        printTable(
          attributes.map((a) => ({ name: a.name, label: a.label, type: a.type, choices: a.choices.join(', ') || '-', required: a.required ? 'yes' : 'no' })),
          [['name', 'NAME'], ['label', 'LABEL'], ['type', 'TYPE'], ['choices', 'CHOICES'], ['required', 'REQUIRED']],
        )
      })
    })

  cmd
    .command('define')
    .description('define a custom user attribute (its name and type are fixed once defined)')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'the SCIM attribute name: a letter, then letters, digits and underscores (at most 64)')
    .requiredOption('--label <label>', 'what the console shows')
    .addOption(new Option('--type <type>', 'text, choice (one of --choice) or boolean (yes/no)').choices(CUSTOM_ATTRIBUTE_TYPES as string[]).makeOptionMandatory())
    .option('--choice <value>', 'an allowed value of a choice attribute (repeatable, in the order offered)', collect)
    .option('--required', 'the console and the admin API insist on a value (SCIM and sync writes do not)')
    .option('--description <text>', 'help text shown with the field')
    .action(async (opts: { tenant: string; name: string; label: string; type: CustomAttributeType; choice?: string[]; required?: boolean; description?: string }) => {
      await withStore('attribute define', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const attribute = await defineAttribute(store, { tenant, actor, requestId: null }, {
          name: opts.name,
          label: opts.label,
          type: opts.type,
          choices: opts.choice,
          required: opts.required ?? false,
          description: opts.description,
        })
        out(`${attribute.name}\n`)
      })
    })

  cmd
    .command('update')
    .description("change an attribute's label, choices, required flag or description")
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'the attribute (case-insensitive)')
    .option('--label <label>', 'new label')
    .option('--choice <value>', 'the new list of allowed values (repeatable; replaces the list; removing a value users hold is refused)', collect)
    .option('--required', 'insist on a value in the console and the admin API')
    .option('--no-required', 'make the attribute optional')
    .option('--description <text>', 'new help text ("" to clear it)')
    .action(async (opts: { tenant: string; name: string; label?: string; choice?: string[]; required?: boolean; description?: string }) => {
      if (opts.label === undefined && opts.choice === undefined && opts.required === undefined && opts.description === undefined) {
        throw new CliError('nothing to change: give --label, --choice, --required, --no-required or --description', 2)
      }
      await withStore('attribute update', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const current = await attributeByName(store, tenant.id, opts.name)
        const updated = await updateAttribute(store, { tenant, actor, requestId: null }, current.id, {
          label: opts.label,
          choices: opts.choice,
          required: opts.required,
          description: opts.description,
        })
        err(`Updated attribute ${updated.name} ("${updated.label}", ${updated.type}${updated.required ? ', required' : ''}).\n`)
      })
    })

  cmd
    .command('delete')
    .description('delete an attribute; refused while users hold a value for it, unless --purge')
    .requiredOption('--tenant <slug>', 'tenant', parseSlug)
    .requiredOption('--name <name>', 'the attribute (case-insensitive)')
    .option('--purge', "also remove every user's value (each change audited)")
    .action(async (opts: { tenant: string; name: string; purge?: boolean }) => {
      await withStore('attribute delete', async ({ store, actor }) => {
        const tenant = await requireTenant(store, opts.tenant)
        const current = await attributeByName(store, tenant.id, opts.name)
        const { usersCleared } = await deleteAttribute(store, { tenant, actor, requestId: null }, current.id, { purge: opts.purge === true, purgeHint: '--purge' })
        err(`Deleted attribute ${current.name}${opts.purge ? `; cleared the value of ${plural(usersCleared, 'user')}` : ''}.\n`)
      })
    })

  return cmd
}

import { Command, CommanderError } from 'commander'
import { CliError } from './context.js'
import { tenantCommand } from './tenant.js'
import { tokenCommand } from './token.js'
import { directoryCommand } from './directory.js'
import { syncCommand } from './sync.js'
import { samlCommand } from './saml.js'
import { auditCommand } from './audit.js'
import { roleCommand } from './role.js'
import { adminCommand } from './admin.js'
import { attributeCommand } from './attribute.js'
import { scimCommand } from './scim.js'

/** `roster`: administration from the shell. Every level answers --help. */
export function buildProgram(): Command {
  const program = new Command('roster')
    .description('Roster administration: tenants, SCIM tokens, directory connections, sync, SSO, roles, administrators, custom user attributes, the audit log and the SCIM provisioning log.\nConfiguration comes from the environment (and .env), as for the server.')
    .showHelpAfterError()
    .exitOverride()
    .enablePositionalOptions()
  program.addCommand(tenantCommand())
  program.addCommand(tokenCommand())
  program.addCommand(directoryCommand())
  program.addCommand(syncCommand())
  program.addCommand(samlCommand())
  program.addCommand(roleCommand())
  program.addCommand(adminCommand())
  program.addCommand(attributeCommand())
  program.addCommand(auditCommand())
  program.addCommand(scimCommand())
  // Subcommands are built first; settings on the program do not reach them, so set them again.
  const everywhere = (cmd: Command) => {
    cmd.showHelpAfterError().exitOverride()
    cmd.commands.forEach(everywhere)
  }
  everywhere(program)
  return program
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" with exit code 0 in commander's override mode.
      return err.exitCode === 0 ? 0 : 2
    }
    if (err instanceof CliError) {
      process.stderr.write(`roster: ${err.message}\n`)
      return err.exitCode
    }
    process.stderr.write(`roster: unexpected error: ${(err as Error).stack ?? String(err)}\n`)
    return 1
  }
}

process.exitCode = await run(process.argv.slice(2))

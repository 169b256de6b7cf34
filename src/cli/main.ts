import { Command, CommanderError, Help, type Option } from 'commander'
import { CliError } from './context.js'
import { err, out } from './output.js'
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
import { userCommand } from './user.js'
import { groupCommand } from './group.js'
import { backupCommand, restoreCommand } from './backup.js'

/** `roster`: administration from the shell. Every level answers --help. */
export function buildProgram(): Command {
  const program = new Command('roster')
    .description('Roster administration: tenants, SCIM tokens, directory connections, sync, SSO, users, groups, roles, administrators, custom user attributes, the audit log, the SCIM provisioning log, backup and restore.\n' +
        'Configuration comes from the environment (and .env), as for the server. While a server runs on the same DATA_DIR, commands run inside it (through DATA_DIR/roster.sock).')
    .showHelpAfterError()
    .exitOverride()
    .enablePositionalOptions()
  program.addCommand(tenantCommand())
  program.addCommand(tokenCommand())
  program.addCommand(directoryCommand())
  program.addCommand(syncCommand())
  program.addCommand(samlCommand())
  program.addCommand(userCommand())
  program.addCommand(groupCommand())
  program.addCommand(roleCommand())
  program.addCommand(adminCommand())
  program.addCommand(attributeCommand())
  program.addCommand(auditCommand())
  program.addCommand(scimCommand())
  program.addCommand(backupCommand()).addCommand(restoreCommand())
  // Subcommands are built first; settings on the program do not reach them, so set them again.
  // Output goes through out()/err() (the caller's streams, also inside the server) and help is
  // always 80 columns without colour, so bin/roster-help.json (the client's copy) matches it.
  const everywhere = (cmd: Command) => {
    cmd.showHelpAfterError().exitOverride().configureOutput(HELP_OUTPUT).configureHelp({ optionDescription })
    cmd.commands.forEach(everywhere)
  }
  everywhere(program)
  return program
}

export const HELP_WIDTH = 80

/** Commander's option help, without "(default: [])": a repeatable option starting empty says nothing. */
function optionDescription(this: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(this, option)
  return Array.isArray(option.defaultValue) && option.defaultValue.length === 0 ? text.replace(/ \(default: \[\]\)$/, '') : text
}

const HELP_OUTPUT = {
  writeOut: out,
  writeErr: err,
  getOutHelpWidth: () => HELP_WIDTH,
  getErrHelpWidth: () => HELP_WIDTH,
  getOutHasColors: () => false,
  getErrHasColors: () => false,
}

/**
 * The command and the unknown name in it, when argv names a subcommand that does not exist.
 * Commander answers `roster usr --help` with the top-level help and exit 0 (help wins over the
 * unknown name); a typo must fail with a suggestion instead.
 */
function unknownCommand(program: Command, argv: string[]): { parent: Command; name: string } | undefined {
  let cmd = program
  for (const token of argv) {
    if (token.startsWith('-')) return undefined
    const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token))
    if (sub) {
      cmd = sub
      continue
    }
    // `help` is commander's implicit command; a command with arguments takes the token as one.
    if (token === 'help' || cmd.registeredArguments.length > 0) return undefined
    return cmd.commands.length ? { parent: cmd, name: token } : undefined
  }
  return undefined
}

/** Runs one `roster` command line; resolves with its exit status (2: usage or configuration). */
export async function run(argv: string[]): Promise<number> {
  try {
    const program = buildProgram()
    const unknown = unknownCommand(program, argv)
    // Parsed alone, the unknown name gets commander's own error: "unknown command 'usr' (Did you mean user?)".
    if (unknown) await unknown.parent.parseAsync([unknown.name], { from: 'user' })
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" with exit code 0 in commander's override mode.
      return e.exitCode === 0 ? 0 : 2
    }
    if (e instanceof CliError) {
      err(`roster: ${e.message}\n`)
      return e.exitCode
    }
    err(`roster: unexpected error: ${(e as Error).stack ?? String(e)}\n`)
    return 1
  }
}


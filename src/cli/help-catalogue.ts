import path from 'node:path'
import type { Command } from 'commander'
import { buildProgram, run } from './main.js'
import { runAs } from './invocation.js'

/** One command's entry in bin/roster-help.json: what `roster <names> --help` prints, and its shape. */
export interface CatalogueEntry {
  help: string
  subcommands: string[]
  takesArguments: boolean
  /** Whether it does something without a subcommand (else it prints its help as an error). */
  runs: boolean
}

export interface HelpCatalogue {
  fingerprint: string
  commands: Record<string, CatalogueEntry>
}

/** Runs one command line in this process and returns what it printed. */
export async function capture(argv: string[], cwd = process.cwd()): Promise<{ exit: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const exit = await runAs(
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd, env: process.env, user: 'catalogue' },
    () => run(argv),
  )
  return { exit, stdout, stderr }
}

/**
 * The help of every command, as the program prints it, for bin/roster.js to answer `--help` and
 * unknown commands without loading the TypeScript tree.
 */
export async function helpCatalogue(fingerprint: string): Promise<HelpCatalogue> {
  const commands: Record<string, CatalogueEntry> = {}
  const visit = async (cmd: Command, names: string[]) => {
    const { stdout } = await capture([...names, '--help'])
    const visible = cmd.commands.flatMap((c) => [c.name(), ...c.aliases()])
    commands[names.join(' ')] = {
      help: stdout,
      subcommands: visible,
      takesArguments: cmd.registeredArguments.length > 0,
      runs: (cmd as unknown as { _actionHandler: unknown })._actionHandler != null,
    }
    for (const sub of cmd.commands) await visit(sub, [...names, sub.name()])
  }
  await visit(buildProgram(), [])
  return { fingerprint, commands }
}

export const CATALOGUE_FILE = path.join('bin', 'roster-help.json')

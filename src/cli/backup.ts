import fs from 'node:fs'
import path from 'node:path'
import { Command } from 'commander'
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.js'
import { BackupError, latestSchemaVersion, restoreBackup } from '../store/backup.js'
import { DataDirBusyError, DataDirError } from '../store/datadir-lock.js'
import { CliError, withStore } from './context.js'
import { callerPath, invocation } from './invocation.js'
import { err, out } from './output.js'

/** What to run instead with a PostgreSQL server: its own tools are consistent and restore anywhere. */
function pgDumpAdvice(file: string): string {
  return (
    'with DATABASE_URL, Roster\'s data is in your PostgreSQL server: back it up with PostgreSQL\'s own tools (see docs/backup-and-upgrade.md):\n' +
    `  pg_dump --format=custom --file=${JSON.stringify(file)} "$DATABASE_URL"\n` +
    'and restore it (stop Roster first; into an empty or the same database) with:\n' +
    `  pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" ${JSON.stringify(file)}`
  )
}

/** The configuration of this command: the server's when it runs inside the server. */
function commandConfig(): Config {
  const server = invocation().server
  if (server) return server.config
  try {
    loadDotEnv()
    return loadConfig()
  } catch (e) {
    throw new CliError(e instanceof ConfigError ? e.message : (e as Error).message, 2)
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

export function backupCommand(): Command {
  return new Command('backup')
    .description(
      'write a consistent copy of the embedded store (DATA_DIR) to a file, also while the server runs; with DATABASE_URL, prints the pg_dump command to use instead.\n' +
        'The file holds DATA_DIR/encryption.key when there is one; a key from ENCRYPTION_KEY is not in it: keep that key with the backup.',
    )
    .requiredOption('--out <file>', 'the backup file to write (replaced if it exists)')
    .action(async (opts: { out: string }) => {
      const file = callerPath(opts.out)
      // Checked before opening anything: a backup command must not connect to (and migrate) a server.
      if (commandConfig().databaseUrl) throw new CliError(pgDumpAdvice(file))
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new CliError(`--out ${file} is a directory: name the backup file`, 2)
      await withStore('backup', async ({ store }) => {
        if (!store.backup) throw new CliError(pgDumpAdvice(file))
        const summary = await store.backup(file).catch((e: Error) => {
          throw new CliError(e.message)
        })
        out(`${summary.file}\n`)
        err(`Backup written: ${mb(summary.bytes)}, schema version ${summary.schemaVersion}. Restore it with \`roster restore ${path.basename(file)}\` while the server is stopped.\n`)
        if (!summary.includesEncryptionKey) {
          err('The encryption key is not in the backup (it comes from ENCRYPTION_KEY): keep that key with the backup, stored secrets cannot be unsealed without it.\n')
        }
      })
    })
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'replace the embedded store in DATA_DIR with a backup made by `roster backup`. The server must be stopped. ' +
        'The previous data is kept aside until the restored copy is in place. A backup of an older release is migrated when the server next starts.',
    )
    .argument('<file>', 'the backup file')
    .action(async (fileArg: string) => {
      const file = callerPath(fileArg)
      const config = commandConfig()
      if (invocation().server) {
        throw new CliError(`a Roster server is running on ${config.dataDir}: stop it, then run \`roster restore\` again (a restore replaces the data the server has open)`)
      }
      if (config.databaseUrl) {
        throw new CliError(`with DATABASE_URL, restore with PostgreSQL's tools (stop Roster first):\n  pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" ${JSON.stringify(file)}`)
      }
      try {
        const restored = await restoreBackup(file, config.dataDir)
        const { manifest } = restored
        out(`${config.dataDir}\n`)
        err(`Restored the backup made ${manifest.created} (schema version ${manifest.schemaVersion}) into ${config.dataDir}.\n`)
        if (manifest.schemaVersion < latestSchemaVersion) {
          err(`This release's schema is version ${latestSchemaVersion}: the migrations in between run when the server next starts.\n`)
        }
        if (manifest.encryptionKey) err(`The backup's encryption key is now ${path.join(config.dataDir, 'encryption.key')}.\n`)
        if (restored.replacedKeyFile) err(`The key file that was in DATA_DIR is kept as ${restored.replacedKeyFile}.\n`)
      } catch (e) {
        if (e instanceof BackupError || e instanceof DataDirBusyError || e instanceof DataDirError) throw new CliError(e.message)
        throw e
      }
    })
}

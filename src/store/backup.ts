import { createHash } from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { PGlite } from '@electric-sql/pglite'
import type { BackupSummary } from '../domain/store.js'
import type { DataDirSnapshot } from './postgres/pglite-database.js'
import { migrations } from './postgres/migrations/index.js'
import { lockDataDir } from './datadir-lock.js'

/**
 * Backups of the embedded store. A backup is a gzip-compressed tar (`tar -tzf` lists it):
 *
 *   roster-backup.json   what it is: format, schema version, when, a checksum of pgdata.tar
 *   encryption.key       DATA_DIR's key file, when DATA_DIR has one (secrets are sealed with it)
 *   pgdata.tar           PGlite's own tar of its data directory (PGlite loads it back as it is)
 *
 * A restore never leaves a half-restored DATA_DIR: the backup is loaded and opened beside the live
 * data first, and only a complete, working copy replaces it.
 */

/** The key file the embedded store keeps in DATA_DIR when ENCRYPTION_KEY is not set. */
export const ENCRYPTION_KEY_FILE = 'encryption.key'
const MANIFEST = 'roster-backup.json'
const PGDATA_TAR = 'pgdata.tar'
const FORMAT = 'roster-backup'
const FORMAT_VERSION = 1
const PGDATA = 'pgdata'
const RESTORING = 'pgdata.restoring'
const BEFORE_RESTORE = 'pgdata.before-restore'

export interface BackupManifest {
  format: typeof FORMAT
  formatVersion: number
  store: 'pglite'
  schemaVersion: number
  created: string
  pgdataSha256: string
  encryptionKey: boolean
}

export class BackupError extends Error {}

/** The newest schema version this code knows: a backup beyond it was made by a newer Roster. */
export const latestSchemaVersion = Math.max(...migrations.map((m) => m.version))

const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** Writes the backup of a running embedded store; the file appears complete or not at all. */
export async function writeBackup(snapshot: () => Promise<DataDirSnapshot>, dataDir: string, file: string): Promise<BackupSummary> {
  const snap = await snapshot()
  const key = await readIfExists(path.join(dataDir, ENCRYPTION_KEY_FILE))
  const manifest: BackupManifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    store: 'pglite',
    schemaVersion: snap.schemaVersion,
    created: new Date().toISOString(),
    pgdataSha256: sha256(snap.tar),
    encryptionKey: key !== null,
  }
  const entries: TarEntry[] = [{ name: MANIFEST, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) }]
  if (key) entries.push({ name: ENCRYPTION_KEY_FILE, data: key })
  entries.push({ name: PGDATA_TAR, data: snap.tar })
  const compressed = await gzip(tarPack(entries))
  // Beside the target and renamed at the end: a crash or a full disk never leaves a truncated backup
  // under the name an operator will restore from. 0600: it may hold the encryption key.
  const partial = `${file}.${process.pid}.partial`
  try {
    const handle = await fsp.open(partial, 'w', 0o600)
    try {
      await handle.writeFile(compressed)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fsp.rename(partial, file)
  } catch (err) {
    await fsp.rm(partial, { force: true })
    throw new BackupError(`cannot write ${file}: ${(err as Error).message}`)
  }
  return { file, bytes: compressed.length, schemaVersion: snap.schemaVersion, includesEncryptionKey: key !== null }
}

export interface BackupContents {
  manifest: BackupManifest
  pgdata: Uint8Array
  encryptionKey: Buffer | null
}

/** Reads and checks a backup file: a Roster backup, complete, of a format and schema this code reads. */
export async function readBackup(file: string): Promise<BackupContents> {
  let raw: Buffer
  try {
    raw = await fsp.readFile(file)
  } catch (err) {
    throw new BackupError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const notOurs = (why: string) => new BackupError(`${file} is not a Roster backup (${why}); make one with \`roster backup --out FILE\``)
  let entries: Map<string, Buffer>
  try {
    entries = tarUnpack(await gunzip(raw))
  } catch {
    throw notOurs('not a gzip-compressed tar')
  }
  let manifest: BackupManifest
  try {
    manifest = JSON.parse(entries.get(MANIFEST)?.toString('utf8') ?? 'null') as BackupManifest
  } catch {
    throw notOurs(`${MANIFEST} is not JSON`)
  }
  if (manifest?.format !== FORMAT || typeof manifest.schemaVersion !== 'number') throw notOurs(`no ${MANIFEST}`)
  if (manifest.formatVersion > FORMAT_VERSION) throw new BackupError(`${file} was made by a newer Roster (backup format ${manifest.formatVersion}); restore it with that release or a later one`)
  if (manifest.schemaVersion > latestSchemaVersion) {
    throw new BackupError(
      `${file} holds schema version ${manifest.schemaVersion}, newer than this Roster knows (${latestSchemaVersion}): it was made by a newer release. Restore it with that release or a later one.`,
    )
  }
  const pgdata = entries.get(PGDATA_TAR)
  if (!pgdata || sha256(pgdata) !== manifest.pgdataSha256) throw new BackupError(`${file} is damaged: its database copy does not match the checksum recorded when it was made`)
  return { manifest, pgdata, encryptionKey: entries.get(ENCRYPTION_KEY_FILE) ?? null }
}

export interface RestoreSummary {
  dataDir: string
  manifest: BackupManifest
  /** Where a different key file that was in DATA_DIR went (renamed, never deleted). */
  replacedKeyFile: string | null
}

/**
 * Replaces DATA_DIR's database with a backup. Takes DATA_DIR's lock, so it refuses while a server
 * (or any roster command) has the directory open. The previous data stays aside until the restored
 * copy is in place, and is removed only then.
 */
export async function restoreBackup(file: string, dataDir: string): Promise<RestoreSummary> {
  const backup = await readBackup(file)
  const { manifest } = backup
  const lock = lockDataDir(dataDir, { role: 'cli', command: `roster restore ${file}` })
  try {
    const live = path.join(dataDir, PGDATA)
    const aside = path.join(dataDir, BEFORE_RESTORE)
    if (fs.existsSync(aside)) {
      throw new BackupError(`${aside} exists: an earlier restore stopped half-way and this is the data from before it. Move it back to ${live} (or delete it if ${live} is fine) and run the restore again.`)
    }
    const staging = path.join(dataDir, RESTORING)
    await fsp.rm(staging, { recursive: true, force: true })
    await fsp.mkdir(staging)
    try {
      await loadAndCheck(staging, backup)
    } catch (err) {
      await fsp.rm(staging, { recursive: true, force: true })
      throw err
    }
    const hadLive = fs.existsSync(live)
    if (hadLive) await fsp.rename(live, aside)
    let replacedKeyFile: string | null
    let placed = false
    try {
      await fsp.rename(staging, live)
      placed = true
      replacedKeyFile = await restoreKeyFile(dataDir, backup.encryptionKey)
    } catch (err) {
      // Put back what was there: DATA_DIR is as before the restore.
      if (placed) await fsp.rm(live, { recursive: true, force: true })
      if (hadLive) await fsp.rename(aside, live)
      await fsp.rm(staging, { recursive: true, force: true })
      throw new BackupError(`restore failed, DATA_DIR left as it was: ${(err as Error).message}`)
    }
    await fsp.rm(aside, { recursive: true, force: true })
    return { dataDir, manifest, replacedKeyFile }
  } finally {
    lock.release()
  }
}

/** PGlite loads its tar into `dir` and opens it: the copy is usable before it replaces anything. */
async function loadAndCheck(dir: string, backup: BackupContents): Promise<void> {
  let db: PGlite
  try {
    db = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([new Uint8Array(backup.pgdata)]) })
  } catch (err) {
    throw new BackupError(`the backup's database does not open: ${(err as Error).message}`)
  }
  try {
    const rows = (await db.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations')).rows
    const version = rows[0]?.version ?? 0
    if (version !== backup.manifest.schemaVersion) {
      throw new BackupError(`the backup's database is at schema version ${version}, its description says ${backup.manifest.schemaVersion}: refusing a backup that contradicts itself`)
    }
  } finally {
    await db.close()
  }
}

/** DATA_DIR's key file becomes the backup's (or none); a different key already there is renamed, never lost. */
async function restoreKeyFile(dataDir: string, key: Buffer | null): Promise<string | null> {
  const target = path.join(dataDir, ENCRYPTION_KEY_FILE)
  const current = await readIfExists(target)
  if (current && key && current.equals(key)) return null
  let replaced: string | null = null
  if (current) {
    replaced = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`
    await fsp.rename(target, replaced)
  }
  if (key) await fsp.writeFile(target, key, { mode: 0o600 })
  return replaced
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

// A minimal POSIX ustar writer and reader: three regular files with short names are all a backup
// holds, and a dependency for that would be more code to trust than this.
interface TarEntry {
  name: string
  data: Uint8Array
}

const BLOCK = 512

function tarPack(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = []
  const mtime = Math.floor(Date.now() / 1000)
  for (const e of entries) {
    const header = Buffer.alloc(BLOCK)
    header.write(e.name, 0, 100, 'utf8')
    header.write('0000600\0', 100, 'ascii')
    header.write('0000000\0', 108, 'ascii')
    header.write('0000000\0', 116, 'ascii')
    header.write(`${e.data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii')
    header.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 'ascii')
    header.write('        ', 148, 'ascii')
    header.write('0', 156, 'ascii')
    header.write('ustar\u000000', 257, 'ascii')
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
    parts.push(header, Buffer.from(e.data), Buffer.alloc((BLOCK - (e.data.length % BLOCK)) % BLOCK))
  }
  parts.push(Buffer.alloc(2 * BLOCK))
  return Buffer.concat(parts)
}

/** The regular files of a tar by name; throws on anything that is not a well-formed tar. */
function tarUnpack(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  const text = (from: number, length: number) => tar.toString('utf8', from, from + length).replace(/\0.*$/s, '')
  let offset = 0
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK)
    if (header.every((b) => b === 0)) return files
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!
    if (parseInt(text(offset + 148, 8).trim(), 8) !== sum) throw new Error('tar header checksum mismatch')
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8)
    const prefix = text(offset + 345, 155)
    const name = (prefix ? `${prefix}/` : '') + text(offset, 100)
    const type = String.fromCharCode(header[156]!)
    const start = offset + BLOCK
    if (start + size > tar.length) throw new Error('tar entry runs past the end')
    if (type === '0' || type === '\0') files.set(name, tar.subarray(start, start + size))
    offset = start + Math.ceil(size / BLOCK) * BLOCK
  }
  throw new Error('tar without its end marker')
}

import fs from 'node:fs'
import path from 'node:path'

/**
 * PGlite is one process's database: two processes opening the same directory would corrupt it.
 * This lock file records who holds DATA_DIR, so the second process can say exactly who and what to do.
 */
export interface LockHolder {
  pid: number
  role: 'server' | 'cli'
  command: string
  started: string
  /** The server's base URL, when the holder is a server. */
  url?: string
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const who =
      holder.role === 'server'
        ? `a running Roster server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}, started ${holder.started})`
        : `another roster command (pid ${holder.pid}: ${holder.command}, started ${holder.started})`
    super(
      `The embedded database in ${dataDir} is in use by ${who}. ` +
        'The embedded store (PGlite) serves one process at a time. ' +
        (holder.role === 'server'
          ? 'Stop the server (Ctrl-C or kill ' + holder.pid + ') and run this command again, or run both against a PostgreSQL server by setting DATABASE_URL.'
          : 'Wait for it to finish and try again.'),
    )
    this.name = 'DataDirBusyError'
  }
}

export class DataDirError extends Error {}

const LOCK_FILE = 'roster.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Creates DATA_DIR if needed and takes its lock; returns the release function. */
export function lockDataDir(dataDir: string, holder: Omit<LockHolder, 'pid' | 'started'>): { release: () => void; update: (h: Partial<LockHolder>) => void } {
  try {
    fs.mkdirSync(dataDir, { recursive: true })
    fs.accessSync(dataDir, fs.constants.W_OK)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new DataDirError(`DATA_DIR ${dataDir} is not a writable directory (${e.code ?? e.message}). Set DATA_DIR to a directory Roster may write to.`)
  }
  const file = path.join(dataDir, LOCK_FILE)
  const mine: LockHolder = { pid: process.pid, started: new Date().toISOString(), ...holder }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx' })
      let current = mine
      return {
        release: () => {
          try {
            const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder
            if (onDisk.pid === process.pid) fs.unlinkSync(file)
          } catch {
            // Already gone: nothing to release.
          }
        },
        update: (h) => {
          current = { ...current, ...h }
          fs.writeFileSync(file, JSON.stringify(current))
        },
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code !== 'EEXIST') throw new DataDirError(`DATA_DIR ${dataDir}: cannot create ${LOCK_FILE} (${e.code ?? e.message})`)
    }
    let other: LockHolder | undefined
    try {
      other = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder
    } catch {
      other = undefined
    }
    if (other && Number.isInteger(other.pid) && other.pid !== process.pid && alive(other.pid)) throw new DataDirBusyError(dataDir, other)
    // The holder died without cleaning up (crash, kill -9): the lock is stale.
    fs.rmSync(file, { force: true })
  }
  throw new DataDirError(`DATA_DIR ${dataDir}: could not take the lock file ${file}`)
}

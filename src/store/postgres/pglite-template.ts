import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { PGlite } from '@electric-sql/pglite'

/**
 * A new embedded database starts as a copy of a prepared empty one.
 *
 * Creating a PGlite database runs initdb in WebAssembly: 10–30 s on a small machine, most of a first
 * start. The result depends only on the PGlite release, so it is made once per release (by
 * `npm install`'s prepare script, or by the first start that needs it) into node_modules/.cache and
 * copied into each new DATA_DIR, which takes well under a second. The copy holds no schema:
 * migrations run on it as on any database, so the template can never be behind the code.
 */

export interface TemplateLog {
  info(fields: object, message: string): void
}

const require = createRequire(import.meta.url)

/** node_modules/.cache/roster/pglite-<version>: beside the PGlite it was made by, invalid with any other. */
export function templateDir(): string {
  const pkgDir = path.dirname(path.dirname(require.resolve('@electric-sql/pglite')))
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }
  return path.join(pkgDir, '..', '..', '.cache', 'roster', `pglite-${version}`)
}

/** A PostgreSQL data directory is complete once PG_VERSION is in it (initdb writes it). */
export function isDatabaseDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'PG_VERSION'))
}

/**
 * The prepared empty database, made now if missing; undefined when it cannot be made here (a
 * read-only node_modules): the caller then lets PGlite run initdb in place.
 */
export async function ensureTemplate(log: TemplateLog): Promise<string | undefined> {
  let dir: string
  try {
    dir = templateDir()
  } catch {
    return undefined
  }
  if (isDatabaseDir(dir)) return dir
  // Made beside its final place and renamed: another process starting at the same time never
  // copies a half-made template, and whichever rename comes first wins.
  const scratch = `${dir}.${process.pid}.tmp`
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    fs.rmSync(scratch, { recursive: true, force: true })
    log.info({ template: dir }, 'preparing an empty embedded database (initdb, once per PGlite release): 10–30 s')
    const started = performance.now()
    const db = await PGlite.create(scratch)
    await db.close()
    try {
      fs.renameSync(scratch, dir)
    } catch (err) {
      if (!isDatabaseDir(dir)) throw err
    }
    log.info({ template: dir, ms: Math.round(performance.now() - started) }, 'empty embedded database prepared')
    return dir
  } catch {
    return undefined
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * Creates the embedded database in `pgdata` from the template when it does not exist yet. Returns
 * whether it was new. Copied to a scratch name first, so an interrupted copy is never mistaken for a
 * database.
 */
export async function createEmbeddedDatabase(pgdata: string, log: TemplateLog): Promise<boolean> {
  if (isDatabaseDir(pgdata)) return false
  const template = await ensureTemplate(log)
  if (!template) {
    log.info({ pgdata }, 'no prepared empty database: PGlite runs initdb in place (10–30 s)')
    return true
  }
  const scratch = `${pgdata}.${process.pid}.tmp`
  fs.rmSync(scratch, { recursive: true, force: true })
  fs.cpSync(template, scratch, { recursive: true, mode: fs.constants.COPYFILE_FICLONE })
  fs.rmSync(pgdata, { recursive: true, force: true })
  fs.renameSync(scratch, pgdata)
  return true
}

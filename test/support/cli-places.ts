/**
 * Where a CLI test's `roster` processes keep their data: an embedded PGlite directory (DATA_DIR), and
 * a fresh database on the PostgreSQL server (DATABASE_URL) when there is one — under CI there must be
 * (freshServerDatabase fails rather than skips). With ok/jsonLines for reading their answers.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { tempDir, type CliResult } from './process.js'
import { freshServerDatabase } from './stores.js'

export interface Place {
  env: Record<string, string>
  dispose(): Promise<void>
}

async function pglitePlace(): Promise<Place> {
  const dir = tempDir()
  return { env: { DATA_DIR: path.join(dir, 'data') }, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) }
}

async function postgresPlace(): Promise<Place> {
  const db = await freshServerDatabase()
  const dir = tempDir()
  return {
    env: { DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'unused') },
    dispose: async () => {
      await db.drop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The places to run a command family's tests in; `what` names it in the warning when the server is missing outside CI. */
export function cliPlaces(what: string): Array<[string, () => Promise<Place>]> {
  const places: Array<[string, () => Promise<Place>]> = [['PGlite', pglitePlace]]
  if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') places.push(['PostgreSQL', postgresPlace])
  else console.warn(`TEST_DATABASE_URL is not set: ${what} is tested on PGlite only`)
  return places
}

/** The result of a command that must succeed (its stderr as the failure message otherwise). */
export const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, r.stderr)
  return r
}

/** The JSON lines of a command that must succeed (`--json`). */
export const jsonLines = <T>(r: CliResult): T[] => ok(r).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T)

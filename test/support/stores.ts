import { randomBytes } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import type { Store } from '../../src/domain/store.js'
import type { Database } from '../../src/store/postgres/sql.js'
import { openPglite } from '../../src/store/postgres/pglite-database.js'
import { openPg } from '../../src/store/postgres/pg-database.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { postgresStore } from '../../src/store/postgres/store.js'

export const silentLog = pino({ level: 'silent' })

export interface TestStore {
  store: Store
  db: Database
  /** For the server backend: the URL of the fresh database (to open more connections to it). */
  url?: string
  dispose(): Promise<void>
}

export interface Backend {
  name: 'pglite' | 'postgres'
  open(options?: { migrate?: boolean }): Promise<TestStore>
}

/**
 * A fresh, empty database on a PostgreSQL server, dropped again by the returned dispose. Each test
 * file gets its own, so files never see each other's rows.
 */
export async function freshServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = requireServerUrl()
  const name = `roster_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    },
  }
}

export function requireServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TEST_DATABASE_URL is not set: the PostgreSQL-server half of the suite needs a server (npm test starts one)')
  return url
}

export const pgliteBackend: Backend = {
  name: 'pglite',
  async open(options = {}) {
    const db = await openPglite(undefined)
    if (options.migrate !== false) await migrate(db)
    return { store: postgresStore(db), db, dispose: () => db.close() }
  },
}

export const postgresBackend: Backend = {
  name: 'postgres',
  async open(options = {}) {
    const fresh = await freshServerDatabase()
    const db = openPg({ connectionString: fresh.url, max: 10, connectTimeoutMs: 5000, log: silentLog })
    if (options.migrate !== false) await migrate(db)
    return {
      store: postgresStore(db),
      db,
      url: fresh.url,
      async dispose() {
        await db.close()
        await fresh.drop()
      },
    }
  },
}

/**
 * The backends the store suite runs on: PGlite always, and the PostgreSQL server when
 * TEST_DATABASE_URL is set. Under CI the server is mandatory: a missing one fails, never skips.
 */
export function backends(): Backend[] {
  if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') return [pgliteBackend, postgresBackend]
  console.warn('TEST_DATABASE_URL is not set: running the store suite on PGlite only')
  return [pgliteBackend]
}

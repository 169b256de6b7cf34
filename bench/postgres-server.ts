/** The PostgreSQL servers the benchmarks run against: a scratch database on a server, a throwaway local cluster. */
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startCluster, type PostgresCluster } from '../test/services/postgres.mjs'
import { onCleanup } from './processes.js'

export interface ServerDb {
  url: string
  description: string
  postmasterPid?: number
  stats?: pg.Client
  cleanup: () => Promise<void>
}

/**
 * A scratch database on a PostgreSQL server (dropped by `cleanup`), with pg_stat_statements when the
 * server has it; `say` reports what could not be done.
 */
export async function scratchDatabase(adminUrl: string, cluster: PostgresCluster | undefined, say: (line: string) => void): Promise<ServerDb> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 })
  await admin.connect()
  const name = `roster_bench_${randomBytes(4).toString('hex')}`
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  let stats: pg.Client | undefined = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 })
  await stats.connect()
  try {
    await stats.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    await stats.query('SELECT pg_stat_statements_reset()')
  } catch (err) {
    say(`pg_stat_statements unavailable (${(err as Error).message.split('\n')[0]}); statement statistics skipped`)
    await stats.end().catch(() => undefined)
    stats = undefined
  }
  let postmasterPid: number | undefined
  if (cluster) {
    const pid = Number(fs.readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    if (Number.isInteger(pid) && pid > 0) postmasterPid = pid
  } else if (['127.0.0.1', 'localhost', '[::1]', ''].includes(url.hostname)) {
    // A server on this machine: our backend's parent process is the postmaster.
    const backend = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    const parent = localPostmaster(backend)
    if (parent) postmasterPid = parent
  }
  const setting = async (name: string) => (await admin.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v
  const settings = `shared_buffers ${await setting('shared_buffers')}, fsync ${await setting('fsync')}, synchronous_commit ${await setting('synchronous_commit')}`
  const redacted = new URL(url)
  if (redacted.password) redacted.password = '***'
  const client = stats
  let dropped: Promise<void> | undefined
  const cleanup = () =>
    (dropped ??= (async () => {
      await client?.end().catch(() => undefined)
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((err: Error) => say(`could not drop ${name}: ${err.message}`))
      await admin.end().catch(() => undefined)
    })())
  const where = postmasterPid ? 'on this machine' : `at ${redacted.host}`
  return { url: url.toString(), description: `${where}, ${settings}`, ...(postmasterPid ? { postmasterPid } : {}), ...(stats ? { stats } : {}), cleanup }
}

/** The parent of a PostgreSQL backend process when it runs here and is a postgres process, else undefined. */
function localPostmaster(backendPid: number): number | undefined {
  try {
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${backendPid}/status`, 'utf8'))?.[1])
    const comm = fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim()
    return ppid > 1 && /postgres|postmaster/.test(comm) ? ppid : undefined
  } catch {
    return undefined
  }
}

/** A local PostgreSQL cluster for this run (test/services/postgres.mjs), destroyed on exit, with pg_stat_statements preloaded. */
export async function throwawayCluster(): Promise<PostgresCluster> {
  const cluster = await startCluster()
  onCleanup(() => cluster.destroy())
  // pg_stat_statements must be preloaded: append it (later lines win) and restart.
  fs.appendFileSync(path.join(cluster.dataDir, 'postgresql.conf'), "\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.max = 1000\n")
  await cluster.stop()
  await cluster.start()
  return cluster
}

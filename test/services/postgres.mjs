// Throwaway PostgreSQL server clusters for tests.
//
// Plain ESM JavaScript so that it can be imported from .mjs scripts (test/run.mjs, .ci/run via
// test/services/pg-cli.mjs) and from TypeScript tests run through tsx alike.
//
//   import { ensurePostgresInstalled, startCluster } from '../services/postgres.mjs'
//   const binDir = process.env.TEST_PG_BIN ?? await ensurePostgresInstalled({ allowInstall: false })
//   const pg = await startCluster({ binDir })   // pg.url -> postgres://postgres@127.0.0.1:<port>/postgres
//   await pg.stop(); await pg.start()           // simulate an outage; same port, same data
//   await pg.destroy()                          // stop (if running) and delete everything
//
// Every cluster lives in its own temporary directory, listens on 127.0.0.1 only (plus a unix
// socket inside that directory), runs with fsync off, and writes all output of the PostgreSQL
// programs to <dir>/postgres.log - never to this process's stdout/stderr.

import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  aptGetInstall, describeExit, exitCleanupSet, getFreePort, isExecutable, isRoot, killQuietly, removeDirQuietly, run, tail, tmpParentDir, withLogTail,
} from './common.mjs'

export { getFreePort } from './common.mjs'

const PG_ROOT = '/usr/lib/postgresql'
const STATE_FILE = 'cluster.json'
const LOG_FILE = 'postgres.log'

const TIMEOUTS = {
  aptUpdate: 5 * 60_000,
  aptInstall: 10 * 60_000,
  initdb: 120_000,
  start: 60_000, // pg_ctl -w -t
  stop: 60_000,
  probe: 15_000,
}

// ---------------------------------------------------------------------------------------------
// Child processes

function shellQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`
}

let runuserPath // undefined = unknown, null = not available
function findRunuser() {
  if (runuserPath === undefined) {
    runuserPath = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser', '/bin/runuser'].find(isExecutable) ?? null
  }
  return runuserPath
}

/** The command line that runs `cmd args` as `user` (or directly when user is null). */
function asUser(user, cmd, args) {
  if (!user) return [cmd, args]
  const runuser = findRunuser()
  if (runuser) return [runuser, ['-u', user, '--', cmd, ...args]]
  return ['su', [user, '-s', '/bin/sh', '-c', [cmd, ...args].map(shellQuote).join(' ')]]
}

// ---------------------------------------------------------------------------------------------
// Binaries

function versionKey(name) {
  return name.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0)
}

function compareVersionsDesc(a, b) {
  const ka = versionKey(a)
  const kb = versionKey(b)
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (kb[i] ?? 0) - (ka[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

function hasServerBinaries(binDir) {
  return isExecutable(path.join(binDir, 'initdb')) && isExecutable(path.join(binDir, 'pg_ctl'))
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl, or null. */
export function findPostgresBinDir() {
  let versions
  try {
    versions = fs.readdirSync(PG_ROOT)
  } catch {
    return null
  }
  for (const v of versions.sort(compareVersionsDesc)) {
    const binDir = path.join(PG_ROOT, v, 'bin')
    if (hasServerBinaries(binDir)) return binDir
  }
  return null
}

/**
 * Find the PostgreSQL server binaries (initdb, pg_ctl) and return their directory, installing the
 * Debian `postgresql` package first when they are missing and `allowInstall` is true (root only).
 * The apt output goes to a log file; its path and tail are in the error message on failure.
 *
 * @param {{ allowInstall?: boolean }} [options]
 * @returns {Promise<string>} e.g. '/usr/lib/postgresql/15/bin'
 */
export async function ensurePostgresInstalled({ allowInstall = false } = {}) {
  const override = process.env.TEST_PG_BIN
  if (override && hasServerBinaries(override)) return override

  const found = findPostgresBinDir()
  if (found) return found

  const missing = `PostgreSQL server binaries not found (looked for ${PG_ROOT}/*/bin/initdb and pg_ctl)`
  if (!allowInstall) {
    throw new Error(`${missing}. Install them with: apt-get install -y postgresql`)
  }
  if (!isRoot()) {
    throw new Error(`${missing}, and installing the postgresql package needs root. Run: sudo apt-get install -y postgresql`)
  }
  if (!isExecutable('/usr/bin/apt-get')) {
    throw new Error(`${missing}, and apt-get is not available to install the postgresql package.`)
  }

  const logDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'roster-pg-install-'))
  const logFile = path.join(logDir, 'apt.log')
  const logFd = fs.openSync(logFile, 'a')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' }
  const fail = async (what) => {
    throw new Error(await withLogTail(`${missing}; ${what}. Log: ${logFile}`, logFile))
  }
  try {
    await aptGetInstall(['postgresql'], { logFd, env, timeouts: TIMEOUTS, fail, logCandidateCheck: true, maxOutput: 64_000 })
  } catch (err) {
    if (err.message.startsWith(missing)) throw err
    await fail(err.message)
  } finally {
    fs.closeSync(logFd)
  }

  const binDir = findPostgresBinDir()
  if (!binDir) await fail('the postgresql package was installed but initdb/pg_ctl are still missing')
  await fsp.rm(logDir, { recursive: true, force: true })
  return binDir
}

// ---------------------------------------------------------------------------------------------
// Clusters

function lookupUser(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':')
      if (user === name) return { uid: Number(uid), gid: Number(gid) }
    }
  } catch {
    // fall through
  }
  return null
}

function pidFromPostmasterPid(dataDir) {
  try {
    const pid = Number.parseInt(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0], 10)
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

// Last resort when a test process exits without destroy(): stop the postmaster (immediate
// shutdown) and remove the directory.
const liveClusters = exitCleanupSet((c) => {
  const pid = pidFromPostmasterPid(c.dataDir)
  if (pid) killQuietly(pid, 'SIGQUIT')
  removeDirQuietly(c.dir)
})

function settingsFor({ port, dir }) {
  // Appended to postgresql.conf (later lines win) instead of `pg_ctl -o "-c ..."`: no shell quoting,
  // and start() after stop() comes back with exactly the same settings and port.
  return [
    '',
    '# --- throwaway test cluster (test/services/postgres.mjs) ---',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${dir.replace(/'/g, "''")}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    '',
  ].join('\n')
}

function makeHandle(state, { keepOnExit = false } = {}) {
  const { dir, dataDir, binDir, port, user } = state
  const logFile = path.join(dir, LOG_FILE)
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  let running = state.running ?? false
  let destroyed = false

  const pgctl = async (args, timeoutMs, label) => {
    const logFd = fs.openSync(logFile, 'a')
    try {
      fs.writeSync(logFd, `\n[${new Date().toISOString()}] $ pg_ctl ${args.join(' ')}\n`)
      const [cmd, argv] = asUser(user, path.join(binDir, 'pg_ctl'), args)
      // pg_ctl has its own -t timeout; ours is a backstop a little later.
      return await run(cmd, argv, { logFd, timeoutMs: timeoutMs + 15_000, label })
    } finally {
      fs.closeSync(logFd)
    }
  }

  const failure = async (what) => new Error(await withLogTail(`PostgreSQL test cluster (${dataDir}, port ${port}): ${what}`, logFile))

  const handle = {
    url,
    port,
    dir,
    dataDir,
    binDir,
    logFile,
    get running() {
      return running
    },
    async start() {
      if (destroyed) throw new Error('PostgreSQL test cluster: start() after destroy()')
      if (running) return handle
      const t = Math.round(TIMEOUTS.start / 1000)
      const r = await pgctl(['-D', dataDir, '-l', logFile, '-w', '-t', String(t), 'start'], TIMEOUTS.start, 'pg_ctl start')
      if (r.code !== 0) {
        // A half-started postmaster must not linger.
        if (pidFromPostmasterPid(dataDir)) {
          await pgctl(['-D', dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop'], 10_000, 'pg_ctl stop').catch(() => {})
        }
        throw await failure(`pg_ctl start failed (${describeExit(r)})`)
      }
      running = true
      return handle
    },
    async stop() {
      if (!running && !pidFromPostmasterPid(dataDir)) return
      const t = Math.round(TIMEOUTS.stop / 1000)
      const r = await pgctl(['-D', dataDir, '-m', 'fast', '-w', '-t', String(t), 'stop'], TIMEOUTS.stop, 'pg_ctl stop')
      if (r.code !== 0) {
        const pid = pidFromPostmasterPid(dataDir)
        if (pid && processAlive(pid)) throw await failure(`pg_ctl stop failed (${describeExit(r)})`)
      }
      running = false
    },
    async destroy() {
      if (destroyed) return
      try {
        await handle.stop()
      } catch {
        const pid = pidFromPostmasterPid(dataDir)
        if (pid) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // gone
          }
          await new Promise((r) => setTimeout(r, 200))
        }
      }
      running = false
      destroyed = true
      liveClusters.delete(handle)
      await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 })
    },
  }
  if (!keepOnExit) {
    liveClusters.add(handle)
  }
  return handle
}

/**
 * Create and start a throwaway PostgreSQL cluster in a new temporary directory.
 *
 * @param {{ binDir?: string, port?: number, keepOnExit?: boolean }} [options]
 *   binDir: server bin dir (default: TEST_PG_BIN or the newest installed version; never installs);
 *   port: TCP port on 127.0.0.1 (default: a free one);
 *   keepOnExit: do not kill/remove the cluster when this process exits (default false).
 * @returns {Promise<{ url: string, port: number, dir: string, dataDir: string, binDir: string,
 *   logFile: string, running: boolean, start(): Promise<object>, stop(): Promise<void>,
 *   destroy(): Promise<void> }>}
 */
export async function startCluster({ binDir, port, keepOnExit = false } = {}) {
  binDir = binDir ?? (await ensurePostgresInstalled({ allowInstall: false }))
  if (!hasServerBinaries(binDir)) throw new Error(`startCluster: no initdb/pg_ctl in ${binDir}`)

  let user = null
  if (isRoot()) {
    // initdb refuses to run as root: run everything as the postgres user.
    user = 'postgres'
    if (!lookupUser(user)) throw new Error('startCluster: running as root but there is no "postgres" user to run the server as')
  }

  const started = Date.now()
  const dir = await fsp.mkdtemp(path.join(tmpParentDir('ROSTER_PG_TMPDIR'), 'roster-pg-'))
  const dataDir = path.join(dir, 'data')
  const logFile = path.join(dir, LOG_FILE)
  try {
    fs.writeFileSync(logFile, '')
    if (user) {
      const { uid, gid } = lookupUser(user)
      fs.chownSync(dir, uid, gid)
      fs.chownSync(logFile, uid, gid)
    }

    // C.UTF-8: byte-order collation (deterministic everywhere) but Unicode-aware lower()/upper()/ILIKE.
    // Fall back to plain C where that locale does not exist.
    let r
    for (const locale of ['C.UTF-8', 'C']) {
      await fsp.rm(dataDir, { recursive: true, force: true })
      const logFd = fs.openSync(logFile, 'a')
      try {
        const args = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', `--locale=${locale}`, '--no-sync']
        fs.writeSync(logFd, `[${new Date().toISOString()}] $ initdb ${args.join(' ')}\n`)
        const [cmd, argv] = asUser(user, path.join(binDir, 'initdb'), args)
        r = await run(cmd, argv, { logFd, timeoutMs: TIMEOUTS.initdb, label: 'initdb' })
      } finally {
        fs.closeSync(logFd)
      }
      if (r.code === 0 || !/locale/i.test(await tail(logFile, 10))) break
    }
    if (r.code !== 0) {
      throw new Error(await withLogTail(`PostgreSQL test cluster: initdb failed (${describeExit(r)}) in ${dataDir}`, logFile))
    }

    const fixedPort = port !== undefined && port !== null
    for (let attempt = 1; ; attempt++) {
      const p = fixedPort ? Number(port) : await getFreePort()
      const conf = path.join(dataDir, 'postgresql.conf')
      const base = fs.readFileSync(conf, 'utf8').split('\n# --- throwaway test cluster')[0]
      fs.writeFileSync(conf, base.replace(/\n*$/, '\n') + settingsFor({ port: p, dir }))
      const state = { dir, dataDir, binDir, port: p, user }
      fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n')
      const handle = makeHandle(state, { keepOnExit })
      try {
        await handle.start()
        handle.startupMs = Date.now() - started
        return handle
      } catch (err) {
        liveClusters.delete(handle)
        const portTaken = /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(await tail(logFile, 40))
        if (fixedPort || !portTaken || attempt >= 3) throw err
        // Someone took the free port between probe and bind: try another one.
      }
    }
  } catch (err) {
    // Keep the directory (and its log) only if asked to, for post-mortems.
    if (!process.env.ROSTER_KEEP_FAILED_PG) await fsp.rm(dir, { recursive: true, force: true }).catch(() => {})
    throw err
  }
}

/**
 * Re-attach to a cluster created by startCluster (e.g. from another process, as test/services/pg-cli.mjs
 * does), given its directory. Returns the same handle shape as startCluster.
 */
export function openCluster(dir, { keepOnExit = true } = {}) {
  const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8'))
  if (path.resolve(state.dir) !== path.resolve(dir)) throw new Error(`openCluster: ${dir} does not hold a test cluster`)
  return makeHandle({ ...state, running: Boolean(pidFromPostmasterPid(state.dataDir)) }, { keepOnExit })
}

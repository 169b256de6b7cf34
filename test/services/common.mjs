// Helpers shared by the throwaway test services (postgres.mjs, slapd.mjs, samba.mjs): child
// processes with timeouts and log files, log tails for error messages, free ports, temporary
// directories, exit-time clean-up, and noninteractive apt-get installs.
//
// Plain ESM JavaScript, like the services themselves. Internal to test/services: tests import the
// services, not this file.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------------------------------------
// Child processes

/**
 * Run a command with a timeout. Output goes to `logFd` (a file descriptor) when given, otherwise
 * stdout and stderr are collected and returned, each bounded: past `maxOutput` characters only the
 * last half of that is kept. `input` is written to stdin. Resolves { code, signal, stdout, stderr,
 * output }; rejects only when the command cannot be started or times out.
 */
export function run(cmd, args, { logFd, timeoutMs, env, label, input, maxOutput = 4_000_000 } = {}) {
  return new Promise((resolve, reject) => {
    let child
    const collect = logFd === undefined
    try {
      child = spawn(cmd, args, {
        stdio: [input === undefined ? 'ignore' : 'pipe', collect ? 'pipe' : logFd, collect ? 'pipe' : logFd],
        env: env ?? process.env,
      })
    } catch (err) {
      reject(new Error(`${label ?? cmd}: could not start ${cmd}: ${err.message}`))
      return
    }
    let stdout = ''
    let stderr = ''
    let output = ''
    if (collect) {
      const bound = (s) => (s.length > maxOutput ? s.slice(-(maxOutput / 2)) : s)
      child.stdout.on('data', (chunk) => {
        stdout = bound(stdout + chunk)
        output = bound(output + chunk)
      })
      child.stderr.on('data', (chunk) => {
        stderr = bound(stderr + chunk)
        output = bound(output + chunk)
      })
    }
    if (input !== undefined) {
      child.stdin.on('error', () => {}) // EPIPE when the command exits early: its exit code tells
      child.stdin.end(input)
    }
    let timedOut = false
    let killTimer
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true
          child.kill('SIGTERM')
          killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000)
          killTimer.unref?.()
        }, timeoutMs)
      : undefined
    child.on('error', (err) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      reject(new Error(`${label ?? cmd}: could not run ${cmd}: ${err.message}`))
    })
    // 'exit', not 'close': with collected output 'close' waits for the pipes, which is what we want
    // there; with a log fd there are no pipes and 'exit' is enough.
    child.on(collect ? 'close' : 'exit', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      if (timedOut) {
        reject(new Error(`${label ?? cmd}: timed out after ${Math.round(timeoutMs / 1000)} s`))
        return
      }
      resolve({ code, signal, stdout, stderr, output })
    })
  })
}

export function describeExit({ code, signal }) {
  return signal ? `killed by ${signal}` : `exit code ${code}`
}

/**
 * Stop a spawned child: SIGTERM, then SIGKILL when it has not exited after timeoutMs. Resolves once
 * it has exited.
 */
export async function terminateChild(c, timeoutMs) {
  const gone = new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', resolve)))
  try {
    process.kill(c.pid, 'SIGTERM')
  } catch {
    // gone
  }
  let t
  const timer = new Promise((resolve) => {
    t = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  const outcome = await Promise.race([gone, timer])
  clearTimeout(t)
  if (outcome === 'timeout') {
    try {
      process.kill(c.pid, 'SIGKILL')
    } catch {
      // gone
    }
    await gone
  }
}

/** Like processAlive in postgres.mjs, but a zombie (exited, not yet reaped) does not count as alive. */
export function processAlive(pid) {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return err.code === 'EPERM'
  }
  // A zombie (exited, not yet reaped - containers whose pid 1 does not reap leave them) is not alive.
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

// ---------------------------------------------------------------------------------------------
// Files

export function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

export function which(name) {
  for (const dir of (process.env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const file = path.join(dir, name)
    if (isExecutable(file)) return file
  }
  return null
}

export async function tail(file, lines = 30) {
  try {
    const text = await fsp.readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** `message`, then the last lines of logFile under a `--- last lines of <logFile> ---` heading. */
export async function withLogTail(message, logFile) {
  return `${message}\n--- last lines of ${logFile} ---\n${await tail(logFile)}`
}

/**
 * Where a service's temporary directories go: the directory named by the environment variable
 * `envVar` when it names one (test/run.mjs sets ROSTER_PG_TMPDIR to a per-run directory it sweeps
 * afterwards), else the system temp directory.
 */
export function tmpParentDir(envVar) {
  const wanted = process.env[envVar]
  if (wanted) {
    try {
      if (fs.statSync(wanted).isDirectory()) return wanted
    } catch {
      // fall back
    }
  }
  return os.tmpdir()
}

/**
 * A set of live servers with a last-resort clean-up for when the process exits without destroy():
 * `cleanup(server)` runs for each one still in the set, synchronously, as 'exit' handlers must.
 * The 'exit' handler is installed on the first add().
 */
export function exitCleanupSet(cleanup) {
  const live = new Set()
  let exitHookInstalled = false
  return {
    add(server) {
      live.add(server)
      if (exitHookInstalled) return
      exitHookInstalled = true
      process.on('exit', () => {
        for (const s of live) cleanup(s)
      })
    },
    delete(server) {
      live.delete(server)
    },
  }
}

/** process.kill that ignores a process already gone. */
export function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal)
  } catch {
    // already gone
  }
}

/** Synchronous recursive delete, best effort (for 'exit' handlers). */
export function removeDirQuietly(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  } catch {
    // best effort
  }
}

// ---------------------------------------------------------------------------------------------
// Network

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port })
    const done = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(timeoutMs, () => done(false))
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

// ---------------------------------------------------------------------------------------------
// Installation

/**
 * The apt-get part of installing Debian packages, output to `logFd`: refresh the package lists first
 * when apt-cache does not know packages[0], install, and when that fails with the lists not
 * refreshed yet (stale lists, 404s), refresh once and retry. `fail(why)` must throw; it is called on
 * every failure. `installOptions` go before `install`; `logCandidateCheck` also logs the apt-cache
 * call; `maxOutput` bounds its collected output (see run).
 */
export async function aptGetInstall(packages, { logFd, env, timeouts, fail, installOptions = [], logCandidateCheck = false, maxOutput }) {
  const apt = async (label, args, timeoutMs) => {
    fs.writeSync(logFd, `\n$ apt-get ${args.join(' ')}\n`)
    const r = await run('apt-get', args, { logFd, timeoutMs, env, label })
    fs.writeSync(logFd, `-> ${describeExit(r)}\n`)
    return r
  }
  const lock = ['-o', 'DPkg::Lock::Timeout=120']
  const install = () => apt('apt-get install', [...lock, ...installOptions, 'install', '-y', '-q', ...packages], timeouts.aptInstall)
  const update = () => apt('apt-get update', [...lock, 'update', '-q'], timeouts.aptUpdate)
  // Are the package lists present and do they know the package? (If not: apt-get update.)
  const known = await run('apt-cache', ['show', packages[0]], { timeoutMs: 60_000, label: 'apt-cache show', maxOutput })
  if (logCandidateCheck) fs.writeSync(logFd, `$ apt-cache show ${packages[0]} -> ${describeExit(known)}\n`)
  let updated = false
  if (known.code !== 0 || !new RegExp(`^Package: ${packages[0]}$`, 'm').test(known.output)) {
    const u = await update()
    if (u.code !== 0) await fail(`apt-get update failed (${describeExit(u)})`)
    updated = true
  }
  let r = await install()
  if (r.code !== 0 && !updated) {
    const u = await update()
    if (u.code !== 0) await fail(`apt-get install failed and apt-get update failed too (${describeExit(u)})`)
    r = await install()
  }
  if (r.code !== 0) await fail(`apt-get install -y ${packages.join(' ')} failed (${describeExit(r)})`)
}

/**
 * Install Debian packages noninteractively: debconf answers from `preseed` (debconf-set-selections
 * lines), and no service is started by the maintainer scripts (a temporary /usr/sbin/policy-rc.d
 * that says 101, unless one is there already). apt output goes to a log file in a new temporary
 * directory named after `logPrefix`; its path and tail are in the error message on failure, which
 * starts with `what`.
 */
async function aptInstall(packages, { what, preseed = '', logPrefix, timeouts }) {
  const logDir = await fsp.mkdtemp(path.join(os.tmpdir(), logPrefix))
  const logFile = path.join(logDir, 'apt.log')
  const logFd = fs.openSync(logFile, 'a')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true', NEEDRESTART_MODE: 'a' }
  const fail = async (why) => {
    throw new Error(await withLogTail(`${what}; ${why}. Log: ${logFile}`, logFile))
  }
  const policy = '/usr/sbin/policy-rc.d'
  let ownPolicy = false
  try {
    if (preseed) {
      fs.writeSync(logFd, `$ debconf-set-selections <<EOF\n${preseed}EOF\n`)
      const r = await run('debconf-set-selections', [], { input: preseed, timeoutMs: 60_000, label: 'debconf-set-selections' })
      fs.writeSync(logFd, `${r.output}-> ${describeExit(r)}\n`)
      if (r.code !== 0) await fail(`debconf-set-selections failed (${describeExit(r)})`)
    }
    if (!fs.existsSync(policy)) {
      // Never let the packages start their system daemons (slapd on 389, smbd, nmbd, winbind, samba-ad-dc...).
      fs.writeFileSync(policy, '#!/bin/sh\n# temporary, from roster test/services: no service starts during apt-get install\nexit 101\n', { mode: 0o755 })
      ownPolicy = true
    }
    await aptGetInstall(packages, {
      logFd,
      env,
      timeouts,
      fail,
      installOptions: ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'],
    })
  } catch (err) {
    if (err.message.startsWith(what)) throw err
    await fail(err.message)
  } finally {
    fs.closeSync(logFd)
    if (ownPolicy) fs.rmSync(policy, { force: true })
  }
  await fsp.rm(logDir, { recursive: true, force: true })
}

/**
 * Make sure what `installed()` checks for is there, installing the Debian `packages` when it is not
 * and `allowInstall` is true (root only; see aptInstall for preseed, logPrefix, timeouts). `missing`
 * says what is missing; every error message starts with it.
 */
export async function ensureDebianPackages(packages, { installed, missing, allowInstall, preseed, logPrefix, timeouts }) {
  if (installed()) return
  if (!allowInstall) throw new Error(`${missing}. Install them with: apt-get install -y ${packages.join(' ')}`)
  if (!isRoot()) throw new Error(`${missing}, and installing them needs root. Run: sudo apt-get install -y ${packages.join(' ')}`)
  if (!isExecutable('/usr/bin/apt-get')) throw new Error(`${missing}, and apt-get is not available to install ${packages.join(' ')}.`)
  await aptInstall(packages, { what: missing, preseed, logPrefix, timeouts })
  if (!installed()) throw new Error(`${missing}: still missing after apt-get install -y ${packages.join(' ')}`)
}

/** For the hand-run check scripts: `step(label)` prints the time since the previous step. */
export function stepTimer() {
  let clock = Date.now()
  return (label, extra = '') => {
    const now = Date.now()
    console.log(`  ${String(now - clock).padStart(6)} ms  ${label}${extra ? `: ${extra}` : ''}`)
    clock = now
  }
}

export function check(cond, what) {
  if (!cond) throw new Error(`CHECK FAILED: ${what}`)
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { getFreePort } from '../test/services/postgres.mjs'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// An absolute loader URL: `--import tsx` would resolve from the child's working directory.
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

/**
 * Everything the benchmark starts or creates, so that an exit, an error or Ctrl-C leaves nothing
 * behind: child processes are killed, temporary directories removed, async cleanups awaited.
 */
const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()
const cleanups: Array<() => Promise<void>> = []

export function tempDir(prefix = 'roster-bench-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  tempDirs.delete(dir)
}

/** Registers an async cleanup (a database to drop, a cluster to destroy); runs newest first. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.push(fn)
  return () => {
    const i = cleanups.indexOf(fn)
    if (i >= 0) cleanups.splice(i, 1)
  }
}

let cleaning: Promise<void> | undefined
export function cleanupAll(): Promise<void> {
  return (cleaning ??= (async () => {
    for (const child of children) killHard(child)
    for (const fn of cleanups.splice(0).reverse()) {
      await Promise.race([fn().catch(() => undefined), new Promise((r) => setTimeout(r, 30_000).unref())])
    }
    for (const dir of tempDirs) removeTempDir(dir)
  })())
}

function killHard(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}

let hooked = false
/** Ctrl-C / SIGTERM: clean up, then exit; a plain exit kills children and removes directories synchronously. */
export function installExitHooks(): void {
  if (hooked) return
  hooked = true
  process.on('exit', () => {
    for (const child of children) killHard(child)
    for (const dir of tempDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true })
      } catch {
        // best effort
      }
    }
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}: stopping servers and removing temporary files…\n`)
      void cleanupAll().finally(() => process.exit(130))
    })
  }
}

/** A free port on 127.0.0.1: the same helper the test services use. */
export const freePort = getFreePort

export interface NodeProcess {
  child: ChildProcess
  pid: number
  /** The last ~64 kB of stdout and stderr. */
  output(): string
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>
}

/**
 * Starts `node --import <tsx> <script>` with exactly `env` (plus PATH/HOME) and waits until a line
 * of its stdout matches `ready`, or it exits, or `waitMs` passes.
 */
export async function startNode(script: string, env: Record<string, string>, options: { ready: RegExp; waitMs: number; cwd?: string; nodeArgs?: string[]; cpus?: string }): Promise<NodeProcess> {
  const args = [...(options.nodeArgs ?? []), '--import', TSX_LOADER, script]
  // taskset execs node, so the child's pid is node's.
  const child = spawn(options.cpus ? 'taskset' : process.execPath, options.cpus ? ['-c', options.cpus, process.execPath, ...args] : args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let out = ''
  const append = (d: Buffer) => {
    out += d.toString()
    if (out.length > 128_000) out = out.slice(-64_000)
  }
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child)
      resolve(code)
    }),
  )
  child.stderr!.on('data', append)
  let stdoutSeen = ''
  let ready = false
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      killHard(child)
      reject(new Error(`${path.relative(ROOT, script)} did not become ready within ${options.waitMs} ms:\n${out.slice(-4000)}`))
    }, options.waitMs)
    child.stdout!.on('data', (d: Buffer) => {
      append(d)
      if (ready) return
      stdoutSeen += d.toString()
      if (options.ready.test(stdoutSeen)) {
        ready = true
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`${path.relative(ROOT, script)} exited with code ${code} before it was ready:\n${out.slice(-4000)}`))
    })
  })
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => killHard(child), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Whether `taskset` can pin processes here (Linux, util-linux installed). */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Sets the CPU affinity of every thread of a process (`taskset -a -p -c`). */
export function setAffinity(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
}

/** Sets the affinity of a process and its direct children (a postmaster and its backends; later backends inherit it). */
export function setTreeAffinity(rootPid: number, cpus: string): void {
  setAffinity(rootPid, cpus)
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === rootPid) setAffinity(Number(entry), cpus)
    } catch {
      // the process ended meanwhile
    }
  }
}

/** utime + stime of a process in milliseconds (Linux /proc), or null when unavailable. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return (ticks * 1000) / CLOCK_TICKS
  } catch {
    return null
  }
}

/** CPU of a process and all its children (a PostgreSQL postmaster and its backends). */
export function treeCpuMs(rootPid: number): number | null {
  const own = cpuMs(rootPid)
  if (own === null) return null
  let total = own
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        if (Number(fields[1]) === rootPid) total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return null
  }
  return total
}

/** Resident memory of a process in MiB, or null. */
export function rssMiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/** Busy CPU time of the whole machine in milliseconds since boot (all CPUs summed), from /proc/stat. */
export function machineBusyMs(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    return ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / CLOCK_TICKS
  } catch {
    return null
  }
}

// USER_HZ is 100 on every Linux build that matters; `getconf CLK_TCK` would say otherwise.
const CLOCK_TICKS = 100

// Servers on one core, the load generator on the other, PostgreSQL on both (bench/scim.ts, bench/soak.ts).
export const SERVER_CPU = '0'
export const LOAD_CPU = '1'
export const ALL_CPUS = `0-${os.availableParallelism() - 1}`

/** When this benchmark process started its work (performance.now()). */
export const benchStarted = performance.now()
/** A progress line on stderr, stamped with the seconds since the benchmark started. */
export function say(line: string): void {
  process.stderr.write(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}

/**
 * How the benchmarks start Roster (src/main.ts): on 127.0.0.1 at `port`, logging warnings only,
 * on the embedded store in `dataDir` or on the server at `databaseUrl`; ready when it prints its
 * SCIM base URL.
 */
export function rosterEnv(port: number, store: { dataDir: string } | { databaseUrl: string }): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...('dataDir' in store ? { DATA_DIR: store.dataDir } : { DATABASE_URL: store.databaseUrl }),
  }
}
export const ROSTER_READY = { ready: /^SCIM base URL: /m, waitMs: 180_000 }

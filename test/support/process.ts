import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { getFreePort } from '../services/postgres.mjs'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// `--import tsx` would resolve from the child's working directory, which tests set elsewhere.
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href

export function tempDir(prefix = 'roster-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** A free port on 127.0.0.1: the same helper the test services use. */
export const freePort = getFreePort

/** The environment a child Roster sees: only what the test sets, plus PATH/HOME (no stray .env values). */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env }
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `roster …` (bin/roster.js) to completion. */
export function runCli(args: string[], env: Record<string, string | undefined>, cwd = tempDir('roster-cwd-')): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/roster.js'), ...args], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface ServerProcess {
  child: ChildProcess
  port: number
  baseUrl: string
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `npm start`'s command (node --import tsx src/main.ts) and waits until it prints its base URL, or exits. */
export async function startServer(env: Record<string, string | undefined>, options: { cwd?: string; waitMs?: number } = {}): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort()
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'src/main.ts')], {
    cwd: options.cwd ?? tempDir('roster-cwd-'),
    env: childEnv({ PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${options.waitMs ?? 30000} ms:\n${out}\n${err}`)), options.waitMs ?? 30000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      // The whole banner is one write (src/main.ts), so once its first line is here, all of it is.
      if (/^SCIM base URL: .*$/m.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    void exited.then((code) => {
      clearTimeout(timer)
      reject(Object.assign(new Error(`server exited with ${code}:\n${err}`), { code, stderr: err, stdout: out }))
    })
  })
  await ready
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Runs the server expecting it to fail at start-up; returns its exit code, output and how long it took. */
export async function failedStart(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now()
  try {
    const s = await startServer(env)
    await s.stop()
    throw new Error('the server started, but it should have failed')
  } catch (e) {
    const err = e as { code?: number | null; stderr?: string; message: string }
    if (err.stderr === undefined) throw e
    return { code: err.code ?? null, stderr: err.stderr, ms: Date.now() - started }
  }
}

import { AsyncLocalStorage } from 'node:async_hooks'
import os from 'node:os'
import path from 'node:path'
import type { Config } from '../config.js'
import type { Store } from '../domain/store.js'

/**
 * One run of a `roster` command: where its output goes and whose shell it came from. Run from a
 * terminal, that is this process. Run inside the server for a `roster` client on the local socket
 * (src/cli/socket-server.ts), output goes back to the client, relative paths and `--…-env`
 * variables are the client's, and the command uses the server's open store.
 */
export interface Invocation {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Whether the caller's standard output is a terminal. */
  isTTY: boolean
  /** The caller's working directory: relative paths in arguments are resolved against it. */
  cwd: string
  /** The caller's environment, for options that name a variable (e.g. --bind-password-env). */
  env: Record<string, string | undefined>
  /** The caller's OS user name, recorded as the audit actor `cli:<user>`. */
  user: string
  /** Set inside the server: its configuration and already open store. */
  server?: { config: Config; store: Store }
}

function osUser(): string {
  try {
    return os.userInfo().username
  } catch {
    // No passwd entry (some containers).
    return 'unknown'
  }
}

const thisProcess: Invocation = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  get isTTY() {
    return process.stdout.isTTY === true
  },
  get cwd() {
    return process.cwd()
  },
  env: process.env,
  get user() {
    return osUser()
  },
}

const current = new AsyncLocalStorage<Invocation>()

/** Runs fn (and everything it awaits) as the given invocation. */
export function runAs<T>(invocation: Invocation, fn: () => T): T {
  return current.run(invocation, fn)
}

export function invocation(): Invocation {
  return current.getStore() ?? thisProcess
}

/** A path from the command line, resolved against the caller's working directory. */
export function callerPath(p: string): string {
  return path.resolve(invocation().cwd, p)
}

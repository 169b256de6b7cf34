import path from 'node:path'

/**
 * The local socket between `roster` (bin/roster.js, plain JavaScript: it mirrors these few lines)
 * and a running server. One connection runs one command: the client sends one line of JSON, a
 * SocketRequest; the server answers with lines of JSON, SocketReply, ending with `exit` or
 * `decline` (the client then opens the store itself, as without a server).
 */
export const SOCKET_FILE = 'roster.sock'

export function socketPath(dataDir: string): string {
  return path.join(dataDir, SOCKET_FILE)
}

export interface SocketRequest {
  argv: string[]
  cwd: string
  /** The client's environment (it names variables for options such as --bind-password-env). */
  env: Record<string, string>
  isTTY: boolean
  /** The client's OS user name: the audit actor is `cli:<user>`. */
  user: string
  /** The client's DATABASE_URL, or null for the embedded store: a server on another store declines. */
  databaseUrl: string | null
}

export type SocketReply = { out: string } | { err: string } | { exit: number } | { decline: string }

/** A request line larger than this is refused (argv and environment are a few kilobytes). */
export const MAX_REQUEST_BYTES = 1024 * 1024

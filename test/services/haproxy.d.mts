// Types for test/services/haproxy.mjs (plain JavaScript), for the TypeScript tests.

export interface HaproxyServer {
  /** The server's name in the backend `roster` (also in states() and runtime API commands). */
  name: string
  port: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface StartHaproxyOptions {
  servers: HaproxyServer[]
  /** The frontend's port on 127.0.0.1; default a free one. */
  port?: number
  /** The health check: GET this path, 200 means UP. Default /readyz. */
  healthPath?: string
  /** Milliseconds between checks (default 500), failures to mark DOWN (2), successes to mark UP (2). */
  inter?: number
  fall?: number
  rise?: number
  /** `timeout server` (default 30 s). */
  serverTimeoutMs?: number
  /** Wait until every server is UP (default true); otherwise only until the balancer listens. */
  waitUp?: boolean
  /** Leave haproxy running when this process exits (default: killed and removed on exit). */
  keepOnExit?: boolean
}

export interface Haproxy {
  /** http://127.0.0.1:<port>: the frontend. */
  readonly url: string
  readonly port: number
  /** The stats page (`;csv` for CSV). */
  readonly statsUrl: string
  readonly dir: string
  readonly configFile: string
  /** The configuration text it runs with. */
  readonly config: string
  /** Health check transitions and errors. */
  readonly logFile: string
  /** The master's pid while it runs, else null. */
  readonly pid: number | null
  /** Each server's status: 'UP', 'DOWN', 'MAINT', 'UP 1/2', … */
  states(): Promise<Map<string, string>>
  /** One runtime API command (e.g. 'disable server roster/n2'); resolves its answer. */
  admin(command: string): Promise<string>
  /** Waits until server `name` has status `state`, failing after timeoutMs. */
  waitFor(name: string, state: string, timeoutMs: number): Promise<void>
  /** Stops haproxy (SIGTERM to the master) and deletes the directory. */
  destroy(): Promise<void>
}

export function ensureHaproxyInstalled(options?: { allowInstall?: boolean }): Promise<{ haproxy: string; version: string }>
export function startHaproxy(options: StartHaproxyOptions): Promise<Haproxy>
export function haproxyConfig(options: Record<string, unknown>): string
export function getFreePort(): Promise<number>

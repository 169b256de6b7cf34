// Types for test/services/postgres.mjs (plain JavaScript), for the TypeScript tests.

export interface PostgresCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, no password) */
  readonly url: string
  readonly port: number
  /** The temporary directory holding everything (data directory, socket, log). */
  readonly dir: string
  readonly dataDir: string
  readonly binDir: string
  /** Output of initdb, pg_ctl and the server. */
  readonly logFile: string
  readonly running: boolean
  /** Milliseconds startCluster took (initdb + first start). */
  startupMs?: number
  /** Start again after stop(), on the same port with the same data. No-op when running. */
  start(): Promise<PostgresCluster>
  /** pg_ctl stop -m fast (connections are cut). No-op when stopped. */
  stop(): Promise<void>
  /** Stop if running and delete the directory. Idempotent. */
  destroy(): Promise<void>
}

export interface StartClusterOptions {
  /** Server bin dir (initdb, pg_ctl); default: TEST_PG_BIN or the newest installed version. Never installs. */
  binDir?: string
  /** TCP port on 127.0.0.1; default: a free one. */
  port?: number
  /** Leave the cluster running when this process exits (default: killed and removed on exit). */
  keepOnExit?: boolean
}

export function ensurePostgresInstalled(options?: { allowInstall?: boolean }): Promise<string>
export function startCluster(options?: StartClusterOptions): Promise<PostgresCluster>
export function openCluster(dir: string, options?: { keepOnExit?: boolean }): PostgresCluster
export function findPostgresBinDir(): string | null
export function getFreePort(): Promise<number>

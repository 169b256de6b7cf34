// Types for test/services/slapd.mjs (plain JavaScript), for the TypeScript tests.

export interface SlapdInstallation {
  /** '/usr/sbin/slapd' */
  slapd: string
  /** '/usr/sbin/slapadd' */
  slapadd: string
  /** '/usr/lib/ldap' (back_mdb, memberof, refint) */
  moduleDir: string
  /** '/etc/ldap/schema' */
  schemaDir: string
}

export interface SlapdServer {
  /** ldap://127.0.0.1:<port> (plain; with tls: StartTLS available on the same port) */
  readonly url: string
  /** ldaps://127.0.0.1:<tlsPort>, only with { tls: true } */
  readonly ldapsUrl?: string
  /** <dir>/tls/ca.pem, the throwaway CA of the server certificate (SAN IP:127.0.0.1, DNS:localhost); only with { tls: true } */
  readonly caFile?: string
  readonly port: number
  readonly tlsPort?: number
  /** cn=admin,<suffix> (the rootdn: no ACLs, no size or time limits) */
  readonly bindDn: string
  readonly password: string
  /** e.g. dc=example,dc=org */
  readonly suffix: string
  /** ou=People,<suffix> (created at start) */
  readonly peopleDn: string
  /** ou=Groups,<suffix> (created at start) */
  readonly groupsDn: string
  /** The temporary directory holding everything (slapd.conf, db/, tls/, slapd.log). */
  readonly dir: string
  readonly confFile: string
  /** slapd's own output (-d 0: errors only; ROSTER_SLAPD_DEBUG=stats for a query log). */
  readonly logFile: string
  /** Environment for ldap-utils clients: LDAPTLS_CACERT=caFile, no ldaprc/ldap.conf. */
  readonly env: NodeJS.ProcessEnv
  /** slapd's pid while running, else null. */
  readonly pid: number | null
  readonly running: boolean
  /** Milliseconds startSlapd took. */
  startupMs?: number
  /** Start again after stop(), on the same port(s) with the same data. No-op when running. */
  start(): Promise<SlapdServer>
  /** SIGTERM (SIGKILL after 15 s). No-op when stopped. */
  stop(): Promise<void>
  /** Stop if running and delete the directory. Idempotent. */
  destroy(): Promise<void>
  /**
   * Apply LDIF as the rootdn with `ldapmodify -a` (records without changetype: are adds).
   * continueOnError: ldapmodify -c. Resolves ldapmodify's output; rejects with it on failure.
   */
  ldif(text: string, options?: { continueOnError?: boolean }): Promise<string>
  /** `ldapsearch -LLL` as the rootdn with extra arguments, e.g. ['-b', base, '(uid=*)', 'memberOf']. Resolves stdout. */
  search(args?: string[]): Promise<string>
}

export interface StartSlapdOptions {
  /** TCP port on 127.0.0.1; default: a free one. */
  port?: number
  /** Default dc=example,dc=org (dc=…, o=… or ou=… first RDN). */
  suffix?: string
  /** rootpw; default 'secret'. */
  password?: string
  /** StartTLS on the main port plus LDAPS on a second free port, with a throwaway CA. Default false. */
  tls?: boolean
  /** Global sizelimit for everyone but the rootdn (default 500, like many real servers). */
  sizeLimit?: number | 'unlimited'
  /** Leave slapd running when this process exits (default: killed and removed on exit). */
  keepOnExit?: boolean
}

export function ensureSlapdInstalled(options?: { allowInstall?: boolean }): Promise<SlapdInstallation>
export function startSlapd(options?: StartSlapdOptions): Promise<SlapdServer>
export function getFreePort(): Promise<number>

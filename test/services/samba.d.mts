// Types for test/services/samba.mjs (plain JavaScript), for the TypeScript tests.

export interface SambaInstallation {
  /** '/usr/sbin/samba' */
  samba: string
  /** '/usr/bin/samba-tool' */
  sambaTool: string
  /** e.g. '4.17.12-Debian' */
  version: string
}

export interface SambaDc {
  /** ldaps://127.0.0.1:636 - use this one (simple binds over plain LDAP are refused) */
  readonly url: string
  /** ldap://127.0.0.1:389 (simple bind -> "Strong(er) authentication required") */
  readonly plainUrl: string
  /** <dir>/private/tls/ca.pem: the throwaway CA; the certificate has SAN IP:127.0.0.1, so it verifies properly. */
  readonly caFile: string
  /** CN=Administrator,CN=Users,DC=example,DC=test */
  readonly bindDn: string
  /** Administrator@example.test */
  readonly bindUpn: string
  /** The Administrator password. */
  readonly password: string
  /** DC=example,DC=test */
  readonly baseDn: string
  /** EXAMPLE.TEST */
  readonly realm: string
  /** EXAMPLE (NetBIOS domain) */
  readonly domain: string
  /** CN=Users,<baseDn> */
  readonly usersDn: string
  /** CN=Deleted Objects,<baseDn> (search it with the Show Deleted control 1.2.840.113556.1.4.417) */
  readonly deletedObjectsDn: string
  /** The temporary directory holding everything (the provision's --targetdir, plus samba.log). */
  readonly dir: string
  /** <dir>/etc/smb.conf */
  readonly smbConf: string
  /** Output of provisioning and of the samba process. */
  readonly logFile: string
  /** Environment for ldap-utils clients: LDAPTLS_CACERT=caFile, LDAPTLS_REQCERT=demand, no ldaprc/ldap.conf. */
  readonly env: NodeJS.ProcessEnv
  /** True when the directory was copied from a cached provisioned template. */
  readonly fromTemplate: boolean
  /** What startSambaDc spent: provisionMs (0 when a cached template was reused), copyMs, startMs, totalMs. */
  timings: { provisionMs?: number; copyMs?: number; startMs?: number; totalMs?: number }
  /** samba's pid while running, else null. */
  readonly pid: number | null
  readonly running: boolean
  /** Start again after stop() (same directory and data). No-op when running. */
  start(): Promise<SambaDc>
  /** SIGTERM (SIGKILL after 20 s). No-op when stopped. */
  stop(): Promise<void>
  /** Stop if running and delete the directory. Idempotent. */
  destroy(): Promise<void>
  /** Run `samba-tool <args> -s <smbConf>` (local database access). Resolves stdout; rejects with the output on failure. */
  samba(args: string[]): Promise<string>
  /**
   * Apply LDIF over LDAPS as Administrator with `ldapmodify -a` (records without changetype: are adds).
   * continueOnError: ldapmodify -c. Resolves ldapmodify's output; rejects with it on failure.
   */
  ldif(text: string, options?: { continueOnError?: boolean }): Promise<string>
  /** `ldapsearch -LLL -o ldif-wrap=no` over LDAPS as Administrator with extra arguments. Resolves stdout. */
  search(args?: string[]): Promise<string>
}

export interface StartSambaDcOptions {
  /** Default EXAMPLE.TEST */
  realm?: string
  /** NetBIOS domain name; default EXAMPLE */
  domain?: string
  /** Must satisfy AD complexity rules; default 'Passw0rd!Admin'. */
  adminPassword?: string
  /** Copy a cached provisioned template (default true unless ROSTER_SAMBA_NO_TEMPLATE is set) instead of provisioning. */
  template?: boolean
}

export function ensureSambaInstalled(options?: { allowInstall?: boolean }): Promise<SambaInstallation>
/** Needs root; only one at a time per machine (fixed ports 389/636) - a second call fails clearly. */
export function startSambaDc(options?: StartSambaDcOptions): Promise<SambaDc>
/** Delete every cached provisioned template under os.tmpdir(). */
export function clearSambaTemplates(): Promise<void>

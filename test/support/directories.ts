/**
 * The real directory servers the sync tests run against, started once per test process on first
 * use and removed when it exits (test/services/*.mjs clean up on exit):
 * - OpenLDAP slapd with StartTLS/LDAPS and a throwaway CA;
 * - a Samba Active Directory domain controller (LDAPS on 636; one per machine).
 *
 * test/run.mjs installs the packages before mocha starts. When they could not be installed outside
 * CI it says why in ROSTER_TEST_LDAP_MISSING and the suites skip; under CI=true a missing server is
 * a failure, never a skip.
 */
import type { Context } from 'mocha'
import { startSlapd, type SlapdServer } from '../services/slapd.mjs'
import { startSambaDc, type SambaDc } from '../services/samba.mjs'

let slapd: Promise<SlapdServer> | null = null
let samba: Promise<SambaDc> | null = null

function unavailable(ctx: Context, what: string): void {
  const missing = process.env.ROSTER_TEST_LDAP_MISSING
  if (missing && process.env.CI !== 'true' && missing.includes(what)) ctx.skip()
}

/** The shared slapd (tls: StartTLS on `url`, LDAPS on `ldapsUrl`, CA in `caFile`). */
export async function openLdapServer(ctx: Context): Promise<SlapdServer> {
  unavailable(ctx, 'OpenLDAP')
  ctx.timeout(60_000)
  slapd ??= startSlapd({ tls: true, sizeLimit: 'unlimited' })
  return slapd
}

/** The shared Samba AD DC. Suites share its domain: each works in an OU of its own. */
export async function sambaDomainController(ctx: Context): Promise<SambaDc> {
  unavailable(ctx, 'Samba')
  ctx.timeout(180_000)
  samba ??= startSambaDc()
  return samba
}

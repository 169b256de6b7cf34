/**
 * `roster directory test`: connect, bind, count, and show a few users as Roster would map them.
 * Reads only; writes nothing anywhere.
 */
import { escapeFilter } from 'ldapts'
import { DirectoryClient, type ConnectOptions } from './ldap.js'
import { mapUser, userAttributes, type MappedUser } from './mapping.js'
import type { EffectiveSettings } from './settings.js'

export interface ProbeResult {
  users: number
  groups: number
  samples: Array<{ dn: string; anchor: string; user: MappedUser }>
  /** Entries that would be skipped (no anchor or no userName), with why; at most a few. */
  skipped: Array<{ dn: string; problem: string }>
  skippedCount: number
  warnings: string[]
}

export interface ProbeOptions extends ConnectOptions {
  /** How many mapped users to show (default 3). */
  sampleSize?: number
  /**
   * Look at this one user (by the attribute mapped to userName) instead of counting everyone.
   * The value is escaped into the filter (RFC 4515): `*)(uid=*` finds a user of that literal name.
   */
  userName?: string
}

export async function probeDirectory(settings: EffectiveSettings, password: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const sampleSize = options.sampleSize ?? 3
  const client = await DirectoryClient.open(settings, password, options)
  const result: ProbeResult = { users: 0, groups: 0, samples: [], skipped: [], skippedCount: 0, warnings: [] }
  if (settings.insecureTls) result.warnings.push(`TLS certificate checks are OFF for ${settings.url} (--insecure-tls); use --ca-file outside a lab`)
  try {
    const m = settings.effectiveMapping
    for (const base of settings.baseDns) {
      const filter = options.userName === undefined ? settings.effectiveUserFilter : `(&${settings.effectiveUserFilter}${escapeFilter`(${m.userName}=${options.userName})`})`
      for await (const page of client.pages(base, filter, userAttributes(m, []))) {
        result.users += page.length
        for (const e of page) {
          const mapped = mapUser(e, m)
          if (!mapped.ok) {
            result.skippedCount++
            if (result.skipped.length < sampleSize) result.skipped.push({ dn: mapped.dn, problem: mapped.problem })
          } else if (result.samples.length < sampleSize) result.samples.push({ dn: e.dn, anchor: mapped.anchor, user: mapped.value })
        }
      }
      if (options.userName === undefined) for await (const page of client.pages(base, settings.effectiveGroupFilter, ['1.1'])) result.groups += page.length
    }
  } finally {
    await client.close()
  }
  return result
}

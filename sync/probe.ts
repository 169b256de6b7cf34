/**
 * `roster directory test` and the console's test button: connect, bind, count, and show a few users
 * as Roster would map them. Reads only; writes nothing anywhere.
 */
import { escapeFilter } from 'ldapts'
import { MANAGER_PATH } from '../src/domain/identity/model.js'
import type { Json } from '../src/domain/kernel/json.js'
import { userWrite } from './documents.js'
import { DirectoryClient, type ConnectOptions } from './ldap.js'
import { attributesToRead, ldapAttribute, mapUser } from './mappers.js'
import type { EffectiveSettings } from './settings.js'

/** A mapped user as the test shows it: the main attributes of the document it would get. */
export interface SampleUser {
  userName: string
  externalId: string | null
  displayName: string | null
  givenName: string | null
  familyName: string | null
  email: string | null
  phone: string | null
  title: string | null
  department: string | null
  employeeNumber: string | null
  managerDn: string | null
  active: boolean
}

export interface ProbeResult {
  users: number
  groups: number
  samples: Array<{ dn: string; anchor: string; user: SampleUser }>
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

const ENTERPRISE = MANAGER_PATH[0]

/** The value at `path` of a document, when it is text. */
function at(doc: Json, ...path: Array<string | number>): string | null {
  let node: Json | undefined = doc
  for (const key of path) {
    if (Array.isArray(node)) node = typeof key === 'number' ? node[key] : undefined
    else if (node !== null && typeof node === 'object') node = typeof key === 'string' ? node[key] : undefined
    else node = undefined
  }
  return typeof node === 'string' ? node : null
}

export async function probeDirectory(settings: EffectiveSettings, password: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const sampleSize = options.sampleSize ?? 3
  const client = await DirectoryClient.open(settings, password, options)
  const result: ProbeResult = { users: 0, groups: 0, samples: [], skipped: [], skippedCount: 0, warnings: [] }
  if (settings.insecureTls) result.warnings.push(`TLS certificate checks are OFF for ${settings.url} (--insecure-tls); use --ca-file outside a lab`)
  try {
    const mappers = settings.mappers.users
    const userNameAttribute = ldapAttribute(mappers, 'userName')
    for (const base of settings.baseDns) {
      const filter = options.userName === undefined ? settings.effectiveUserFilter : `(&${settings.effectiveUserFilter}${escapeFilter`(${userNameAttribute}=${options.userName})`})`
      for await (const page of client.pages(base, filter, attributesToRead(mappers, []))) {
        result.users += page.length
        for (const e of page) {
          const mapped = mapUser(e, mappers)
          if (!mapped.ok) {
            result.skippedCount++
            if (result.skipped.length < sampleSize) result.skipped.push({ dn: mapped.dn, problem: mapped.problem })
          } else if (result.samples.length < sampleSize) {
            const u = mapped.value
            const doc = userWrite(u, mapped.anchor, mapped.dn, null, u.active ? 'active' : 'inactive').document
            result.samples.push({
              dn: e.dn,
              anchor: mapped.anchor,
              user: {
                userName: u.userName,
                externalId: at(doc, 'externalId'),
                displayName: at(doc, 'displayName'),
                givenName: at(doc, 'name', 'givenName'),
                familyName: at(doc, 'name', 'familyName'),
                email: at(doc, 'emails', 0, 'value'),
                phone: at(doc, 'phoneNumbers', 0, 'value'),
                title: at(doc, 'title'),
                department: at(doc, ENTERPRISE, 'department'),
                employeeNumber: at(doc, ENTERPRISE, 'employeeNumber'),
                managerDn: u.managerDn,
                active: u.active,
              },
            })
          }
        }
      }
      if (options.userName === undefined) for await (const page of client.pages(base, settings.effectiveGroupFilter, ['1.1'])) result.groups += page.length
    }
  } finally {
    await client.close()
  }
  return result
}

/**
 * The read phase of a run: everything the directory says, streamed page by page into the run's
 * snapshot in the database. Nothing of the tenant changes here, so a search that fails or is cut
 * short leaves the tenant exactly as it was.
 */
import { escapeFilter } from 'ldapts'
import type { HighWaterMark, SyncProblem } from '../src/domain/directory-sync/model.js'
import { DirectoryError } from './errors.js'
import type { DirectoryClient } from './ldap.js'
import { normalizeDn } from './dn.js'
import type { DirectoryEntry } from './entry.js'
import { attributesToRead, ldapAttribute, mapGroup, mapUser, type MapResult, type Mapper } from './mappers.js'
import type { EffectiveSettings } from './settings.js'
import { type RunSnapshot, type SnapshotEntries } from './snapshot.js'

export interface ReadResult {
  users: number
  groups: number
  deletions: number
  /** Where the next incremental run starts. */
  highWaterMark: HighWaterMark | null
  /** False when deletions cannot be seen incrementally (no right to read Deleted Objects). */
  deletionsVisible: boolean
  problems: SyncProblem[]
  problemCount: number
  /**
   * Whether this was a full read. An incremental run becomes full when its mark cannot be used:
   * USNs are per domain controller, so a mark from another DC means nothing here.
   */
  full: boolean
}

export interface ReadOptions {
  /** Where the entries read go. */
  snapshot: RunSnapshot
  client: DirectoryClient
  settings: EffectiveSettings
  /** null: full read. */
  since: HighWaterMark | null
  /** Problems kept in detail (the count is always exact). */
  maxProblems: number
  /** Checked between pages: a run that lost its lease stops reading. */
  checkpoint: () => void
}

/** AD's and OpenLDAP's marks: `{ usn, server }` / `{ modifyTimestamp }`. */
function isUsnMark(m: HighWaterMark | null): m is { usn: number; server: string } {
  return !!m && typeof m.usn === 'number' && typeof m.server === 'string'
}

/** Compares generalized times such as 20261122101500Z or 20261122101500.123Z. */
const timeKey = (t: string) => t.replace(/[^0-9.]/g, '').padEnd(18, '0')

export async function readDirectory(o: ReadOptions): Promise<ReadResult> {
  const s = o.settings
  const result: ReadResult = { users: 0, groups: 0, deletions: 0, highWaterMark: null, deletionsVisible: true, problems: [], problemCount: 0, full: true }
  const problem = (p: SyncProblem) => {
    result.problemCount++
    if (result.problems.length < o.maxProblems) result.problems.push(p)
  }

  let changedSince = ''
  let domainDn: string | null = null
  let newMark: HighWaterMark | null = null
  let maxTimestamp: string | null = null
  const tracking = s.presetDefinition.changeTracking
  if (tracking === 'usn') {
    // The mark is read before the searches: a change made while they run gets a higher USN and
    // is read again next time rather than missed.
    const dse = await o.client.rootDse(['highestCommittedUSN', 'dsServiceName', 'defaultNamingContext'])
    const usn = Number(dse.first('highestCommittedUSN'))
    const server = dse.first('dsServiceName')
    domainDn = dse.first('defaultNamingContext')
    if (!Number.isSafeInteger(usn) || !server) throw new DirectoryError('protocol', 'the server’s root DSE has no highestCommittedUSN/dsServiceName: is it an Active Directory domain controller? (use --preset openldap otherwise)', false)
    newMark = { usn, server }
    if (isUsnMark(o.since) && o.since.server === server) changedSince = escapeFilter`(uSNChanged>=${String(o.since.usn + 1)})`
  } else {
    const since = o.since && typeof o.since.modifyTimestamp === 'string' ? o.since.modifyTimestamp : null
    // >=, not >: timestamps have one-second resolution, and a change in the same second as the
    // last one read must not be missed (re-reading an unchanged entry changes nothing).
    if (since) changedSince = escapeFilter`(modifyTimestamp>=${since})`
    maxTimestamp = since
  }
  const trackAttr = tracking === 'usn' ? [] : ['modifyTimestamp']
  const withSince = (filter: string) => (changedSince ? `(&${filter}${changedSince})` : filter)
  const noteTimestamp = (e: DirectoryEntry) => {
    const t = e.first('modifyTimestamp')
    if (t && (!maxTimestamp || timeKey(t) > timeKey(maxTimestamp))) maxTimestamp = t
  }

  const stage = async <K extends 'user' | 'group'>(kind: K, base: string, filter: string, mappers: Mapper[], map: (e: DirectoryEntry, mappers: Mapper[]) => MapResult<SnapshotEntries[K]>) => {
    const pages = o.client.pages(base, withSince(filter), attributesToRead(mappers, trackAttr))
    // The directory prepares the next page while this one is written to the snapshot.
    let next = pages.next()
    try {
      for (;;) {
        const current = await next
        if (current.done) return
        next = pages.next()
        next.catch(() => {}) // surfaces at the next await; not an unhandled rejection meanwhile
        o.checkpoint()
        const rows = []
        for (const e of current.value) {
          noteTimestamp(e)
          const mapped = map(e, mappers)
          if (mapped.ok) rows.push({ anchor: mapped.anchor, dn: mapped.dn, entry: mapped.value })
          else {
            problem({ entry: mapped.dn, message: mapped.problem })
            if (mapped.anchor) rows.push({ anchor: mapped.anchor, dn: normalizeDn(mapped.dn), entry: null })
          }
        }
        await o.snapshot.add(kind, rows)
      }
    } finally {
      // Stopped early (a failed write, a lost lease): end the search rather than leave it paused.
      pages.return(undefined).catch(() => {})
    }
  }
  for (const base of s.baseDns) {
    await stage('user', base, s.effectiveUserFilter, s.mappers.users, mapUser)
    await stage('group', base, s.effectiveGroupFilter, s.mappers.groups, mapGroup)
  }

  result.full = changedSince === ''
  if (!result.full && isUsnMark(o.since) && domainDn && s.presetDefinition.deletedObjects) {
    const deleted = await o.client.deletedSince(domainDn, o.since.usn + 1, ldapAttribute(s.mappers.users, 'anchor'), s.bases)
    if (deleted === null) result.deletionsVisible = false
    else {
      await o.snapshot.add('deleted', deleted.map((anchor) => ({ anchor, dn: '', entry: {} })))
      result.deletions = deleted.length
    }
  }

  result.users = await o.snapshot.count('user')
  result.groups = await o.snapshot.count('group')
  result.highWaterMark = tracking === 'usn' ? newMark : maxTimestamp ? { modifyTimestamp: maxTimestamp } : null
  return result
}

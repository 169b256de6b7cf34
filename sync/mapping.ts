/**
 * Directory entry → what Roster keeps of it. The mapped form is what a run stores in its snapshot
 * (small, JSON) and later turns into SCIM documents (sync/documents.ts).
 */
import type { Entry } from 'ldapts'
import type { JsonObject } from '../src/domain/json.js'
import { normalizeDn } from './dn.js'
import { GUID_ATTRIBUTES, SID_ATTRIBUTES, type Mapping } from './presets.js'

export interface MappedUser {
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
  /** Normalised DN of the manager entry, resolved to a Roster user id when the run applies. */
  managerDn: string | null
  active: boolean
}

export interface MappedGroup {
  displayName: string
  externalId: string | null
  /** Normalised DNs of members (users and nested groups). */
  memberDns: string[]
  /** posixGroup members by uid (matched against userName). */
  memberUids: string[]
}

/** ACCOUNTDISABLE in AD's userAccountControl flags. */
const ACCOUNTDISABLE = 0x2

/** AD's objectGUID bytes in the text form AD itself shows (first three fields little-endian). */
export function guidToString(b: Buffer): string {
  if (b.length !== 16) return b.toString('hex')
  const h = (i: number) => b[i]!.toString(16).padStart(2, '0')
  const part = (idx: number[]) => idx.map(h).join('')
  return `${part([3, 2, 1, 0])}-${part([5, 4])}-${part([7, 6])}-${part([8, 9])}-${part([10, 11, 12, 13, 14, 15])}`
}

/** A binary security identifier in its S-1-5-21-… form. */
export function sidToString(b: Buffer): string {
  if (b.length < 8 || b.length !== 8 + 4 * b[1]!) return b.toString('hex')
  const authority = b.readUIntBE(2, 6)
  const subs = Array.from({ length: b[1]! }, (_, i) => b.readUInt32LE(8 + 4 * i))
  return `S-${b[0]}-${authority}${subs.map((s) => `-${s}`).join('')}`
}

function binaryText(attribute: string, v: Buffer): string {
  if (GUID_ATTRIBUTES.has(attribute)) return guidToString(v)
  if (SID_ATTRIBUTES.has(attribute)) return sidToString(v)
  return v.toString('utf8')
}

/** An entry's attributes by lower-cased name, values as strings (binary ones in canonical text). */
export class EntryValues {
  private readonly values = new Map<string, string[]>()
  readonly dn: string

  constructor(entry: Entry) {
    this.dn = entry.dn
    for (const [name, raw] of Object.entries(entry)) {
      if (name === 'dn') continue
      const lower = name.toLowerCase()
      const list = Array.isArray(raw) ? raw : [raw]
      this.values.set(
        lower,
        list.map((v) => (Buffer.isBuffer(v) ? binaryText(lower, v) : String(v))),
      )
    }
  }

  all(attribute: string): string[] {
    return attribute ? (this.values.get(attribute.toLowerCase()) ?? []) : []
  }

  first(attribute: string): string | null {
    const v = this.all(attribute)[0]
    return v === undefined || v === '' ? null : v
  }

  /** Attributes returned in ranges (AD's `member;range=0-1499`): name → the range's end, or '*'. */
  ranged(): Map<string, { key: string; end: string }> {
    const out = new Map<string, { key: string; end: string }>()
    for (const key of this.values.keys()) {
      const m = /^([^;]+);range=\d+-(\d+|\*)$/.exec(key)
      if (m) out.set(m[1]!, { key, end: m[2]! })
    }
    return out
  }

  append(attribute: string, values: string[]): void {
    const lower = attribute.toLowerCase()
    this.values.set(lower, [...(this.values.get(lower) ?? []), ...values])
  }

  rename(from: string, to: string): void {
    const v = this.values.get(from)
    if (v === undefined) return
    this.values.delete(from)
    this.append(to, v)
  }
}

function isActive(values: EntryValues, attribute: string): boolean {
  if (!attribute) return true
  const raw = values.first(attribute)
  if (raw === null) return true
  if (attribute.toLowerCase() === 'useraccountcontrol') {
    const flags = Number(raw)
    return !Number.isFinite(flags) || (flags & ACCOUNTDISABLE) === 0
  }
  return !/^(false|0|no|disabled|inactive)$/i.test(raw.trim())
}

/**
 * A mapped entry, or why it could not be mapped. A failed entry that has its anchor is still
 * recorded as read (`anchor` set): its user is left as it is, not taken for gone.
 */
export type MapResult<T> = { ok: true; anchor: string; dn: string; value: T } | { ok: false; anchor: string | null; dn: string; problem: string }

export function mapUser(values: EntryValues, m: Mapping): MapResult<MappedUser> {
  const dn = normalizeDn(values.dn)
  const anchor = values.first(m.anchor)
  if (!anchor) return { ok: false, anchor: null, dn: values.dn, problem: `has no ${m.anchor} (the anchor attribute); skipped` }
  const userName = values.first(m.userName)
  if (!userName) return { ok: false, anchor, dn: values.dn, problem: `has no ${m.userName} (mapped to userName); skipped, its user left as it is` }
  const manager = values.first(m.manager)
  return {
    ok: true,
    anchor,
    dn,
    value: {
      userName,
      externalId: values.first(m.externalId),
      displayName: values.first(m.displayName),
      givenName: values.first(m['name.givenName']),
      familyName: values.first(m['name.familyName']),
      email: values.first(m.emails),
      phone: values.first(m.phoneNumbers),
      title: values.first(m.title),
      department: values.first(m.department),
      employeeNumber: values.first(m.employeeNumber),
      managerDn: manager ? normalizeDn(manager) : null,
      active: isActive(values, m.active),
    },
  }
}

export function mapGroup(values: EntryValues, m: Mapping): MapResult<MappedGroup> {
  const dn = normalizeDn(values.dn)
  const anchor = values.first(m['group.anchor'])
  if (!anchor) return { ok: false, anchor: null, dn: values.dn, problem: `has no ${m['group.anchor']} (the anchor attribute); skipped` }
  const displayName = values.first(m['group.displayName'])
  if (!displayName) return { ok: false, anchor, dn: values.dn, problem: `has no ${m['group.displayName']} (mapped to displayName); skipped, its group left as it is` }
  return {
    ok: true,
    anchor,
    dn,
    value: {
      displayName,
      externalId: anchor,
      memberDns: [...new Set(values.all(m['group.member']).map(normalizeDn))],
      memberUids: [...new Set(values.all(m['group.memberUid']))],
    },
  }
}

/** The attributes a search must ask for to map users (plus what change tracking needs). */
export function userAttributes(m: Mapping, extra: string[]): string[] {
  const names = [m.anchor, m.userName, m.externalId, m.displayName, m['name.givenName'], m['name.familyName'], m.emails, m.phoneNumbers, m.title, m.department, m.employeeNumber, m.manager, m.active, ...extra]
  return [...new Set(names.filter(Boolean))]
}

export function groupAttributes(m: Mapping, extra: string[]): string[] {
  return [...new Set([m['group.anchor'], m['group.displayName'], m['group.member'], m['group.memberUid'], ...extra].filter(Boolean))]
}

export const asJson = (v: MappedUser | MappedGroup): JsonObject => v as unknown as JsonObject

/** The snapshot entry of an entry read but not mapped: present, so never taken for gone. */
export const UNMAPPED: JsonObject = { unmapped: true }
export const isUnmapped = (entry: JsonObject): boolean => entry.unmapped === true

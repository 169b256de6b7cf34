/**
 * A directory entry as the LDAP client returns it: its DN and its attribute values, looked up by
 * case-insensitive name. Nothing here knows what an attribute means to Roster (that is the mapper
 * table's business); binary attributes arrive in the text form the directory itself shows.
 */
import type { Entry } from 'ldapts'

/** Attributes whose values are binary on the wire (read as buffers, turned into their usual text form). */
const GUID_ATTRIBUTES = new Set(['objectguid'])
const SID_ATTRIBUTES = new Set(['objectsid', 'tokengroups'])
export const BINARY_ATTRIBUTES = new Set([...GUID_ATTRIBUTES, ...SID_ATTRIBUTES])

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
export class DirectoryEntry {
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

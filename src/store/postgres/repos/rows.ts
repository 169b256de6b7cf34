/** Helpers shared by the repositories for turning rows into domain records. */
import { ValidationError } from '../../../domain/kernel/errors.js'

export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)))
export const toDateOrNull = (v: unknown): Date | null => (v == null ? null : toDate(v))
export const str = (v: unknown): string => String(v)
export const strOrNull = (v: unknown): string | null => (v == null ? null : String(v))

/** Keyset cursors are opaque to callers: base64url of the last key seen. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string, what = 'cursor'): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!key || encodeCursor(key) !== cursor) throw new ValidationError(`invalid ${what}`, what)
  return key
}

// Lower case only: ids are case-exact (RFC 7643 §3.1; draft-zollner-scim-interop-profile §5.2), and
// PostgreSQL would read ABC… as the same uuid as abc…; one canonical form per identifier.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Ids are uuids in this schema, in the lower-case form they are issued in; anything else cannot name a record, so it is simply not found. */
export function isUuid(id: string): boolean {
  return UUID.test(id)
}

// NUL, or a UTF-16 surrogate without its partner.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const unstorable = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text)

/**
 * Text keys (token ids, labels, role keys) are any text PostgreSQL can hold. A string with NUL
 * cannot be stored (the server refuses it), and a lone surrogate would be sent as U+FFFD and so
 * match a different key: neither can name a record, so both are simply not found.
 */
export function isStorableKey(key: string): boolean {
  return !unstorable(key)
}

/** Builds `SET a = $n, b = $n+1` from a column→value map, numbering after `offset` parameters. */
export function setClause(columns: Record<string, unknown>, offset: number): { sql: string; params: unknown[] } {
  const entries = Object.entries(columns).filter(([, v]) => v !== undefined)
  return {
    sql: entries.map(([c], i) => `${c} = $${offset + i + 1}`).join(', '),
    params: entries.map(([, v]) => v),
  }
}

/**
 * Reads a JSON keyset cursor (base64url of a JSON array): bounded in length so garbage costs
 * nothing, and in its one canonical encoding (unused trailing bits would otherwise let several
 * strings mean one cursor). Returns null for anything else; callers say why in their own words.
 */
export function decodeJsonCursor(text: string): unknown[] | null {
  if (text.length > 262_144 || !/^[A-Za-z0-9_-]+$/.test(text)) return null
  try {
    const bytes = Buffer.from(text, 'base64url')
    if (bytes.toString('base64url') !== text) return null
    const raw = JSON.parse(bytes.toString('utf8')) as unknown
    return Array.isArray(raw) ? raw : null
  } catch {
    return null
  }
}

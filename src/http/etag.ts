import { HttpError } from './errors.js'

/**
 * ETags (RFC 7232; SCIM: RFC 7644 §3.14): the record's version as a weak validator, `W/"<version>"`.
 * Weak because the same version may be rendered differently (attributes, excludedAttributes). SCIM
 * and the admin API share them, so a console edit and an IdP push detect each other.
 */
export const etagOf = (version: number): string => `W/"${version}"`

/** Parses a list of entity tags (`W/"3", "4"`, or `*`). */
function parseTags(header: string): { any: boolean; versions: number[] } | null {
  const value = header.trim()
  if (value === '*') return { any: true, versions: [] }
  const versions: number[] = []
  for (const part of value.split(',')) {
    const m = /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(part)
    if (!m) return null
    // A tag we never issued cannot match; keep parsing the rest.
    if (/^\d+$/.test(m[1]!)) versions.push(Number(m[1]))
  }
  return { any: false, versions }
}

/**
 * If-Match (RFC 7232 §3.1): the versions a write may be based on. Undefined when the header is absent
 * or `*` (any current version will do); an empty list when no tag is one we issued (nothing matches,
 * so the write fails with 412).
 */
export function ifMatch(header: string | undefined): number[] | undefined {
  if (!header) return undefined
  const tags = parseTags(header)
  if (!tags) throw new HttpError(400, 'malformed If-Match header: expected entity tags such as W/"3"', 'invalidSyntax')
  return tags.any ? undefined : tags.versions
}

/** If-None-Match on GET: true when the client's copy is current (answer 304). */
export function notModified(header: string | undefined, current: number): boolean {
  if (!header) return false
  const tags = parseTags(header)
  return !!tags && (tags.any || tags.versions.includes(current))
}

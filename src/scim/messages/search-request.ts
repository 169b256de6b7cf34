import type { Interpretation } from '../interpretation.js'
import { FilterSyntaxError, parseFilter, type Filter } from '../filter/parse.js'
import type { ResourcePage } from '../../domain/identity/query.js'
import { badRequest } from '../errors.js'
import { SCIM_LIMITS } from '../limits.js'
import { splitAttributeNames } from '../schema/projection.js'

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'

/** A query for resources, from GET query parameters or a POST .search body (RFC 7644 §3.4.2, §3.4.3; RFC 9865). */
export interface ListRequest {
  filter?: Filter
  /** The filter came in the URI (GET) rather than a SearchRequest body. */
  filterInUri?: boolean
  /** A search across resource types: attributes a type lacks count as unassigned for it. */
  acrossTypes?: boolean
  sortBy?: string
  sortOrder?: string
  page: ResourcePage
  attributes?: string[]
  excludedAttributes?: string[]
}

type Raw = Record<string, unknown>

/**
 * Message attribute and query parameter names are case-insensitive (clients send `startindex`,
 * `Operations`, `failOnErrors`): keys lower-cased for lookup.
 */
export function lowerKeys(input: Raw): Raw {
  const out: Raw = {}
  for (const [k, v] of Object.entries(input)) out[k.toLowerCase()] = v
  return out
}

function single(raw: Raw, name: string): unknown {
  const v = raw[name.toLowerCase()]
  if (Array.isArray(v)) {
    if (v.length > 1) throw badRequest('invalidValue', `parameter ${name} given more than once`)
    return v[0]
  }
  return v
}

function integer(raw: Raw, name: string): number | undefined {
  const v = single(raw, name)
  if (v === undefined || v === '') return undefined
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : NaN
  if (!Number.isSafeInteger(n)) throw badRequest('invalidValue', `${name} must be an integer`)
  return n
}

function text(raw: Raw, name: string): string | undefined {
  const v = single(raw, name)
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw badRequest('invalidValue', `${name} must be a string`)
  return v
}

function list(raw: Raw, name: string): string[] | undefined {
  const v = raw[name.toLowerCase()]
  if (v === undefined) return undefined
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => {
    if (typeof x !== 'string') throw badRequest('invalidValue', `${name} must be a comma-separated list of attribute names`)
    return splitAttributeNames(x)
  })
  const names = parts.map((p) => p.trim()).filter(Boolean)
  return names.length ? names : undefined
}

/**
 * Reads paging, filtering, sorting and projection from GET parameters or a SearchRequest body.
 * - `count` below 0 is 0 and above maxPageSize is maxPageSize (RFC 7644 §3.4.2.4); default defaultPageSize;
 * - `startIndex` below 1 is 1;
 * - `cursor` present (even empty) selects cursor paging (RFC 9865); with `startIndex` too it is an error.
 */
export function parseListRequest(input: Raw, options: { strict?: boolean; inBody?: boolean; notes?: Interpretation } = {}): ListRequest {
  const raw = lowerKeys(input)
  const filterText = text(raw, 'filter')
  let filter: Filter | undefined
  if (filterText !== undefined && filterText.trim() !== '') {
    try {
      filter = parseFilter(filterText, { lenient: !options.strict, notes: options.notes })
    } catch (err) {
      if (err instanceof FilterSyntaxError) throw badRequest('invalidFilter', err.message)
      throw err
    }
  }
  const sortOrder = text(raw, 'sortOrder')
  if (sortOrder !== undefined && !/^(ascending|descending)$/i.test(sortOrder)) {
    throw badRequest('invalidValue', 'sortOrder must be "ascending" or "descending"')
  }
  const requested = integer(raw, 'count')
  const count = requested === undefined ? SCIM_LIMITS.defaultPageSize : Math.min(Math.max(requested, 0), SCIM_LIMITS.maxPageSize)
  const cursor = text(raw, 'cursor')
  const startIndex = integer(raw, 'startIndex')
  let page: ResourcePage
  if (cursor !== undefined) {
    if (startIndex !== undefined) throw badRequest('invalidValue', 'use either cursor or startIndex, not both')
    // RFC 9865: cursors consist of URL-unreserved characters only.
    if (!/^[A-Za-z0-9._~-]*$/.test(cursor)) throw badRequest('invalidCursor', 'the cursor is not one this server issued')
    // RFC 9865 §2: count is a positive integer with cursors; an empty page without nextCursor
    // would read as the last one.
    if (requested !== undefined && requested < 1) throw badRequest('invalidCount', 'with cursor paging, count must be a positive integer')
    page = { kind: 'cursor', cursor: cursor === '' ? null : cursor, count }
  } else {
    page = { kind: 'index', startIndex: Math.max(startIndex ?? 1, 1), count }
  }
  const attributes = list(raw, 'attributes')
  const excludedAttributes = list(raw, 'excludedAttributes')
  return {
    ...(filter ? { filter, filterInUri: !options.inBody } : {}),
    ...(text(raw, 'sortBy') ? { sortBy: text(raw, 'sortBy') } : {}),
    ...(sortOrder ? { sortOrder: sortOrder.toLowerCase() } : {}),
    page,
    ...(attributes ? { attributes } : {}),
    ...(excludedAttributes ? { excludedAttributes } : {}),
  }
}

/** Parses a POST .search body: a SearchRequest message (RFC 7644 §3.4.3). */
export function parseSearchRequest(body: unknown, options: { strict?: boolean; notes?: Interpretation } = {}): ListRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalidSyntax', 'the body must be a SearchRequest object')
  const b = lowerKeys(body as Raw)
  const schemas = b.schemas
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())) {
    throw badRequest('invalidSyntax', `schemas must contain "${SEARCH_REQUEST_SCHEMA}"`)
  }
  const known = new Set(['schemas', 'filter', 'sortby', 'sortorder', 'startindex', 'count', 'cursor', 'attributes', 'excludedattributes'])
  for (const key of Object.keys(b)) if (!known.has(key)) throw badRequest('invalidSyntax', `unknown SearchRequest attribute "${key}"`)
  return parseListRequest(b, { ...options, inBody: true })
}

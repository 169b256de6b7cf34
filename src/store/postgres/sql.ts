import { ConflictError, DomainError, StoreUnavailableError, ValidationError } from '../../domain/kernel/errors.js'
import type { NoticeFeed } from '../../domain/kernel/notices.js'

/**
 * The one thing the repositories need from a PostgreSQL connection: run a statement with
 * positional parameters and get rows back. PGlite and node-postgres both sit behind it, so the SQL
 * above it is written once.
 */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>
}

/** A connection source: the pool (pg) or the single embedded instance (PGlite). */
export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres'
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>
  /** Runs fn on one dedicated connection (session-level advisory locks need that). */
  withConnection<T>(fn: (sql: Sql) => Promise<T>): Promise<T>
  /** This node's invalidation notices (notice-feed.ts), closed with the database. */
  readonly notices: NoticeFeed
  close(): Promise<void>
}

/** Friendly names for the unique constraints, so a conflict says what clashed. */
const CONSTRAINT_MESSAGES: Record<string, { message: string; field: string }> = {
  tenants_slug_key: { message: 'a tenant with this slug already exists', field: 'slug' },
  tokens_live_label_key: { message: 'a live token with this name already exists in the tenant', field: 'name' },
  users_user_name_key: { message: 'userName is already taken in this tenant', field: 'userName' },
  users_source_anchor_key: { message: 'a user with this source anchor already exists in the tenant', field: 'sourceAnchor' },
  groups_display_name_key: { message: 'a group with this displayName already exists in the tenant', field: 'displayName' },
  custom_attributes_name_key: { message: 'an attribute with this name is already defined in the tenant (names are case-insensitive)', field: 'name' },
  groups_source_anchor_key: { message: 'a group with this source anchor already exists in the tenant', field: 'sourceAnchor' },
}

// SQLSTATE classes and driver errors that mean "the database is not there", not "your query is wrong":
// 08 connection exception, 53 insufficient resources (53300: too many connections), 57 operator
// intervention (57P01 terminated by an administrator, 57P02/57P03 crash and start-up, 57014 a
// statement cancelled by statement_timeout), 58 system error (disk I/O).
const UNAVAILABLE_CLASSES = ['08', '53', '57', '58']
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (typeof e?.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || (isSqlState(e.code) && UNAVAILABLE_CLASSES.includes(e.code.slice(0, 2))))) return true
  const msg = e?.message ?? ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|Query read timeout|PGlite is closed|Cannot use a pool after calling end/i.test(msg)
}

const isSqlState = (code: string): boolean => /^[0-9A-Z]{5}$/.test(code)

/**
 * SQLSTATEs that only input can cause: class 22 (data exception: a value the column's type cannot
 * hold, such as an id that is not a UUID, a NUL byte, a number out of range, an over-long string),
 * class 54 (program limit exceeded: a value or statement too large or too deeply nested for the
 * server) and 23514 (a CHECK constraint). The caller sent something wrong: 400, not 500.
 */
function isInputError(code: string): boolean {
  return code.startsWith('22') || code.startsWith('54') || code === '23514'
}

function inputErrorMessage(code: string, serverMessage: string): string {
  if (code === '22P02' || code === '22007' || code === '22008') return `a value is not valid for its type (${serverMessage})`
  if (code === '22001') return 'a value is too long'
  if (code === '22003') return 'a number is out of range'
  if (code === '22021' || code === '22P05') return 'a value holds a character that cannot be stored (NUL, U+0000)'
  if (code.startsWith('54')) return 'the request is too large or too complex for the database'
  if (code === '23514') return 'a value breaks a rule of the stored data'
  return `a value is not valid (${serverMessage})`
}

/**
 * Text PostgreSQL cannot store, refused before it reaches the driver: NUL (which text columns
 * cannot hold) and lone UTF-16 surrogates (which the driver would silently turn into U+FFFD, so the
 * stored value would differ from the one the caller sent, and two different inputs would collide).
 */
export function checkParams(params: readonly unknown[] | undefined): void {
  if (params) for (const p of params) checkValue(p, 0)
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function checkValue(v: unknown, depth: number): void {
  if (typeof v === 'string') {
    if (v.includes('\u0000')) throw new ValidationError('a value holds a NUL character (U+0000), which cannot be stored')
    if (LONE_SURROGATE.test(v)) throw new ValidationError('a value holds a lone UTF-16 surrogate (not valid Unicode), which cannot be stored')
  } else if (depth < 32 && Array.isArray(v)) {
    for (const x of v) checkValue(x, depth + 1)
  } else if (depth < 32 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    // Plain objects go to jsonb columns: their keys are text too.
    for (const [k, x] of Object.entries(v)) {
      checkValue(k, depth + 1)
      checkValue(x, depth + 1)
    }
  }
}

/** Translates driver errors into domain errors; anything unexpected passes through untouched. */
export function translateError(err: unknown): unknown {
  if (err instanceof DomainError) return err
  const e = err as { code?: string; constraint?: string; message?: string }
  if (e?.code === '23505') {
    const known = e.constraint ? CONSTRAINT_MESSAGES[e.constraint] : undefined
    if (known) return new ConflictError(known.message, known.field)
    const constraint = e.constraint ?? /constraint "([^"]+)"/.exec(e.message ?? '')?.[1]
    const fromMessage = constraint ? CONSTRAINT_MESSAGES[constraint] : undefined
    return fromMessage ? new ConflictError(fromMessage.message, fromMessage.field) : new ConflictError('a record with these values already exists')
  }
  if (isUnavailable(err)) return new StoreUnavailableError(`database unavailable: ${e?.message ?? String(err)}`, err)
  if (typeof e?.code === 'string' && isSqlState(e.code) && isInputError(e.code)) return new ValidationError(inputErrorMessage(e.code, e.message ?? ''))
  return err
}

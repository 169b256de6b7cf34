import { ConflictError, StoreUnavailableError } from '../../errors.js'

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

// SQLSTATE classes and driver errors that mean "the database is not there", not "your query is wrong".
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  '57P01', '57P02', '57P03', '53300',
])

export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (e?.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) return true
  const msg = e?.message ?? ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed|Cannot use a pool after calling end/i.test(msg)
}

/** Translates driver errors into domain errors; anything unexpected passes through untouched. */
export function translateError(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string; message?: string }
  if (e?.code === '23505') {
    const known = e.constraint ? CONSTRAINT_MESSAGES[e.constraint] : undefined
    if (known) return new ConflictError(known.message, known.field)
    const constraint = e.constraint ?? /constraint "([^"]+)"/.exec(e.message ?? '')?.[1]
    const fromMessage = constraint ? CONSTRAINT_MESSAGES[constraint] : undefined
    return fromMessage ? new ConflictError(fromMessage.message, fromMessage.field) : new ConflictError('a record with these values already exists')
  }
  if (isUnavailable(err)) return new StoreUnavailableError(`database unavailable: ${e?.message ?? String(err)}`, err)
  return err
}

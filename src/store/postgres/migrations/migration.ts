import { type Sql } from '../sql.js'

/**
 * A schema change. Statements run one by one (PGlite's extended protocol takes one statement per
 * call) inside a single transaction, so a migration applies entirely or not at all.
 * Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number
  name: string
  statements: Array<string | MigrationStep>
  /**
   * Tables this migration rewrites or reads in full (a stored column added, every row updated, an
   * index over the whole table built): its time grows with them. The runner says so with their row
   * counts before it starts, and reports progress after each statement.
   */
  rewrites?: readonly string[]
}

/**
 * A step SQL cannot express (filling a column with a value computed in JavaScript), run in order
 * with the statements, inside the migration's transaction.
 */
export type MigrationStep = (sql: Sql, context: MigrationContext) => Promise<void>

export interface MigrationContext {
  /** For what an operator must hear about (pino's signature, so the service logger fits). */
  log: MigrationLog
  /** A step working through a table in batches reports the rows done so far; the runner logs it now and then. */
  progress(rowsDone: number): void
}

export interface MigrationLog {
  /** Progress of the migrations (optional: a tool may want warnings only). */
  info?(fields: object, message: string): void
  warn(fields: object, message: string): void
}

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
}

/**
 * A step SQL cannot express (filling a column with a value computed in JavaScript), run in order
 * with the statements, inside the migration's transaction.
 */
export type MigrationStep = (sql: Sql, context: MigrationContext) => Promise<void>

export interface MigrationContext {
  /** For what an operator must hear about (pino's signature, so the service logger fits). */
  log: MigrationLog
}

export interface MigrationLog {
  warn(fields: object, message: string): void
}

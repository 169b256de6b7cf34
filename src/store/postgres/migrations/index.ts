import type { Sql } from '../sql.js'
import { initial } from './0001_initial.js'
import { queryIndexes } from './0002_query_indexes.js'
import { tenantStats } from './0003_tenant_stats.js'
import { directorySync } from './0004_directory_sync.js'
import { signIn } from './0005_sign_in.js'
import { userList } from './0006_user_list.js'
import { access } from './0007_access.js'
import { personalTokens } from './0008_personal_tokens.js'
import { auditFilters } from './0009_audit_filters.js'
import { groupOwners } from './0010_group_owners.js'
import { credentials } from './0011_credentials.js'
import { customAttributes } from './0012_custom_attributes.js'
import { userNameKeys } from './0013_user_name_key.js'
import { credentialIssuers } from './0014_credential_issuers.js'

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

export const migrations: readonly Migration[] = [initial, queryIndexes, tenantStats, directorySync, signIn, userList, access, personalTokens, auditFilters, groupOwners, credentials, customAttributes, userNameKeys, credentialIssuers]

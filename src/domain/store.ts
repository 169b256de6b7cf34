/**
 * The persistence port, composed: each concept declares what it needs from storage beside itself
 * (`<concept>/persister.ts`, as Kratos keeps `identity/pool.go` beside its identity package), and
 * the Store is all of them plus a transaction (as Kratos' `persistence/reference.go`). The domain
 * never sees SQL; `src/store/postgres/` implements every persister once, for PGlite and a
 * PostgreSQL server, and another adapter (MongoDB, say) would implement the same interfaces and
 * pass the same conformance suites (test/store/conformance/).
 *
 * Rules every implementation keeps, for every persister:
 * - every method that touches tenant data takes the tenant id and filters on it, so a record of
 *   another tenant is indistinguishable from a missing one;
 * - uniqueness violations surface as ConflictError, an unreachable database as StoreUnavailableError;
 * - a key that cannot name a record (not a uuid where ids are uuids; text with NUL or a lone
 *   surrogate) is simply not found, never an error;
 * - `transaction` runs its callback against a Store bound to one transaction: all of it commits or
 *   none of it does;
 * - a notice published in a transaction reaches every node's feed when it commits, never before and
 *   never if it rolls back; a feed that may have missed notices says so (`delivering`, `reset`).
 *
 * Domain functions take the narrow view they use (`IdentityStore`, `TenancyStore`, … built with
 * `Transactional`, src/domain/kernel/transaction.ts); a Store is each of them.
 */
import type { AccessPersister } from './access/persister.js'
import type { AuditPersister } from './audit/persister.js'
import type { CredentialsPersister } from './credentials/persister.js'
import type { DirectorySyncPersister } from './directory-sync/persister.js'
import type { IdentityPersister } from './identity/persister.js'
import type { SignInPersister } from './sign-in/persister.js'
import type { TenancyPersister } from './tenancy/persister.js'
import type { NoticesPersister } from './kernel/notices.js'
import type { ProvisioningLogPersister } from './provisioning/persister.js'

/**
 * Every concept's repositories, bound either to the pool or to one transaction, and the
 * invalidation notices (src/domain/kernel/notices.ts) that tell every node's caches what changed.
 */
export interface Repos extends TenancyPersister, IdentityPersister, AccessPersister, CredentialsPersister, SignInPersister, AuditPersister, DirectorySyncPersister, NoticesPersister, ProvisioningLogPersister {}

export interface Store extends Repos {
  /** `pglite` (embedded, in DATA_DIR) or `postgres` (a server through DATABASE_URL). */
  readonly kind: 'pglite' | 'postgres'
  /** Runs fn in one transaction; nested calls join the outer transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>
  /** Resolves when the database answers; rejects with StoreUnavailableError otherwise. */
  ping(timeoutMs?: number): Promise<void>
  /**
   * Writes a consistent copy of everything to `file` (an absolute path) while the store stays open.
   * Only a store that can copy itself has it (the embedded one); a server has its own tools (pg_dump).
   */
  backup?(file: string): Promise<BackupSummary>
  close(): Promise<void>
}

export interface BackupSummary {
  file: string
  bytes: number
  schemaVersion: number
  /** Whether the key that seals stored secrets went into the backup (a key file in DATA_DIR does). */
  includesEncryptionKey: boolean
}

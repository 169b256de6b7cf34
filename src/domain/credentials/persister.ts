/**
 * The credentials concept's persistence port: SCIM tokens, personal tokens, per-user API settings
 * and service accounts. Secrets are stored only as hashes; the lookups for verification are the
 * only ones not scoped by tenant (a presented credential is what names the tenant).
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AccessPersister } from '../access/persister.js'
import type { IdentityPersister } from '../identity/persister.js'
import type { SignInPersister } from '../sign-in/persister.js'
import type { TenancyPersister } from '../tenancy/persister.js'
import type { AuditPersister } from '../audit/persister.js'
import type { ApiToken } from './model.js'
import type { Tenant } from '../tenancy/model.js'
import type { PersonalToken } from '../access/model.js'
import type { ActorRef } from '../audit/model.js'
import type { User } from '../identity/model.js'
import type { UserRef } from '../identity/persister.js'
import type { NoticesPersister } from '../kernel/notices.js'

export interface NewApiToken {
  id: string
  tenantId: string
  label: string
  secretHash: Buffer
}

export interface TokenUsage {
  tenantId: string
  tokenId: string
  at: Date
}

export interface TokenRepo {
  create(token: NewApiToken): Promise<ApiToken>
  /**
   * The one lookup not scoped by tenant: a presented credential is what tells us the tenant.
   * Returns the stored hash so the caller can compare it in constant time, and the tenant with it
   * (one round trip on every authenticated request).
   */
  findForVerification(id: string): Promise<{ token: ApiToken; secretHash: Buffer; tenant: Tenant } | null>
  list(tenantId: string, options?: { includeRevoked?: boolean }): Promise<ApiToken[]>
  /** Revokes the live token with this label; null when there is none. */
  revokeByLabel(tenantId: string, label: string, at: Date): Promise<ApiToken | null>
  /** Writes many last-used times in one statement (see directory/tokens.ts, UsageRecorder). */
  recordUsage(usages: TokenUsage[]): Promise<void>
}

export interface PersonalTokenRepo {
  create(token: Omit<PersonalToken, 'created' | 'lastUsed' | 'revoked'> & { secretHash: Buffer }): Promise<PersonalToken>
  findForVerification(id: string): Promise<{ token: PersonalToken; secretHash: Buffer } | null>
  listForUser(tenantId: string, userId: string): Promise<PersonalToken[]>
  get(tenantId: string, userId: string, id: string): Promise<PersonalToken | null>
  revoke(tenantId: string, userId: string, id: string, at: Date): Promise<PersonalToken | null>
  /** A new secret, now held by `issuedBy` (who regenerated it). */
  replaceSecret(tenantId: string, userId: string, id: string, secretHash: Buffer, issuedBy: ActorRef): Promise<PersonalToken | null>
  /** Records a use; skipped when the last one is recent (a write per request would be wasteful). */
  touch(id: string, at: Date): Promise<void>
}

export interface UserApiSettings {
  apiAccess: boolean
  apiPasswordHash: string | null
  /** Who set the API password (and so knows it); null when there is none or it predates the record. */
  apiPasswordSetBy: ActorRef | null
}

export interface UserApiSettingsRepo {
  /** The defaults (access on, no password) when nothing was set. */
  get(tenantId: string, userId: string): Promise<UserApiSettings>
  put(tenantId: string, userId: string, settings: UserApiSettings): Promise<void>
}

export interface ServiceAccountRecord {
  userId: string
  ownerId: string
  description: string
}

/** A row of the console's service account list, read in one query with what the list shows of it. */
export interface ServiceAccountListItem {
  user: User
  owner: UserRef
  description: string
  /** Ids of the roles assigned to the account itself (not through groups). */
  roleIds: string[]
  apiAccess: boolean
  /** Tokens neither revoked nor expired. */
  tokenCount: number
  /** The latest use of any of its tokens, revoked ones included. */
  lastUsed: Date | null
}

export interface ServiceAccountRepo {
  insert(tenantId: string, account: ServiceAccountRecord): Promise<void>
  get(tenantId: string, userId: string): Promise<ServiceAccountRecord | null>
  /** By userName. */
  list(tenantId: string): Promise<ServiceAccountListItem[]>
  ownedBy(tenantId: string, ownerId: string): Promise<string[]>
  /** Moves every account `from` owns to `to`; returns the accounts moved. */
  transfer(tenantId: string, from: string, to: string): Promise<string[]>
}

export interface CredentialsPersister {
  tokens: TokenRepo
  personalTokens: PersonalTokenRepo
  userApiSettings: UserApiSettingsRepo
  serviceAccounts: ServiceAccountRepo
}

/** The repositories SCIM token issue and revocation use: tokens, the audit trail, and notices to caches. */
export type TokenStore = Transactional<Pick<CredentialsPersister, 'tokens'> & AuditPersister & NoticesPersister>

/**
 * What the credential rules use (api-credentials.ts, personal-tokens.ts): their own repositories and
 * those of the concepts they check against — the owner (identity), what the minter holds (access),
 * lockout (sign-in), the tenant, the audit trail.
 */
export type CredentialsStore = Transactional<CredentialsPersister & IdentityPersister & AccessPersister & SignInPersister & TenancyPersister & AuditPersister>

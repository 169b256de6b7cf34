/**
 * The sign-in concept's persistence port: sessions (by id hash), login failure counters, and the
 * SAML settings, request and assertion-replay records. Every record but a session looked up by its
 * id hash is scoped by tenant; what has expired is gone for every reader, before housekeeping runs.
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AccessPersister } from '../access/persister.js'
import type { AuditPersister } from '../audit/persister.js'
import type { IdentityPersister } from '../identity/persister.js'
import type { TenancyPersister } from '../tenancy/persister.js'
import type { LoginFailureRecord, SamlRequestKind, SamlRequestRecord, SamlSettings, SessionRecord, StoredSamlConfig } from './model.js'

export interface SamlConfigRepo {
  get(tenantId: string): Promise<StoredSamlConfig | null>
  put(tenantId: string, settings: SamlSettings, spCertificate: string, sealedSpKey: string): Promise<StoredSamlConfig>
}

export interface SamlRequestRepo {
  save(request: SamlRequestRecord): Promise<void>
  /** The request if it exists, is of this kind and has not expired at `now`. */
  find(tenantId: string, id: string, kind: SamlRequestKind, now: Date): Promise<SamlRequestRecord | null>
  /** Deletes and returns it: of two concurrent responses to one request, only one gets it. */
  consume(tenantId: string, id: string, kind: SamlRequestKind, now: Date): Promise<SamlRequestRecord | null>
}

export interface SamlAssertionRepo {
  /** Records a consumed assertion id; false when it was consumed before (a replay). */
  consumeOnce(tenantId: string, id: string, expires: Date): Promise<boolean>
}

export interface SessionRepo {
  insert(session: SessionRecord): Promise<void>
  get(idHash: Buffer): Promise<SessionRecord | null>
  touch(idHash: Buffer, lastSeen: Date): Promise<void>
  delete(idHash: Buffer): Promise<boolean>
  /** Ends every session of the user at once; returns how many. */
  deleteForUser(tenantId: string, userId: string): Promise<number>
  /** Sessions of a SAML subject (optionally one IdP session index); returns the ended sessions. */
  deleteForSamlSubject(tenantId: string, nameId: string, sessionIndex: string | null): Promise<SessionRecord[]>
  countForUser(tenantId: string, userId: string): Promise<number>
}

export interface LoginFailureRepo {
  get(tenantId: string, key: string): Promise<LoginFailureRecord | null>
  /**
   * Counts one attempt atomically (concurrent attempts each count): starts a new window at `now` when
   * there is no record, its window is older than `windowMs`, or its lock has run out; a running lock
   * is kept. Returns the record after counting.
   */
  count(tenantId: string, key: string, now: Date, windowMs: number): Promise<LoginFailureRecord>
  put(tenantId: string, key: string, record: LoginFailureRecord): Promise<void>
  /**
   * Takes one failure back atomically (concurrent successes each count), never below zero and never
   * while the key is locked: a read-then-write would let parallel successful sign-ins lose their
   * decrements, and a busy address would lock itself out.
   */
  forgive(tenantId: string, key: string): Promise<void>
  clear(tenantId: string, key: string): Promise<void>
}

/** Removes what has expired at `now` (sessions, SAML requests and assertion ids, stale counters). */
export interface SignInHousekeeping {
  purgeExpired(now: Date): Promise<number>
}

export interface SignInPersister {
  sessions: SessionRepo
  loginFailures: LoginFailureRepo
  samlConfigs: SamlConfigRepo
  samlRequests: SamlRequestRepo
  samlAssertions: SamlAssertionRepo
  signInHousekeeping: SignInHousekeeping
}

/** What the lockout rules use: the failure counters. */
export type LockoutStore = Pick<SignInPersister, 'loginFailures'>

/**
 * What sessions use (sign-in/sessions.ts): sessions, the user and tenant a session names, the
 * roles reaching the user, the user list's last sign-in, and the audit trail.
 */
export type SessionStore = Transactional<
  Pick<SignInPersister, 'sessions'> & Pick<IdentityPersister, 'users' | 'userList'> & Pick<AccessPersister, 'roleAssignments'> & TenancyPersister & AuditPersister
>

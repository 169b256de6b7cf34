import { createHash, randomBytes } from 'node:crypto'
import type { SessionStore } from './persister.js'
import type { Actor } from '../audit/model.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import type { SessionRecord, SignInMethod } from './model.js'
import { reachingRoleIds, roleIdsOf } from '../access/roles.js'
import type { AssignmentReach } from '../access/model.js'

/** Time as sessions see it; tests pass their own to step across timeouts without sleeping. */
export interface Clock {
  now(): Date
}
export const systemClock: Clock = { now: () => new Date() }

export interface SessionPolicy {
  idleMs: number
  maxMs: number
}

/** Why a presented session no longer works. */
export type SessionEnd = 'unknown' | 'idle' | 'expired' | 'user-deleted' | 'user-inactive' | 'access-changed'

export interface LiveSession {
  session: SessionRecord
  user: User
  tenant: Tenant
  /** The role assignments reaching the user, as read for the fingerprint: this request's permission checks reuse them. */
  reach: AssignmentReach[]
}

/** Cookie values are 32 random bytes, base64url: anything else is not one of ours. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest()

/** What the store keeps of a cookie value; null for a value that cannot be one of ours. */
export const sessionIdHash = (token: string | null): Buffer | null => (token && TOKEN_PATTERN.test(token) ? hashToken(token) : null)

/**
 * What a user's access looks like: its status, its roles — Roster's (own and through its groups,
 * nested ones included) and the SCIM `roles` attribute — and its password hash (a new password ends
 * the other sessions). A session keeps the fingerprint from sign-in; when the user's differs at a
 * later request, the session ends.
 */
export function accessFingerprint(user: User, roleIds: string[]): string {
  const roles = Array.isArray(user.resource.roles)
    ? user.resource.roles
        .map((r) => (r && typeof r === 'object' && !Array.isArray(r) ? `${String(r.type ?? '')}:${String(r.value ?? '')}` : String(r)))
        .sort()
    : []
  return createHash('sha256')
    .update(JSON.stringify([user.status, user.active, roles, roleIds, user.passwordHash ?? '']))
    .digest('base64url')
}

export const userActor = (user: Pick<User, 'id' | 'userName'>): Actor => ({ type: 'user', id: user.id, label: user.userName })

export interface StartSessionInput {
  tenant: Tenant
  user: User
  method: SignInMethod
  samlNameId?: string | null
  samlNameIdFormat?: string | null
  samlSessionIndex?: string | null
  /** The session the browser had (its id hash), if any: it is ended, so the id always rotates at sign-in. */
  replaces?: Buffer | null
  requestId: string | null
}

/** Signs the user in: a new session (and its audit event) in one transaction; returns the cookie value. */
export async function startSession(store: SessionStore, input: StartSessionInput, policy: SessionPolicy, clock: Clock): Promise<{ token: string; session: SessionRecord }> {
  const token = randomBytes(32).toString('base64url')
  const now = clock.now()
  const roleIds = await reachingRoleIds(store, input.tenant.id, input.user.id)
  const session: SessionRecord = {
    idHash: hashToken(token),
    tenantId: input.tenant.id,
    userId: input.user.id,
    method: input.method,
    fingerprint: accessFingerprint(input.user, roleIds),
    samlNameId: input.samlNameId ?? null,
    samlNameIdFormat: input.samlNameIdFormat ?? null,
    samlSessionIndex: input.samlSessionIndex ?? null,
    created: now,
    lastSeen: now,
    expires: new Date(now.getTime() + policy.maxMs),
  }
  await store.transaction(async (tx) => {
    if (input.replaces) await tx.sessions.delete(input.replaces)
    await tx.sessions.insert(session)
    await tx.userList.recordSignIn(input.tenant.id, input.user.id, now)
    await tx.audit.append({
      tenantId: input.tenant.id,
      actor: userActor(input.user),
      action: 'session.sign-in',
      resourceType: 'User',
      resourceId: input.user.id,
      changes: { attributes: ['method'], after: { method: input.method } },
      requestId: input.requestId,
    })
  })
  return { token, session }
}

/** Touching last_seen on every request would be a write per request; within this slack it is skipped. */
const TOUCH_SLACK_MS = 60_000

/**
 * The session behind a cookie, checked at this request: not idle past SESSION_IDLE, not past
 * SESSION_MAX, its user still present, active and with the access it signed in with. A session that
 * fails any check is deleted, so nothing revives it (reactivating the user later does not).
 */
export async function resolveSession(
  store: SessionStore,
  token: string,
  policy: SessionPolicy,
  clock: Clock,
): Promise<{ live: LiveSession } | { ended: SessionEnd; session: SessionRecord | null }> {
  if (!TOKEN_PATTERN.test(token)) return { ended: 'unknown', session: null }
  const idHash = hashToken(token)
  const session = await store.sessions.get(idHash)
  if (!session) return { ended: 'unknown', session: null }
  const now = clock.now().getTime()
  const end = async (reason: SessionEnd) => {
    await store.sessions.delete(idHash)
    return { ended: reason, session }
  }
  if (now >= session.expires.getTime()) return end('expired')
  if (now - session.lastSeen.getTime() >= policy.idleMs) return end('idle')
  const [user, tenant] = await Promise.all([store.users.get(session.tenantId, session.userId), store.tenants.getById(session.tenantId)])
  if (!user || !tenant) return end('user-deleted')
  if (user.status !== 'active' || !user.active) return end('user-inactive')
  const reach = await store.roleAssignments.reaching(user.tenantId, user.id)
  if (accessFingerprint(user, roleIdsOf(reach)) !== session.fingerprint) return end('access-changed')
  if (now - session.lastSeen.getTime() >= Math.min(TOUCH_SLACK_MS, policy.idleMs / 10)) {
    const lastSeen = new Date(now)
    await store.sessions.touch(idHash, lastSeen)
    session.lastSeen = lastSeen
  }
  return { live: { session, user, tenant, reach } }
}

/** Signs out: deletes the session and records it. Returns the session that ended, if there was one. */
export async function endSession(store: SessionStore, token: string, requestId: string | null): Promise<SessionRecord | null> {
  if (!TOKEN_PATTERN.test(token)) return null
  return store.transaction(async (tx) => {
    const session = await tx.sessions.get(hashToken(token))
    if (!session) return null
    await tx.sessions.delete(session.idHash)
    const user = await tx.users.get(session.tenantId, session.userId)
    await tx.audit.append({
      tenantId: session.tenantId,
      actor: user ? userActor(user) : { type: 'user', id: session.userId, label: session.userId },
      action: 'session.sign-out',
      resourceType: 'User',
      resourceId: session.userId,
      changes: { attributes: ['method'], after: { method: session.method } },
      requestId,
    })
    return session
  })
}

/** Single Logout from the IdP: ends the subject's sessions (one IdP session, or all of them). */
export async function endSamlSessions(store: SessionStore, tenant: Tenant, nameId: string, sessionIndex: string | null, requestId: string | null): Promise<number> {
  return store.transaction(async (tx) => {
    const ended = await tx.sessions.deleteForSamlSubject(tenant.id, nameId, sessionIndex)
    if (ended.length) {
      await tx.audit.appendMany(
        ended.map((s) => ({
          tenantId: tenant.id,
          actor: { type: 'user' as const, id: s.userId, label: nameId },
          action: 'session.sign-out',
          resourceType: 'User',
          resourceId: s.userId,
          changes: { attributes: ['method', 'via'], after: { method: 'saml', via: 'idp-logout' } },
          requestId,
        })),
      )
    }
    return ended.length
  })
}

import type { IdentityPersister, IdentityStore } from '../identity/persister.js'
import type { AuditPersister } from '../audit/persister.js'
import type { LockoutStore } from './persister.js'
import type { JsonObject } from '../kernel/json.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import type { SignInMethod } from './model.js'
import type { Clock } from './sessions.js'
import { hashPassword, verifyPassword } from '../identity/passwords.js'
import { createUser } from '../identity/users.js'
import { mayWrite } from '../tenancy/source-of-truth.js'
import { attemptSucceeded, countAttempt, LockedOut, type Attempt, type LockoutPolicy } from './lockout.js'

/**
 * Who may sign in, decided once for every method: the identifying value names exactly one user of
 * the tenant, and that user is active. Refusal reasons go to the audit log and the server log; the
 * browser only ever sees a plain message.
 */
export type SignInRefusal =
  | 'unknown-user'
  | 'ambiguous-user'
  | 'user-inactive'
  | 'user-archived'
  | 'bad-password'
  | 'locked-out'
  | 'password-sign-in-disabled'
  | 'invalid-response'

export class SignInRefused extends Error {
  constructor(
    readonly reason: SignInRefusal,
    /** What went wrong in detail, for the logs (e.g. which SAML check failed). */
    readonly detail: string,
    readonly user: User | null = null,
    /** For a lockout: when it ends (the answer's Retry-After). */
    readonly retryAt: Date | null = null,
  ) {
    super(`sign-in refused: ${reason}: ${detail}`)
    this.name = 'SignInRefused'
  }
}

/**
 * The user a sign-in names: its userName, case-insensitively; failing that, the one user whose
 * primary email it is (two users sharing that email name nobody).
 */
export async function findSigningInUser(store: Pick<IdentityPersister, 'users'>, tenant: Tenant, value: string): Promise<User> {
  const byName = await store.users.getByUserName(tenant.id, value)
  if (byName) return byName
  const byEmail = await store.users.getByEmail(tenant.id, value, 2)
  if (byEmail.length === 1) return byEmail[0]!
  if (byEmail.length > 1) throw new SignInRefused('ambiguous-user', `"${value}" is the email of ${byEmail.length} or more users and the userName of none`)
  throw new SignInRefused('unknown-user', `no user "${value}" in tenant ${tenant.slug}`)
}

export function assertMaySignIn(user: User): void {
  if (user.status === 'archived') throw new SignInRefused('user-archived', `user ${user.userName} is archived`, user)
  if (user.status !== 'active' || !user.active) throw new SignInRefused('user-inactive', `user ${user.userName} is inactive`, user)
}

/** What an IdP said about a user it vouches for, for just-in-time creation. */
export interface AssertedIdentity {
  userName: string
  email: string | null
  givenName: string | null
  familyName: string | null
  displayName: string | null
}

/**
 * Creates the user an IdP vouched for, when the tenant allows it. Only Roster-managed (`local`)
 * tenants can: a directory or an IdP's SCIM feed owns the others' users.
 */
export async function createJustInTime(store: IdentityStore, tenant: Tenant, identity: AssertedIdentity, requestId: string | null): Promise<User> {
  if (!mayWrite(tenant, 'signin')) throw new SignInRefused('unknown-user', `no user "${identity.userName}"; tenant ${tenant.slug} (${tenant.source}) never creates users at sign-in`)
  const doc: JsonObject = { userName: identity.userName, active: true }
  const name: JsonObject = {}
  if (identity.givenName) name.givenName = identity.givenName
  if (identity.familyName) name.familyName = identity.familyName
  if (Object.keys(name).length) {
    name.formatted = [identity.givenName, identity.familyName].filter(Boolean).join(' ')
    doc.name = name
  }
  if (identity.displayName) doc.displayName = identity.displayName
  if (identity.email) doc.emails = [{ value: identity.email, type: 'work', primary: true }]
  return createUser(
    store,
    { tenant, actor: { type: 'system', id: null, label: 'just-in-time sign-in' }, channel: 'signin', requestId },
    { userName: identity.userName, externalId: null, displayName: identity.displayName, email: identity.email, active: true, managerId: null, document: doc },
  )
}

/** Records a refused sign-in. The claimed name is what the person typed or the IdP asserted. */
export async function recordRefusedSignIn(
  store: AuditPersister,
  tenant: Tenant,
  refusal: { method: SignInMethod; claimed: string | null; reason: SignInRefusal; detail: string; user: User | null },
  requestId: string | null,
): Promise<void> {
  await store.audit.append({
    tenantId: tenant.id,
    actor: refusal.user
      ? { type: 'user', id: refusal.user.id, label: refusal.user.userName }
      : { type: 'user', id: null, label: refusal.claimed ?? 'unknown' },
    action: 'session.sign-in-failed',
    resourceType: 'User',
    resourceId: refusal.user?.id ?? null,
    changes: { attributes: ['method', 'reason'], after: { method: refusal.method, reason: refusal.reason, detail: refusal.detail.slice(0, 500) } },
    requestId,
  })
}

// Compared against when the user does not exist, so an unknown name costs what a known one does.
let decoyHash: Promise<string> | undefined
const decoy = () => (decoyHash ??= hashPassword('decoy password that matches nothing'))

/**
 * Local password sign-in, throttled per account and per client address (lockout.ts): the attempt
 * counts before the password is checked, and a locked account or address is refused for
 * LOGIN_LOCKOUT without the password being looked at.
 */
export async function passwordSignIn(
  store: Pick<IdentityPersister, 'users'> & LockoutStore,
  tenant: Tenant,
  input: { userName: string; password: string; clientAddress: string },
  policy: LockoutPolicy,
  clock: Clock,
): Promise<User> {
  let user: User | null = null
  let unknown: SignInRefused | null = null
  try {
    user = await findSigningInUser(store, tenant, input.userName)
  } catch (err) {
    if (!(err instanceof SignInRefused)) throw err
    unknown = err
  }
  const attempt: Attempt = { tenant, user, claimed: input.userName, clientAddress: input.clientAddress }
  try {
    await countAttempt(store, attempt, policy, clock)
  } catch (err) {
    if (err instanceof LockedOut) throw new SignInRefused('locked-out', err.message, user, err.until)
    throw err
  }
  if (unknown || !user) {
    await verifyPassword(await decoy(), input.password)
    throw unknown ?? new SignInRefused('unknown-user', `no user "${input.userName}"`)
  }
  if (!user.passwordHash) {
    await verifyPassword(await decoy(), input.password)
    throw new SignInRefused('bad-password', `user ${user.userName} has no password`, user)
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) throw new SignInRefused('bad-password', `wrong password for ${user.userName}`, user)
  await attemptSucceeded(store, attempt, policy)
  assertMaySignIn(user)
  return user
}

/**
 * API credentials besides personal tokens: the per-user API switch, API passwords (HTTP Basic on
 * /api for clients that cannot send bearer tokens), and service accounts ("integration users").
 */
import type { ServiceAccountListItem } from './persister.js'
import type { CredentialsStore } from './persister.js'
import { ConflictError, NotFoundError, TooManyAttemptsError, UnauthenticatedError } from '../kernel/errors.js'
import { roleRefs, type RoleRef } from '../access/model.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import type { ActorRef } from '../audit/model.js'
import type { Clock } from '../sign-in/sessions.js'
import { attemptSucceeded, countAttempt, LockedOut, retryAfterSeconds, type LockoutPolicy } from '../sign-in/lockout.js'
import { generatePassword } from '../identity/passwords.js'
import { hashPassword, verifyPassword } from '../identity/passwords.js'
import { operatorActor, operatorPrincipal, requireCredentialsManage, requireHeld, requirePermissions, type Operator } from '../access/operator.js'
import { requireMintable } from './minting.js'
import { assignRole, findRole, listRoles } from '../access/roles.js'
import { createUser, getUser } from '../identity/users.js'

/** Switches a user's API access (tokens, API password) on or off; sessions are not affected. */
export async function setApiAccessAs(store: CredentialsStore, op: Operator, userId: string, enabled: boolean): Promise<void> {
  await requirePermissions(store, op, 'credentials.manage')
  await store.transaction(async (tx) => {
    await getUser(tx, op.tenant.id, userId)
    const current = await tx.userApiSettings.get(op.tenant.id, userId)
    if (current.apiAccess === enabled) return
    await tx.userApiSettings.put(op.tenant.id, userId, { ...current, apiAccess: enabled })
    await tx.audit.append({
      tenantId: op.tenant.id,
      actor: operatorActor(op),
      action: 'user.api-access',
      resourceType: 'User',
      resourceId: userId,
      changes: { attributes: ['apiAccess'], before: { apiAccess: current.apiAccess }, after: { apiAccess: enabled } },
      requestId: op.requestId,
    })
  })
}

/** Sets (a typed or generated one, returned once) or removes (null) a user's API password. */
export async function setApiPasswordAs(store: CredentialsStore, op: Operator, userId: string, password: string | 'generate' | null): Promise<string | null> {
  // Removing one takes nothing from anyone; setting one hands out the user's permissions.
  if (password === null) await requireCredentialsManage(store, op, userId)
  else await requireMintable(store, op, userId, null, 'an API password')
  const generated = password === 'generate' ? generatePassword() : null
  const plain = generated ?? (password === 'generate' ? null : password)
  const hash = plain === null ? null : await hashPassword(plain)
  await store.transaction(async (tx) => {
    await getUser(tx, op.tenant.id, userId)
    const current = await tx.userApiSettings.get(op.tenant.id, userId)
    await tx.userApiSettings.put(op.tenant.id, userId, { ...current, apiPasswordHash: hash, apiPasswordSetBy: hash ? operatorPrincipal(op) : null })
    await tx.audit.append({
      tenantId: op.tenant.id,
      actor: operatorActor(op),
      action: hash ? 'user.api-password' : 'user.api-password-remove',
      resourceType: 'User',
      resourceId: userId,
      changes: { attributes: ['apiPassword'], ...(hash ? { after: { apiPassword: '[redacted]' } } : {}) },
      requestId: op.requestId,
    })
  })
  return generated
}

/** Whether the user may use API credentials now: active, and API access on. */
export async function assertApiAllowed(store: CredentialsStore, user: User): Promise<void> {
  if (user.status !== 'active' || !user.active) throw new UnauthenticatedError('the credential’s user is not active')
  if (!(await store.userApiSettings.get(user.tenantId, user.id)).apiAccess) throw new UnauthenticatedError('API access is switched off for this user')
}

// Compared against when the user is unknown, so that the answer takes as long either way.
let decoy: Promise<string> | undefined

/**
 * HTTP Basic on /api: `<tenant>/<userName>` and the user's API password (not its sign-in password).
 * Guesses are throttled with the sign-in form's counters (lockout.ts): per account and per address.
 */
export async function verifyApiPassword(
  store: CredentialsStore,
  login: string,
  password: string,
  throttle: { policy: LockoutPolicy; clock: Clock; clientAddress: string },
): Promise<{ tenant: Tenant; user: User; setBy: ActorRef | null }> {
  const slash = login.indexOf('/')
  const tenant = slash > 0 ? await store.tenants.getBySlug(login.slice(0, slash)) : null
  const user = tenant ? await store.users.getByUserName(tenant.id, login.slice(slash + 1)) : null
  if (tenant) {
    try {
      await countAttempt(store, { tenant, user, claimed: login.slice(slash + 1), clientAddress: throttle.clientAddress }, throttle.policy, throttle.clock)
    } catch (err) {
      if (!(err instanceof LockedOut)) throw err
      throw new TooManyAttemptsError(`too many failed attempts: this ${err.what} is locked; try again later`, retryAfterSeconds(err.until, throttle.clock.now()))
    }
  }
  const settings = user ? await store.userApiSettings.get(user.tenantId, user.id) : null
  const hash = settings?.apiPasswordHash ?? null
  const ok = await verifyPassword(hash ?? (await (decoy ??= hashPassword('decoy api password'))), password)
  if (!tenant || !user || !hash || !ok) throw new UnauthenticatedError('unknown user or wrong API password (the user name is <tenant>/<userName>)')
  await attemptSucceeded(store, { tenant, user, claimed: user.userName, clientAddress: throttle.clientAddress }, throttle.policy)
  await assertApiAllowed(store, user)
  return { tenant, user, setBy: settings?.apiPasswordSetBy ?? null }
}

export interface NewServiceAccount {
  name: string
  description: string
  /** Default: the operator. */
  ownerId: string | null
  roles: string[]
}

/**
 * A service account: a user for machine access (no password, so it never signs in interactively)
 * with an owner, roles and tokens. Owned like groups: deleting the owner hands it over.
 */
export async function createServiceAccountAs(store: CredentialsStore, op: Operator, input: NewServiceAccount): Promise<User> {
  await requirePermissions(store, op, 'credentials.manage', ...(input.roles.length ? (['roles.manage'] as const) : []))
  const roles = await Promise.all(input.roles.map((r) => findRole(store, op.tenant.id, r)))
  for (const role of roles) await requireHeld(store, op, role.permissions, `role ${role.name}`)
  const ownerId = input.ownerId ?? op.user.id
  return store.transaction(async (tx) => {
    const owner = await tx.users.get(op.tenant.id, ownerId)
    if (!owner) throw new NotFoundError(`owner "${ownerId}" is not a user of this tenant`)
    if (await tx.users.getByUserName(op.tenant.id, input.name)) throw new ConflictError(`the name ${input.name} is taken`, 'name')
    const user = await createUser(
      tx,
      { tenant: op.tenant, actor: operatorActor(op), channel: 'admin', requestId: op.requestId },
      { userName: input.name, externalId: null, displayName: input.name, email: null, active: true, managerId: null, document: { userName: input.name, displayName: input.name, active: true } },
    )
    await tx.serviceAccounts.insert(op.tenant.id, { userId: user.id, ownerId, description: input.description })
    for (const role of roles) await assignRole(tx, { tenant: op.tenant, actor: operatorActor(op), requestId: op.requestId }, role.id, { type: 'User', id: user.id, label: user.userName })
    return user
  })
}

export type ServiceAccountSummary = Omit<ServiceAccountListItem, 'roleIds'> & { roles: RoleRef[] }

/** Every service account with what the console's list shows of it: two queries, however many accounts. */
export async function listServiceAccountsAs(store: CredentialsStore, op: Operator): Promise<ServiceAccountSummary[]> {
  await requirePermissions(store, op, 'credentials.manage')
  const [accounts, roles] = await Promise.all([store.serviceAccounts.list(op.tenant.id), listRoles(store, op.tenant.id)])
  return accounts.map(({ roleIds, ...a }) => ({ ...a, roles: roleRefs(roles, roleIds) }))
}

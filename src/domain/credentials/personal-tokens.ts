/**
 * Personal access tokens: `rpt_<id>_<secret>`, for scripts calling the admin API as a user. Never
 * more than the user's permissions at the time of use (optionally fewer), and dead as soon as the
 * user is not active (deactivated, archived) or deleted.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { CredentialsStore } from './persister.js'
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from '../kernel/errors.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import { isPermission, PERMISSIONS, type Permission, type PersonalToken } from '../access/model.js'
import { operatorActor, operatorPrincipal, requireCredentialsManage, type Operator } from '../access/operator.js'
import { requireMintable } from './minting.js'
import { hashSecret, validateLabel } from './tokens.js'
import { assertApiAllowed } from './api-credentials.js'

const FORMAT = /^rpt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/
const DUMMY_HASH = hashSecret('roster-dummy-personal-secret')

export interface NewPersonalToken {
  name: string
  expires: Date | null
  /** Null: all of the user's permissions, whatever they are at the time of use. */
  permissions: string[] | null
}

export async function issuePersonalToken(store: CredentialsStore, op: Operator, ownerId: string, input: NewPersonalToken, now = new Date()): Promise<{ token: PersonalToken; secret: string }> {
  const name = validateLabel(input.name)
  if (input.expires && input.expires <= now) throw new ValidationError('expires must be in the future', 'expires')
  let permissions: Permission[] | null = null
  if (input.permissions) {
    const unknown = input.permissions.filter((p) => !isPermission(p))
    if (unknown.length) throw new ValidationError(`unknown permission ${unknown.join(', ')}: use ${PERMISSIONS.join(', ')}`, 'permissions')
    permissions = [...new Set(input.permissions as Permission[])].sort()
  }
  await requireMintable(store, op, ownerId, permissions, 'a token')
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return store.transaction(async (tx) => {
    const owner = await tx.users.get(op.tenant.id, ownerId)
    if (!owner) throw new NotFoundError(`no user with id "${ownerId}"`)
    if ((await tx.personalTokens.listForUser(op.tenant.id, ownerId)).some((t) => !t.revoked && t.name.toLowerCase() === name.toLowerCase())) {
      throw new ConflictError(`${owner.userName} has a live token named "${name}"`, 'name')
    }
    const token = await tx.personalTokens.create({
      id,
      tenantId: op.tenant.id,
      userId: ownerId,
      name,
      permissions,
      expires: input.expires,
      secretHash: hashSecret(secret),
      issuedBy: operatorPrincipal(op),
    })
    await tx.audit.append({
      tenantId: op.tenant.id,
      actor: operatorActor(op),
      action: 'personal-token.create',
      resourceType: 'User',
      resourceId: ownerId,
      changes: { attributes: ['name', 'permissions', 'expires'], after: { name, permissions, expires: input.expires?.toISOString() ?? null } },
      requestId: op.requestId,
    })
    return { token, secret: `rpt_${id}_${secret}` }
  })
}

export async function listPersonalTokens(store: CredentialsStore, op: Operator, ownerId: string): Promise<PersonalToken[]> {
  await requireCredentialsManage(store, op, ownerId)
  // An empty list would claim the user exists and has no tokens.
  if (!(await store.users.get(op.tenant.id, ownerId))) throw new NotFoundError(`no user with id "${ownerId}"`)
  return store.personalTokens.listForUser(op.tenant.id, ownerId)
}

export async function revokePersonalToken(store: CredentialsStore, op: Operator, ownerId: string, id: string): Promise<PersonalToken> {
  await requireCredentialsManage(store, op, ownerId)
  return store.transaction(async (tx) => {
    const token = await tx.personalTokens.revoke(op.tenant.id, ownerId, id, new Date())
    if (!token) throw new NotFoundError(`no live token "${id}"`)
    await tx.audit.append({
      tenantId: op.tenant.id,
      actor: operatorActor(op),
      action: 'personal-token.revoke',
      resourceType: 'User',
      resourceId: ownerId,
      changes: { attributes: ['revoked'], before: { name: token.name } },
      requestId: op.requestId,
    })
    return token
  })
}

/** A new secret for the same token (name, permissions, expiry kept); the old secret stops at once. */
export async function regeneratePersonalToken(store: CredentialsStore, op: Operator, ownerId: string, id: string): Promise<{ token: PersonalToken; secret: string }> {
  await requireCredentialsManage(store, op, ownerId)
  const current = await store.personalTokens.get(op.tenant.id, ownerId, id)
  if (!current || current.revoked) throw new NotFoundError(`no live token "${id}"`)
  // A new secret is a new credential: the same rule as issuing one.
  await requireMintable(store, op, ownerId, current.permissions, 'a token')
  const secret = randomBytes(32).toString('base64url')
  return store.transaction(async (tx) => {
    const token = await tx.personalTokens.replaceSecret(op.tenant.id, ownerId, id, hashSecret(secret), operatorPrincipal(op))
    if (!token) throw new NotFoundError(`no live token "${id}"`)
    await tx.audit.append({
      tenantId: op.tenant.id,
      actor: operatorActor(op),
      action: 'personal-token.regenerate',
      resourceType: 'User',
      resourceId: ownerId,
      changes: { attributes: ['secret'], after: { name: token.name, secret: '[redacted]' } },
      requestId: op.requestId,
    })
    return { token, secret: `rpt_${token.id}_${secret}` }
  })
}

export const isPersonalToken = (presented: string): boolean => presented.startsWith('rpt_')

/**
 * The user a presented token speaks for, and the permissions it narrows to. Refused (401, saying
 * why) when malformed, unknown, revoked, expired, or its user is gone or not active.
 */
export async function verifyPersonalToken(
  store: CredentialsStore,
  presented: string,
  now = new Date(),
): Promise<{ tenant: Tenant; user: User; token: PersonalToken; scope: Permission[] | null }> {
  const m = FORMAT.exec(presented)
  if (!m) throw new UnauthenticatedError('malformed personal access token')
  const found = await store.personalTokens.findForVerification(m[1]!)
  const ok = timingSafeEqual(hashSecret(m[2]!), found?.secretHash ?? DUMMY_HASH)
  if (!found || !ok) throw new UnauthenticatedError('unknown personal access token')
  const { token } = found
  if (token.revoked) throw new UnauthenticatedError('revoked personal access token')
  if (token.expires && token.expires <= now) throw new UnauthenticatedError('expired personal access token')
  const [user, tenant] = await Promise.all([store.users.get(token.tenantId, token.userId), store.tenants.getById(token.tenantId)])
  if (!user || !tenant) throw new UnauthenticatedError('the token’s user no longer exists')
  await assertApiAllowed(store, user)
  await store.personalTokens.touch(token.id, now)
  return { tenant, user, token, scope: token.permissions }
}

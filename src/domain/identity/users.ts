import { isDeepStrictEqual } from 'node:util'
import type { IdentityPersister, IdentityStore, UserReadOptions } from './persister.js'
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../kernel/errors.js'
import { MANAGER_PATH, type ManagerReference, type NewUser, type RecordOrigin, type User, type UserStatus } from './model.js'
import { type Json, type JsonObject } from '../kernel/json.js'
import { type NewAuditEvent } from '../audit/model.js'
import { hashPassword } from './passwords.js'
import { assertValidUserName, userNameKey } from './user-name.js'
import { assertMayWrite } from '../tenancy/source-of-truth.js'
import { diffDocuments, originOf, withNotes, type WriteContext } from './writes.js'

/** A user as a protocol hands it to the domain: the indexed fields and the full document. */
export interface UserWrite {
  userName: string
  externalId: string | null
  displayName: string | null
  email: string | null
  active: boolean
  /**
   * The value of the user's manager reference (the enterprise extension's `manager.value`, which
   * `document` holds too): the id of another user of the tenant, or under `may-be-unresolved` a
   * value naming one (see managerReference).
   */
  managerId: string | null
  /** What a new manager reference must be (ManagerReference, model.ts); `must-resolve` when absent. */
  managerReference?: ManagerReference
  /** Told the value of a manager reference kept unresolved, for the protocol's notes of the request. */
  onUnresolvedManager?: (value: string) => void
  /** The canonical resource document (src/scim/schema/document.ts describes its shape). */
  document: JsonObject
  /** A new plaintext password: stored only as an argon2id hash. */
  password?: string
  /** Upstream anchor (directory objectGUID/entryUUID); kept when absent. */
  sourceAnchor?: string | null
  /** The directory entry's normalised DN; kept when absent. */
  sourceDn?: string | null
  /** Takes over a record that came from elsewhere (the sync adopting a local user); kept when absent. */
  origin?: RecordOrigin
  /**
   * An explicit status, for the sync (which archives and restores). Without it the status follows
   * `active`, and an archived user stays archived until activated.
   */
  status?: UserStatus
}

export interface VersionCheck {
  /** Versions the caller's change may be based on (If-Match); any other stored version → 412. */
  ifVersion?: number[]
}

export interface UpdateOptions extends VersionCheck, UserReadOptions {
  /** The audit action recorded (default `user.update`). */
  action?: string
}

/**
 * How often a change is tried optimistically (read, then write if the version is still the one
 * read) before it takes the row lock: contention on one user is rare, and without a lock a change
 * is two statements and no transaction, and a password is hashed without holding anything.
 */
const OPTIMISTIC_ATTEMPTS = 3

/** The stored version moved between this change's read and its write: read again. */
class Raced extends Error {}

/**
 * A new userName must be one a person can read (user-name.ts); a name stored before that rule may
 * be kept as it is, so an update that leaves it alone is not refused for it.
 */
function validate(input: UserWrite, current?: User): void {
  if (current && input.userName === current.userName) return
  assertValidUserName(input.userName)
}

function nextStatus(current: UserStatus | undefined, active: boolean): UserStatus {
  if (active) return 'active'
  return current === 'archived' ? 'archived' : 'inactive'
}

const ownManager = () => new ValidationError('a user cannot be their own manager', 'manager')
const notAUser = (value: string) => new ValidationError(`manager "${value}" is not a user of this tenant`, 'manager')

/** A write whose manager reference has been settled: `managerUnresolved` is its value when it names no user. */
type SettledWrite = UserWrite & { managerUnresolved: string | null }

/**
 * Settles a new manager reference of the user `userId` (null: a user being created) as its write's
 * ManagerReference asks. Under `may-be-unresolved` a value that is no user's id may still name one
 * by externalId or userName, and is then written as that user's id (so an IdP resending its own
 * value after the manager arrived changes nothing); a value naming nobody is kept as sent and
 * reported to `onUnresolvedManager`. A value that names the user written is refused either way.
 */
async function settleManager(store: Pick<IdentityPersister, 'users'>, ctx: WriteContext, userId: string | null, input: UserWrite): Promise<SettledWrite> {
  const value = input.managerId
  if (!value) return { ...input, managerUnresolved: null }
  if (value === userId) throw ownManager()
  if (input.managerReference !== 'may-be-unresolved') {
    if (!(await store.users.existing(ctx.tenant.id, [value])).has(value)) throw notAUser(value)
    return { ...input, managerUnresolved: null }
  }
  const managerId = await store.users.resolveReference(ctx.tenant.id, value)
  if (managerId !== null && managerId === userId) throw ownManager()
  if (managerId !== null) {
    return managerId === value ? { ...input, managerUnresolved: null } : { ...input, managerId, document: withManagerId(input.document, managerId), managerUnresolved: null }
  }
  // Kept as it is, it would resolve to this very user (its externalId or userName) on no later write,
  // yet name it: refused as the self-reference it is.
  if (value === input.externalId || userNameKey(value) === userNameKey(input.userName)) throw ownManager()
  input.onUnresolvedManager?.(value)
  return { ...input, managerUnresolved: value }
}

/** The document with its manager reference pointed at `managerId` (a `$ref` sent with the old value would be wrong: dropped). */
function withManagerId(document: JsonObject, managerId: string): JsonObject {
  const [urn, attr] = MANAGER_PATH
  const ext = document[urn] as JsonObject
  const { $ref: _ref, ...manager } = ext[attr] as JsonObject
  return { ...document, [urn]: { ...ext, [attr]: { ...manager, value: managerId } } }
}

/** The manager id a stored document names, if any. */
function managerIdOf(document: JsonObject): string | null {
  let node: Json | undefined = document
  for (const key of [...MANAGER_PATH, 'value']) {
    node = node && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined
  }
  return typeof node === 'string' ? node : null
}

/**
 * A user's manager as the console shows it: another user of the tenant (`resolved`), a reference
 * kept as an IdP sent it because it names no user yet (ManagerReference), or none.
 */
export type ManagerOfUser = { resolved: true; id: string; userName: string; displayName: string } | { resolved: false; value: string } | null

export async function managerOfUser(store: Pick<IdentityPersister, 'users'>, user: User): Promise<ManagerOfUser> {
  const value = managerIdOf(user.resource)
  if (!value) return null
  const manager = await store.users.get(user.tenantId, value)
  return manager ? { resolved: true, id: manager.id, userName: manager.userName, displayName: manager.displayName ?? manager.userName } : { resolved: false, value }
}

/**
 * Whether writing `input` (with its status settled) would change the stored user: the document
 * (key order aside), the status, or the upstream anchor, DN or origin when given.
 */
export function userWouldChange(current: User, input: Pick<UserWrite, 'document' | 'sourceAnchor' | 'sourceDn' | 'origin'> & { status: UserStatus }): boolean {
  return (
    input.status !== current.status ||
    (input.sourceAnchor !== undefined && input.sourceAnchor !== current.sourceAnchor) ||
    (input.sourceDn !== undefined && input.sourceDn !== current.sourceDn) ||
    (input.origin !== undefined && input.origin !== current.origin) ||
    !isDeepStrictEqual(input.document, current.resource)
  )
}

export async function getUser(store: Pick<IdentityPersister, 'users'>, tenantId: string, id: string, read: UserReadOptions = {}): Promise<User> {
  const user = await store.users.get(tenantId, id, read)
  if (!user) throw new NotFoundError(`no user with id "${id}"`)
  return user
}

function newUserRecord(ctx: WriteContext, input: UserWrite & { managerUnresolved?: string | null }, passwordHash: string | null): NewUser {
  return {
    tenantId: ctx.tenant.id,
    userName: input.userName,
    externalId: input.externalId,
    displayName: input.displayName,
    email: input.email,
    status: input.status ?? (input.active ? 'active' : 'inactive'),
    origin: input.origin ?? originOf(ctx),
    sourceAnchor: input.sourceAnchor ?? null,
    sourceDn: input.sourceDn ?? null,
    resource: input.document,
    passwordHash,
    managerUnresolved: input.managerUnresolved ?? null,
  }
}

/** The event of a user's creation; without the user (not written yet), its id is filled in by the store. */
function createdEvent(ctx: WriteContext, user: User | null, input: UserWrite, passwordSet: boolean): NewAuditEvent {
  return {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action: 'user.create',
    resourceType: 'User',
    resourceId: user?.id ?? null,
    changes: withNotes(ctx, diffDocuments(null, input.document, { passwordChanged: passwordSet })),
    requestId: ctx.requestId,
  }
}

/** `withGroups`: the new user comes back with its groups, which are none. */
export async function createUser(store: IdentityStore, ctx: WriteContext, input: UserWrite, read: UserReadOptions = {}): Promise<User> {
  assertMayWrite(ctx.tenant, ctx.channel)
  validate(input)
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null
  // The user, its event and the reports waiting for it (unresolved references naming it) are one
  // statement; only a manager to settle needs a transaction around it.
  const insert = (s: Pick<IdentityPersister, 'users'>, settled: UserWrite & { managerUnresolved?: string | null }) =>
    s.users.insert(newUserRecord(ctx, settled, passwordHash), { audit: createdEvent(ctx, null, settled, passwordHash !== null) })
  const user = input.managerId
    ? await store.transaction(async (tx) => insert(tx, await settleManager(tx, ctx, null, input)))
    : await insert(store, input)
  return read.withGroups ? { ...user, groups: [] } : user
}

export interface BatchResult {
  created: User[]
  /** Inputs that were not created, by position in the batch, with why. */
  failed: Array<{ index: number; error: Error }>
}

/**
 * Creates many users at once, under the same rules as createUser: each input is validated, its
 * manager must be a user of the tenant (`must-resolve`, whatever the input asks: the batch's one
 * caller, the directory sync, resolves managers itself), its userName must be free (and unique
 * within the batch); reports waiting for one of them (unresolved references) are pointed at it.
 * Inputs that break a rule are reported and left out; the rest are written with one statement
 * for the users and one for their audit events, in one transaction. This is what makes a first
 * directory sync of tens of thousands of users take seconds rather than minutes.
 */
export async function createUsers(store: IdentityStore, ctx: WriteContext, inputs: UserWrite[]): Promise<BatchResult> {
  assertMayWrite(ctx.tenant, ctx.channel)
  const failed: BatchResult['failed'] = []
  const hashes = await Promise.all(inputs.map((i) => (i.password !== undefined ? hashPassword(i.password) : Promise.resolve(null))))
  return store.transaction(async (tx) => {
    const taken = await tx.users.getByUserNames(ctx.tenant.id, inputs.map((i) => i.userName))
    const managers = await tx.users.existing(ctx.tenant.id, [...new Set(inputs.map((i) => i.managerId).filter((m): m is string => !!m))])
    const seen = new Set<string>()
    const ok: number[] = []
    inputs.forEach((input, index) => {
      try {
        validate(input)
        const key = userNameKey(input.userName)
        if (taken.has(key) || seen.has(key)) throw new ConflictError('userName is already taken in this tenant', 'userName')
        if (input.managerId && !managers.has(input.managerId)) throw notAUser(input.managerId)
        seen.add(key)
        ok.push(index)
      } catch (err) {
        failed.push({ index, error: err as Error })
      }
    })
    const created = await tx.users.insertMany(
      ok.map((i) => newUserRecord(ctx, inputs[i]!, hashes[i]!)),
      { audit: { tenantId: ctx.tenant.id, actor: ctx.actor, action: 'user.update', resourceType: 'User', resourceId: null, changes: null, requestId: ctx.requestId } },
    )
    const byName = new Map(ok.map((i) => [userNameKey(inputs[i]!.userName), i]))
    await tx.audit.appendMany(
      created.map((user) => {
        const i = byName.get(userNameKey(user.userName))!
        return createdEvent(ctx, user, inputs[i]!, hashes[i] !== null)
      }),
    )
    return { created, failed }
  })
}

/**
 * Points many users at new managers (null: none) in one transaction: the managers must be users of
 * the tenant and nobody manages themselves; offending changes are reported and left out. Each
 * change bumps the user's version and is audited. The sync uses it for managers created after
 * their reports, so that tens of thousands of them cost a few statements, not a transaction each.
 */
export async function setManagers(store: IdentityStore, ctx: WriteContext, changes: Array<{ user: User; managerId: string | null }>): Promise<BatchResult> {
  assertMayWrite(ctx.tenant, ctx.channel)
  const failed: BatchResult['failed'] = []
  return store.transaction(async (tx) => {
    const managers = await tx.users.existing(ctx.tenant.id, [...new Set(changes.map((c) => c.managerId).filter((m): m is string => !!m))])
    const ok = changes.filter((c, index) => {
      const problem =
        c.managerId === c.user.id ? ownManager() : c.managerId && !managers.has(c.managerId) ? notAUser(c.managerId) : null
      if (problem) failed.push({ index, error: problem })
      return !problem && managerIdOf(c.user.resource) !== c.managerId
    })
    const changed = new Set(await tx.users.setReferences(ctx.tenant.id, MANAGER_PATH, ok.map((c) => ({ id: c.user.id, value: c.managerId }))))
    const key = MANAGER_PATH.join(':')
    await tx.audit.appendMany(
      ok
        .filter((c) => changed.has(c.user.id))
        .map((c) => {
          const before = managerIdOf(c.user.resource)
          return {
            tenantId: ctx.tenant.id,
            actor: ctx.actor,
            action: 'user.update',
            resourceType: 'User',
            resourceId: c.user.id,
            changes: {
              attributes: [key],
              ...(before ? { before: { [key]: { value: before } } } : {}),
              ...(c.managerId ? { after: { [key]: { value: c.managerId } } } : {}),
            },
            requestId: ctx.requestId,
          }
        }),
    )
    return { created: [], failed }
  })
}

/**
 * Replaces a user (SCIM PUT), or applies a computed change (PATCH): `change` receives the current
 * record and returns the whole new state. Concurrent changes never overwrite each other: the write
 * applies only if the user still has the version read (else it is read and computed again), and
 * after OPTIMISTIC_ATTEMPTS races the row is locked for the read-modify-write, so they queue up.
 */
export async function updateUser(
  store: IdentityStore,
  ctx: WriteContext,
  id: string,
  change: (current: User) => UserWrite | Promise<UserWrite>,
  check: UpdateOptions = {},
): Promise<User> {
  assertMayWrite(ctx.tenant, ctx.channel)
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    try {
      return await changeUser(store, ctx, id, change, check, false)
    } catch (err) {
      if (!(err instanceof Raced)) throw err
    }
  }
  return store.transaction((tx) => changeUser(tx, ctx, id, change, check, true))
}

/** One read-modify-write of updateUser; with `lock`, inside a transaction holding the row. */
async function changeUser(
  store: Pick<IdentityStore, 'users'>,
  ctx: WriteContext,
  id: string,
  change: (current: User) => UserWrite | Promise<UserWrite>,
  check: UpdateOptions,
  lock: boolean,
): Promise<User> {
  const current = await store.users.get(ctx.tenant.id, id, { forUpdate: lock })
  if (!current) throw new NotFoundError(`no user with id "${id}"`)
  if (check.ifVersion !== undefined && !check.ifVersion.includes(current.version)) {
    throw new PreconditionFailedError(`the user has version ${current.version}, which the request's If-Match does not name`)
  }
  const proposed = await change(current)
  validate(proposed, current)
  // Only a new manager reference is settled: a report whose manager left stays writable, and one
  // left unresolved stays so (and tracked) while the writes resend it.
  const managerChanged = proposed.managerId !== managerIdOf(current.resource)
  const input: UserWrite & { managerUnresolved?: string | null } = managerChanged ? await settleManager(store, ctx, id, proposed) : proposed
  const status = input.status ?? nextStatus(current.status, input.active)
  const unchanged = input.password === undefined && !userWouldChange(current, { ...input, status })
  // RFC 7644 §3.5.2.1: a change that changes nothing leaves version and lastModified alone.
  if (unchanged) return check.withGroups ? ((await store.users.get(ctx.tenant.id, id, { withGroups: true })) ?? current) : current
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined
  const diff = diffDocuments(current.resource, input.document, { passwordChanged: passwordHash !== undefined })
  if (status !== current.status) {
    diff.attributes = [...diff.attributes, 'status'].sort()
    diff.before = { ...diff.before, status: current.status }
    diff.after = { ...diff.after, status }
  }
  const audit: NewAuditEvent = {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action: check.action ?? 'user.update',
    resourceType: 'User',
    resourceId: id,
    changes: withNotes(ctx, diff),
    requestId: ctx.requestId,
  }
  let updated: User | null
  try {
    updated = await store.users.update(
      ctx.tenant.id,
      id,
      {
        userName: input.userName,
        externalId: input.externalId,
        displayName: input.displayName,
        email: input.email,
        status,
        resource: input.document,
        ...(input.sourceAnchor !== undefined ? { sourceAnchor: input.sourceAnchor } : {}),
        ...(input.sourceDn !== undefined ? { sourceDn: input.sourceDn } : {}),
        ...(input.origin !== undefined ? { origin: input.origin } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(input.managerUnresolved !== undefined ? { managerUnresolved: input.managerUnresolved } : {}),
      },
      // The event is written by the same statement, and only if the version is still the one read.
      { ifVersion: current.version, audit, withGroups: check.withGroups },
    )
  } catch (err) {
    if (err instanceof PreconditionFailedError) throw new Raced()
    throw err
  }
  if (!updated) throw new NotFoundError(`no user with id "${id}"`)
  return updated
}

export async function deleteUser(store: IdentityStore, ctx: WriteContext, id: string, check: VersionCheck = {}): Promise<void> {
  assertMayWrite(ctx.tenant, ctx.channel)
  await store.transaction(async (tx) => {
    const current = await getUser(tx, ctx.tenant.id, id)
    if (check.ifVersion !== undefined && !check.ifVersion.includes(current.version)) {
      throw new PreconditionFailedError(`the user has version ${current.version}, which the request's If-Match does not name`)
    }
    if (!(await tx.users.delete(ctx.tenant.id, id))) throw new NotFoundError(`no user with id "${id}"`)
    // Its role assignments go with it.
    await tx.roleAssignments.removeForPrincipal(ctx.tenant.id, id)
    // Reports of a departed manager no longer name them (a reference must resolve, RFC 7643 §4.3).
    for (const reportId of await tx.users.clearReference(ctx.tenant.id, MANAGER_PATH, id)) {
      await tx.audit.append({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: 'user.update',
        resourceType: 'User',
        resourceId: reportId,
        changes: { attributes: [MANAGER_PATH.join(':')], before: { [MANAGER_PATH.join(':')]: { value: id } } },
        requestId: ctx.requestId,
      })
    }
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'user.delete',
      resourceType: 'User',
      resourceId: id,
      changes: diffDocuments(current.resource, null),
      requestId: ctx.requestId,
    })
  })
}

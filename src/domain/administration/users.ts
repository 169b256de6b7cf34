/**
 * User administration as an operator (a signed-in person) does it from the admin API and console.
 * Every operation checks the operator's permission first, at use time; writes go through the same
 * domain functions as SCIM and the sync, on the `admin` channel, so a directory- or IdP-managed
 * tenant refuses them with the source-of-truth message.
 */
import { requireEmailAddress } from '../identity/email.js'
import type { Store } from '../store.js'
import type { UserListPage, UserListQuery } from '../identity/persister.js'
import { ConflictError, ValidationError } from '../kernel/errors.js'
import type { JsonObject } from '../kernel/json.js'
import type { User, UserStatus } from '../identity/model.js'
import type { Permission } from '../access/model.js'
import { assignRole, effectiveAccess, findRole, type EffectiveAccess } from '../access/roles.js'
import { operatorActor, requireHeld, requireOutranks, requirePermissions, type Operator } from '../access/operator.js'
import { createUser, getUser, updateUser, deleteUser, type UserWrite } from '../identity/users.js'
import { generatePassword } from '../identity/passwords.js'
import { mayWrite, type WriteChannel } from '../tenancy/source-of-truth.js'
import type { Tenant } from '../tenancy/model.js'
import type { WriteContext } from '../identity/writes.js'
import { applyFormValues } from '../identity/custom-attributes.js'


const writeContext = (op: Operator): WriteContext => ({ tenant: op.tenant, actor: operatorActor(op), channel: 'admin', requestId: op.requestId })

export async function listUsersAs(store: Store, op: Operator, query: UserListQuery): Promise<UserListPage> {
  await requirePermissions(store, op, 'users.view')
  return listUsers(store, op.tenant.id, query)
}

/**
 * The use cases below without an operator's permission checks, for the `roster` command: whoever
 * holds the data directory (or the server's local socket) holds every permission, so only the rules
 * that do not depend on who asks apply (source of truth, hand-over, status order), audited as `ctx.actor`.
 */
export function listUsers(store: Store, tenantId: string, query: UserListQuery): Promise<UserListPage> {
  return store.userList.list(tenantId, query)
}

export interface UserDetail {
  user: User
  access: EffectiveAccess
  /** Groups and service accounts the user owns: deleting it needs a replacement owner. */
  ownedGroups: string[]
  ownedServiceAccounts: string[]
  /** Set when the user is a service account. */
  serviceAccount: { ownerId: string; description: string } | null
  apiAccess: boolean
  hasApiPassword: boolean
  /** False when the tenant's identity source forbids editing it here (the console says where instead). */
  editable: boolean
}

export async function getUserAs(store: Store, op: Operator, id: string): Promise<UserDetail> {
  await requirePermissions(store, op, 'users.view')
  return userDetail(store, op.tenant, id, 'admin')
}

/** A user's detail; `editable` says whether writes by `channel` may change it. */
export async function userDetail(store: Store, tenant: Tenant, id: string, channel: WriteChannel): Promise<UserDetail> {
  const user = await getUser(store, tenant.id, id)
  const [access, ownedGroups, ownedServiceAccounts, serviceAccount, api] = await Promise.all([
    effectiveAccess(store, tenant.id, user.id),
    store.groupOwners.ownedBy(tenant.id, user.id),
    store.serviceAccounts.ownedBy(tenant.id, user.id),
    store.serviceAccounts.get(tenant.id, user.id),
    store.userApiSettings.get(tenant.id, user.id),
  ])
  return {
    user,
    access,
    ownedGroups,
    ownedServiceAccounts,
    serviceAccount: serviceAccount ? { ownerId: serviceAccount.ownerId, description: serviceAccount.description } : null,
    apiAccess: api.apiAccess,
    hasApiPassword: api.apiPasswordHash !== null,
    editable: mayWrite(tenant, channel),
  }
}

export interface PersonFields {
  firstName: string
  lastName: string
  email: string
  phone: string | null
  externalId: string | null
}

/** Custom attribute values by name (docs/admin.md): null clears one, a name left out keeps its value. */
export type AttributeValues = Record<string, string | boolean | null>

export interface PersonEdit extends Partial<PersonFields> {
  attributes?: AttributeValues
}

export interface NewPerson extends PersonFields {
  userName: string
  status: 'active' | 'inactive'
  /** A typed password, or `generate` (shown once), or null for none (SSO only). */
  password: string | 'generate' | null
  /** Role ids or names to give the new user (needs roles.manage too). */
  roles: string[]
  attributes?: AttributeValues
}

function document(userName: string, fields: PersonFields, active: boolean, base: JsonObject = {}): JsonObject {
  const doc: JsonObject = { ...base, userName, active }
  const name: JsonObject = { givenName: fields.firstName, familyName: fields.lastName, formatted: `${fields.firstName} ${fields.lastName}`.trim() }
  doc.name = name
  doc.displayName = name.formatted as string
  doc.emails = [{ value: fields.email, type: 'work', primary: true }]
  if (fields.phone) doc.phoneNumbers = [{ value: fields.phone, type: 'work', primary: true }]
  else delete doc.phoneNumbers
  if (fields.externalId) doc.externalId = fields.externalId
  else delete doc.externalId
  return doc
}

async function assertEmailFree(store: Store, tenantId: string, email: string, self: string | null): Promise<void> {
  requireEmailAddress(email) // an address first (400), then free (409): the CLI and API share this rule
  const holders = await store.users.getByEmail(tenantId, email, 2)
  if (holders.some((u) => u.id !== self)) throw new ConflictError(`another user has the email ${email}`, 'email')
}

export async function createUserAs(store: Store, op: Operator, input: NewPerson): Promise<{ user: User; generatedPassword: string | null }> {
  await requirePermissions(store, op, 'users.create', ...(input.roles.length ? (['roles.manage'] as const) : []))
  const roles = await Promise.all(input.roles.map((r) => findRole(store, op.tenant.id, r)))
  for (const role of roles) await requireHeld(store, op, role.permissions, `role ${role.name}`)
  return createPerson(store, writeContext(op), input)
}

export async function createPerson(store: Store, ctx: WriteContext, input: NewPerson): Promise<{ user: User; generatedPassword: string | null }> {
  const roles = await Promise.all(input.roles.map((r) => findRole(store, ctx.tenant.id, r)))
  const generatedPassword = input.password === 'generate' ? generatePassword() : null
  const password = generatedPassword ?? (input.password === 'generate' ? null : input.password)
  const write: UserWrite = {
    userName: input.userName,
    externalId: input.externalId,
    displayName: `${input.firstName} ${input.lastName}`.trim(),
    email: input.email,
    active: input.status === 'active',
    managerId: null,
    document: document(input.userName, input, input.status === 'active'),
    ...(password ? { password } : {}),
  }
  const user = await store.transaction(async (tx) => {
    await assertEmailFree(tx, ctx.tenant.id, input.email, null)
    // The definitions as committed, not the SCIM cache: a form's required fields are the current ones.
    const definitions = await tx.customAttributes.list(ctx.tenant.id)
    write.document = applyFormValues(write.document, definitions, input.attributes, { requireAll: true })
    const created = await createUser(tx, ctx, write)
    for (const role of roles) await assignRole(tx, { tenant: ctx.tenant, actor: ctx.actor, requestId: ctx.requestId }, role.id, { type: 'User', id: created.id, label: created.userName })
    return created
  })
  return { user, generatedPassword }
}

/** Edits the person's fields; the userName is read-only after creation. */
export async function editUserAs(store: Store, op: Operator, id: string, fields: PersonEdit, ifVersion?: number[]): Promise<User> {
  await requirePermissions(store, op, 'users.edit')
  if (id !== op.user.id) await requireOutranks(store, op, id, 'this user')
  return editPerson(store, writeContext(op), id, fields, ifVersion)
}

export async function editPerson(store: Store, ctx: WriteContext, id: string, fields: PersonEdit, ifVersion?: number[]): Promise<User> {
  return store.transaction(async (tx) => {
    if (fields.email) await assertEmailFree(tx, ctx.tenant.id, fields.email, id)
    const definitions = fields.attributes ? await tx.customAttributes.list(ctx.tenant.id) : []
    return updateUser(
      tx,
      ctx,
      id,
      (current) => {
        const name = (current.resource.name ?? {}) as JsonObject
        const merged: PersonFields = {
          firstName: fields.firstName ?? String(name.givenName ?? ''),
          lastName: fields.lastName ?? String(name.familyName ?? ''),
          email: fields.email ?? current.email ?? '',
          phone: fields.phone !== undefined ? fields.phone : phoneOf(current),
          externalId: fields.externalId !== undefined ? fields.externalId : current.externalId,
        }
        if (!merged.email) throw new ValidationError('email is required', 'email')
        return {
          userName: current.userName,
          externalId: merged.externalId,
          displayName: `${merged.firstName} ${merged.lastName}`.trim() || null,
          email: merged.email,
          active: current.active,
          managerId: managerOf(current),
          document: fields.attributes
            ? applyFormValues(document(current.userName, merged, current.active, current.resource), definitions, fields.attributes, { requireAll: false })
            : document(current.userName, merged, current.active, current.resource),
        }
      },
      { ifVersion },
    )
  })
}

export type StatusChange = 'activate' | 'deactivate' | 'archive' | 'restore'

const STATUS_OF: Record<StatusChange, UserStatus> = { activate: 'active', deactivate: 'inactive', archive: 'archived', restore: 'active' }
// Archiving and restoring are part of deleting (the archive is where removed people wait).
const PERMISSION_OF: Record<StatusChange, Permission> = { activate: 'users.edit', deactivate: 'users.edit', archive: 'users.delete', restore: 'users.delete' }

/**
 * Activates, deactivates, archives or restores a user. Never yourself. Anything but `active` ends
 * the user's sessions at once (they would end at their next request anyway; this frees the rows).
 * Restoring takes an archived user back to active; the source-of-truth rule decides where it may
 * happen (local tenants: a directory restores its own users when they come back).
 */
export async function changeStatusAs(store: Store, op: Operator, id: string, change: StatusChange, ifVersion?: number[]): Promise<User> {
  await requirePermissions(store, op, PERMISSION_OF[change])
  if (id === op.user.id) throw new ConflictError(`you cannot ${change} yourself; ask another administrator`)
  await requireOutranks(store, op, id, 'this user')
  return changeStatus(store, writeContext(op), id, change, ifVersion)
}

export async function changeStatus(store: Store, ctx: WriteContext, id: string, change: StatusChange, ifVersion?: number[]): Promise<User> {
  const status = STATUS_OF[change]
  return store.transaction(async (tx) => {
    const current = await getUser(tx, ctx.tenant.id, id)
    if (change === 'restore' && current.status !== 'archived') throw new ConflictError(`${current.userName} is not archived`)
    if (change !== 'restore' && current.status === 'archived' && status !== 'archived') throw new ConflictError(`${current.userName} is archived: restore it first`)
    const user = await updateUser(
      tx,
      ctx,
      id,
      (u) => ({
        userName: u.userName,
        externalId: u.externalId,
        displayName: u.displayName,
        email: u.email,
        active: status === 'active',
        status,
        managerId: managerOf(u),
        document: { ...u.resource, active: status === 'active' },
      }),
      { ifVersion, action: `user.${change}` },
    )
    if (status !== 'active') await tx.sessions.deleteForUser(ctx.tenant.id, id)
    return user
  })
}

/**
 * Deletes a user (never yourself). A user who owns groups needs a replacement owner: the hand-over
 * and the deletion commit together, so no group is ever left to a deleted owner.
 */
export async function deleteUserAs(store: Store, op: Operator, id: string, options: DeleteUserOptions = {}): Promise<void> {
  await requirePermissions(store, op, 'users.delete')
  if (id === op.user.id) throw new ConflictError('you cannot delete yourself; ask another administrator')
  await requireOutranks(store, op, id, 'this user')
  await deleteHandingOver(store, writeContext(op), id, options)
}

export interface DeleteUserOptions {
  ifVersion?: number[]
  replacementOwnerId?: string | null
  /** How the caller names the replacement owner, for the refusal (the API: replacementOwnerId). */
  handOverHint?: string
}

export async function deleteHandingOver(store: Store, ctx: WriteContext, id: string, options: DeleteUserOptions = {}): Promise<void> {
  const hint = options.handOverHint ?? 'replacementOwnerId'
  await store.transaction(async (tx) => {
    const user = await getUser(tx, ctx.tenant.id, id)
    const [ownedGroups, ownedAccounts] = await Promise.all([tx.groupOwners.ownedBy(ctx.tenant.id, id), tx.serviceAccounts.ownedBy(ctx.tenant.id, id)])
    if (ownedGroups.length || ownedAccounts.length) {
      const replacement = options.replacementOwnerId
      if (!replacement) {
        const what = [ownedGroups.length ? `${ownedGroups.length} group${ownedGroups.length > 1 ? 's' : ''}` : '', ownedAccounts.length ? `${ownedAccounts.length} service account${ownedAccounts.length > 1 ? 's' : ''}` : '']
        throw new ConflictError(`${user.userName} owns ${what.filter(Boolean).join(' and ')}: choose a replacement owner (${hint})`, 'replacementOwnerId')
      }
      if (replacement === id) throw new ValidationError('the replacement owner cannot be the user being deleted', 'replacementOwnerId')
      const heir = await tx.users.get(ctx.tenant.id, replacement)
      if (!heir || heir.status !== 'active') throw new ValidationError(`replacement owner "${replacement}" is not an active user of this tenant`, 'replacementOwnerId')
      const movedGroups = await tx.groupOwners.transfer(ctx.tenant.id, id, replacement)
      const movedAccounts = await tx.serviceAccounts.transfer(ctx.tenant.id, id, replacement)
      const handover = (resourceType: string, action: string) => (resourceId: string) => ({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action,
        resourceType,
        resourceId,
        changes: { attributes: ['owner'], before: { owner: id }, after: { owner: replacement } },
        requestId: ctx.requestId,
      })
      await tx.audit.appendMany([...movedGroups.map(handover('Group', 'group.owner')), ...movedAccounts.map(handover('User', 'service-account.owner'))])
    }
    await deleteUser(tx, ctx, id, { ifVersion: options.ifVersion })
  })
}

function phoneOf(user: User): string | null {
  const phones = user.resource.phoneNumbers
  if (!Array.isArray(phones) || !phones.length) return null
  const first = phones[0] as JsonObject
  return typeof first.value === 'string' ? first.value : null
}

function managerOf(user: User): string | null {
  const ext = user.resource['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as JsonObject | undefined
  const manager = ext?.manager as JsonObject | undefined
  return typeof manager?.value === 'string' ? manager.value : null
}

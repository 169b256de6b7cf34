import { isDeepStrictEqual } from 'node:util'
import type { IdentityPersister, IdentityStore, MemberRef } from './persister.js'
import { NotFoundError, PreconditionFailedError, ValidationError } from '../kernel/errors.js'
import type { Group, MemberType, NewGroup, RecordOrigin } from './model.js'
import type { JsonObject } from '../kernel/json.js'
import { assertMayWrite } from '../tenancy/source-of-truth.js'
import { diffDocuments, originOf, withNotes, type WriteContext } from './writes.js'
import type { VersionCheck } from './users.js'

export interface GroupWrite {
  displayName: string
  externalId: string | null
  document: JsonObject
  sourceAnchor?: string | null
  sourceDn?: string | null
  origin?: RecordOrigin
}

export interface MemberSpec {
  value: string
  /** Checked against the member's real type when given; inferred when not. */
  type?: MemberType
}

/** Member changes of one request: applied row by row, never by rewriting the member list. */
export interface MemberChanges {
  add: MemberSpec[]
  remove: string[]
  /** Remove every member first (PUT, `replace members`, `remove members` without a filter). */
  removeAll: boolean
}

/** Most members one request may name; larger changes are split by the client (SCIM Bulk, paging). */
export const MAX_MEMBERS_PER_REQUEST = 10_000

function validate(input: GroupWrite): void {
  if (typeof input.displayName !== 'string' || !input.displayName.trim()) throw new ValidationError('displayName is required', 'displayName')
  if (input.displayName.length > 256) throw new ValidationError('displayName must be at most 256 characters', 'displayName')
}

/** Whether writing `input` would change the group's own attributes (members aside). */
export function groupWouldChange(current: Group, input: GroupWrite): boolean {
  return (
    (input.sourceAnchor !== undefined && input.sourceAnchor !== current.sourceAnchor) ||
    (input.sourceDn !== undefined && input.sourceDn !== current.sourceDn) ||
    (input.origin !== undefined && input.origin !== current.origin) ||
    !isDeepStrictEqual(input.document, current.resource)
  )
}

function newGroupRecord(ctx: WriteContext, input: GroupWrite): NewGroup {
  return {
    tenantId: ctx.tenant.id,
    displayName: input.displayName,
    externalId: input.externalId,
    origin: input.origin ?? originOf(ctx),
    sourceAnchor: input.sourceAnchor ?? null,
    sourceDn: input.sourceDn ?? null,
    resource: input.document,
  }
}

export async function getGroup(store: Pick<IdentityPersister, 'groups'>, tenantId: string, id: string): Promise<Group> {
  const group = await store.groups.get(tenantId, id)
  if (!group) throw new NotFoundError(`no group with id "${id}"`)
  return group
}

/**
 * Resolves member specs to typed references: every member must be a user or group of this tenant,
 * a stated type must be right, and a group may not end up containing itself, even indirectly.
 */
async function resolveMembers(tx: IdentityStore, ctx: WriteContext, groupId: string, specs: MemberSpec[]): Promise<MemberRef[]> {
  if (specs.length > MAX_MEMBERS_PER_REQUEST) throw new ValidationError(`at most ${MAX_MEMBERS_PER_REQUEST} members per request`, 'members')
  const ids = [...new Set(specs.map((s) => s.value))]
  const [users, groups] = await Promise.all([tx.users.existing(ctx.tenant.id, ids), tx.groups.existing(ctx.tenant.id, ids)])
  const refs: MemberRef[] = []
  for (const id of ids) {
    const actual: MemberType | undefined = users.has(id) ? 'User' : groups.has(id) ? 'Group' : undefined
    if (!actual) throw new ValidationError(`member "${id}" is not a user or group of this tenant`, 'members')
    const stated = specs.find((s) => s.value === id && s.type)?.type
    if (stated && stated !== actual) throw new ValidationError(`member "${id}" is a ${actual}, not a ${stated}`, 'members')
    refs.push({ memberId: id, memberType: actual })
  }
  await checkNesting(tx, ctx.tenant.id, groupId, refs)
  return refs
}

/**
 * A group may not end up containing itself, even indirectly. Takes the tenant's nesting lock
 * (held until the caller's transaction ends) before looking, when groups are among the members.
 */
async function checkNesting(tx: IdentityStore, tenantId: string, groupId: string, members: MemberRef[]): Promise<void> {
  const nested = members.filter((r) => r.memberType === 'Group').map((r) => r.memberId)
  if (nested.includes(groupId)) throw new ValidationError('a group cannot be a member of itself', 'members')
  if (nested.length) await tx.memberships.lockNesting(tenantId)
  if (nested.length && (await tx.memberships.wouldCreateCycle(tenantId, groupId, nested))) {
    throw new ValidationError('these members would make the group contain itself through nested groups', 'members')
  }
}

/**
 * A user's `groups` attribute is part of the user, so a membership change is a change of the
 * member: its version and lastModified move on (its ETag changes). Only direct memberships: a
 * change deep in a nesting chain would touch every user below it. Groups as members keep theirs:
 * a group's representation lists its members, not the groups it is in.
 */
async function touchMembers(tx: IdentityStore, tenantId: string, changed: MemberRef[]): Promise<void> {
  const users = [...new Set(changed.filter((m) => m.memberType === 'User').map((m) => m.memberId))]
  if (users.length) await tx.users.touchMany(tenantId, users)
}

async function applyMemberChanges(tx: IdentityStore, ctx: WriteContext, groupId: string, changes: MemberChanges): Promise<{ added: number; removed: number }> {
  const gone = changes.removeAll
    ? await tx.memberships.removeAll(ctx.tenant.id, groupId)
    : changes.remove.length
      ? await tx.memberships.remove(ctx.tenant.id, groupId, changes.remove)
      : []
  await touchMembers(tx, ctx.tenant.id, gone)
  const refs = changes.add.length ? await resolveMembers(tx, ctx, groupId, changes.add) : []
  const added = refs.length ? await tx.memberships.add(ctx.tenant.id, groupId, refs) : []
  await touchMembers(tx, ctx.tenant.id, added)
  return { added: added.length, removed: gone.length }
}

function memberAudit(changes: MemberChanges, result: { added: number; removed: number }) {
  return {
    ...(changes.add.length ? { membersAdded: changes.add.map((m) => m.value) } : {}),
    ...(changes.remove.length ? { membersRemoved: changes.remove } : {}),
    ...(changes.removeAll ? { membersCleared: true } : {}),
    memberCounts: { added: result.added, removed: result.removed },
  }
}

export async function createGroup(store: IdentityStore, ctx: WriteContext, input: GroupWrite, members: MemberSpec[] = []): Promise<Group> {
  assertMayWrite(ctx.tenant, ctx.channel)
  validate(input)
  return store.transaction(async (tx) => {
    const group = await tx.groups.insert(newGroupRecord(ctx, input))
    const changes: MemberChanges = { add: members, remove: [], removeAll: false }
    const result = await applyMemberChanges(tx, ctx, group.id, changes)
    const diff = diffDocuments(null, input.document)
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'group.create',
      resourceType: 'Group',
      resourceId: group.id,
      changes: withNotes(ctx, { ...diff, attributes: members.length ? [...diff.attributes, 'members'].sort() : diff.attributes, after: { ...diff.after, ...memberAudit(changes, result) } }),
      requestId: ctx.requestId,
    })
    return group
  })
}

/**
 * Creates many groups (without members) in one transaction, one statement for the groups and one
 * for their audit events. Invalid inputs are reported and left out.
 */
export async function createGroups(store: IdentityStore, ctx: WriteContext, inputs: GroupWrite[]): Promise<{ created: Group[]; failed: Array<{ index: number; error: Error }> }> {
  assertMayWrite(ctx.tenant, ctx.channel)
  const failed: Array<{ index: number; error: Error }> = []
  const ok = inputs.filter((input, index) => {
    try {
      validate(input)
      return true
    } catch (err) {
      failed.push({ index, error: err as Error })
      return false
    }
  })
  return store.transaction(async (tx) => {
    const created = await tx.groups.insertMany(ok.map((input) => newGroupRecord(ctx, input)))
    await tx.audit.appendMany(
      created.map((group) => ({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: 'group.create',
        resourceType: 'Group',
        resourceId: group.id,
        changes: diffDocuments(null, group.resource),
        requestId: ctx.requestId,
      })),
    )
    return { created, failed }
  })
}

function countByGroup(memberships: Array<{ groupId: string }>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const m of memberships) counts.set(m.groupId, (counts.get(m.groupId) ?? 0) + 1)
  return counts
}

/** Members to add to and remove from one group. */
export interface MembersDelta {
  groupId: string
  add: MemberRef[]
  remove: string[]
}

/**
 * Changes the members of many groups in one transaction, a few statements in all: what a directory
 * sync needs after creating thousands of groups. The rules are updateGroup's: members must be users
 * or groups of the tenant, of the stated type, and no group may end up containing itself. Cycles are
 * checked against the tenant's nesting graph held in memory, with the batch's own changes applied in
 * order, so two deltas cannot close a cycle between them. A delta naming a missing group or member
 * is left out; a nesting that would close a cycle is left out of its delta (the rest of it applies).
 * Both are reported in `failed`. Each group that changed gets its version bumped and one audit event.
 */
export async function changeMembersMany(
  store: IdentityStore,
  ctx: WriteContext,
  deltas: MembersDelta[],
): Promise<{ failed: Array<{ index: number; error: Error }>; added: Map<string, number>; removed: Map<string, number> }> {
  assertMayWrite(ctx.tenant, ctx.channel)
  const failed: Array<{ index: number; error: Error }> = []
  return store.transaction(async (tx) => {
    const ids = (type: MemberType) => [...new Set(deltas.flatMap((d) => d.add.filter((m) => m.memberType === type).map((m) => m.memberId)))]
    const [users, groups] = await Promise.all([
      tx.users.existing(ctx.tenant.id, ids('User')),
      tx.groups.existing(ctx.tenant.id, [...ids('Group'), ...deltas.map((d) => d.groupId)]),
    ])
    const nesting = deltas.some((d) => d.add.some((m) => m.memberType === 'Group'))
    // parent → children, kept current as the batch's deltas are taken in order.
    const children = new Map<string, Set<string>>()
    if (nesting) {
      await tx.memberships.lockNesting(ctx.tenant.id)
      for (const e of await tx.memberships.nestingEdges(ctx.tenant.id)) {
        if (!children.has(e.groupId)) children.set(e.groupId, new Set())
        children.get(e.groupId)!.add(e.memberId)
      }
    }
    const reaches = (from: string, target: string): boolean => {
      const seen = new Set<string>()
      const stack = [from]
      while (stack.length) {
        const g = stack.pop()!
        if (g === target) return true
        if (seen.has(g)) continue
        seen.add(g)
        for (const c of children.get(g) ?? []) stack.push(c)
      }
      return false
    }
    const ok: MembersDelta[] = []
    deltas.forEach((d, index) => {
      const missing = d.add.find((m) => !(m.memberType === 'User' ? users : groups).has(m.memberId))
      if (!groups.has(d.groupId) || missing) {
        failed.push({
          index,
          error: !groups.has(d.groupId) ? new NotFoundError(`no group with id "${d.groupId}"`) : new ValidationError(`member "${missing!.memberId}" is not a ${missing!.memberType === 'User' ? 'user' : 'group'} of this tenant`, 'members'),
        })
        return
      }
      for (const r of d.remove) children.get(d.groupId)?.delete(r)
      const add = d.add.filter((m) => {
        if (m.memberType !== 'Group') return true
        if (m.memberId === d.groupId || reaches(m.memberId, d.groupId)) {
          failed.push({ index, error: new ValidationError(`group "${m.memberId}" left out: as a member it would make the group contain itself through nested groups`, 'members') })
          return false
        }
        if (!children.has(d.groupId)) children.set(d.groupId, new Set())
        children.get(d.groupId)!.add(m.memberId)
        return true
      })
      ok.push({ ...d, add })
    })
    const gone = await tx.memberships.removeMany(ctx.tenant.id, ok.flatMap((d) => d.remove.map((memberId) => ({ groupId: d.groupId, memberId }))))
    const joined = await tx.memberships.addMany(ctx.tenant.id, ok.flatMap((d) => d.add.map((m) => ({ ...m, groupId: d.groupId }))))
    // Once per member for the whole batch, however many of its groups changed: one version step
    // per transaction, as for any other change.
    await touchMembers(tx, ctx.tenant.id, [...gone, ...joined])
    const removed = countByGroup(gone)
    const added = countByGroup(joined)
    const changed = ok.filter((d) => (added.get(d.groupId) ?? 0) + (removed.get(d.groupId) ?? 0) > 0)
    await tx.groups.touchMany(ctx.tenant.id, [...new Set(changed.map((d) => d.groupId))])
    await tx.audit.appendMany(
      changed.map((d) => {
        const changes: MemberChanges = { add: d.add.map((m) => ({ value: m.memberId, type: m.memberType })), remove: d.remove, removeAll: false }
        return {
          tenantId: ctx.tenant.id,
          actor: ctx.actor,
          action: 'group.update',
          resourceType: 'Group',
          resourceId: d.groupId,
          changes: { attributes: ['members'], after: memberAudit(changes, { added: added.get(d.groupId) ?? 0, removed: removed.get(d.groupId) ?? 0 }) },
          requestId: ctx.requestId,
        }
      }),
    )
    return { failed, added, removed }
  })
}

/**
 * The console's member add and remove on one group: what changeMembersMany does for one delta
 * (same rules, errors and audit event), as one write statement when only users are added. A member
 * to add that is not of its stated type refuses the whole change; a group that would close a cycle
 * is left out and the rest written, the first such refusal then thrown, as changeMembersMany
 * reports it.
 */
export async function changeGroupMembers(store: IdentityStore, ctx: WriteContext, groupId: string, delta: { add: MemberRef[]; remove: string[] }): Promise<void> {
  assertMayWrite(ctx.tenant, ctx.channel)
  const add = delta.add.filter((m, i) => delta.add.findIndex((o) => o.memberId === m.memberId && o.memberType === m.memberType) === i)
  const audit = (members: MemberRef[]) => ({
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action: 'group.update',
    resourceType: 'Group',
    resourceId: groupId,
    // The store fills memberCounts (GroupRepo.change).
    changes: { attributes: ['members'], after: memberAudit({ add: members.map((m) => ({ value: m.memberId, type: m.memberType })), remove: delta.remove, removeAll: false }, { added: 0, removed: 0 }) },
    requestId: ctx.requestId,
  })
  const write = (tx: IdentityStore, members: MemberRef[], addable: MemberType[]) =>
    tx.groups.change(ctx.tenant.id, groupId, { members: { removeAll: false, remove: delta.remove, add: members, addable } }, { audit: audit(members) })
  let result = await write(store, add, ['User'])
  let leftOut: Error | undefined
  if (result.outcome === 'refused') {
    const found = result.found
    const missing = add.find((m) => found.get(m.memberId) !== m.memberType)
    if (missing) throw new ValidationError(`member "${missing.memberId}" is not a ${missing.memberType === 'User' ? 'user' : 'group'} of this tenant`, 'members')
    result = await store.transaction(async (tx) => {
      await tx.memberships.lockNesting(ctx.tenant.id)
      const kept: MemberRef[] = []
      for (const m of add) {
        if (m.memberType === 'Group' && (m.memberId === groupId || (await tx.memberships.wouldCreateCycle(ctx.tenant.id, groupId, [m.memberId])))) {
          leftOut ??= new ValidationError(`group "${m.memberId}" left out: as a member it would make the group contain itself through nested groups`, 'members')
        } else kept.push(m)
      }
      return write(tx, kept, ['User', 'Group'])
    })
  }
  if (result.outcome === 'stale') throw new NotFoundError(`no group with id "${groupId}"`)
  if (result.outcome === 'refused') {
    const missing = add.find((m) => result.outcome === 'refused' && result.found.get(m.memberId) !== m.memberType)
    throw new ValidationError(`member "${missing?.memberId}" is not a ${missing?.memberType === 'Group' ? 'group' : 'user'} of this tenant`, 'members')
  }
  if (leftOut) throw leftOut
}

export interface GroupChange {
  /** The new state of the group's own attributes; undefined leaves them as they are. */
  group?: GroupWrite
  members?: MemberChanges
}

/**
 * Changes a group (SCIM PUT or PATCH). Member changes cost one row each, whatever the group's size.
 * No lock is held between reading the group and writing it: the write is one statement
 * (GroupRepo.change) that changes nothing unless the group is still at the version read whenever
 * the change was made from that version (new attributes) or checked against it (If-Match); a
 * change that finds the group changed meanwhile is made again from the group as it now is, so
 * concurrent changes from many clients all land and none overwrites another. A member-only change
 * without If-Match is a delta that holds whatever the group's version, so it is written as it is.
 */
export async function updateGroup(
  store: IdentityStore,
  ctx: WriteContext,
  id: string,
  change: (current: Group) => GroupChange | Promise<GroupChange>,
  check: VersionCheck = {},
): Promise<Group> {
  assertMayWrite(ctx.tenant, ctx.channel)
  for (;;) {
    const current = await getGroup(store, ctx.tenant.id, id)
    if (check.ifVersion !== undefined && !check.ifVersion.includes(current.version)) {
      throw new PreconditionFailedError(`the group has version ${current.version}, which the request's If-Match does not name`)
    }
    const { group: input, members } = await change(current)
    if (input) validate(input)
    const documentChanged = !!input && groupWouldChange(current, input)
    if (members && members.add.length > MAX_MEMBERS_PER_REQUEST) throw new ValidationError(`at most ${MAX_MEMBERS_PER_REQUEST} members per request`, 'members')
    // RFC 7644 §3.5.2.1: a change that changes nothing (an existing member added again, an absent
    // one removed) leaves version and lastModified alone, and is not audited.
    if (!documentChanged && !(members && (members.add.length || members.remove.length || members.removeAll))) return current
    const written = await writeGroupChange(store, ctx, current, documentChanged ? input : undefined, members, check.ifVersion !== undefined || documentChanged)
    if (written === 'unchanged') return current
    if (written !== 'stale') return written
  }
}

/**
 * One attempt of updateGroup: the write, with its audit event, as one statement; first as a change
 * adding users only, which needs no transaction. When groups are among the members to add, that
 * write refuses and says what each member is; the change is then checked against the tenant's
 * nesting (lock and cycle check) and written again in that transaction.
 */
async function writeGroupChange(
  store: IdentityStore,
  ctx: WriteContext,
  current: Group,
  input: GroupWrite | undefined,
  members: MemberChanges | undefined,
  checkVersion: boolean,
): Promise<Group | 'unchanged' | 'stale'> {
  const diff = input ? diffDocuments(current.resource, input.document) : { attributes: [] as string[] }
  const audit = {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action: 'group.update',
    resourceType: 'Group',
    resourceId: current.id,
    // The store fills memberCounts with what its write did (GroupRepo.change).
    changes: withNotes(
      ctx,
      members
        ? { ...diff, attributes: [...diff.attributes, 'members'].sort(), after: { ...('after' in diff ? diff.after : {}), ...memberAudit(members, { added: 0, removed: 0 }) } }
        : diff,
    ),
    requestId: ctx.requestId,
  }
  const attributes = input && {
    displayName: input.displayName,
    externalId: input.externalId,
    resource: input.document,
    ...(input.sourceAnchor !== undefined ? { sourceAnchor: input.sourceAnchor } : {}),
    ...(input.sourceDn !== undefined ? { sourceDn: input.sourceDn } : {}),
    ...(input.origin !== undefined ? { origin: input.origin } : {}),
  }
  const options = { ...(checkVersion ? { ifVersion: current.version } : {}), audit }
  const write = (tx: IdentityStore, add: Array<{ memberId: string; memberType?: MemberType }>, addable: MemberType[]) =>
    tx.groups.change(ctx.tenant.id, current.id, { ...(attributes ? { attributes } : {}), ...(members ? { members: { removeAll: members.removeAll, remove: members.remove, add, addable } } : {}) }, options)
  const specs = members?.add ?? []
  let result = await write(store, statedMembers(specs), ['User'])
  if (result.outcome === 'refused') {
    const found = refuse(specs, result.found)
    result = await store.transaction(async (tx) => {
      await checkNesting(tx, ctx.tenant.id, current.id, found)
      return write(tx, found, ['User', 'Group'])
    })
    if (result.outcome === 'refused') refuse(specs, result.found)
  }
  if (result.outcome === 'changed') return result.group
  // Refused although every member was what it said: one went meanwhile; the next attempt says so.
  return result.outcome === 'refused' ? 'stale' : result.outcome
}

/** Members to add by id, each with the type its first spec states (resolveMembers's reading). */
function statedMembers(specs: MemberSpec[]): Array<{ memberId: string; memberType?: MemberType }> {
  return [...new Set(specs.map((s) => s.value))].map((id) => {
    const stated = specs.find((s) => s.value === id && s.type)?.type
    return stated ? { memberId: id, memberType: stated } : { memberId: id }
  })
}

/**
 * Why a change was refused (GroupRepo.change's `found`), as resolveMembers says it: the first
 * member in request order that is unknown or not of its stated type. When every member is what it
 * says (some are groups, which the change could not add without the nesting lock), returns them.
 */
function refuse(specs: MemberSpec[], found: Map<string, MemberType>): MemberRef[] {
  return statedMembers(specs).map(({ memberId: id, memberType: stated }) => {
    const actual = found.get(id)
    if (!actual) throw new ValidationError(`member "${id}" is not a user or group of this tenant`, 'members')
    if (stated && stated !== actual) throw new ValidationError(`member "${id}" is a ${actual}, not a ${stated}`, 'members')
    return { memberId: id, memberType: actual }
  })
}

export async function deleteGroup(store: IdentityStore, ctx: WriteContext, id: string, check: VersionCheck = {}): Promise<void> {
  assertMayWrite(ctx.tenant, ctx.channel)
  await store.transaction(async (tx) => {
    const current = await getGroup(tx, ctx.tenant.id, id)
    if (check.ifVersion !== undefined && !check.ifVersion.includes(current.version)) {
      throw new PreconditionFailedError(`the group has version ${current.version}, which the request's If-Match does not name`)
    }
    // Its members lose it: a change of each of them (see touchMembers).
    await touchMembers(tx, ctx.tenant.id, await tx.memberships.removeAll(ctx.tenant.id, id))
    if (!(await tx.groups.delete(ctx.tenant.id, id))) throw new NotFoundError(`no group with id "${id}"`)
    // Its role assignments go with it.
    await tx.roleAssignments.removeForPrincipal(ctx.tenant.id, id)
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'group.delete',
      resourceType: 'Group',
      resourceId: id,
      changes: diffDocuments(current.resource, null),
      requestId: ctx.requestId,
    })
  })
}

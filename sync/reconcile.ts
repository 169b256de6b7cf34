/**
 * The write phase of a run: the snapshot (what the directory says) against the tenant (what Roster
 * has), change by change through the domain layer, so every rule and every audit entry is the same
 * as for any other writer. The same pass, with `dryRun`, only counts and samples what it would do.
 *
 * Order: users (creates and updates) → managers that point at users created later in the pass →
 * groups → group members (nested groups need every group to exist) → archives and group deletions.
 * Changes commit a page at a time (members: a few pages at a time) through the domain's batch
 * functions (creates, managers, members) or one by one (updates, archives, deletions), so a run
 * killed halfway leaves every record whole, and the next run, reading the directory again, does
 * what is left.
 */
import { changeMembersMany, createGroups, deleteGroup, groupWouldChange, updateGroup, type GroupWrite } from '../src/domain/identity/groups.js'
import { MANAGER_PATH, type Group, type User } from '../src/domain/identity/model.js'
import { type Json, type JsonObject } from '../src/domain/kernel/json.js'
import type { SyncCounts, SyncProblem } from '../src/domain/directory-sync/model.js'
import { userNameKey } from '../src/domain/identity/user-name.js'
import { createUser, createUsers, setManagers, updateUser, userWouldChange, type UserWrite } from '../src/domain/identity/users.js'
import { diffDocuments, type WriteContext } from '../src/domain/identity/writes.js'
import { ConflictError, DomainError, StoreUnavailableError } from '../src/domain/kernel/errors.js'
import type { MemberRef } from '../src/domain/identity/persister.js'
import type { Store } from '../src/domain/store.js'
import { groupWrite, keepRosterValues, userWrite } from './documents.js'
import type { MappedGroup, MappedUser } from './mappers.js'
import type { RunSnapshot, SnapshotItem } from './snapshot.js'

const PAGE = 500
/**
 * Users per page of the users pass: each page costs a dozen statements (lookups, the batch, its
 * audit events) whatever its size, so a first sync of 20,000 users makes 10 of them, not 40.
 */
const USER_PAGE = 2000
/** Members added to one group per batch entry, so that no statement or audit event grows without bound. */
const MEMBER_CHUNK = 10_000
/** Member changes (adds and removes) written in one transaction of the members pass. */
const MEMBER_BATCH = 100_000
const SAMPLE_SIZE = 5
/** Keys per lookup query (DNs, userNames). */
const LOOKUP = 2000

export interface Samples {
  usersCreated: string[]
  usersUpdated: string[]
  usersArchived: string[]
  usersRestored: string[]
  groupsCreated: string[]
  groupsUpdated: string[]
  groupsDeleted: string[]
  membersAdded: string[]
  membersRemoved: string[]
}

/** One group's member changes, as the members pass collects them for a batch. */
interface MemberDelta {
  group: Group
  name: string
  dn: string
  add: MemberRef[]
  remove: string[]
}

export interface ReconcileOptions {
  store: Store
  ctx: WriteContext
  runId: string
  snapshot: RunSnapshot
  dryRun: boolean
  /** A full read: what the snapshot lacks is gone from the directory. */
  full: boolean
  counts: SyncCounts
  problem: (p: SyncProblem) => void
  /** Called between changes: throws when the run must stop (lease lost). */
  checkpoint: () => void
}

function managerIdOf(doc: JsonObject): string | null {
  let node: Json | undefined = doc
  for (const key of [...MANAGER_PATH, 'value']) node = node && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined
  return typeof node === 'string' ? node : null
}

/**
 * The problem an entry had, in words, for the run record: the domain refused it (invalid, taken,
 * a cycle, gone meanwhile). Anything else — the database going away, a bug — is not the entry's
 * problem: it is thrown on and fails the run, whose mark then stays where it was.
 */
function describe(err: unknown): string {
  if (err instanceof DomainError && !(err instanceof StoreUnavailableError)) return err.message
  throw err
}

export class Reconciler {
  readonly samples: Samples = {
    usersCreated: [],
    usersUpdated: [],
    usersArchived: [],
    usersRestored: [],
    groupsCreated: [],
    groupsUpdated: [],
    groupsDeleted: [],
    membersAdded: [],
    membersRemoved: [],
  }
  /** Some user's manager is created later in the users pass: a second pass sets it. */
  private managersDeferred = false

  constructor(private readonly o: ReconcileOptions) {}

  private get tenantId(): string {
    return this.o.ctx.tenant.id
  }

  private sample(kind: keyof Samples, text: string): void {
    if (this.samples[kind].length < SAMPLE_SIZE) this.samples[kind].push(text)
  }

  async run(deletedAnchors: boolean): Promise<void> {
    await this.users()
    await this.managers()
    await this.groups()
    await this.members()
    if (this.o.full) {
      await this.archiveAbsentUsers()
      await this.deleteAbsentGroups()
    } else if (deletedAnchors) {
      await this.applyDeletions()
    }
  }

  // ---- users ---------------------------------------------------------------------------------

  private async users(): Promise<void> {
    const { store, runId } = this.o
    await this.o.snapshot.eachPage('user', USER_PAGE, async (page) => {
      const byAnchor = await store.users.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      const unmatched = page.filter((p) => !byAnchor.has(p.anchor)).map((p) => p.entry.userName)
      const byName = await store.users.getByUserNames(this.tenantId, unmatched)
      const leaving = await this.leavingAnchors([...byName.values()].filter((u) => u.origin === 'ldap' && u.sourceAnchor && u.status !== 'archived').map((u) => u.sourceAnchor!))
      const managerDns = [...new Set(page.map((p) => p.entry.managerDn).filter((d): d is string => !!d))]
      const managers = await store.users.idsBySourceDn(this.tenantId, managerDns)
      const pending = await store.syncSnapshot.resolveDns(this.tenantId, runId, managerDns.filter((d) => !managers.has(d)))
      const creates: Array<{ entry: SnapshotItem<'user'>; mapped: MappedUser; waitsForManager: boolean }> = []
      for (const entry of page) {
        this.o.checkpoint()
        const mapped = entry.entry
        let current = byAnchor.get(entry.anchor) ?? null
        if (!current) {
          const holder = byName.get(userNameKey(mapped.userName))
          // Adopt a user of the same name that no directory entry claims any more: a local account
          // the directory now owns, or one whose entry was deleted and recreated (new objectGUID) —
          // archived already, or leaving in this very run.
          if (holder && (holder.origin !== 'ldap' || !holder.sourceAnchor || holder.status === 'archived' || leaving.has(holder.sourceAnchor))) current = holder
        }
        let managerId: string | null = null
        const waitsForManager = !!mapped.managerDn && !managers.has(mapped.managerDn) && pending.get(mapped.managerDn)?.kind === 'user'
        if (mapped.managerDn) managerId = managers.get(mapped.managerDn) ?? null
        if (!current) {
          creates.push({ entry, mapped, waitsForManager })
          continue
        }
        if (waitsForManager) {
          // Created later in this pass: keep what is there for now, set it afterwards.
          this.managersDeferred = true
          managerId = managerIdOf(current.resource)
        }
        await this.updateExisting(current, userWrite(mapped, entry.anchor, entry.dn, managerId, mapped.active ? 'active' : 'inactive'))
      }
      // Pages run by management depth, so a manager is created before its reports: in an earlier
      // page, or in this one at a lower rank, written first. Only managers in a cycle wait for the
      // second pass.
      const ranks = [...new Set(creates.map((c) => c.entry.rank))].sort((a, b) => a - b)
      for (const rank of ranks) {
        const batch = creates.filter((c) => c.entry.rank === rank)
        const waiting = [...new Set(batch.filter((c) => c.waitsForManager).map((c) => c.mapped.managerDn!))]
        const found = waiting.length && !this.o.dryRun ? await store.users.idsBySourceDn(this.tenantId, waiting) : new Map<string, string>()
        await this.createAll(
          batch.map(({ entry, mapped, waitsForManager }) => {
            const managerId = mapped.managerDn ? (waitsForManager ? (found.get(mapped.managerDn) ?? null) : (managers.get(mapped.managerDn) ?? null)) : null
            if (waitsForManager && !managerId) this.managersDeferred = true
            return userWrite(mapped, entry.anchor, entry.dn, managerId, mapped.active ? 'active' : 'inactive')
          }),
        )
      }
    })
  }

  /** New users of one page: one batch, or one by one when the batch as a whole cannot be written. */
  private async createAll(writes: UserWrite[]): Promise<void> {
    if (!writes.length) return
    const { store, ctx, dryRun, counts } = this.o
    const created = (w: UserWrite) => {
      counts.usersCreated++
      this.sample('usersCreated', w.userName)
    }
    if (dryRun) {
      writes.forEach(created)
      return
    }
    let result
    try {
      result = await createUsers(store, ctx, writes)
    } catch (err) {
      // A conflict the batch's own checks could not foresee (a concurrent writer): one by one, so
      // only the entry at fault is reported.
      if (!(err instanceof ConflictError)) throw err
      for (const w of writes) {
        try {
          await createUser(store, ctx, w)
          created(w)
        } catch (err) {
          this.o.problem({ entry: w.sourceDn ?? w.userName, message: `user ${w.userName}: ${describe(err)}` })
        }
      }
      return
    }
    const failed = new Set(result.failed.map((f) => f.index))
    writes.forEach((w, i) => {
      if (!failed.has(i)) created(w)
    })
    for (const f of result.failed) {
      const w = writes[f.index]!
      this.o.problem({ entry: w.sourceDn ?? w.userName, message: `user ${w.userName}: ${describe(f.error)}` })
    }
  }

  /**
   * Of these anchors of synced users, those whose entries this run sees leaving: deleted (an
   * incremental run's tombstones) or not read at all (a full run).
   */
  private async leavingAnchors(anchors: string[]): Promise<Set<string>> {
    if (!anchors.length) return new Set()
    const { store, runId, full } = this.o
    if (full) {
      const read = await store.syncSnapshot.anchorsRead(this.tenantId, runId, 'user', anchors)
      return new Set(anchors.filter((a) => !read.has(a)))
    }
    return store.syncSnapshot.anchorsRead(this.tenantId, runId, 'deleted', anchors)
  }

  private async updateExisting(current: User, mapped: UserWrite): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    const write = keepRosterValues(mapped, current)
    try {
      if (!userWouldChange(current, { ...write, status: write.status! })) {
        counts.usersUnchanged++
        return
      }
      if (!dryRun) await updateUser(store, ctx, current.id, () => write, { action: current.status === 'archived' ? 'user.restore' : 'user.update' })
      if (current.status === 'archived') {
        counts.usersRestored++
        this.sample('usersRestored', write.userName)
      } else {
        counts.usersUpdated++
        const changed = diffDocuments(current.resource, write.document).attributes
        this.sample('usersUpdated', `${write.userName}${changed.length ? ` (${changed.join(', ')})` : ' (directory location)'}`)
      }
    } catch (err) {
      this.o.problem({ entry: write.sourceDn ?? write.userName, message: `user ${write.userName}: ${describe(err)}` })
    }
  }

  /**
   * Second pass over the snapshot for managers created after their reports: reads it again rather
   * than remembering who waits, so memory stays flat however many do.
   */
  private async managers(): Promise<void> {
    if (!this.managersDeferred || this.o.dryRun) return
    const { store } = this.o
    await this.o.snapshot.eachPage('user', PAGE, async (page) => {
      const withManager = page.filter((p) => p.entry.managerDn)
      if (!withManager.length) return
      const users = await store.users.getBySourceAnchors(this.tenantId, withManager.map((p) => p.anchor))
      const ids = await store.users.idsBySourceDn(this.tenantId, [...new Set(withManager.map((p) => p.entry.managerDn!))])
      this.o.checkpoint()
      const changes: Array<{ user: User; managerId: string | null }> = []
      for (const entry of withManager) {
        const user = users.get(entry.anchor)
        const managerId = ids.get(entry.entry.managerDn!) ?? null
        if (user && managerIdOf(user.resource) !== managerId) changes.push({ user, managerId })
      }
      if (!changes.length) return
      const result = await setManagers(store, this.o.ctx, changes)
      for (const f of result.failed) {
        const user = changes[f.index]!.user
        this.o.problem({ entry: user.sourceDn ?? user.userName, message: `user ${user.userName}: manager: ${describe(f.error)}` })
      }
    })
  }

  // ---- groups --------------------------------------------------------------------------------

  private async groups(): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    await this.o.snapshot.eachPage('group', PAGE, async (page) => {
      const byAnchor = await store.groups.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      const creates: Array<{ write: GroupWrite; dn: string }> = []
      for (const entry of page) {
        this.o.checkpoint()
        const mapped = entry.entry
        const write = groupWrite(mapped, entry.anchor, entry.dn)
        const current = byAnchor.get(entry.anchor)
        try {
          if (!current) {
            creates.push({ write, dn: entry.dn })
          } else if (groupWouldChange(current, write)) {
            if (!dryRun) await updateGroup(store, ctx, current.id, () => ({ group: write }))
            counts.groupsUpdated++
            this.sample('groupsUpdated', write.displayName)
          }
        } catch (err) {
          this.o.problem({ entry: entry.dn, message: `group ${write.displayName}: ${describe(err)}` })
        }
      }
      const failed = new Set<number>()
      if (!dryRun && creates.length) {
        const result = await createGroups(store, ctx, creates.map((c) => c.write))
        for (const f of result.failed) {
          failed.add(f.index)
          this.o.problem({ entry: creates[f.index]!.dn, message: `group ${creates[f.index]!.write.displayName}: ${describe(f.error)}` })
        }
      }
      creates.forEach((c, i) => {
        if (failed.has(i)) return
        counts.groupsCreated++
        this.sample('groupsCreated', c.write.displayName)
      })
    })
  }

  private async members(): Promise<void> {
    const { store } = this.o
    // Pages of groups are written together until a batch holds MEMBER_BATCH member changes: each
    // member whose groups change is touched (version, lastModified) once per batch, not once per
    // page, and a directory of a few hundred thousand memberships still writes in a few batches.
    let batch: MemberDelta[] = []
    let size = 0
    await this.o.snapshot.eachPage('group', PAGE, async (page) => {
      const groups = await store.groups.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      const current = await store.memberships.membersOf(
        this.tenantId,
        [...groups.values()].map((g) => g.id),
      )
      const desiredAll = await this.desiredMembersOfPage(page.map((p) => p.entry))
      for (const [k, entry] of page.entries()) {
        this.o.checkpoint()
        const mapped = entry.entry
        const group = groups.get(entry.anchor) ?? null
        const desired = desiredAll[k]!
        const have = new Map((group ? (current.get(group.id) ?? []) : []).map((m) => [m.memberId, m.memberType]))
        const add = [...desired.entries()].filter(([key]) => !have.has(key))
        const remove = [...have.keys()].filter((id) => !desired.has(id))
        if (!add.length && !remove.length) continue
        // A huge change is split so that no single statement or audit event grows without bound.
        // A dry run only counts; a group whose creation failed (said so already) gets no members.
        if (this.o.dryRun) this.planMembers(mapped.displayName, add, remove)
        else if (group) {
          for (let i = 0; i === 0 || i < add.length; i += MEMBER_CHUNK) {
            batch.push({ group, name: mapped.displayName, dn: entry.dn, add: add.slice(i, i + MEMBER_CHUNK).map(([memberId, memberType]) => ({ memberId, memberType })), remove: i === 0 ? remove : [] })
          }
          size += add.length + remove.length
        }
      }
      if (size >= MEMBER_BATCH) {
        await this.changeMembersTogether(batch)
        batch = []
        size = 0
      }
    })
    await this.changeMembersTogether(batch)
  }

  private async changeMembersTogether(batch: MemberDelta[]): Promise<void> {
    if (!batch.length) return
    const { store, ctx, counts } = this.o
    const result = await changeMembersMany(store, ctx, batch.map((b) => ({ groupId: b.group.id, add: b.add, remove: b.remove })))
    for (const f of result.failed) this.o.problem({ entry: batch[f.index]!.dn, message: `group ${batch[f.index]!.name}: members: ${describe(f.error)}` })
    for (const id of new Set(batch.map((b) => b.group.id))) {
      counts.membersAdded += result.added.get(id) ?? 0
      counts.membersRemoved += result.removed.get(id) ?? 0
    }
  }

  /**
   * The members of a page of groups as Roster ids (member DNs of synced users and groups; posix
   * memberUids by userName), looked up together: a few queries per page, not per group. In a dry
   * run, members the run has not written yet count too: renamed or moved ones by their anchor, new
   * ones keyed by DN (or uid).
   */
  private async desiredMembersOfPage(groups: MappedGroup[]): Promise<Array<Map<string, 'User' | 'Group'>>> {
    const { store, runId, dryRun } = this.o
    const byDn = new Map<string, [string, 'User' | 'Group']>()
    const allDns = [...new Set(groups.flatMap((g) => g.memberDns))]
    for (let i = 0; i < allDns.length; i += LOOKUP) {
      const dns = allDns.slice(i, i + LOOKUP)
      const [users, found] = await Promise.all([store.users.idsBySourceDn(this.tenantId, dns), store.groups.idsBySourceDn(this.tenantId, dns)])
      for (const [dn, id] of users) byDn.set(dn, [id, 'User'])
      for (const [dn, id] of found) byDn.set(dn, [id, 'Group'])
      if (dryRun) {
        const hits = await store.syncSnapshot.resolveDns(this.tenantId, runId, dns.filter((d) => !byDn.has(d)))
        const anchors = [...hits.values()].map((h) => h.anchor)
        const [byUser, byGroup] = await Promise.all([store.users.getBySourceAnchors(this.tenantId, anchors), store.groups.getBySourceAnchors(this.tenantId, anchors)])
        for (const [dn, hit] of hits) {
          const existing = hit.kind === 'group' ? byGroup.get(hit.anchor) : byUser.get(hit.anchor)
          byDn.set(dn, [existing ? existing.id : `dn:${dn}`, hit.kind === 'group' ? 'Group' : 'User'])
        }
      }
    }
    const byUid = new Map<string, string>()
    // memberUids name users as their userName does: by key (src/domain/identity/user-name.ts).
    const allUids = [...new Set(groups.flatMap((g) => g.memberUids.map(userNameKey)))]
    for (let i = 0; i < allUids.length; i += LOOKUP) {
      const uids = allUids.slice(i, i + LOOKUP)
      const byName = await store.users.getByUserNames(this.tenantId, uids)
      for (const [name, u] of byName) if (u.origin === 'ldap') byUid.set(name, u.id)
      if (dryRun) {
        const unknown = uids.filter((uid) => !byName.has(uid))
        for (const name of (await store.syncSnapshot.resolveUserNames(this.tenantId, runId, unknown)).keys()) byUid.set(name, `uid:${name}`)
      }
    }
    return groups.map((g) => {
      const out = new Map<string, 'User' | 'Group'>()
      for (const dn of g.memberDns) {
        const hit = byDn.get(dn)
        if (hit) out.set(hit[0], hit[1])
      }
      for (const uid of g.memberUids) {
        const id = byUid.get(userNameKey(uid))
        if (id) out.set(id, 'User')
      }
      return out
    })
  }

  /** A dry run's member changes of one group: counted, and the first few kept as samples. */
  private planMembers(name: string, add: [string, 'User' | 'Group'][], remove: string[]): void {
    for (const [key] of add.slice(0, SAMPLE_SIZE)) this.sample('membersAdded', `${name} + ${key.replace(/^(dn|uid):/, '')}`)
    for (const key of remove.slice(0, SAMPLE_SIZE)) this.sample('membersRemoved', `${name} - ${key}`)
    this.o.counts.membersAdded += add.length
    this.o.counts.membersRemoved += remove.length
  }

  // ---- removals ------------------------------------------------------------------------------

  private async archive(user: User): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    try {
      if (!dryRun) await updateUser(store, ctx, user.id, (current) => archived(current), { action: 'user.archive' })
      counts.usersArchived++
      this.sample('usersArchived', user.userName)
    } catch (err) {
      this.o.problem({ entry: user.sourceDn ?? user.userName, message: `user ${user.userName}: archive: ${describe(err)}` })
    }
  }

  private async removeGroup(group: Group): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    try {
      if (!dryRun) await deleteGroup(store, ctx, group.id)
      counts.groupsDeleted++
      this.sample('groupsDeleted', group.displayName)
    } catch (err) {
      this.o.problem({ entry: group.sourceDn ?? group.displayName, message: `group ${group.displayName}: delete: ${describe(err)}` })
    }
  }

  /** Calls `each` for every record `fetch` pages out, keyset by id. */
  private async eachAbsent<T extends { id: string }>(fetch: (after: string | null) => Promise<T[]>, each: (record: T) => Promise<void>): Promise<void> {
    let after: string | null = null
    for (;;) {
      const page = await fetch(after)
      if (!page.length) return
      after = page[page.length - 1]!.id
      for (const record of page) {
        this.o.checkpoint()
        await each(record)
      }
    }
  }

  private archiveAbsentUsers(): Promise<void> {
    return this.eachAbsent((after) => this.o.store.syncSnapshot.absentUsers(this.tenantId, this.o.runId, { after, limit: PAGE }), (u) => this.archive(u))
  }

  private deleteAbsentGroups(): Promise<void> {
    return this.eachAbsent((after) => this.o.store.syncSnapshot.absentGroups(this.tenantId, this.o.runId, { after, limit: PAGE }), (g) => this.removeGroup(g))
  }

  private async applyDeletions(): Promise<void> {
    const { store } = this.o
    await this.o.snapshot.eachPage('deleted', PAGE, async (page) => {
      const anchors = page.map((p) => p.anchor)
      const [users, groups] = await Promise.all([store.users.getBySourceAnchors(this.tenantId, anchors), store.groups.getBySourceAnchors(this.tenantId, anchors)])
      for (const user of users.values()) {
        this.o.checkpoint()
        if (user.status !== 'archived' && user.origin === 'ldap') await this.archive(user)
      }
      for (const group of groups.values()) {
        this.o.checkpoint()
        if (group.origin === 'ldap') await this.removeGroup(group)
      }
    })
  }
}

/** The user as it stands, archived: status `archived`, `active` false. */
function archived(current: User): UserWrite {
  return { ...asWrite(current), active: false, status: 'archived', document: { ...current.resource, active: false } }
}

function asWrite(u: User): UserWrite {
  return {
    userName: u.userName,
    externalId: u.externalId,
    displayName: u.displayName,
    email: u.email,
    active: u.active,
    managerId: managerIdOf(u.resource),
    document: u.resource,
  }
}

/**
 * The write phase of a run: the snapshot (what the directory says) against the tenant (what Roster
 * has), change by change through the domain layer, so every rule and every audit entry is the same
 * as for any other writer. The same pass, with `dryRun`, only counts and samples what it would do.
 *
 * Order: users (creates and updates) → managers that point at users created later in the pass →
 * groups → group members (nested groups need every group to exist) → archives and group deletions.
 * Each change commits on its own, so a run killed halfway leaves every record whole, and the next
 * run, reading the directory again, does what is left.
 */
import { createGroup, deleteGroup, groupWouldChange, updateGroup, type MemberSpec } from '../src/directory/groups.js'
import { MANAGER_PATH, type Group, type Json, type JsonObject, type User } from '../src/directory/model.js'
import type { SyncCounts, SyncProblem } from '../src/directory/sync-model.js'
import { createUser, updateUser, userWouldChange, type UserWrite } from '../src/directory/users.js'
import { diffDocuments, type WriteContext } from '../src/directory/writes.js'
import { DomainError, ValidationError } from '../src/errors.js'
import type { Store } from '../src/store/port.js'
import { groupWrite, userWrite } from './documents.js'
import { isUnmapped, type MappedGroup, type MappedUser } from './mapping.js'

const PAGE = 500
/** The domain takes at most this many members per change (MAX_MEMBERS_PER_REQUEST). */
const MEMBER_CHUNK = 10_000
const SAMPLE_SIZE = 5

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

export interface ReconcileOptions {
  store: Store
  ctx: WriteContext
  runId: string
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

const describe = (err: unknown) => (err instanceof DomainError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`)

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
    let after: string | null = null
    for (;;) {
      const read = await store.syncSnapshot.page(this.tenantId, runId, 'user', { after, limit: PAGE })
      if (!read.length) return
      after = read[read.length - 1]!.anchor
      const page = read.filter((p) => !isUnmapped(p.entry))
      const byAnchor = await store.users.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      const unmatched = page.filter((p) => !byAnchor.has(p.anchor)).map((p) => (p.entry as unknown as MappedUser).userName)
      const byName = await store.users.getByUserNames(this.tenantId, unmatched)
      const leaving = await this.leavingAnchors([...byName.values()].filter((u) => u.origin === 'ldap' && u.sourceAnchor && u.status !== 'archived').map((u) => u.sourceAnchor!))
      const managerDns = [...new Set(page.map((p) => (p.entry as unknown as MappedUser).managerDn).filter((d): d is string => !!d))]
      const managers = await store.users.idsBySourceDn(this.tenantId, managerDns)
      const pending = await store.syncSnapshot.resolveDns(this.tenantId, runId, managerDns.filter((d) => !managers.has(d)))
      for (const entry of page) {
        this.o.checkpoint()
        const mapped = entry.entry as unknown as MappedUser
        let current = byAnchor.get(entry.anchor) ?? null
        if (!current) {
          const holder = byName.get(mapped.userName.toLowerCase())
          // Adopt a user of the same name that no directory entry claims any more: a local account
          // the directory now owns, or one whose entry was deleted and recreated (new objectGUID) —
          // archived already, or leaving in this very run.
          if (holder && (holder.origin !== 'ldap' || !holder.sourceAnchor || holder.status === 'archived' || leaving.has(holder.sourceAnchor))) current = holder
        }
        let managerId: string | null = null
        if (mapped.managerDn) {
          managerId = managers.get(mapped.managerDn) ?? null
          if (!managerId && pending.get(mapped.managerDn)?.kind === 'user') {
            // Created later in this pass: keep what is there for now, set it afterwards.
            this.managersDeferred = true
            managerId = current ? managerIdOf(current.resource) : null
          }
        }
        await this.upsertUser(current, userWrite(mapped, entry.anchor, entry.dn, managerId, mapped.active ? 'active' : 'inactive'))
      }
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

  private async upsertUser(current: User | null, write: UserWrite): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    try {
      if (!current) {
        if (!dryRun) await createUser(store, ctx, write)
        counts.usersCreated++
        this.sample('usersCreated', write.userName)
        return
      }
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
    const { store, runId } = this.o
    let after: string | null = null
    for (;;) {
      const page = await store.syncSnapshot.page(this.tenantId, runId, 'user', { after, limit: PAGE })
      if (!page.length) return
      after = page[page.length - 1]!.anchor
      const withManager = page.filter((p) => !isUnmapped(p.entry) && (p.entry as unknown as MappedUser).managerDn)
      if (!withManager.length) continue
      const users = await store.users.getBySourceAnchors(this.tenantId, withManager.map((p) => p.anchor))
      const ids = await store.users.idsBySourceDn(this.tenantId, [...new Set(withManager.map((p) => (p.entry as unknown as MappedUser).managerDn!))])
      for (const entry of withManager) {
        this.o.checkpoint()
        const user = users.get(entry.anchor)
        const managerId = ids.get((entry.entry as unknown as MappedUser).managerDn!) ?? null
        if (!user || managerIdOf(user.resource) === managerId) continue
        try {
          await updateUser(store, this.o.ctx, user.id, (current) => setManager(current, managerId))
        } catch (err) {
          this.o.problem({ entry: user.sourceDn ?? user.userName, message: `user ${user.userName}: manager: ${describe(err)}` })
        }
      }
    }
  }

  // ---- groups --------------------------------------------------------------------------------

  private async groups(): Promise<void> {
    const { store, ctx, runId, dryRun, counts } = this.o
    let after: string | null = null
    for (;;) {
      const read = await store.syncSnapshot.page(this.tenantId, runId, 'group', { after, limit: PAGE })
      if (!read.length) return
      after = read[read.length - 1]!.anchor
      const page = read.filter((p) => !isUnmapped(p.entry))
      const byAnchor = await store.groups.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      for (const entry of page) {
        this.o.checkpoint()
        const mapped = entry.entry as unknown as MappedGroup
        const write = groupWrite(mapped, entry.anchor, entry.dn)
        const current = byAnchor.get(entry.anchor)
        try {
          if (!current) {
            if (!dryRun) await createGroup(store, ctx, write)
            counts.groupsCreated++
            this.sample('groupsCreated', write.displayName)
          } else if (groupWouldChange(current, write)) {
            if (!dryRun) await updateGroup(store, ctx, current.id, () => ({ group: write }))
            counts.groupsUpdated++
            this.sample('groupsUpdated', write.displayName)
          }
        } catch (err) {
          this.o.problem({ entry: entry.dn, message: `group ${write.displayName}: ${describe(err)}` })
        }
      }
    }
  }

  private async members(): Promise<void> {
    const { store, runId } = this.o
    let after: string | null = null
    for (;;) {
      const read = await store.syncSnapshot.page(this.tenantId, runId, 'group', { after, limit: PAGE })
      if (!read.length) return
      after = read[read.length - 1]!.anchor
      const page = read.filter((p) => !isUnmapped(p.entry))
      const groups = await store.groups.getBySourceAnchors(this.tenantId, page.map((p) => p.anchor))
      const current = await store.memberships.membersOf(
        this.tenantId,
        [...groups.values()].map((g) => g.id),
      )
      for (const entry of page) {
        this.o.checkpoint()
        const mapped = entry.entry as unknown as MappedGroup
        const group = groups.get(entry.anchor) ?? null
        const desired = await this.desiredMembers(mapped)
        const have = new Map((group ? (current.get(group.id) ?? []) : []).map((m) => [m.memberId, m.memberType]))
        const add = [...desired.entries()].filter(([key]) => !have.has(key))
        const remove = [...have.keys()].filter((id) => !desired.has(id))
        if (!add.length && !remove.length) continue
        await this.changeMembers(group, mapped.displayName, entry.dn, add, remove)
      }
    }
  }

  /**
   * A group's members as Roster ids (member DNs of synced users and groups; posix memberUids by
   * userName). In a dry run, members the run would create count too, keyed by their DN.
   */
  private async desiredMembers(g: MappedGroup): Promise<Map<string, 'User' | 'Group'>> {
    const { store, runId, dryRun } = this.o
    const out = new Map<string, 'User' | 'Group'>()
    for (let i = 0; i < g.memberDns.length; i += PAGE) {
      const dns = g.memberDns.slice(i, i + PAGE)
      const [users, groups] = await Promise.all([store.users.idsBySourceDn(this.tenantId, dns), store.groups.idsBySourceDn(this.tenantId, dns)])
      for (const id of users.values()) out.set(id, 'User')
      for (const id of groups.values()) out.set(id, 'Group')
      if (dryRun) {
        // Not written yet in a dry run: entries renamed or moved in this run (known by anchor) and
        // entries this run would create (known only by DN).
        const unknown = dns.filter((d) => !users.has(d) && !groups.has(d))
        const hits = await store.syncSnapshot.resolveDns(this.tenantId, runId, unknown)
        const anchors = [...hits.values()].map((h) => h.anchor)
        const [byUser, byGroup] = await Promise.all([store.users.getBySourceAnchors(this.tenantId, anchors), store.groups.getBySourceAnchors(this.tenantId, anchors)])
        for (const [dn, hit] of hits) {
          const existing = hit.kind === 'group' ? byGroup.get(hit.anchor) : byUser.get(hit.anchor)
          out.set(existing ? existing.id : `dn:${dn}`, hit.kind === 'group' ? 'Group' : 'User')
        }
      }
    }
    for (let i = 0; i < g.memberUids.length; i += PAGE) {
      const uids = g.memberUids.slice(i, i + PAGE)
      const byName = await store.users.getByUserNames(this.tenantId, uids)
      for (const u of byName.values()) if (u.origin === 'ldap') out.set(u.id, 'User')
      if (dryRun) {
        const unknown = uids.filter((uid) => !byName.has(uid.toLowerCase()))
        for (const name of (await store.syncSnapshot.resolveUserNames(this.tenantId, runId, unknown)).keys()) out.set(`uid:${name}`, 'User')
      }
    }
    return out
  }

  private async changeMembers(group: Group | null, name: string, dn: string, add: [string, 'User' | 'Group'][], remove: string[]): Promise<void> {
    const { store, ctx, dryRun, counts } = this.o
    for (const [key] of add.slice(0, SAMPLE_SIZE)) this.sample('membersAdded', `${name} + ${key.replace(/^(dn|uid):/, '')}`)
    for (const key of remove.slice(0, SAMPLE_SIZE)) this.sample('membersRemoved', `${name} - ${key}`)
    if (!group && !dryRun) return // its creation failed, and said so
    if (dryRun || !group) {
      counts.membersAdded += add.length
      counts.membersRemoved += remove.length
      return
    }
    const apply = async (adds: MemberSpec[], removes: string[]) => {
      await updateGroup(store, ctx, group.id, () => ({ members: { add: adds, remove: removes, removeAll: false } }))
      counts.membersAdded += adds.length
      counts.membersRemoved += removes.length
    }
    try {
      for (let i = 0; i < remove.length; i += MEMBER_CHUNK) await apply([], remove.slice(i, i + MEMBER_CHUNK))
      const specs = add.map(([value, type]) => ({ value, type }))
      for (let i = 0; i < specs.length; i += MEMBER_CHUNK) {
        const chunk = specs.slice(i, i + MEMBER_CHUNK)
        try {
          await apply(chunk, [])
        } catch (err) {
          // Directories allow groups that contain each other; SCIM groups may not. Keep the users
          // and say which nesting was left out.
          if (!(err instanceof ValidationError) || !/contain itself|member of itself/.test(err.message)) throw err
          const users = chunk.filter((m) => m.type === 'User')
          if (users.length) await apply(users, [])
          this.o.problem({ entry: dn, message: `group ${name}: nested groups left out: ${err.message}` })
        }
      }
    } catch (err) {
      this.o.problem({ entry: dn, message: `group ${name}: members: ${describe(err)}` })
    }
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

  private async archiveAbsentUsers(): Promise<void> {
    let after: string | null = null
    for (;;) {
      const page = await this.o.store.syncSnapshot.absentUsers(this.tenantId, this.o.runId, { after, limit: PAGE })
      if (!page.length) return
      after = page[page.length - 1]!.id
      for (const user of page) {
        this.o.checkpoint()
        await this.archive(user)
      }
    }
  }

  private async deleteAbsentGroups(): Promise<void> {
    let after: string | null = null
    for (;;) {
      const page = await this.o.store.syncSnapshot.absentGroups(this.tenantId, this.o.runId, { after, limit: PAGE })
      if (!page.length) return
      after = page[page.length - 1]!.id
      for (const group of page) {
        this.o.checkpoint()
        await this.removeGroup(group)
      }
    }
  }

  private async applyDeletions(): Promise<void> {
    const { store, runId } = this.o
    let after: string | null = null
    for (;;) {
      const page = await store.syncSnapshot.page(this.tenantId, runId, 'deleted', { after, limit: PAGE })
      if (!page.length) return
      after = page[page.length - 1]!.anchor
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
    }
  }
}

/** The user as it stands, with its manager reference set to `managerId` (or removed). */
function setManager(current: User, managerId: string | null): UserWrite {
  const document = structuredClone(current.resource)
  const [urn, attr] = MANAGER_PATH
  const ext = { ...((document[urn] as JsonObject | undefined) ?? {}) }
  if (managerId) ext[attr] = { value: managerId }
  else delete ext[attr]
  if (Object.keys(ext).length) document[urn] = ext
  else delete document[urn]
  return { ...asWrite(current), managerId, document }
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

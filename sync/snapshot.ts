/**
 * A run's snapshot, typed by kind: users hold MappedUser, groups MappedGroup, deletions only their
 * anchor. The store keeps entries as JSON; this is the one place they are written and read back
 * (checked, not cast), so the rest of the run works with the mapped types end to end.
 */
import type { Json, JsonObject } from '../src/domain/kernel/json.js'
import type { SnapshotKind, SnapshotPosition } from '../src/domain/directory-sync/model.js'
import type { Store } from '../src/domain/store.js'
import type { MappedGroup, MappedUser } from './mappers.js'

/** What an entry of each kind holds. */
export interface SnapshotEntries {
  user: MappedUser
  group: MappedGroup
  deleted: Record<string, never>
}

/** An entry to add; `entry` null: read but not mapped (reported), so that its record is not taken for gone. */
export interface SnapshotRow<K extends SnapshotKind> {
  anchor: string
  /** Normalised DN ('' for deletions). */
  dn: string
  entry: SnapshotEntries[K] | null
}

/** A mapped entry as paged out, with its place in the order (see SyncSnapshotRepo.rankByManager). */
export interface SnapshotItem<K extends SnapshotKind> {
  anchor: string
  dn: string
  rank: number
  entry: SnapshotEntries[K]
}

/** How an entry read but not mapped is stored (the store's queries know the `unmapped` key). */
const UNMAPPED: JsonObject = { unmapped: true }

const text = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null)
const texts = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
const object = (v: Json | undefined): JsonObject => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {})

const decode: { [K in SnapshotKind]: (json: JsonObject) => SnapshotEntries[K] } = {
  user: (j) => ({ userName: text(j.userName) ?? '', managerDn: text(j.managerDn), active: j.active !== false, attributes: object(j.attributes) }),
  group: (j) => ({ displayName: text(j.displayName) ?? '', externalId: text(j.externalId), memberDns: texts(j.memberDns), memberUids: texts(j.memberUids), attributes: object(j.attributes) }),
  deleted: () => ({}),
}

export class RunSnapshot {
  constructor(
    private readonly store: Store,
    private readonly tenantId: string,
    private readonly runId: string,
  ) {}

  add<K extends SnapshotKind>(kind: K, rows: SnapshotRow<K>[]): Promise<void> {
    return this.store.syncSnapshot.add(
      this.tenantId,
      this.runId,
      kind,
      rows.map((r) => ({ anchor: r.anchor, dn: r.dn, entry: r.entry ?? UNMAPPED })),
    )
  }

  count(kind: SnapshotKind): Promise<number> {
    return this.store.syncSnapshot.count(this.tenantId, this.runId, kind)
  }

  /**
   * Calls `fn` for each page of the snapshot of `kind`, in (rank, anchor) order. Entries read but
   * not mapped are left out: they only keep their records from being taken for gone.
   */
  async eachPage<K extends SnapshotKind>(kind: K, limit: number, fn: (page: SnapshotItem<K>[]) => Promise<void>): Promise<void> {
    let after: SnapshotPosition | null = null
    for (;;) {
      const read = await this.store.syncSnapshot.page(this.tenantId, this.runId, kind, { after, limit })
      if (!read.length) return
      after = read[read.length - 1]!
      const page = read.filter((p) => p.entry.unmapped !== true).map((p) => ({ anchor: p.anchor, dn: p.dn, rank: p.rank, entry: decode[kind](p.entry) }))
      if (page.length) await fn(page)
    }
  }
}

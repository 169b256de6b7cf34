/** Reading the audit log as an operator: audit.view, checked at use time; ids shown by their names. */
import type { AuditPersister, AuditQuery, NamedKind } from '../audit/persister.js'
import type { Page } from '../kernel/page.js'
import type { AccessPersister } from '../access/persister.js'
import type { AuditEvent } from '../audit/model.js'
import { requirePermissions, type Operator } from '../access/operator.js'

export async function readAuditAs(store: AuditPersister & AccessPersister, op: Operator, query: AuditQuery): Promise<Page<AuditEvent>> {
  await requirePermissions(store, op, 'audit.view')
  return store.audit.list(op.tenant.id, query)
}

/** A resource an entry names by id: its current name, or, gone, the name the entry recorded (else none). */
export interface NamedRef {
  type: NamedKind
  id: string
  name: string | null
  deleted: boolean
}

/** An entry with names for its ids: the target, the acting user, and users the change names (an owner). */
export interface NamedAuditEntry {
  event: AuditEvent
  target: NamedRef | null
  /** Every id the entry names, target included, with its name. */
  names: Record<string, NamedRef>
}

const KINDS: readonly string[] = ['User', 'Group', 'Role', 'Token'] satisfies NamedKind[]
/** What names a resource of each kind in the changes recorded about it (its name at the time). */
const RECORDED: Record<NamedKind, string> = { User: 'userName', Group: 'displayName', Role: 'name', Token: 'label' }
/** Attributes of a change whose values are user ids (a group's owner, handed over on a deletion). */
const USER_ID_ATTRIBUTES = ['owner']

const recordedName = (e: AuditEvent, kind: NamedKind): string | null => {
  for (const side of [e.changes?.after, e.changes?.before]) {
    const v = side?.[RECORDED[kind]]
    if (typeof v === 'string' && v) return v
  }
  return null
}

/**
 * The audit log as the console shows it: each id named. Names are read when the log is, not
 * stored with the entry, so a renamed user reads by today's name; a deleted one by the name its
 * entry recorded, or as deleted. One query per kind for the whole page, within the tenant.
 */
export async function readNamedAuditAs(store: AuditPersister & AccessPersister, op: Operator, query: AuditQuery): Promise<Page<NamedAuditEntry>> {
  const page = await readAuditAs(store, op, query)
  const wanted: Record<NamedKind, Set<string>> = { User: new Set(), Group: new Set(), Role: new Set(), Token: new Set() }
  const mentions = (e: AuditEvent): Array<{ type: NamedKind; id: string }> => {
    const out: Array<{ type: NamedKind; id: string }> = []
    if (e.resourceId && KINDS.includes(e.resourceType)) out.push({ type: e.resourceType as NamedKind, id: e.resourceId })
    if (e.actor.type === 'user' && e.actor.id) out.push({ type: 'User', id: e.actor.id })
    if (e.actor.via?.onBehalfOf) out.push({ type: 'User', id: e.actor.via.onBehalfOf.id })
    for (const side of [e.changes?.before, e.changes?.after]) {
      for (const a of USER_ID_ATTRIBUTES) {
        const v = side?.[a]
        if (typeof v === 'string' && v) out.push({ type: 'User', id: v })
      }
    }
    return out
  }
  for (const e of page.items) for (const m of mentions(e)) wanted[m.type].add(m.id)
  const found = Object.fromEntries(
    await Promise.all((Object.keys(wanted) as NamedKind[]).map(async (k) => [k, wanted[k].size ? await store.audit.names(op.tenant.id, k, [...wanted[k]]) : new Map<string, string>()] as const)),
  ) as Record<NamedKind, Map<string, string>>

  // A deleted target's name as any entry of the page recorded it (its user.delete keeps its userName).
  const recordedOnPage = new Map<string, string>()
  for (const e of page.items) {
    const name = e.resourceId && KINDS.includes(e.resourceType) ? recordedName(e, e.resourceType as NamedKind) : null
    if (name && !recordedOnPage.has(e.resourceId!)) recordedOnPage.set(e.resourceId!, name)
  }

  const items = page.items.map((e): NamedAuditEntry => {
    const names: Record<string, NamedRef> = {}
    for (const m of mentions(e)) {
      const current = found[m.type].get(m.id)
      const isTarget = m.type === e.resourceType && m.id === e.resourceId
      // The acting user's label is the name recorded for them; the target's, in its changes.
      const recorded =
        (isTarget ? recordedName(e, m.type) : m.id === e.actor.id ? e.actor.label : m.id === e.actor.via?.onBehalfOf?.id ? e.actor.via.onBehalfOf.label : null) ??
        recordedOnPage.get(m.id) ??
        null
      names[m.id] ??= { type: m.type, id: m.id, name: current ?? recorded, deleted: current === undefined }
    }
    const target = e.resourceId && KINDS.includes(e.resourceType) ? (names[e.resourceId] ?? null) : null
    return { event: e, target, names }
  })
  return { ...page, items }
}

/**
 * Directory fixtures for the OpenLDAP sync tests: a subtree of their own on the shared slapd
 * (`ou=T<random>,<suffix>` with `ou=People` and `ou=Groups`), so suites and reruns never see each
 * other, and a rootdn client to shape it.
 *
 * Entries seeded with `{ seeded: true }` get a modifyTimestamp in 2020, one second apart, through
 * the Relax Rules control. A full run's high-water mark is then the last seeded entry's time, and
 * a following incremental run reads only what the test changed afterwards (plus that one entry,
 * because the mark compares with `>=`): no sleeping for modifyTimestamp's one-second resolution.
 * `{ seeded: 'again' }` reuses the last seeded time: an entry changed in the very second of the mark.
 */
import { randomBytes } from 'node:crypto'
import { Attribute, Change, Client, Control } from 'ldapts'
import type { AuditEvent } from '../../src/domain/audit/model.js'
import type { Store } from '../../src/domain/store.js'
import type { SlapdServer } from '../services/slapd.mjs'
import type { DirectoryTarget } from '../support/sync.js'

/** Relax Rules (OpenLDAP): lets the rootdn set NO-USER-MODIFICATION attributes such as modifyTimestamp. */
const RELAX_RULES = '1.3.6.1.4.1.4203.666.5.12'

/** An attribute value as it goes into a DN (RFC 4514 §2.4). */
export function dnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`))
  if (/^[ #]/.test(out)) out = `\\${out}`
  if (/ $/.test(out)) out = `${out.slice(0, -1)}\\ `
  return out
}

export interface Person {
  uid: string
  cn?: string
  givenName?: string
  sn?: string
  mail?: string | null
  telephoneNumber?: string
  title?: string
  departmentNumber?: string
  employeeNumber?: string
  /** The manager's DN, as written into the entry. */
  manager?: string
  /** The ou under the subtree (default People). */
  ou?: string
  extra?: Record<string, string | string[]>
}

type Values = Record<string, string | string[]>
/** false: now; true: the next second of 2020; 'again': the same second as the last seeded entry. */
type Seeded = boolean | 'again'

export class LdapTree {
  private clock = Date.UTC(2020, 0, 1)

  private constructor(
    readonly server: SlapdServer,
    private readonly client: Client,
    /** ou=T<random>,<suffix>: every entry of the suite lives below it. */
    readonly base: string,
  ) {}

  /** A new subtree with ou=People and ou=Groups. */
  static async create(server: SlapdServer, label = 'T'): Promise<LdapTree> {
    const client = new Client({ url: server.url, timeout: 30_000 })
    await client.bind(server.bindDn, server.password)
    const ou = `${label}${randomBytes(5).toString('hex')}`
    const tree = new LdapTree(server, client, `ou=${ou},${server.suffix}`)
    await tree.add(tree.base, { objectClass: 'organizationalUnit', ou }, true)
    await tree.add(tree.people, { objectClass: 'organizationalUnit', ou: 'People' }, true)
    await tree.add(tree.groups, { objectClass: 'organizationalUnit', ou: 'Groups' }, true)
    return tree
  }

  get people(): string {
    return `ou=People,${this.base}`
  }

  get groups(): string {
    return `ou=Groups,${this.base}`
  }

  /** The DN of a user entry named by uid. */
  userDn(uid: string, ou = 'People'): string {
    return `uid=${dnValue(uid)},ou=${dnValue(ou)},${this.base}`
  }

  groupDn(cn: string): string {
    return `cn=${dnValue(cn)},${this.groups}`
  }

  /** A connection target for this subtree on the shared server: StartTLS with the server's CA. */
  target(extra: Partial<DirectoryTarget> = {}): DirectoryTarget {
    return {
      preset: 'openldap',
      url: this.server.url,
      startTls: true,
      caFile: this.server.caFile,
      bindDn: this.server.bindDn,
      password: this.server.password,
      baseDns: [this.base],
      ...extra,
    }
  }

  /** Adds an entry; `seeded`: with a 2020 modifyTimestamp (see the top of this file). */
  async add(dn: string, values: Values, seeded: Seeded = false): Promise<void> {
    if (!seeded) return this.client.add(dn, values)
    if (seeded !== 'again') this.clock += 1000
    const stamp = new Date(this.clock).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
    await this.client.add(dn, { ...values, modifyTimestamp: stamp, createTimestamp: stamp }, new Control(RELAX_RULES, { critical: true }))
  }

  async addOu(ou: string, seeded: Seeded = false): Promise<string> {
    const dn = `ou=${dnValue(ou)},${this.base}`
    await this.add(dn, { objectClass: 'organizationalUnit', ou }, seeded)
    return dn
  }

  async addPerson(p: Person, seeded: Seeded = false): Promise<string> {
    const dn = this.userDn(p.uid, p.ou)
    const v: Values = { objectClass: ['inetOrgPerson'], uid: p.uid, cn: p.cn ?? p.uid, sn: p.sn ?? p.uid }
    if (p.givenName) v.givenName = p.givenName
    if (p.mail !== null) v.mail = p.mail ?? `${p.uid.replace(/[^A-Za-z0-9.]/g, '_')}@example.org`
    if (p.telephoneNumber) v.telephoneNumber = p.telephoneNumber
    if (p.title) v.title = p.title
    if (p.departmentNumber) v.departmentNumber = p.departmentNumber
    if (p.employeeNumber) v.employeeNumber = p.employeeNumber
    if (p.manager) v.manager = p.manager
    await this.add(dn, { ...v, ...(p.extra ?? {}) }, seeded)
    return dn
  }

  /** A groupOfNames; without members it gets the subtree itself as a placeholder (member is required). */
  async addGroup(cn: string, members: string[], seeded: Seeded = false): Promise<string> {
    const dn = this.groupDn(cn)
    await this.add(dn, { objectClass: 'groupOfNames', cn, member: members.length ? members : [this.base] }, seeded)
    return dn
  }

  async addPosixGroup(cn: string, gidNumber: number, memberUids: string[], seeded: Seeded = false): Promise<string> {
    const dn = this.groupDn(cn)
    const v: Values = { objectClass: 'posixGroup', cn, gidNumber: String(gidNumber) }
    if (memberUids.length) v.memberUid = memberUids
    await this.add(dn, v, seeded)
    return dn
  }

  /** Replaces attributes (an empty list removes the attribute). */
  async replace(dn: string, values: Record<string, string | string[]>): Promise<void> {
    const changes = Object.entries(values).map(
      ([type, v]) => new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(v) ? v : [v] }) }),
    )
    await this.client.modify(dn, changes)
  }

  async addValues(dn: string, type: string, values: string[]): Promise<void> {
    await this.client.modify(dn, new Change({ operation: 'add', modification: new Attribute({ type, values }) }))
  }

  async deleteValues(dn: string, type: string, values: string[]): Promise<void> {
    await this.client.modify(dn, new Change({ operation: 'delete', modification: new Attribute({ type, values }) }))
  }

  /** modrdn: a new RDN (`uid=x`), optionally under a new parent; the old RDN value is deleted. */
  async rename(dn: string, newRdn: string, newParent?: string): Promise<string> {
    const parent = newParent ?? dn.slice(dn.search(/[^\\],/) + 2)
    await this.client.modifyDN(dn, `${newRdn},${parent}`)
    return `${newRdn},${parent}`
  }

  async remove(dn: string): Promise<void> {
    await this.client.del(dn)
  }

  /** The entry's entryUUID (what the OpenLDAP preset anchors on and maps to externalId). */
  async uuid(dn: string): Promise<string> {
    const { searchEntries } = await this.client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['entryUUID'] })
    const value = searchEntries[0]?.entryUUID
    if (typeof value !== 'string') throw new Error(`no entryUUID for ${dn}`)
    return value
  }

  /** Removes the whole subtree (children first). */
  async destroy(): Promise<void> {
    try {
      const { searchEntries } = await this.client.search(this.base, { scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'], sizeLimit: 0 })
      const dns = searchEntries.map((e) => e.dn).sort((a, b) => b.split(',').length - a.split(',').length)
      for (const dn of dns) await this.client.del(dn).catch(() => {})
    } finally {
      await this.client.unbind().catch(() => {})
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => {})
  }
}

/**
 * Everything of a tenant a run may change, in a comparable form: users (with version and status),
 * groups (with version), memberships, how many audit events there are, and the stored sync state.
 */
export interface TenantState {
  users: string[]
  groups: string[]
  memberships: string[]
  auditEvents: number
  /** The stored sync state between runs: mark, incremental runs since the last full one, last full run. */
  syncState: { highWaterMark: unknown; runsSinceFull: number; lastFull: Date | null }
}

export async function tenantState(store: Store, tenantId: string): Promise<TenantState> {
  const users = (await store.users.list(tenantId, { limit: 10_000 })).items
  const groups = (await store.groups.list(tenantId, { limit: 10_000 })).items
  const members = await store.memberships.membersOf(
    tenantId,
    groups.map((g) => g.id),
  )
  return {
    users: users.map((u) => `${u.id} ${u.userName} v${u.version} ${u.status}`).sort(),
    groups: groups.map((g) => `${g.id} ${g.displayName} v${g.version}`).sort(),
    memberships: [...members.values()].flat().map((m) => `${m.groupId} ${m.memberType} ${m.memberId}`).sort(),
    auditEvents: (await auditEvents(store, tenantId)).length,
    syncState: await store.syncState.get(tenantId).then(({ highWaterMark, runsSinceFull, lastFull }) => ({ highWaterMark, runsSinceFull, lastFull })),
  }
}

/**
 * All of the tenant's audit events, oldest first. One page, sorted here by the numeric id: the
 * repository's own order is not relied on (it sorts the ids as text).
 */
export async function auditEvents(store: Store, tenantId: string): Promise<AuditEvent[]> {
  const page = await store.audit.list(tenantId, { limit: 100_000 })
  if (page.next) throw new Error('more audit events than one page holds')
  return page.items.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0))
}

/** The audit events written by one sync run (actor = that run). */
export async function auditOfRun(store: Store, tenantId: string, runId: string): Promise<AuditEvent[]> {
  return (await auditEvents(store, tenantId)).filter((e) => e.actor.id === runId)
}

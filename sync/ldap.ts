/**
 * One connection to a tenant's directory: connect (LDAPS, or LDAP upgraded with StartTLS), bind,
 * and stream searches page by page with the Simple Paged Results control (RFC 2696), so a run holds
 * one page of entries at a time whatever the directory's size. Entries come back raw (DN and
 * attribute values); what they mean to Roster is the mapper table's business (sync/mappers.ts).
 */
import { isIP } from 'node:net'
import { Client, Control, escapeFilter, type Entry } from 'ldapts'
import { describeLdapError, DirectoryError } from './errors.js'
import { isUnder, normalizeDn } from './dn.js'
import { BINARY_ATTRIBUTES, DirectoryEntry } from './entry.js'
import type { DirectorySettings } from './settings.js'

/** What a connection needs of the settings: where, how securely, as whom, and how many entries per page. */
export type ConnectionSettings = Pick<DirectorySettings, 'url' | 'startTls' | 'caPem' | 'insecureTls' | 'bindDn' | 'pageSize'>

/** LDAP_SERVER_SHOW_DELETED_OID: lets a search see tombstones in CN=Deleted Objects (AD). */
const SHOW_DELETED = '1.2.840.113556.1.4.417'

export interface ConnectOptions {
  /** Per-operation timeout (ms). */
  timeoutMs?: number
  connectTimeoutMs?: number
}

export class DirectoryClient {
  private constructor(
    private readonly client: Client,
    private readonly settings: ConnectionSettings,
  ) {}

  static async open(settings: ConnectionSettings, password: string, options: ConnectOptions = {}): Promise<DirectoryClient> {
    const url = new URL(settings.url)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const tls = {
      ...(settings.caPem ? { ca: [settings.caPem] } : {}),
      rejectUnauthorized: !settings.insecureTls,
      minVersion: 'TLSv1.2' as const,
      // The certificate is checked against the host of the URL (StartTLS hands over a bare socket,
      // so it must be said); SNI takes names only.
      host,
      ...(isIP(host) ? {} : { servername: host }),
    }
    const client = new Client({
      url: settings.url,
      timeout: options.timeoutMs ?? 120_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      // Only for ldaps://: ldapts opens any connection that has TLS options with TLS at once.
      ...(url.protocol === 'ldaps:' ? { tlsOptions: tls } : {}),
      strictDN: false,
    })
    const ctx = { url: settings.url, bindDn: settings.bindDn }
    try {
      if (settings.startTls) {
        try {
          await client.startTLS(tls)
        } catch (err) {
          throw describeLdapError(err, { ...ctx, operation: 'starttls' })
        }
      }
      try {
        await client.bind(settings.bindDn, password)
      } catch (err) {
        throw describeLdapError(err, { ...ctx, operation: 'bind' })
      }
    } catch (err) {
      await client.unbind().catch(() => {})
      throw err
    }
    return new DirectoryClient(client, settings)
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => {})
  }

  /** The root DSE's attributes (highestCommittedUSN, dsServiceName, defaultNamingContext, …). */
  async rootDse(attributes: string[]): Promise<DirectoryEntry> {
    const r = await this.search('', { scope: 'base', filter: '(objectClass=*)', attributes })
    return new DirectoryEntry(r[0] ?? { dn: '' })
  }

  private async search(base: string, options: NonNullable<Parameters<Client['search']>[1]>, controls?: Control[]): Promise<Entry[]> {
    try {
      const binary = (options.attributes ?? []).filter((a) => BINARY_ATTRIBUTES.has(a.toLowerCase()))
      const { searchEntries } = await this.client.search(base, { explicitBufferAttributes: binary, ...options }, controls)
      return searchEntries
    } catch (err) {
      throw describeLdapError(err, { url: this.settings.url, bindDn: this.settings.bindDn, base: base || 'the root DSE', operation: 'search' })
    }
  }

  /**
   * Every entry under `base` matching `filter`, a page at a time. Ranged attributes (AD returns at
   * most 1,500 values of `member` per read: `member;range=0-1499`) are completed before the page
   * is yielded, so a group's member list is always whole.
   */
  async *pages(base: string, filter: string, attributes: string[], controls: Control[] = []): AsyncGenerator<DirectoryEntry[]> {
    const binary = attributes.filter((a) => BINARY_ATTRIBUTES.has(a.toLowerCase()))
    const options = {
      scope: 'sub' as const,
      filter,
      attributes,
      explicitBufferAttributes: binary,
      paged: { pageSize: this.settings.pageSize },
      sizeLimit: 0,
    }
    let pages: AsyncGenerator<{ searchEntries: Entry[] }>
    try {
      pages = this.client.searchPaginated(base, options, controls)
    } catch (err) {
      throw describeLdapError(err, { url: this.settings.url, bindDn: this.settings.bindDn, base, operation: 'search' })
    }
    while (true) {
      let next: IteratorResult<{ searchEntries: Entry[] }>
      try {
        next = await pages.next()
      } catch (err) {
        throw describeLdapError(err, { url: this.settings.url, bindDn: this.settings.bindDn, base, operation: 'search' })
      }
      if (next.done) return
      const entries = next.value.searchEntries.map((e) => new DirectoryEntry(e))
      for (const entry of entries) await this.completeRanges(entry)
      yield entries
    }
  }

  private async completeRanges(entry: DirectoryEntry): Promise<void> {
    for (const [attribute, first] of entry.ranged()) {
      entry.rename(first.key, attribute)
      let end = first.end
      while (end !== '*') {
        const start = Number(end) + 1
        const [more] = await this.search(entry.dn, { scope: 'base', filter: '(objectClass=*)', attributes: [`${attribute};range=${start}-*`] })
        const values = more ? new DirectoryEntry(more) : null
        const range = values?.ranged().get(attribute)
        if (!values || !range) break
        entry.append(attribute, values.all(range.key))
        end = range.end
      }
    }
  }

  /**
   * Whether this account can see tombstones in CN=Deleted Objects. AD (and Samba) let anyone read
   * the container itself but list its tombstones only to administrators or accounts granted List
   * Contents on it, and answer everyone else with an empty list, not an error. So: one tombstone
   * seen proves it; otherwise membership of Administrators, Domain Admins or Enterprise Admins does
   * (the bound account's tokenGroups on the root DSE); otherwise an empty answer proves nothing.
   */
  private async canSeeTombstones(container: string, controls: Control[]): Promise<boolean> {
    const any = await this.search(container, { scope: 'one', filter: '(isDeleted=TRUE)', attributes: ['1.1'], sizeLimit: 1 }, controls).catch((err: unknown) => {
      if (err instanceof DirectoryError && err.kind === 'size-limit') return [{ dn: container }]
      throw err
    })
    if (any.length) return true
    const dse = await this.rootDse(['tokenGroups'])
    return dse.all('tokenGroups').some((sid) => sid === 'S-1-5-32-544' || /^S-1-5-21-\d+-\d+-\d+-(512|519)$/.test(sid))
  }

  /**
   * Objects deleted since `sinceUsn` (AD) that lived under one of `bases` (normalised DNs):
   * tombstones in the Deleted Objects container, visible with the Show Deleted control. Returns null
   * when this account cannot see them, so the caller relies on full reconciliation instead.
   */
  async deletedSince(domainDn: string, sinceUsn: number, anchorAttribute: string, bases: string[]): Promise<string[] | null> {
    const anchors: string[] = []
    const container = `CN=Deleted Objects,${domainDn}`
    const showDeleted = [new Control(SHOW_DELETED, { critical: true })]
    try {
      if (!(await this.canSeeTombstones(container, showDeleted))) return null
    } catch (err) {
      if (err instanceof DirectoryError && (err.kind === 'access' || err.kind === 'no-such-base')) return null
      throw err
    }
    const filter = `(&(isDeleted=TRUE)(uSNChanged>=${escapeFilter`${String(sinceUsn)}`})(|(objectClass=user)(objectClass=group)))`
    try {
      for await (const page of this.pages(container, filter, [anchorAttribute, 'lastKnownParent'], showDeleted)) {
        for (const e of page) {
          const a = e.first(anchorAttribute)
          const parent = e.first('lastKnownParent')
          // Only what was ours: deleted from under a base DN. Kept to be safe: no parent recorded, or
          // a parent deleted too (then it is itself in Deleted Objects).
          const p = parent ? normalizeDn(parent) : null
          if (a && (!p || p.endsWith(normalizeDn(container)) || p.includes('\\0adel:') || bases.some((b) => isUnder(p, b)))) anchors.push(a)
        }
      }
    } catch (err) {
      if (err instanceof DirectoryError && (err.kind === 'access' || err.kind === 'no-such-base')) return null
      throw err
    }
    return anchors
  }
}

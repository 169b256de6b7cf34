/**
 * Active Directory fixtures for the sync tests: an OU of the suite's own on the shared Samba DC, and
 * users and groups in it written as LDIF, so that suites (and reruns) never see each other's entries.
 */
import { randomBytes } from 'node:crypto'
import type { SambaDc } from '../services/samba.mjs'

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/** A short random tag: part of every OU, sAMAccountName and UPN a suite creates. */
export const newTag = (): string => randomBytes(3).toString('hex')

export interface AdUser {
  /** Short name, unique in the suite: cn, and (with the tag) sAMAccountName and UPN. */
  name: string
  given: string
  sn: string
  /** DN of the container the user lives in. */
  parent: string
  title?: string
  department?: string
  employeeID?: string
  phone?: string
  /** Short name of the manager (who must be added first). */
  manager?: string
  disabled?: boolean
  /** Only to bind as the user (set over LDAPS). */
  password?: string
}

/** AD's unicodePwd value: the password in double quotes, UTF-16LE, base64 (for `unicodePwd::`). */
export function unicodePwd(password: string): string {
  return Buffer.from(`"${password}"`, 'utf16le').toString('base64')
}

/** AD's text form of an objectGUID given as the 16 raw bytes (first three fields little-endian). */
export function guidText(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`an objectGUID has 16 bytes, not ${bytes.length}`)
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = [...bytes.subarray(from, to)]
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('')
  }
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-')
}

/** One suite's corner of the domain. */
export class AdFixture {
  readonly tag = newTag()
  readonly ou: string
  private readonly users = new Map<string, AdUser>()

  constructor(
    readonly dc: SambaDc,
    prefix = 'Ad',
  ) {
    this.ou = `OU=${prefix}${this.tag},${dc.baseDn}`
  }

  /** DN of an OU directly under the suite's OU. */
  sub(name: string): string {
    return `OU=${name},${this.ou}`
  }

  /** Creates the suite OU and, under it, the named OUs. */
  async createOus(...names: string[]): Promise<void> {
    const records = [this.ou, ...names.map((n) => this.sub(n))].map((dn) => `dn: ${dn}\nchangetype: add\nobjectClass: organizationalUnit\n`)
    await this.dc.ldif(records.join('\n'))
  }

  sam(name: string): string {
    return `${this.tag}${name}`.slice(0, 20)
  }

  upn(name: string): string {
    return `${name}.${this.tag}@example.test`
  }

  mail(name: string): string {
    return `${name}.${this.tag}@mail.example.test`
  }

  /** The DN of a user added with addUsers (its current parent and cn). */
  dn(name: string): string {
    const u = this.users.get(name)
    if (!u) throw new Error(`no fixture user ${name}`)
    return `CN=${u.name},${u.parent}`
  }

  user(name: string): AdUser {
    const u = this.users.get(name)
    if (!u) throw new Error(`no fixture user ${name}`)
    return u
  }

  /** Records that a user now lives elsewhere (after a modrdn done by the test). */
  moved(name: string, cn: string, parent: string): void {
    const u = this.user(name)
    this.users.delete(name)
    this.users.set(name, { ...u, name: cn, parent })
  }

  userLdif(u: AdUser): string {
    const lines = [
      `dn: CN=${u.name},${u.parent}`,
      'changetype: add',
      'objectClass: user',
      `sAMAccountName: ${this.sam(u.name)}`,
      `userPrincipalName: ${this.upn(u.name)}`,
      `givenName: ${u.given}`,
      `sn: ${u.sn}`,
      `displayName: ${u.given} ${u.sn}`,
      `mail: ${this.mail(u.name)}`,
    ]
    if (u.phone) lines.push(`telephoneNumber: ${u.phone}`)
    if (u.title) lines.push(`title: ${u.title}`)
    if (u.department) lines.push(`department: ${u.department}`)
    if (u.employeeID) lines.push(`employeeID: ${u.employeeID}`)
    if (u.manager) lines.push(`manager: ${this.dn(u.manager)}`)
    if (u.password) lines.push(`unicodePwd:: ${unicodePwd(u.password)}`)
    lines.push(`userAccountControl: ${u.disabled ? 514 : 512}`)
    return `${lines.join('\n')}\n`
  }

  /** Adds users in order (a manager before its reports). */
  async addUsers(users: AdUser[]): Promise<void> {
    const records: string[] = []
    for (const u of users) {
      this.users.set(u.name, u)
      records.push(this.userLdif(u))
    }
    await this.dc.ldif(records.join('\n'))
  }

  groupDn(cn: string, parent: string): string {
    return `CN=${cn},${parent}`
  }

  groupLdif(cn: string, parent: string, memberDns: string[]): string {
    const lines = [`dn: ${this.groupDn(cn, parent)}`, 'changetype: add', 'objectClass: group', `sAMAccountName: ${this.tag}-${cn}`.slice(0, 64), ...memberDns.map((m) => `member: ${m}`)]
    return `${lines.join('\n')}\n`
  }

  async addGroup(cn: string, parent: string, memberDns: string[]): Promise<string> {
    await this.dc.ldif(this.groupLdif(cn, parent, memberDns))
    return this.groupDn(cn, parent)
  }

  async modify(dn: string, changes: Array<['add' | 'replace' | 'delete', string, ...string[]]>): Promise<void> {
    const parts = changes.map(([op, attr, ...values]) => [`${op}: ${attr}`, ...values.map((v) => `${attr}: ${v}`)].join('\n'))
    await this.dc.ldif(`dn: ${dn}\nchangetype: modify\n${parts.join('\n-\n')}\n-\n`)
  }

  async delete(dn: string): Promise<void> {
    await this.dc.ldif(`dn: ${dn}\nchangetype: delete\n`)
  }

  /** modrdn: a new cn and, optionally, a new parent. */
  async rename(name: string, newCn: string, newParent?: string): Promise<void> {
    const lines = [`dn: ${this.dn(name)}`, 'changetype: modrdn', `newrdn: CN=${newCn}`, 'deleteoldrdn: 1']
    if (newParent) lines.push(`newsuperior: ${newParent}`)
    await this.dc.ldif(`${lines.join('\n')}\n`)
    this.moved(name, newCn, newParent ?? this.user(name).parent)
  }

  /** The entry's objectGUID in AD's text form, read with ldapsearch (independently of Roster). */
  async guid(dn: string): Promise<string> {
    const out = await this.dc.search(['-b', dn, '-s', 'base', '(objectClass=*)', 'objectGUID'])
    const m = /^objectGUID:: (\S+)$/m.exec(out)
    if (!m) throw new Error(`no objectGUID for ${dn} in:\n${out}`)
    return guidText(Buffer.from(m[1]!, 'base64'))
  }
}

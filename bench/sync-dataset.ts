/**
 * The synthetic Active Directory of `npm run bench:sync`: users, groups and memberships as LDIF,
 * the 200 changes of the incremental run, and the counts a sync must report for them. Everything
 * is a pure function of the sizes, so a cached directory and a fresh one hold the same entries.
 *
 * Layout under `OU=Roster Bench,<domain>` (the tenant's base DN):
 * - users `CN=u000001` … in 20 OUs `OU=Team NN,OU=People` (as a real domain spreads people out;
 *   Samba also keeps a one-level index per container), every attribute of the `ad` preset set:
 *   userPrincipalName, givenName, sn, displayName, mail, telephoneNumber, title, department,
 *   employeeID, manager (a tree with 8 reports per manager) and userAccountControl (every 50th
 *   user disabled);
 * - groups in `OU=Groups`: "All Staff" with every user, and ordinary groups `bench-group-NNNN`;
 *   each user is in up to 3 ordinary groups (≈ 30 members each), and every 10th ordinary group
 *   also holds the next two groups (nesting, never a cycle).
 */
import { FAMILY, GIVEN, titleOf } from './dataset.js'

export interface Dataset {
  users: number
  /** Groups including "All Staff". */
  groups: number
}

/** Bumped whenever the generated entries change: cached directories of another format are rebuilt. */
export const DATASET_FORMAT = 1

export const TEAMS = 20
export const DISABLED_EVERY = 50
export const REPORTS_PER_MANAGER = 8
const NESTING_EVERY = 10

/** Users/10 groups, as in the issue (20,000 users, 2,000 groups). */
export function datasetFor(users: number): Dataset {
  return { users, groups: Math.max(12, Math.round(users / 10)) }
}

const pad = (n: number, width: number) => String(n).padStart(width, '0')

export class AdDataset {
  readonly ou: string
  readonly people: string
  readonly groupsOu: string
  /** Ordinary groups (1…k); group 0 is All Staff. */
  private readonly k: number

  constructor(
    readonly baseDn: string,
    readonly size: Dataset,
  ) {
    this.ou = `OU=Roster Bench,${baseDn}`
    this.people = `OU=People,${this.ou}`
    this.groupsOu = `OU=Groups,${this.ou}`
    this.k = size.groups - 1
  }

  userDn(i: number): string {
    return `CN=u${pad(i, 6)},OU=Team ${pad(i % TEAMS, 2)},${this.people}`
  }

  groupDn(j: number): string {
    return j === 0 ? `CN=All Staff,${this.groupsOu}` : `CN=bench-group-${pad(j, 4)},${this.groupsOu}`
  }

  userPrincipalName(i: number): string {
    return `user${pad(i, 6)}@example.test`
  }

  managerOf(i: number): number | null {
    return i > 1 ? Math.floor((i - 2) / REPORTS_PER_MANAGER) + 1 : null
  }

  disabled(i: number): boolean {
    return i % DISABLED_EVERY === 0
  }

  /** The ordinary groups user i belongs to. */
  groupsOfUser(i: number): number[] {
    const k = this.k
    return [...new Set([1 + (i % k), 1 + ((i * 7 + 3) % k), 1 + ((i * 31 + 11) % k)])]
  }

  /** Groups nested in ordinary group j. */
  nestedIn(j: number): number[] {
    if (j % NESTING_EVERY !== 1) return []
    return [j + 1, j + 2].filter((g) => g <= this.k)
  }

  /** Member users of every ordinary group (index j → user numbers). */
  private userMembers(): number[][] {
    const members: number[][] = Array.from({ length: this.k + 1 }, () => [])
    for (let i = 1; i <= this.size.users; i++) for (const j of this.groupsOfUser(i)) members[j]!.push(i)
    return members
  }

  /** What a first full sync into an empty tenant must report. */
  expectedFull(): { users: number; groups: number; memberships: number; disabled: number } {
    let memberships = this.size.users // All Staff
    for (let i = 1; i <= this.size.users; i++) memberships += this.groupsOfUser(i).length
    for (let j = 1; j <= this.k; j++) memberships += this.nestedIn(j).length
    return { users: this.size.users, groups: this.size.groups, memberships, disabled: Math.floor(this.size.users / DISABLED_EVERY) }
  }

  /** The LDIF that creates everything, in an order where every DN referenced exists already. */
  *ldif(): Generator<string> {
    const ou = (dn: string) => `dn: ${dn}\nobjectClass: organizationalUnit\n`
    yield ou(this.ou)
    yield ou(this.people)
    yield ou(this.groupsOu)
    for (let t = 0; t < TEAMS; t++) yield ou(`OU=Team ${pad(t, 2)},${this.people}`)
    for (let i = 1; i <= this.size.users; i++) {
      const given = GIVEN[i % GIVEN.length]!
      const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!
      const manager = this.managerOf(i)
      yield [
        `dn: ${this.userDn(i)}`,
        'objectClass: user',
        `sAMAccountName: bu${pad(i, 6)}`,
        `userPrincipalName: ${this.userPrincipalName(i)}`,
        `givenName: ${given}`,
        `sn: ${family}`,
        `displayName: ${given} ${family}`,
        `mail: ${this.userPrincipalName(i)}`,
        `telephoneNumber: +1 555 ${pad(i, 6)}`,
        `title: ${titleOf(i)}`,
        `department: Department ${pad(i % 40, 2)}`,
        `employeeID: E${pad(i, 6)}`,
        // NORMAL_ACCOUNT | PASSWD_NOTREQD (enabled without a password), + ACCOUNTDISABLE.
        `userAccountControl: ${this.disabled(i) ? 546 : 544}`,
        ...(manager ? [`manager: ${this.userDn(manager)}`] : []),
        '',
      ].join('\n')
    }
    const members = this.userMembers()
    // Nested groups point at higher numbers: create from the top down.
    for (let j = this.k; j >= 1; j--) {
      yield [
        `dn: ${this.groupDn(j)}`,
        'objectClass: group',
        `sAMAccountName: bench-group-${pad(j, 4)}`,
        `description: benchmark group ${j}`,
        ...members[j]!.map((i) => `member: ${this.userDn(i)}`),
        ...this.nestedIn(j).map((g) => `member: ${this.groupDn(g)}`),
        '',
      ].join('\n')
    }
    const all = ['dn: ' + this.groupDn(0), 'objectClass: group', 'sAMAccountName: bench-all-staff']
    for (let i = 1; i <= this.size.users; i++) all.push(`member: ${this.userDn(i)}`)
    yield `${all.join('\n')}\n`
  }

  /**
   * The incremental run's 200 changes as ldapmodify LDIF: 50 title changes, 50 phone + department
   * changes, 50 manager changes, 25 users disabled, and 25 groups that each gain one user and lose
   * another. Spread evenly over the directory; no user is changed twice.
   */
  changes(): { ldif: string; expected: { usersUpdated: number; membersAdded: number; membersRemoved: number; groupsChanged: number; changes: number } } {
    const n = this.size.users
    const step = Math.floor(n / 175)
    if (step < 1) throw new Error(`the incremental run needs at least 175 users (have ${n})`)
    const records: string[] = []
    const picked = new Set<number>()
    const pick = (c: number) => {
      let i = 3 + c * step
      while (picked.has(i) || this.disabled(i)) i++
      picked.add(i)
      return i
    }
    for (let c = 0; c < 175; c++) {
      const i = pick(c)
      const dn = this.userDn(i)
      const kind = c % 7 // 2 of 7 title, 2 phone+department, 2 manager, 1 disable → 50/50/50/25
      if (kind <= 1) records.push(`dn: ${dn}\nchangetype: modify\nreplace: title\ntitle: Changed ${titleOf(i + 1)}\n`)
      else if (kind <= 3) records.push(`dn: ${dn}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +1 555 9${pad(i, 6)}\n-\nreplace: department\ndepartment: Department moved\n`)
      else if (kind <= 5) {
        const manager = this.managerOf(i) === 1 ? 2 : 1
        records.push(`dn: ${dn}\nchangetype: modify\nreplace: manager\nmanager: ${this.userDn(manager)}\n`)
      } else records.push(`dn: ${dn}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 546\n`)
    }
    const members = this.userMembers()
    const gstep = Math.max(1, Math.floor(this.k / 25))
    let groupsChanged = 0
    for (let c = 0; c < 25 && c * gstep + 1 <= this.k; c++) {
      const j = 1 + c * gstep
      const have = new Set(members[j])
      const remove = members[j]![0]
      let add = n - c
      while (have.has(add)) add--
      if (remove === undefined || add < 1) continue
      records.push(`dn: ${this.groupDn(j)}\nchangetype: modify\nadd: member\nmember: ${this.userDn(add)}\n-\ndelete: member\nmember: ${this.userDn(remove)}\n`)
      groupsChanged++
    }
    return {
      ldif: records.join('\n'),
      expected: { usersUpdated: 175, membersAdded: groupsChanged, membersRemoved: groupsChanged, groupsChanged, changes: 175 + groupsChanged },
    }
  }
}

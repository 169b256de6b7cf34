/**
 * Directory shapes that SCIM and small test directories rarely show: groups that contain each other
 * (allowed in LDAP and AD, not in SCIM), and AD's ranged attribute values (a DC returns at most
 * 1,500 values of `member` per read, `member;range=0-1499`; Samba returns ranges when asked for one).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { SambaDc } from '../services/samba.mjs'
import type { SlapdServer } from '../services/slapd.mjs'
import { DirectoryClient } from '../../sync/ldap.js'
import { effectiveSettings } from '../../sync/settings.js'
import { openLdapServer, sambaDomainController } from '../support/directories.js'
import { pgliteBackend, type TestStore } from '../support/stores.js'
import { directorySettings, syncTenant } from '../support/sync.js'
import { LdapTree } from './ldap-fixtures.js'

describe('directory edge cases', function () {
  this.timeout(120_000)

  describe('groups that contain each other (OpenLDAP)', () => {
    let server: SlapdServer
    let tree: LdapTree
    let ts: TestStore

    before(async function () {
      server = await openLdapServer(this)
      tree = await LdapTree.create(server, 'C')
      ts = await pgliteBackend.open()
    })
    after(async () => {
      await tree?.destroy()
      await ts?.dispose()
    })

    it('keeps the users and one nesting, leaves out the edge that closes the cycle, and says so', async () => {
      for (const uid of ['ann', 'bob', 'cy']) await tree.addPerson({ uid })
      // Each group names the other; slapd needs both to exist first.
      const a = await tree.addGroup('alpha', [tree.userDn('ann')])
      const b = await tree.addGroup('beta', [tree.userDn('bob'), a])
      await tree.addValues(a, 'member', [b])
      await tree.addGroup('gamma', [tree.userDn('cy')])
      const t = await syncTenant(ts.store, tree.target())
      const report = await t.sync()
      assert.equal(report.run.status, 'succeeded')
      assert.equal(report.run.counts.errors, 1)
      assert.match(report.run.errors[0]!.message, /^group (alpha|beta): members: .*contain itself/)
      const groups = await t.scimGroups()
      const members = async (name: string) =>
        (((await t.scim(`/Groups/${String(groups.get(name)!.id)}`).expect(200)).body as { members?: Array<{ type: string; value: string }> }).members ?? [])
          .map((m) => `${m.type}:${m.value}`)
          .sort()
      const alpha = await members('alpha')
      const beta = await members('beta')
      // Exactly one of the two nestings survives; every user membership does.
      assert.equal([...alpha, ...beta].filter((m) => m.startsWith('Group:')).length, 1)
      assert.ok(alpha.some((m) => m.startsWith('User:')) && beta.some((m) => m.startsWith('User:')))
      assert.equal((await members('gamma')).length, 1)
      // The next run meets the same directory and changes nothing more.
      const again = await t.sync({ full: true })
      assert.equal(again.run.counts.membersAdded + again.run.counts.membersRemoved, 0)
    })
  })

  describe('ranged attribute values (Samba AD)', () => {
    let dc: SambaDc
    const ou = `OU=Range${randomBytes(3).toString('hex')}`

    before(async function () {
      dc = await sambaDomainController(this)
      const base = `${ou},${dc.baseDn}`
      const users = Array.from({ length: 9 }, (_, i) => `dn: CN=R${i},${base}\nobjectClass: user\nsAMAccountName: rng${randomBytes(3).toString('hex')}${i}\n`)
      await dc.ldif([`dn: ${base}\nobjectClass: organizationalUnit\n`, ...users, `dn: CN=Big,${base}\nobjectClass: group\n${Array.from({ length: 9 }, (_, i) => `member: CN=R${i},${base}\n`).join('')}`].join('\n'))
    })
    after(async () => {
      await dc?.ldif(`dn: ${ou},${dc.baseDn}\nchangetype: delete\n`).catch(() => {})
    })

    it('reads every range of a ranged attribute before handing the entry on', async () => {
      const base = `${ou},${dc.baseDn}`
      const settings = effectiveSettings(directorySettings({ preset: 'ad', url: dc.url, caFile: dc.caFile, bindDn: dc.bindDn, password: dc.password, baseDns: [base] }))
      const client = await DirectoryClient.open(settings, dc.password)
      try {
        const entries = []
        // Asking for the first three values only is what a DC does by itself past 1,500.
        for await (const page of client.pages(base, '(cn=Big)', ['cn', 'member;range=0-2'])) entries.push(...page)
        assert.equal(entries.length, 1)
        assert.equal(entries[0]!.all('member').length, 9)
        assert.equal(new Set(entries[0]!.all('member').map((m) => m.toLowerCase())).size, 9)
        assert.equal(entries[0]!.ranged().size, 0, 'no ranged attribute left over')
      } finally {
        await client.close()
      }
    })
  })
})

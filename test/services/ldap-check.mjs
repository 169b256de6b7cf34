#!/usr/bin/env node
// Hand-run check of test/services/slapd.mjs and samba.mjs against real servers (not part of `npm test`).
//
//   node test/services/ldap-check.mjs              # both (the Samba half needs root)
//   node test/services/ldap-check.mjs slapd        # only OpenLDAP
//   node test/services/ldap-check.mjs samba        # only the Samba AD DC
//   LDAPTS_DIR=/tmp/ldapts-scratch node test/services/ldap-check.mjs
//       # also a Node-level check with ldapts from that directory's node_modules (ldapts is not a
//       # dependency of this repository yet; without LDAPTS_DIR it is tried from here and skipped if absent)
//
// Prints what it does with timings; exits 1 on the first failed check. Everything it starts is
// stopped and deleted at the end (also on failure).

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { ensureSlapdInstalled, startSlapd } from './slapd.mjs'
import { ensureSambaInstalled, startSambaDc } from './samba.mjs'
import { check, stepTimer } from './common.mjs'

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const which = process.argv[2] ?? 'all'
const cleanups = []

let step = stepTimer()

/** Run an ldap-utils client; resolves stdout (rejects with its output on failure). */
function client(tool, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err += c))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${tool} ${args.join(' ')} -> exit ${code}\n${err}${out}`))))
  })
}

const count = (text, re) => (text.match(re) ?? []).length

async function loadLdapts() {
  const from = process.env.LDAPTS_DIR ? path.resolve(process.env.LDAPTS_DIR, 'package.json') : import.meta.url
  try {
    const require = createRequire(from)
    return await import(pathToFileURL(require.resolve('ldapts')).href)
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------------

async function checkSlapd(ldapts) {
  console.log('OpenLDAP slapd')
  step = stepTimer()
  await ensureSlapdInstalled({ allowInstall: isRoot })
  step('ensureSlapdInstalled')
  const ldap = await startSlapd({ tls: true })
  cleanups.push(() => ldap.destroy())
  step('startSlapd (tls)', `${ldap.url} + StartTLS, ${ldap.ldapsUrl}, dir ${ldap.dir}`)

  const users = ['alice', 'bob', 'carol', 'dave', 'erin']
  const ldif = [
    ...users.map(
      (u, i) =>
        `dn: uid=${u},${ldap.peopleDn}\nobjectClass: inetOrgPerson\nuid: ${u}\ncn: ${u[0].toUpperCase()}${u.slice(1)} Test\nsn: Test\n` +
        `givenName: ${u}\nmail: ${u}@example.org\nemployeeNumber: ${1000 + i}\nuserPassword: pw-${u}\n`,
    ),
    `dn: cn=engineers,${ldap.groupsDn}\nobjectClass: groupOfNames\ncn: engineers\n` +
      ['alice', 'bob', 'carol'].map((u) => `member: uid=${u},${ldap.peopleDn}\n`).join(''),
  ].join('\n')
  await ldap.ldif(ldif)
  step('ldif: 5 users + 1 groupOfNames (3 members)')

  const bind = ['-x', '-H', ldap.url, '-D', ldap.bindDn, '-w', ldap.password]
  const paged = await client('ldapsearch', [...bind, '-b', ldap.peopleDn, '-E', 'pr=2/noprompt', '(objectClass=inetOrgPerson)', 'uid'], ldap.env)
  const pages = count(paged, /^search: \d+$/gm)
  const entries = count(paged, /^dn: /gm)
  step('ldapsearch -E pr=2/noprompt', `${entries} entries in ${pages} pages`)
  check(entries === 5 && pages === 3, 'paged search returns 5 users in 3 pages of 2')

  const alice = await ldap.search(['-b', ldap.peopleDn, '(uid=alice)', 'memberOf', 'entryUUID', 'entryCSN', 'modifyTimestamp'])
  step('memberOf/entryUUID of alice', alice.replace(/\n+/g, ' | ').trim())
  check(/^memberOf: cn=engineers,ou=Groups,/m.test(alice), 'memberOf from the overlay')
  check(/^entryUUID: [0-9a-f-]{36}$/m.test(alice) && /^entryCSN: /m.test(alice), 'entryUUID and entryCSN')

  // refint: renaming/deleting a member updates the group.
  await ldap.ldif(`dn: uid=carol,${ldap.peopleDn}\nchangetype: delete\n`)
  const group = await ldap.search(['-b', ldap.groupsDn, '(cn=engineers)', 'member'])
  step('delete carol -> group members', String(count(group, /^member: /gm)))
  check(count(group, /^member: /gm) === 2, 'refint removed the deleted member')

  const starttls = await client('ldapsearch', [...bind, '-ZZ', '-LLL', '-b', ldap.suffix, '-s', 'base', 'dn'], ldap.env)
  const ldaps = await client('ldapsearch', ['-x', '-H', ldap.ldapsUrl, '-D', ldap.bindDn, '-w', ldap.password, '-LLL', '-b', ldap.suffix, '-s', 'base', 'dn'], ldap.env)
  step('StartTLS (-ZZ) and LDAPS, CA verified', `${starttls.trim()} / ${ldaps.trim()}`)

  await ldap.stop()
  step('stop')
  await ldap.start()
  step('start again (same port and data)')
  check((await ldap.search(['-b', ldap.peopleDn, '(uid=alice)', 'dn'])).includes('uid=alice'), 'data survives a restart')

  if (ldapts) {
    const c = new ldapts.Client({ url: ldap.url })
    await c.startTLS({ ca: [fs.readFileSync(ldap.caFile)] })
    await c.bind(ldap.bindDn, ldap.password)
    const { searchEntries } = await c.search(ldap.peopleDn, { filter: '(objectClass=inetOrgPerson)', attributes: ['uid', 'memberOf', 'entryUUID'], paged: { pageSize: 2 } })
    await c.unbind()
    step('ldapts: StartTLS + paged search', `${searchEntries.length} entries`)
    check(searchEntries.length === 4, 'ldapts sees 4 users')
  }

  await ldap.destroy()
  step('destroy')
  check(!fs.existsSync(ldap.dir), 'directory removed')
}

// ---------------------------------------------------------------------------------------------

async function checkSamba(ldapts) {
  console.log('Samba AD DC')
  step = stepTimer()
  const inst = await ensureSambaInstalled({ allowInstall: isRoot })
  step('ensureSambaInstalled', inst.version)
  const dc = await startSambaDc()
  cleanups.push(() => dc.destroy())
  step('startSambaDc', `${dc.fromTemplate ? 'from template' : 'provisioned'} ${JSON.stringify(dc.timings)}, ${dc.url}, dir ${dc.dir}`)

  // A second DC must be refused clearly.
  const second = await startSambaDc().then(
    (x) => x.destroy().then(() => null),
    (err) => err,
  )
  check(second && /another Samba test DC is running/.test(second.message), 'a second DC is refused')
  step('second startSambaDc refused', second.message.split('.')[0])

  await dc.samba(['user', 'add', 'alice', 'Passw0rd!Alice', '--given-name=Alice', '--surname=Test', '--mail-address=alice@example.test'])
  await dc.samba(['user', 'add', 'bob', 'Passw0rd!Bob', '--given-name=Bob', '--surname=Test'])
  await dc.samba(['group', 'add', 'Engineers'])
  await dc.samba(['group', 'addmembers', 'Engineers', 'alice,bob'])
  step('samba-tool: users alice, bob; group Engineers with both')

  const pw = Buffer.from('"Passw0rd!Carol"', 'utf16le').toString('base64')
  await dc.ldif(
    `dn: CN=carol,${dc.usersDn}\nchangetype: add\nobjectClass: user\nsAMAccountName: carol\nuserPrincipalName: carol@${dc.realm.toLowerCase()}\n` +
      `givenName: Carol\nsn: Test\nmail: carol@example.test\nunicodePwd:: ${pw}\nuserAccountControl: 512\n\n` +
      `dn: CN=Engineers,${dc.usersDn}\nchangetype: modify\nadd: member\nmember: CN=carol,${dc.usersDn}\n-\n`,
  )
  step('ldif over LDAPS: user carol (with password) + Engineers member')

  await dc.samba(['user', 'disable', 'bob'])
  step('samba-tool user disable bob')

  const users = await dc.search(['-b', dc.usersDn, '(&(objectClass=user)(|(sAMAccountName=alice)(sAMAccountName=bob)(sAMAccountName=carol)))',
    'sAMAccountName', 'objectGUID', 'uSNChanged', 'userAccountControl', 'memberOf', 'whenChanged'])
  const blocks = users.trim().split(/\n\n+/)
  const byName = Object.fromEntries(blocks.map((b) => [b.match(/^sAMAccountName: (.*)$/m)?.[1], b]))
  for (const name of ['alice', 'bob', 'carol']) {
    const b = byName[name] ?? ''
    check(/^objectGUID:: \S+/m.test(b), `${name} has objectGUID`)
    check(/^uSNChanged: \d+$/m.test(b), `${name} has uSNChanged`)
    check(/^memberOf: CN=Engineers,CN=Users,/m.test(b), `${name} has memberOf Engineers`)
  }
  const uac = (n) => Number(byName[n].match(/^userAccountControl: (\d+)$/m)[1])
  check((uac('bob') & 2) === 2 && (uac('alice') & 2) === 0 && (uac('carol') & 2) === 0, 'only bob is disabled (ACCOUNTDISABLE bit)')
  step('LDAPS search', `3 users with objectGUID, uSNChanged, memberOf; userAccountControl alice=${uac('alice')} bob=${uac('bob')} carol=${uac('carol')}`)

  const rootDse = await dc.search(['-s', 'base', '-b', '', 'highestCommittedUSN', 'defaultNamingContext'])
  const usn = Number(rootDse.match(/^highestCommittedUSN: (\d+)$/m)?.[1])
  check(usn > 0, 'rootDSE highestCommittedUSN')
  step('rootDSE highestCommittedUSN', String(usn))

  const bind = ['-x', '-H', dc.url, '-D', dc.bindDn, '-w', dc.password]
  const paged = await client('ldapsearch', [...bind, '-b', dc.baseDn, '-E', 'pr=2/noprompt', '(objectClass=user)', 'sAMAccountName'], dc.env)
  step('ldapsearch -E pr=2/noprompt (objectClass=user)', `${count(paged, /^dn: /gm)} entries in ${count(paged, /^search: \d+$/gm)} pages`)
  check(count(paged, /^search: \d+$/gm) >= 3, 'AD pages the results')

  await dc.samba(['user', 'delete', 'carol'])
  step('samba-tool user delete carol')
  const deleted = await dc.search(['-b', dc.deletedObjectsDn, '-E', '!1.2.840.113556.1.4.417', '(&(isDeleted=TRUE)(sAMAccountName=carol))',
    'objectGUID', 'isDeleted', 'uSNChanged', 'lastKnownParent', 'sAMAccountName'])
  check(/^dn: CN=carol\\0ADEL:[0-9a-f-]{36},CN=Deleted Objects,/im.test(deleted), 'carol is in Deleted Objects')
  step('Show Deleted search in CN=Deleted Objects', deleted.match(/^dn: (.*)$/m)?.[1])
  const usn2 = Number((await dc.search(['-s', 'base', '-b', '', 'highestCommittedUSN'])).match(/^highestCommittedUSN: (\d+)$/m)?.[1])
  const groupAfter = await dc.search(['-b', dc.usersDn, '(cn=Engineers)', 'member'])
  check(usn2 > usn && count(groupAfter, /^member: /gm) === 2, 'USN moves on; deleted user left the group')
  step('after delete', `highestCommittedUSN ${usn} -> ${usn2}, Engineers has ${count(groupAfter, /^member: /gm)} members`)

  const plain = await client('ldapsearch', ['-x', '-H', dc.plainUrl, '-D', dc.bindDn, '-w', dc.password, '-s', 'base', '-b', '', 'dn'], dc.env).then(
    () => 'accepted',
    (err) => (/Strong\(er\) authentication required/i.test(err.message) ? 'refused: Strong(er) authentication required' : err.message),
  )
  step('simple bind over plain LDAP 389', plain)

  if (ldapts) {
    const c = new ldapts.Client({ url: dc.url, tlsOptions: { ca: [fs.readFileSync(dc.caFile)] } })
    await c.bind(dc.bindUpn, dc.password)
    const { searchEntries } = await c.search(dc.baseDn, {
      filter: '(&(objectClass=user)(objectCategory=person))',
      attributes: ['sAMAccountName', 'objectGUID', 'uSNChanged', 'userAccountControl', 'memberOf'],
      explicitBufferAttributes: ['objectGUID'],
      paged: { pageSize: 2 },
    })
    const del = await c.search(dc.deletedObjectsDn, {
      filter: '(isDeleted=TRUE)',
      attributes: ['sAMAccountName', 'objectGUID'],
      explicitBufferAttributes: ['objectGUID'],
    }, new ldapts.Control('1.2.840.113556.1.4.417', { critical: true }))
    await c.unbind()
    const guid = searchEntries.find((e) => e.sAMAccountName === 'alice')?.objectGUID
    step('ldapts: LDAPS (CA verified) + paged search + Show Deleted', `${searchEntries.length} person entries, alice objectGUID ${Buffer.isBuffer(guid) ? guid.length + ' bytes' : typeof guid}, ${del.searchEntries.length} deleted`)
    check(searchEntries.length >= 3 && Buffer.isBuffer(guid) && guid.length === 16, 'ldapts reads users with a binary objectGUID')
    check(del.searchEntries.some((e) => e.sAMAccountName === 'carol'), 'ldapts sees carol among the deleted objects')
  }

  await dc.stop()
  step('stop')
  await dc.destroy()
  step('destroy')
  check(!fs.existsSync(dc.dir), 'directory removed')
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const ldapts = await loadLdapts()
  console.log(ldapts ? 'ldapts: found, Node-level checks included' : 'ldapts: not found (set LDAPTS_DIR to a directory with ldapts installed), Node-level checks skipped')
  const t0 = Date.now()
  if (which === 'all' || which === 'slapd') await checkSlapd(ldapts)
  if (which === 'all' || which === 'samba') {
    if (!isRoot) console.log('Samba AD DC: skipped (needs root)')
    else await checkSamba(ldapts)
  }
  console.log(`all checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
}

main()
  .catch(async (err) => {
    console.error(err?.stack ?? err)
    process.exitCode = 1
  })
  .finally(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {})
  })

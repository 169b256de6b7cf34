/**
 * The sync's building blocks without a directory: DNs, mapping, settings, sealed secrets, error
 * wording, documents, configuration. The directory-facing behaviour is in the suites that run
 * against slapd and Samba.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import * as ldap from 'ldapts'
import { ConfigError, loadConfig } from '../../src/config.js'
import { SecretBox, SecretKeyError } from '../../src/domain/credentials/secrets.js'
import { parseEncryptionKey } from '../../src/config.js'
import { ValidationError } from '../../src/domain/kernel/errors.js'
import { isUnder, normalizeDn } from '../../sync/dn.js'
import { userWrite } from '../../sync/documents.js'
import { describeLdapError } from '../../sync/errors.js'
import { DirectoryEntry, guidToString, sidToString } from '../../sync/entry.js'
import { attributesToRead, mapGroup, mapUser, type Mapper } from '../../sync/mappers.js'
import { PRESETS, presetMappers } from '../../sync/presets.js'
import { effectiveSettings, parseMapping, validateSettings, type DirectorySettings } from '../../sync/settings.js'

const base: DirectorySettings = {
  preset: 'openldap',
  url: 'ldap://ldap.example.org',
  startTls: true,
  caPem: null,
  insecureTls: false,
  bindDn: 'cn=sync,dc=example,dc=org',
  baseDns: ['ou=People,dc=example,dc=org'],
  userFilter: null,
  groupFilter: null,
  pageSize: 500,
  mapping: {},
}

const entry = (dn: string, attrs: Record<string, string | string[] | Buffer>) => new DirectoryEntry({ dn, ...attrs } as ldap.Entry)

describe('directory sync building blocks', () => {
  describe('DN normalisation', () => {
    it('makes spellings of one DN equal, and keeps escaped separators', () => {
      assert.equal(normalizeDn('CN=Ann Lee, OU=Staff ,DC=Example,DC=Test'), 'cn=ann lee,ou=staff,dc=example,dc=test')
      assert.equal(normalizeDn('cn = Ann Lee;ou=Staff'), 'cn=ann lee,ou=staff')
      assert.equal(normalizeDn('cn=Lee\\, Ann,ou=Staff'), 'cn=lee\\, ann,ou=staff')
      assert.equal(normalizeDn('cn=a + sn=b,dc=x'), 'cn=a+sn=b,dc=x')
      assert.ok(isUnder('uid=a,ou=people,dc=x', 'dc=x'))
      assert.ok(!isUnder('uid=a,ou=people,dc=xy', 'dc=x'))
    })
  })

  describe('mapping', () => {
    it('prints objectGUID the way AD shows it', () => {
      const b = Buffer.from('13a4fe1d0e4c5a4f9f3a0102030405ff', 'hex')
      assert.equal(guidToString(b), '1dfea413-4c0e-4f5a-9f3a-0102030405ff')
    })

    it('prints security identifiers (objectSid, tokenGroups) in their S-1-… form', () => {
      assert.equal(sidToString(Buffer.from('01020000000000052000000020020000', 'hex')), 'S-1-5-32-544')
      const domainAdmins = Buffer.from('010500000000000515000000' + 'a1b2c3d4' + '11223344' + '55667788' + '00020000', 'hex')
      assert.equal(sidToString(domainAdmins), `S-1-5-21-${0xd4c3b2a1}-${0x44332211}-${0x88776655}-512`)
    })

    it('maps an AD user: userName from the UPN, disabled from userAccountControl, manager DN normalised', () => {
      const m = PRESETS.ad.mappers.users
      const guid = Buffer.from('00112233445566778899aabbccddeeff', 'hex')
      const enabled = mapUser(entry('CN=Ann,OU=Staff,DC=ex,DC=test', { objectGUID: guid, userPrincipalName: 'ann@ex.test', userAccountControl: '512', manager: 'CN=Boss, OU=Staff,DC=ex,DC=test', mail: 'ann@ex.test' }), m)
      assert.ok(enabled.ok)
      assert.equal(enabled.anchor, '33221100-5544-7766-8899-aabbccddeeff')
      assert.equal(enabled.value.userName, 'ann@ex.test')
      assert.equal(enabled.value.active, true)
      assert.equal(enabled.value.managerDn, 'cn=boss,ou=staff,dc=ex,dc=test')
      assert.equal(enabled.dn, 'cn=ann,ou=staff,dc=ex,dc=test')
      const disabled = mapUser(entry('CN=Bob,DC=ex', { objectGUID: guid, userPrincipalName: 'bob@ex.test', userAccountControl: '514' }), m)
      assert.ok(disabled.ok && disabled.value.active === false)
      const noUpn = mapUser(entry('CN=Svc,DC=ex', { objectGUID: guid, sAMAccountName: 'svc' }), m)
      assert.ok(!noUpn.ok && /userPrincipalName/.test(noUpn.problem))
      const bySam = mapUser(entry('CN=Svc,DC=ex', { objectGUID: guid, sAMAccountName: 'svc' }), presetMappers('ad', { userName: 'sAMAccountName' }).users)
      assert.ok(bySam.ok && bySam.value.userName === 'svc')
    })

    it('reads attribute names case-insensitively and a mapped flag attribute as active/inactive', () => {
      const m = presetMappers('openldap', { active: 'accountActive' }).users
      const on = mapUser(entry('uid=a,dc=x', { ENTRYUUID: 'u-1', UID: 'a', accountactive: 'TRUE' }), m)
      const off = mapUser(entry('uid=b,dc=x', { entryUUID: 'u-2', uid: 'b', accountActive: 'FALSE' }), m)
      assert.ok(on.ok && on.value.active === true)
      assert.ok(off.ok && off.value.active === false)
      assert.ok(!mapUser(entry('uid=c,dc=x', { uid: 'c' }), m).ok, 'no anchor: skipped')
    })

    it('maps groups with member DNs (deduplicated, normalised) and posix memberUids', () => {
      const g = mapGroup(entry('cn=Eng,ou=Groups,dc=x', { entryUUID: 'g-1', cn: 'Eng', member: ['uid=A,ou=People,dc=x', 'uid=a, ou=people,dc=x', 'cn=Sub,ou=Groups,dc=x'], memberUid: ['a', 'b'] }), PRESETS.openldap.mappers.groups)
      assert.ok(g.ok)
      assert.deepEqual(g.value.memberDns, ['uid=a,ou=people,dc=x', 'cn=sub,ou=groups,dc=x'])
      assert.deepEqual(g.value.memberUids, ['a', 'b'])
    })

    it('builds canonical SCIM documents: unassigned attributes absent, enterprise fields under their URN', () => {
      const mapped = mapUser(entry('uid=ann,dc=x', { entryUUID: 'x-1', uid: 'ann', givenName: 'Ann', mail: 'ann@x', departmentNumber: 'Sales', title: '' }), PRESETS.openldap.mappers.users)
      assert.ok(mapped.ok)
      const w = userWrite(mapped.value, 'anchor-1', 'uid=ann,dc=x', '5d1c9f86-8b1e-4d7e-9a0a-1b2c3d4e5f60', 'inactive')
      assert.deepEqual(w.document, {
        userName: 'ann',
        externalId: 'x-1',
        name: { givenName: 'Ann', formatted: 'Ann' },
        active: false,
        emails: [{ value: 'ann@x', type: 'work', primary: true }],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales', manager: { value: '5d1c9f86-8b1e-4d7e-9a0a-1b2c3d4e5f60' } },
      })
      assert.equal(w.status, 'inactive')
      assert.equal(w.origin, 'ldap')
      assert.equal(w.email, 'ann@x')
      assert.equal(w.externalId, 'x-1')
      assert.equal(w.displayName, null)
    })

    it('adding an attribute is one row: it is read from the directory and lands in the document', () => {
      const rows: Mapper[] = [
        ...PRESETS.openldap.mappers.users,
        { target: 'nickName', ldap: 'displayNamePrintable', transform: 'text' },
        { target: 'costCenter', ldap: 'businessCategory', transform: 'text' },
      ]
      assert.ok(attributesToRead(rows, []).includes('displayNamePrintable'))
      assert.ok(attributesToRead(rows, []).includes('businessCategory'))
      const mapped = mapUser(entry('uid=bo,dc=x', { entryUUID: 'u-9', uid: 'bo', displayNamePrintable: 'Bo', businessCategory: 'CC-7' }), rows)
      assert.ok(mapped.ok)
      const doc = userWrite(mapped.value, 'u-9', 'uid=bo,dc=x', null, 'active').document
      assert.equal(doc.nickName, 'Bo')
      assert.deepEqual(doc['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'], { costCenter: 'CC-7' })
    })

    it('asks the directory for exactly the attributes the preset table names, in table order', () => {
      assert.deepEqual(attributesToRead(PRESETS.ad.mappers.users, []), ['objectGUID', 'userPrincipalName', 'displayName', 'givenName', 'sn', 'mail', 'telephoneNumber', 'title', 'department', 'employeeID', 'manager', 'userAccountControl'])
      assert.deepEqual(attributesToRead(presetMappers('openldap', { 'group.memberUid': '' }).groups, ['modifyTimestamp']), ['entryUUID', 'cn', 'member', 'modifyTimestamp'])
    })
  })

  describe('settings', () => {
    it('accepts good settings and applies the preset under the overrides', () => {
      const s = validateSettings({ ...base, mapping: parseMapping(['userName=mail', 'phoneNumbers=']) })
      const e = effectiveSettings(s)
      assert.equal(e.effectiveMapping.userName, 'mail')
      assert.equal(e.effectiveMapping.phoneNumbers, '')
      assert.equal(e.effectiveMapping.anchor, 'entryUUID')
      assert.equal(e.effectiveUserFilter, PRESETS.openldap.userFilter)
    })

    it('refuses each kind of bad setting with the field named', () => {
      const bad: Array<[Partial<DirectorySettings>, string, RegExp]> = [
        [{ url: 'http://x' }, 'url', /ldap:\/\/ or ldaps:\/\//],
        [{ url: 'ldap://x/dc=x' }, 'url', /server only/],
        [{ url: 'ldaps://x', startTls: true }, 'starttls', /encrypted already/],
        [{ caPem: 'not pem', insecureTls: false }, 'caFile', /PEM/],
        [{ caPem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', insecureTls: true }, 'insecureTls', /either/],
        [{ baseDns: [] }, 'baseDn', /at least one/],
        [{ baseDns: ['people'] }, 'baseDn', /not a DN/],
        [{ userFilter: 'uid=a' }, 'userFilter', /parentheses/],
        [{ groupFilter: '(&(cn=a)' }, 'groupFilter', /not a valid LDAP filter/],
        [{ pageSize: 0 }, 'pageSize', /page size/],
        [{ bindDn: 'sync' }, 'bindDn', /DN/],
      ]
      for (const [change, field, message] of bad) {
        assert.throws(
          () => validateSettings({ ...base, ...change }),
          (e: unknown) => e instanceof ValidationError && e.field === field && message.test(e.message),
          JSON.stringify(change),
        )
      }
      assert.throws(() => parseMapping(['nickName=cn']), /unknown attribute "nickName"/)
      assert.throws(() => parseMapping(['userName']), /expected <scimAttribute>=<ldapAttribute>/)
      assert.throws(() => parseMapping(['anchor=']), /cannot be turned off/)
      assert.throws(() => parseMapping(['title=ti tle']), /not an LDAP attribute name/)
    })
  })

  describe('sealed secrets', () => {
    const box = new SecretBox(randomBytes(32))

    it('opens what it sealed, for the same context only, and never shows the secret in the sealed form', () => {
      const sealed = box.seal('Passw0rd!', 'directory-bind-password:t1')
      assert.ok(!sealed.includes('Passw0rd'))
      assert.notEqual(box.seal('Passw0rd!', 'directory-bind-password:t1'), sealed, 'a fresh IV every time')
      assert.equal(box.open(sealed, 'directory-bind-password:t1'), 'Passw0rd!')
      assert.throws(() => box.open(sealed, 'directory-bind-password:t2'), SecretKeyError)
      const parts = sealed.split('.')
      parts[4] = Buffer.from('tampered').toString('base64url')
      assert.throws(() => box.open(parts.join('.'), 'directory-bind-password:t1'), /does not open/)
    })

    it('names the key a secret was sealed with when another key is configured', () => {
      const sealed = box.seal('x', 'c')
      const other = new SecretBox(randomBytes(32))
      assert.throws(() => other.open(sealed, 'c'), new RegExp(`another ENCRYPTION_KEY \\(key id ${box.keyId}`))
    })

    it('reads ENCRYPTION_KEY as base64 or hex of 32 bytes, and nothing else', () => {
      const key = randomBytes(32)
      assert.deepEqual(parseEncryptionKey(key.toString('base64')), key)
      assert.deepEqual(parseEncryptionKey(key.toString('hex')), key)
      assert.deepEqual(parseEncryptionKey(key.toString('base64url')), key)
      assert.equal(parseEncryptionKey('secret'), undefined)
      assert.equal(parseEncryptionKey(randomBytes(16).toString('base64')), undefined)
    })
  })

  describe('LDAP failures in plain words', () => {
    const ctx = { url: 'ldaps://dc1.corp.example:636', bindDn: 'CN=sync,DC=corp', base: 'OU=Staff,DC=corp', operation: 'bind' as const }
    const make = <T extends ldap.ResultCodeError>(Cls: new (message?: string) => T, message: string): T => new Cls(message)

    it('explains AD bind refusals by their sub-code', () => {
      const e = describeLdapError(make(ldap.InvalidCredentialsError, '80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 533, v3839'), ctx)
      assert.equal(e.kind, 'credentials')
      assert.equal(e.transient, false)
      assert.match(e.message, /refused the bind as CN=sync,DC=corp .*the bind account is disabled/)
    })

    it('tells network, TLS, limit, referral and access failures apart, and which are worth retrying', () => {
      const cases: Array<[unknown, string, boolean, RegExp]> = [
        [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:636'), { code: 'ECONNREFUSED' }), 'unreachable', true, /cannot reach .*connection refused/],
        [Object.assign(new Error('getaddrinfo ENOTFOUND dc1'), { code: 'ENOTFOUND' }), 'unreachable', false, /does not resolve/],
        [Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'tls', false, /not trusted .*--ca-file/],
        [Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'tls', false, /not trusted/],
        [make(ldap.StrongAuthRequiredError, 'Strong(er) authentication required'), 'confidentiality', false, /ldaps:\/\/ URL or --starttls/],
        [make(ldap.SizeLimitExceededError, 'Size limit exceeded'), 'size-limit', false, /size limit; the run read nothing and changed nothing/],
        [make(ldap.TimeLimitExceededError, 'Time limit exceeded'), 'time-limit', true, /time limit/],
        [make(ldap.NoSuchObjectError, 'No such object'), 'no-such-base', false, /OU=Staff,DC=corp does not exist/],
        [make(ldap.InsufficientAccessError, 'Insufficient access'), 'access', false, /may not read OU=Staff,DC=corp/],
        [make(ldap.BusyError, 'busy'), 'busy', true, /busy or unavailable/],
        [new Error('Connection timeout after 10000ms'), 'timeout', true, /did not answer in time/],
      ]
      for (const [err, kind, transient, message] of cases) {
        const e = describeLdapError(err, ctx)
        assert.equal(e.kind, kind, String(err))
        assert.equal(e.transient, transient, String(err))
        assert.match(e.message, message)
      }
    })
  })

  describe('configuration', () => {
    it('has sync defaults and reads every sync variable', () => {
      const d = loadConfig({})
      assert.deepEqual(d.sync, { intervalMs: 300_000, fullEvery: 12, maxArchivePercent: 10, maxArchiveCount: 5, leaseTtlMs: 60_000, worker: 'auto' })
      assert.equal(d.encryptionKey, undefined)
      const key = randomBytes(32)
      const c = loadConfig({ SYNC_INTERVAL: '30s', SYNC_FULL_EVERY: '3', SYNC_MAX_ARCHIVE_PERCENT: '25', SYNC_MAX_ARCHIVE_COUNT: '0', SYNC_LEASE_TTL: '2m', SYNC_WORKER: 'off', ENCRYPTION_KEY: key.toString('base64') })
      assert.deepEqual(c.sync, { intervalMs: 30_000, fullEvery: 3, maxArchivePercent: 25, maxArchiveCount: 0, leaseTtlMs: 120_000, worker: 'off' })
      assert.deepEqual(c.encryptionKey, key)
    })

    it('names each bad sync variable', () => {
      assert.throws(
        () => loadConfig({ ENCRYPTION_KEY: 'hunter2', SYNC_INTERVAL: 'often', SYNC_FULL_EVERY: '0', SYNC_MAX_ARCHIVE_PERCENT: '101', SYNC_WORKER: 'maybe' }),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError)
          for (const name of ['ENCRYPTION_KEY', 'SYNC_INTERVAL', 'SYNC_FULL_EVERY', 'SYNC_MAX_ARCHIVE_PERCENT', 'SYNC_WORKER']) assert.match(e.message, new RegExp(`\\b${name}\\b`))
          assert.match(e.message, /openssl rand -base64 32/)
          return true
        },
      )
    })
  })
})

// A throwaway Samba Active Directory domain controller for tests.
//
// Plain ESM JavaScript, like test/services/postgres.mjs and slapd.mjs.
//
//   import { ensureSambaInstalled, startSambaDc } from '../services/samba.mjs'
//   await ensureSambaInstalled({ allowInstall: false })  // as root in CI: allowInstall: true
//   const dc = await startSambaDc()     // dc.url -> ldaps://127.0.0.1:636 (trust dc.caFile)
//   await dc.samba(['user', 'add', 'alice', 'Passw0rd!Alice'])
//   await dc.ldif('dn: CN=bob,CN=Users,DC=example,DC=test\nchangetype: add\nobjectClass: user\n...')
//   await dc.destroy()                  // stop and delete everything
//
// A real AD DC: objectGUID, uSNChanged, userAccountControl, memberOf, the Deleted Objects container,
// paged results. Samba needs root (it listens on the fixed ports 389 and 636 of 127.0.0.1), so only
// ONE test DC can run on a machine at a time: startSambaDc fails with a clear message when another
// one (or anything else) holds those ports. Simple binds over plain LDAP (389) are refused ("strong
// auth required") as on a hardened AD: use LDAPS (636). The TLS certificate is ours, from a throwaway
// CA (dc.caFile = <dir>/private/tls/ca.pem), with subjectAltName IP:127.0.0.1 - so clients can verify
// it properly (no need for rejectUnauthorized: false).
//
// Provisioning a domain is the slow part (several seconds), so by default a provisioned, never
// started domain is cached as a template under os.tmpdir() (keyed by realm, domain, password and the
// Samba version) and each startSambaDc copies it into a fresh directory ({ template: false } or
// ROSTER_SAMBA_NO_TEMPLATE=1 to provision every time). Every DC started from the same template has
// the same domain SID and the same built-in objects; what a test creates is its own.

import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  canConnect, describeExit, ensureDebianPackages, exitCleanupSet, isExecutable, isRoot, killQuietly, processAlive, removeDirQuietly, run,
  sleep, terminateChild, tmpParentDir, which, withLogTail,
} from './common.mjs'

const PACKAGES = ['samba', 'samba-ad-dc', 'winbind', 'krb5-user', 'ldap-utils']
const PROGRAMS = { samba: '/usr/sbin/samba', sambaTool: '/usr/bin/samba-tool' }
const CLIENTS = ['ldapsearch', 'ldapmodify', 'ldapdelete']
const LOG_FILE = 'samba.log'
const STATE_FILE = 'roster-dc.json'
const TEMPLATE_FORMAT = 1 // bump when the template layout or provisioning options change
const LDAP_PORT = 389
const LDAPS_PORT = 636

const TIMEOUTS = {
  aptUpdate: 5 * 60_000,
  aptInstall: 15 * 60_000,
  provision: 5 * 60_000,
  start: 60_000,
  stop: 20_000,
  client: 120_000,
  sambaTool: 120_000,
}

// ---------------------------------------------------------------------------------------------
// Installation

function sambaInstalled() {
  return isExecutable(PROGRAMS.samba) && isExecutable(PROGRAMS.sambaTool) && CLIENTS.every((c) => which(c)) && Boolean(which('kinit'))
}

// krb5-config (pulled in by krb5-user) asks for a default realm and its servers. Answer for the test
// realm, without KDC/admin server entries (nothing here uses the system /etc/krb5.conf: the DC has
// its own <dir>/private/krb5.conf).
const KRB5_PRESEED = [
  'krb5-config krb5-config/default_realm string EXAMPLE.TEST',
  'krb5-config krb5-config/add_servers_realm string EXAMPLE.TEST',
  'krb5-config krb5-config/add_servers boolean false',
  'krb5-config krb5-config/read_conf boolean true',
  'krb5-config krb5-config/kerberos_servers string',
  'krb5-config krb5-config/admin_server string',
  '',
].join('\n')

/**
 * Make sure samba (AD DC), samba-tool, the Kerberos clients and ldap-utils are there, installing the
 * Debian packages `samba samba-ad-dc winbind krb5-user ldap-utils` when something is missing and
 * `allowInstall` is true (root only). No system Samba service is started or configured.
 *
 * @param {{ allowInstall?: boolean }} [options]
 * @returns {Promise<{ samba: string, sambaTool: string, version: string }>}
 */
export async function ensureSambaInstalled({ allowInstall = false } = {}) {
  await ensureDebianPackages(PACKAGES, {
    installed: sambaInstalled,
    missing: `Samba AD DC programs not found (looked for ${PROGRAMS.samba}, ${PROGRAMS.sambaTool}, kinit, ${CLIENTS.join(', ')})`,
    allowInstall,
    preseed: KRB5_PRESEED,
    logPrefix: 'roster-samba-install-',
    timeouts: TIMEOUTS,
  })
  return { ...PROGRAMS, version: await sambaVersion() }
}

let cachedVersion
async function sambaVersion() {
  if (!cachedVersion) {
    const r = await run(PROGRAMS.samba, ['-V'], { timeoutMs: 30_000, label: 'samba -V' })
    cachedVersion = r.output.trim().replace(/^Version\s+/i, '') || 'unknown'
  }
  return cachedVersion
}

// ---------------------------------------------------------------------------------------------
// The one DC of this machine

/** Machine-wide record of the running test DC: which samba pid, in which directory, for which process. */
const LOCK_FILE = path.join(os.tmpdir(), 'roster-samba-dc.lock.json')

function readLock() {
  try {
    const lock = JSON.parse(fs.readFileSync(LOCK_FILE, 'utf8'))
    if (lock && Number.isInteger(lock.pid) && processAlive(lock.pid)) return lock
  } catch {
    // none or unreadable
  }
  return null
}

/**
 * Is pid a samba process working in dir? (Guards against pid reuse. Its command line is no help:
 * samba rewrites it to "samba: root process"; its open database files are.)
 */
function isOurSamba(pid, dir) {
  try {
    if (path.basename(fs.readlinkSync(`/proc/${pid}/exe`)) !== 'samba') return false
    const prefix = dir.endsWith('/') ? dir : `${dir}/`
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(prefix)
      } catch {
        return false
      }
    })
  } catch {
    return false
  }
}

/**
 * A DC whose owning process died without clean-up: samba -i ends by itself when its stdin closes
 * (give it a few seconds), otherwise stop it - it is provably ours - and delete its directory.
 */
async function reapOrphan(lock) {
  if (processAlive(lock.owner)) return false
  // Waiting is harmless whoever the pid is; killing is only for a process proven to be that DC.
  const until = Date.now() + 5_000
  while (processAlive(lock.pid) && Date.now() < until) await sleep(100)
  if (processAlive(lock.pid) && !isOurSamba(lock.pid, lock.dir)) return false
  for (const [signal, wait] of [['SIGTERM', 10_000], ['SIGKILL', 2_000]]) {
    if (!processAlive(lock.pid)) break
    try {
      process.kill(lock.pid, signal)
    } catch {
      // gone
    }
    const t = Date.now() + wait
    while (processAlive(lock.pid) && Date.now() < t) await sleep(100)
  }
  if (processAlive(lock.pid)) return false
  fs.rmSync(LOCK_FILE, { force: true })
  if (path.basename(lock.dir).startsWith('roster-samba-')) await fsp.rm(lock.dir, { recursive: true, force: true }).catch(() => {})
  return true
}

async function assertPortsFree() {
  const orphan = readLock()
  if (orphan) await reapOrphan(orphan)
  const busy = []
  for (const port of [LDAP_PORT, LDAPS_PORT]) if (await canConnect(port, '127.0.0.1', 500)) busy.push(port)
  const lock = readLock()
  if (lock) {
    throw new Error(
      `startSambaDc: another Samba test DC is running (samba pid ${lock.pid}, directory ${lock.dir}, started by process ${lock.owner}). ` +
        `Only one can run at a time (fixed ports ${LDAP_PORT}/${LDAPS_PORT}): destroy() it first` +
        (processAlive(lock.owner) ? '.' : `; its owner is gone but it would not stop: kill -9 ${lock.pid}`),
    )
  }
  if (busy.length > 0) {
    throw new Error(
      `startSambaDc: 127.0.0.1 port ${busy.join(' and ')} is already in use by another program (not a Roster test DC), ` +
        `and a Samba DC needs ${LDAP_PORT} and ${LDAPS_PORT}. See: ss -ltnp '( sport = :${LDAP_PORT} or sport = :${LDAPS_PORT} )'` +
        ' (a system slapd or samba-ad-dc service?)',
    )
  }
}

/** Remove the machine-wide lock file if it is the one of the DC in dir. */
function releaseLock(dir) {
  try {
    const lock = JSON.parse(fs.readFileSync(LOCK_FILE, 'utf8'))
    if (lock.dir === dir) fs.rmSync(LOCK_FILE, { force: true })
  } catch {
    // none
  }
}

// Last resort when a test process exits without destroy(): kill samba, release the lock, remove the directory.
const live = exitCleanupSet((dc) => {
  const pid = dc.pid
  if (pid) killQuietly(pid, 'SIGKILL')
  releaseLock(dc.dir)
  removeDirQuietly(dc.dir)
})

// ---------------------------------------------------------------------------------------------
// Provisioning

async function makeTlsFiles(tlsDir, { cn, altNames, logFd }) {
  await fsp.mkdir(tlsDir, { recursive: true, mode: 0o700 })
  const work = await fsp.mkdtemp(path.join(tlsDir, 'work-'))
  const steps = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=Roster test AD CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', path.join(work, 'ca-key.pem'), '-out', path.join(tlsDir, 'ca.pem')],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(work, 'server.csr')],
    ['x509', '-req', '-in', path.join(work, 'server.csr'), '-CA', path.join(tlsDir, 'ca.pem'), '-CAkey', path.join(work, 'ca-key.pem'),
      '-CAcreateserial', '-CAserial', path.join(work, 'ca.srl'), '-days', '3650', '-out', path.join(tlsDir, 'cert.pem'), '-extfile', path.join(work, 'ext.cnf')],
  ]
  await fsp.writeFile(path.join(work, 'ext.cnf'),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames.join(',')}\n`)
  for (const args of steps) {
    fs.writeSync(logFd, `$ openssl ${args.join(' ')}\n`)
    const r = await run('openssl', args, { timeoutMs: 60_000, label: 'openssl' }) // (its key-generation dots stay out of the log)
    if (r.code !== 0) {
      fs.writeSync(logFd, r.output)
      throw new Error(`openssl ${args[0]} failed (${describeExit(r)}):\n${r.output.slice(-2000)}`)
    }
  }
  // Samba insists on a private key file that only root can read.
  await fsp.chmod(path.join(tlsDir, 'key.pem'), 0o600)
  await fsp.rm(work, { recursive: true, force: true })
}

function realmToDn(realm) {
  return realm.toLowerCase().split('.').map((p) => `DC=${p}`).join(',')
}

/** Provision a new domain into targetDir (which must not exist yet or be empty). */
async function provision(targetDir, { realm, domain, adminPassword, logFile }) {
  await fsp.mkdir(targetDir, { recursive: true })
  const args = [
    'domain', 'provision',
    `--realm=${realm}`, `--domain=${domain}`, '--server-role=dc', '--dns-backend=NONE', '--use-rfc2307',
    `--adminpass=${adminPassword}`, `--targetdir=${targetDir}`,
    '--host-name=dc1', '--host-ip=127.0.0.1',
    '--option=netbios name=DC1',
    '--option=interfaces=lo', '--option=bind interfaces only=yes',
    '--option=server services=ldap',
  ]
  const logFd = fs.openSync(logFile, 'a')
  try {
    fs.writeSync(logFd, `\n[${new Date().toISOString()}] $ samba-tool ${args.map((a) => (a.startsWith('--adminpass=') ? '--adminpass=***' : a)).join(' ')}\n`)
    const r = await run(PROGRAMS.sambaTool, args, { logFd, timeoutMs: TIMEOUTS.provision, label: 'samba-tool domain provision' })
    if (r.code !== 0) {
      throw new Error(await withLogTail(`Samba test DC: samba-tool domain provision failed (${describeExit(r)}) in ${targetDir}`, logFile))
    }
    await makeTlsFiles(path.join(targetDir, 'private', 'tls'), {
      cn: `dc1.${realm.toLowerCase()}`,
      altNames: ['IP:127.0.0.1', 'DNS:localhost', `DNS:dc1.${realm.toLowerCase()}`, `DNS:${realm.toLowerCase()}`],
      logFd,
    })
  } finally {
    fs.closeSync(logFd)
  }
}

function templateDirFor({ realm, domain, adminPassword, version }) {
  const key = crypto.createHash('sha256').update(JSON.stringify([TEMPLATE_FORMAT, realm, domain, adminPassword, version])).digest('hex').slice(0, 16)
  return path.join(os.tmpdir(), `roster-samba-template-${key}`)
}

/** The cached template for these settings, provisioning it first when there is none. */
async function ensureTemplate(opts) {
  const templateDir = templateDirFor(opts)
  const marker = path.join(templateDir, 'roster-template.json')
  if (fs.existsSync(marker)) return { templateDir, built: false }
  // Build next to it and rename into place: never a half-provisioned template, even with two
  // processes racing (the loser's copy is thrown away).
  const building = `${templateDir}.building-${process.pid}-${Date.now()}`
  try {
    await provision(building, { ...opts, logFile: path.join(building, LOG_FILE) })
    fs.writeFileSync(path.join(building, 'roster-template.json'),
      JSON.stringify({ format: TEMPLATE_FORMAT, realm: opts.realm, domain: opts.domain, version: opts.version, dir: building }, null, 2) + '\n')
    try {
      fs.renameSync(building, templateDir)
    } catch (err) {
      if (!fs.existsSync(marker)) throw err
    }
  } finally {
    await fsp.rm(building, { recursive: true, force: true }).catch(() => {})
  }
  return { templateDir, built: true }
}

/** Copy a template into dir and point its smb.conf at dir. */
async function copyTemplate(templateDir, dir) {
  const { dir: provisionedIn } = JSON.parse(fs.readFileSync(path.join(templateDir, 'roster-template.json'), 'utf8'))
  const r = await run('cp', ['-a', `${templateDir}/.`, `${dir}/`], { timeoutMs: 120_000, label: 'cp' })
  if (r.code !== 0) throw new Error(`Samba test DC: copying the template ${templateDir} failed (${describeExit(r)}): ${r.output.trim()}`)
  fs.rmSync(path.join(dir, 'roster-template.json'), { force: true })
  const smbConf = path.join(dir, 'etc', 'smb.conf')
  const text = fs.readFileSync(smbConf, 'utf8')
  fs.writeFileSync(smbConf, text.split(provisionedIn).join(dir))
}

// ---------------------------------------------------------------------------------------------
// The DC

/**
 * Provision (or copy a cached provisioned template) and start a Samba AD DC in a new temporary
 * directory; resolves once an LDAPS bind as Administrator works.
 *
 * @param {{ realm?: string, domain?: string, adminPassword?: string, template?: boolean }} [options]
 * @returns {Promise<object>} see samba.d.mts (SambaDc)
 */
export async function startSambaDc({ realm = 'EXAMPLE.TEST', domain = 'EXAMPLE', adminPassword = 'Passw0rd!Admin', template } = {}) {
  realm = realm.toUpperCase()
  domain = domain.toUpperCase()
  if (!isRoot()) throw new Error('startSambaDc: a Samba DC needs root (it listens on ports 389 and 636)')
  if (!sambaInstalled()) await ensureSambaInstalled({ allowInstall: false })
  await assertPortsFree()
  const useTemplate = template ?? !process.env.ROSTER_SAMBA_NO_TEMPLATE
  const version = await sambaVersion()
  const timings = {}
  const t0 = Date.now()
  const dir = await fsp.mkdtemp(path.join(tmpParentDir('ROSTER_LDAP_TMPDIR'), 'roster-samba-'))
  const logFile = path.join(dir, LOG_FILE)
  try {
    let fromTemplate = false
    if (useTemplate) {
      try {
        const { templateDir, built } = await ensureTemplate({ realm, domain, adminPassword, version })
        timings.provisionMs = built ? Date.now() - t0 : 0
        const t1 = Date.now()
        await copyTemplate(templateDir, dir)
        timings.copyMs = Date.now() - t1
        fromTemplate = true
        fs.appendFileSync(logFile, `\n[${new Date().toISOString()}] copied from template ${templateDir}${built ? ' (just provisioned)' : ''}\n`)
      } catch (err) {
        // A broken cache must not break the tests: provision directly (and say so in the log).
        fs.mkdirSync(dir, { recursive: true })
        for (const name of fs.readdirSync(dir)) if (name !== LOG_FILE) fs.rmSync(path.join(dir, name), { recursive: true, force: true })
        fs.appendFileSync(logFile, `\n[${new Date().toISOString()}] template unusable, provisioning instead: ${err.message}\n`)
      }
    }
    if (!fromTemplate) {
      const t1 = Date.now()
      await provision(dir, { realm, domain, adminPassword, logFile })
      timings.provisionMs = Date.now() - t1
    }
    const baseDn = realmToDn(realm)
    const state = { dir, logFile, realm, domain, adminPassword, baseDn, fromTemplate }
    fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify({ ...state, adminPassword: undefined }, null, 2) + '\n')
    const handle = makeHandle(state)
    const t2 = Date.now()
    await handle.start()
    timings.startMs = Date.now() - t2
    timings.totalMs = Date.now() - t0
    handle.timings = timings
    return handle
  } catch (err) {
    if (!process.env.ROSTER_KEEP_FAILED_LDAP) await fsp.rm(dir, { recursive: true, force: true }).catch(() => {})
    throw err
  }
}

/** Delete every cached Samba template (they are rebuilt on demand). */
export async function clearSambaTemplates() {
  for (const name of await fsp.readdir(os.tmpdir())) {
    if (name.startsWith('roster-samba-template-')) await fsp.rm(path.join(os.tmpdir(), name), { recursive: true, force: true })
  }
}

function makeHandle(state) {
  const { dir, logFile, realm, domain, adminPassword, baseDn, fromTemplate } = state
  const smbConf = path.join(dir, 'etc', 'smb.conf')
  const caFile = path.join(dir, 'private', 'tls', 'ca.pem')
  const url = `ldaps://127.0.0.1:${LDAPS_PORT}`
  const plainUrl = `ldap://127.0.0.1:${LDAP_PORT}`
  const bindDn = `CN=Administrator,CN=Users,${baseDn}`
  const bindUpn = `Administrator@${realm.toLowerCase()}`
  // Client tools: no ~/.ldaprc or /etc/ldap/ldap.conf settings; verify the server against our CA.
  const clientEnv = { ...process.env, LDAPCONF: '/dev/null', LDAPRC: path.join(dir, 'no-ldaprc'), LDAPTLS_CACERT: caFile, LDAPTLS_REQCERT: 'demand' }
  let child = null
  let running = false
  let destroyed = false

  const failure = async (what) => new Error(await withLogTail(`Samba test DC (${dir}): ${what}`, logFile))
  const bindArgs = () => ['-x', '-H', url, '-D', bindDn, '-w', adminPassword]

  const handle = {
    url,
    plainUrl,
    caFile,
    bindDn,
    bindUpn,
    password: adminPassword,
    baseDn,
    realm,
    domain,
    usersDn: `CN=Users,${baseDn}`,
    deletedObjectsDn: `CN=Deleted Objects,${baseDn}`,
    dir,
    smbConf,
    logFile,
    env: clientEnv,
    fromTemplate,
    timings: {},
    get pid() {
      return child?.pid ?? null
    },
    get running() {
      return running
    },
    async start() {
      if (destroyed) throw new Error('Samba test DC: start() after destroy()')
      if (running) return handle
      await assertPortsFree()
      const logFd = fs.openSync(logFile, 'a')
      let exited = null
      try {
        const args = ['-s', smbConf, '-i', '-M', 'single', '--debuglevel=1']
        fs.writeSync(logFd, `\n[${new Date().toISOString()}] $ samba ${args.join(' ')}\n`)
        // -i: foreground, logs to stdout; it also ends when its stdin closes, so keep a pipe open for
        // as long as we live - if this process dies without clean-up, the DC goes with it.
        child = spawn(PROGRAMS.samba, args, { stdio: ['pipe', logFd, logFd], detached: true })
      } finally {
        fs.closeSync(logFd)
      }
      const me = child
      me.stdin.on('error', () => {})
      me.unref()
      me.stdin.unref?.()
      me.on('exit', (code, signal) => {
        exited = { code, signal }
        if (child === me) {
          running = false
          child = null
        }
        releaseLock(dir)
      })
      me.on('error', (err) => {
        exited = { code: null, signal: null, error: err }
      })
      running = true
      fs.writeFileSync(LOCK_FILE, JSON.stringify({ pid: me.pid, owner: process.pid, dir }) + '\n')
      live.add(handle)
      const deadline = Date.now() + TIMEOUTS.start
      let last = ''
      for (;;) {
        if (exited) {
          running = false
          throw await failure(`samba exited during start-up (${exited.error ? exited.error.message : describeExit(exited)})`)
        }
        if (await canConnect(LDAPS_PORT)) {
          // (AD does not implement the "Who am I?" extended operation: read the rootDSE after binding.)
          const r = await run('ldapsearch', [...bindArgs(), '-LLL', '-s', 'base', '-b', '', 'defaultNamingContext'], { env: clientEnv, timeoutMs: 30_000, label: 'ldapsearch' })
          if (r.code === 0) return handle
          last = r.output.trim()
        }
        if (Date.now() > deadline) {
          await handle.stop().catch(() => {})
          throw await failure(`no LDAPS bind as ${bindDn} on ${url} within ${TIMEOUTS.start / 1000} s${last ? ` (last: ${last})` : ''}`)
        }
        await sleep(100)
      }
    },
    async stop() {
      const c = child
      if (!c) {
        running = false
        return
      }
      await terminateChild(c, TIMEOUTS.stop)
      c.stdin.destroy()
      running = false
      if (child === c) child = null
      releaseLock(dir)
    },
    async destroy() {
      if (destroyed) return
      await handle.stop().catch(async () => {
        const pid = child?.pid
        if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL')
        await sleep(200)
        releaseLock(dir)
      })
      destroyed = true
      live.delete(handle)
      await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 })
    },
    /** Run samba-tool with -s <smbConf> (direct database access, no network). Resolves stdout; rejects on failure. */
    async samba(args) {
      const r = await run(PROGRAMS.sambaTool, [...args, '-s', smbConf], { timeoutMs: TIMEOUTS.sambaTool, label: `samba-tool ${args[0] ?? ''}` })
      if (r.code !== 0) throw new Error(`Samba test DC: samba-tool ${args.join(' ')} failed (${describeExit(r)}):\n${r.output.trim().slice(-4000)}`)
      return r.stdout
    },
    /**
     * Apply LDIF over LDAPS as Administrator with ldapmodify -a (records without changetype are adds).
     * continueOnError: ldapmodify -c. Resolves ldapmodify's output; rejects when it fails.
     */
    async ldif(text, { continueOnError = false } = {}) {
      const args = [...bindArgs(), '-a']
      if (continueOnError) args.push('-c')
      const r = await run('ldapmodify', args, { input: text, env: clientEnv, timeoutMs: TIMEOUTS.client, label: 'ldapmodify' })
      if (r.code !== 0) throw new Error(`Samba test DC: ldapmodify failed (${describeExit(r)}):\n${r.output.trim().slice(-4000)}`)
      return r.output
    },
    /** ldapsearch over LDAPS as Administrator (-LLL -o ldif-wrap=no). Resolves stdout; rejects on failure. */
    async search(args = []) {
      const r = await run('ldapsearch', [...bindArgs(), '-LLL', '-o', 'ldif-wrap=no', ...args], { env: clientEnv, timeoutMs: TIMEOUTS.client, label: 'ldapsearch' })
      if (r.code !== 0) throw new Error(`Samba test DC: ldapsearch ${args.join(' ')} failed (${describeExit(r)}):\n${r.output.trim().slice(-4000)}`)
      return r.stdout
    },
  }
  return handle
}

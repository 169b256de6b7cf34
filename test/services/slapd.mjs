// Throwaway OpenLDAP servers (slapd) for tests.
//
// Plain ESM JavaScript, like test/services/postgres.mjs, so that it can be imported from .mjs scripts
// and from TypeScript tests run through tsx alike.
//
//   import { ensureSlapdInstalled, startSlapd } from '../services/slapd.mjs'
//   await ensureSlapdInstalled({ allowInstall: false })   // as root in CI: allowInstall: true
//   const ldap = await startSlapd()          // ldap.url -> ldap://127.0.0.1:<port>, base entries loaded
//   await ldap.ldif('dn: uid=alice,ou=People,dc=example,dc=org\nobjectClass: inetOrgPerson\n...')
//   await ldap.stop(); await ldap.start()    // simulate an outage; same port, same data
//   await ldap.destroy()                     // stop (if running) and delete everything
//
// Every server lives in its own temporary directory (config from a generated slapd.conf, never the
// system's cn=config), listens on 127.0.0.1 only, and writes all its output to <dir>/slapd.log.
// Overlays: memberof (+ refint) on groupOfNames/member, so entries carry memberOf. The Simple Paged
// Results control works (built into slapd). With { tls: true }: StartTLS on the same port and LDAPS on
// a second one, with a certificate (SAN IP:127.0.0.1, DNS:localhost) from a throwaway CA (<dir>/tls/ca.pem).

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const SLAPD = '/usr/sbin/slapd'
const SLAPADD = '/usr/sbin/slapadd'
const MODULE_DIR = '/usr/lib/ldap'
const SCHEMA_DIR = '/etc/ldap/schema'
const CLIENTS = ['ldapsearch', 'ldapmodify', 'ldapadd', 'ldapwhoami', 'ldapdelete']
const PACKAGES = ['slapd', 'ldap-utils']
const LOG_FILE = 'slapd.log'

const TIMEOUTS = {
  aptUpdate: 5 * 60_000,
  aptInstall: 10 * 60_000,
  slapadd: 60_000,
  start: 30_000,
  stop: 15_000,
  client: 120_000,
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

// ---------------------------------------------------------------------------------------------
// Child processes (same conventions as postgres.mjs)

/**
 * Run a command with a timeout. Output goes to `logFd` when given, otherwise stdout and stderr are
 * collected (bounded) and returned. `input` is written to stdin. Resolves { code, signal, stdout,
 * stderr, output }; rejects only when the command cannot be started or times out.
 */
function run(cmd, args, { logFd, timeoutMs, env, label, input } = {}) {
  return new Promise((resolve, reject) => {
    let child
    const collect = logFd === undefined
    try {
      child = spawn(cmd, args, {
        stdio: [input === undefined ? 'ignore' : 'pipe', collect ? 'pipe' : logFd, collect ? 'pipe' : logFd],
        env: env ?? process.env,
      })
    } catch (err) {
      reject(new Error(`${label ?? cmd}: could not start ${cmd}: ${err.message}`))
      return
    }
    let stdout = ''
    let stderr = ''
    let output = ''
    if (collect) {
      const bound = (s) => (s.length > 4_000_000 ? s.slice(-2_000_000) : s)
      child.stdout.on('data', (chunk) => {
        stdout = bound(stdout + chunk)
        output = bound(output + chunk)
      })
      child.stderr.on('data', (chunk) => {
        stderr = bound(stderr + chunk)
        output = bound(output + chunk)
      })
    }
    if (input !== undefined) {
      child.stdin.on('error', () => {}) // EPIPE when the command exits early: its exit code tells
      child.stdin.end(input)
    }
    let timedOut = false
    let killTimer
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true
          child.kill('SIGTERM')
          killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000)
          killTimer.unref?.()
        }, timeoutMs)
      : undefined
    child.on('error', (err) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      reject(new Error(`${label ?? cmd}: could not run ${cmd}: ${err.message}`))
    })
    child.on(collect ? 'close' : 'exit', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      if (timedOut) {
        reject(new Error(`${label ?? cmd}: timed out after ${Math.round(timeoutMs / 1000)} s`))
        return
      }
      resolve({ code, signal, stdout, stderr, output })
    })
  })
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function which(name) {
  for (const dir of (process.env.PATH || '/usr/local/bin:/usr/bin:/bin').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const file = path.join(dir, name)
    if (isExecutable(file)) return file
  }
  return null
}

async function tail(file, lines = 30) {
  try {
    const text = await fsp.readFile(file, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

function describeExit({ code, signal }) {
  return signal ? `killed by ${signal}` : `exit code ${code}`
}

function processAlive(pid) {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return err.code === 'EPERM'
  }
  // A zombie (exited, not yet reaped - containers whose pid 1 does not reap leave them) is not alive.
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return true
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Installation

function slapdInstalled() {
  return isExecutable(SLAPD) && isExecutable(SLAPADD) && fs.existsSync(path.join(SCHEMA_DIR, 'inetorgperson.schema')) && CLIENTS.every((c) => which(c))
}

/**
 * Install Debian packages noninteractively: debconf answers from `preseed` (debconf-set-selections
 * lines), and no service is started by the maintainer scripts (a temporary /usr/sbin/policy-rc.d
 * that says 101, unless one is there already). apt output goes to a log file; its path and tail are
 * in the error message on failure. Shared recipe with samba.mjs (kept in each file on purpose).
 */
async function aptInstall(packages, { what, preseed = '' }) {
  const logDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'roster-ldap-install-'))
  const logFile = path.join(logDir, 'apt.log')
  const logFd = fs.openSync(logFile, 'a')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', DEBCONF_NONINTERACTIVE_SEEN: 'true', NEEDRESTART_MODE: 'a' }
  const fail = async (why) => {
    throw new Error(`${what}; ${why}. Log: ${logFile}\n--- last lines of ${logFile} ---\n${await tail(logFile)}`)
  }
  const policy = '/usr/sbin/policy-rc.d'
  let ownPolicy = false
  try {
    if (preseed) {
      fs.writeSync(logFd, `$ debconf-set-selections <<EOF\n${preseed}EOF\n`)
      const r = await run('debconf-set-selections', [], { input: preseed, timeoutMs: 60_000, label: 'debconf-set-selections' })
      fs.writeSync(logFd, `${r.output}-> ${describeExit(r)}\n`)
      if (r.code !== 0) await fail(`debconf-set-selections failed (${describeExit(r)})`)
    }
    if (!fs.existsSync(policy)) {
      // Never let the packages start their system daemons (slapd on 389, smbd, nmbd, winbind...).
      fs.writeFileSync(policy, '#!/bin/sh\n# temporary, from roster test/services: no service starts during apt-get install\nexit 101\n', { mode: 0o755 })
      ownPolicy = true
    }
    const apt = async (label, args, timeoutMs) => {
      fs.writeSync(logFd, `\n$ apt-get ${args.join(' ')}\n`)
      const r = await run('apt-get', args, { logFd, timeoutMs, env, label })
      fs.writeSync(logFd, `-> ${describeExit(r)}\n`)
      return r
    }
    const lock = ['-o', 'DPkg::Lock::Timeout=120']
    const install = () =>
      apt('apt-get install', [...lock, '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', 'install', '-y', '-q', ...packages], TIMEOUTS.aptInstall)
    const update = () => apt('apt-get update', [...lock, 'update', '-q'], TIMEOUTS.aptUpdate)
    const known = await run('apt-cache', ['show', packages[0]], { timeoutMs: 60_000, label: 'apt-cache show' })
    let updated = false
    if (known.code !== 0 || !new RegExp(`^Package: ${packages[0]}$`, 'm').test(known.output)) {
      const u = await update()
      if (u.code !== 0) await fail(`apt-get update failed (${describeExit(u)})`)
      updated = true
    }
    let r = await install()
    if (r.code !== 0 && !updated) {
      const u = await update()
      if (u.code !== 0) await fail(`apt-get install failed and apt-get update failed too (${describeExit(u)})`)
      r = await install()
    }
    if (r.code !== 0) await fail(`apt-get install -y ${packages.join(' ')} failed (${describeExit(r)})`)
  } catch (err) {
    if (err.message.startsWith(what)) throw err
    await fail(err.message)
  } finally {
    fs.closeSync(logFd)
    if (ownPolicy) fs.rmSync(policy, { force: true })
  }
  await fsp.rm(logDir, { recursive: true, force: true })
}

// slapd's postinst would otherwise build a system database in /etc/ldap/slapd.d for the host's
// domain name. We never use it (every test server has its own slapd.conf), so skip that.
const SLAPD_PRESEED = 'slapd slapd/no_configuration boolean true\n'

/**
 * Make sure slapd, its modules and schemas, and the ldap-utils clients are there, installing the
 * Debian packages `slapd ldap-utils` when they are missing and `allowInstall` is true (root only).
 * The system slapd is never configured nor started.
 *
 * @param {{ allowInstall?: boolean }} [options]
 * @returns {Promise<{ slapd: string, slapadd: string, moduleDir: string, schemaDir: string }>}
 */
export async function ensureSlapdInstalled({ allowInstall = false } = {}) {
  const result = { slapd: SLAPD, slapadd: SLAPADD, moduleDir: MODULE_DIR, schemaDir: SCHEMA_DIR }
  if (slapdInstalled()) return result
  const missing = `OpenLDAP slapd and/or ldap-utils not found (looked for ${SLAPD}, ${SCHEMA_DIR}/*.schema, ${CLIENTS.join(', ')})`
  if (!allowInstall) throw new Error(`${missing}. Install them with: apt-get install -y ${PACKAGES.join(' ')}`)
  if (!isRoot()) throw new Error(`${missing}, and installing them needs root. Run: sudo apt-get install -y ${PACKAGES.join(' ')}`)
  if (!isExecutable('/usr/bin/apt-get')) throw new Error(`${missing}, and apt-get is not available to install ${PACKAGES.join(' ')}.`)
  await aptInstall(PACKAGES, { what: missing, preseed: SLAPD_PRESEED })
  if (!slapdInstalled()) throw new Error(`${missing}: still missing after apt-get install -y ${PACKAGES.join(' ')}`)
  return result
}

// ---------------------------------------------------------------------------------------------
// Servers

function parentDir() {
  const wanted = process.env.ROSTER_LDAP_TMPDIR
  if (wanted) {
    try {
      if (fs.statSync(wanted).isDirectory()) return wanted
    } catch {
      // fall back
    }
  }
  return os.tmpdir()
}

const live = new Set()
let exitHookInstalled = false
function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Last resort when a test process exits without destroy(): kill slapd and remove its directory.
  process.on('exit', () => {
    for (const s of live) {
      if (s.pid) {
        try {
          process.kill(s.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      try {
        fs.rmSync(s.dir, { recursive: true, force: true, maxRetries: 3 })
      } catch {
        // best effort
      }
    }
  })
}

/** The base entry for a suffix such as dc=example,dc=org, o=Acme or ou=Test,dc=x. */
function suffixEntry(suffix) {
  const first = suffix.split(/(?<!\\),/)[0]
  const eq = first.indexOf('=')
  const type = first.slice(0, eq).trim().toLowerCase()
  const value = first.slice(eq + 1).trim()
  if (type === 'dc') return `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${value}\no: ${value}\n`
  if (type === 'o') return `dn: ${suffix}\nobjectClass: organization\no: ${value}\n`
  if (type === 'ou') return `dn: ${suffix}\nobjectClass: organizationalUnit\nou: ${value}\n`
  throw new Error(`startSlapd: unsupported suffix ${suffix} (use dc=..., o=... or ou=...)`)
}

function slapdConf({ dir, suffix, bindDn, password, sizeLimit, tls }) {
  const q = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  return [
    '# generated by roster test/services/slapd.mjs',
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload refint',
    `pidfile ${q(path.join(dir, 'slapd.pid'))}`,
    `argsfile ${q(path.join(dir, 'slapd.args'))}`,
    `sizelimit ${sizeLimit}`,
    ...(tls
      ? [
          `TLSCACertificateFile ${q(path.join(dir, 'tls', 'ca.pem'))}`,
          `TLSCertificateFile ${q(path.join(dir, 'tls', 'cert.pem'))}`,
          `TLSCertificateKeyFile ${q(path.join(dir, 'tls', 'key.pem'))}`,
        ]
      : []),
    '',
    'database mdb',
    `suffix ${q(suffix)}`,
    `rootdn ${q(bindDn)}`,
    `rootpw ${q(password)}`,
    `directory ${q(path.join(dir, 'db'))}`,
    'maxsize 1073741824',
    'dbnosync',
    `limits dn.exact=${q(bindDn)} size=unlimited time=unlimited`,
    'index objectClass eq',
    'index entryUUID eq',
    'index uid,cn,mail eq,sub',
    'index member,memberOf eq',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
    '',
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    'memberof-refint TRUE',
    '',
    'overlay refint',
    'refint_attributes member',
    '',
  ].join('\n')
}

async function makeTlsFiles(tlsDir, { cn, altNames }) {
  await fsp.mkdir(tlsDir, { recursive: true, mode: 0o700 })
  const logFile = path.join(tlsDir, 'openssl.log')
  const steps = [
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650', '-subj', '/CN=Roster test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', path.join(tlsDir, 'ca-key.pem'), '-out', path.join(tlsDir, 'ca.pem')],
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`,
      '-keyout', path.join(tlsDir, 'key.pem'), '-out', path.join(tlsDir, 'server.csr')],
    ['x509', '-req', '-in', path.join(tlsDir, 'server.csr'), '-CA', path.join(tlsDir, 'ca.pem'), '-CAkey', path.join(tlsDir, 'ca-key.pem'),
      '-CAcreateserial', '-days', '3650', '-out', path.join(tlsDir, 'cert.pem'), '-extfile', path.join(tlsDir, 'ext.cnf')],
  ]
  await fsp.writeFile(path.join(tlsDir, 'ext.cnf'),
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${altNames.join(',')}\n`)
  for (const args of steps) {
    const r = await run('openssl', args, { timeoutMs: 60_000, label: 'openssl' })
    await fsp.appendFile(logFile, `$ openssl ${args.join(' ')}\n${r.output}-> ${describeExit(r)}\n`)
    if (r.code !== 0) throw new Error(`openssl ${args[0]} failed (${describeExit(r)}):\n${r.output.slice(-2000)}`)
  }
  await fsp.chmod(path.join(tlsDir, 'key.pem'), 0o600)
}

function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port })
    const done = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(timeoutMs, () => done(false))
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

/**
 * Create and start a throwaway slapd in a new temporary directory, with the base entries
 * (suffix, ou=People, ou=Groups) loaded.
 *
 * @param {{ port?: number, suffix?: string, password?: string, tls?: boolean, sizeLimit?: number | 'unlimited',
 *   keepOnExit?: boolean }} [options]
 * @returns {Promise<object>} see slapd.d.mts (SlapdServer)
 */
export async function startSlapd({ port, suffix = 'dc=example,dc=org', password = 'secret', tls = false, sizeLimit = 500, keepOnExit = false } = {}) {
  if (!slapdInstalled()) await ensureSlapdInstalled({ allowInstall: false })
  const started = Date.now()
  const bindDn = `cn=admin,${suffix}`
  const dir = await fsp.mkdtemp(path.join(parentDir(), 'roster-slapd-'))
  const logFile = path.join(dir, LOG_FILE)
  const confFile = path.join(dir, 'slapd.conf')
  try {
    await fsp.mkdir(path.join(dir, 'db'), { mode: 0o700 })
    fs.writeFileSync(logFile, '')
    if (tls) await makeTlsFiles(path.join(dir, 'tls'), { cn: 'localhost', altNames: ['IP:127.0.0.1', 'DNS:localhost'] })
    fs.writeFileSync(confFile, slapdConf({ dir, suffix, bindDn, password, sizeLimit, tls }), { mode: 0o600 })

    // Base entries, offline (slapadd is much faster than ldapadd and needs no running server).
    const base = [
      suffixEntry(suffix),
      `dn: ou=People,${suffix}\nobjectClass: organizationalUnit\nou: People\n`,
      `dn: ou=Groups,${suffix}\nobjectClass: organizationalUnit\nou: Groups\n`,
    ].join('\n')
    {
      const logFd = fs.openSync(logFile, 'a')
      try {
        fs.writeSync(logFd, `[${new Date().toISOString()}] $ slapadd -f ${confFile} (base entries)\n`)
        const r = await run(SLAPADD, ['-f', confFile, '-q'], { logFd, input: base, timeoutMs: TIMEOUTS.slapadd, label: 'slapadd' })
        if (r.code !== 0) throw new Error(`slapd test server: slapadd of the base entries failed (${describeExit(r)})\n--- last lines of ${logFile} ---\n${await tail(logFile)}`)
      } finally {
        fs.closeSync(logFd)
      }
    }

    const fixedPort = port !== undefined && port !== null
    for (let attempt = 1; ; attempt++) {
      const p = fixedPort ? Number(port) : await getFreePort()
      const tlsPort = tls ? await getFreePort() : null
      const handle = makeHandle({ dir, logFile, confFile, suffix, bindDn, password, port: p, tlsPort }, { keepOnExit })
      try {
        await handle.start()
        handle.startupMs = Date.now() - started
        return handle
      } catch (err) {
        live.delete(handle)
        const portTaken = /Address already in use|could not bind|bind\(\d+\) failed/i.test(await tail(logFile, 20))
        if (fixedPort || !portTaken || attempt >= 3) throw err
      }
    }
  } catch (err) {
    if (!process.env.ROSTER_KEEP_FAILED_LDAP) await fsp.rm(dir, { recursive: true, force: true }).catch(() => {})
    throw err
  }
}

function makeHandle(state, { keepOnExit }) {
  const { dir, logFile, confFile, suffix, bindDn, password, port, tlsPort } = state
  const url = `ldap://127.0.0.1:${port}`
  const ldapsUrl = tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined
  const caFile = tlsPort ? path.join(dir, 'tls', 'ca.pem') : undefined
  // Client tools: never read ~/.ldaprc or /etc/ldap/ldap.conf settings that could interfere; trust our CA.
  const clientEnv = { ...process.env, LDAPCONF: '/dev/null', LDAPRC: path.join(dir, 'no-ldaprc') }
  if (caFile) clientEnv.LDAPTLS_CACERT = caFile
  let child = null
  let running = false
  let destroyed = false

  const failure = async (what) => new Error(`slapd test server (${dir}, port ${port}): ${what}\n--- last lines of ${logFile} ---\n${await tail(logFile)}`)

  const client = async (tool, args, { input, label } = {}) => {
    const r = await run(tool, args, { input, env: clientEnv, timeoutMs: TIMEOUTS.client, label: label ?? tool })
    return r
  }
  const bindArgs = () => ['-x', '-H', url, '-D', bindDn, '-w', password]

  const handle = {
    url,
    ldapsUrl,
    caFile,
    port,
    tlsPort: tlsPort ?? undefined,
    bindDn,
    password,
    suffix,
    peopleDn: `ou=People,${suffix}`,
    groupsDn: `ou=Groups,${suffix}`,
    dir,
    confFile,
    logFile,
    env: clientEnv,
    startupMs: undefined,
    get pid() {
      return child?.pid ?? null
    },
    get running() {
      return running
    },
    async start() {
      if (destroyed) throw new Error('slapd test server: start() after destroy()')
      if (running) return handle
      const urls = [`ldap://127.0.0.1:${port}/`]
      if (tlsPort) urls.push(`ldaps://127.0.0.1:${tlsPort}/`)
      const logFd = fs.openSync(logFile, 'a')
      let exited = null
      try {
        fs.writeSync(logFd, `\n[${new Date().toISOString()}] $ slapd -f ${confFile} -h "${urls.join(' ')}" -d 0\n`)
        // -d: stay in the foreground (we own the pid; output goes to the log). Level 0 keeps it quiet
        // apart from errors; set ROSTER_SLAPD_DEBUG=stats (or any -d level) for a query log.
        child = spawn(SLAPD, ['-f', confFile, '-h', urls.join(' '), '-d', process.env.ROSTER_SLAPD_DEBUG || '0'], {
          stdio: ['ignore', logFd, logFd],
          detached: true,
        })
      } finally {
        fs.closeSync(logFd)
      }
      child.unref()
      const me = child
      me.on('exit', (code, signal) => {
        exited = { code, signal }
        if (child === me) {
          running = false
          child = null
        }
      })
      me.on('error', (err) => {
        exited = { code: null, signal: null, error: err }
      })
      running = true
      if (!keepOnExit) {
        live.add(handle)
        installExitHook()
      }
      const deadline = Date.now() + TIMEOUTS.start
      for (;;) {
        if (exited) {
          running = false
          throw await failure(`slapd exited during start-up (${exited.error ? exited.error.message : describeExit(exited)})`)
        }
        if (await canConnect(port)) {
          const r = await client('ldapwhoami', bindArgs(), { label: 'ldapwhoami' })
          if (r.code === 0) return handle
          if (Date.now() > deadline) {
            await handle.stop().catch(() => {})
            throw await failure(`slapd does not accept a bind as ${bindDn}: ${r.output.trim()}`)
          }
        }
        if (Date.now() > deadline) {
          await handle.stop().catch(() => {})
          throw await failure(`slapd did not listen on 127.0.0.1:${port} within ${TIMEOUTS.start / 1000} s`)
        }
        await sleep(50)
      }
    },
    async stop() {
      const c = child
      if (!c) {
        running = false
        return
      }
      const gone = new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', resolve)))
      try {
        process.kill(c.pid, 'SIGTERM')
      } catch {
        // gone
      }
      let t
      const timer = new Promise((resolve) => {
        t = setTimeout(() => resolve('timeout'), TIMEOUTS.stop)
      })
      const outcome = await Promise.race([gone, timer])
      clearTimeout(t)
      if (outcome === 'timeout') {
        try {
          process.kill(c.pid, 'SIGKILL')
        } catch {
          // gone
        }
        await gone
      }
      running = false
      if (child === c) child = null
    },
    async destroy() {
      if (destroyed) return
      await handle.stop().catch(async () => {
        const pid = child?.pid
        if (pid && processAlive(pid)) process.kill(pid, 'SIGKILL')
        await sleep(200)
      })
      destroyed = true
      live.delete(handle)
      await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 })
    },
    /**
     * Apply LDIF as the rootdn with ldapmodify -a (records without changetype are adds).
     * continueOnError: ldapmodify -c. Resolves ldapmodify's output; rejects when it fails.
     */
    async ldif(text, { continueOnError = false } = {}) {
      const args = [...bindArgs(), '-a']
      if (continueOnError) args.push('-c')
      const r = await client('ldapmodify', args, { input: text, label: 'ldapmodify' })
      if (r.code !== 0) throw new Error(`slapd test server: ldapmodify failed (${describeExit(r)}):\n${r.output.trim().slice(-4000)}`)
      return r.output
    },
    /** ldapsearch as the rootdn (-LLL). args: extra arguments (e.g. ['-b', base, '(uid=*)', 'memberOf']). Resolves stdout. */
    async search(args = []) {
      const r = await client('ldapsearch', [...bindArgs(), '-LLL', ...args])
      if (r.code !== 0) throw new Error(`slapd test server: ldapsearch ${args.join(' ')} failed (${describeExit(r)}):\n${r.output.trim().slice(-4000)}`)
      return r.stdout
    },
  }
  return handle
}

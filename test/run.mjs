#!/usr/bin/env node
// `npm test`: run the mocha suite, with a throwaway PostgreSQL server when none is given.
//
//   node test/run.mjs                          # everything (spec from .mocharc.json)
//   node test/run.mjs test/store/store.test.ts # only these files (extra args go to mocha)
//   node test/run.mjs --grep tokens
//   node test/run.mjs --suite fast             # a named selection (SUITES below); other args still apply
//
// - TEST_DATABASE_URL unset: finds (as root: installs) the PostgreSQL server binaries and starts a
//   private cluster for this run; its URL goes to the tests as TEST_DATABASE_URL. If that is not
//   possible the run fails under CI=true, and otherwise goes on without it (loud warning).
// - TEST_PG_BIN (server bin dir) is passed on whenever the binaries are usable, so tests can start
//   clusters of their own with startCluster({ binDir }) from test/services/postgres.mjs.
// - The very last line on stdout is always "N passed, N failed" (", N skipped" when some were).
//   Exit status 0 only when nothing failed and mocha exited 0.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePostgresInstalled, startCluster, openCluster } from './services/postgres.mjs'
import { ensureSlapdInstalled } from './services/slapd.mjs'
import { ensureSambaInstalled } from './services/samba.mjs'
import { ensureSimpleSamlPhpInstalled } from './services/simplesamlphp.mjs'
import { ensureChromiumInstalled } from './services/chromium.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Named selections of the suite. `fast` is what CI runs on the other supported Node majors: the code
 * whose behaviour depends on the runtime (parsing, the domain, both stores, the SCIM API over HTTP,
 * argon2's native binding via the password tests) without the external services (directory servers,
 * the SAML IdP, a browser, HAProxy), so that it takes a few minutes. `services: false` skips
 * installing those services.
 */
const SUITES = {
  fast: {
    spec: [
      'test/config.test.ts',
      'test/domain/**/*.test.ts',
      'test/http/**/*.test.ts',
      'test/store/**/*.test.ts',
      'test/scim/**/*.test.ts',
      'test/sync/units.test.ts',
    ],
    // Minutes of random input each; the input, not the runtime, is what they explore.
    ignore: ['test/scim/fuzz.api.test.ts'],
    services: false,
  },
}

/** `--suite NAME` (or `--suite=NAME`) taken out of the arguments and replaced by its files. */
function selectSuite(args) {
  const rest = []
  let suite = null
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    const name = a === '--suite' ? args[++i] : a.startsWith('--suite=') ? a.slice('--suite='.length) : undefined
    if (name === undefined) {
      rest.push(a)
      continue
    }
    suite = SUITES[name]
    if (!suite) return { args: rest, services: false, unknown: String(name) }
  }
  if (!suite) return { args: rest, services: true, unknown: null }
  return { args: [...rest, ...suite.ignore.flatMap((glob) => ['--ignore', glob]), ...suite.spec], services: suite.services, unknown: null }
}

const selection = selectSuite(process.argv.slice(2))
const extraArgs = selection.args
const isCI = process.env.CI === 'true'
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

const log = (msg) => process.stderr.write(`[test/run] ${msg}\n`)

// Per-run scratch space: the stats file, a derived mocha config, and every PostgreSQL cluster
// started during the run (ours and the tests' own, via ROSTER_PG_TMPDIR), so that whatever a crashed
// or interrupted test leaves behind is found and removed at the end. 0711: the postgres user must be
// able to reach its cluster directories inside.
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-testrun-'))
fs.chmodSync(runDir, 0o711)
const pgTmp = path.join(runDir, 'pg')
fs.mkdirSync(pgTmp, { mode: 0o711 })
fs.chmodSync(pgTmp, 0o711)
const statsFile = path.join(runDir, 'stats.json')

process.env.ROSTER_PG_TMPDIR = pgTmp // for the cluster started here too
const childEnv = { ...process.env, ROSTER_TEST_STATS: statsFile }

let cluster = null
let child = null
let interrupted = null
let killTimer = null

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }
for (const sig of Object.keys(SIGNALS)) {
  process.on(sig, () => {
    if (interrupted) {
      // Second signal: stop waiting politely.
      killChild('SIGKILL')
      return
    }
    interrupted = sig
    log(`${sig} received: stopping the tests and cleaning up`)
    if (child) {
      killChild(sig === 'SIGINT' ? 'SIGINT' : 'SIGTERM')
      killTimer = setTimeout(() => killChild('SIGKILL'), 10_000)
    }
    // Without a child yet (still starting PostgreSQL), main() notices `interrupted` when that returns.
  })
}

function killChild(signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal) // the whole group: mocha's wrapper and the node process running the tests
  } catch {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
}

/** Positional (spec) arguments among extraArgs, as mocha itself would parse them. */
function positionalArgs(args) {
  try {
    const require = createRequire(path.join(root, 'package.json'))
    const { loadOptions } = require('mocha/lib/cli/options.cjs')
    return loadOptions(['--no-config', '--no-package', ...args])._.map(String)
  } catch {
    return args.filter((a) => !a.startsWith('-'))
  }
}

/**
 * Mocha concatenates the spec of .mocharc.json with files named on the command line. When files are
 * named, run only those: hand mocha a copy of the config without "spec".
 */
function configArgs(args) {
  if (args.some((a) => a === '--config' || a.startsWith('--config=') || a === '--no-config')) return []
  if (positionalArgs(args).length === 0) return []
  const rc = path.join(root, '.mocharc.json')
  try {
    const config = JSON.parse(fs.readFileSync(rc, 'utf8'))
    delete config.spec
    const derived = path.join(runDir, 'mocharc.json')
    fs.writeFileSync(derived, JSON.stringify(config, null, 2))
    return ['--config', derived]
  } catch {
    return []
  }
}

async function setUpPostgres() {
  if (process.env.TEST_DATABASE_URL) {
    try {
      childEnv.TEST_PG_BIN = await ensurePostgresInstalled({ allowInstall: false })
    } catch {
      // The tests that need their own cluster will say so.
    }
    return
  }
  let binDir
  try {
    const t0 = Date.now()
    binDir = await ensurePostgresInstalled({ allowInstall: isRoot })
    cluster = await startCluster({ binDir })
    childEnv.TEST_DATABASE_URL = cluster.url
    childEnv.TEST_PG_BIN = binDir
    log(`PostgreSQL (${binDir}) started for this run at ${cluster.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  } catch (err) {
    if (isCI) {
      log(`CI=true and no PostgreSQL server for the tests: ${err.message}`)
      return 'fatal'
    }
    const bar = '!'.repeat(78)
    process.stderr.write(
      `\n${bar}\n!! WARNING: could not start a PostgreSQL server for the tests, and TEST_DATABASE_URL is not set.\n` +
        `!! The PostgreSQL-server half of the suite will be SKIPPED (the PGlite half still runs).\n` +
        `!! Reason: ${err.message.split('\n').join('\n!!   ')}\n` +
        `!! Fix: apt-get install -y postgresql (or set TEST_DATABASE_URL), then run npm test again.\n${bar}\n\n`,
    )
  }
}

/**
 * The directory sync tests run against a real OpenLDAP slapd and a real Samba AD domain controller,
 * started on demand by test/support/directories.ts. Installing their packages happens here, once,
 * before mocha. Missing under CI=true: fatal. Otherwise the sync suites are skipped, loudly; the
 * reason reaches them in ROSTER_TEST_LDAP_MISSING.
 */
async function setUpDirectories() {
  const missing = []
  for (const [name, ensure] of [
    ['OpenLDAP slapd', () => ensureSlapdInstalled({ allowInstall: isRoot })],
    ['Samba AD DC', () => ensureSambaInstalled({ allowInstall: isRoot })],
  ]) {
    const t0 = Date.now()
    try {
      await ensure()
      log(`${name} available (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    } catch (err) {
      missing.push(`${name}: ${err.message.split('\n')[0]}`)
    }
  }
  if (!isRoot) missing.push('Samba AD DC: needs root (it listens on ports 389 and 636)')
  if (!missing.length) return
  if (isCI) {
    log(`CI=true and the directory servers for the sync tests are missing:\n  ${missing.join('\n  ')}`)
    return 'fatal'
  }
  childEnv.ROSTER_TEST_LDAP_MISSING = missing.join('; ')
  const bar = '!'.repeat(78)
  process.stderr.write(`\n${bar}\n!! WARNING: directory sync tests that need these servers will be SKIPPED:\n!!   ${missing.join('\n!!   ')}\n${bar}\n\n`)
}

/**
 * The SAML sign-in tests run against a real IdP (SimpleSAMLphp) in headless Chromium. Installed here,
 * like the directory servers. Missing under CI=true: fatal. Otherwise those tests are skipped, loudly;
 * the reason reaches them in ROSTER_TEST_SAML_MISSING / ROSTER_TEST_BROWSER_MISSING.
 */
async function setUpSamlBrowser() {
  const missing = []
  for (const [name, envVar, ensure] of [
    ['SimpleSAMLphp', 'ROSTER_TEST_SAML_MISSING', () => ensureSimpleSamlPhpInstalled({ allowInstall: isRoot })],
    ['Chromium', 'ROSTER_TEST_BROWSER_MISSING', () => ensureChromiumInstalled({ allowInstall: isRoot })],
  ]) {
    const t0 = Date.now()
    try {
      await ensure()
      log(`${name} available (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    } catch (err) {
      childEnv[envVar] = `${name}: ${err.message.split('\n')[0]}`
      missing.push(childEnv[envVar])
    }
  }
  if (!missing.length) return
  if (isCI) {
    log(`CI=true and what the SAML sign-in tests need is missing:\n  ${missing.join('\n  ')}`)
    return 'fatal'
  }
  const bar = '!'.repeat(78)
  process.stderr.write(`\n${bar}\n!! WARNING: SAML sign-in tests that need these will be SKIPPED:\n!!   ${missing.join('\n!!   ')}\n${bar}\n\n`)
}

function runMocha() {
  return new Promise((resolve) => {
    const mochaBin = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')
    const argv = [mochaBin, ...configArgs(extraArgs), ...extraArgs]
    if (extraArgs.some((a) => a === '--reporter' || a === '-R' || a.startsWith('--reporter='))) {
      log('warning: with another --reporter no counts reach test/run.mjs; the run will count as failed')
    }
    try {
      // detached: its own process group, so that an interrupt reaches mocha's wrapper and the node
      // process it spawns to run the tests (and nothing of ours).
      child = spawn(process.execPath, argv, { cwd: root, stdio: 'inherit', env: childEnv, detached: true })
    } catch (err) {
      log(`could not start mocha: ${err.message}`)
      resolve({ code: 1, signal: null })
      return
    }
    child.on('error', (err) => {
      log(`could not start mocha: ${err.message}`)
      resolve({ code: 1, signal: null })
    })
    child.on('exit', (code, signal) => {
      clearTimeout(killTimer)
      resolve({ code, signal })
    })
  })
}

async function cleanUp() {
  const work = (async () => {
    if (cluster) await cluster.destroy().catch(() => {})
    // Clusters the tests started and did not destroy (crash, interrupt).
    for (const name of await fsp.readdir(pgTmp).catch(() => [])) {
      const dir = path.join(pgTmp, name)
      try {
        await openCluster(dir).destroy()
      } catch {
        // not a cluster (or already half gone): removed with runDir below
      }
    }
    await fsp.rm(runDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => {})
  })()
  let timer
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => {
      log('clean-up is taking too long; giving up on it')
      resolve()
    }, 60_000)
  })
  await Promise.race([work, timeout])
  clearTimeout(timer)
}

function readStats() {
  try {
    const s = JSON.parse(fs.readFileSync(statsFile, 'utf8'))
    const n = (v) => (Number.isInteger(v) && v >= 0 ? v : 0)
    return { passes: n(s.passes), failures: n(s.failures), pending: n(s.pending) }
  } catch {
    return null
  }
}

function finish(passed, failed, skipped, exitCode) {
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`
  process.stdout.write(`${line}\n`, () => process.exit(exitCode))
}

async function main() {
  if (selection.unknown !== null) {
    log(`unknown suite ${JSON.stringify(selection.unknown)}; known: ${Object.keys(SUITES).join(', ')}`)
    await cleanUp()
    finish(0, 1, 0, 2)
    return
  }
  const more = (setUp) => (selection.services && !interrupted ? setUp() : undefined)
  const setup = (await setUpPostgres()) ?? (await more(setUpDirectories)) ?? (await more(setUpSamlBrowser))
  if (setup === 'fatal' || interrupted) {
    await cleanUp()
    finish(0, 1, 0, interrupted ? 128 + SIGNALS[interrupted] : 1)
    return
  }

  const { code, signal } = await runMocha()
  const stats = readStats()
  await cleanUp()

  if (!stats) {
    log(`mocha reported no results (${signal ? `killed by ${signal}` : `exit code ${code}`}): counted as one failure`)
    finish(0, 1, 0, interrupted ? 128 + SIGNALS[interrupted] : 1)
    return
  }
  let { passes, failures, pending } = stats
  if (failures === 0 && (code !== 0 || interrupted)) {
    log(`mocha ${interrupted ? 'was interrupted' : signal ? `was killed by ${signal}` : `exited with code ${code}`} although no test failed: counted as one failure`)
    failures = 1
  }
  const exitCode = interrupted ? 128 + SIGNALS[interrupted] : failures === 0 && code === 0 ? 0 : 1
  finish(passes, failures, pending, exitCode)
}

main().catch(async (err) => {
  log(`internal error: ${err?.stack ?? err}`)
  killChild('SIGKILL')
  await cleanUp()
  finish(0, 1, 0, 1)
})

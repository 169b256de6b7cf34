/**
 * The Samba AD side of `npm run bench:sync`: the one test DC of this machine (test/services/samba.mjs),
 * bulk-loaded directories cached between runs, and the raw `ldapsearch` read that is the floor.
 *
 * Loading over LDAP is slow on Samba (it commits each entry: about 5 ms per user at first, 20 ms
 * by the 5,000th), so a directory is built offline instead: a copy of the DC's freshly provisioned
 * private/ directory is filled through Samba's own SamDB (Python, the module stack samba-tool
 * uses, so objectGUID, objectSid, uSNCreated/uSNChanged, memberOf and directReports are assigned
 * exactly as for an LDAP add) with ldb's batch mode and no fsync, in a few transactions. Built
 * directories are kept under the temporary directory, keyed by size and dataset format and tied to
 * the domain SID of the DC template they were built from; a run copies one into the DC's private/
 * while it is stopped.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { startSambaDc, type SambaDc } from '../test/services/samba.mjs'
import { DATASET_FORMAT, type AdDataset } from './sync-dataset.js'

const PYTHON = '/usr/bin/python3' // Debian's, where python3-samba lives (not a pyenv or venv one)

/** SamDB loader: LDIF file in, entries added through the full Samba module stack. */
const LOADER = String.raw`
import json, sys, time
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

smbconf, ldif_path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
lp = LoadParm()
lp.load(smbconf)
# batch_mode: no per-operation sub-transaction (a failed add would leave the transaction
# half-applied, so any failure aborts the whole build); FLG_NOSYNC: no fsync per commit.
db = SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp, flags=ldb.FLG_NOSYNC, options=['batch_mode:1'])
t0 = time.time()
n = 0
db.transaction_start()
try:
    with open(ldif_path) as f:
        text = f.read()
    for _changetype, msg in db.parse_ldif(text):
        db.add(msg)
        n += 1
        if n % batch == 0:
            db.transaction_commit()
            db.transaction_start()
            print(json.dumps({'progress': n, 'seconds': round(time.time() - t0, 1)}), flush=True)
    db.transaction_commit()
except BaseException:
    db.transaction_cancel()
    raise
print(json.dumps({'added': n, 'seconds': round(time.time() - t0, 2), 'domainSid': str(db.get_domain_sid())}), flush=True)
`

const SID_SCRIPT = String.raw`
import sys
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
lp = LoadParm()
lp.load(sys.argv[1])
print(SamDB(url=lp.samdb_url(), session_info=system_session(), lp=lp).get_domain_sid())
`

function runProcess(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let partial = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (options.onLine && stdout.length > 256_000) stdout = stdout.slice(-64_000)
      if (options.onLine) {
        partial += d.toString()
        const lines = partial.split('\n')
        partial = lines.pop()!
        for (const l of lines) options.onLine(l)
      }
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000)
    })
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (options.onLine && partial) options.onLine(partial)
      resolve({ code, stdout, stderr })
    })
  })
}

export async function cp(from: string, to: string): Promise<void> {
  const r = await runProcess('cp', ['-a', from, to])
  if (r.code !== 0) throw new Error(`cp -a ${from} ${to} failed: ${r.stderr.trim()}`)
}

// ---------------------------------------------------------------------------------------------
// The DC

/** Starts the machine's test DC, waiting (up to waitMs) while another engineer's tests hold it. */
export async function startDc(waitMs: number, say: (line: string) => void): Promise<SambaDc> {
  const until = performance.now() + waitMs
  let told = false
  for (;;) {
    try {
      return await startSambaDc()
    } catch (err) {
      const busy = /another Samba test DC is running|already in use/.test((err as Error).message)
      if (!busy || performance.now() > until) throw err
      if (!told) say(`the Samba test DC is in use by someone else's tests (${(err as Error).message.split('.')[0]}); waiting up to ${Math.round(waitMs / 60_000)} min…`)
      told = true
      await new Promise((r) => setTimeout(r, 3000))
    }
  }
}

/** handle.start() with the same patience (the ports are free for others while our DC is stopped). */
export async function restartDc(dc: SambaDc, waitMs: number, say: (line: string) => void): Promise<void> {
  const until = performance.now() + waitMs
  let told = false
  for (;;) {
    try {
      await dc.start()
      return
    } catch (err) {
      const busy = /another Samba test DC is running|already in use/.test((err as Error).message)
      if (!busy || performance.now() > until) throw err
      if (!told) say('another Samba test DC took the ports while ours was stopped; waiting for it…')
      told = true
      await new Promise((r) => setTimeout(r, 3000))
    }
  }
}

export async function domainSidOf(smbConf: string): Promise<string> {
  const r = await runProcess(PYTHON, ['-c', SID_SCRIPT, smbConf], { timeoutMs: 120_000 })
  if (r.code !== 0) throw new Error(`reading the domain SID failed: ${r.stderr.trim().slice(-2000)}`)
  return r.stdout.trim()
}

// ---------------------------------------------------------------------------------------------
// Cached directories

export interface CacheMeta {
  format: number
  users: number
  groups: number
  domainSid: string
  sambaVersion: string
  entries: number
  loadSeconds: number
  built: string
}

export interface Prepared {
  meta: CacheMeta
  /** Built in this run (false: reused from the cache). */
  built: boolean
  /** Seconds this run spent building (0 when cached). */
  seconds: number
  dir: string
}

export function cacheRoot(): string {
  return process.env.ROSTER_BENCH_SYNC_CACHE || os.tmpdir()
}

function cacheDirFor(ds: AdDataset): string {
  const key = createHash('sha256').update(JSON.stringify([DATASET_FORMAT, ds.baseDn, ds.size.users, ds.size.groups])).digest('hex').slice(0, 12)
  return path.join(cacheRoot(), `roster-bench-sync-ad-${ds.size.users}-${key}`)
}

function readMeta(dir: string): CacheMeta | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as CacheMeta
  } catch {
    return null
  }
}

/**
 * The loaded directory for `ds`: from the cache when one matches this DC's domain and Samba
 * version, else built now from `pristine` (a copy of the stopped DC's directory before any load).
 */
export async function prepareDirectory(
  ds: AdDataset,
  pristine: { dir: string; smbConfText: string; originalDir: string },
  domainSid: string,
  sambaVersion: string,
  options: { rebuild: boolean; say: (line: string) => void; workDir: string },
): Promise<Prepared> {
  const dir = cacheDirFor(ds)
  const meta = readMeta(dir)
  if (!options.rebuild && meta && meta.format === DATASET_FORMAT && meta.domainSid === domainSid && meta.sambaVersion === sambaVersion && meta.users === ds.size.users && meta.groups === ds.size.groups) {
    return { meta, built: false, seconds: 0, dir }
  }
  const t0 = performance.now()
  const building = `${dir}.building-${process.pid}`
  fs.rmSync(building, { recursive: true, force: true })
  try {
    await cp(pristine.dir, building)
    // Point the copy's smb.conf at itself (as samba.mjs does with its template).
    fs.writeFileSync(path.join(building, 'etc', 'smb.conf'), pristine.smbConfText.split(pristine.originalDir).join(building))
    const ldifFile = path.join(options.workDir, `load-${ds.size.users}.ldif`)
    const fd = fs.openSync(ldifFile, 'w')
    let records = 0
    try {
      for (const record of ds.ldif()) {
        fs.writeSync(fd, `${record}\n`)
        records++
      }
    } finally {
      fs.closeSync(fd)
    }
    options.say(`building the ${ds.size.users.toLocaleString('en')}-user directory (${records.toLocaleString('en')} entries, ${Math.round(fs.statSync(ldifFile).size / 1024 / 1024)} MiB of LDIF) through SamDB…`)
    let last = performance.now()
    const r = await runProcess(PYTHON, ['-c', LOADER, path.join(building, 'etc', 'smb.conf'), ldifFile, '2000'], {
      timeoutMs: 60 * 60_000,
      onLine: (line) => {
        if (performance.now() - last < 15_000) return
        last = performance.now()
        try {
          const p = JSON.parse(line) as { progress?: number; seconds?: number }
          if (p.progress) options.say(`  … ${p.progress.toLocaleString('en')} of ${records.toLocaleString('en')} entries in ${p.seconds} s`)
        } catch {
          // not ours
        }
      },
    })
    fs.rmSync(ldifFile, { force: true })
    if (r.code !== 0) throw new Error(`loading the directory failed (exit ${r.code}):\n${r.stderr.trim().slice(-3000)}`)
    const done = JSON.parse(r.stdout.trim().split('\n').pop()!) as { added: number; seconds: number; domainSid: string }
    if (done.added !== records) throw new Error(`the loader added ${done.added} entries of ${records}`)
    if (done.domainSid !== domainSid) throw new Error(`the loaded directory has domain SID ${done.domainSid}, the DC ${domainSid}`)
    const newMeta: CacheMeta = {
      format: DATASET_FORMAT,
      users: ds.size.users,
      groups: ds.size.groups,
      domainSid,
      sambaVersion,
      entries: records,
      loadSeconds: done.seconds,
      built: new Date().toISOString(),
    }
    // Only private/ is used from a cached build (the databases); the rest was the copy's scaffolding.
    for (const name of fs.readdirSync(building)) if (name !== 'private') fs.rmSync(path.join(building, name), { recursive: true, force: true })
    fs.writeFileSync(path.join(building, 'meta.json'), `${JSON.stringify(newMeta, null, 2)}\n`)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.renameSync(building, dir)
    return { meta: newMeta, built: true, seconds: (performance.now() - t0) / 1000, dir }
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true })
    throw err
  }
}

/** Replaces the stopped DC's private/ (its databases) with a prepared directory's. */
export async function installDirectory(dc: SambaDc, prepared: { dir: string }): Promise<void> {
  if (dc.running) throw new Error('installDirectory: stop the DC first')
  const target = path.join(dc.dir, 'private')
  fs.rmSync(target, { recursive: true, force: true })
  await cp(path.join(prepared.dir, 'private'), target)
}

// ---------------------------------------------------------------------------------------------
// The floor: ldapsearch

export interface RawRead {
  seconds: number
  usersSeconds: number
  groupsSeconds: number
}

/** One paged ldapsearch per search (users, then groups), output to /dev/null: the time only. */
export async function rawRead(dc: SambaDc, base: string, searches: Array<{ filter: string; attributes: string[] }>, pageSize: number): Promise<RawRead> {
  const times: number[] = []
  for (const s of searches) {
    const args = ['-H', dc.url, '-x', '-D', dc.bindDn, '-w', dc.password, '-b', base, '-E', `pr=${pageSize}/noprompt`, s.filter, ...s.attributes]
    const devNull = fs.openSync('/dev/null', 'w')
    const t0 = performance.now()
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('ldapsearch', args, { env: dc.env, stdio: ['ignore', devNull, 'pipe'] })
      let err = ''
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
      child.on('error', reject)
      child.on('close', (c) => (c === 0 ? resolve(c) : reject(new Error(`ldapsearch failed (exit ${c}): ${err.trim().slice(-1000)}`))))
    })
    times.push((performance.now() - t0) / 1000)
    fs.closeSync(devNull)
    void code
  }
  return { seconds: times.reduce((a, b) => a + b, 0), usersSeconds: times[0] ?? 0, groupsSeconds: times[1] ?? 0 }
}

/** Entries under base matching filter, and how many values of each `required` attribute they carry (a sanity check of a load). */
export async function countEntries(dc: SambaDc, base: string, filter: string, required: string[]): Promise<{ entries: number; complete: number }> {
  const args = ['-H', dc.url, '-x', '-D', dc.bindDn, '-w', dc.password, '-LLL', '-o', 'ldif-wrap=no', '-b', base, '-E', 'pr=1000/noprompt', filter, ...required]
  const counts = new Map(required.map((a) => [a.toLowerCase(), 0]))
  let entries = 0
  const r = await runProcess('ldapsearch', args, {
    env: dc.env,
    onLine: (line) => {
      if (line.startsWith('dn:')) entries++
      const m = /^([A-Za-z0-9-]+)::? /.exec(line)
      const key = m?.[1]?.toLowerCase()
      if (key && counts.has(key)) counts.set(key, counts.get(key)! + 1)
    },
  })
  if (r.code !== 0) throw new Error(`ldapsearch ${filter} failed (exit ${r.code}): ${r.stderr.trim().slice(-1000)}`)
  return { entries, complete: Math.min(...counts.values()) }
}

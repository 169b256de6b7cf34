/**
 * `npm run bench:sync`: directory sync against a real Samba Active Directory (see docs/benchmarks.md).
 *
 * Two directory sizes (default 5,000 and 20,000 users, users/10 groups, ≈ 4 memberships per
 * user), bulk-loaded offline and cached between runs (bench/sync-ad.ts). For each size: the raw
 * paged `ldapsearch` of the same entries and attributes as the sync (the floor, several times),
 * the directory side of the read alone (ldapts, no store), and a full sync into an empty tenant,
 * each in its own worker process (bench/sync-worker.ts) so that its peak memory is its own. At the
 * large size, 200 changes are then made in AD and an incremental run times them. Prints a table
 * and writes the `<!-- bench:sync -->` section of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { ensureSambaInstalled } from '../test/services/samba.mjs'
import { startCluster, type PostgresCluster } from '../test/services/postgres.mjs'
import { attributesToRead } from '../sync/mappers.js'
import { PRESETS } from '../sync/presets.js'
import { DEFAULT_PAGE_SIZE } from '../sync/settings.js'
import { cleanupAll, installExitHooks, machineBusyMs, onCleanup, removeTempDir, ROOT, startNode, tempDir, treeCpuMs } from './processes.js'
import { summariseProfile } from './profile.js'
import { describeMachine, formatSeconds, writeSection } from './report.js'
import { countEntries, cp, domainSidOf, installDirectory, prepareDirectory, rawRead, restartDc, startDc, type Prepared, type RawRead } from './sync-ad.js'
import { markdownReport, textReport, type IncrementalReport, type Report, type SizeReport, type SyncFigures } from './sync-report.js'
import { AdDataset, datasetFor } from './sync-dataset.js'
import type { WorkerJob, WorkerResult } from './sync-worker.js'

const USAGE = `npm run bench:sync [-- options]

Loads a Samba AD domain controller (this machine's test DC, test/services/samba.mjs) with two
directory sizes, times a raw paged ldapsearch (the floor), a full sync at each size and an
incremental sync of 200 changes at the large size, and reports the ratios and the sync worker's
peak memory. Built directories are cached between runs (about 0.8 GB for the default sizes) in the
temporary directory, or in ROSTER_BENCH_SYNC_CACHE when set. Needs root (the DC's ports 389/636).

Options:
  --users N        the large size (default 20000; users/10 groups)
  --small N        the small size, for the memory comparison (default 5000)
  --quick          sanity run: 2,000 and 500 users, docs untouched
  --pg             also sync into a throwaway local PostgreSQL cluster (test/services/postgres.mjs)
  --store S        only this store: pglite (default) or postgres (implies --pg)
  --repeat N       raw ldapsearch reads per size, the median is the floor (default 3)
  --rebuild        rebuild the cached directories
  --wait-dc MIN    wait up to MIN minutes while someone else's tests hold the Samba DC (default 20)
  --docs/--no-docs write docs/benchmarks.md or not (default: yes, except with --quick)
  --json FILE      also write every figure as JSON
  --profile        CPU-profile the full sync worker at the large size and summarise where its time
                   went (profiling slows it down: use with --no-docs; the profile is kept)
`

interface Options {
  users: number
  small: number
  quick: boolean
  stores: Array<'pglite' | 'postgres'>
  repeat: number
  rebuild: boolean
  waitDcMs: number
  docs: boolean
  json: string | undefined
  profile: boolean
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string | true>()
  const withValue = ['users', 'small', 'store', 'repeat', 'wait-dc', 'json']
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`)
    const eq = a.indexOf('=')
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1))
    else if (withValue.includes(a.slice(2))) {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      flags.set(a.slice(2), v)
    } else flags.set(a.slice(2), true)
  }
  const known = new Set([...withValue, 'quick', 'pg', 'rebuild', 'docs', 'no-docs', 'profile', 'help'])
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`)
  if (flags.has('help')) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  const quick = flags.has('quick')
  const num = (flag: string, def: number, min: number, max: number): number => {
    const raw = flags.get(flag)
    if (raw === undefined) return def
    const n = Number(raw)
    if (raw === true || !Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: must be a whole number from ${min} to ${max}`)
    return n
  }
  const users = num('users', quick ? 2_000 : 20_000, 200, 500_000)
  const small = num('small', quick ? 500 : 5_000, 100, 500_000)
  if (small >= users) throw new Error(`--small (${small}) must be smaller than --users (${users})`)
  const store = flags.get('store')
  if (store !== undefined && store !== 'pglite' && store !== 'postgres') throw new Error('--store must be pglite or postgres')
  const stores: Options['stores'] = store ? [store] : flags.has('pg') ? ['pglite', 'postgres'] : ['pglite']
  const json = flags.get('json')
  return {
    users,
    small,
    quick,
    stores,
    repeat: num('repeat', 3, 1, 20),
    rebuild: flags.has('rebuild'),
    waitDcMs: num('wait-dc', 20, 0, 240) * 60_000,
    docs: flags.has('no-docs') ? false : flags.has('docs') || !quick,
    json: typeof json === 'string' ? path.resolve(json) : undefined,
    profile: flags.has('profile'),
  }
}

// ---------------------------------------------------------------------------------------------

const t0 = performance.now()
function say(line: string): void {
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`)
}

/** CPU of this process and its reaped children (ldapsearch, workers), plus live servers we run. */
function ourCpuMs(livePids: number[]): number {
  let total: number
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime, stime, cutime, cstime (clock ticks of 10 ms)
    total = ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / 100
  } catch {
    return 0
  }
  for (const pid of livePids) total += serverCpuMs(pid)
  return total
}

/**
 * CPU of a server process (samba, the postmaster), its live children and its reaped ones: a
 * PostgreSQL backend that ended with the worker's connection is in the postmaster's cutime.
 */
function serverCpuMs(pid: number): number {
  const own = treeCpuMs(pid)
  if (own === null) return 0
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return own + ((Number(f[13]) + Number(f[14])) * 1000) / 100
  } catch {
    return own
  }
}

/** Runs fn and says how much CPU other processes used meanwhile, in % of one CPU. */
async function withOtherLoad<T>(livePids: () => number[], fn: () => Promise<T>): Promise<{ value: T; otherLoadPct: number | undefined; wallSeconds: number }> {
  const b0 = machineBusyMs()
  const o0 = ourCpuMs(livePids())
  const w0 = performance.now()
  const value = await fn()
  const wall = performance.now() - w0
  const b1 = machineBusyMs()
  const o1 = ourCpuMs(livePids())
  const otherLoadPct = b0 === null || b1 === null || wall < 200 ? undefined : Math.max(0, ((b1 - b0 - (o1 - o0)) / wall) * 100)
  return { value, otherLoadPct, wallSeconds: wall / 1000 }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/**
 * Which code is measured: HEAD, the uncommitted files under src/ and sync/, and a fingerprint of
 * their content, to tell whether someone changed them while the benchmark ran.
 */
function codeState(): { commit: string; uncommitted: string[]; fingerprint: string } {
  const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  try {
    const commit = git(['rev-parse', '--short', 'HEAD']).trim()
    const uncommitted = git(['status', '--porcelain', '--', 'src', 'sync'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3))
    const hash = createHash('sha256').update(commit)
    for (const dir of ['src', 'sync']) {
      for (const file of fs.readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' }).sort()) {
        const full = path.join(ROOT, dir, file)
        if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full))
      }
    }
    return { commit, uncommitted, fingerprint: hash.digest('hex') }
  } catch {
    return { commit: 'unknown', uncommitted: [], fingerprint: '' }
  }
}

// ---------------------------------------------------------------------------------------------
// Stores and workers

interface StoreTarget {
  kind: 'pglite' | 'postgres'
  env: Record<string, string>
  dispose(): Promise<void>
}

async function freshStore(kind: 'pglite' | 'postgres', cluster: PostgresCluster | undefined): Promise<StoreTarget> {
  if (kind === 'pglite') {
    const dir = tempDir('roster-bench-sync-data-')
    return { kind, env: { DATA_DIR: dir }, dispose: async () => removeTempDir(dir) }
  }
  const admin = new pg.Client({ connectionString: cluster!.url })
  await admin.connect()
  const name = `roster_bench_sync_${randomBytes(4).toString('hex')}`
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(cluster!.url)
  url.pathname = `/${name}`
  let dropped = false
  const dispose = async () => {
    if (dropped) return
    dropped = true
    const c = new pg.Client({ connectionString: cluster!.url })
    await c.connect()
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await c.end()
  }
  onCleanup(dispose)
  return { kind, env: { DATABASE_URL: url.toString() }, dispose }
}

const ENCRYPTION_KEY = randomBytes(32).toString('hex')

async function worker(job: WorkerJob, store: StoreTarget | null, profileDir?: string): Promise<WorkerResult & { processSeconds: number }> {
  const started = performance.now()
  const proc = await startNode(
    path.join(ROOT, 'bench/sync-worker.ts'),
    { BENCH_SYNC_JOB: JSON.stringify(job), ENCRYPTION_KEY, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...(store?.env ?? {}) },
    { ready: /^BENCH_SYNC_RESULT .*\n/m, waitMs: 60 * 60_000, ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) },
  )
  const code = await proc.exited
  const line = /^BENCH_SYNC_RESULT (.*)$/m.exec(proc.output())
  if (code !== 0 || !line) throw new Error(`sync worker (${job.action}) exited with ${code}:\n${proc.output().slice(-3000)}`)
  return { ...(JSON.parse(line[1]!) as WorkerResult), processSeconds: (performance.now() - started) / 1000 }
}

// ---------------------------------------------------------------------------------------------

function figures(r: WorkerResult & { processSeconds: number }, otherLoadPct: number | undefined): SyncFigures {
  return {
    seconds: r.seconds,
    processSeconds: r.processSeconds,
    readSeconds: r.phases?.readSeconds ?? 0,
    snapshotWriteSeconds: r.phases?.snapshotWriteSeconds ?? 0,
    reconcileSeconds: r.phases?.reconcileSeconds ?? 0,
    maxRssMiB: r.maxRssMiB,
    peakHeapMiB: r.peakHeapMiB,
    peakHeapDuring: r.peakHeapDuring,
    peakRssDuring: r.peakRssDuring,
    sampledPeakRss: r.sampledPeakRss,
    cpuSeconds: r.cpuSeconds,
    otherLoadPct,
    counts: r.run?.counts ?? {},
    status: r.run?.status ?? 'unknown',
    mode: r.run?.mode ?? 'unknown',
    message: r.run?.message ?? null,
    errors: r.run?.errors ?? [],
    storeCalls: (r.storeCalls ?? []).slice(0, 8),
    steps: r.steps ?? [],
  }
}

function describeSync(label: string, f: SyncFigures): string {
  const c = f.counts
  return `${label}: ${f.seconds.toFixed(1)} s (read ${f.readSeconds.toFixed(1)} s incl. snapshot writes ${f.snapshotWriteSeconds.toFixed(1)} s, reconcile ${f.reconcileSeconds.toFixed(1)} s), ${f.status}/${f.mode}, peak RSS ${Math.round(f.maxRssMiB)} MiB (during ${f.peakRssDuring}), heap ${Math.round(f.peakHeapMiB)} MiB (during ${f.peakHeapDuring}); read ${c.usersRead}u/${c.groupsRead}g, created ${c.usersCreated}u/${c.groupsCreated}g, updated ${c.usersUpdated}u/${c.groupsUpdated}g, unchanged ${c.usersUnchanged}, archived ${c.usersArchived}, members +${c.membersAdded}/-${c.membersRemoved}, errors ${c.errors}${f.otherLoadPct !== undefined ? `; other load ${Math.round(f.otherLoadPct)} %` : ''}`
}

async function main(): Promise<void> {
  let opts: Options
  try {
    opts = parseOptions(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`bench:sync: ${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  installExitHooks()
  const machine = describeMachine()
  const install = await ensureSambaInstalled({ allowInstall: true })
  say(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node.js ${machine.node}; Samba ${install.version}; sizes ${opts.small.toLocaleString('en')} and ${opts.users.toLocaleString('en')} users; stores: ${opts.stores.join(', ')}`)
  const work = tempDir('roster-bench-sync-')
  const notes: string[] = []
  const codeAtStart = codeState()
  if (codeAtStart.uncommitted.length) say(`measuring commit ${codeAtStart.commit} plus uncommitted changes to ${codeAtStart.uncommitted.join(', ')}`)

  let cluster: PostgresCluster | undefined
  const storeDescriptions: Report['storeDescriptions'] = {}
  if (opts.stores.includes('pglite')) storeDescriptions.pglite = `embedded PGlite ${machine.pglite} in DATA_DIR on disk, inside the worker process (the product's default store)`
  if (opts.stores.includes('postgres')) {
    say('starting a throwaway PostgreSQL cluster…')
    cluster = await startCluster()
    onCleanup(() => cluster!.destroy())
    const c = new pg.Client({ connectionString: cluster.url })
    await c.connect()
    const setting = async (name: string) => (await c.query<{ v: string }>('SELECT current_setting($1) AS v', [name])).rows[0]!.v
    const v = (await setting('server_version')).replace(/ \(.*$/, '')
    const settings = `shared_buffers ${await setting('shared_buffers')}, fsync ${await setting('fsync')}, synchronous_commit ${await setting('synchronous_commit')}`
    await c.end()
    storeDescriptions.postgres = `PostgreSQL ${v} on this machine (${settings}; throwaway cluster from test/services/postgres.mjs), outside the worker process`
  }

  const dc = await startDc(opts.waitDcMs, say)
  onCleanup(() => dc.destroy())
  say(`Samba DC up (${dc.url}, ${dc.dir})`)
  const livePids = () => [dc.pid, ...(cluster ? [postmasterPid(cluster)] : [])].filter((p): p is number => typeof p === 'number')

  // A pristine copy of the DC's databases, to build directories from.
  await dc.stop()
  const domainSid = await domainSidOf(dc.smbConf)
  const pristine = path.join(work, 'pristine')
  await cp(dc.dir, pristine)
  const pristineSource = { dir: pristine, smbConfText: fs.readFileSync(dc.smbConf, 'utf8'), originalDir: dc.dir }

  const baseDn = dc.baseDn
  const sizes = [opts.small, opts.users].map((n) => new AdDataset(baseDn, datasetFor(n)))
  const prepared: Prepared[] = []
  for (const ds of sizes) {
    const p = await prepareDirectory(ds, pristineSource, domainSid, install.version, { rebuild: opts.rebuild, say, workDir: work })
    say(p.built ? `built the ${ds.size.users.toLocaleString('en')}-user directory in ${p.seconds.toFixed(1)} s (cached in ${p.dir})` : `using the cached ${ds.size.users.toLocaleString('en')}-user directory (${p.dir}, built ${p.meta.built} in ${p.meta.loadSeconds} s)`)
    prepared.push(p)
  }
  fs.rmSync(pristine, { recursive: true, force: true })

  const m = PRESETS.ad.mappers
  const searches = [
    { filter: PRESETS.ad.userFilter, attributes: attributesToRead(m.users, []) },
    { filter: PRESETS.ad.groupFilter, attributes: attributesToRead(m.groups, []) },
  ]
  const directory = (ds: AdDataset): WorkerJob['directory'] => ({ url: dc.url, caFile: dc.caFile, bindDn: dc.bindDn, password: dc.password, baseDn: ds.ou, pageSize: DEFAULT_PAGE_SIZE })

  const sizeReports: SizeReport[] = []
  let incremental: IncrementalReport | null = null
  const tenants: Partial<Record<'pglite' | 'postgres', { store: StoreTarget; slug: string }>> = {}

  for (let s = 0; s < sizes.length; s++) {
    const ds = sizes[s]!
    const large = s === sizes.length - 1
    const expected = ds.expectedFull()
    const label = `${ds.size.users.toLocaleString('en')} users`
    if (dc.running) await dc.stop()
    await installDirectory(dc, prepared[s]!)
    await restartDc(dc, opts.waitDcMs, say)
    const checks: string[] = []
    // Sanity: every entry is there, with the identifiers a real AD assigns.
    const users = await countEntries(dc, ds.ou, PRESETS.ad.userFilter, ['objectGUID', 'uSNChanged'])
    const groups = await countEntries(dc, ds.ou, PRESETS.ad.groupFilter, ['objectGUID', 'uSNChanged'])
    if (users.entries !== expected.users || users.complete !== expected.users) checks.push(`directory: ${users.entries} users (${users.complete} with objectGUID and uSNChanged), expected ${expected.users}`)
    if (groups.entries !== expected.groups || groups.complete !== expected.groups) checks.push(`directory: ${groups.entries} groups (${groups.complete} with objectGUID and uSNChanged), expected ${expected.groups}`)
    say(`${label}: DC holds ${users.entries.toLocaleString('en')} users and ${groups.entries.toLocaleString('en')} groups (${expected.memberships.toLocaleString('en')} memberships)`)

    const runs: RawRead[] = []
    const rawLoad: number[] = []
    for (let i = 0; i < opts.repeat; i++) {
      const r = await withOtherLoad(livePids, () => rawRead(dc, ds.ou, searches, DEFAULT_PAGE_SIZE))
      runs.push(r.value)
      if (r.otherLoadPct !== undefined) rawLoad.push(r.otherLoadPct)
      say(`${label}: raw ldapsearch ${r.value.seconds.toFixed(2)} s (users ${r.value.usersSeconds.toFixed(2)} s, groups ${r.value.groupsSeconds.toFixed(2)} s)${r.otherLoadPct !== undefined ? `, other load ${Math.round(r.otherLoadPct)} %` : ''}`)
    }
    const rawSeconds = median(runs.map((r) => r.seconds))
    const rawOtherLoad = rawLoad.length ? median(rawLoad) : undefined

    const rd = await withOtherLoad(livePids, () => worker({ action: 'read', tenant: '', directory: directory(ds) }, null))
    const reader = { seconds: rd.value.seconds, maxRssMiB: rd.value.maxRssMiB, ...rd.value.read!, otherLoadPct: rd.otherLoadPct }
    say(`${label}: reader only (ldapts + mapping, no store) ${reader.seconds.toFixed(2)} s, ${reader.users} users, ${reader.groups} groups, ${reader.memberValues} member values, peak RSS ${Math.round(reader.maxRssMiB)} MiB`)
    if (reader.users !== expected.users || reader.groups !== expected.groups || reader.memberValues !== expected.memberships) {
      checks.push(`reader: ${reader.users} users, ${reader.groups} groups, ${reader.memberValues} member values; expected ${expected.users}, ${expected.groups}, ${expected.memberships}`)
    }

    const full: SizeReport['full'] = {}
    const fullAgain: SizeReport['fullAgain'] = {}
    for (const kind of opts.stores) {
      const store = await freshStore(kind, cluster)
      const slug = `bench-sync-${ds.size.users}`
      await worker({ action: 'setup', tenant: slug, directory: directory(ds) }, store)
      // Kept after the run (not a registered temporary directory): the profile is for reading later.
      const profileDir = opts.profile && large ? fs.mkdtempSync(path.join(os.tmpdir(), `roster-bench-sync-profile-${kind}-`)) : undefined
      const r = await withOtherLoad(livePids, () => worker({ action: 'sync', tenant: slug, full: true, directory: directory(ds) }, store, profileDir))
      const f = figures(r.value, r.otherLoadPct)
      full[kind] = f
      say(describeSync(`${label}: full sync (${kind})`, f))
      const profile = profileDir ? summariseProfile(profileDir) : null
      if (profile) {
        const short = (x: { name: string; share: number }) => `${x.name.split(`file://${ROOT}/`).join('')} ${Math.round(x.share * 100)} %`
        const line = `CPU profile of the full sync at ${label} (${kind}, profiled run, ${formatSeconds(profile.totalMs / 1000)} busy): by area ${profile.areas.slice(0, 8).map(short).join(', ')}; top functions ${profile.functions.slice(0, 10).map(short).join(', ')}. Profile: ${profile.file}`
        notes.push(line)
        say(line)
      }
      const c = f.counts
      const want = { usersRead: expected.users, groupsRead: expected.groups, usersCreated: expected.users, groupsCreated: expected.groups, membersAdded: expected.memberships, errors: 0 }
      for (const [k, v] of Object.entries(want)) if (c[k] !== v) checks.push(`full sync (${kind}): ${k} ${c[k]}, expected ${v}`)
      if (f.status !== 'succeeded') checks.push(`full sync (${kind}): ${f.status}: ${f.message}`)
      if (large) {
        tenants[kind] = { store, slug }
        // The periodic full run (every SYNC_FULL_EVERY runs): read everything again, nothing changed.
        const again = await withOtherLoad(livePids, () => worker({ action: 'sync', tenant: slug, full: true, directory: directory(ds) }, store))
        const g = figures(again.value, again.otherLoadPct)
        fullAgain[kind] = g
        say(describeSync(`${label}: full sync again, nothing changed (${kind})`, g))
        const same = { usersRead: expected.users, groupsRead: expected.groups, usersUnchanged: expected.users, usersCreated: 0, usersUpdated: 0, groupsCreated: 0, groupsUpdated: 0, membersAdded: 0, membersRemoved: 0, usersArchived: 0, errors: 0 }
        for (const [k, v] of Object.entries(same)) if (g.counts[k] !== v) checks.push(`full sync again (${kind}): ${k} ${g.counts[k]}, expected ${v}`)
      } else await store.dispose()
    }
    sizeReports.push({
      users: ds.size.users,
      groups: ds.size.groups,
      memberships: expected.memberships,
      directory: { built: prepared[s]!.built, seconds: prepared[s]!.seconds, loadSeconds: prepared[s]!.meta.loadSeconds, entries: prepared[s]!.meta.entries },
      raw: { runs, seconds: rawSeconds, otherLoadPct: rawOtherLoad },
      reader,
      full,
      fullAgain,
      checks,
    })

    if (large) {
      const { ldif, expected: want } = ds.changes()
      const a0 = performance.now()
      await dc.ldif(ldif)
      const applySeconds = (performance.now() - a0) / 1000
      say(`${label}: applied ${want.changes} changes in AD (ldapmodify) in ${applySeconds.toFixed(1)} s`)
      const runs: IncrementalReport['runs'] = {}
      const idle: IncrementalReport['idle'] = {}
      const ichecks: string[] = []
      for (const kind of opts.stores) {
        const t = tenants[kind]!
        const r = await withOtherLoad(livePids, () => worker({ action: 'sync', tenant: t.slug, full: false, directory: directory(ds) }, t.store))
        const f = figures(r.value, r.otherLoadPct)
        runs[kind] = f
        say(describeSync(`${label}: incremental sync of ${want.changes} changes (${kind})`, f))
        const c = f.counts
        const expect = { usersUpdated: want.usersUpdated, membersAdded: want.membersAdded, membersRemoved: want.membersRemoved, usersCreated: 0, usersArchived: 0, groupsCreated: 0, groupsDeleted: 0, errors: 0 }
        for (const [k, v] of Object.entries(expect)) if (c[k] !== v) ichecks.push(`incremental (${kind}): ${k} ${c[k]}, expected ${v}`)
        if (f.mode !== 'incremental') ichecks.push(`incremental (${kind}): the run was ${f.mode}`)
        if (f.status !== 'succeeded') ichecks.push(`incremental (${kind}): ${f.status}: ${f.message}`)
        const again = await withOtherLoad(livePids, () => worker({ action: 'sync', tenant: t.slug, full: false, directory: directory(ds) }, t.store))
        idle[kind] = figures(again.value, again.otherLoadPct)
        say(describeSync(`${label}: incremental sync, nothing changed (${kind})`, idle[kind]))
        await t.store.dispose()
      }
      incremental = { changes: want.changes, applySeconds, expected: want, runs, idle, checks: ichecks }
    }
  }
  await dc.destroy()
  if (cluster) await cluster.destroy()
  removeTempDir(work)

  const load = [...sizeReports.flatMap((s) => [s.raw.otherLoadPct, ...Object.values(s.full).map((f) => f.otherLoadPct), ...Object.values(s.fullAgain).map((f) => f.otherLoadPct)]), ...Object.values(incremental?.runs ?? {}).map((f) => f.otherLoadPct)].filter(
    (x): x is number => x !== undefined,
  )
  if (load.length) {
    const worst = Math.max(...load)
    notes.push(
      worst < 15
        ? `The machine was otherwise idle: other processes used at most ${Math.round(worst)} % of a CPU during the timed steps.`
        : `The machine was shared: other processes used up to ${Math.round(worst)} % of a CPU during a timed step (see "other load"), so those figures are slower than on an idle machine.`,
    )
  }
  const codeAtEnd = codeState()
  const changedDuringRun = codeAtEnd.fingerprint !== codeAtStart.fingerprint
  if (changedDuringRun) say('WARNING: files under src/ or sync/ changed while the benchmark ran: the workers ran different versions of the code')
  const report: Report = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    code: { commit: codeAtStart.commit, uncommitted: codeAtStart.uncommitted, changedDuringRun },
    machine,
    samba: install.version,
    quick: opts.quick,
    pageSize: DEFAULT_PAGE_SIZE,
    stores: opts.stores,
    storeDescriptions,
    sizes: sizeReports,
    incremental,
    totalSeconds: (performance.now() - t0) / 1000,
    notes,
  }
  process.stdout.write(`\n${textReport(report)}\n`)
  if (opts.docs && changedDuringRun) {
    say('docs/benchmarks.md left as it was: the figures mix code versions (run again when the code is settled)')
    process.exitCode = 1
  }
  else if (opts.docs) {
    writeSection(path.join(ROOT, 'docs/benchmarks.md'), 'sync', markdownReport(report))
    say('wrote the sync section of docs/benchmarks.md')
  }
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify(report, null, 2))
    say(`wrote ${opts.json}`)
  }
  const failedChecks = [...sizeReports.flatMap((s) => s.checks), ...(incremental?.checks ?? [])]
  if (failedChecks.length) process.exitCode = 1
  say(`done in ${formatSeconds((performance.now() - t0) / 1000)}`)
  await cleanupAll()
}

function postmasterPid(cluster: PostgresCluster): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

void main().catch(async (err: unknown) => {
  process.stderr.write(`bench:sync: ${(err as Error).stack ?? String(err)}\n`)
  await cleanupAll()
  process.exit(1)
})

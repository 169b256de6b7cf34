/**
 * `npm run bench:soak`: does Roster's memory stay flat under sustained SCIM load (issue 15)?
 *
 * For each store (PGlite always, a PostgreSQL server too with --pg or BENCH_DATABASE_URL): seed a
 * tenant (bench/seed.ts), start Roster as its own process, drive it for --minutes with a fixed mix
 * of SCIM requests in consecutive 30 s autocannon runs (bench/load.ts), and after each run read
 * Roster's resident memory from /proc. Prints the series and a verdict, and writes them into
 * docs/benchmarks.md. Cleans up like bench/scim.ts: every child process, scratch database and
 * temporary directory goes on exit, error or Ctrl-C.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes, randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { PostgresCluster } from '../test/services/postgres.mjs'
import { externalIdOf, userName } from './dataset.js'
import { measure, preflight, type LoadSettings, type Req, type Scenario } from './load.js'
import { canPin, cleanupAll, freePort, installExitHooks, onCleanup, removeTempDir, ROOT, rssMiB, setAffinity, setTreeAffinity, startNode, tempDir, type NodeProcess, say, benchStarted, rosterEnv, ROSTER_READY, SERVER_CPU, LOAD_CPU, ALL_CPUS } from './processes.js'
import { describeMachine, formatSeconds, writeSection, type Machine } from './report.js'
import { inspect, seed, type SeedTarget, type Seeded } from './seed.js'
import { exactlyOne, get, hasId, memberCycler, pageOf, patchUser, pick, postUser } from './scim-requests.js'
import { scratchDatabase, throwawayCluster, type ServerDb } from './postgres-server.js'
import { numberOption, parseFlags, storeOptions } from './options.js'

const USAGE = `npm run bench:soak [-- options]

Seeds a tenant (default 10,000 users, a group of all of them and one of 10), starts Roster on
127.0.0.1 pinned to CPU 0, and drives it from CPU 1 with a fixed mix of SCIM requests (GET by id,
filter userName eq and externalId eq, a list page of 100, POST, PATCH of a user, member add/remove
on a group) in consecutive 30 s autocannon runs; after each it reads Roster's resident memory
(RSS, /proc). Prints RSS, req/s and p99 per 30 s and a verdict: "memory flat" when RSS at the end
is within 10 % of RSS after minute 2 and its least-squares slope over the second half of the run is
under 1 MiB per minute. Full runs also write their section of docs/benchmarks.md.

Options:
  --minutes N        minutes of load per store, 1-180 (default 10)
  --users N          users to seed (default 10000)
  --connections N    concurrent connections, 1-256 (default 32)
  --store S          only this store: pglite or postgres
  --pg               also run against a throwaway local PostgreSQL cluster (test/services/postgres.mjs)
  --database-url URL also run against this PostgreSQL server [BENCH_DATABASE_URL]; a scratch
                     database is created there and dropped afterwards (needs CREATEDB)
  --no-pin           do not pin Roster to CPU 0 and the load to CPU 1
  --quick            smoke run: 1 minute, 2,000 users, docs untouched
  --docs / --no-docs write docs/benchmarks.md or not (default: yes, except with --quick)
`

interface Options {
  minutes: number
  users: number
  connections: number
  databaseUrl: string | undefined
  pgCluster: boolean
  stores: Array<'pglite' | 'postgres'>
  quick: boolean
  docs: boolean
  pin: boolean
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = parseFlags(argv, ['minutes', 'users', 'connections', 'store', 'database-url'], ['pg', 'quick', 'docs', 'no-docs', 'no-pin'], USAGE)
  const quick = flags.has('quick')
  const num = numberOption(flags, env)
  return {
    minutes: num('minutes', null, quick ? 1 : 10, 1, 180),
    users: num('users', null, quick ? 2_000 : 10_000, 200, 2_000_000),
    connections: num('connections', null, 32, 1, 256),
    ...storeOptions(flags, env),
    quick,
    docs: flags.has('no-docs') ? false : flags.has('docs') || !quick,
    pin: !flags.has('no-pin'),
  }
}

const SLICE_S = 30
/** The verdict's rule (issue 15): RSS at the end within this share of RSS at the reference minute… */
const FLAT_WITHIN = 0.1
/** …and growing by less than this over the second half of the run. */
const FLAT_SLOPE_MIB_PER_MIN = 1
const REFERENCE_MINUTE = 2

interface Operation {
  label: string
  /** Requests out of every MIX_TOTAL. */
  weight: number
  next: () => Req
  check?: Scenario['check']
}

/** The fixed mix: mostly single-user reads and updates, as an identity provider's steady traffic. */
function operations(seeded: Seeded, runId: string): Operation[] {
  const q = (filter: string) => `/scim/v2/Users?filter=${encodeURIComponent(filter)}`
  return [
    { label: 'GET /Users/{id}', weight: 5, next: () => ({ method: 'GET', path: `/scim/v2/Users/${pick(seeded.sampleUserIds)}` }), check: hasId },
    { label: 'filter userName eq', weight: 4, next: () => ({ method: 'GET', path: q(`userName eq "${userName(1 + randomInt(seeded.users))}"`) }), check: exactlyOne },
    { label: 'filter externalId eq', weight: 4, next: () => ({ method: 'GET', path: q(`externalId eq "${externalIdOf(1 + randomInt(seeded.users))}"`) }), check: exactlyOne },
    { label: 'list page of 100', weight: 1, next: get('/scim/v2/Users?startIndex=1&count=100'), check: pageOf(100) },
    { label: 'POST /Users', weight: 1, next: postUser(runId), check: (s, b) => (s !== 201 ? `status ${s}, expected 201` : hasId(s, b)) },
    { label: 'PATCH /Users/{id}', weight: 3, next: patchUser(seeded.sampleUserIds), check: hasId },
    { label: 'member add/remove PATCH', weight: 2, next: memberCycler(seeded.smallGroupId, seeded.smallGroupPool, false) },
  ]
}

/**
 * Smooth weighted round-robin (as nginx balances upstreams): every `sum of weights` consecutive
 * requests hold each operation exactly `weight` times, spread out rather than in runs, so every
 * slice of the soak sees the same mix.
 */
function interleave(ops: Operation[]): () => Req {
  const total = ops.reduce((a, o) => a + o.weight, 0)
  const current = ops.map(() => 0)
  return () => {
    let best = 0
    for (let i = 0; i < ops.length; i++) {
      current[i]! += ops[i]!.weight
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    return ops[best]!.next()
  }
}

const mixLabel = (ops: Operation[]) => ops.map((o) => `${o.label} ${o.weight}`).join(', ') + ` (of every ${ops.reduce((a, o) => a + o.weight, 0)} requests)`

/** Peak resident memory of a process in MiB (VmHWM), or null. */
function peakRssMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

interface Sample {
  /** Minutes since the load started, when RSS was read. */
  minute: number
  /** Which 30 s slice this closes (0: before the load). */
  slice: number
  rssMiB: number | null
  rps?: number
  p99?: number
  otherLoadPct?: number
  problem?: string
}

interface Summary {
  warmMiB?: number
  referenceMinute: number
  referenceMiB?: number
  endMiB?: number
  /** End against the reference, as a share of the reference. */
  endChange?: number
  /** Least-squares slope of RSS over the second half, MiB per minute. */
  slope?: number
  flat: boolean | null
  rule: string
}

/** Least-squares slope of y over x. */
function slopeOf(points: Array<[number, number]>): number | undefined {
  if (points.length < 2) return undefined
  const mx = points.reduce((a, [x]) => a + x, 0) / points.length
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  return sxx ? points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx : undefined
}

function summarise(samples: Sample[], minutes: number): Summary {
  const slices = minutes * (60 / SLICE_S)
  // Runs too short for minute 2 to be before the second half compare with the middle of the run.
  const referenceMinute = minutes >= 2 * REFERENCE_MINUTE ? REFERENCE_MINUTE : minutes / 2
  const at = (slice: number) => samples.find((s) => s.slice === slice)?.rssMiB ?? undefined
  const warmMiB = at(60 / SLICE_S)
  const referenceMiB = at(Math.round(referenceMinute * (60 / SLICE_S)))
  const endMiB = at(slices)
  const secondHalf = samples.filter((s) => s.slice >= slices / 2 && s.rssMiB !== null).map((s): [number, number] => [s.minute, s.rssMiB!])
  const slope = slopeOf(secondHalf)
  const complete = samples.filter((s) => s.slice > 0 && s.rssMiB !== null).length === slices
  const endChange = endMiB !== undefined && referenceMiB ? (endMiB - referenceMiB) / referenceMiB : undefined
  const rule = `memory flat when RSS at the end is within ${FLAT_WITHIN * 100} % of RSS after minute ${referenceMinute} and its least-squares slope over the second half of the run (minute ${minutes / 2} to ${minutes}) is under ${FLAT_SLOPE_MIB_PER_MIN} MiB/min`
  return {
    ...(warmMiB !== undefined ? { warmMiB } : {}),
    referenceMinute,
    ...(referenceMiB !== undefined ? { referenceMiB } : {}),
    ...(endMiB !== undefined ? { endMiB } : {}),
    ...(endChange !== undefined ? { endChange } : {}),
    ...(slope !== undefined ? { slope } : {}),
    flat: complete && endChange !== undefined && slope !== undefined ? Math.abs(endChange) <= FLAT_WITHIN && slope < FLAT_SLOPE_MIB_PER_MIN : null,
    rule,
  }
}

interface SoakReport {
  store: 'pglite' | 'postgres'
  storeDescription: string
  date: string
  machine: Machine
  minutes: number
  connections: number
  quick: boolean
  pinned: boolean
  mix: string
  dataset: string
  totalSeconds: number
  samples: Sample[]
  summary: Summary
  notes: string[]
}

async function runStore(store: 'pglite' | 'postgres', opts: Options, machine: Machine, cluster: PostgresCluster | undefined): Promise<SoakReport> {
  const started = performance.now()
  let server: ServerDb | undefined
  let dataDir: string | undefined
  try {
    if (store === 'pglite') {
      dataDir = tempDir('roster-soak-data-')
      return await soak({ kind: 'pglite', dataDir })
    }
    server = await scratchDatabase(cluster?.url ?? opts.databaseUrl!, cluster, say)
    onCleanup(server.cleanup)
    // The cluster was started from this (pinned) process: give PostgreSQL every CPU back.
    if (opts.pin && cluster && server.postmasterPid) setTreeAffinity(server.postmasterPid, ALL_CPUS)
    return await soak({ kind: 'postgres', url: server.url })
  } finally {
    // Also when the run failed, and before the caller destroys the cluster under the open clients.
    if (dataDir) removeTempDir(dataDir)
    if (server) await server.cleanup()
  }

  /** Seeds the target, runs Roster on it under the mixed load and reads its memory. */
  async function soak(target: SeedTarget): Promise<SoakReport> {
    const notes: string[] = []
    say(`${store}: seeding ${opts.users.toLocaleString('en')} users…`)
    const seeded = await seed(target, opts.users, Math.max(20, 2 * opts.connections), (l) => say(`${store}:${l}`))
    say(`${store}: seeded in ${formatSeconds(seeded.timings.total! / 1000)}; database ${seeded.sizes.databaseMiB} MiB`)

    const cwd = tempDir('roster-soak-cwd-')
    const port = await freePort()
    const roster: NodeProcess = await startNode(
      path.join(ROOT, 'src/main.ts'),
      rosterEnv(port, store === 'pglite' ? { dataDir: dataDir! } : { databaseUrl: server!.url }),
      { ...ROSTER_READY, cwd, ...(opts.pin ? { cpus: SERVER_CPU } : {}) },
    )
    say(`${store}: Roster pid ${roster.pid} on 127.0.0.1:${port}`)
    const gone = () => roster.child.exitCode !== null || roster.child.signalCode !== null

    const ops = operations(seeded, `soak-${randomBytes(3).toString('hex')}`)
    const settings: LoadSettings = {
      connections: opts.connections,
      durationS: SLICE_S,
      warmupS: 0,
      headers: { authorization: `Bearer ${seeded.token}`, accept: 'application/scim+json' },
      urls: { roster: `http://127.0.0.1:${port}` },
      pids: { roster: roster.pid },
      ...(server?.postmasterPid ? { postmasterPid: server.postmasterPid } : {}),
    }
    // Every operation must work before the soak starts: one failing would fail every slice.
    for (const op of ops) {
      const pre = await preflight({ key: op.label, label: op.label, server: 'roster', kind: 'write', next: op.next, ...(op.check ? { check: op.check } : {}) }, settings)
      if (!pre.ok) {
        await roster.stop()
        throw new Error(`${op.label} does not work: ${pre.reason}`)
      }
    }

    const mixed: Scenario = { key: 'soak', label: 'mixed SCIM load', server: 'roster', kind: 'write', next: interleave(ops) }
    const slices = opts.minutes * (60 / SLICE_S)
    const samples: Sample[] = [{ minute: 0, slice: 0, rssMiB: rssMiB(roster.pid) }]
    say(`${store}: ${opts.minutes} min of load at ${opts.connections} connections; Roster's RSS before it: ${samples[0]!.rssMiB?.toFixed(0) ?? '?'} MiB`)
    const loadStarted = performance.now()
    for (let slice = 1; slice <= slices; slice++) {
      if (gone()) {
        notes.push(`Roster exited during the run (code ${roster.child.exitCode ?? roster.child.signalCode}) before slice ${slice}: ${roster.output().slice(-300)}`)
        break
      }
      const m = await measure(mixed, settings)
      const sample: Sample = {
        minute: (performance.now() - loadStarted) / 60_000,
        slice,
        rssMiB: rssMiB(roster.pid),
        ...(m.rps !== undefined ? { rps: m.rps } : {}),
        ...(m.p99 !== undefined ? { p99: m.p99 } : {}),
        ...(m.otherLoadPct !== undefined ? { otherLoadPct: m.otherLoadPct } : {}),
        ...(m.ok ? {} : { problem: m.reason ?? 'failed' }),
      }
      samples.push(sample)
      say(
        `${store}: minute ${sample.minute.toFixed(1)}: RSS ${sample.rssMiB?.toFixed(0) ?? '?'} MiB, ${sample.rps !== undefined ? Math.round(sample.rps) : '?'} req/s, p99 ${sample.p99?.toFixed(1) ?? '?'} ms${sample.otherLoadPct !== undefined ? `, other load ${Math.round(sample.otherLoadPct)} %` : ''}${sample.problem ? `; FAILED: ${sample.problem}` : ''}`,
      )
    }
    const peak = peakRssMiB(roster.pid)
    if (peak !== null) notes.push(`Roster's peak RSS over its whole life (VmHWM): ${Math.round(peak)} MiB.`)
    // Requests still in flight when the last run ends may fail once Roster closes its store: count apart.
    const errorsIn = (output: string) => output.split('\n').filter((l) => /"level":(50|60)/.test(l))
    const errors = errorsIn(roster.output())
    await roster.stop(30_000)
    const atShutdown = errorsIn(roster.output()).length - errors.length
    if (errors.length) notes.push(`Roster logged ${errors.length} errors under the load; first: ${errors[0]!.slice(0, 300)}`)
    if (atShutdown > 0) notes.push(`Roster logged ${atShutdown} errors while shutting down (requests still in flight when the load stopped).`)
    try {
      const after = await inspect(target, seeded)
      notes.push(
        `The dataset grew under the load, as a provisioning client's would: ${after.users.toLocaleString('en')} users at the end (${(after.users - opts.users).toLocaleString('en')} created by POST), ${after.auditEvents.toLocaleString('en')} audit events; the small group has ${after.smallGroupMembers} members (10 at the start; member PATCHes add and remove users of a pool of ${seeded.smallGroupPool.length}).`,
      )
    } catch (err) {
      notes.push(`Could not inspect the database after the run: ${(err as Error).message}`)
    }
    const failed = samples.filter((s) => s.problem)
    if (failed.length) notes.push(`${failed.length} of ${slices} slices had failed requests; first: ${failed[0]!.problem}`)
    const loads = samples.filter((s) => s.otherLoadPct !== undefined)
    if (loads.length) {
      const mean = loads.reduce((a, s) => a + s.otherLoadPct!, 0) / loads.length
      notes.push(
        mean < 5
          ? `The machine was otherwise idle: other processes used ${Math.round(mean)} % of a CPU on average.`
          : `The machine was shared: other processes used ${Math.round(mean)} % of a CPU on average (see "other load"), which lowers req/s and raises p99 in their slices.`,
      )
    }

    removeTempDir(cwd)
    const serverVersion = seeded.serverVersion.replace(/ on .*$/, '').replace(/,.*$/, '')
    return {
      store,
      storeDescription:
        store === 'pglite'
          ? `embedded PGlite ${machine.pglite} (${serverVersion}, WASM, inside the Roster process: its memory is in Roster's RSS)`
          : `${serverVersion} ${server!.description}${cluster ? ' (throwaway cluster from test/services/postgres.mjs)' : ''}; Roster's pool: 10 connections; PostgreSQL's own memory is not in Roster's RSS`,
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      machine,
      minutes: opts.minutes,
      connections: opts.connections,
      quick: opts.quick,
      pinned: opts.pin,
      mix: mixLabel(ops),
      dataset: `${opts.users.toLocaleString('en')} users, a group of all of them and one of 10 (bench/seed.ts); database ${seeded.sizes.databaseMiB} MiB after seeding`,
      totalSeconds: (performance.now() - started) / 1000,
      samples,
      summary: summarise(samples, opts.minutes),
      notes,
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Output

const HEADERS = ['Minute', 'RSS MiB', 'req/s', 'p99 ms', 'other load']

function rows(report: SoakReport): string[][] {
  return report.samples.map((s) => [
    s.slice === 0 ? '0 (before the load)' : s.minute.toFixed(1),
    s.rssMiB === null ? '–' : s.rssMiB.toFixed(0),
    s.rps === undefined ? '–' : Math.round(s.rps).toLocaleString('en'),
    s.p99 === undefined ? '–' : s.p99.toFixed(1),
    s.otherLoadPct === undefined ? '–' : `${Math.round(s.otherLoadPct)} %${s.problem ? ` (failed: ${s.problem.slice(0, 80)})` : ''}`,
  ])
}

function verdictLines(report: SoakReport, markdown: boolean): string[] {
  const s = report.summary
  const mib = (n: number | undefined) => (n === undefined ? '–' : `${n.toFixed(0)} MiB`)
  const verdict = s.flat === null ? 'not measured (the series is incomplete)' : s.flat ? 'memory flat' : 'memory NOT flat'
  const short = report.minutes < 2 * REFERENCE_MINUTE ? ` (a ${report.minutes}-minute run is too short to tell a slow leak)` : ''
  return [
    `${markdown ? `**Verdict: ${verdict}**` : `Verdict: ${verdict}`}${short}. Rule: ${s.rule}.`,
    `RSS after minute 1 (warm): ${mib(s.warmMiB)}; after minute ${s.referenceMinute}: ${mib(s.referenceMiB)}; at the end (minute ${report.minutes}): ${mib(s.endMiB)}` +
      `${s.endChange !== undefined ? ` (${s.endChange >= 0 ? '+' : ''}${(s.endChange * 100).toFixed(1)} % against minute ${s.referenceMinute})` : ''}; ` +
      `slope over the second half: ${s.slope === undefined ? '–' : `${s.slope >= 0 ? '+' : ''}${s.slope.toFixed(2)} MiB/min`}.`,
  ]
}

function textReport(report: SoakReport): string {
  const r = rows(report)
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...r.map((x) => x[i]!.length)))
  const line = (x: string[]) => x.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    `${report.store === 'pglite' ? 'PGlite' : 'PostgreSQL server'}: ${report.storeDescription}`,
    `Mix: ${report.mix}`,
    '',
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...r.map(line),
    '',
    ...verdictLines(report, false),
    '',
    ...report.notes.map((n) => `  - ${n}`),
    '',
    `  ${report.store} run: ${formatSeconds(report.totalSeconds)}`,
  ].join('\n')
}

function markdownSection(report: SoakReport): string {
  const m = report.machine
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  return [
    `### ${report.store === 'pglite' ? 'Embedded store (PGlite)' : 'PostgreSQL server'}`,
    '',
    `Run ${report.date}${report.quick ? ' (quick run: too short and too small to judge)' : ''}, \`npm run bench:soak\`, ${report.minutes} min of load, total ${formatSeconds(report.totalSeconds)}.`,
    '',
    `- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}, Node.js ${m.node}. ${report.pinned ? `Roster pinned to CPU 0 (\`taskset -c 0\`), the load generator to CPU 1${report.store === 'postgres' ? ', PostgreSQL on both' : ''}` : 'Unpinned'}.`,
    `- Store: ${report.storeDescription}.`,
    `- Dataset: ${report.dataset}.`,
    `- Load: autocannon, ${report.connections} connections, in consecutive ${SLICE_S} s runs (milliseconds apart) with a fixed mix, weighted round-robin: ${report.mix}. RSS is Roster's VmRSS (/proc) at the end of each run; req/s and p99 are over that run; "other load" is the CPU other processes used meanwhile, in % of one CPU.`,
    '',
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows(report).map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
    ...verdictLines(report, true),
    '',
    ...report.notes.map((n) => `- ${n}`),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let opts: Options
  try {
    opts = parseOptions(process.argv.slice(2), process.env)
  } catch (err) {
    process.stderr.write(`bench:soak: ${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  installExitHooks()
  const machine = describeMachine()
  if (opts.pin && (machine.cpus < 2 || !canPin())) {
    opts.pin = false
    say(`note: not pinning (${machine.cpus < 2 ? 'one CPU' : 'taskset unavailable'}); Roster and the load share every CPU`)
  }
  if (opts.pin) setAffinity(process.pid, LOAD_CPU)
  say(
    `machine: ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, Node.js ${machine.node}, load average ${os.loadavg()[0]!.toFixed(1)}; ${opts.users.toLocaleString('en')} users, ${opts.minutes} min per store at ${opts.connections} connections; stores: ${opts.stores.join(', ')}`,
  )
  let cluster: PostgresCluster | undefined
  let failed = false
  for (const store of opts.stores) {
    try {
      if (store === 'postgres' && opts.pgCluster) {
        say('starting a throwaway PostgreSQL cluster…')
        cluster = await throwawayCluster()
      }
      const report = await runStore(store, opts, machine, cluster)
      process.stdout.write(`\n${textReport(report)}\n\n`)
      if (report.samples.some((s) => s.problem) || report.summary.flat === null) failed = true
      if (opts.docs) {
        writeSection(path.join(ROOT, 'docs/benchmarks.md'), `soak:${store}`, markdownSection(report))
        say(`wrote the ${store} soak section of docs/benchmarks.md`)
      }
    } catch (err) {
      say(`${store} run failed: ${(err as Error).stack ?? String(err)}`)
      failed = true
    } finally {
      if (cluster) {
        await cluster.destroy().catch(() => undefined)
        cluster = undefined
      }
    }
  }
  say(`done in ${formatSeconds((performance.now() - benchStarted) / 1000)}`)
  if (failed) process.exitCode = 1
  await cleanupAll()
}

void main().catch(async (err: unknown) => {
  process.stderr.write(`bench:soak: ${(err as Error).stack ?? String(err)}\n`)
  await cleanupAll()
  process.exit(1)
})

/**
 * `npm run bench`: the SCIM service provider under load (see docs/benchmarks.md).
 *
 * For each store (PGlite always, a PostgreSQL server when BENCH_DATABASE_URL is set or with --pg):
 * seed a tenant (bench/seed.ts), start Roster as its own process and a bare koa server
 * (bench/bare-server.ts) with the same JSON, run every scenario with autocannon from this process,
 * print a table and write it into docs/benchmarks.md. Everything listens on 127.0.0.1; every
 * child process, scratch database and temporary directory is removed on exit, error or Ctrl-C.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes, randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import type { PostgresCluster } from '../test/services/postgres.mjs'
import { SMALL_GROUP_SIZE, TITLE_COUNT, externalIdOf, titleOf, userName, GIVEN, FAMILY } from './dataset.js'
import { measure, type LoadSettings, type Measurement, type Req, type Scenario } from './load.js'
import { canPin, cleanupAll, freePort, installExitHooks, machineBusyMs, onCleanup, removeTempDir, ROOT, rssMiB, setAffinity, setTreeAffinity, startNode, tempDir, treeCpuMs, type NodeProcess, say, benchStarted, rosterEnv, ROSTER_READY, SERVER_CPU, LOAD_CPU, ALL_CPUS } from './processes.js'
import { compareOf, comparisonTable, describeMachine, formatSeconds, markdownSection, ratios, statementLines, textTable, writeSection, type Machine, type StatementStat, type StoreReport, type Target } from './report.js'
import { summariseProfile } from './profile.js'
import { exportForPeer, inspect, seed, type SeedTarget, type Seeded } from './seed.js'
import { exactlyOne, get, hasId, isList, memberCycler, pageOf, patchUser, pick, postUser, USER_SCHEMA, type Json } from './scim-requests.js'
import { scratchDatabase, throwawayCluster, type ServerDb } from './postgres-server.js'
import { numberOption, parseFlags, storeOptions } from './options.js'

const USAGE = `npm run bench [-- options]

Seeds a tenant (default 100,000 users, a 100,000-member group and a 10-member group), starts on
127.0.0.1 Roster, the I/O floor (bench/floor-server.ts: bare koa + one indexed statement on the same
database), the in-memory SCIM peer (bench/scimmy-peer.ts: SCIMMY + express, users in Maps) and a
no-I/O koa endpoint (bench/bare-server.ts), each pinned to CPU 0 while the load runs on CPU 1;
drives each scenario against Roster, the floor and the peer one after another with autocannon and
prints req/s, p50, p99 and the ratios Roster/floor and Roster/peer; full runs also write their
section of docs/benchmarks.md.

Options (environment variable in brackets):
  --users N          users to seed [BENCH_USERS] (default 100000)
  --duration S       measured seconds per scenario, 1-60 [BENCH_DURATION] (default 8)
  --warmup S         warm-up seconds per scenario, 0-30 [BENCH_WARMUP] (default 2)
  --connections N    concurrent connections, 1-256 [BENCH_CONNECTIONS] (default 32)
  --no-pin           do not pin the servers to CPU 0 and the load to CPU 1 (pinning needs taskset
                     and 2 CPUs; without them the run is unpinned and says so)
  --database-url URL also run against this PostgreSQL server [BENCH_DATABASE_URL]; a scratch
                     database is created there and dropped afterwards (needs CREATEDB)
  --pg               also run against a throwaway local PostgreSQL cluster (test/services/postgres.mjs),
                     with pg_stat_statements to show which statements dominate
  --store S          only this store: pglite or postgres
  --quick            smoke run: 5,000 users, 2 s per scenario, 1 s warm-up, docs untouched
  --only KEYS        only these scenarios (comma-separated keys, e.g. post-user,post-user-log-off; the
                     floor, peer and baseline runs they are compared with come along); docs untouched
  --docs / --no-docs write docs/benchmarks.md or not (default: yes, except with --quick)
  --json FILE        also write every measurement as JSON
  --retries N        measure a scenario again, up to N times [BENCH_RETRIES], when other processes used more than
                     --max-other-load % of a CPU meanwhile (default 2; 0 = never)
  --max-other-load P see --retries [BENCH_MAX_OTHER_LOAD] (default 25)
  --profile          run Roster with --cpu-prof and summarise where its CPU time went (the
                     profile covers Roster's whole run, every scenario; it is kept and its path printed)
`

interface Options {
  users: number
  durationS: number
  warmupS: number
  connections: number
  databaseUrl: string | undefined
  pgCluster: boolean
  stores: Array<'pglite' | 'postgres'>
  quick: boolean
  docs: boolean
  json: string | undefined
  profile: boolean
  pin: boolean
  retries: number
  maxOtherLoadPct: number
  /** Scenario keys to run (with what they are compared to); undefined: all. */
  only: Set<string> | undefined
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = parseFlags(argv, ['users', 'duration', 'warmup', 'connections', 'database-url', 'store', 'json', 'retries', 'max-other-load', 'only'], ['pg', 'quick', 'docs', 'no-docs', 'profile', 'no-pin'], USAGE)
  const quick = flags.has('quick')
  const num = numberOption(flags, env)
  const { databaseUrl, pgCluster, stores } = storeOptions(flags, env)
  const json = flags.get('json')
  const only = flags.get('only')
  if (only === true) throw new Error('--only needs scenario keys')
  return {
    users: num('users', 'BENCH_USERS', quick ? 5_000 : 100_000, 200, 2_000_000),
    durationS: num('duration', 'BENCH_DURATION', quick ? 2 : 8, 1, 60),
    warmupS: num('warmup', 'BENCH_WARMUP', quick ? 1 : 2, 0, 30),
    connections: num('connections', 'BENCH_CONNECTIONS', 32, 1, 256),
    databaseUrl,
    pgCluster,
    stores,
    quick,
    docs: flags.has('no-docs') || only !== undefined ? false : flags.has('docs') || !quick,
    json: typeof json === 'string' ? path.resolve(json) : undefined,
    profile: flags.has('profile'),
    pin: !flags.has('no-pin'),
    retries: num('retries', 'BENCH_RETRIES', quick ? 0 : 2, 0, 5),
    maxOtherLoadPct: num('max-other-load', 'BENCH_MAX_OTHER_LOAD', 25, 1, 1000),
    only: only === undefined ? undefined : new Set(only.split(',').map((k) => k.trim()).filter(Boolean)),
  }
}

// ---------------------------------------------------------------------------------------------


/** GET through fetch, for set-up steps (captures, cursor walk); throws with the answer on non-2xx. */
async function getJson(base: string, token: string, p: string): Promise<Json> {
  const res = await fetch(base + p, { headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' }, signal: AbortSignal.timeout(60_000) })
  const text = await res.text()
  if (!res.ok) throw new Error(`GET ${p} answered ${res.status}: ${text.slice(0, 300)}`)
  return JSON.parse(text) as Json
}

interface Prepared {
  deepPosition: number
  deepCursor?: string
  cursorProblem?: string
  walkSeconds?: number
}

/** The scenarios named by --only, with the floor/peer runs, same-body and own baselines they are compared with. */
function selected(all: Scenario[], only: Set<string> | undefined): Scenario[] {
  if (!only) return all
  const unknown = [...only].filter((k) => !all.some((s) => s.key === k))
  if (unknown.length) throw new Error(`--only: no scenario ${unknown.join(', ')}; there are ${all.filter((s) => s.server === 'roster').map((s) => s.key).join(', ')}`)
  const keep = new Set<string>()
  for (const s of all) {
    if (!only.has(s.key) && !(s.compare && only.has(s.compare))) continue
    keep.add(s.key)
    for (const k of [s.sameBody, s.baseline]) if (k) keep.add(k)
  }
  for (const s of all) if (s.baseline && keep.has(s.key)) for (const c of all) if (c.compare === s.baseline) keep.add(c.key)
  return all.filter((s) => keep.has(s.key))
}

/** One operation measured on Roster, then on the floor and the peer, each with its own request generator (POST names, member cycles). */
function compared(base: Omit<Scenario, 'server' | 'next' | 'compare'>, make: (server: 'roster' | 'floor' | 'peer') => () => Req, peer: string | true = true): Scenario[] {
  return [
    { ...base, server: 'roster', compare: base.key, next: make('roster') },
    { ...base, key: `${base.key}@floor`, label: `floor: ${base.label}`, server: 'floor', compare: base.key, next: make('floor') },
    {
      ...base,
      key: `${base.key}@peer`,
      label: `SCIMMY peer: ${base.label}`,
      server: 'peer',
      compare: base.key,
      next: make('peer'),
      ...(peer === true ? {} : { unavailable: peer }),
    },
  ]
}

function scenarios(seeded: Seeded, prepared: Prepared): Scenario[] {
  const users = seeded.users
  const q = (filter: string) => `/scim/v2/Users?filter=${encodeURIComponent(filter)}`
  const deep = prepared.deepPosition
  const runId = randomBytes(3).toString('hex')
  return [
    { key: 'bare-user', label: 'bare koa, GET user JSON', server: 'bare', kind: 'baseline', next: get('/user'), extraWarmupS: 3 },
    { key: 'bare-list', label: 'bare koa, GET 100-user list JSON', server: 'bare', kind: 'baseline', next: get('/list') },
    ...compared({ key: 'get-user', label: 'GET /Users/{id}', kind: 'read', sameBody: 'bare-user', check: hasId }, () => () => ({ method: 'GET', path: `/scim/v2/Users/${pick(seeded.sampleUserIds)}` })),
    ...compared({ key: 'filter-username', label: 'filter userName eq', kind: 'read', sameBody: 'bare-user', check: exactlyOne }, () => () => ({ method: 'GET', path: q(`userName eq "${userName(1 + randomInt(users))}"`) })),
    ...compared({ key: 'filter-externalid', label: 'filter externalId eq', kind: 'read', sameBody: 'bare-user', check: exactlyOne }, () => () => ({ method: 'GET', path: q(`externalId eq "${externalIdOf(1 + randomInt(users))}"`) })),
    ...compared({ key: 'index-1', label: 'list page 1 (startIndex=1, count=100)', short: 'page 1 by startIndex', kind: 'read', sameBody: 'bare-list', check: pageOf(100) }, () => get('/scim/v2/Users?startIndex=1&count=100')),
    ...compared(
      { key: 'post-user', label: 'POST /Users', kind: 'write', sameBody: 'bare-user', check: (s, b) => (s !== 201 ? `status ${s}, expected 201` : hasId(s, b)) },
      (server) => postUser(`${runId}-${server}`),
    ),
    {
      // The provisioning log's cost: the same POST on a tenant whose log is off; "vs own baseline" is its req/s ÷ POST /Users's (log on, the default).
      key: 'post-user-log-off',
      label: 'POST /Users, provisioning log off',
      server: 'roster',
      kind: 'write',
      sameBody: 'bare-user',
      baseline: 'post-user',
      next: postUser(`${runId}-quiet`, seeded.quietToken),
      check: (s, b) => (s !== 201 ? `status ${s}, expected 201` : hasId(s, b)),
    },
    ...compared({ key: 'patch-user', label: 'PATCH /Users/{id} (replace displayName)', kind: 'write', sameBody: 'bare-user', check: hasId }, () => patchUser(seeded.sampleUserIds)),
    ...compared({ key: 'patch-small', label: `PATCH add/remove member, ${SMALL_GROUP_SIZE}-member group`, short: `the ${SMALL_GROUP_SIZE}-member group`, kind: 'write' }, () =>
      memberCycler(seeded.smallGroupId, seeded.smallGroupPool, false),
    ),
    {
      key: 'filter-title',
      label: 'filter title eq (non-indexed attribute)',
      server: 'roster',
      kind: 'read',
      sameBody: 'bare-list',
      next: () => ({ method: 'GET', path: q(`title eq "${titleOf(randomInt(TITLE_COUNT))}"`) }),
      check: (_s, b) => (!isList(b) ? 'not a ListResponse' : b.totalResults < Math.floor(users / TITLE_COUNT) ? `totalResults ${b.totalResults}, expected ≥ ${Math.floor(users / TITLE_COUNT)}` : undefined),
    },
    { key: 'cursor-1', label: 'list page 1 by cursor (count=100)', short: 'page 1 by cursor', server: 'roster', kind: 'read', sameBody: 'bare-list', next: get('/scim/v2/Users?cursor=&count=100'), check: pageOf(100) },
    {
      key: 'cursor-deep',
      label: `deep page by cursor (position ${deep})`,
      server: 'roster',
      kind: 'read',
      sameBody: 'bare-list',
      baseline: 'cursor-1',
      next: get(`/scim/v2/Users?cursor=${prepared.deepCursor ?? ''}&count=100`),
      check: pageOf(Math.min(100, users - deep + 1)),
      ...(prepared.deepCursor ? {} : { unavailable: prepared.cursorProblem ?? 'no cursor' }),
    },
    {
      key: 'index-deep',
      label: `deep page (startIndex=${deep}, count=100)`,
      server: 'roster',
      kind: 'read',
      sameBody: 'bare-list',
      baseline: 'index-1',
      next: get(`/scim/v2/Users?startIndex=${deep}&count=100`),
      check: pageOf(Math.min(100, users - deep + 1)),
    },
    {
      key: 'patch-big',
      label: `PATCH add/remove member, ${users.toLocaleString('en')}-member group`,
      server: 'roster',
      kind: 'write',
      baseline: 'patch-small',
      next: memberCycler(seeded.bigGroupId, seeded.bigGroupPool, true),
    },
    { key: 'bare-user-end', label: 'bare koa, GET user JSON (again, at the end)', server: 'bare', kind: 'baseline', next: get('/user') },
  ]
}

/** The cursor whose page starts at `position` (1-based), walking from the start in pages of up to 1,000. */
async function cursorAt(base: string, token: string, position: number): Promise<string> {
  let cursor = ''
  let seen = 0
  while (seen < position - 1) {
    const count = Math.min(1000, position - 1 - seen)
    const page = await getJson(base, token, `/scim/v2/Users?cursor=${cursor}&count=${count}&attributes=id`)
    if (!isList(page) || !page.Resources.length) throw new Error(`cursor walk stopped after ${seen} users: empty page`)
    seen += page.Resources.length
    if (typeof page.nextCursor !== 'string') throw new Error(`cursor walk stopped after ${seen} users: no nextCursor`)
    cursor = page.nextCursor
  }
  return cursor
}

/** A stand-in for GET /Users/{id} when Roster cannot answer yet, so the baseline still runs. */
function syntheticUser(n: number): Json {
  const given = GIVEN[n % GIVEN.length]!
  const family = FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length]!
  const id = '2819c223-7f76-453a-919d-413861904646'
  return {
    schemas: [USER_SCHEMA],
    id,
    externalId: externalIdOf(n),
    userName: userName(n),
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    displayName: `${given} ${family}`,
    title: titleOf(n),
    active: true,
    emails: [{ value: userName(n), type: 'work', primary: true }],
    groups: [{ value: '9d2f4c8e-3b7a-4f0e-8c1d-5a6b7c8d9e0f', $ref: 'http://127.0.0.1/scim/v2/Groups/9d2f4c8e-3b7a-4f0e-8c1d-5a6b7c8d9e0f', display: 'All Employees', type: 'direct' }],
    meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z', location: `http://127.0.0.1/scim/v2/Users/${id}`, version: 'W/"1"' },
  }
}

function pidsOf(settings: LoadSettings): number[] {
  return [...Object.values(settings.pids).filter((p): p is number => typeof p === 'number'), ...(settings.postmasterPid ? [settings.postmasterPid] : [])]
}

/** CPU used by processes other than ours over a short window, in % of one CPU. */
async function otherLoad(windowMs: number, pids: number[]): Promise<number> {
  const ours = () => {
    const self = process.cpuUsage()
    return (self.user + self.system) / 1000 + pids.reduce((a, p) => a + (treeCpuMs(p) ?? 0), 0)
  }
  const b0 = machineBusyMs()
  const o0 = ours()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, windowMs))
  const b1 = machineBusyMs()
  if (b0 === null || b1 === null) return 0
  return Math.max(0, ((b1 - b0 - (ours() - o0)) / (performance.now() - t0)) * 100)
}

/** Waits (at most maxMs) until other processes use at most `limit` % of a CPU; returns the last reading. */
async function waitForQuiet(limit: number, maxMs: number, pids: number[]): Promise<number> {
  const until = performance.now() + maxMs
  let load = await otherLoad(2000, pids)
  while (load > limit && performance.now() < until) load = await otherLoad(2000, pids)
  return load
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL servers

async function topStatements(client: pg.Client): Promise<Record<string, unknown>> {
  const { rows } = await client.query<{ calls: string; total: number; mean: number; query: string; all_total: number }>(
    `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, query, sum(total_exec_time) OVER () AS all_total
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%'
      ORDER BY total_exec_time DESC LIMIT 3`,
  )
  const statements: StatementStat[] = rows.map((r) => ({
    calls: Number(r.calls),
    totalMs: Math.round(r.total),
    meanMs: Math.round(r.mean * 1000) / 1000,
    share: r.all_total > 0 ? r.total / r.all_total : 0,
    query: r.query.replace(/\s+/g, ' ').slice(0, 2000),
  }))
  return { statements }
}

// ---------------------------------------------------------------------------------------------

async function runStore(store: 'pglite' | 'postgres', opts: Options, machine: Machine, cluster: PostgresCluster | undefined): Promise<StoreReport> {
  const started = performance.now()
  const notes: string[] = []
  let target: SeedTarget
  let server: ServerDb | undefined
  let dataDir: string | undefined
  if (store === 'pglite') {
    dataDir = tempDir('roster-bench-data-')
    target = { kind: 'pglite', dataDir }
  } else {
    const adminUrl = cluster?.url ?? opts.databaseUrl!
    server = await scratchDatabase(adminUrl, cluster, say)
    onCleanup(server.cleanup)
    // The cluster was started from this (pinned) process: give PostgreSQL every CPU back.
    if (opts.pin && cluster && server.postmasterPid) setTreeAffinity(server.postmasterPid, ALL_CPUS)
    target = { kind: 'postgres', url: server.url }
  }

  say(`${store}: seeding ${opts.users.toLocaleString('en')} users…`)
  const poolSize = Math.max(20, 2 * opts.connections)
  const seeded = await seed(target, opts.users, poolSize, (l) => say(`${store}:${l}`))
  const st = seeded.timings
  say(`${store}: seeded in ${(st.total! / 1000).toFixed(1)} s (users ${(st.users! / 1000).toFixed(1)} s, groups ${(st.groups! / 1000).toFixed(1)} s, VACUUM ANALYZE ${(st.vacuumAnalyze! / 1000).toFixed(1)} s); database ${seeded.sizes.databaseMiB} MiB`)

  const cwd = tempDir('roster-bench-cwd-')
  // The peer gets the seeded users as documents; the PGlite floor a copy of the seeded database
  // (Roster holds the data directory's lock, and PGlite serves one process).
  const e0 = performance.now()
  const peerData = path.join(cwd, 'peer-data.json')
  await exportForPeer(target, seeded, peerData)
  let floorDir: string | undefined
  if (dataDir) {
    floorDir = tempDir('roster-bench-floor-')
    fs.cpSync(path.join(dataDir, 'pgdata'), path.join(floorDir, 'pgdata'), { recursive: true })
  }
  notes.push(
    `Set-up for the baselines took ${formatSeconds((performance.now() - e0) / 1000)}: the seeded users and groups exported as SCIM documents for the peer (same ids, userNames, externalIds and members)${floorDir ? ", and the seeded PGlite directory copied (with Roster stopped) for the floor, so both start from byte-identical data; Roster's writes during the run are not in the floor's copy" : '; the floor uses the same database as Roster'}.`,
  )
  const pinned = opts.pin ? { cpus: SERVER_CPU } : {}
  const rosterPort = await freePort()
  let roster: NodeProcess | undefined
  // Kept after the run (not a registered temporary directory): the profile is for reading later.
  const profileDir = opts.profile ? fs.mkdtempSync(path.join(os.tmpdir(), `roster-bench-profile-${store}-`)) : undefined
  let rosterProblem: string | undefined
  const rosterStarted = performance.now()
  try {
    roster = await startNode(
      path.join(ROOT, 'src/main.ts'),
      rosterEnv(rosterPort, store === 'pglite' ? { dataDir: dataDir! } : { databaseUrl: server!.url }),
      { ...ROSTER_READY, cwd, ...pinned, ...(profileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) },
    )
    say(`${store}: Roster pid ${roster.pid} listening on 127.0.0.1:${rosterPort} (started in ${((performance.now() - rosterStarted) / 1000).toFixed(1)} s)`)
  } catch (err) {
    rosterProblem = `Roster did not start: ${(err as Error).message.split('\n').slice(0, 6).join(' ')}`
    say(`${store}: ${rosterProblem}`)
  }

  const rosterBase = `http://127.0.0.1:${rosterPort}`
  const deepPosition = Math.max(1, Math.floor(opts.users * 0.9))
  const prepared: Prepared = { deepPosition }

  // The bare server answers with what Roster answers (captured), or a stand-in when it cannot.
  let userBody: Json = syntheticUser(1)
  let listBody: Json = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: opts.users, itemsPerPage: 100, startIndex: 1, Resources: Array.from({ length: 100 }, (_, i) => syntheticUser(i + 1)) }
  if (roster) {
    try {
      userBody = await getJson(rosterBase, seeded.token, `/scim/v2/Users/${seeded.sampleUserIds[0]}`)
      listBody = await getJson(rosterBase, seeded.token, '/scim/v2/Users?startIndex=1&count=100')
    } catch (err) {
      notes.push(`The bare endpoint served a synthetic user document: Roster could not answer GET /Users yet (${(err as Error).message.slice(0, 200)}).`)
    }
    try {
      const w0 = performance.now()
      say(`${store}: walking cursor pages to position ${deepPosition.toLocaleString('en')}…`)
      prepared.deepCursor = await cursorAt(rosterBase, seeded.token, deepPosition)
      prepared.walkSeconds = (performance.now() - w0) / 1000
      // The cursor page and the startIndex page must start at the same user.
      const byCursor = await getJson(rosterBase, seeded.token, `/scim/v2/Users?cursor=${prepared.deepCursor}&count=1&attributes=id`)
      const byIndex = await getJson(rosterBase, seeded.token, `/scim/v2/Users?startIndex=${deepPosition}&count=1&attributes=id`)
      const a = isList(byCursor) ? byCursor.Resources[0]?.id : undefined
      const b = isList(byIndex) ? byIndex.Resources[0]?.id : undefined
      if (a !== b) notes.push(`The deep cursor page and startIndex=${deepPosition} start at different users (${String(a)} vs ${String(b)}): index and cursor paging disagree on the order.`)
      say(`${store}: cursor for position ${deepPosition.toLocaleString('en')} found in ${prepared.walkSeconds.toFixed(1)} s`)
    } catch (err) {
      prepared.cursorProblem = `cursor paging unavailable: ${(err as Error).message.slice(0, 300)}`
      say(`${store}: ${prepared.cursorProblem}`)
    }
  }
  const bodiesFile = path.join(cwd, 'bare-bodies.json')
  fs.writeFileSync(bodiesFile, JSON.stringify({ user: userBody, list: listBody }))
  const portOf = (p: NodeProcess) => Number(/listening on (\d+)/.exec(p.output())![1])
  const bare = await startNode(path.join(ROOT, 'bench/bare-server.ts'), { PORT: '0', BARE_BODIES: bodiesFile }, { ready: /listening on \d+/, waitMs: 60_000, cwd, ...pinned })
  const floor = await startNode(
    path.join(ROOT, 'bench/floor-server.ts'),
    { PORT: '0', FLOOR_TENANT: seeded.tenantId, ...(floorDir ? { FLOOR_PGLITE_DIR: path.join(floorDir, 'pgdata') } : { FLOOR_DATABASE_URL: server!.url }) },
    { ready: /listening on \d+/, waitMs: 120_000, cwd, ...pinned },
  )
  const peer = await startNode(path.join(ROOT, 'bench/scimmy-peer.ts'), { PORT: '0', PEER_DATA: peerData }, { ready: /listening on \d+/, waitMs: 120_000, cwd, ...pinned })
  say(`${store}: floor pid ${floor.pid}, SCIMMY peer pid ${peer.pid}${opts.pin ? `; servers pinned to CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}` : ''}`)

  const all = selected(scenarios(seeded, prepared), opts.only)
  if (!roster) for (const s of all) if (s.server === 'roster') s.unavailable = rosterProblem
  const settings: LoadSettings = {
    connections: opts.connections,
    durationS: opts.durationS,
    warmupS: opts.warmupS,
    headers: { authorization: `Bearer ${seeded.token}`, accept: 'application/scim+json' },
    urls: { bare: `http://127.0.0.1:${portOf(bare)}`, roster: rosterBase, floor: `http://127.0.0.1:${portOf(floor)}`, peer: `http://127.0.0.1:${portOf(peer)}` },
    pids: { bare: bare.pid, floor: floor.pid, peer: peer.pid, ...(roster ? { roster: roster.pid } : {}) },
    ...(server?.postmasterPid ? { postmasterPid: server.postmasterPid } : {}),
    ...(server?.stats
      ? {
          before: async () => {
            await server!.stats!.query('SELECT pg_stat_statements_reset()')
          },
          after: () => topStatements(server!.stats!),
        }
      : {}),
  }

  const results: Measurement[] = []
  const repeated = new Set<string>()
  for (const scenario of all) {
    if (roster && scenario.server === 'roster' && (roster.child.exitCode !== null || roster.child.signalCode !== null)) {
      scenario.unavailable = `Roster exited (code ${roster.child.exitCode ?? roster.child.signalCode}): ${roster.output().slice(-300)}`
    }
    say(`${store}: ${scenario.label}…`)
    // On a shared machine, a measurement disturbed by other processes is repeated (after waiting a
    // little for quiet), and the least disturbed one is kept.
    let best: Measurement | undefined
    for (let attempt = 0; attempt <= opts.retries; attempt++) {
      if (attempt > 0) {
        repeated.add(scenario.key)
        const quiet = await waitForQuiet(opts.maxOtherLoadPct, 30_000, pidsOf(settings))
        say(`${store}:   other processes used ${Math.round(best!.otherLoadPct!)} % of a CPU; measuring again (now ${Math.round(quiet)} %)`)
      }
      const m = await measure(scenario, scenario.server === 'roster' || scenario.server === 'floor' ? settings : ({ ...settings, before: undefined, after: undefined } as LoadSettings))
      say(
        m.ok
          ? `${store}:   ${Math.round(m.rps!).toLocaleString('en')} req/s, p50 ${m.p50!.toFixed(2)} ms, p99 ${m.p99!.toFixed(2)} ms${m.cpuMsPerReq !== undefined ? `, server CPU ${m.cpuMsPerReq.toFixed(2)} ms/req` : ''}${m.otherLoadPct !== undefined ? `, other load ${Math.round(m.otherLoadPct)} %` : ''}`
          : `${store}:   FAILED: ${m.reason}`,
      )
      if (!best || (m.ok && (!best.ok || (m.otherLoadPct ?? 0) < (best.otherLoadPct ?? 0)))) best = m
      if (!m.ok || (m.otherLoadPct ?? 0) <= opts.maxOtherLoadPct) break
    }
    results.push(best!)
  }

  const rss = roster ? rssMiB(roster.pid) : null
  if (roster) await roster.stop(30_000)
  await bare.stop()
  await floor.stop()
  await peer.stop()
  if (roster) {
    const errors = roster
      .output()
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l))
    if (errors.length) notes.push(`Roster logged ${errors.length} errors; first: ${errors[0]!.slice(0, 300)}`)
  }

  let after: Awaited<ReturnType<typeof inspect>> | undefined
  try {
    after = await inspect(target, seeded)
  } catch (err) {
    notes.push(`Could not inspect the database after the run: ${(err as Error).message}`)
  }

  // Targets.
  const report0 = { scenarios: all, results }
  const byKey = new Map(results.map((r) => [r.key, r]))
  const targets: Target[] = []
  const reads = all.filter((s) => s.kind === 'read' && s.server === 'roster')
  const readRatios = reads.map((s) => ({ s, m: byKey.get(s.key)!, r: ratios(report0, byKey.get(s.key)!) }))
  const measuredReads = readRatios.filter((x) => x.m.ok && x.r.vsSameBody !== undefined)
  const slow = measuredReads.filter((x) => x.r.vsSameBody! < 1 / 3)
  const failedReads = readRatios.filter((x) => !x.m.ok)
  targets.push({
    name: 'reads within 3× of the bare endpoint (same JSON)',
    met: measuredReads.length === 0 ? null : slow.length === 0 && failedReads.length === 0,
    detail: [
      measuredReads.length ? `${measuredReads.map((x) => `${x.s.label} ${(1 / x.r.vsSameBody!).toFixed(1)}×`).join(', ')} slower than bare` : '',
      failedReads.length ? `failed: ${failedReads.map((x) => x.s.label).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  })
  const versus = (name: string, key: string) => {
    const m = byKey.get(key)
    if (!m) return // not selected (--only)
    const r = ratios(report0, m)
    targets.push({
      name,
      met: r.vsBaseline === undefined ? null : r.vsBaseline >= 0.85,
      detail: r.vsBaseline === undefined ? `not measured (${m.ok ? 'its baseline failed' : 'it failed'})` : `${(r.vsBaseline * 100).toFixed(0)} % of ${r.baselineLabel}'s req/s`,
    })
  }
  const comparisons = all.filter((s) => s.server === 'roster' && s.compare).map((s) => ({ s, c: compareOf(report0, s.key) }))
  const measuredVs = (side: 'floor' | 'peer') => comparisons.filter((x) => x.c[side] !== undefined)
  const vsFloor = measuredVs('floor')
  targets.push({
    name: 'every operation at least 0.8 of the floor (bare koa + one indexed statement, same database)',
    met: vsFloor.length ? vsFloor.every((x) => x.c.floor! >= 0.8) && vsFloor.length === comparisons.length : null,
    detail: vsFloor.map((x) => `${x.s.label} ${x.c.floor!.toFixed(2)}`).join(', ') || 'not measured',
  })
  const vsPeer = measuredVs('peer')
  targets.push({
    name: 'ahead of the in-memory SCIM peer (SCIMMY + express) on every operation',
    met: vsPeer.length ? vsPeer.every((x) => x.c.peer! >= 1) : null,
    detail: [vsPeer.map((x) => `${x.s.label} ${x.c.peer!.toFixed(2)}`).join(', '), comparisons.length > vsPeer.length ? `${comparisons.length - vsPeer.length} not comparable (see the table)` : '']
      .filter(Boolean)
      .join('; '),
  })
  if (store === 'postgres') {
    const fast = ['get-user', 'filter-username', 'filter-externalid'].map((k) => byKey.get(k)).filter((m): m is Measurement => !!m?.ok)
    targets.push({
      name: `p99 under 20 ms at ${opts.connections} connections for GET and filter`,
      met: fast.length ? fast.every((m) => m.p99! < 20) : null,
      detail: fast.map((m) => `${m.label} ${m.p99!.toFixed(1)} ms`).join(', '),
    })
  }
  versus('member PATCH on the big group as fast as on the 10-member group', 'patch-big')
  versus('deep page by cursor as fast as page 1 by cursor', 'cursor-deep')

  const b0 = byKey.get('bare-user')
  const b1 = byKey.get('bare-user-end')
  if (b0?.ok && b1?.ok) notes.push(`The bare endpoint measured ${Math.round(b0.rps!).toLocaleString('en')} req/s at the start and ${Math.round(b1.rps!).toLocaleString('en')} at the end (${(((b1.rps! - b0.rps!) / b0.rps!) * 100).toFixed(0)} %): the run-to-run noise on this machine.`)
  const titleMatches = Math.round(opts.users / TITLE_COUNT)
  notes.push(
    `\`title eq\` matches about ${titleMatches.toLocaleString('en')} users (${TITLE_COUNT} titles); title has no column or B-tree index of its own, but migration 0002's GIN index on the lower-cased document (\`resource_ci\`) serves \`eq\` on any attribute. Every ListResponse counts all matches for totalResults.`,
  )
  notes.push(
    'The floor answers with the stored document plus id and meta (no group list, no projection, no ETag check, no audit, no authentication, no log), so its answers are smaller than Roster\'s (see "response"); its list page is `ORDER BY id LIMIT 100` without a count. The peer keeps users in Maps indexed by id, userName and externalId (other filters use SCIMMY\'s own matching over every user), cuts list pages from the Map and tells SCIMMY the total; it renders users without their groups, writes no audit event and, for a member PATCH, reads and rewrites the whole group document (SCIMMY\'s PatchOp works on the resource), so it is measured on the 10-member group only.',
  )
  if (prepared.walkSeconds !== undefined) notes.push(`Finding the cursor at position ${deepPosition.toLocaleString('en')} took ${prepared.walkSeconds.toFixed(1)} s (pages of 1,000 with attributes=id).`)
  notes.push(
    `PATCH scenarios alternate adding and removing users from a pool of ${poolSize} (members of the big group, non-members of the small one), so the big group stays within ${poolSize} of ${opts.users.toLocaleString('en')} members and the small one within ${poolSize} of ${SMALL_GROUP_SIZE}; a member PATCH is one write statement that holds the group's row (FOR NO KEY UPDATE) while it runs, so concurrent member PATCHes to one group queue per statement, not per request.`,
  )
  if (after) {
    const posted = byKey.get('post-user')
    notes.push(
      `After the run: ${after.users.toLocaleString('en')} users (${(after.users - opts.users).toLocaleString('en')} created by POST${posted?.ok ? ' incl. warm-up' : ''}), big group ${after.bigGroupMembers.toLocaleString('en')} members, small group ${after.smallGroupMembers} members, ${after.auditEvents.toLocaleString('en')} audit events.`,
    )
  }
  if (rss !== null) notes.push(`Roster's resident memory at the end of the run: ${Math.round(rss)} MiB.`)
  if (repeated.size) notes.push(`${repeated.size} scenario(s) were measured again because other processes were busy (more than ${opts.maxOtherLoadPct} % of a CPU); the table keeps the least disturbed measurement.`)
  const loads = results.filter((m) => m.otherLoadPct !== undefined)
  if (loads.length) {
    const mean = loads.reduce((a, m) => a + m.otherLoadPct!, 0) / loads.length
    const worst = loads.reduce((a, m) => (m.otherLoadPct! > a.otherLoadPct! ? m : a))
    notes.push(
      mean < 5 && worst.otherLoadPct! < 15
        ? `The machine was otherwise idle: other processes used ${Math.round(mean)} % of a CPU on average during the measured phases.`
        : `The machine was shared: other processes used ${Math.round(mean)} % of a CPU on average during the measured phases (up to ${Math.round(worst.otherLoadPct!)} % during "${worst.label}"), so some figures are lower than on an idle machine; see the "other load" column.`,
    )
  }
  const rosterRuns = results.filter((m) => m.ok && m.windowUs && m.requests && all.find((s) => s.key === m.key)?.server === 'roster')
  const profile = profileDir ? summariseProfile(profileDir, new Map(rosterRuns.map((m) => [m.key, m.windowUs!]))) : null
  const profileRows: string[] = []
  if (profile) {
    const share = (x: { name: string; share: number }) => `${x.name} ${Math.round(x.share * 100)} %`
    notes.push(
      `CPU profile of Roster over the whole run, start-up and set-up requests included (${formatSeconds(profile.totalMs / 1000)} busy): by area ${profile.areas.slice(0, 8).map(share).join(', ')}; top functions ${profile.functions.slice(0, 8).map(share).join(', ')}. Profile: ${profile.file}`,
    )
    for (const m of rosterRuns) {
      const w = profile.windows.get(m.key)
      if (!w?.totalMs) continue
      const cell = (xs: Array<{ name: string; share: number }>) => xs.map(share).join(', ').replace(/\|/g, '\\|')
      profileRows.push(`| ${m.label} | ${(w.totalMs / m.requests!).toFixed(2)} | ${cell(w.areas.slice(0, 6))} | ${cell(w.functions.slice(0, 5))} |`)
    }
  } else if (profileDir) notes.push(`No CPU profile was written in ${profileDir}.`)

  if (dataDir) removeTempDir(dataDir)
  if (floorDir) removeTempDir(floorDir)
  removeTempDir(cwd)
  if (server) await server.cleanup()

  const serverVersion = seeded.serverVersion.replace(/ on .*$/, '').replace(/,.*$/, '')
  return {
    store,
    storeDescription: store === 'pglite' ? `embedded PGlite ${machine.pglite} (${serverVersion}, WASM, inside the Roster process)` : `${serverVersion} ${server!.description}${cluster ? ' (throwaway cluster from test/services/postgres.mjs)' : ''}; Roster's pool: 10 connections`,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine,
    settings: { users: opts.users, durationS: opts.durationS, warmupS: opts.warmupS, connections: opts.connections, quick: opts.quick, pinned: opts.pin },
    dataset: `${opts.users.toLocaleString('en')} users (≈${Math.round((seeded.sizes.usersMiB * 1024 * 1024) / opts.users)} bytes each on disk with indexes), a group of ${seeded.sizes.bigGroupMembers.toLocaleString('en')} members and one of ${seeded.sizes.smallGroupMembers}; database ${seeded.sizes.databaseMiB} MiB (users ${seeded.sizes.usersMiB} MiB, group_members ${seeded.sizes.groupMembersMiB} MiB).`,
    seeding: `${formatSeconds(st.total! / 1000)} (open/create ${formatSeconds(st.open! / 1000)}, users ${formatSeconds(st.users! / 1000)}, groups and memberships ${formatSeconds(st.groups! / 1000)}, VACUUM ANALYZE ${formatSeconds(st.vacuumAnalyze! / 1000)}).`,
    totalSeconds: (performance.now() - started) / 1000,
    scenarios: all,
    results,
    targets,
    notes,
    ...(profileRows.length ? { profileRows } : {}),
  }
}

async function main(): Promise<void> {
  let opts: Options
  try {
    opts = parseOptions(process.argv.slice(2), process.env)
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  installExitHooks()
  const machine = describeMachine()
  if (opts.pin && (machine.cpus < 2 || !canPin())) {
    opts.pin = false
    say(`note: not pinning (${machine.cpus < 2 ? 'one CPU' : 'taskset unavailable'}); servers and load share every CPU`)
  }
  if (opts.pin) setAffinity(process.pid, LOAD_CPU)
  const load = os.loadavg()[0]!
  if (load > 0.5) say(`note: the machine is not idle (load average ${load.toFixed(1)}); the "other load" column shows how much that costs each scenario`)
  say(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node.js ${machine.node}; ${opts.users.toLocaleString('en')} users, ${opts.durationS} s per scenario (+${opts.warmupS} s warm-up), ${opts.connections} connections; stores: ${opts.stores.join(', ')}`,
  )
  const reports: StoreReport[] = []
  let cluster: PostgresCluster | undefined
  for (const store of opts.stores) {
    try {
      if (store === 'postgres' && opts.pgCluster) {
        say('starting a throwaway PostgreSQL cluster…')
        cluster = await throwawayCluster()
        say(`PostgreSQL cluster on 127.0.0.1:${cluster.port} (${cluster.binDir})`)
      }
      const report = await runStore(store, opts, machine, cluster)
      reports.push(report)
      process.stdout.write(`\n${report.store === 'pglite' ? 'PGlite' : 'PostgreSQL server'}: ${report.storeDescription}\n\n${comparisonTable(report, false)}\n\n${textTable(report)}\n\n`)
      for (const t of report.targets) process.stdout.write(`  ${t.met === null ? 'not measured' : t.met ? 'met    ' : 'NOT MET'}  ${t.name}: ${t.detail}\n`)
      process.stdout.write('\n')
      for (const n of report.notes) process.stdout.write(`  - ${n}\n`)
      if (report.profileRows) process.stdout.write(`\n  Roster's CPU per scenario (profiled ms/req | by area | top functions):\n${report.profileRows.map((r) => `  ${r}`).join('\n')}\n`)
      const statements = statementLines(report, false)
      if (statements.length) process.stdout.write(`\n  Top statements (pg_stat_statements; share of database execution time, mean × calls per request):\n${statements.join('\n')}\n`)
      process.stdout.write(`\n  ${store} run: ${formatSeconds(report.totalSeconds)} (seeding ${report.seeding})\n`)
      if (opts.docs) {
        writeSection(path.join(ROOT, 'docs/benchmarks.md'), `scim:${store}`, markdownSection(report))
        say(`wrote the ${store} section of docs/benchmarks.md`)
      }
    } catch (err) {
      say(`${store} run failed: ${(err as Error).stack ?? String(err)}`)
      process.exitCode = 1
    } finally {
      if (cluster) {
        await cluster.destroy().catch(() => undefined)
        cluster = undefined
      }
    }
  }
  if (opts.json) {
    fs.writeFileSync(opts.json, JSON.stringify(reports.map((r) => ({ ...r, scenarios: r.scenarios.map(({ key, label, server, kind, baseline, sameBody }) => ({ key, label, server, kind, baseline, sameBody })) })), null, 2))
    say(`wrote ${opts.json}`)
  }
  say(`done in ${formatSeconds((performance.now() - benchStarted) / 1000)}`)
  if (reports.some((r) => r.results.some((m) => !m.ok))) process.exitCode = 1
  await cleanupAll()
}

void main().catch(async (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
  await cleanupAll()
  process.exit(1)
})

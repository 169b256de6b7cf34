/** Formatting of benchmark results: the stdout table, and the docs/benchmarks.md section. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Measurement, Scenario } from './load.js'
import { ROOT } from './processes.js'

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGiB: number
  node: string
  os: string
  pglite: string
}

export function describeMachine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown'
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel
  } catch {
    // not Linux
  }
  let pglite = 'unknown'
  try {
    pglite = (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string }).version
  } catch {
    // not installed
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    pglite,
  }
}

export interface Target {
  name: string
  met: boolean | null
  detail: string
}

export interface StoreReport {
  store: 'pglite' | 'postgres'
  storeDescription: string
  date: string
  machine: Machine
  settings: { users: number; durationS: number; warmupS: number; connections: number; quick: boolean; pinned?: boolean }
  dataset: string
  seeding: string
  totalSeconds: number
  scenarios: Scenario[]
  results: Measurement[]
  targets: Target[]
  notes: string[]
  /** Markdown rows: Roster's CPU profile cut to each scenario's measured phase (with --profile). */
  profileRows?: string[]
}

export interface Ratios {
  vsBare?: number
  vsSameBody?: number
  vsBaseline?: number
  baselineLabel?: string
}

/** Ratios of req/s: to the bare endpoint (one user), to the bare endpoint with the same body, to the scenario's own baseline. */
export function ratios(report: Pick<StoreReport, 'scenarios' | 'results'>, m: Measurement): Ratios {
  const byKey = new Map(report.results.map((r) => [r.key, r]))
  const scenario = report.scenarios.find((s) => s.key === m.key)
  const rps = (key: string | undefined) => {
    const r = key ? byKey.get(key) : undefined
    return r?.ok && r.rps ? r.rps : undefined
  }
  const out: Ratios = {}
  if (!m.ok || !m.rps || !scenario || scenario.server === 'bare') return out
  // The bare endpoint runs first and last; their mean evens out some of the drift over the run.
  const bareRuns = [rps('bare-user'), rps('bare-user-end')].filter((x): x is number => x !== undefined)
  const bare = bareRuns.length ? bareRuns.reduce((a, b) => a + b, 0) / bareRuns.length : undefined
  if (bare) out.vsBare = m.rps / bare
  const same = scenario.sameBody === 'bare-user' ? bare : rps(scenario.sameBody)
  if (same) out.vsSameBody = m.rps / same
  if (scenario.baseline) {
    const b = report.scenarios.find((s) => s.key === scenario.baseline)
    out.baselineLabel = b?.short ?? b?.label ?? scenario.baseline
    const baseRps = rps(scenario.baseline)
    if (baseRps) out.vsBaseline = m.rps / baseRps
  }
  return out
}

/** Roster's req/s as a share of the floor's and of the peer's on the same operation (from one run). */
export function compareOf(report: Pick<StoreReport, 'results'>, key: string): { floor?: number; peer?: number } {
  const rps = (k: string) => {
    const m = report.results.find((r) => r.key === k)
    return m?.ok && m.rps ? m.rps : undefined
  }
  const roster = rps(key)
  const floor = rps(`${key}@floor`)
  const peer = rps(`${key}@peer`)
  return { ...(roster && floor ? { floor: roster / floor } : {}), ...(roster && peer ? { peer: roster / peer } : {}) }
}

const COMPARE_HEADERS = ['Operation', 'Roster req/s', 'p50', 'p99', 'floor req/s', 'p50', 'p99', 'Roster/floor', 'peer req/s', 'p50', 'p99', 'Roster/peer']

/** Roster beside the floor and the peer, one row per operation: req/s, p50 and p99 (ms), and the ratios. */
export function comparisonTable(report: Pick<StoreReport, 'scenarios' | 'results'>, markdown: boolean): string {
  const byKey = new Map(report.results.map((r) => [r.key, r]))
  const side = (key: string): string[] => {
    const m = byKey.get(key)
    if (!m) return ['–', '', '']
    if (!m.ok) return [markdown ? `n/a: ${clip(m.reason ?? 'failed', 160).replace(/\|/g, '\\|')}` : 'n/a', '', '']
    return [fmt.rps(m.rps), fmt.ms(m.p50), fmt.ms(m.p99)]
  }
  const ratio = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2))
  const rows = report.scenarios
    .filter((s) => s.server === 'roster' && s.compare)
    .map((s) => {
      const c = compareOf(report, s.key)
      return [s.label, ...side(s.key), ...side(`${s.key}@floor`), ratio(c.floor), ...side(`${s.key}@peer`), ratio(c.peer)]
    })
  if (markdown) {
    const align = COMPARE_HEADERS.map((_, i) => (i === 0 ? '---' : '---:'))
    return [COMPARE_HEADERS, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
  }
  const widths = COMPARE_HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  const notes = report.results.filter((m) => !m.ok && /@peer$/.test(m.key)).map((m) => `  n/a ${m.label}: ${clip(m.reason ?? '', 200)}`)
  return [line(COMPARE_HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...notes].join('\n')
}

const fmt = {
  rps: (n: number | undefined) => (n === undefined ? '–' : n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1)),
  ms: (n: number | undefined) => (n === undefined ? '–' : n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2)),
  /** A req/s ratio as "how many times slower": 0.25 → 4.0×. */
  slower: (n: number | undefined) => (n === undefined ? '–' : `${(1 / n).toFixed(1 / n >= 10 ? 0 : 1)}×`),
  percent: (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n * 100)} %`),
  bytes: (n: number | undefined) => (n === undefined ? '–' : n >= 10_240 ? `${Math.round(n / 1024)} kB` : `${n} B`),
  cpu: (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2)),
}

function clip(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > n ? `${one.slice(0, n - 1)}…` : one
}

const HEADERS = ['Scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'vs bare, same body', 'vs own baseline', 'server CPU ms/req', 'response', 'other load']

function cells(report: Pick<StoreReport, 'scenarios' | 'results'>, m: Measurement): string[] {
  const r = ratios(report, m)
  if (!m.ok) return [m.label, 'FAILED', '', '', '', '', '', '', clip(m.reason ?? 'unknown reason', 240), '']
  const cpu = m.dbCpuMsPerReq !== undefined ? `${fmt.cpu(m.cpuMsPerReq)} + db ${fmt.cpu(m.dbCpuMsPerReq)}` : fmt.cpu(m.cpuMsPerReq)
  return [
    m.label,
    fmt.rps(m.rps),
    fmt.ms(m.p50),
    fmt.ms(m.p99),
    fmt.slower(r.vsBare),
    fmt.slower(r.vsSameBody),
    r.vsBaseline === undefined ? '' : `${fmt.percent(r.vsBaseline)} of ${r.baselineLabel}`,
    cpu,
    fmt.bytes(m.meanBytes),
    m.otherLoadPct === undefined ? '–' : `${Math.round(m.otherLoadPct)} %`,
  ]
}

export function textTable(report: Pick<StoreReport, 'scenarios' | 'results'>): string {
  const rows = report.results.map((m) => cells(report, m))
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.filter((r) => r[1] !== 'FAILED' || i < 2).map((r) => r[i]!.length)))
  const line = (r: string[]) =>
    r[1] === 'FAILED'
      ? `${r[0]!.padEnd(widths[0]!)}  FAILED: ${r[8]}`
      : r.map((c, i) => (i === 0 || (i >= 6 && i <= 8) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function markdownTable(report: Pick<StoreReport, 'scenarios' | 'results'>): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|')
  const rows = report.results.map((m) => {
    const c = cells(report, m)
    return c[1] === 'FAILED' ? [c[0]!, '**failed**', '', '', '', '', esc(c[8]!), '', '', ''] : c.map(esc)
  })
  const align = HEADERS.map((_, i) => (i === 0 || (i >= 6 && i <= 8) ? '---' : '---:'))
  return [HEADERS, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

export function markdownSection(report: StoreReport): string {
  const m = report.machine
  const s = report.settings
  const lines = [
    `### ${report.store === 'pglite' ? 'Embedded store (PGlite)' : 'PostgreSQL server'}`,
    '',
    `Run ${report.date}${s.quick ? ' (quick run: smaller dataset, shorter scenarios — not comparable with full runs)' : ''}, \`npm run bench\`, total ${formatSeconds(report.totalSeconds)}.`,
    '',
    `- Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}, Node.js ${m.node}. ${s.pinned ? `Roster, the floor, the peer and the bare server are each pinned to CPU 0 (\`taskset -c 0\`; only one of them is under load at a time), the load generator to CPU 1${report.store === 'postgres' ? ', PostgreSQL runs on both' : ''}` : `Roster, the floor, the peer, the bare server${report.store === 'postgres' ? ', the load generator and PostgreSQL' : ' and the load generator'} share it, unpinned`}.`,
    `- Store: ${report.storeDescription}.`,
    `- Dataset: ${report.dataset}`,
    `- Seeding: ${report.seeding}`,
    `- Load: autocannon, ${s.connections} connections, ${s.warmupS} s warm-up then ${s.durationS} s per scenario, all on 127.0.0.1. req/s is autocannon's per-second average; p50/p99 are latencies of the 2xx responses. "vs bare" is how many times fewer requests per second than the bare koa endpoint serving Roster's GET /Users/{id} JSON (mean of its runs at the start and the end); "vs bare, same body" compares with the bare endpoint serving a body of the same size (Roster's 100-user ListResponse for lists and \`title eq\`); "vs own baseline" is req/s as a share of the named scenario's. "server CPU" is the Roster process's CPU time per request${report.store === 'postgres' ? ', "+ db" the PostgreSQL server\'s (postmaster and backends) when it runs on this machine' : ' (the embedded database runs inside it)'}; "response" is the mean response size including headers; "other load" is the CPU that processes other than the benchmark's used meanwhile, in % of one CPU (this machine has ${m.cpus}).`,
    '',
    '**Roster beside its baselines** — the floor: bare koa + one indexed statement per request on the same database (`bench/floor-server.ts`); the peer: SCIMMY + scimmy-routers on express, users in Maps (`bench/scimmy-peer.ts`); each measured right after Roster on the same operation. Ratios are req/s of Roster ÷ req/s of the baseline (goal: ≥ 0.8 of the floor, > 1 of the peer); p50/p99 in ms.',
    '',
    comparisonTable(report, true),
    '',
    '**Every measurement**',
    '',
    markdownTable(report),
    '',
    '**Targets**',
    '',
    ...report.targets.map((t) => `- ${t.met === null ? 'not measured' : t.met ? 'met' : '**not met**'}: ${t.name} — ${t.detail}`),
  ]
  if (report.notes.length) lines.push('', '**Notes**', '', ...report.notes.map((n) => `- ${n}`))
  if (report.profileRows?.length) {
    lines.push(
      '',
      "**Where Roster's CPU time goes** (`--profile`: V8 CPU profile of the Roster process, cut to each scenario's measured phase; self time; the profiler itself costs a few %)",
      '',
      '| Scenario | CPU ms/req | By area | Top functions |',
      '| --- | ---: | --- | --- |',
      ...report.profileRows,
    )
  }
  const statements = statementLines(report, true)
  if (statements.length) lines.push('', '**Where the database time goes** (pg_stat_statements, measured phase of each scenario; lock waits count as execution time)', '', ...statements)
  return lines.join('\n')
}

export function formatSeconds(s: number): string {
  const whole = Math.round(s)
  return whole >= 90 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : s >= 10 ? `${whole} s` : `${s.toFixed(1)} s`
}

export interface StatementStat {
  calls: number
  totalMs: number
  meanMs: number
  /** Share of the execution time of all statements in the scenario. */
  share: number
  query: string
}

/** pg_stat_statements per scenario (server runs): the statements that took the most execution time. */
export function statementLines(report: Pick<StoreReport, 'results'>, markdown: boolean): string[] {
  const out: string[] = []
  for (const m of report.results) {
    const statements = (m.extra?.statements ?? []) as StatementStat[]
    if (!statements.length || !m.requests) continue
    const perReq = (s: StatementStat) => (s.calls / m.requests!).toFixed(s.calls >= m.requests! * 0.95 ? 0 : 2)
    const text = (s: StatementStat) => {
      const short = clip(s.query, markdown ? 150 : 110)
      // A row lock is what makes such a statement slow: keep it visible after clipping.
      const lock = /\bFOR (NO KEY )?(UPDATE|SHARE)\b.*$/i.exec(s.query)?.[0]
      return lock && !short.includes(lock) ? `${short} ${clip(lock, 30)}` : short
    }
    out.push(
      markdown
        ? `| ${m.label} | ${statements.map((s) => `${Math.round(s.share * 100)} %: ${s.meanMs} ms × ${perReq(s)}/req \`${text(s).replace(/\|/g, '\\|').replace(/`/g, "'")}\``).join('<br>')} |`
        : `  ${m.label}\n${statements.map((s) => `      ${String(Math.round(s.share * 100)).padStart(3)} %  ${String(s.meanMs).padStart(7)} ms × ${perReq(s)}/req  ${text(s)}`).join('\n')}`,
    )
  }
  if (out.length && markdown) out.unshift('| Scenario | Statements by share of database execution time: mean × calls per request |', '| --- | --- |')
  return out
}

const DOC_HEADER = `# Benchmarks

Measured numbers, with the machine they were measured on. Each section below is written by the
benchmark that measured it (between its \`<!-- bench:… -->\` markers); text outside the markers is
kept as it is.

## SCIM service provider (\`npm run bench\`)

\`bench/scim.ts\` seeds a tenant with 100,000 users (\`user<N>@example.com\`, 300 distinct titles),
one group holding all of them and one group of 10, through Roster's own migrations and domain
functions plus bulk SQL; then runs Roster as its own process (\`node --import tsx src/main.ts\`) and
drives it with autocannon from the benchmark process. Each SCIM operation (GET by id, filter
\`userName eq\` and \`externalId eq\`, a list page of 100, POST, PATCH of a user, member add/remove on a
group) is measured three times, one right after the other on the same data:

- **Roster**;
- **the floor** (\`bench/floor-server.ts\`): bare koa with one indexed statement per request on the
  same database and tables (primary key, \`users_user_name_key\`, \`users_external_id_idx\`, \`ORDER BY
  id LIMIT 100\`, one \`INSERT … RETURNING\`, one \`UPDATE\` of the document, one \`INSERT\`/\`DELETE\` on
  \`group_members\`), answering with the stored document; on PGlite it runs the same statements in its
  own process over a copy of the seeded data directory (Roster holds the original's lock);
- **the peer** (\`bench/scimmy-peer.ts\`): SCIMMY + scimmy-routers on express, the same users and
  groups (same ids, userNames, externalIds, members) in JavaScript Maps — a SCIM library without a
  database (decision 23).

Roster, the floor, the peer and a no-I/O koa endpoint (\`bench/bare-server.ts\`, the old baseline)
are each pinned to CPU 0 (\`taskset -c 0\`), the load generator to CPU 1, PostgreSQL unpinned; 32
connections by default. Run it yourself:

\`\`\`sh
npm run bench                                   # PGlite, 100,000 users, 2 + 8 s per scenario, ~6 min
BENCH_DATABASE_URL=postgres://… npm run bench   # also against a PostgreSQL server (a scratch database is created and dropped)
npm run bench -- --pg                           # also against a throwaway local PostgreSQL cluster
npm run bench -- --quick                        # smoke run: 5,000 users, 2 s per scenario, docs untouched
npm run bench -- --profile --no-docs            # plus a CPU profile of Roster: where its time goes
npm run bench -- --help                         # every option
\`\`\`

Targets (issue 15): every operation at least 0.8 of the floor's req/s, ahead of the peer on every
operation, p99 under 20 ms for GET and filter on PostgreSQL at 32 connections. Older targets, still
reported: reads within 3× of the no-I/O endpoint; a member PATCH on the big group as fast as on a
10-member group; a deep page by cursor as fast as page 1 ("as fast as": at least 85 % of the
baseline's req/s, within this machine's run-to-run noise).
`

/** Writes (or replaces) the section between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`. */
export function writeSection(file: string, id: string, body: string): void {
  const open = `<!-- bench:${id} -->`
  const close = `<!-- /bench:${id} -->`
  const block = `${open}\n${body.trim()}\n${close}`
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : DOC_HEADER
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  if (start >= 0 && end > start) text = text.slice(0, start) + block + text.slice(end + close.length)
  else text = `${text.trimEnd()}\n\n${block}\n`
  fs.writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`)
}

/**
 * `npm run bench:startup`: how long Roster takes to become ready, and how long the CLI takes.
 *
 * Measured, each the median of --runs runs (wall clock, from spawning the process):
 * - first start on a fresh clone: a new DATA_DIR and a cold tsx transpile cache (TMPDIR is a new
 *   directory, where tsx keeps its cache);
 * - fresh start: a new DATA_DIR, warm cache (a second data directory on the same machine);
 * - restart: the same DATA_DIR again;
 * - `roster --help`, and `roster tenant list` while the server runs on that DATA_DIR;
 * - once: preparing the empty embedded database (initdb), which `npm install` does
 *   (scripts/prepare.mjs) so that no start pays it.
 * Ready = the banner's first line on stdout (src/main.ts).
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { parseFlags, numberOption } from './options.js'
import { describeMachine, formatSeconds, writeSection } from './report.js'
import { ROOT, ROSTER_READY, cleanupAll, freePort, installExitHooks, removeTempDir, rosterEnv, say, startNode, tempDir, type NodeProcess } from './processes.js'
import { isDatabaseDir, templateDir } from '../src/store/postgres/pglite-template.js'

const USAGE = `npm run bench:startup [-- options]
  --runs N     runs of each measurement (default 5); the median is reported
  --no-docs    print only; leave docs/benchmarks.md alone
`

const MAIN = path.join(ROOT, 'src/main.ts')
const CLI = path.join(ROOT, 'bin/roster.js')

interface Row {
  name: string
  goal: string
  goalMs: number | null
  samples: number[]
  note?: string
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`

async function startRoster(dataDir: string, extraEnv: Record<string, string> = {}): Promise<{ server: NodeProcess; ms: number }> {
  const port = await freePort()
  const started = performance.now()
  const server = await startNode(MAIN, { ...rosterEnv(port, { dataDir }), ...extraEnv }, ROSTER_READY)
  return { server, ms: performance.now() - started }
}

/** Runs `roster …` to its end; its wall time and exit status. */
function runCli(args: string[], env: Record<string, string>): Promise<{ ms: number; code: number | null; output: string }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, output }))
  })
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['runs'], ['no-docs'], USAGE)
  const runs = numberOption(flags, process.env)('runs', null, 5, 1, 50)
  installExitHooks()
  const machine = describeMachine()
  const loadBefore = os.loadavg()[0]!
  const began = performance.now()
  const rows: Row[] = []
  const row = (name: string, goal: string, goalMs: number | null): Row => {
    const r: Row = { name, goal, goalMs, samples: [] }
    rows.push(r)
    return r
  }

  // The one-time cost the template saves every start: initdb of an empty PGlite database.
  const prepare = row('prepare the empty embedded database (initdb; `npm install` does it once)', '—', null)
  {
    const dir = tempDir('roster-bench-initdb-')
    const started = performance.now()
    const db = await PGlite.create(path.join(dir, 'pgdata'))
    await db.close()
    prepare.samples.push(performance.now() - started)
    removeTempDir(dir)
    prepare.note = isDatabaseDir(templateDir()) ? 'template present' : 'template missing: fresh starts below include making it'
  }

  const clone = row('first start on a fresh clone (new DATA_DIR, cold tsx cache)', '< 10 s', 10_000)
  const fresh = row('fresh start (new DATA_DIR)', '< 10 s', 10_000)
  const restart = row('restart (same DATA_DIR)', '< 2 s', 2_000)
  const help = row('`roster --help`', '< 0.5 s', 500)
  const list = row('`roster tenant list` with the server running', '< 1 s', 1_000)
  for (let i = 0; i < runs; i++) {
    say(`run ${i + 1} of ${runs}`)
    const cold = tempDir('roster-bench-tmp-')
    const first = await startRoster(path.join(tempDir(), 'data'), { TMPDIR: cold })
    clone.samples.push(first.ms)
    await first.server.stop()
    removeTempDir(cold)

    const dataDir = path.join(tempDir(), 'data')
    const a = await startRoster(dataDir)
    fresh.samples.push(a.ms)
    await a.server.stop()
    const b = await startRoster(dataDir)
    restart.samples.push(b.ms)

    const h = await runCli(['--help'], {})
    if (h.code !== 0) throw new Error(`roster --help exited with ${h.code}:\n${h.output}`)
    help.samples.push(h.ms)
    const l = await runCli(['tenant', 'list'], { DATA_DIR: dataDir, LOG_FORMAT: 'json' })
    if (l.code === 0) list.samples.push(l.ms)
    else list.note = `exits ${l.code}: ${l.output.trim().split('\n')[0]}`
    await b.server.stop()
    removeTempDir(path.dirname(dataDir))
  }

  const lines = rows.map((r) => {
    const m = r.samples.length ? median(r.samples) : null
    const met = m === null || r.goalMs === null ? '' : m <= r.goalMs ? 'met' : 'not met'
    const range = r.samples.length > 1 ? `${ms(Math.min(...r.samples))}–${ms(Math.max(...r.samples))}` : ''
    return `| ${r.name} | ${m === null ? '—' : ms(m)} | ${range} | ${r.goal} ${met} | ${r.note ?? ''} |`
  })
  const table = ['| Measurement | Median | Range | Goal | Note |', '|---|---:|---:|---|---|', ...lines].join('\n')
  process.stdout.write(`${table}\n`)
  const took = formatSeconds((performance.now() - began) / 1000)
  if (!flags.has('no-docs')) {
    const body = [
      '## Start-up and CLI (`npm run bench:startup`)',
      '',
      `How long \`npm start\` takes to be ready (its banner printed) and how long the CLI takes (issue 17). Median of ${runs} run${runs === 1 ? '' : 's'}, wall clock from spawning the process; each start logs at warn, as the other benchmarks do.`,
      '',
      table,
      '',
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, total ${took}. Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node.js ${machine.node}, PGlite ${machine.pglite}; load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end (other work on the machine shows up here).`,
      '',
      'Where a start spends its time: a new embedded database is a copy of an empty one prepared once per PGlite release (src/store/postgres/pglite-template.ts; initdb, the first row, is what every fresh start used to pay), then the migrations run on it; every start also loads the sources through tsx (transpiled once, then cached in the temporary directory: the fresh-clone row pays it) and boots PGlite (its WebAssembly and the PostgreSQL start inside it).',
    ].join('\n')
    writeSection(path.join(ROOT, 'docs/benchmarks.md'), 'startup', body)
    say('docs/benchmarks.md updated')
  }
  say(`done in ${took}`)
}

main()
  .catch((err: unknown) => {
    say(err instanceof Error ? (err.stack ?? err.message) : String(err))
    process.exitCode = 1
  })
  .finally(() => cleanupAll())

/**
 * The sync worker of `npm run bench:sync`, one process per step so that its peak memory is its own:
 *
 *   BENCH_SYNC_JOB='{"action":"setup"|"sync"|"read", …}' node --import tsx bench/sync-worker.ts
 *
 * It opens the store exactly as `roster sync` does (src/store/open.ts, with DATA_DIR or
 * DATABASE_URL and ENCRYPTION_KEY from the environment) and runs one step:
 * - setup: a tenant connected to the directory (as `roster tenant create` + `roster directory set`);
 * - sync:  one sync run (full or incremental, with the product's SYNC_* defaults), as `roster sync --once`;
 * - read:  only the read phase's directory side (DirectoryClient pages + mapping, no store), to
 *          tell the LDAP client's cost from the store's.
 * Prints one JSON line: timings, the run's counts, peak RSS (process.resourceUsage().maxRSS), the
 * peak V8 heap, and where the run's wall time went by store method.
 */
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import { loadConfig } from '../src/config.js'
import { setDirectoryConnection } from '../src/domain/directory-sync/connection.js'
import type { Actor } from '../src/domain/audit/model.js'
import { SecretBox } from '../src/domain/credentials/secrets.js'
import { createTenant } from '../src/domain/tenancy/tenants.js'
import { createLogger } from '../src/log.js'
import { openStore } from '../src/store/open.js'
import type { Store } from '../src/domain/store.js'
import { DirectoryClient } from '../sync/ldap.js'
import { attributesToRead, mapGroup, mapUser } from '../sync/mappers.js'
import { DirectorySync } from '../sync/service.js'
import { effectiveSettings, settingsToJson, validateSettings, DEFAULT_PAGE_SIZE } from '../sync/settings.js'

export interface WorkerJob {
  action: 'setup' | 'sync' | 'read'
  tenant: string
  full?: boolean
  directory: { url: string; caFile: string; bindDn: string; password: string; baseDn: string; pageSize?: number }
}

export interface WorkerResult {
  action: WorkerJob['action']
  /** Opening the store (and migrating it), before the step. */
  openSeconds: number
  /** The step itself (for sync: the run from call to return). */
  seconds: number
  /** sync: where the time went. */
  phases?: { readSeconds: number; snapshotWriteSeconds: number; reconcileSeconds: number }
  /** sync: wall time and transactions per step of the run, in order. */
  steps?: Array<{ step: string; seconds: number; transactions: number }>
  /** sync: wall time per store method called directly by the run (transactions count as one call). */
  storeCalls?: Array<{ name: string; calls: number; seconds: number }>
  run?: { status: string; mode: string; message: string | null; counts: Record<string, number>; errors: unknown[] }
  warnings?: string[]
  read?: { users: number; groups: number; memberValues: number }
  maxRssMiB: number
  peakHeapMiB: number
  /** sync: the step of the run in progress when the sampled V8 heap and RSS peaked. */
  peakHeapDuring?: string
  peakRssDuring?: string
  /** The highest RSS the 50 ms sampler saw, and the V8 heap's committed size and off-heap memory then. */
  sampledPeakRss?: { rssMiB: number; heapTotalMiB: number; externalMiB: number; arrayBuffersMiB: number }
  cpuSeconds: number
}

const ACTOR: Actor = { type: 'system', id: null, label: 'roster-bench-sync' }

const STEP = {
  read: 'read: directory pages into the snapshot',
  safety: 'safety check: count absent users and groups',
  users: 'reconcile: users',
  managers: 'reconcile: deferred managers',
  groups: 'reconcile: groups',
  members: 'reconcile: group members',
  absent: 'reconcile: archive absent users, delete absent groups',
  finish: 'finish',
}

interface Marks {
  readEnd: number | null
  snapshotAddMs: number
  step: string
  /** Wall time and transactions per step, in order. */
  steps: Map<string, { ms: number; transactions: number }>
  close(): void
}

/**
 * Times every repository method and transaction the run calls on the store (not those inside a
 * transaction), and which step of the run it is in, told by the calls it makes (sync/read.ts,
 * sync/reconcile.ts).
 */
function instrument(store: Store): { store: Store; calls: Map<string, { calls: number; ms: number }>; marks: Marks } {
  const calls = new Map<string, { calls: number; ms: number }>()
  let stepStart = performance.now()
  const marks: Marks = {
    readEnd: null,
    snapshotAddMs: 0,
    step: 'start',
    steps: new Map(),
    close: () => setStep('end'),
  }
  const setStep = (step: string) => {
    if (step === marks.step) return
    const now = performance.now()
    const s = marks.steps.get(marks.step) ?? { ms: 0, transactions: 0 }
    s.ms += now - stepStart
    marks.steps.set(marks.step, s)
    marks.step = step
    stepStart = now
  }
  const wrap = (name: string, fn: (...args: unknown[]) => unknown, self: object) =>
    function (...args: unknown[]) {
      if (name === 'syncRuns.insert' || name === 'syncSnapshot.add') setStep(STEP.read)
      else if (name === 'syncSnapshot.countAbsentUsers' || name === 'syncSnapshot.countAbsentGroups') setStep(STEP.safety)
      else if (name === 'syncSnapshot.page' && args[2] === 'user' && marks.step !== STEP.managers) setStep(STEP.users)
      // Group pages are walked twice: for the groups, then (with membersOf) for their members.
      else if (name === 'syncSnapshot.page' && args[2] === 'group' && marks.step !== STEP.members) setStep(STEP.groups)
      else if (name === 'memberships.membersOf') setStep(STEP.members)
      else if (name === 'syncSnapshot.absentUsers' || name === 'syncSnapshot.absentGroups' || (name === 'syncSnapshot.page' && args[2] === 'deleted')) setStep(STEP.absent)
      else if (name === 'syncRuns.finish') setStep(STEP.finish)
      if (name === 'transaction') {
        const s = marks.steps.get(marks.step) ?? { ms: 0, transactions: 0 }
        s.transactions++
        marks.steps.set(marks.step, s)
      }
      const t0 = performance.now()
      const done = (value: unknown) => {
        const ms = performance.now() - t0
        const c = calls.get(name) ?? { calls: 0, ms: 0 }
        c.calls++
        c.ms += ms
        calls.set(name, c)
        if (name === 'syncSnapshot.add') marks.snapshotAddMs += ms
        // readDirectory ends by counting the run's groups: what follows is the reconciliation.
        if (name === 'syncSnapshot.count' && args[2] === 'group') marks.readEnd = performance.now()
        // The last (empty) page of users: the deferred managers come next.
        if (name === 'syncSnapshot.page' && args[2] === 'user' && Array.isArray(value) && value.length === 0) setStep(STEP.managers)
      }
      const out = fn.apply(self, args)
      if (out && typeof (out as Promise<unknown>).then === 'function') {
        return (out as Promise<unknown>).then((value) => {
          done(value)
          return value
        })
      }
      done(out)
      return out
    }
  const proxied = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof prop !== 'string') return value
      if (typeof value === 'function') return wrap(prop, value as (...a: unknown[]) => unknown, target)
      if (value && typeof value === 'object') {
        return new Proxy(value, {
          get(repo, p, r) {
            const v = Reflect.get(repo, p, r) as unknown
            return typeof v === 'function' && typeof p === 'string' ? wrap(`${prop}.${p}`, v as (...a: unknown[]) => unknown, repo) : v
          },
        })
      }
      return value
    },
  })
  return { store: proxied, calls, marks }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.env.BENCH_SYNC_JOB ?? '') as WorkerJob
  let peakHeap = 0
  let peakRss = 0
  let step = () => 'start'
  let peakHeapDuring = ''
  let peakRssDuring = ''
  let atPeakRss = { heapTotal: 0, external: 0, arrayBuffers: 0 }
  const sample = () => {
    const m = process.memoryUsage()
    if (m.heapUsed > peakHeap) {
      peakHeap = m.heapUsed
      peakHeapDuring = step()
    }
    if (m.rss > peakRss) {
      peakRss = m.rss
      peakRssDuring = step()
      atPeakRss = { heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }
    }
  }
  const sampler = setInterval(sample, 50)
  sample()
  const config = loadConfig(process.env)
  if (!config.encryptionKey) throw new Error('ENCRYPTION_KEY is not set')
  const box = new SecretBox(config.encryptionKey)
  const log = createLogger({ logLevel: 'warn', logFormat: 'json' }, 'bench-sync-worker', process.stderr)
  const d = job.directory
  const settings = validateSettings({
    preset: 'ad',
    url: d.url,
    startTls: false,
    caPem: fs.readFileSync(d.caFile, 'utf8'),
    insecureTls: false,
    bindDn: d.bindDn,
    baseDns: [d.baseDn],
    userFilter: null,
    groupFilter: null,
    pageSize: d.pageSize ?? DEFAULT_PAGE_SIZE,
    mapping: {},
  })
  const result: Partial<WorkerResult> = { action: job.action }

  if (job.action === 'read') {
    // No store at all: the directory side of the read phase, as readDirectory does it.
    const t0 = performance.now()
    const eff = effectiveSettings(settings)
    const { users: um, groups: gm } = eff.mappers
    const client = await DirectoryClient.open(eff, d.password)
    const read = { users: 0, groups: 0, memberValues: 0 }
    try {
      for await (const page of client.pages(d.baseDn, eff.effectiveUserFilter, attributesToRead(um, []))) for (const e of page) if (mapUser(e, um).ok) read.users++
      for await (const page of client.pages(d.baseDn, eff.effectiveGroupFilter, attributesToRead(gm, []))) {
        for (const e of page) {
          const g = mapGroup(e, gm)
          if (g.ok) {
            read.groups++
            read.memberValues += g.value.memberDns.length
          }
        }
      }
    } finally {
      await client.close()
    }
    Object.assign(result, { openSeconds: 0, seconds: (performance.now() - t0) / 1000, read })
  } else {
    const t0 = performance.now()
    const opened = await openStore(config, log, { role: 'cli', command: `bench sync worker (${job.action})` })
    const openSeconds = (performance.now() - t0) / 1000
    try {
      if (job.action === 'setup') {
        const t1 = performance.now()
        const created = await createTenant(opened.store, ACTOR, { slug: job.tenant, source: 'local' })
        await setDirectoryConnection(opened.store, box, { tenant: created, actor: ACTOR, requestId: null }, settingsToJson(settings), d.password)
        Object.assign(result, { openSeconds, seconds: (performance.now() - t1) / 1000 })
      } else {
        const tenant = await opened.store.tenants.getBySlug(job.tenant)
        if (!tenant) throw new Error(`no tenant ${job.tenant}: run the setup step first`)
        const { store, calls, marks } = instrument(opened.store)
        step = () => marks.step
        const t1 = performance.now()
        const report = await new DirectorySync({ store, box, policy: config.sync, log }).run(tenant, { full: !!job.full, trigger: 'cli' })
        const end = performance.now()
        sample()
        clearInterval(sampler)
        marks.close()
        const readSeconds = ((marks.readEnd ?? end) - t1) / 1000
        Object.assign(result, {
          openSeconds,
          seconds: (end - t1) / 1000,
          phases: { readSeconds, snapshotWriteSeconds: marks.snapshotAddMs / 1000, reconcileSeconds: (end - (marks.readEnd ?? end)) / 1000 },
          steps: [...marks.steps.entries()].filter(([name]) => name !== 'start').map(([step, x]) => ({ step, seconds: x.ms / 1000, transactions: x.transactions })),
          storeCalls: [...calls.entries()].map(([name, c]) => ({ name, calls: c.calls, seconds: c.ms / 1000 })).sort((a, b) => b.seconds - a.seconds),
          run: { status: report.run.status, mode: report.run.mode, message: report.run.message, counts: { ...report.run.counts }, errors: report.run.errors.slice(0, 5) },
          warnings: report.warnings,
        })
      }
    } finally {
      await opened.store.close()
    }
  }
  if (job.action !== 'sync') sample()
  clearInterval(sampler)
  const usage = process.resourceUsage()
  result.maxRssMiB = usage.maxRSS / 1024
  result.peakHeapMiB = peakHeap / 1024 / 1024
  if (job.action === 'sync') Object.assign(result, { peakHeapDuring, peakRssDuring })
  const mb = (x: number) => Math.round((x / 1024 / 1024) * 10) / 10
  result.sampledPeakRss = { rssMiB: mb(peakRss), heapTotalMiB: mb(atPeakRss.heapTotal), externalMiB: mb(atPeakRss.external), arrayBuffersMiB: mb(atPeakRss.arrayBuffers) }
  result.cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6
  process.stdout.write(`BENCH_SYNC_RESULT ${JSON.stringify(result)}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sync worker: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

/**
 * One scenario under load: a preflight request (does it answer 2xx, with the right shape?), a
 * warm-up, then autocannon for the measured duration, with the server's CPU time around it.
 */
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import { cpuMs, machineBusyMs, treeCpuMs } from './processes.js'

export interface Req {
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  body?: string
  /** Headers of this request beyond the run's (another tenant's Authorization). */
  headers?: Record<string, string>
}

/** Who answers: the no-I/O koa endpoint, Roster, the one-statement floor, the in-memory SCIM peer. */
export type Server = 'bare' | 'roster' | 'floor' | 'peer'

export interface Scenario {
  key: string
  label: string
  /** Shorter name, when it is named as another scenario's baseline. */
  short?: string
  /** Which server answers. */
  server: Server
  /** The comparison this measurement belongs to (Roster, the floor and the peer on the same operation). */
  compare?: string
  kind: 'baseline' | 'read' | 'write'
  /** The next request to send; called once per request, so generators may keep state. */
  next: () => Req
  /** Checks a preflight answer; returns what is wrong, or undefined. */
  check?: (status: number, body: unknown) => string | undefined
  /** Bare scenario with a response body of the same size (for "÷ bare, same body"). */
  sameBody?: string
  /** The scenario this one is compared with (target: as fast as it). */
  baseline?: string
  /** More warm-up than the others (the first scenario also warms up the load generator). */
  extraWarmupS?: number
  /** Set when the scenario cannot run (e.g. its set-up failed); it is reported as failed. */
  unavailable?: string
}

export interface Measurement {
  key: string
  label: string
  ok: boolean
  reason?: string
  rps?: number
  p50?: number
  p90?: number
  p99?: number
  requests?: number
  meanBytes?: number
  /** CPU milliseconds of the server process per request. */
  cpuMsPerReq?: number
  /** CPU milliseconds of the database server (postmaster and backends) per request, when known. */
  dbCpuMsPerReq?: number
  /**
   * CPU used by everything else on the machine during the measured phase, in % of one CPU: the
   * machine's busy time minus the benchmark's own processes. Above a few % the numbers are depressed.
   */
  otherLoadPct?: number
  /** The measured phase on the monotonic clock (µs), the clock of V8's CPU profiles: to cut a profile per scenario. */
  windowUs?: [number, number]
  extra?: Record<string, unknown>
}

export interface LoadSettings {
  connections: number
  durationS: number
  warmupS: number
  headers: Record<string, string>
  /** Base URL per server. */
  urls: Partial<Record<Server, string>>
  pids: Partial<Record<Server, number>>
  /** Root pid of a local PostgreSQL server, to count its CPU. */
  postmasterPid?: number
  /** Called around the measured run (pg_stat_statements reset / read). */
  before?: () => Promise<void>
  after?: () => Promise<Record<string, unknown> | undefined>
}

const MEDIA = 'application/scim+json'

function toRequests(scenario: Scenario): autocannon.Request[] {
  return [
    {
      setupRequest(request) {
        const r = scenario.next()
        request.method = r.method
        request.path = r.path
        if (r.headers) request.headers = { ...request.headers, ...r.headers }
        if (r.body !== undefined) {
          request.body = r.body
          request.headers = { ...request.headers, 'content-type': MEDIA }
        } else {
          delete request.body
        }
        return request
      },
    },
  ]
}

interface Run {
  result: autocannon.Result
  /** Latencies of the 2xx responses in ms, sorted; autocannon's own histogram keeps whole milliseconds only. */
  latencies: Float64Array
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

function run(options: autocannon.Options, hardLimitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    let settled = false
    let samples = new Float64Array(1 << 16)
    let n = 0
    const instance = autocannon(options, (err, result) => {
      if (settled) return
      settled = true
      clearTimeout(stopper)
      clearTimeout(giveUp)
      if (err) reject(err)
      else resolve({ result, latencies: samples.slice(0, n).sort() })
    })
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status < 200 || status > 299) return
      if (n === samples.length) {
        const bigger = new Float64Array(samples.length * 2)
        bigger.set(samples)
        samples = bigger
      }
      samples[n++] = ms
    })
    // autocannon stops by itself after `duration`; these guard against a server that never answers.
    const stopper = setTimeout(() => instance.stop(), hardLimitMs)
    const giveUp = setTimeout(() => {
      if (settled) return
      settled = true
      reject(new Error(`autocannon did not finish within ${Math.round((hardLimitMs + 15_000) / 1000)} s`))
    }, hardLimitMs + 15_000)
  })
}

function describeStatuses(result: autocannon.Result): string {
  const codes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${s.count}`)
    .join(', ')
  const parts = [codes && `status ${codes}`, result.errors && `${result.errors} connection errors`, result.timeouts && `${result.timeouts} timeouts`].filter(Boolean)
  return parts.join('; ')
}

/** One request outside autocannon, to check that the scenario works before loading it. */
export async function preflight(scenario: Scenario, settings: LoadSettings): Promise<{ ok: true; bytes: number; body: unknown } | { ok: false; reason: string }> {
  const r = scenario.next()
  const headers: Record<string, string> = { ...settings.headers, ...r.headers }
  if (r.body !== undefined) headers['content-type'] = MEDIA
  let res: Response
  try {
    res = await fetch(settings.urls[scenario.server]! + r.path, { method: r.method, headers, body: r.body ?? null, signal: AbortSignal.timeout(60_000) })
  } catch (err) {
    return { ok: false, reason: `${r.method} ${r.path}: ${(err as Error).message}` }
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  if (res.status < 200 || res.status > 299) {
    const detail = body && typeof body === 'object' && 'detail' in body ? String((body as { detail: unknown }).detail) : text.slice(0, 300)
    return { ok: false, reason: `${r.method} ${shorten(r.path)} answered ${res.status}: ${detail}` }
  }
  const problem = scenario.check?.(res.status, body)
  if (problem) return { ok: false, reason: `${r.method} ${shorten(r.path)}: ${problem}` }
  return { ok: true, bytes: Buffer.byteLength(text), body }
}

function shorten(path: string): string {
  return path.length > 120 ? `${path.slice(0, 117)}…` : path
}

export async function measure(scenario: Scenario, settings: LoadSettings): Promise<Measurement> {
  const base = { key: scenario.key, label: scenario.label }
  if (scenario.unavailable) return { ...base, ok: false, reason: scenario.unavailable }
  const pre = await preflight(scenario, settings)
  if (!pre.ok) return { ...base, ok: false, reason: pre.reason }

  const options = (durationS: number): autocannon.Options => ({
    url: settings.urls[scenario.server]!,
    connections: settings.connections,
    duration: durationS,
    timeout: 30,
    headers: settings.headers,
    requests: toRequests(scenario),
  })
  const limit = (s: number) => s * 1000 + 30_000
  try {
    const warmupS = settings.warmupS + (scenario.extraWarmupS ?? 0)
    if (warmupS > 0) {
      const warm = (await run(options(warmupS), limit(warmupS))).result
      if (warm.non2xx || warm.errors || warm.timeouts) return { ...base, ok: false, reason: `warm-up: ${describeStatuses(warm)}` }
    }
    await settings.before?.()
    const pid = settings.pids[scenario.server]
    const ours = () => {
      const self = process.cpuUsage()
      let ms = (self.user + self.system) / 1000
      for (const p of Object.values(settings.pids)) ms += (p && cpuMs(p)) || 0
      if (settings.postmasterPid) ms += treeCpuMs(settings.postmasterPid) ?? 0
      return ms
    }
    const busy0 = machineBusyMs()
    const ours0 = ours()
    const wall0 = performance.now()
    const cpu0 = pid ? cpuMs(pid) : null
    const db0 = settings.postmasterPid && (scenario.server === 'roster' || scenario.server === 'floor') ? treeCpuMs(settings.postmasterPid) : null
    const mono0 = Number(process.hrtime.bigint() / 1000n)
    const { result, latencies } = await run(options(settings.durationS), limit(settings.durationS))
    const mono1 = Number(process.hrtime.bigint() / 1000n)
    const cpu1 = pid ? cpuMs(pid) : null
    const db1 = settings.postmasterPid && (scenario.server === 'roster' || scenario.server === 'floor') ? treeCpuMs(settings.postmasterPid) : null
    const busy1 = machineBusyMs()
    const ours1 = ours()
    const wall = performance.now() - wall0
    const otherLoadPct = busy0 !== null && busy1 !== null ? Math.max(0, ((busy1 - busy0 - (ours1 - ours0)) / wall) * 100) : undefined
    // autocannon leaves up to `connections` requests in flight; let the server finish them (one more
    // request queues behind them) so they do not run into the next server's measurement, whose
    // statements may wait on their row locks on a shared database.
    await preflight(scenario, settings)
    const extra = await settings.after?.()
    const total = result.requests.total
    const measured: Measurement = {
      ...base,
      ok: true,
      rps: result.requests.average,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      requests: total,
      meanBytes: total ? Math.round(result.throughput.total / total) : pre.bytes,
      ...(cpu0 !== null && cpu1 !== null && total ? { cpuMsPerReq: (cpu1 - cpu0) / total } : {}),
      ...(db0 !== null && db1 !== null && total ? { dbCpuMsPerReq: (db1 - db0) / total } : {}),
      ...(otherLoadPct !== undefined ? { otherLoadPct } : {}),
      windowUs: [mono0, mono1],
      ...(extra ? { extra } : {}),
    }
    if (result.non2xx || result.errors || result.timeouts || total === 0) {
      return { ...measured, ok: false, reason: total === 0 ? 'no request completed' : describeStatuses(result) }
    }
    return measured
  } catch (err) {
    return { ...base, ok: false, reason: (err as Error).message }
  }
}

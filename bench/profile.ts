/** Summary of a V8 CPU profile (`node --cpu-prof`) of the Roster process: where its CPU time went. */
import fs from 'node:fs'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  file: string
  totalMs: number
  /** Self time by area (PGlite, a package, a Roster module, GC, …), largest first. */
  areas: Array<{ name: string; ms: number; share: number }>
  /** Self time by function, largest first. */
  functions: Array<{ name: string; ms: number; share: number }>
  /** The same, per window (a scenario's measured phase), by the window's key. */
  windows: Map<string, { totalMs: number; areas: ProfileSummary['areas']; functions: ProfileSummary['functions'] }>
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)'
  if (url.startsWith('wasm://')) return 'PGlite (PostgreSQL in WASM)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
    return pkg === '@electric-sql/pglite' ? 'PGlite (JavaScript side)' : pkg
  }
  if (url.startsWith('node:')) return 'Node.js internals'
  const src = url.indexOf('/src/')
  if (src >= 0) return `Roster ${url.slice(src + 1).replace(/\.ts$/, '')}`
  return url
}

/**
 * Where the CPU time of a profile went, overall and within each window: `windows` are intervals on the
 * monotonic clock in µs (process.hrtime in any process; V8 stamps its samples with the same clock).
 */
export function summariseProfile(dir: string, windows: Map<string, [number, number]> = new Map()): ProfileSummary | null {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : []
  if (!files.length) return null
  // The main thread's profile is the big one; worker threads (tsx's) write small ones.
  const file = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const tally = () => ({ total: 0, areas: new Map<string, number>(), functions: new Map<string, number>() })
  const all = tally()
  const cut = [...windows].map(([key, [from, to]]) => ({ key, from, to, t: tally() }))
  let at = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)
    const us = profile.timeDeltas[i] ?? 0
    at += us
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    const a = area(url, functionName)
    const where = url ? `${url.startsWith('wasm://') ? 'wasm' : path.basename(url)}:${lineNumber + 1}` : ''
    const f = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`
    for (const t of [all, ...cut.filter((w) => at >= w.from && at < w.to).map((w) => w.t)]) {
      t.total += us
      t.areas.set(a, (t.areas.get(a) ?? 0) + us)
      t.functions.set(f, (t.functions.get(f) ?? 0) + us)
    }
  }
  const top = (m: Map<string, number>, n: number, total: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: total ? us / total : 0 }))
  const total = all.total
  const areas = all.areas
  const functions = all.functions
  const perWindow = new Map(cut.map((w) => [w.key, { totalMs: Math.round(w.t.total / 1000), areas: top(w.t.areas, 8, w.t.total), functions: top(w.t.functions, 8, w.t.total) }]))
  return { file, totalMs: Math.round(total / 1000), areas: top(areas, 12, total), functions: top(functions, 15, total), windows: perWindow }
}

/** Summary of a V8 CPU profile (`node --cpu-prof`) of the Roster process: where its CPU time went. */
import fs from 'node:fs'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
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

export function summariseProfile(dir: string): ProfileSummary | null {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : []
  if (!files.length) return null
  // The main thread's profile is the big one; worker threads (tsx's) write small ones.
  const file = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const areas = new Map<string, number>()
  const functions = new Map<string, number>()
  let total = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)
    const us = profile.timeDeltas[i] ?? 0
    if (!node) continue
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') continue
    total += us
    const a = area(url, functionName)
    areas.set(a, (areas.get(a) ?? 0) + us)
    const where = url ? `${url.startsWith('wasm://') ? 'wasm' : path.basename(url)}:${lineNumber + 1}` : ''
    const f = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`
    functions.set(f, (functions.get(f) ?? 0) + us)
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: total ? us / total : 0 }))
  return { file, totalMs: Math.round(total / 1000), areas: top(areas, 12), functions: top(functions, 15) }
}

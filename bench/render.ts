/**
 * `node --import tsx bench/render.ts [--users N] [--rounds N]`: µs per rendered SCIM user, the
 * representation as built before it was compiled (whole resource, copied values, then
 * applyProjection: test/scim/schema/to-wire-reference.ts) beside the compiled renderer
 * (src/scim/schema/renderer.ts), in the same process on the same records.
 *
 * Records look like a list page: an RFC 7643 §8.2 user with the enterprise extension, three groups
 * each. Scenarios: the default projection, and `attributes=userName,emails,groups` (what IdPs ask
 * for). "per page" is the compiled renderer taken once per page with wireRenderer (as a list could),
 * instead of looked up by toWire per record. Rounds rotate between the paths so that warm-up and GC
 * pressure fall on all of them; the median round is printed.
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import type { JsonObject } from '../src/domain/kernel/json.js'
import { defaultProjection, parseProjection, type Projection } from '../src/scim/schema/projection.js'
import { toWire, wireRenderer, type ResourceRecord } from '../src/scim/schema/representation.js'
import { SCHEMA_URNS, loadSchemas, type SchemaRegistry } from '../src/scim/schema/schemas.js'
import { rfc7643UserAttributes } from '../test/support/scim-fixtures.js'
import { referenceToWire } from '../test/scim/schema/to-wire-reference.js'

const { values: flags } = parseArgs({ options: { users: { type: 'string', default: '100' }, rounds: { type: 'string', default: '400' } } })
const USERS = Number(flags.users)
const ROUNDS = Number(flags.rounds)
if (!(USERS >= 1 && ROUNDS >= 1)) throw new Error('--users and --rounds must be positive numbers')
const BASE = 'https://roster.example.com/scim/v2'

function records(n: number): ResourceRecord[] {
  return Array.from({ length: n }, (_, i) => {
    // Parsed from JSON, as the store hands documents over.
    const document = JSON.parse(
      JSON.stringify({
        ...rfc7643UserAttributes(),
        userName: `user${i}@example.com`,
        active: true,
        [SCHEMA_URNS.EnterpriseUser]: { employeeNumber: String(i), department: 'Tours', manager: { value: `m-${i}`, displayName: 'Boss' } },
      }),
    ) as JsonObject
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      document,
      created: new Date(1_700_000_000_000 + i),
      modified: new Date(1_700_000_500_000 + i),
      version: i + 1,
      groups: [0, 1, 2].map((g) => ({ value: `10000000-0000-4000-8000-${String(g).padStart(12, '0')}`, display: `Group ${g}`, type: 'direct' as const })),
    }
  })
}

type Path = 'before' | 'after' | 'page'
/** A page's renderer: what a list request does once, then per record. */
type Render = (registry: SchemaRegistry, projection: Projection) => (record: ResourceRecord) => Record<string, unknown>
const paths: Record<Path, Render> = {
  before: (registry, projection) => (record) => referenceToWire(registry, 'User', record, { baseUrl: BASE, projection }),
  after: (registry, projection) => (record) => toWire(registry, 'User', record, { baseUrl: BASE, projection }),
  // The renderer taken once per page (wireRenderer) instead of looked up per record by toWire.
  page: (registry, projection) => {
    const render = wireRenderer(registry, 'User', projection)
    return (record) => render(record, BASE)
  },
}
const PATHS = Object.keys(paths) as Path[]

function round(path: Render, registry: SchemaRegistry, page: ResourceRecord[], projection: Projection): number {
  let sink = 0
  const started = performance.now()
  const render = path(registry, projection)
  for (const r of page) sink += Object.keys(render(r)).length
  const elapsed = performance.now() - started
  if (sink === 0) throw new Error('nothing rendered')
  return (elapsed * 1000) / page.length
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function main(): void {
  const registry = loadSchemas()
  const page = records(USERS)
  const scenarios: Array<[string, Projection]> = [
    ['default projection', defaultProjection(registry, 'User')],
    ['attributes=userName,emails,groups', parseProjection(registry, 'User', { attributes: 'userName,emails,groups' })],
  ]
  console.log(`SCIM user rendering, ${USERS} users with 3 groups each, median of ${ROUNDS} rounds (Node ${process.version})`)
  console.log(`${'scenario'.padEnd(36)}${'before µs/user'.padStart(16)}${'after µs/user'.padStart(16)}${'speed-up'.padStart(10)}${'per page µs/user'.padStart(18)}`)
  for (const [name, projection] of scenarios) {
    // Same output first: a faster wrong answer is no answer.
    const renderers = PATHS.map((p) => paths[p](registry, projection))
    for (const r of page) {
      const [first, ...rest] = renderers.map((render) => JSON.stringify(render(r)))
      if (rest.some((json) => json !== first)) throw new Error(`${name}: outputs differ`)
    }
    const times: Record<Path, number[]> = { before: [], after: [], page: [] }
    for (let i = 0; i < ROUNDS; i++) {
      // Rotate who goes first, so that GC debt left by one path is not always paid by the same next one.
      for (let j = 0; j < PATHS.length; j++) {
        const which = PATHS[(i + j) % PATHS.length]!
        times[which].push(round(paths[which], registry, page, projection))
      }
    }
    const [before, after, perPage] = PATHS.map((p) => median(times[p])) as [number, number, number]
    console.log(`${name.padEnd(36)}${before.toFixed(2).padStart(16)}${after.toFixed(2).padStart(16)}${`${(before / after).toFixed(1)}×`.padStart(10)}${perPage.toFixed(2).padStart(18)}`)
  }
}

main()

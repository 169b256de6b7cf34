/**
 * The in-memory SCIM peer for bench/scim.ts: SCIMMY (schema validation, filters, PatchOp) behind
 * scimmy-routers on express, users and groups in JavaScript Maps — a SCIM library with no database.
 * It is seeded with the benchmark's users and groups as they were stored (same ids, userNames and
 * externalIds), exported by bench/seed.ts into PEER_DATA.
 *
 *   PEER_DATA=<file> PORT=<port> node --import tsx bench/scimmy-peer.ts
 *
 * Lookups by id, userName and externalId use Maps; other filters fall back to SCIMMY's own
 * `filter.match` over every user. A list page is cut from the Map in insertion order (the export's
 * order: by id, as Roster pages), so SCIMMY renders only the page, not every user.
 */
import fs from 'node:fs'
import { serveBench } from './serve.js'
import { randomUUID } from 'node:crypto'
import express from 'express'
import SCIMMY from 'scimmy'
import SCIMMYRouters from 'scimmy-routers'

type Doc = Record<string, unknown> & { id: string; meta?: Record<string, unknown> }
export interface PeerData {
  users: Doc[]
  groups: Doc[]
}

const data = JSON.parse(fs.readFileSync(process.env.PEER_DATA!, 'utf8')) as PeerData
const users = new Map<string, Doc>()
const byUserName = new Map<string, string>()
const byExternalId = new Map<string, string>()
const groups = new Map<string, Doc>()

function index(u: Doc): void {
  users.set(u.id, u)
  if (typeof u.userName === 'string') byUserName.set(u.userName.toLowerCase(), u.id)
  if (typeof u.externalId === 'string') byExternalId.set(u.externalId, u.id)
}
for (const u of data.users) index(u)
for (const g of data.groups) groups.set(g.id, g)

const now = () => new Date().toISOString()
/** The plain stored object for what SCIMMY hands to ingress (a schema instance). */
const plain = (instance: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(instance)) as Record<string, unknown>

type Expression = Record<string, unknown>
/** A single `attr eq "value"` filter on an indexed attribute: the id it names, or null for none; undefined when not such a filter. */
function indexed(filter: unknown): string | null | undefined {
  if (!Array.isArray(filter) || filter.length !== 1) return undefined
  const expr = filter[0] as Expression
  const keys = Object.keys(expr)
  if (keys.length !== 1) return undefined
  const [op, value] = (expr[keys[0]!] ?? []) as [string, unknown]
  if (op !== 'eq' || typeof value !== 'string') return undefined
  if (keys[0] === 'userName') return byUserName.get(value.toLowerCase()) ?? null
  if (keys[0] === 'externalId') return byExternalId.get(value) ?? null
  return undefined
}

interface ReadRequest {
  id?: string
  filter?: { match(values: unknown[]): unknown[] } & unknown[]
  constraints?: { startIndex?: number; count?: number; totalResults?: number }
}

SCIMMY.Resources.declare(SCIMMY.Resources.User)
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
// SCIMMY's types describe its own resource instances; the handlers read only id, filter and constraints.
type Handler = (resource: ReadRequest, instance: unknown) => unknown
const handle = (r: { egress: unknown; ingress: unknown }) => ({
  egress: (h: Handler) => (r.egress as (h: Handler) => void)(h),
  ingress: (h: Handler) => (r.ingress as (h: Handler) => void)(h),
})
const User = handle(SCIMMY.Resources.User)
const Group = handle(SCIMMY.Resources.Group)

User.egress((resource: ReadRequest) => {
  if (resource.id) {
    const u = users.get(resource.id)
    if (!u) throw new Error('not found')
    return u
  }
  if (resource.filter) {
    const hit = indexed(resource.filter)
    if (hit === null) return []
    if (hit !== undefined) return [users.get(hit)!]
    return resource.filter.match([...users.values()]) as Doc[]
  }
  const start = Math.max(1, resource.constraints?.startIndex ?? 1)
  const count = resource.constraints?.count ?? 100
  const page: Doc[] = []
  let i = 0
  for (const u of users.values()) {
    if (++i < start) continue
    if (page.length >= count) break
    page.push(u)
  }
  // ListResponse counts what egress returned unless told the total.
  if (resource.constraints) resource.constraints.totalResults = users.size
  return page
})
User.ingress((resource: ReadRequest, instance: unknown) => {
  const doc = plain(instance)
  if (resource.id) {
    const old = users.get(resource.id)
    if (!old) throw new Error('not found')
    const u: Doc = { ...doc, id: resource.id, meta: { ...old.meta, lastModified: now() } }
    if (old.userName !== u.userName && typeof old.userName === 'string') byUserName.delete(old.userName.toLowerCase())
    if (old.externalId !== u.externalId && typeof old.externalId === 'string') byExternalId.delete(old.externalId)
    index(u)
    return u
  }
  if (typeof doc.userName === 'string' && byUserName.has(doc.userName.toLowerCase())) throw new SCIMMY.Types.Error(409, 'uniqueness', 'userName is already taken')
  const at = now()
  const u: Doc = { ...doc, id: randomUUID(), meta: { created: at, lastModified: at } }
  index(u)
  return u
})

Group.egress((resource: ReadRequest) => {
  if (resource.id) {
    const g = groups.get(resource.id)
    if (!g) throw new Error('not found')
    return g
  }
  return resource.filter ? (resource.filter.match([...groups.values()]) as Doc[]) : [...groups.values()]
})
Group.ingress((resource: ReadRequest, instance: unknown) => {
  const doc = plain(instance)
  const id = resource.id ?? randomUUID()
  const old = groups.get(id)
  const g: Doc = { ...doc, id, meta: { ...(old?.meta ?? { created: now() }), lastModified: now() } }
  groups.set(id, g)
  return g
})

const app = express()
// scimmy-routers casts startIndex and count by assigning to req.query, which Express 5 re-parses on
// every read: make the query a plain property so the cast sticks (else every page has 20 items).
app.use((req, _res, next) => {
  Object.defineProperty(req, 'query', { value: { ...req.query }, writable: true, configurable: true, enumerable: true })
  next()
})
app.use(
  '/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    docUri: 'https://example.com/bench',
    handler: (req: express.Request) => {
      if (!req.header('authorization')?.startsWith('Bearer ')) throw new Error('Authorization not detected')
      return 'bench'
    },
  }),
)

serveBench(app, 'scimmy peer', `(${users.size} users, ${groups.size} groups)`)

/**
 * The I/O floor for bench/scim.ts: bare koa plus one indexed statement per request, on the same
 * database and tables Roster uses. It answers the SCIM requests the benchmark sends (same paths,
 * same bodies) with the stored document as it is (plus id and meta), so the answer is about the
 * size of Roster's. No authentication, no schema, no audit, no logging: what is left is HTTP, koa,
 * JSON and one round trip to the database — what a SCIM request cannot go below.
 *
 *   FLOOR_TENANT=<uuid> PORT=<port> FLOOR_DATABASE_URL=postgres://… node --import tsx bench/floor-server.ts
 *   FLOOR_TENANT=<uuid> PORT=<port> FLOOR_PGLITE_DIR=<data dir>/pgdata   (PGlite in this process, as Roster runs embedded)
 *
 * Statements, one per request (indexes from src/store/postgres/migrations):
 *   GET /Users/{id}               users primary key (tenant_id, id)
 *   filter userName eq            users_user_name_key (tenant_id, user_name_key)
 *   filter externalId eq          users_external_id_idx (tenant_id, external_id)
 *   list page (count=N)           primary key, ORDER BY id LIMIT N (Roster's default order)
 *   POST /Users                   INSERT … RETURNING
 *   PATCH /Users/{id}             UPDATE of the document (replace displayName)
 *   PATCH /Groups/{id}            INSERT or DELETE on group_members
 * On a PostgreSQL server the statements are prepared (named) per connection, as Roster's are.
 */
import type http from 'node:http'
import { serveBench } from './serve.js'
import Koa from 'koa'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

type Row = Record<string, unknown>
type Query = (text: string, params: unknown[]) => Promise<Row[]>

const tenant = process.env.FLOOR_TENANT!
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
// Roster's default pool size (src/config.ts), so both servers may run as many statements at once.
const POOL_SIZE = 10

async function openQuery(): Promise<Query> {
  if (process.env.FLOOR_PGLITE_DIR) {
    const db = await PGlite.create(process.env.FLOOR_PGLITE_DIR)
    return async (text, params) => (await db.query<Row>(text, params)).rows
  }
  const pool = new pg.Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: POOL_SIZE })
  // Named, like Roster's (src/store/postgres/pg-database.ts): each connection parses and plans a
  // statement once. The floor is the best one round trip allows, so it gets the same advantage.
  const names = new Map<string, string>()
  const nameOf = (text: string) => names.get(text) ?? (names.set(text, `floor_${names.size}`), names.get(text)!)
  return async (text, params) => (await pool.query<Row>({ text, values: params, name: nameOf(text) })).rows
}

const USER = 'id, resource, version, created, modified'
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v))
const userJson = (r: Row) => ({
  ...(r.resource as Row),
  id: r.id,
  meta: { resourceType: 'User', created: iso(r.created), lastModified: iso(r.modified), version: `W/"${String(r.version)}"` },
})
const listJson = (rows: Row[]) => ({ schemas: [LIST], totalResults: rows.length, itemsPerPage: rows.length, startIndex: 1, Resources: rows.map(userJson) })

function readBody(req: http.IncomingMessage): Promise<Row> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Row)
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    })
    req.on('error', reject)
  })
}

const FILTER = /^(userName|externalId) eq "([^"]*)"$/
const MEMBER_PATH = /^members\[value eq "([^"]+)"\]$/

async function main(): Promise<void> {
  const query = await openQuery()
  const app = new Koa()
  app.use(async (ctx) => {
    const [, scim, v2, type, id] = ctx.path.split('/')
    if (scim !== 'scim' || v2 !== 'v2') return
    ctx.type = 'application/scim+json'
    if (ctx.method === 'GET' && type === 'Users' && id) {
      const rows = await query(`SELECT ${USER} FROM users WHERE tenant_id = $1 AND id = $2`, [tenant, id])
      if (rows[0]) ctx.body = userJson(rows[0])
      else ctx.status = 404
    } else if (ctx.method === 'GET' && type === 'Users') {
      const filter = typeof ctx.query.filter === 'string' ? FILTER.exec(ctx.query.filter) : null
      if (filter) {
        // ASCII userNames: lower() is their user_name_key (src/domain/identity/user-name.ts).
        const where = filter[1] === 'userName' ? 'user_name_key = lower($2)' : 'external_id = $2'
        ctx.body = listJson(await query(`SELECT ${USER} FROM users WHERE tenant_id = $1 AND ${where}`, [tenant, filter[2]]))
      } else if (ctx.query.filter === undefined) {
        const count = Math.min(1000, Number(ctx.query.count ?? 100) || 100)
        ctx.body = listJson(await query(`SELECT ${USER} FROM users WHERE tenant_id = $1 ORDER BY id LIMIT $2`, [tenant, count]))
      } else ctx.status = 400
    } else if (ctx.method === 'POST' && type === 'Users' && !id) {
      const u = await readBody(ctx.req)
      const { schemas: _schemas, ...resource } = u
      const email = (u.emails as Array<{ value: string }> | undefined)?.[0]?.value ?? null
      const rows = await query(
        `INSERT INTO users (tenant_id, id, user_name, user_name_key, external_id, display_name, email, email_key, status, origin, resource)
         VALUES ($1, gen_random_uuid(), $2, lower($2), $3, $4, $5, lower($5), 'active', 'scim', $6) RETURNING ${USER}`,
        [tenant, u.userName, u.externalId ?? null, u.displayName ?? null, email, JSON.stringify(resource)],
      )
      ctx.status = 201
      ctx.body = userJson(rows[0]!)
    } else if (ctx.method === 'PATCH' && id && (type === 'Users' || type === 'Groups')) {
      const body = await readBody(ctx.req)
      const op = (body.schemas as string[] | undefined)?.includes(PATCH_OP) ? (body.Operations as Row[] | undefined)?.[0] : undefined
      if (type === 'Users' && op?.op === 'replace' && op.path === 'displayName' && typeof op.value === 'string') {
        const rows = await query(
          `UPDATE users SET display_name = $3, resource = jsonb_set(resource, '{displayName}', to_jsonb($3::text)), version = version + 1, modified = now()
            WHERE tenant_id = $1 AND id = $2 RETURNING ${USER}`,
          [tenant, id, op.value],
        )
        if (rows[0]) ctx.body = userJson(rows[0])
        else ctx.status = 404
      } else if (type === 'Groups' && op?.op === 'add' && op.path === 'members' && Array.isArray(op.value)) {
        const ids = (op.value as Array<{ value: string }>).map((m) => m.value)
        await query(
          `INSERT INTO group_members (tenant_id, group_id, member_id, member_type) SELECT $1, $2, m, 'User' FROM unnest($3::uuid[]) AS m ON CONFLICT DO NOTHING`,
          [tenant, id, ids],
        )
        ctx.status = 204
      } else if (type === 'Groups' && op?.op === 'remove' && typeof op.path === 'string' && MEMBER_PATH.test(op.path)) {
        await query('DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = $3', [tenant, id, MEMBER_PATH.exec(op.path)![1]])
        ctx.status = 204
      } else ctx.status = 400
    }
  })
  serveBench(app.callback(), 'floor server')
}

void main().catch((err: unknown) => {
  process.stderr.write(`floor server: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

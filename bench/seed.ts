/**
 * Seeds a benchmark tenant fast: the schema comes from Roster's own migrate(), the tenant and its
 * SCIM token from the domain functions, and the bulk (users, groups, memberships) from a few
 * `INSERT … SELECT … FROM generate_series` statements through the store's SQL seam.
 */
import fs from 'node:fs'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Actor } from '../src/domain/audit/model.js'
import { createTenant, updateTenant } from '../src/domain/tenancy/tenants.js'
import { issueToken } from '../src/domain/credentials/tokens.js'
import { createLogger } from '../src/log.js'
import { lockDataDir } from '../src/store/datadir-lock.js'
import { migrate } from '../src/store/postgres/migrate.js'
import { openPg } from '../src/store/postgres/pg-database.js'
import { openPglite } from '../src/store/postgres/pglite-database.js'
import type { Database } from '../src/store/postgres/sql.js'
import { postgresStore } from '../src/store/postgres/store.js'
import { BIG_GROUP, FAMILY, GIVEN, LEVELS, ROLES, SMALL_GROUP, SMALL_GROUP_SIZE, userName } from './dataset.js'

export type SeedTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string }

export interface Seeded {
  tenantId: string
  /** The SCIM bearer token (`rst_…`). */
  token: string
  /**
   * The token of a second, empty `scim` tenant with its provisioning log turned off: POST /Users
   * there beside POST /Users on the main tenant (log on, the default) shows what the log costs.
   */
  quietToken: string
  users: number
  bigGroupId: string
  smallGroupId: string
  /** Random user ids for GET /Users/{id}. */
  sampleUserIds: string[]
  /** Members of the big group, for remove/add cycles. */
  bigGroupPool: string[]
  /** Users that are not members of the small group, for add/remove cycles. */
  smallGroupPool: string[]
  /** Milliseconds per step. */
  timings: Record<string, number>
  /** Database facts after seeding. */
  sizes: { databaseMiB: number; usersMiB: number; groupMembersMiB: number; bigGroupMembers: number; smallGroupMembers: number }
  /** `SELECT version()` of the seeded database. */
  serverVersion: string
}

const ACTOR: Actor = { type: 'system', id: null, label: 'roster-bench' }
const BATCH = 25_000

export async function openDatabase(target: SeedTarget): Promise<{ db: Database; release: () => void }> {
  if (target.kind === 'pglite') {
    // Same layout and lock as src/store/open.ts, so the server opens what we seeded.
    const lock = lockDataDir(target.dataDir, { role: 'cli', command: 'npm run bench (seeding)' })
    try {
      return { db: await openPglite(path.join(target.dataDir, 'pgdata')), release: lock.release }
    } catch (err) {
      lock.release()
      throw err
    }
  }
  const log = createLogger({ logLevel: 'warn', logFormat: 'json' }, 'bench')
  return { db: openPg({ connectionString: target.url, max: 2, connectTimeoutMs: 10_000, log }), release: () => undefined }
}

export async function seed(target: SeedTarget, users: number, poolSize: number, progress: (line: string) => void): Promise<Seeded> {
  const timings: Record<string, number> = {}
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    const result = await fn()
    timings[name] = Math.round(performance.now() - t0)
    return result
  }
  const started = performance.now()
  const { db, release } = await step('open', () => openDatabase(target))
  const store = postgresStore(db)
  try {
    await step('migrate', () => migrate(db))
    const tenant = await createTenant(store, ACTOR, { slug: 'bench', displayName: 'Benchmark', source: 'scim' })
    const { secret } = await issueToken(store, tenant, 'bench', ACTOR)
    const quiet = await createTenant(store, ACTOR, { slug: 'bench-quiet', displayName: 'Benchmark, provisioning log off', source: 'scim' })
    await updateTenant(store, ACTOR, quiet.slug, { provisioningLog: false })
    const quietToken = (await issueToken(store, quiet, 'bench', ACTOR)).secret
    const t = tenant.id

    await step('users', async () => {
      for (let from = 1; from <= users; from += BATCH) {
        const to = Math.min(users, from + BATCH - 1)
        await db.query(
          // ASCII names: lower() is their userNameKey (src/domain/identity/user-name.ts).
          `INSERT INTO users (tenant_id, id, user_name, user_name_key, external_id, display_name, email, email_key, status, origin, resource)
           SELECT $1::uuid, gen_random_uuid(), u.user_name, lower(u.user_name), u.external_id, u.display_name, u.user_name, lower(u.user_name), u.status, 'scim',
                  jsonb_build_object(
                    'userName', u.user_name,
                    'externalId', u.external_id,
                    'name', jsonb_build_object('givenName', u.given, 'familyName', u.family, 'formatted', u.display_name),
                    'displayName', u.display_name,
                    'emails', jsonb_build_array(jsonb_build_object('value', u.user_name, 'type', 'work', 'primary', true)),
                    'title', u.title,
                    'active', u.status = 'active')
             FROM (SELECT n,
                          'user' || n || '@example.com' AS user_name,
                          'ext-' || lpad(n::text, 7, '0') AS external_id,
                          ($4::text[])[1 + n % cardinality($4::text[])] AS given,
                          ($5::text[])[1 + (n / cardinality($4::text[])) % cardinality($5::text[])] AS family,
                          ($4::text[])[1 + n % cardinality($4::text[])] || ' ' || ($5::text[])[1 + (n / cardinality($4::text[])) % cardinality($5::text[])] AS display_name,
                          ($6::text[])[1 + n % cardinality($6::text[])] || ' ' || ($7::text[])[1 + (n / cardinality($6::text[])) % cardinality($7::text[])] AS title,
                          CASE WHEN n % 50 = 0 THEN 'inactive' ELSE 'active' END AS status
                     FROM generate_series($2::int, $3::int) AS n) AS u`,
          [t, from, to, GIVEN, FAMILY, LEVELS, ROLES],
        )
        progress(`  users ${to.toLocaleString('en')}/${users.toLocaleString('en')}`)
      }
    })

    const group = async (name: string, externalId: string): Promise<string> => {
      const rows = await db.query<{ id: string }>(
        `INSERT INTO groups (tenant_id, id, display_name, external_id, origin, resource)
         VALUES ($1, gen_random_uuid(), $2, $3, 'scim', jsonb_build_object('displayName', $2::text, 'externalId', $3::text)) RETURNING id`,
        [t, name, externalId],
      )
      return String(rows[0]!.id)
    }
    const { bigGroupId, smallGroupId } = await step('groups', async () => {
      const bigGroupId = await group(BIG_GROUP, 'grp-all-employees')
      const smallGroupId = await group(SMALL_GROUP, 'grp-small-team')
      await db.query(`INSERT INTO group_members (tenant_id, group_id, member_id, member_type) SELECT $1, $2, id, 'User' FROM users WHERE tenant_id = $1`, [t, bigGroupId])
      const small = Array.from({ length: SMALL_GROUP_SIZE }, (_, i) => userName(i + 1))
      await db.query(
        `INSERT INTO group_members (tenant_id, group_id, member_id, member_type) SELECT $1, $2, id, 'User' FROM users WHERE tenant_id = $1 AND user_name_lower = ANY($3::text[])`,
        [t, smallGroupId, small],
      )
      return { bigGroupId, smallGroupId }
    })
    progress('  groups and memberships done; VACUUM ANALYZE…')
    await step('vacuumAnalyze', () => db.query('VACUUM ANALYZE'))

    const ids = async (names: string[]) => {
      const rows = await db.query<{ id: string; user_name: string }>('SELECT id, user_name FROM users WHERE tenant_id = $1 AND user_name_lower = ANY($2::text[])', [t, names])
      const byName = new Map(rows.map((r) => [r.user_name, String(r.id)]))
      return names.map((n) => byName.get(n)!).filter(Boolean)
    }
    const sampleUserIds = (await db.query<{ id: string }>('SELECT id FROM users WHERE tenant_id = $1 ORDER BY random() LIMIT 5000', [t])).map((r) => String(r.id))
    // Pools from the middle of the range: members of the big group, not members of the small one.
    const mid = Math.floor(users / 2)
    const bigGroupPool = await ids(Array.from({ length: poolSize }, (_, i) => userName(mid + i)))
    const smallGroupPool = await ids(Array.from({ length: poolSize }, (_, i) => userName(mid + poolSize + i)))

    const size = async (sql: string, params: unknown[] = []) => Number((await db.query<{ v: number | string }>(sql, params))[0]!.v)
    const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
    const sizes = {
      databaseMiB: mib(await size('SELECT pg_database_size(current_database()) AS v')),
      usersMiB: mib(await size(`SELECT pg_total_relation_size('users') AS v`)),
      groupMembersMiB: mib(await size(`SELECT pg_total_relation_size('group_members') AS v`)),
      bigGroupMembers: await size('SELECT count(*)::int AS v FROM group_members WHERE tenant_id = $1 AND group_id = $2', [t, bigGroupId]),
      smallGroupMembers: await size('SELECT count(*)::int AS v FROM group_members WHERE tenant_id = $1 AND group_id = $2', [t, smallGroupId]),
    }
    const serverVersion = String((await db.query<{ v: string }>('SELECT version() AS v'))[0]!.v)
    timings.total = Math.round(performance.now() - started)
    return { tenantId: t, token: secret, quietToken, users, bigGroupId, smallGroupId, sampleUserIds, bigGroupPool, smallGroupPool, timings, sizes, serverVersion }
  } finally {
    // PGlite serves one process: it must be closed (and DATA_DIR unlocked) before the server opens it.
    const t0 = performance.now()
    await store.close()
    release()
    timings.close = Math.round(performance.now() - t0)
  }
}

/** Counts after a run: how many users and members there are now (POST and PATCH change them). */
export async function inspect(target: SeedTarget, seeded: Pick<Seeded, 'tenantId' | 'bigGroupId' | 'smallGroupId'>): Promise<{ users: number; bigGroupMembers: number; smallGroupMembers: number; auditEvents: number }> {
  const { db, release } = await openDatabase(target)
  try {
    const n = async (sql: string, params: unknown[]) => Number((await db.query<{ v: number }>(sql, params))[0]!.v)
    return {
      users: await n('SELECT count(*)::int AS v FROM users WHERE tenant_id = $1', [seeded.tenantId]),
      bigGroupMembers: await n('SELECT count(*)::int AS v FROM group_members WHERE tenant_id = $1 AND group_id = $2', [seeded.tenantId, seeded.bigGroupId]),
      smallGroupMembers: await n('SELECT count(*)::int AS v FROM group_members WHERE tenant_id = $1 AND group_id = $2', [seeded.tenantId, seeded.smallGroupId]),
      auditEvents: await n('SELECT count(*)::int AS v FROM audit_events WHERE tenant_id = $1', [seeded.tenantId]),
    }
  } finally {
    await db.close()
    release()
  }
}

/**
 * Writes the seeded users and groups as SCIM documents (same ids, userNames, externalIds, members),
 * ordered by id as Roster pages them, for the in-memory peer (bench/scimmy-peer.ts).
 */
export async function exportForPeer(target: SeedTarget, seeded: Pick<Seeded, 'tenantId'>, file: string): Promise<void> {
  const { db, release } = await openDatabase(target)
  try {
    const users = await db.query<{ doc: unknown }>(
      `SELECT resource || jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'id', id,
                'meta', jsonb_build_object('resourceType', 'User', 'created', created, 'lastModified', modified)) AS doc
         FROM users WHERE tenant_id = $1 ORDER BY id`,
      [seeded.tenantId],
    )
    const groups = await db.query<{ doc: unknown }>(
      `SELECT g.resource || jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:Group'), 'id', g.id,
                'meta', jsonb_build_object('resourceType', 'Group', 'created', g.created, 'lastModified', g.modified),
                'members', coalesce((SELECT jsonb_agg(jsonb_build_object('value', m.member_id, 'type', m.member_type)) FROM group_members m
                                      WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id), '[]'::jsonb)) AS doc
         FROM groups g WHERE g.tenant_id = $1 ORDER BY g.id`,
      [seeded.tenantId],
    )
    fs.writeFileSync(file, JSON.stringify({ users: users.map((r) => r.doc), groups: groups.map((r) => r.doc) }))
  } finally {
    await db.close()
    release()
  }
}

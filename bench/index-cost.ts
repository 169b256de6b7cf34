/**
 * What the users table's indexes cost writers, and what they buy readers (issue 15).
 *
 *   node --import tsx bench/index-cost.ts            # PGlite
 *   node --import tsx bench/index-cost.ts --pg       # also a throwaway local PostgreSQL cluster
 *   node --import tsx bench/index-cost.ts --quick    # 2,000 / 10,000 users, fewer runs, docs untouched
 *
 * One database per store and size is seeded at schema version 14 (before migration 0015) and
 * copied for each index configuration (PostgreSQL: CREATE DATABASE … TEMPLATE; PGlite: the data
 * directory), the configuration's DDL is applied (timed: on the big table that is what a migration
 * costs) and then measured: single-row inserts one after another, 16 clients at once (PostgreSQL),
 * 16 clients each in a SCIM POST's transaction (INSERT user, INSERT audit event, COMMIT), a
 * 1,000-row batch as users.insertMany sends it, WAL per insert; and the latency of the filters
 * identity providers send. The filter SQL is the predicate the query compiler emits under each
 * configuration (src/store/postgres/query-sql.ts), as a count and a 100-row page.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { startCluster, type PostgresCluster } from '../test/services/postgres.mjs'
import type { Actor } from '../src/domain/audit/model.js'
import { createTenant } from '../src/domain/tenancy/tenants.js'
import { createLogger } from '../src/log.js'
import { migrate } from '../src/store/postgres/migrate.js'
import { migrations } from '../src/store/postgres/migrations/index.js'
import { openPg } from '../src/store/postgres/pg-database.js'
import { openPglite } from '../src/store/postgres/pglite-database.js'
import type { Database } from '../src/store/postgres/sql.js'
import { postgresStore } from '../src/store/postgres/store.js'
import type { NewUser } from '../src/domain/identity/model.js'
import { FAMILY, GIVEN, LEVELS, ROLES, externalIdOf, titleOf, userName } from './dataset.js'
import { cleanupAll, installExitHooks, onCleanup, removeTempDir, ROOT, tempDir } from './processes.js'
import { describeMachine, formatSeconds, writeSection } from './report.js'
import { numberOption, parseFlags, storeOptions } from './options.js'

const USAGE = `node --import tsx bench/index-cost.ts [options]
  --pg               also a throwaway local PostgreSQL cluster (test/services/postgres.mjs)
  --database-url U   also this PostgreSQL server (scratch databases are created and dropped; or BENCH_DATABASE_URL)
  --store S          pglite or postgres only
  --quick            2,000 and 10,000 users, fewer runs; docs untouched
  --no-docs          leave docs/benchmarks.md alone
  --runs N           timed runs per filter (default 20)
`

const ACTOR: Actor = { type: 'system', id: null, label: 'roster-bench' }
const SCHEMA_TODAY = 14
const CLIENTS = 16
const say = (line: string) => process.stderr.write(`${line}\n`)

/** How a filter's `eq` on a document value reaches the database under a configuration. */
type DocEq = 'gin' | 'expression-gin' | 'folded' | 'emails-index'

interface Config {
  id: string
  label: string
  /** DDL from schema version 14. */
  ddl: string[]
  /** What `emails.value eq` compiles to, and what `title eq` compiles to. */
  emails: DocEq
  title: DocEq
  /** Only measured for writes: it changes no filter. */
  diagnostic?: boolean
}

/** An expression index for `emails.value eq` alone: the lower-cased string values of the emails array. */
const EMAILS_EXPRESSION = `jsonb_path_query_array(lower((resource -> 'emails')::text)::jsonb, '$[*].value ? (@.type() == "string")')`

const migration15 = migrations.find((m) => m.version === 15)!.statements.filter((s): s is string => typeof s === 'string')

const NO_COLUMN = ['DROP INDEX users_resource_ci_idx', 'ALTER TABLE users DROP COLUMN resource_ci']

const CONFIGS: Config[] = [
  { id: 'today', label: 'today (0014): resource_ci + GIN on it', ddl: [], emails: 'gin', title: 'gin' },
  { id: '0015', label: 'migration 0015: today, GIN fastupdate off', ddl: migration15, emails: 'gin', title: 'gin' },
  { id: 'no-gin', label: 'resource_ci kept, no GIN', ddl: ['DROP INDEX users_resource_ci_idx'], emails: 'folded', title: 'folded' },
  { id: 'no-column', label: 'no resource_ci, no GIN', ddl: NO_COLUMN, emails: 'folded', title: 'folded' },
  {
    id: 'emails-index',
    label: 'no resource_ci; emails.value expression GIN only',
    ddl: [...NO_COLUMN, `CREATE INDEX users_emails_idx ON users USING gin ((${EMAILS_EXPRESSION}) jsonb_path_ops) WITH (fastupdate = off)`],
    emails: 'emails-index',
    title: 'folded',
  },
  {
    id: 'expression-gin',
    label: 'no resource_ci; GIN over lower(resource::text)::jsonb',
    ddl: [...NO_COLUMN, 'CREATE INDEX users_document_ci_idx ON users USING gin ((lower(resource::text)::jsonb) jsonb_path_ops)'],
    emails: 'expression-gin',
    title: 'expression-gin',
  },
  {
    id: 'expression-gin-off',
    label: 'no resource_ci; the same GIN, fastupdate off',
    ddl: [...NO_COLUMN, 'CREATE INDEX users_document_ci_idx ON users USING gin ((lower(resource::text)::jsonb) jsonb_path_ops) WITH (fastupdate = off)'],
    emails: 'expression-gin',
    title: 'expression-gin',
  },
  {
    id: 'no-search',
    label: 'diagnostic: today without the console search GIN (0006)',
    ddl: ['DROP INDEX users_list_search_idx'],
    emails: 'gin',
    title: 'gin',
    diagnostic: true,
  },
  {
    id: 'no-stats',
    label: 'diagnostic: today without the tenant_stats insert trigger (0003)',
    ddl: ['ALTER TABLE users DISABLE TRIGGER users_counted_added'],
    emails: 'gin',
    title: 'gin',
    diagnostic: true,
  },
]

interface Options {
  quick: boolean
  docs: boolean
  runs: number
  sizes: [number, number]
  stores: Array<'pglite' | 'postgres'>
  databaseUrl: string | undefined
  pgCluster: boolean
}

// ---------------------------------------------------------------------------------------------
// Databases: a seeded template per store and size, copied per configuration

interface Template {
  /** Opens a fresh copy of the template. */
  copy(name: string): Promise<{ db: Database; drop: () => Promise<void> }>
  tenantId: string
  cleanup(): Promise<void>
}

async function seedUsers(db: Database, users: number): Promise<string> {
  await migrate(
    db,
    migrations.filter((m) => m.version <= SCHEMA_TODAY),
  )
  const store = postgresStore(db)
  const tenant = await createTenant(store, ACTOR, { slug: 'bench', displayName: 'Benchmark', source: 'scim' })
  for (let from = 1; from <= users; from += 25_000) {
    const to = Math.min(users, from + 24_999)
    // bench/seed.ts's users, plus a second (home) email and, for every 10th user, a manager.
    await db.query(
      `INSERT INTO users (tenant_id, id, user_name, user_name_key, external_id, display_name, email, email_key, status, origin, resource)
       SELECT $1::uuid, gen_random_uuid(), u.user_name, lower(u.user_name), u.external_id, u.display_name, u.user_name, lower(u.user_name), u.status, 'scim',
              jsonb_build_object(
                'userName', u.user_name, 'externalId', u.external_id,
                'name', jsonb_build_object('givenName', u.given, 'familyName', u.family, 'formatted', u.display_name),
                'displayName', u.display_name,
                'emails', jsonb_build_array(jsonb_build_object('value', u.user_name, 'type', 'work', 'primary', true),
                                            jsonb_build_object('value', 'home' || u.n || '@example.net', 'type', 'home')),
                'title', u.title, 'active', u.status = 'active')
              || CASE WHEN u.n % 10 = 0 THEN jsonb_build_object('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
                   jsonb_build_object('employeeNumber', 'E' || u.n, 'manager', jsonb_build_object('value', gen_random_uuid()))) ELSE '{}'::jsonb END
         FROM (SELECT n, 'user' || n || '@example.com' AS user_name, 'ext-' || lpad(n::text, 7, '0') AS external_id,
                      ($4::text[])[1 + n % cardinality($4::text[])] AS given,
                      ($5::text[])[1 + (n / cardinality($4::text[])) % cardinality($5::text[])] AS family,
                      ($4::text[])[1 + n % cardinality($4::text[])] || ' ' || ($5::text[])[1 + (n / cardinality($4::text[])) % cardinality($5::text[])] AS display_name,
                      ($6::text[])[1 + n % cardinality($6::text[])] || ' ' || ($7::text[])[1 + (n / cardinality($6::text[])) % cardinality($7::text[])] AS title,
                      CASE WHEN n % 50 = 0 THEN 'inactive' ELSE 'active' END AS status
                 FROM generate_series($2::int, $3::int) AS n) AS u`,
      [tenant.id, from, to, GIVEN, FAMILY, LEVELS, ROLES],
    )
  }
  await db.query('VACUUM ANALYZE')
  return tenant.id
}

const log = createLogger({ logLevel: 'error', logFormat: 'json' }, 'bench')
const openServer = (url: string, max: number) => openPg({ connectionString: url, max, tenantConcurrency: max, connectTimeoutMs: 10_000, log })

async function pgliteTemplate(users: number): Promise<Template> {
  const dir = tempDir('roster-index-cost-')
  onCleanup(async () => removeTempDir(dir))
  const base = path.join(dir, 'base')
  const db = await openPglite(base)
  const tenantId = await seedUsers(db, users)
  await db.close()
  let n = 0
  return {
    tenantId,
    async copy() {
      const to = path.join(dir, `copy${++n}`)
      fs.cpSync(base, to, { recursive: true })
      const copy = await openPglite(to)
      return {
        db: copy,
        drop: async () => {
          await copy.close()
          removeTempDir(to)
        },
      }
    },
    cleanup: async () => removeTempDir(dir),
  }
}

async function serverTemplate(adminUrl: string, users: number): Promise<Template> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  const base = `roster_ic_${randomUUID().slice(0, 8)}`
  const urlOf = (name: string) => {
    const u = new URL(adminUrl)
    u.pathname = `/${name}`
    return u.toString()
  }
  await admin.query(`CREATE DATABASE ${base}`)
  const dropAll: string[] = [base]
  const db = openServer(urlOf(base), 2)
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined)
  const tenantId = await seedUsers(db, users)
  await db.close()
  let n = 0
  return {
    tenantId,
    async copy() {
      const name = `${base}_${++n}`
      dropAll.push(name)
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${base}`)
      const copy = openServer(urlOf(name), CLIENTS)
      return {
        db: copy,
        drop: async () => {
          await copy.close()
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        },
      }
    },
    async cleanup() {
      for (const name of dropAll) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
      await admin.end()
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Latency {
  p50: number
  mean: number
  p99: number
  max: number
}

function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!
  return { p50: at(0.5), mean: s.reduce((a, b) => a + b, 0) / s.length, p99: at(0.99), max: s[s.length - 1]! }
}

let serial = 0
function newUser(tenantId: string): NewUser {
  const n = ++serial
  const name = `new${n}-${randomUUID().slice(0, 8)}@example.com`
  const given = GIVEN[n % GIVEN.length]!
  const family = FAMILY[n % FAMILY.length]!
  return {
    tenantId,
    userName: name,
    externalId: `new-${n}-${randomUUID()}`,
    displayName: `${given} ${family}`,
    email: name,
    origin: 'scim',
    resource: {
      userName: name,
      externalId: `new-${n}`,
      name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
      displayName: `${given} ${family}`,
      emails: [
        { value: name, type: 'work', primary: true },
        { value: `home${n}@example.net`, type: 'home' },
      ],
      title: titleOf(n),
      active: true,
    },
  }
}

interface Writes {
  sequential: Latency
  concurrent: { perSecond: number; mean: number } | null
  postTx: { perSecond: number; insertMean: number } | null
  batchMs: number
  walPerInsert: number | null
}

async function measureWrites(db: Database, tenantId: string, quick: boolean): Promise<Writes> {
  const store = postgresStore(db)
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }
  const single = quick ? 200 : 1000
  for (let i = 0; i < 50; i++) await store.users.insert(newUser(tenantId))
  const wal = async () => (db.kind === 'postgres' ? BigInt((await db.query<{ l: string }>(`SELECT (pg_current_wal_insert_lsn() - '0/0')::text AS l`))[0]!.l) : 0n)
  const w0 = await wal()
  const seq: number[] = []
  for (let i = 0; i < single; i++) seq.push(await timed(() => store.users.insert(newUser(tenantId))))
  const walPerInsert = db.kind === 'postgres' ? Number((await wal()) - w0) / single : null

  let concurrent: Writes['concurrent'] = null
  let postTx: Writes['postTx'] = null
  if (db.kind === 'postgres') {
    const run = async (one: () => Promise<number>) => {
      const each = Math.ceil(single / CLIENTS) * 2
      const times: number[] = []
      const t0 = performance.now()
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        for (let i = 0; i < each; i++) times.push(await one())
      }))
      return { perSecond: (each * CLIENTS) / ((performance.now() - t0) / 1000), mean: latency(times).mean }
    }
    concurrent = await run(() => timed(() => store.users.insert(newUser(tenantId))))
    // A SCIM POST (createUser in src/domain/identity/users.ts): the user and its audit event in one
    // transaction; the INSERT timed alone, the figure pg_stat_statements reports for it.
    const post = await run(() =>
      store.transaction(async (tx) => {
        const t0 = performance.now()
        const user = await tx.users.insert(newUser(tenantId))
        const took = performance.now() - t0
        await tx.audit.append({ tenantId, actor: ACTOR, action: 'user.create', resourceType: 'User', resourceId: user.id, changes: null, requestId: null })
        return took
      }),
    )
    postTx = { perSecond: post.perSecond, insertMean: post.mean }
  }

  const batches: number[] = []
  for (let b = 0; b < 3; b++) {
    const rows = Array.from({ length: 1000 }, () => newUser(tenantId))
    batches.push(await timed(() => store.users.insertMany(rows)))
  }
  return { sequential: latency(seq), concurrent, postTx, batchMs: latency(batches).p50, walPerInsert }
}

const FILTERS = ['userName', 'externalId', 'emails.value', 'displayName', 'title'] as const
type FilterName = (typeof FILTERS)[number]

/** The predicate query-sql.ts emits for `<attr> eq <value>` under a configuration, with its parameters from $2. */
function predicate(config: Config, filter: FilterName, n: number): { sql: string; params: unknown[] } {
  const docEq = (how: DocEq, key: string, inner: string, emailValue?: string) => {
    const folded = `lower((r.resource -> ${quote(key)})::text)::jsonb @> lower(${quote(inner)}::text)::jsonb`
    switch (how) {
      case 'gin':
        return `r.resource_ci @> lower(${quote(`{${JSON.stringify(key)}:${inner}}`)}::text)::jsonb`
      case 'expression-gin':
        return `lower(r.resource::text)::jsonb @> lower(${quote(`{${JSON.stringify(key)}:${inner}}`)}::text)::jsonb`
      case 'folded':
        return folded
      case 'emails-index':
        return `(${EMAILS_EXPRESSION.replaceAll('resource', 'r.resource')}) @> lower(${quote(JSON.stringify([emailValue]))}::text)::jsonb AND ${folded}`
    }
  }
  switch (filter) {
    case 'userName':
      return { sql: 'r.user_name_key = $2', params: [userName(n)] }
    case 'externalId':
      return { sql: 'r.external_id = $2', params: [externalIdOf(n)] }
    case 'displayName':
      return { sql: 'lower(r.display_name) = lower($2)', params: [`${GIVEN[n % GIVEN.length]} ${FAMILY[Math.floor(n / GIVEN.length) % FAMILY.length]}`] }
    case 'emails.value': {
      const value = userName(n).toUpperCase()
      return { sql: docEq(config.emails, 'emails', JSON.stringify([{ value }]), value), params: [] }
    }
    case 'title':
      return { sql: docEq(config.title, 'title', JSON.stringify(titleOf(n))), params: [] }
  }
}

/** A SQL string literal (the bench's own values only). */
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`

async function measureFilters(db: Database, tenantId: string, config: Config, users: number, runs: number): Promise<Record<FilterName, number>> {
  const out = {} as Record<FilterName, number>
  for (const f of FILTERS) {
    const times: number[] = []
    const began = performance.now()
    // Scans of 100,000 documents take seconds on PGlite: five timed runs are enough there.
    for (let i = 0; i < runs + 5 && !(i >= 10 && performance.now() - began > 8000); i++) {
      const n = 1 + ((i * 7919) % users)
      const p = predicate(config, f, n)
      const where = `r.tenant_id = $1 AND ${p.sql}`
      const t0 = performance.now()
      const counted = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users r WHERE ${where}`, [tenantId, ...p.params])
      await db.query(`SELECT r.id, r.user_name, r.resource FROM users r WHERE ${where} ORDER BY r.id LIMIT 100`, [tenantId, ...p.params])
      if (i >= 5) times.push(performance.now() - t0)
      if (i === 0 && Number(counted[0]!.n) === 0) throw new Error(`${config.id}: ${f} eq found nothing (${p.sql})`)
    }
    out[f] = latency(times).p50
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Run

interface ConfigResult {
  config: Config
  writes: Writes
  filtersSmall: Record<FilterName, number>
  filtersBig: Record<FilterName, number> | null
  /** Applying the DDL to the big table, ms. */
  applyBigMs: number | null
  indexMiB: number
}

async function applyDdl(db: Database, ddl: string[]): Promise<number> {
  const t0 = performance.now()
  await db.transaction(async (sql) => {
    for (const s of ddl) await sql.query(s)
  })
  const ms = performance.now() - t0
  await db.query('VACUUM ANALYZE users')
  return ms
}

async function runStore(store: 'pglite' | 'postgres', opts: Options, adminUrl: string | undefined): Promise<{ results: ConfigResult[]; version: string }> {
  const [small, big] = opts.sizes
  const template = (users: number) => (store === 'pglite' ? pgliteTemplate(users) : serverTemplate(adminUrl!, users))
  say(`${store}: seeding ${small.toLocaleString('en')} users…`)
  const smallT = await template(small)
  say(`${store}: seeding ${big.toLocaleString('en')} users…`)
  const bigT = await template(big)
  const results: ConfigResult[] = []
  let version = ''
  try {
    for (const config of CONFIGS) {
      say(`${store}: ${config.label}`)
      const s = await smallT.copy(config.id)
      let filtersSmall: Record<FilterName, number>
      let writes: Writes
      let indexMiB: number
      try {
        version ||= String((await s.db.query<{ v: string }>('SELECT version() AS v'))[0]!.v).split(' on ')[0]!
        await applyDdl(s.db, config.ddl)
        filtersSmall = await measureFilters(s.db, smallT.tenantId, config, small, opts.runs)
        writes = await measureWrites(s.db, smallT.tenantId, opts.quick)
        indexMiB = Number((await s.db.query<{ v: number }>(`SELECT pg_indexes_size('users')::float8 / 1048576 AS v`))[0]!.v)
      } finally {
        await s.drop()
      }
      let filtersBig: Record<FilterName, number> | null = null
      let applyBigMs: number | null = null
      if (!config.diagnostic) {
        const b = await bigT.copy(config.id)
        try {
          applyBigMs = await applyDdl(b.db, config.ddl)
          filtersBig = await measureFilters(b.db, bigT.tenantId, config, big, opts.runs)
        } finally {
          await b.drop()
        }
      }
      results.push({ config, writes, filtersSmall, filtersBig, applyBigMs, indexMiB })
    }
  } finally {
    await smallT.cleanup()
    await bigT.cleanup()
  }
  return { results, version }
}

const f2 = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const thousands = (n: number) => Math.round(n).toLocaleString('en')

function tables(store: string, version: string, results: ConfigResult[], sizes: [number, number]): string {
  const pg = store === 'postgres'
  const w = [
    `**Writes, ${store} (${version}), ${sizes[0].toLocaleString('en')} seeded users.** One insert: users.insert one after another, ms. ${pg ? `16 clients: users.insert from ${CLIENTS} connections at once (inserts/s, mean ms); in a POST's transaction: INSERT user + INSERT audit event + COMMIT from ${CLIENTS} connections (transactions/s, mean ms of the INSERT alone). ` : ''}Batch: users.insertMany of 1,000 users, ms (median of 3).${pg ? ' WAL: bytes per sequential insert.' : ''} Indexes: size of all users indexes after the run.`,
    '',
    `| Configuration | one insert p50 | mean | p99 | max |${pg ? ' 16 clients /s | mean | POST tx /s | INSERT mean |' : ''} batch 1,000 |${pg ? ' WAL/insert |' : ''} indexes MiB |`,
    `|---|---|---|---|---|${pg ? '---|---|---|---|' : ''}---|${pg ? '---|' : ''}---|`,
  ]
  for (const r of results) {
    const x = r.writes
    w.push(
      `| ${r.config.label} | ${f2(x.sequential.p50)} | ${f2(x.sequential.mean)} | ${f2(x.sequential.p99)} | ${f2(x.sequential.max)} |${
        pg ? ` ${thousands(x.concurrent!.perSecond)} | ${f2(x.concurrent!.mean)} | ${thousands(x.postTx!.perSecond)} | ${f2(x.postTx!.insertMean)} |` : ''
      } ${thousands(x.batchMs)} |${pg ? ` ${thousands(x.walPerInsert!)} |` : ''} ${r.indexMiB.toFixed(1)} |`,
    )
  }
  const rd = [
    `**Filters, ${store}.** Median ms of a count plus a 100-row page (${FILTERS.map((f) => `\`${f} eq\``).join(', ')}), at ${sizes[0].toLocaleString('en')} / ${sizes[1].toLocaleString('en')} users; "apply" is the configuration's DDL on the ${sizes[1].toLocaleString('en')}-user table, in one transaction.`,
    '',
    `| Configuration | ${FILTERS.join(' | ')} | apply |`,
    `|---|${FILTERS.map(() => '---').join('|')}|---|`,
  ]
  for (const r of results) {
    if (!r.filtersBig) continue
    rd.push(`| ${r.config.label} | ${FILTERS.map((f) => `${f2(r.filtersSmall[f])} / ${f2(r.filtersBig![f])}`).join(' | ')} | ${r.applyBigMs === null ? '' : formatSeconds(r.applyBigMs / 1000)} |`)
  }
  return [...w, '', ...rd].join('\n')
}

async function main() {
  installExitHooks()
  const flags = parseFlags(process.argv.slice(2), ['database-url', 'store', 'runs'], ['pg', 'quick', 'no-docs'], USAGE)
  const quick = flags.has('quick')
  const { databaseUrl, pgCluster, stores } = storeOptions(flags, process.env)
  const opts: Options = {
    quick,
    docs: !quick && !flags.has('no-docs'),
    runs: numberOption(flags, process.env)('runs', null, quick ? 10 : 20, 3, 10_000),
    sizes: quick ? [2000, 10_000] : [10_000, 100_000],
    stores,
    databaseUrl,
    pgCluster,
  }
  const started = performance.now()
  const loadBefore = os.loadavg()[0]!
  const machine = describeMachine()
  const sections: string[] = []
  let cluster: PostgresCluster | undefined
  try {
    for (const store of opts.stores) {
      if (store === 'postgres' && opts.pgCluster && !cluster) {
        say('starting a throwaway PostgreSQL cluster…')
        cluster = await startCluster()
        onCleanup(() => cluster!.destroy())
      }
      const { results, version } = await runStore(store, opts, cluster?.url ?? opts.databaseUrl)
      const text = tables(store, store === 'pglite' ? `PGlite ${machine.pglite}, ${version}` : `${version}, ${cluster ? 'throwaway cluster, fsync off' : 'server'}`, results, opts.sizes)
      process.stdout.write(`${text}\n\n`)
      sections.push(text)
    }
  } finally {
    await cleanupAll()
  }
  const took = formatSeconds((performance.now() - started) / 1000)
  if (opts.docs) {
    const body = [
      '## Index cost (`node --import tsx bench/index-cost.ts`)',
      '',
      'What each index configuration of the users table costs writers and buys the filters identity providers send (issue 15; decisions.md §26). Each configuration is applied to a copy of one seeded database at schema version 14; "today" is the schema before migration 0015.',
      '',
      '```sh',
      'node --import tsx bench/index-cost.ts          # PGlite: 10,000 users for writes and filters, 100,000 for filters',
      'node --import tsx bench/index-cost.ts --pg     # also a throwaway local PostgreSQL cluster',
      'node --import tsx bench/index-cost.ts --quick  # sanity run, docs untouched',
      '```',
      '',
      `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, total ${took}. Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node.js ${machine.node}; the benchmark and the database share the machine, nothing pinned; load average ${loadBefore.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end (other work on the machine shows up here).`,
      '',
      ...sections.flatMap((s) => [s, '']),
    ].join('\n')
    writeSection(path.join(ROOT, 'docs/benchmarks.md'), 'index-cost', body)
    say('docs/benchmarks.md updated')
  }
  say(`done in ${took}`)
}

main().catch(async (err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err))
  await cleanupAll()
  process.exit(1)
})

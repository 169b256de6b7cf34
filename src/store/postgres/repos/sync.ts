import type { JsonObject } from '../../../domain/kernel/json.js'
import { EMPTY_COUNTS, type SnapshotKind, type SyncLease, type SyncRun, type SyncRunStatus, type SyncState } from '../../../domain/directory-sync/model.js'
import type { DirectoryConnectionRepo, SyncRunRepo, SyncSnapshotRepo, SyncStateRepo } from '../../../domain/directory-sync/persister.js'
import type { Sql } from '../sql.js'
import { GROUP_COLUMNS, toGroup } from './groups.js'
import { isUuid, str, strOrNull, toDate, toDateOrNull } from './rows.js'
import { USER_COLUMNS, toUser } from './users.js'

export function directoryConnectionRepo(sql: Sql): DirectoryConnectionRepo {
  const toRecord = (r: Record<string, unknown>) => ({
    tenantId: str(r.tenant_id),
    settings: r.settings as JsonObject,
    sealedBindPassword: str(r.bind_password),
    created: toDate(r.created),
    modified: toDate(r.modified),
  })
  return {
    async get(tenantId) {
      const rows = await sql.query('SELECT * FROM directory_connections WHERE tenant_id = $1', [tenantId])
      return rows[0] ? toRecord(rows[0]) : null
    },
    async put(tenantId, settings, sealed) {
      const rows = await sql.query(
        `INSERT INTO directory_connections (tenant_id, settings, bind_password) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, bind_password = EXCLUDED.bind_password, modified = now()
         RETURNING *`,
        [tenantId, JSON.stringify(settings), sealed],
      )
      return toRecord(rows[0]!)
    },
    async syncedTenantIds() {
      const rows = await sql.query(
        `SELECT c.tenant_id FROM directory_connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.source = 'ldap' ORDER BY t.slug`,
      )
      return rows.map((r) => str(r.tenant_id))
    },
  }
}

const RUN_COLUMNS = 'tenant_id, id, mode, dry_run, forced, trigger, status, holder, started, finished, counts, errors, message, high_water_mark'

function toRun(r: Record<string, unknown>): SyncRun {
  return {
    id: str(r.id),
    tenantId: str(r.tenant_id),
    mode: r.mode as SyncRun['mode'],
    dryRun: Boolean(r.dry_run),
    forced: Boolean(r.forced),
    trigger: r.trigger as SyncRun['trigger'],
    status: r.status as SyncRunStatus,
    holder: str(r.holder),
    started: toDate(r.started),
    finished: toDateOrNull(r.finished),
    counts: { ...EMPTY_COUNTS, ...(r.counts as object) },
    errors: (r.errors ?? []) as SyncRun['errors'],
    message: strOrNull(r.message),
    highWaterMark: (r.high_water_mark ?? null) as JsonObject | null,
  }
}

export function syncRunRepo(sql: Sql): SyncRunRepo {
  return {
    async insert(run) {
      const rows = await sql.query(
        `INSERT INTO sync_runs (tenant_id, id, mode, dry_run, forced, trigger, status, holder, counts)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8) RETURNING ${RUN_COLUMNS}`,
        [run.tenantId, run.id, run.mode, run.dryRun, run.forced, run.trigger, run.holder, JSON.stringify(EMPTY_COUNTS)],
      )
      return toRun(rows[0]!)
    },
    async get(tenantId, id) {
      if (!isUuid(id)) return null
      const rows = await sql.query(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE tenant_id = $1 AND id = $2`, [tenantId, id])
      return rows[0] ? toRun(rows[0]) : null
    },
    async finish(tenantId, id, o) {
      if (!isUuid(id)) return null
      const rows = await sql.query(
        `UPDATE sync_runs SET status = $3, counts = $4, errors = $5, message = $6, high_water_mark = $7, finished = clock_timestamp()
          WHERE tenant_id = $1 AND id = $2 RETURNING ${RUN_COLUMNS}`,
        [tenantId, id, o.status, JSON.stringify(o.counts), JSON.stringify(o.errors), o.message, o.highWaterMark ? JSON.stringify(o.highWaterMark) : null],
      )
      return rows[0] ? toRun(rows[0]) : null
    },
    async list(tenantId, limit) {
      const rows = await sql.query(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE tenant_id = $1 ORDER BY started DESC, id LIMIT $2`, [tenantId, limit])
      return rows.map(toRun)
    },
    async abandon(tenantId, message) {
      const rows = await sql.query(
        `UPDATE sync_runs r SET status = 'failed', message = $2, finished = clock_timestamp()
          WHERE r.tenant_id = $1 AND r.status = 'running'
            AND NOT EXISTS (SELECT 1 FROM sync_state s WHERE s.tenant_id = r.tenant_id AND s.lease_run = r.id AND s.lease_expires > clock_timestamp())
          RETURNING r.id`,
        [tenantId, message],
      )
      return rows.length
    },
  }
}

const toLease = (r: Record<string, unknown>): SyncLease | null =>
  r.lease_holder == null ? null : { holder: str(r.lease_holder), runId: strOrNull(r.lease_run), expires: toDate(r.lease_expires) }

export function syncStateRepo(sql: Sql): SyncStateRepo {
  return {
    async get(tenantId): Promise<SyncState> {
      const rows = await sql.query('SELECT * FROM sync_state WHERE tenant_id = $1', [tenantId])
      const r = rows[0]
      if (!r) return { highWaterMark: null, runsSinceFull: 0, lastFull: null, lease: null }
      return {
        highWaterMark: (r.high_water_mark ?? null) as JsonObject | null,
        runsSinceFull: Number(r.runs_since_full),
        lastFull: toDateOrNull(r.last_full),
        lease: toLease(r),
      }
    },
    async acquireLease(tenantId, holder, runId, ttlMs) {
      // One statement: the row is created, taken over when expired, or left alone when held.
      // clock_timestamp(), not now(): inside a long transaction now() stands still.
      const rows = await sql.query(
        `INSERT INTO sync_state (tenant_id, lease_holder, lease_run, lease_expires)
         VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond')
         ON CONFLICT (tenant_id) DO UPDATE SET lease_holder = EXCLUDED.lease_holder, lease_run = EXCLUDED.lease_run, lease_expires = EXCLUDED.lease_expires
          WHERE sync_state.lease_holder IS NULL OR sync_state.lease_expires <= clock_timestamp() OR sync_state.lease_holder = EXCLUDED.lease_holder
         RETURNING lease_holder, lease_run, lease_expires`,
        [tenantId, holder, runId, ttlMs],
      )
      if (rows[0]) return { acquired: true, lease: toLease(rows[0])! }
      const current = await sql.query('SELECT lease_holder, lease_run, lease_expires FROM sync_state WHERE tenant_id = $1', [tenantId])
      return { acquired: false, lease: toLease(current[0]!)! }
    },
    async renewLease(tenantId, holder, ttlMs) {
      const rows = await sql.query(
        `UPDATE sync_state SET lease_expires = clock_timestamp() + $3 * interval '1 millisecond'
          WHERE tenant_id = $1 AND lease_holder = $2 RETURNING 1`,
        [tenantId, holder, ttlMs],
      )
      return rows.length > 0
    },
    async releaseLease(tenantId, holder) {
      await sql.query('UPDATE sync_state SET lease_holder = NULL, lease_run = NULL, lease_expires = NULL WHERE tenant_id = $1 AND lease_holder = $2', [tenantId, holder])
    },
    async recordSuccess(tenantId, { highWaterMark, full }) {
      await sql.query(
        `INSERT INTO sync_state (tenant_id, high_water_mark, runs_since_full, last_full)
         VALUES ($1, $2, 0, CASE WHEN $3 THEN clock_timestamp() END)
         ON CONFLICT (tenant_id) DO UPDATE SET
           high_water_mark = EXCLUDED.high_water_mark,
           runs_since_full = CASE WHEN $3 THEN 0 ELSE sync_state.runs_since_full + 1 END,
           last_full = CASE WHEN $3 THEN clock_timestamp() ELSE sync_state.last_full END`,
        [tenantId, highWaterMark ? JSON.stringify(highWaterMark) : null, full],
      )
    },
  }
}

/** Unranked entries (groups, deletions, users in a manager cycle) sort last, by anchor. */
const RANK = 'coalesce(rank, 2147483647)'

// Synced = came from the directory (origin ldap) and carries its anchor.
const SYNCED_USERS = `u.tenant_id = $1 AND u.origin = 'ldap' AND u.source_anchor IS NOT NULL AND u.status <> 'archived'`
const NOT_READ = (alias: string, kind: SnapshotKind) =>
  `NOT EXISTS (SELECT 1 FROM sync_snapshot s WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.kind = '${kind}' AND s.anchor = ${alias}.source_anchor)`

/** Ranks written per statement. */
const RANK_WRITE = 10_000
/** Management chains deeper than this rank as this deep (a guard against malformed data). */
const MAX_DEPTH = 64

/**
 * Each user's depth in the management chains (0: no manager among the users), the longest when a
 * manager's DN names more than one of them; users reached from no chain top (a manager cycle) get
 * none. A user is never counted as their own manager.
 */
export function managementDepths(users: Array<{ anchor: string; dn: string; manager: string | null }>): Map<string, number> {
  const push = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key)
    if (list) list.push(value)
    else map.set(key, [value])
  }
  const byDn = new Map<string, string[]>()
  for (const u of users) push(byDn, u.dn, u.anchor)
  const reports = new Map<string, string[]>()
  const depth = new Map<string, number>()
  let level: string[] = []
  for (const u of users) {
    const managers = u.manager === null ? [] : (byDn.get(u.manager) ?? []).filter((a) => a !== u.anchor)
    if (!managers.length) level.push(u.anchor)
    for (const m of managers) push(reports, m, u.anchor)
  }
  for (let d = 0; level.length; d++) {
    for (const a of level) depth.set(a, d)
    if (d >= MAX_DEPTH) break
    level = [...new Set(level.flatMap((a) => reports.get(a) ?? []))]
  }
  return depth
}

export function syncSnapshotRepo(sql: Sql): SyncSnapshotRepo {
  return {
    async add(tenantId, runId, kind, entries) {
      if (!entries.length) return
      // One statement per page of entries; a re-read of the same anchor (a retried page) wins.
      await sql.query(
        `INSERT INTO sync_snapshot (tenant_id, run_id, kind, anchor, dn, entry)
         SELECT $1, $2, $3, e.anchor, e.dn, e.entry FROM jsonb_to_recordset($4::jsonb) AS e(anchor text, dn text, entry jsonb)
         ON CONFLICT (tenant_id, run_id, kind, anchor) DO UPDATE SET dn = EXCLUDED.dn, entry = EXCLUDED.entry`,
        [tenantId, runId, kind, JSON.stringify(entries)],
      )
    },
    async page(tenantId, runId, kind, { after, limit }) {
      const rows = await sql.query(
        `SELECT anchor, dn, entry, ${RANK} AS rank FROM sync_snapshot
          WHERE tenant_id = $1 AND run_id = $2 AND kind = $3 ${after === null ? '' : `AND (${RANK}, anchor) > ($5::integer, $6::text)`}
          ORDER BY ${RANK}, anchor LIMIT $4`,
        after === null ? [tenantId, runId, kind, limit] : [tenantId, runId, kind, limit, after.rank, after.anchor],
      )
      return rows.map((r) => ({ anchor: str(r.anchor), dn: str(r.dn), entry: r.entry as JsonObject, rank: Number(r.rank) }))
    },
    async rankByManager(tenantId, runId) {
      // Order matters only for users about to be created; a run that creates none skips the work.
      const news = await sql.query(
        `SELECT EXISTS (SELECT 1 FROM sync_snapshot s WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.kind = 'user'
                   AND NOT EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = $1 AND u.source_anchor = s.anchor)) AS any`,
        [tenantId, runId],
      )
      if (!news[0]?.any) return
      // Ranked here rather than by a recursive query: PostgreSQL cannot estimate a recursive join
      // and plans (and JIT-compiles) it for millions of rows, seconds for 20,000 users. What is read
      // is three short strings per user, once; the ranks go back in a few statements.
      const users = await sql.query<{ anchor: string; dn: string; manager: string | null }>(
        `SELECT anchor, dn, entry->>'managerDn' AS manager FROM sync_snapshot WHERE tenant_id = $1 AND run_id = $2 AND kind = 'user'`,
        [tenantId, runId],
      )
      const ranks = managementDepths(users)
      const anchors = [...ranks.keys()]
      for (let i = 0; i < anchors.length; i += RANK_WRITE) {
        const chunk = anchors.slice(i, i + RANK_WRITE)
        await sql.query(
          `UPDATE sync_snapshot s SET rank = r.rank FROM unnest($3::text[], $4::integer[]) AS r(anchor, rank)
            WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.kind = 'user' AND s.anchor = r.anchor`,
          [tenantId, runId, chunk, chunk.map((a) => ranks.get(a)!)],
        )
      }
    },
    async count(tenantId, runId, kind) {
      const rows = await sql.query('SELECT count(*)::int AS n FROM sync_snapshot WHERE tenant_id = $1 AND run_id = $2 AND kind = $3', [tenantId, runId, kind])
      return Number(rows[0]!.n)
    },
    async anchorsRead(tenantId, runId, kind, anchors) {
      if (!anchors.length) return new Set()
      const rows = await sql.query('SELECT anchor FROM sync_snapshot WHERE tenant_id = $1 AND run_id = $2 AND kind = $3 AND anchor = ANY($4::text[])', [tenantId, runId, kind, anchors])
      return new Set(rows.map((r) => str(r.anchor)))
    },
    async resolveDns(tenantId, runId, dns) {
      if (!dns.length) return new Map()
      const rows = await sql.query(
        `SELECT dn, kind, anchor FROM sync_snapshot WHERE tenant_id = $1 AND run_id = $2 AND kind <> 'deleted' AND dn = ANY($3::text[]) AND NOT entry ? 'unmapped'`,
        [tenantId, runId, dns],
      )
      return new Map(rows.map((r) => [str(r.dn), { kind: r.kind as SnapshotKind, anchor: str(r.anchor) }]))
    },
    async resolveUserNames(tenantId, runId, userNames) {
      if (!userNames.length) return new Map()
      const rows = await sql.query(
        `SELECT lower(entry->>'userName') AS name, anchor FROM sync_snapshot
          WHERE tenant_id = $1 AND run_id = $2 AND kind = 'user' AND lower(entry->>'userName') = ANY($3::text[])`,
        [tenantId, runId, userNames.map((n) => n.toLowerCase())],
      )
      return new Map(rows.map((r) => [str(r.name), str(r.anchor)]))
    },
    async absentUsers(tenantId, runId, { after, limit }) {
      const rows = await sql.query(
        `SELECT ${USER_COLUMNS} FROM users u WHERE ${SYNCED_USERS} AND ${NOT_READ('u', 'user')} ${after === null ? '' : 'AND u.id > $4'}
          ORDER BY u.id LIMIT $3`,
        after === null ? [tenantId, runId, limit] : [tenantId, runId, limit, after],
      )
      return rows.map(toUser)
    },
    async countAbsentUsers(tenantId, runId) {
      const rows = await sql.query(`SELECT count(*)::int AS n FROM users u WHERE ${SYNCED_USERS} AND ${NOT_READ('u', 'user')}`, [tenantId, runId])
      return Number(rows[0]!.n)
    },
    async countSyncedUsers(tenantId) {
      const rows = await sql.query(`SELECT count(*)::int AS n FROM users u WHERE ${SYNCED_USERS}`, [tenantId])
      return Number(rows[0]!.n)
    },
    async countSyncedGroups(tenantId) {
      const rows = await sql.query(`SELECT count(*)::int AS n FROM groups g WHERE g.tenant_id = $1 AND g.origin = 'ldap' AND g.source_anchor IS NOT NULL`, [tenantId])
      return Number(rows[0]!.n)
    },
    async absentGroups(tenantId, runId, { after, limit }) {
      const rows = await sql.query(
        `SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.tenant_id = $1 AND g.origin = 'ldap' AND g.source_anchor IS NOT NULL AND ${NOT_READ('g', 'group')}
          ${after === null ? '' : 'AND g.id > $4'} ORDER BY g.id LIMIT $3`,
        after === null ? [tenantId, runId, limit] : [tenantId, runId, limit, after],
      )
      return rows.map(toGroup)
    },
    async countAbsentGroups(tenantId, runId) {
      const rows = await sql.query(
        `SELECT count(*)::int AS n FROM groups g WHERE g.tenant_id = $1 AND g.origin = 'ldap' AND g.source_anchor IS NOT NULL AND ${NOT_READ('g', 'group')}`,
        [tenantId, runId],
      )
      return Number(rows[0]!.n)
    },
    async analyze() {
      // The tenant's tables only when they grew or shrank by a fifth since their statistics were
      // taken (or never had any): analyzing users evaluates its index expressions for every sampled
      // row, which costs as much as a re-sync's whole users pass, and on a server autovacuum has
      // usually done it already.
      const stale = await sql.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c
          WHERE c.oid IN ('users'::regclass, 'groups'::regclass, 'group_members'::regclass)
            AND (c.reltuples < 0 OR abs(pg_relation_size(c.oid) / current_setting('block_size')::integer - c.relpages) > greatest(c.relpages, 1) / 5.0)`,
      )
      await sql.query(`ANALYZE ${['sync_snapshot', ...stale.map((r) => r.name).filter((n) => ['users', 'groups', 'group_members'].includes(n))].join(', ')}`)
    },
    async clear(tenantId, runId, options = {}) {
      if (options.allRuns) await sql.query('DELETE FROM sync_snapshot WHERE tenant_id = $1', [tenantId])
      else await sql.query('DELETE FROM sync_snapshot WHERE tenant_id = $1 AND run_id = $2', [tenantId, runId])
    },
  }
}

import { emailKey, userNameKey } from '../../../domain/identity/user-name.js'
import type { Migration, MigrationStep } from './migration.js'

/**
 * One identity, one name (docs/decisions.md, "userName in one canonical form"): userName is unique
 * per tenant by its key (src/domain/identity/user-name.ts), no longer by lower(user_name), and sign-in
 * finds an email by the same key. The key is Unicode folding PostgreSQL cannot do the same way on
 * every server and locale, so JavaScript computes it, here for the existing rows and in the users
 * repository for every write.
 *
 * Rows that were distinct under lower() may share a key (`bob` and `bob `, `josé` composed and
 * decomposed). They are not merged: the earliest created keeps the key, each later one gets
 * `key#id` (so the unique index can be built) and keeps its userName as entered, and every affected
 * tenant gets a `user.user-name-collision` audit event and the operator a log line, to resolve by
 * renaming or removing.
 */

const BATCH = 2000

const fillKeys: MigrationStep = async (sql, { progress }) => {
  let after: [string, string] | null = null
  let done = 0
  for (;;) {
    const rows: Array<{ tenant_id: string; id: string; user_name: string; email: string | null }> = await sql.query(
      `SELECT tenant_id::text AS tenant_id, id::text AS id, user_name, email FROM users
        ${after ? 'WHERE (tenant_id, id) > ($2::uuid, $3::uuid)' : ''} ORDER BY tenant_id, id LIMIT $1`,
      after ? [BATCH, ...after] : [BATCH],
    )
    if (!rows.length) return
    const keys = rows.map((r) => ({ tenant_id: r.tenant_id, id: r.id, user_name_key: userNameKey(r.user_name), email_key: emailKey(r.email) }))
    await sql.query(
      `UPDATE users u SET user_name_key = k.user_name_key, email_key = k.email_key
         FROM jsonb_to_recordset($1::jsonb) AS k(tenant_id uuid, id uuid, user_name_key text, email_key text)
        WHERE u.tenant_id = k.tenant_id AND u.id = k.id`,
      [JSON.stringify(keys)],
    )
    const last = rows[rows.length - 1]!
    after = [last.tenant_id, last.id]
    progress((done += rows.length))
  }
}

interface Collision {
  key: string
  users: Array<{ id: string; userName: string; key: string }>
}

const reportCollisions: MigrationStep = async (sql, { log }) => {
  const groups = await sql.query<{ tenant_id: string; user_name_key: string; ids: string[]; names: string[] }>(
    `SELECT tenant_id::text AS tenant_id, user_name_key, array_agg(id::text ORDER BY created, id) AS ids, array_agg(user_name ORDER BY created, id) AS names
       FROM users GROUP BY tenant_id, user_name_key HAVING count(*) > 1 ORDER BY tenant_id, user_name_key`,
  )
  const byTenant = new Map<string, Collision[]>()
  for (const g of groups) {
    const users = g.ids.map((id, i) => ({ id, userName: g.names[i]!, key: i === 0 ? g.user_name_key : `${g.user_name_key}#${id}` }))
    const later = users.slice(1)
    await sql.query(
      `UPDATE users u SET user_name_key = k.key FROM jsonb_to_recordset($2::jsonb) AS k(id uuid, key text) WHERE u.tenant_id = $1 AND u.id = k.id`,
      [g.tenant_id, JSON.stringify(later.map((u) => ({ id: u.id, key: u.key })))],
    )
    const list = byTenant.get(g.tenant_id) ?? []
    list.push({ key: g.user_name_key, users })
    byTenant.set(g.tenant_id, list)
  }
  for (const [tenantId, collisions] of byTenant) {
    // The columns audit_events has at this version (0014 adds actor_via).
    await sql.query(
      `INSERT INTO audit_events (tenant_id, actor_type, actor_id, actor_label, action, resource_type, resource_id, changes, request_id)
       VALUES ($1, 'system', NULL, 'roster', 'user.user-name-collision', 'User', NULL, $2::jsonb, NULL)`,
      [tenantId, JSON.stringify({ attributes: ['userName'], after: { collisions } })],
    )
    log.warn(
      { tenantId, collisions },
      `${collisions.length} userName(s) in tenant ${tenantId} are one name in canonical form but belonged to several users; none was merged: the earliest user keeps the name, the others keep their userName as entered but cannot be found by it until renamed (audit event user.user-name-collision)`,
    )
  }
}

export const userNameKeys: Migration = {
  version: 13,
  name: 'user_name_key',
  // Every user row gets its keys (in batches, from JavaScript), then a unique index over them.
  rewrites: ['users'],
  statements: [
    `ALTER TABLE users ADD COLUMN user_name_key text, ADD COLUMN email_key text`,
    fillKeys,
    reportCollisions,
    `ALTER TABLE users ALTER COLUMN user_name_key SET NOT NULL`,
    // Same name as the constraint it replaces, so a conflict still reads "userName is already taken".
    `ALTER TABLE users DROP CONSTRAINT users_user_name_key`,
    `CREATE UNIQUE INDEX users_user_name_key ON users (tenant_id, user_name_key)`,
    `DROP INDEX users_email_lower_idx`,
    `CREATE INDEX users_email_key_idx ON users (tenant_id, email_key) WHERE email_key IS NOT NULL`,
  ],
}

import type { LoginFailureRecord, SamlRequestRecord, SamlSettings, SessionRecord, StoredSamlConfig } from '../../../domain/sign-in/model.js'
import type { LoginFailureRepo, SamlAssertionRepo, SamlConfigRepo, SamlRequestRepo, SessionRepo, SignInHousekeeping } from '../../../domain/sign-in/persister.js'
import type { Sql } from '../sql.js'
import { isStorableKey, isUuid, str, strOrNull, toDate, toDateOrNull } from './rows.js'

export function samlConfigRepo(sql: Sql): SamlConfigRepo {
  const toRecord = (r: Record<string, unknown>): StoredSamlConfig => ({
    tenantId: str(r.tenant_id),
    settings: r.settings as SamlSettings,
    spCertificate: str(r.sp_certificate),
    sealedSpKey: str(r.sp_private_key),
    created: toDate(r.created),
    modified: toDate(r.modified),
  })
  return {
    async get(tenantId) {
      const rows = await sql.query('SELECT * FROM saml_configs WHERE tenant_id = $1', [tenantId])
      return rows[0] ? toRecord(rows[0]) : null
    },
    async put(tenantId, settings, spCertificate, sealedSpKey) {
      const rows = await sql.query(
        `INSERT INTO saml_configs (tenant_id, settings, sp_certificate, sp_private_key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, sp_certificate = EXCLUDED.sp_certificate,
           sp_private_key = EXCLUDED.sp_private_key, modified = now()
         RETURNING *`,
        [tenantId, JSON.stringify(settings), spCertificate, sealedSpKey],
      )
      return toRecord(rows[0]!)
    },
  }
}

const toRequest = (r: Record<string, unknown>): SamlRequestRecord => ({
  tenantId: str(r.tenant_id),
  id: str(r.id),
  kind: r.kind as SamlRequestRecord['kind'],
  returnTo: strOrNull(r.return_to),
  replacesSession: r.replaces_session == null ? null : Buffer.from(r.replaces_session as Uint8Array),
  created: toDate(r.created),
  expires: toDate(r.expires),
})

export function samlRequestRepo(sql: Sql): SamlRequestRepo {
  return {
    async save(q) {
      await sql.query('INSERT INTO saml_requests (tenant_id, id, kind, return_to, replaces_session, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        q.tenantId,
        q.id,
        q.kind,
        q.returnTo,
        q.replacesSession,
        q.created,
        q.expires,
      ])
    },
    async find(tenantId, id, kind, now) {
      if (!isStorableKey(id)) return null
      const rows = await sql.query('SELECT * FROM saml_requests WHERE tenant_id = $1 AND id = $2 AND kind = $3 AND expires > $4', [tenantId, id, kind, now])
      return rows[0] ? toRequest(rows[0]) : null
    },
    async consume(tenantId, id, kind, now) {
      if (!isStorableKey(id)) return null
      const rows = await sql.query('DELETE FROM saml_requests WHERE tenant_id = $1 AND id = $2 AND kind = $3 AND expires > $4 RETURNING *', [tenantId, id, kind, now])
      return rows[0] ? toRequest(rows[0]) : null
    },
  }
}

export function samlAssertionRepo(sql: Sql): SamlAssertionRepo {
  return {
    async consumeOnce(tenantId, id, expires) {
      const rows = await sql.query('INSERT INTO saml_assertions (tenant_id, id, expires) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [tenantId, id, expires])
      return rows.length === 1
    },
  }
}

const toSession = (r: Record<string, unknown>): SessionRecord => ({
  idHash: Buffer.from(r.id_hash as Uint8Array),
  tenantId: str(r.tenant_id),
  userId: str(r.user_id),
  method: r.method as SessionRecord['method'],
  fingerprint: str(r.fingerprint),
  samlNameId: strOrNull(r.saml_name_id),
  samlNameIdFormat: strOrNull(r.saml_name_id_format),
  samlSessionIndex: strOrNull(r.saml_session_index),
  created: toDate(r.created),
  lastSeen: toDate(r.last_seen),
  expires: toDate(r.expires),
})

export function sessionRepo(sql: Sql): SessionRepo {
  return {
    async insert(s) {
      await sql.query(
        `INSERT INTO sessions (id_hash, tenant_id, user_id, method, fingerprint, saml_name_id, saml_name_id_format, saml_session_index, created, last_seen, expires)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [s.idHash, s.tenantId, s.userId, s.method, s.fingerprint, s.samlNameId, s.samlNameIdFormat, s.samlSessionIndex, s.created, s.lastSeen, s.expires],
      )
    },
    async get(idHash) {
      const rows = await sql.query('SELECT * FROM sessions WHERE id_hash = $1', [idHash])
      return rows[0] ? toSession(rows[0]) : null
    },
    async touch(idHash, lastSeen) {
      await sql.query('UPDATE sessions SET last_seen = $2 WHERE id_hash = $1 AND last_seen < $2', [idHash, lastSeen])
    },
    async delete(idHash) {
      const rows = await sql.query('DELETE FROM sessions WHERE id_hash = $1 RETURNING tenant_id', [idHash])
      return rows.length > 0
    },
    async deleteForUser(tenantId, userId) {
      if (!isUuid(userId)) return 0
      return (await sql.query('DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 RETURNING 1', [tenantId, userId])).length
    },
    async deleteForSamlSubject(tenantId, nameId, sessionIndex) {
      if (!isStorableKey(nameId) || (sessionIndex !== null && !isStorableKey(sessionIndex))) return []
      const rows = await sql.query(
        `DELETE FROM sessions WHERE tenant_id = $1 AND method = 'saml' AND saml_name_id = $2 AND ($3::text IS NULL OR saml_session_index = $3)
         RETURNING *`,
        [tenantId, nameId, sessionIndex],
      )
      return rows.map(toSession)
    },
    async countForUser(tenantId, userId) {
      if (!isUuid(userId)) return 0
      const rows = await sql.query('SELECT count(*)::int AS n FROM sessions WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId])
      return Number(rows[0]!.n)
    },
  }
}

const toLoginFailure = (r: Record<string, unknown>): LoginFailureRecord => ({ failures: Number(r.failures), windowStart: toDate(r.window_start), lockedUntil: toDateOrNull(r.locked_until) })

export function loginFailureRepo(sql: Sql): LoginFailureRepo {
  return {
    async get(tenantId, key) {
      if (!isStorableKey(key)) return null
      const rows = await sql.query('SELECT * FROM login_failures WHERE tenant_id = $1 AND key = $2', [tenantId, key])
      return rows[0] ? toLoginFailure(rows[0]) : null
    },
    async count(tenantId, key, now, windowMs) {
      // One statement, so two guesses at the same moment both count (a read-then-write would let
      // parallel guesses share one increment).
      const rows = await sql.query(
        `INSERT INTO login_failures AS f (tenant_id, key, failures, window_start, locked_until) VALUES ($1, $2, 1, $3, NULL)
         ON CONFLICT (tenant_id, key) DO UPDATE SET
           failures = CASE WHEN f.locked_until > $3 THEN f.failures
                           WHEN f.window_start <= $3::timestamptz - make_interval(secs => $4 / 1000.0) OR f.locked_until IS NOT NULL THEN 1
                           ELSE f.failures + 1 END,
           window_start = CASE WHEN f.locked_until > $3 THEN f.window_start
                               WHEN f.window_start <= $3::timestamptz - make_interval(secs => $4 / 1000.0) OR f.locked_until IS NOT NULL THEN $3
                               ELSE f.window_start END,
           locked_until = CASE WHEN f.locked_until > $3 THEN f.locked_until END
         RETURNING *`,
        [tenantId, key, now, windowMs],
      )
      return toLoginFailure(rows[0]!)
    },
    async put(tenantId, key, f) {
      await sql.query(
        `INSERT INTO login_failures (tenant_id, key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, key) DO UPDATE SET failures = EXCLUDED.failures, window_start = EXCLUDED.window_start, locked_until = EXCLUDED.locked_until`,
        [tenantId, key, f.failures, f.windowStart, f.lockedUntil],
      )
    },
    async forgive(tenantId, key) {
      if (!isStorableKey(key)) return
      await sql.query('UPDATE login_failures SET failures = failures - 1 WHERE tenant_id = $1 AND key = $2 AND failures > 0 AND locked_until IS NULL', [tenantId, key])
    },
    async clear(tenantId, key) {
      if (!isStorableKey(key)) return
      await sql.query('DELETE FROM login_failures WHERE tenant_id = $1 AND key = $2', [tenantId, key])
    },
  }
}

export function signInHousekeeping(sql: Sql): SignInHousekeeping {
  return {
    async purgeExpired(now) {
      let n = 0
      for (const statement of [
        'DELETE FROM sessions WHERE expires <= $1',
        'DELETE FROM saml_requests WHERE expires <= $1',
        'DELETE FROM saml_assertions WHERE expires <= $1',
        // A day-old window with no lock running counts for nothing any more.
        `DELETE FROM login_failures WHERE window_start <= $1::timestamptz - interval '1 day' AND (locked_until IS NULL OR locked_until <= $1)`,
      ]) {
        n += (await sql.query(`${statement} RETURNING 1`, [now])).length
      }
      return n
    },
  }
}

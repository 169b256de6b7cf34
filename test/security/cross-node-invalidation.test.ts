/**
 * Trust finding (issues 15 and 16): several Roster nodes share one database, and each keeps
 * caches (verified SCIM tokens with their tenant's settings, custom attribute definitions). A
 * credential revoked through one node must stop working on every node at once, not when another
 * node's cache happens to expire; a change to a tenant or its schema must show on every node.
 *
 * Two nodes (stores and apps) on one PostgreSQL server database, each with its own token cache
 * trusted for a minute, so only the database's invalidation notices can explain a prompt refusal.
 * Then node B's listening connection is killed: B must neither serve what it cached (a revocation
 * sent meanwhile never reaches it) nor stay uncached once it listens again.
 */
import assert from 'node:assert/strict'
import pg from 'pg'
import request from 'supertest'
import { freshServerDatabase, silentLog } from '../support/stores.js'
import { testApp } from '../support/app.js'
import { until } from '../support/wait.js'
import { openPg } from '../../src/store/postgres/pg-database.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { postgresStore } from '../../src/store/postgres/store.js'
import { issueToken, revokeToken, TokenCache, type IssuedToken } from '../../src/domain/credentials/tokens.js'
import { createTenant, updateTenant } from '../../src/domain/tenancy/tenants.js'
import { defineAttribute } from '../../src/domain/identity/custom-attributes.js'
import { CUSTOM_ATTRIBUTES_URN } from '../../src/domain/identity/custom-attribute-model.js'
import type { Actor } from '../../src/domain/audit/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { Store } from '../../src/domain/store.js'
import type { Database } from '../../src/store/postgres/sql.js'

const actor: Actor = { type: 'system', id: null, label: 'cross-node test' }
/** What "at once" means across nodes: a notice takes milliseconds; a cache entry lives a minute. */
const PROMPTLY_MS = 1000
const CACHE_TTL_MS = 60_000
// Long enough that a revocation made right after B loses its listener falls into the gap.
const RECONNECT_MS = 1500

interface Node {
  db: Database
  store: Store
  tokens: TokenCache
  callback: ReturnType<typeof testApp>['callback']
  close(): Promise<void>
}

function openNode(url: string, name: string): Node {
  const db = openPg({ connectionString: url, max: 4, connectTimeoutMs: 5000, log: silentLog, applicationName: `roster-${name}`, noticeReconnect: { minMs: RECONNECT_MS, maxMs: RECONNECT_MS } })
  const store = postgresStore(db)
  const tokens = TokenCache.following(store.notices.feed, CACHE_TTL_MS)
  const { callback } = testApp(store, { tokens })
  return { db, store, tokens, callback, close: () => db.close() }
}

const scim = (node: Node, token: IssuedToken, path = '/Users?count=0') => request(node.callback).get(`/scim/v2${path}`).set('Authorization', `Bearer ${token.secret}`)
const answers = async (node: Node, token: IssuedToken) => (await scim(node, token)).status

describe('cross-node cache invalidation (PostgreSQL server)', function () {
  this.timeout(60_000)
  let fresh: Awaited<ReturnType<typeof freshServerDatabase>> | undefined
  let a: Node
  let b: Node
  let tenant: Tenant
  let n = 0
  const issue = () => issueToken(a.store, tenant, `token-${n++}`, actor)

  before(async function () {
    if (!process.env.TEST_DATABASE_URL && process.env.CI !== 'true') this.skip()
    fresh = await freshServerDatabase()
    a = openNode(fresh.url, 'node-a')
    b = openNode(fresh.url, 'node-b')
    await migrate(a.db)
    tenant = await createTenant(a.store, actor, { slug: `cross-${Date.now().toString(36)}`, source: 'scim' })
    await until('both nodes listen', 10_000, () => a.store.notices.feed.delivering && b.store.notices.feed.delivering)
  })
  after(async () => {
    await a?.close()
    await b?.close()
    await fresh?.drop()
  })

  it('refuses on node B, within a second, a SCIM token revoked through node A', async () => {
    const token = await issue()
    assert.equal(await answers(b, token), 200)
    assert.ok(b.tokens.get(token.token.id), 'node B caches the verified token')
    await revokeToken(a.store, tenant, token.token.label, actor, null, a.tokens)
    await until('node B refuses the revoked token', PROMPTLY_MS, async () => (await answers(b, token)) === 401)
    assert.equal(await answers(a, token), 401)
  })

  it('forgets on node B the tenant settings its cached tokens carry when node A changes the tenant', async () => {
    const token = await issue()
    assert.equal(await answers(b, token), 200)
    assert.notEqual(b.tokens.get(token.token.id)?.auth.tenant.settings.scimStrict, true)
    await updateTenant(a.store, actor, tenant.slug, { scimStrict: true })
    await until('node B forgets the entry', PROMPTLY_MS, () => b.tokens.get(token.token.id) === undefined)
    assert.equal(await answers(b, token), 200)
    assert.equal(b.tokens.get(token.token.id)?.auth.tenant.settings.scimStrict, true)
  })

  it('shows on node B, within a second, a custom attribute defined through node A', async () => {
    const token = await issue()
    const schemas = async () => JSON.stringify((await scim(b, token, '/Schemas').expect(200)).body)
    assert.ok(!(await schemas()).includes(CUSTOM_ATTRIBUTES_URN), 'no extension before any definition')
    await defineAttribute(a.store, { tenant, actor, requestId: null }, { name: 'costCentre', label: 'Cost centre', type: 'text' })
    await until("node B's /Schemas lists the new attribute", PROMPTLY_MS, async () => (await schemas()).includes('costCentre'))
  })

  it('bypasses the cache on node B while its listener is lost, and caches again once it is back', async () => {
    const cached = await issue()
    const other = await issue()
    assert.equal(await answers(b, cached), 200)
    assert.ok(b.tokens.get(cached.token.id))

    const admin = new pg.Client({ connectionString: fresh!.url })
    await admin.connect()
    try {
      const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'roster-node-b-notices' AND datname = current_database()`)
      assert.equal(killed.rowCount, 1, "node B's listening session")
    } finally {
      await admin.end()
    }
    await until('node B knows its notices are not delivered', 5000, () => !b.store.notices.feed.delivering)
    assert.equal(b.tokens.get(cached.token.id), undefined, 'what B cached is dropped')

    // Revoked while B cannot hear it: B must still refuse, and must not cache what it verifies.
    await revokeToken(a.store, tenant, cached.token.label, actor, null, a.tokens)
    assert.equal(await answers(b, cached), 401)
    assert.equal(await answers(b, other), 200)
    assert.equal(b.tokens.get(other.token.id), undefined, 'nothing is cached while notices may be missed')

    await until('node B listens again', 15_000, () => b.store.notices.feed.delivering)
    assert.equal(await answers(b, other), 200)
    assert.ok(b.tokens.get(other.token.id), 'node B caches again')
    assert.equal(await answers(b, cached), 401)
    await revokeToken(a.store, tenant, other.token.label, actor, null, a.tokens)
    await until('node B refuses a token revoked after it reconnected', PROMPTLY_MS, async () => (await answers(b, other)) === 401)
  })
})

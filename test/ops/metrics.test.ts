/**
 * Metrics (issue 16, item 2): Roster started with METRICS_PORT serves Prometheus text on that port
 * only. Under a load of SCIM writes and reads, password sign-ins (a failed one and a lockout
 * included) and a directory sync against a real OpenLDAP, the scrape shows each series with the
 * counts the load implies, every label bounded (route templates, never ids, names or tokens).
 * Both stores: the embedded one syncs inside the server, the server database with SYNC_WORKER=on.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { loadConfig } from '../../src/config.js'
import { startService, type Service } from '../../src/service.js'
import { PrometheusMetrics } from '../../src/ops/metrics.js'
import { scimOperationOf } from '../../src/scim/metrics.js'
import type { SlapdServer } from '../services/slapd.mjs'
import { openLdapServer } from '../support/directories.js'
import { tempDir } from '../support/process.js'
import { freshServerDatabase } from '../support/stores.js'
import { syncTenant, testKey, type DirectoryTarget } from '../support/sync.js'
import { until } from '../support/wait.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The Prometheus text exposition format (version 0.0.4): one sample per line, `#` lines are HELP/TYPE. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) types.set(type[1]!, type[2]!)
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line)
    assert.ok(m, `not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return { samples, types }
}

class Scrape {
  constructor(
    readonly samples: Sample[],
    readonly types: Map<string, string>,
    readonly text: string,
  ) {}

  static async of(service: Service): Promise<Scrape> {
    const res = await fetch(`http://127.0.0.1:${service.metrics!.port}/metrics`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    const { samples, types } = parseExposition(text)
    return new Scrape(samples, types, text)
  }

  /** The sum of the samples of `name` whose labels include `labels` (0 when none). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((sum, s) => sum + s.value, 0)
  }

  matching(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }
}

interface Place {
  name: 'pglite' | 'postgres'
  env(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }>
}

const places: Place[] = [
  {
    name: 'pglite',
    async env() {
      const dir = tempDir('roster-metrics-')
      return { env: { DATA_DIR: dir }, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) }
    },
  },
]
if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') {
  places.push({
    name: 'postgres',
    async env() {
      const db = await freshServerDatabase()
      return { env: { DATABASE_URL: db.url, SYNC_WORKER: 'on', DATABASE_POOL_MAX: '7' }, dispose: () => db.drop() }
    },
  })
}

const silent = pino({ level: 'silent' })
const USERS = 4
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

async function start(env: Record<string, string>): Promise<Service> {
  return startService(
    loadConfig({
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      ENCRYPTION_KEY: testKey.toString('base64'),
      // The scheduler's first round finds no directory-managed tenant; the test adds one, and the
      // next round (a second later) syncs it.
      SYNC_INTERVAL: '1s',
      LOGIN_MAX_FAILURES: '2',
      TOKEN_USAGE_FLUSH_INTERVAL: '1h',
    }),
    silent,
  )
}

/** A password sign-in through the form, as a browser does it; resolves with the status. */
async function signIn(base: string, slug: string, username: string, password: string): Promise<number> {
  const form = await fetch(`${base}/login/${slug}`)
  const formCookie = form.headers.getSetCookie().find((c) => c.startsWith('roster_form='))!.split(';')[0]!
  const res = await fetch(`${base}/login/${slug}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { Cookie: formCookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ formToken: formCookie.split('=')[1]!, username, password }).toString(),
  })
  await res.arrayBuffer()
  return res.status
}

for (const place of places) {
  describe(`metrics on METRICS_PORT (${place.name})`, function () {
    this.timeout(120_000)
    let ldap: SlapdServer
    let target: DirectoryTarget

    before(async function () {
      ldap = await openLdapServer(this)
      const ou = `ou=metrics${randomBytes(4).toString('hex')},${ldap.suffix}`
      const records = [`dn: ${ou}\nobjectClass: organizationalUnit\nou: ${ou.split(',')[0]!.slice(3)}\n`]
      for (let i = 0; i < USERS; i++) records.push(`dn: uid=m${i},${ou}\nobjectClass: inetOrgPerson\nuid: m${i}\ncn: M ${i}\nsn: M\nmail: m${i}@example.org\n`)
      records.push(`dn: cn=staff,${ou}\nobjectClass: groupOfNames\ncn: staff\n${Array.from({ length: USERS }, (_, i) => `member: uid=m${i},${ou}\n`).join('')}`)
      await ldap.ldif(records.join('\n'))
      target = { preset: 'openldap', url: ldap.url, startTls: true, caFile: ldap.caFile!, bindDn: ldap.bindDn, password: ldap.password, baseDns: [ou] }
    })

    it('counts a load of SCIM operations, sign-ins, a lockout and a sync run, by bounded labels only', async () => {
      const { env, dispose } = await place.env()
      const service = await start({ ...env, METRICS_PORT: '0' })
      try {
        assert.ok(service.metrics, 'a metrics listener')
        assert.notEqual(service.metrics.port, service.http.port)
        const first = service.firstStart!
        const base = `http://127.0.0.1:${service.http.port}`
        const scim = async (method: string, path: string, body?: unknown, token = first.scimToken) => {
          const res = await fetch(`${base}/scim/v2${path}`, {
            method,
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          })
          const text = await res.text()
          return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> }
        }

        // SCIM: writes, reads, refusals.
        const ids: string[] = []
        for (let i = 0; i < 3; i++) {
          const created = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `load-${i}@example.org` })
          assert.equal(created.status, 201)
          ids.push(String(created.body.id))
        }
        assert.equal((await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'load-0@example.org' })).status, 409)
        assert.equal((await scim('GET', `/Users/${ids[0]}`)).status, 200)
        assert.equal((await scim('GET', '/Users/00000000-0000-4000-8000-000000000000')).status, 404)
        assert.equal((await scim('GET', '/Users?filter=userName%20sw%20%22load%22')).status, 200)
        assert.equal((await scim('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "load"' })).status, 200)
        assert.equal((await scim('POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName sw "load"' })).status, 200)
        assert.equal((await scim('PATCH', `/Users/${ids[1]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 200)
        assert.equal((await scim('PUT', `/Users/${ids[1]}`, { schemas: [USER_SCHEMA], userName: 'load-1@example.org', active: true })).status, 200)
        assert.equal((await scim('DELETE', `/Users/${ids[2]}`)).status, 204)
        const bulk = await scim('POST', '/Bulk', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [{ method: 'POST', path: '/Users', bulkId: 'b1', data: { schemas: [USER_SCHEMA], userName: 'bulk-0@example.org' } }],
        })
        assert.equal(bulk.status, 200)
        assert.equal((await scim('GET', '/ServiceProviderConfig')).status, 200)
        assert.equal((await scim('GET', '/Schemas')).status, 200)
        assert.equal((await scim('GET', '/Users', undefined, 'rst_not-a-token')).status, 401)
        assert.equal((await fetch(`${base}/no/such/${ids[0]}`)).status, 404)

        // Sign-ins: one right, one wrong password; an unknown name until it is locked out
        // (LOGIN_MAX_FAILURES=2: the third failure begins the lockout).
        assert.equal(await signIn(base, first.tenantSlug, first.adminUserName, first.adminPassword), 303)
        assert.equal(await signIn(base, first.tenantSlug, first.adminUserName, 'wrong password'), 401)
        for (const expected of [401, 401, 429, 429]) assert.equal(await signIn(base, first.tenantSlug, 'nobody-here', 'guess'), expected)

        // A directory-managed tenant: the scheduler's next round syncs it.
        const synced = await syncTenant(service.store, target, 'metrics')

        // The main port does not serve metrics.
        const onMain = await fetch(`${base}/metrics`)
        assert.equal(onMain.status, 404)
        assert.doesNotMatch(await onMain.text(), /roster_http_requests_total/)

        let scrape = await Scrape.of(service)
        await until('the sync run is in the metrics', 60_000, async () => {
          scrape = await Scrape.of(service)
          return scrape.value('roster_sync_last_success_timestamp_seconds', { tenant: synced.tenant.slug }) > 0
        })

        // Types as documented.
        for (const [name, type] of Object.entries({
          roster_http_requests_total: 'counter',
          roster_http_request_duration_seconds: 'histogram',
          roster_http_requests_in_flight: 'gauge',
          roster_db_statement_duration_seconds: 'histogram',
          roster_db_pool_connections: 'gauge',
          roster_db_pool_max: 'gauge',
          roster_db_pool_waiting: 'gauge',
          roster_db_errors_total: 'counter',
          roster_scim_operations_total: 'counter',
          roster_sync_run_duration_seconds: 'histogram',
          roster_sync_changes_total: 'counter',
          roster_sync_refusals_total: 'counter',
          roster_sync_entry_errors_total: 'counter',
          roster_sync_last_success_timestamp_seconds: 'gauge',
          roster_sign_ins_total: 'counter',
          roster_lockouts_total: 'counter',
        })) {
          assert.equal(scrape.types.get(name.replace(/_total$/, '')) ?? scrape.types.get(name), type, name)
        }

        // HTTP: by route template, method and status.
        const http = (method: string, route: string, status: string) => scrape.value('roster_http_requests_total', { method, route, status })
        assert.equal(http('POST', '/scim/v2/Users', '201'), 3)
        assert.equal(http('POST', '/scim/v2/Users', '409'), 1)
        assert.equal(http('GET', '/scim/v2/Users/:id', '200'), 1)
        assert.equal(http('GET', '/scim/v2/Users/:id', '404'), 1)
        assert.equal(http('DELETE', '/scim/v2/Users/:id', '204'), 1)
        assert.equal(http('POST', '/login/:slug', '303'), 1)
        assert.equal(http('POST', '/login/:slug', '401'), 3)
        assert.equal(http('POST', '/login/:slug', '429'), 2)
        assert.equal(http('GET', 'unmatched', '401'), 1, 'an unauthenticated SCIM request matched no route yet')
        assert.equal(http('GET', 'unmatched', '404'), 2, '/no/such/… and /metrics on the main port')
        assert.equal(scrape.value('roster_http_request_duration_seconds_count', { method: 'POST', route: '/scim/v2/Users' }), 4)
        assert.equal(scrape.value('roster_http_request_duration_seconds_bucket', { method: 'POST', route: '/scim/v2/Users', le: '+Inf' }), 4)

        // SCIM operations.
        const op = (operation: string, resource_type: string, outcome: string) => scrape.value('roster_scim_operations_total', { operation, resource_type, outcome })
        assert.equal(op('create', 'User', 'success'), 3)
        assert.equal(op('create', 'User', 'refused'), 1)
        assert.equal(op('get', 'User', 'success'), 1)
        assert.equal(op('get', 'User', 'refused'), 1)
        assert.equal(op('list', 'User', 'success'), 1)
        assert.equal(op('search', 'User', 'success'), 1)
        assert.equal(op('search', 'all', 'success'), 1)
        assert.equal(op('patch', 'User', 'success'), 1)
        assert.equal(op('replace', 'User', 'success'), 1)
        assert.equal(op('delete', 'User', 'success'), 1)
        assert.equal(op('bulk', 'Bulk', 'success'), 1)
        assert.equal(op('get', 'ServiceProviderConfig', 'success'), 1)
        assert.equal(op('list', 'Schema', 'success'), 1)
        assert.equal(scrape.value('roster_scim_operations_total'), 15, 'the 401 and the unknown path are no operations')

        // Sign-ins and the lockout.
        assert.equal(scrape.value('roster_sign_ins_total', { method: 'password', outcome: 'success', reason: 'none' }), 1)
        assert.equal(scrape.value('roster_sign_ins_total', { method: 'password', outcome: 'refused' }), 5)
        assert.equal(scrape.value('roster_sign_ins_total', { method: 'password', outcome: 'refused', reason: 'locked-out' }), 2)
        assert.equal(scrape.value('roster_lockouts_total', { scope: 'account' }), 1)
        assert.equal(scrape.value('roster_lockouts_total', { scope: 'client_address' }), 0)

        // The sync run: a full run that created the users and the group with its members.
        assert.ok(scrape.value('roster_sync_run_duration_seconds_count', { mode: 'full', status: 'succeeded' }) >= 1)
        assert.equal(scrape.value('roster_sync_run_duration_seconds_count', { status: 'failed' }), 0)
        assert.equal(scrape.value('roster_sync_changes_total', { resource: 'user', change: 'created' }), USERS)
        assert.equal(scrape.value('roster_sync_changes_total', { resource: 'group', change: 'created' }), 1)
        assert.equal(scrape.value('roster_sync_changes_total', { resource: 'membership', change: 'added' }), USERS)
        const lastSuccess = scrape.value('roster_sync_last_success_timestamp_seconds', { tenant: synced.tenant.slug })
        assert.ok(Math.abs(lastSuccess - Date.now() / 1000) < 120, `last success ${lastSuccess} is recent`)
        assert.deepEqual(new Set(scrape.matching('roster_sync_last_success_timestamp_seconds').map((s) => s.labels.tenant)), new Set([synced.tenant.slug]))

        // The database: statements timed, the pool as this store has it.
        assert.ok(scrape.value('roster_db_statement_duration_seconds_count', { outcome: 'ok' }) > 50)
        assert.ok(scrape.value('roster_db_statement_duration_seconds_count', { outcome: 'error' }) >= 1, 'the duplicate userName failed a statement')
        assert.equal(scrape.value('roster_db_pool_max', { store: place.name }), place.name === 'postgres' ? 7 : 1)
        assert.equal(scrape.matching('roster_db_pool_connections', { store: place.name }).length, 2)
        assert.equal(scrape.value('roster_db_pool_waiting', { store: place.name }), 0)
        assert.equal(scrape.value('roster_db_errors_total'), 0)

        // Process metrics (collectDefaultMetrics).
        assert.ok(scrape.value('process_cpu_user_seconds_total') > 0)
        assert.ok(scrape.matching('nodejs_heap_size_used_bytes').length === 1)

        // No label carries an id, a user name or a token; routes are templates.
        const secrets = [...ids, first.scimToken, first.adminUserName, 'load-0@example.org', 'nobody-here', synced.token]
        for (const s of scrape.samples) {
          for (const [k, v] of Object.entries(s.labels)) {
            if (k === 'tenant') continue
            for (const secret of secrets) assert.ok(!v.includes(secret), `${s.name} label ${k}="${v}" carries "${secret}"`)
          }
        }
        const routes = new Set(scrape.matching('roster_http_requests_total').map((s) => s.labels.route!))
        for (const route of routes) assert.ok(route === 'unmatched' || route.startsWith('/'), route)
        assert.ok(![...routes].some((r) => /[0-9a-f]{8}-[0-9a-f]{4}-/.test(r)), [...routes].join(', '))

        // Only /metrics, only GET/HEAD on the metrics port.
        assert.equal((await fetch(`http://127.0.0.1:${service.metrics.port}/`)).status, 404)
        assert.equal((await fetch(`http://127.0.0.1:${service.metrics.port}/metrics`, { method: 'POST' })).status, 405)
      } finally {
        await service.stop()
        await dispose()
      }
      // The metrics listener closes with the service.
      await assert.rejects(fetch(`http://127.0.0.1:${service.metrics!.port}/metrics`))
    })

    it('opens no metrics listener without METRICS_PORT; the main port never serves /metrics', async () => {
      const { env, dispose } = await place.env()
      const service = await start(env)
      try {
        assert.equal(service.metrics, null)
        const res = await fetch(`http://127.0.0.1:${service.http.port}/metrics`)
        assert.equal(res.status, 404)
      } finally {
        await service.stop()
        await dispose()
      }
    })
  })
}

describe('metrics without a server', () => {
  it('counts sync refusals and failures, and sets no last success for them', async () => {
    const metrics = new PrometheusMetrics()
    const run = { tenant: 'acme', mode: 'full' as const, seconds: 2, finished: new Date(), changes: [], entryErrors: 0 }
    metrics.sync.run({ ...run, status: 'refused' })
    metrics.sync.run({ ...run, status: 'failed', entryErrors: 3 })
    const { samples } = parseExposition(await metrics.registry.metrics())
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0)
    assert.equal(value('roster_sync_refusals_total', { mode: 'full' }), 1)
    assert.equal(value('roster_sync_run_duration_seconds_count', { status: 'refused' }), 1)
    assert.equal(value('roster_sync_run_duration_seconds_count', { status: 'failed' }), 1)
    assert.equal(value('roster_sync_entry_errors_total'), 3)
    assert.equal(samples.filter((s) => s.name === 'roster_sync_last_success_timestamp_seconds').length, 0)
  })

  it('never lets a reporting fault reach the caller', () => {
    const metrics = new PrometheusMetrics()
    // A malformed report (prom-client throws on it) and a broken sampler: both swallowed.
    assert.doesNotThrow(() => metrics.sync.run(undefined as never))
    metrics.database.pool(() => {
      throw new Error('broken sampler')
    })
    return metrics.registry.metrics()
  })

  it('classifies SCIM operations by route template and method', () => {
    assert.deepEqual(scimOperationOf('GET', '/Users'), { operation: 'list', resourceType: 'User' })
    assert.deepEqual(scimOperationOf('GET', '/Groups/:id'), { operation: 'get', resourceType: 'Group' })
    assert.deepEqual(scimOperationOf('PUT', '/Groups/:id'), { operation: 'replace', resourceType: 'Group' })
    assert.deepEqual(scimOperationOf('POST', '/Groups/.search'), { operation: 'search', resourceType: 'Group' })
    assert.deepEqual(scimOperationOf('GET', '/Me'), { operation: 'get', resourceType: 'User' })
    assert.equal(scimOperationOf('GET', '/Unknown'), null)
  })
})

/**
 * Stopping a node (SIGTERM calls Service.stop) while its scheduler is in the middle of a directory
 * sync against a real OpenLDAP: the run either finishes within SHUTDOWN_TIMEOUT or stops between two
 * changes, recorded as interrupted with its lease released, so that the next run (another node) can
 * start at once and finishes the job. Token last-used times still in memory are written on the way
 * out. Both stores: the embedded one syncs inside the server, the server database with SYNC_WORKER=on.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import request from 'supertest'
import type { SlapdServer } from '../services/slapd.mjs'
import { loadConfig } from '../../src/config.js'
import type { Store } from '../../src/domain/store.js'
import { startService, type Service } from '../../src/service.js'
import { openStore } from '../../src/store/open.js'
import { DirectorySync, SyncBusyError } from '../../sync/service.js'
import { SHUTDOWN_MESSAGE } from '../../sync/run.js'
import { openLdapServer } from '../support/directories.js'
import { tempDir } from '../support/process.js'
import { freshServerDatabase, silentLog } from '../support/stores.js'
import { testApp } from '../support/app.js'
import { syncTenant, testBox, testKey, type DirectoryTarget } from '../support/sync.js'
import { until } from '../support/wait.js'

const USERS = 400
/** Small pages: the read takes many round trips, each behind a checkpoint. */
const PAGE_SIZE = 5
/** Far longer than the test: a lease left behind would make the next run fail with SyncBusyError. */
const LEASE_TTL = '10m'

interface Place {
  name: 'pglite' | 'postgres'
  env(): Promise<{ env: Record<string, string>; dispose(): Promise<void> }>
}

const places: Place[] = [
  {
    name: 'pglite',
    async env() {
      return { env: { DATA_DIR: tempDir('roster-graceful-') }, dispose: async () => {} }
    },
  },
]
if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') {
  places.push({
    name: 'postgres',
    async env() {
      const db = await freshServerDatabase()
      return { env: { DATABASE_URL: db.url, SYNC_WORKER: 'on' }, dispose: () => db.drop() }
    },
  })
}

async function openFor(env: Record<string, string>): Promise<Store> {
  return (await openStore(loadConfig(env), pino({ level: 'silent' }), { role: 'cli', command: 'test' })).store
}

for (const place of places) {
  describe(`graceful shutdown with a sync in progress (${place.name})`, function () {
    this.timeout(180_000)
    let ldap: SlapdServer
    let target: DirectoryTarget

    before(async function () {
      ldap = await openLdapServer(this)
      const ou = `ou=graceful${randomBytes(4).toString('hex')},${ldap.suffix}`
      const records = [`dn: ${ou}\nobjectClass: organizationalUnit\nou: ${ou.split(',')[0]!.slice(3)}\n`]
      for (let i = 0; i < USERS; i++) records.push(`dn: uid=g${i},${ou}\nobjectClass: inetOrgPerson\nuid: g${i}\ncn: G ${i}\nsn: G\nmail: g${i}@example.org\n`)
      records.push(`dn: cn=everyone,${ou}\nobjectClass: groupOfNames\ncn: everyone\n${Array.from({ length: USERS }, (_, i) => `member: uid=g${i},${ou}\n`).join('')}`)
      await ldap.ldif(records.join('\n'))
      target = { preset: 'openldap', url: ldap.url, startTls: true, caFile: ldap.caFile!, bindDn: ldap.bindDn, password: ldap.password, baseDns: [ou], pageSize: PAGE_SIZE }
    })

    /**
     * A service whose scheduler starts syncing a fresh tenant at once; resolves when that run is
     * reading the directory with at most half the users read (so pages, and checkpoints, remain).
     */
    async function serviceMidRun(env: Record<string, string>, shutdownTimeout: string) {
      const setup = await openFor(env)
      const tenant = await syncTenant(setup, target, 'graceful')
      await setup.close()
      const service = await startService(
        loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', ENCRYPTION_KEY: testKey.toString('base64'), SYNC_INTERVAL: '1h', SYNC_LEASE_TTL: LEASE_TTL, TOKEN_USAGE_FLUSH_INTERVAL: '1h', SHUTDOWN_TIMEOUT: shutdownTimeout }),
        pino({ level: 'silent' }),
      )
      let runId = ''
      await until('the scheduled run is reading the directory', 60_000, async () => {
        const [run] = await service.store.syncRuns.list(tenant.tenant.id, 1)
        if (!run) return false
        assert.equal(run.status, 'running', `the run ended before the test could stop it mid-run: ${run.status} ${run.message}`)
        const read = await service.store.syncSnapshot.count(tenant.tenant.id, run.id, 'user')
        runId = run.id
        return read > 0 && read <= USERS / 2
      }, 5)
      return { service, tenant, runId }
    }

    /** A SCIM request with the tenant's token over the service's own port: a use to record. */
    async function useToken(service: Service, token: string): Promise<void> {
      const res = await fetch(`http://127.0.0.1:${service.http.port}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${token}` } })
      assert.equal(res.status, 200)
    }

    /** The next run, as another node would start it right away: it must find the lease free. */
    async function nextRun(store: Store, tenantId: string) {
      const tenant = (await store.tenants.getById(tenantId))!
      const sync = new DirectorySync({ store, box: testBox, policy: { fullEvery: 1000, maxArchivePercent: 10, leaseTtlMs: 600_000 }, log: silentLog })
      try {
        return await sync.run(tenant, { trigger: 'cli', retryDelayMs: 50 })
      } catch (err) {
        if (err instanceof SyncBusyError) assert.fail(`the stopped node left its lease behind: ${err.message}`)
        throw err
      }
    }

    async function scimTotals(store: Store, token: string): Promise<{ users: number; members: number }> {
      const { callback } = testApp(store)
      const users = await request(callback).get('/scim/v2/Users?count=1').set('Authorization', `Bearer ${token}`).expect(200)
      const groups = await request(callback).get('/scim/v2/Groups').set('Authorization', `Bearer ${token}`).expect(200)
      const body = groups.body as { Resources: Array<{ displayName: string; members?: unknown[] }> }
      const everyone = body.Resources.find((g) => g.displayName === 'everyone')
      return { users: (users.body as { totalResults: number }).totalResults, members: everyone?.members?.length ?? 0 }
    }

    it('stops the run between two changes after SHUTDOWN_TIMEOUT: interrupted, lease released, the next run finishes it; token use flushed', async () => {
      const { env, dispose } = await place.env()
      try {
        const { service, tenant, runId } = await serviceMidRun(env, '0s')
        const usedAt = new Date()
        await useToken(service, tenant.token)
        await service.stop()

        const store = await openFor(env)
        try {
          const runs = await store.syncRuns.list(tenant.tenant.id, 10)
          assert.equal(runs.length, 1)
          const [run] = runs
          assert.equal(run!.id, runId)
          assert.equal(run!.status, 'failed')
          assert.equal(run!.message, SHUTDOWN_MESSAGE)
          assert.ok(run!.finished, 'the run is closed, not left running')
          assert.equal((await store.syncState.get(tenant.tenant.id)).lease, null, 'the lease is released')
          // Stopped while reading: nothing was written, and the mark did not move.
          assert.deepEqual(await scimTotals(store, tenant.token), { users: 0, members: 0 })
          assert.equal((await store.syncState.get(tenant.tenant.id)).highWaterMark, null)

          const [token] = await store.tokens.list(tenant.tenant.id)
          assert.ok(token!.lastUsed, 'the last use, still in memory at SIGTERM, was written on the way out')
          assert.ok(token!.lastUsed.getTime() >= usedAt.getTime() - 1000, `last used ${token!.lastUsed.toISOString()}, the request was at ${usedAt.toISOString()}`)

          const next = await nextRun(store, tenant.tenant.id)
          assert.equal(next.run.status, 'succeeded', next.run.message ?? '')
          assert.equal(next.run.counts.usersCreated, USERS)
          assert.deepEqual(await scimTotals(store, tenant.token), { users: USERS, members: USERS })
        } finally {
          await store.close()
        }
      } finally {
        await dispose()
      }
    })

    it('lets a run in progress finish within SHUTDOWN_TIMEOUT, and starts none after the stop', async () => {
      const { env, dispose } = await place.env()
      try {
        const { service, tenant, runId } = await serviceMidRun(env, '60s')
        await service.stop()

        const store = await openFor(env)
        try {
          const runs = await store.syncRuns.list(tenant.tenant.id, 10)
          assert.deepEqual(
            runs.map((r) => [r.id, r.status]),
            [[runId, 'succeeded']],
            runs.map((r) => r.message).join('; '),
          )
          assert.equal((await store.syncState.get(tenant.tenant.id)).lease, null)
          assert.deepEqual(await scimTotals(store, tenant.token), { users: USERS, members: USERS })
        } finally {
          await store.close()
        }
      } finally {
        await dispose()
      }
    })
  })
}

/**
 * Two workers never sync one tenant at once, and a run killed halfway leaves a consistent tenant
 * that the next run completes. Against a real OpenLDAP server, on every store backend; the real
 * SIGKILL happens to a `roster sync --once` process on the PostgreSQL server backend (a killed
 * process's embedded store cannot be read by another process while it runs).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import type { SlapdServer } from '../services/slapd.mjs'
import type { Store } from '../../src/domain/store.js'
import { openLdapServer } from '../support/directories.js'
import { ROOT, childEnv } from '../support/process.js'
import { backends, postgresBackend, silentLog, type TestStore } from '../support/stores.js'
import { defaultPolicy, syncTenant, testBox, testKey, type DirectoryTarget, type SyncTenant } from '../support/sync.js'
import { DirectorySync, SyncBusyError } from '../../sync/service.js'
import { until } from '../support/wait.js'

/** Runs a sync as soon as another worker's lease has run out: retried while the lease is held, until a deadline. */
async function syncOnceLeaseExpires(tenant: SyncTenant, deadlineMs = 15_000): ReturnType<SyncTenant['sync']> {
  let report: Awaited<ReturnType<SyncTenant['sync']>> | undefined
  await until("the other worker's lease runs out", deadlineMs, async () => {
    try {
      report = await tenant.sync()
      return true
    } catch (err) {
      if (err instanceof SyncBusyError) return false
      throw err
    }
  }, 25)
  return report!
}

/** An OU of `n` users and one group holding all of them, under the shared slapd. */
async function directory(ldap: SlapdServer, n: number): Promise<{ target: DirectoryTarget; ou: string }> {
  const ou = `ou=lease${randomBytes(4).toString('hex')},${ldap.suffix}`
  const records = [`dn: ${ou}\nobjectClass: organizationalUnit\nou: ${ou.split(',')[0]!.slice(3)}\n`]
  for (let i = 0; i < n; i++) {
    records.push(`dn: uid=u${i},${ou}\nobjectClass: inetOrgPerson\nuid: u${i}\ncn: User ${i}\nsn: S${i}\nmail: u${i}@example.org\n${i ? `manager: uid=u0,${ou}\n` : ''}`)
  }
  records.push(`dn: cn=everyone,${ou}\nobjectClass: groupOfNames\ncn: everyone\n${Array.from({ length: n }, (_, i) => `member: uid=u${i},${ou}\n`).join('')}`)
  await ldap.ldif(records.join('\n'))
  return {
    ou,
    target: { preset: 'openldap', url: ldap.url, startTls: true, caFile: ldap.caFile!, bindDn: ldap.bindDn, password: ldap.password, baseDns: [ou] },
  }
}

/** `store`, except that adding group members fails (in transactions too), as when the database goes away. */
function failingMembers(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'memberships') {
        const m = target.memberships
        const lost = () => Promise.reject(new Error('connection lost'))
        return { ...m, add: lost, addMany: lost }
      }
      if (prop === 'transaction') return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(failingMembers(tx)))
      return Reflect.get(target, prop, receiver) as unknown
    },
  })
}

async function auditBySync(store: Store, tenantId: string): Promise<number> {
  let n = 0
  let before: string | null = null
  for (;;) {
    const page = await store.audit.list(tenantId, { limit: 1000, before })
    n += page.items.filter((e) => e.actor.type === 'sync').length
    if (!page.next) return n
    before = page.next
  }
}

/** The tenant as the directory says it should be: n users, each with the manager, all in the group. */
async function assertComplete(t: SyncTenant, n: number): Promise<void> {
  const users = await t.scimUsers()
  assert.equal(users.size, n)
  const managerId = String(users.get('u0')!.id)
  for (let i = 1; i < n; i++) {
    const u = users.get(`u${i}`)!
    assert.equal((u.emails as Array<{ value: string }>)[0]!.value, `u${i}@example.org`)
    assert.equal((u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { manager: { value: string } }).manager.value, managerId)
  }
  const group = (await t.scimGroups()).get('everyone')!
  const res = await t.scim(`/Groups/${String(group.id)}`).expect(200)
  assert.equal((res.body as { members: unknown[] }).members.length, n)
}

for (const backend of backends()) {
  describe(`sync lease and crash safety (${backend.name})`, function () {
    this.timeout(120_000)
    let ldap: SlapdServer
    let t: TestStore

    before(async function () {
      ldap = await openLdapServer(this)
      t = await backend.open()
    })
    after(async () => {
      await t?.dispose()
    })

    it('lets exactly one of two concurrent runs of a tenant go ahead; the other is told who holds it', async () => {
      const { target } = await directory(ldap, 30)
      const tenant = await syncTenant(t.store, target)
      const results = await Promise.allSettled([tenant.sync(), tenant.sync()])
      const ok = results.filter((r) => r.status === 'fulfilled')
      const busy = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      assert.equal(ok.length, 1)
      assert.equal(busy.length, 1)
      assert.ok(busy[0]!.reason instanceof SyncBusyError)
      assert.match((busy[0]!.reason as Error).message, /being synced by another worker/)
      assert.equal((ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof tenant.sync>>>).value.run.status, 'succeeded')
      // Only the run that went ahead is recorded, and the lease is free again.
      assert.equal((await t.store.syncRuns.list(tenant.tenant.id, 10)).length, 1)
      assert.equal((await t.store.syncState.get(tenant.tenant.id)).lease, null)
      assert.equal((await tenant.sync()).run.status, 'succeeded')
    })

    it('waits for a live lease of another worker and takes over an expired one, closing the dead run', async () => {
      const { target } = await directory(ldap, 5)
      const tenant = await syncTenant(t.store, target)
      const id = tenant.tenant.id
      const ghostRun = '00000000-0000-4000-8000-000000000001'
      await t.store.syncRuns.insert({ id: ghostRun, tenantId: id, mode: 'full', dryRun: false, forced: false, trigger: 'scheduler', holder: 'ghost:1' })
      assert.equal((await t.store.syncState.acquireLease(id, 'ghost:1', ghostRun, 60_000)).acquired, true)
      await assert.rejects(tenant.sync(), (err: Error) => err instanceof SyncBusyError && /ghost:1/.test(err.message))
      // The ghost's lease runs out (its worker died): the next run goes ahead and closes the ghost's run.
      assert.equal((await t.store.syncState.acquireLease(id, 'ghost:1', ghostRun, 1)).acquired, true)
      const report = await syncOnceLeaseExpires(tenant)
      assert.equal(report.run.status, 'succeeded')
      const ghost = await t.store.syncRuns.get(id, ghostRun)
      assert.equal(ghost!.status, 'failed')
      assert.match(ghost!.message!, /interrupted/)
    })

    it('a run that fails halfway through its changes leaves whole records, and the next run completes the job', async () => {
      const n = 40
      const { target } = await directory(ldap, n)
      const tenant = await syncTenant(t.store, target)
      // The same tenant through a store that fails once users and groups are written, when the
      // members are added.
      const first = await new DirectorySync({ store: failingMembers(t.store), box: testBox, policy: defaultPolicy, log: silentLog }).run(tenant.tenant, { trigger: 'cli' })
      assert.equal(first.run.status, 'failed')
      assert.match(first.run.message!, /connection lost/)
      const partial = await tenant.scimUsers()
      assert.equal(partial.size, n)
      for (const u of partial.values()) assert.equal((u.emails as unknown[]).length, 1, 'every stored user is whole')
      const group = (await tenant.scimGroups()).get('everyone')!
      assert.equal(((await tenant.scim(`/Groups/${String(group.id)}`).expect(200)).body as { members?: unknown[] }).members?.length ?? 0, 0)
      // The mark did not move: the next run skips nothing.
      assert.equal((await t.store.syncState.get(tenant.tenant.id)).highWaterMark, null)
      const again = await tenant.sync()
      assert.equal(again.run.status, 'succeeded')
      assert.equal(again.run.counts.errors, 0)
      assert.equal(again.run.counts.usersCreated, 0)
      assert.equal(again.run.counts.membersAdded, n)
      await assertComplete(tenant, n)
    })
  })
}

describe('sync killed with SIGKILL mid-run (PostgreSQL server)', function () {
  this.timeout(180_000)
  let ldap: SlapdServer
  let t: TestStore

  before(async function () {
    if (!process.env.TEST_DATABASE_URL && process.env.CI !== 'true') this.skip()
    ldap = await openLdapServer(this)
    t = await postgresBackend.open()
  })
  after(async () => {
    await t?.dispose()
  })

  it('leaves every committed change whole, and the next run finishes the job and closes the dead run', async () => {
    // Users are created 500 to a statement: enough of them that the run is caught between batches.
    const n = 4000
    const { target } = await directory(ldap, n)
    const tenant = await syncTenant(t.store, target)
    const id = tenant.tenant.id
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/roster.js'), 'sync', '--tenant', tenant.tenant.slug, '--once'], {
      env: childEnv({ DATABASE_URL: t.url, ENCRYPTION_KEY: testKey.toString('base64'), SYNC_LEASE_TTL: '1s', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Kill it once its first batch of users is in: well before it could finish.
    let written = 0
    for (let i = 0; i < 6000 && written < 1; i++) {
      written = await auditBySync(t.store, id)
      if (child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 10))
    }
    assert.equal(child.exitCode, null, `the sync finished before it could be killed: ${stderr}`)
    child.kill('SIGKILL')
    await exited

    const runs = await t.store.syncRuns.list(id, 5)
    assert.equal(runs[0]!.status, 'running', 'the killed run could not record its end')
    const users = await tenant.scimUsers()
    assert.ok(users.size > 0 && users.size < n, `a partial state: ${users.size} of ${n}`)
    for (const u of users.values()) assert.match(String((u.emails as Array<{ value: string }>)[0]!.value), /@example\.org$/)
    assert.equal((await t.store.syncState.get(id)).highWaterMark, null, 'no mark: nothing is skipped next time')

    // Its lease lasts SYNC_LEASE_TTL=1s; then the next run takes over.
    const report = await syncOnceLeaseExpires(tenant)
    assert.equal(report.run.status, 'succeeded', report.run.message ?? '')
    assert.equal(report.run.counts.usersCreated, n - users.size)
    const dead = await t.store.syncRuns.get(id, runs[0]!.id)
    assert.equal(dead!.status, 'failed')
    assert.match(dead!.message!, /interrupted/)
    await assertComplete(tenant, n)
  })
})

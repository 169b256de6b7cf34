/**
 * The scheduler runs by itself: inside `npm start` with the embedded store, and as the `roster sync`
 * worker next to a PostgreSQL server. Both are real processes here, syncing a real OpenLDAP.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pino from 'pino'
import type { SlapdServer } from '../services/slapd.mjs'
import { loadConfig } from '../../src/config.js'
import { openStore } from '../../src/store/open.js'
import { openLdapServer } from '../support/directories.js'
import { ROOT, childEnv, startServer, tempDir } from '../support/process.js'
import { postgresBackend, type TestStore } from '../support/stores.js'
import { syncTenant, testKey, type DirectoryTarget } from '../support/sync.js'

async function directory(ldap: SlapdServer, n: number): Promise<DirectoryTarget> {
  const ou = `ou=sched${randomBytes(4).toString('hex')},${ldap.suffix}`
  const records = [`dn: ${ou}\nobjectClass: organizationalUnit\nou: ${ou.split(',')[0]!.slice(3)}\n`]
  for (let i = 0; i < n; i++) records.push(`dn: uid=s${i},${ou}\nobjectClass: inetOrgPerson\nuid: s${i}\ncn: S ${i}\nsn: S\n`)
  await ldap.ldif(records.join('\n'))
  return { preset: 'openldap', url: ldap.url, startTls: true, caFile: ldap.caFile!, bindDn: ldap.bindDn, password: ldap.password, baseDns: [ou] }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('sync scheduler', function () {
  this.timeout(120_000)
  let ldap: SlapdServer

  before(async function () {
    ldap = await openLdapServer(this)
  })

  it('runs inside npm start with the embedded store, and stops cleanly with the server', async () => {
    const dataDir = tempDir('roster-sched-')
    const target = await directory(ldap, 7)
    const opened = await openStore(loadConfig({ DATA_DIR: dataDir }), pino({ level: 'silent' }), { role: 'cli', command: 'test' })
    const tenant = await syncTenant(opened.store, target)
    await opened.store.close()

    const server = await startServer({ DATA_DIR: dataDir, ENCRYPTION_KEY: testKey.toString('base64'), SYNC_INTERVAL: '1s' })
    try {
      const total = await until('the scheduler to sync the tenant', async () => {
        const res = await fetch(`${server.baseUrl}/scim/v2/Users`, { headers: { Authorization: `Bearer ${tenant.token}` } })
        const body = (await res.json()) as { totalResults: number }
        return body.totalResults === 7 ? body.totalResults : undefined
      })
      assert.equal(total, 7)
    } finally {
      assert.equal(await server.stop(), 0)
    }
  })

  it('runs as `roster sync`, the worker for a PostgreSQL server, until SIGTERM', async function () {
    if (!process.env.TEST_DATABASE_URL && process.env.CI !== 'true') this.skip()
    const t: TestStore = await postgresBackend.open()
    try {
      const tenant = await syncTenant(t.store, await directory(ldap, 4))
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/roster.js'), 'sync'], {
        env: childEnv({ DATABASE_URL: t.url, ENCRYPTION_KEY: testKey.toString('base64'), SYNC_INTERVAL: '1s', LOG_LEVEL: 'warn' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      // Two runs: the worker keeps going on its interval.
      const runs = await until('two scheduled runs', async () => {
        const list = await t.store.syncRuns.list(tenant.tenant.id, 10)
        return list.filter((r) => r.status === 'succeeded').length >= 2 ? list : undefined
      })
      assert.ok(runs.every((r) => r.trigger === 'scheduler'))
      assert.equal((await tenant.scimUsers()).size, 4)
      child.kill('SIGTERM')
      assert.equal(await exited, 0, stderr)
    } finally {
      await t.dispose()
    }
  })
})

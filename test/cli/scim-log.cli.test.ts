/**
 * `roster scim log` and `roster tenant update --provisioning-log`, on both stores: the embedded
 * PGlite database (DATA_DIR) and a PostgreSQL server (DATABASE_URL). The log's entries are appended
 * through the store port, as the SCIM layer's writer does, so that the test reads exactly them.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { openStore } from '../../src/store/open.js'
import type { NewProvisioningEntry } from '../../src/domain/provisioning/model.js'
import { runCli, tempDir } from '../support/process.js'
import { freshServerDatabase, silentLog } from '../support/stores.js'

interface Place {
  name: string
  env: Record<string, string>
  options: { dataDir: string; databaseUrl?: string }
  dispose(): Promise<void>
}

async function pglitePlace(): Promise<Place> {
  const dir = tempDir()
  const dataDir = path.join(dir, 'data')
  return { name: 'PGlite', env: { DATA_DIR: dataDir }, options: { dataDir }, dispose: async () => fs.rmSync(dir, { recursive: true, force: true }) }
}

async function postgresPlace(): Promise<Place> {
  // Under CI a missing server fails here (requireServerUrl), never skips.
  const db = await freshServerDatabase()
  const dir = tempDir()
  return { name: 'PostgreSQL', env: { DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'unused') }, options: { dataDir: path.join(dir, 'unused'), databaseUrl: db.url }, dispose: () => db.drop() }
}

const places: Array<[string, () => Promise<Place>]> = [['PGlite', pglitePlace]]
if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') places.push(['PostgreSQL', postgresPlace])
else console.warn('TEST_DATABASE_URL is not set: roster scim log is tested on PGlite only')

const body = (value: unknown) => ({ json: value === null ? null : JSON.stringify(value), truncated: false })

for (const [name, open] of places) {
  describe(`roster scim log (${name})`, function () {
    // Several CLI processes, each opening the database (seconds apiece on a loaded machine).
    this.timeout(180_000)
    let place: Place
    const roster = (args: string[]) => runCli(args, place.env)

    async function append(entries: Array<Omit<NewProvisioningEntry, 'tenantId'>>): Promise<void> {
      const opened = await openStore({ ...place.options, databasePoolMax: 1, databaseConnectTimeoutMs: 5000 }, silentLog, { role: 'cli', command: 'test' })
      try {
        const tenant = (await opened.store.tenants.getBySlug('acme'))!
        await opened.store.provisioningLog.appendMany(entries.map((e) => ({ ...e, tenantId: tenant.id })))
      } finally {
        await opened.store.close()
      }
    }

    before(async () => {
      place = await open()
      const created = await roster(['tenant', 'create', 'acme', '--source', 'scim'])
      assert.equal(created.code, 0, created.stderr)
      const common = { durationMs: 12, token: { id: 't1', label: 'Entra ID' }, resourceType: 'User', notes: [] }
      await append([
        { ...common, at: new Date('2026-12-07T10:00:00Z'), method: 'POST', path: '/scim/v2/Users', status: 201, requestId: 'r1', resourceId: 'u1', resourceName: 'ann.lee', request: body({ userName: 'ann.lee', password: '[redacted]' }), response: body({ id: 'u1', userName: 'ann.lee' }), error: null },
        { ...common, at: new Date('2026-12-07T10:01:00Z'), method: 'POST', path: '/scim/v2/Users', status: 409, requestId: 'r2', resourceId: null, resourceName: 'ann.lee', request: body({ userName: 'ann.lee' }), response: body({ status: '409', scimType: 'uniqueness' }), error: { scimType: 'uniqueness', detail: 'userName "ann.lee" is already taken' } },
        { ...common, at: new Date('2026-12-07T10:02:00Z'), method: 'POST', path: '/scim/v2/Users', status: 201, requestId: 'r3', resourceId: 'u2', resourceName: 'bo.chen', request: body({ userName: 'bo.chen', adreses: [] }), response: body({ id: 'u2' }), error: null, notes: [{ kind: 'ignored', path: 'adreses' }] },
      ])
    })
    after(async () => place?.dispose())

    it('lists every request newest first, one line each: time, status, method path, summary', async () => {
      const r = await roster(['scim', 'log', '--tenant', 'acme'])
      assert.equal(r.code, 0, r.stderr)
      const lines = r.stdout.trimEnd().split('\n')
      assert.equal(lines.length, 3, r.stdout)
      assert.match(lines[0]!, /^2026-12-07T10:02:00\.000Z {2}201 {2}POST \/scim\/v2\/Users {2}Created user bo\.chen; ignored adreses$/)
      assert.match(lines[1]!, /^2026-12-07T10:01:00\.000Z {2}409 {2}POST \/scim\/v2\/Users {2}Refused: userName "ann\.lee" is already taken \(409 uniqueness\)$/)
      assert.match(lines[2]!, /^2026-12-07T10:00:00\.000Z {2}201 {2}POST \/scim\/v2\/Users {2}Created user ann\.lee$/)
    })

    it('keeps to the failed requests with --failed, and to the newest N with --limit', async () => {
      const failed = await roster(['scim', 'log', '--tenant', 'acme', '--failed'])
      assert.equal(failed.code, 0, failed.stderr)
      assert.deepEqual(failed.stdout.trimEnd().split('\n').map((l) => l.split('  ')[1]), ['409'])
      const one = await roster(['scim', 'log', '--tenant', 'acme', '--limit', '1'])
      assert.equal(one.stdout.trimEnd().split('\n').length, 1)
      assert.match(one.stdout, /bo\.chen/)
    })

    it('prints the entries as JSON lines with --json, bodies as JSON and the summary', async () => {
      const r = await roster(['scim', 'log', '--tenant', 'acme', '--json', '--failed'])
      assert.equal(r.code, 0, r.stderr)
      const items = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
      assert.equal(items.length, 1)
      const [e] = items
      assert.equal(e!.status, 409)
      assert.equal(e!.at, '2026-12-07T10:01:00.000Z')
      assert.deepEqual(e!.token, { id: 't1', label: 'Entra ID' })
      assert.deepEqual(e!.request, { body: { userName: 'ann.lee' }, truncated: false })
      assert.deepEqual(e!.error, { scimType: 'uniqueness', detail: 'userName "ann.lee" is already taken' })
      assert.equal(e!.summary, 'Refused: userName "ann.lee" is already taken (409 uniqueness)')
      assert.equal(typeof e!.id, 'string')
    })

    it('turns the log off and on for a tenant, and says when it is off', async () => {
      const off = await roster(['tenant', 'update', 'acme', '--provisioning-log', 'off'])
      assert.equal(off.code, 0, off.stderr)
      assert.match(off.stderr, /provisioning log off/)
      const listed = await roster(['tenant', 'list', '--json'])
      assert.equal((JSON.parse(listed.stdout.trim()) as Record<string, unknown>).provisioningLog, false)
      const read = await roster(['scim', 'log', '--tenant', 'acme'])
      assert.equal(read.code, 0, read.stderr)
      assert.match(read.stderr, /The provisioning log is off for tenant acme/)
      assert.equal(read.stdout.trimEnd().split('\n').length, 3, 'what was recorded stays readable')
      const on = await roster(['tenant', 'update', 'acme', '--provisioning-log', 'on'])
      assert.equal(on.code, 0, on.stderr)
      assert.match(on.stderr, /provisioning log on/)
      assert.doesNotMatch((await roster(['scim', 'log', '--tenant', 'acme'])).stderr, /is off/)
    })

    it('refuses bad arguments without touching the store, and names an unknown tenant', async () => {
      const bad = [['scim', 'log'], ['scim', 'log', '--tenant', 'acme', '--limit', '0'], ['tenant', 'update', 'acme', '--provisioning-log', 'maybe']]
      const results = await Promise.all(bad.map(roster))
      results.forEach((r, i) => {
        assert.equal(r.code, 2, `roster ${bad[i]!.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, /error: /)
      })
      const unknown = await roster(['scim', 'log', '--tenant', 'nope'])
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /no tenant with slug "nope"/)
    })
  })
}

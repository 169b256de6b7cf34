/**
 * A directory-managed tenant wired to a real directory, for the sync tests: the connection is
 * stored exactly as `roster directory set` stores it, runs go through the sync service, and the tenant is
 * readable over SCIM with its own token.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import request from 'supertest'
import { setDirectoryConnection } from '../../src/domain/directory-sync/connection.js'
import type { Actor } from '../../src/domain/audit/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import { SecretBox } from '../../src/domain/credentials/secrets.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import type { Store } from '../../src/domain/store.js'
import { DirectorySync, type SyncPolicy, type SyncReport, type SyncRequest } from '../../sync/service.js'
import { DEFAULT_PAGE_SIZE, settingsToJson, validateSettings, type DirectorySettings } from '../../sync/settings.js'
import { silentLog } from './stores.js'
import { testApp } from './app.js'

export const testActor: Actor = { type: 'system', id: null, label: 'test' }

/** One key for the whole test process, as ENCRYPTION_KEY would be. */
export const testKey = randomBytes(32)
export const testBox = new SecretBox(testKey)

export const defaultPolicy: SyncPolicy = { fullEvery: 1000, maxArchivePercent: 10, leaseTtlMs: 30_000 }

let seq = 0

export interface SyncTenant {
  store: Store
  tenant: Tenant
  /** The tenant's SCIM bearer token. */
  token: string
  /** One run; defaults: trigger cli, quick retries. */
  sync(request?: Partial<SyncRequest>, policy?: Partial<SyncPolicy>): Promise<SyncReport>
  /** GET over SCIM with the tenant's token, e.g. scim('/Users?filter=userName eq "a"'). */
  scim(path: string): request.Test
  /** Any SCIM request with the token: scimRequest('post', '/Users').send(...). */
  scimRequest(method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string): request.Test
  /** Points the tenant's stored connection elsewhere, as `roster directory set` would. */
  reconnect(target: DirectoryTarget): Promise<void>
  /** Users of the tenant over SCIM, by userName (lower-cased), all pages. */
  scimUsers(): Promise<Map<string, Record<string, unknown>>>
  scimGroups(): Promise<Map<string, Record<string, unknown>>>
}

export interface DirectoryTarget {
  preset: DirectorySettings['preset']
  url: string
  caFile?: string
  startTls?: boolean
  insecureTls?: boolean
  bindDn: string
  password: string
  baseDns: string[]
  userFilter?: string
  groupFilter?: string
  pageSize?: number
  mapping?: DirectorySettings['mapping']
}

export function directorySettings(t: DirectoryTarget): DirectorySettings {
  return validateSettings({
    preset: t.preset,
    url: t.url,
    startTls: !!t.startTls,
    caPem: t.caFile ? fs.readFileSync(t.caFile, 'utf8') : null,
    insecureTls: !!t.insecureTls,
    bindDn: t.bindDn,
    baseDns: t.baseDns,
    userFilter: t.userFilter ?? null,
    groupFilter: t.groupFilter ?? null,
    pageSize: t.pageSize ?? DEFAULT_PAGE_SIZE,
    mapping: t.mapping ?? {},
  })
}

/** A new tenant (unique slug) connected to `target` in `store`. */
export async function syncTenant(store: Store, target: DirectoryTarget, slugPrefix = 'sync'): Promise<SyncTenant> {
  const slug = `${slugPrefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`
  const created = await createTenant(store, testActor, { slug, source: 'local' })
  await setDirectoryConnection(store, testBox, { tenant: created, actor: testActor, requestId: null }, settingsToJson(directorySettings(target)), target.password)
  const tenant = (await store.tenants.getById(created.id))!
  const token = (await issueToken(store, tenant, 'test', testActor)).secret
  const { callback } = testApp(store, { config: { publicUrl: 'http://localhost:3000' } })
  const scimRequest = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string) =>
    request(callback)[method](`/scim/v2${path}`).set('Authorization', `Bearer ${token}`)
  const all = async (type: 'Users' | 'Groups', key: 'userName' | 'displayName') => {
    const out = new Map<string, Record<string, unknown>>()
    for (let start = 1; ; start += 1000) {
      const res = await scimRequest('get', `/${type}?startIndex=${start}&count=1000`).expect(200)
      const body = res.body as { Resources?: Array<Record<string, unknown>>; totalResults: number }
      for (const r of body.Resources ?? []) out.set(String(r[key]).toLowerCase(), r)
      if (start + 1000 > body.totalResults) return out
    }
  }
  return {
    store,
    tenant,
    token,
    sync: (req = {}, policy = {}) =>
      new DirectorySync({ store, box: testBox, policy: { ...defaultPolicy, ...policy }, log: silentLog }).run(tenant, { trigger: 'cli', retryDelayMs: 50, ...req }),
    scim: (path) => scimRequest('get', path),
    async reconnect(next) {
      await setDirectoryConnection(store, testBox, { tenant, actor: testActor, requestId: null }, settingsToJson(directorySettings(next)), next.password)
    },
    scimRequest,
    scimUsers: () => all('Users', 'userName'),
    scimGroups: () => all('Groups', 'displayName'),
  }
}

/** The report, after asserting that its run succeeded without problems (saying why when not). */
export function succeeded(report: SyncReport): SyncReport {
  assert.equal(report.run.status, 'succeeded', `run ${report.run.status}: ${report.run.message} ${JSON.stringify(report.run.errors)}`)
  assert.equal(report.run.counts.errors, 0, JSON.stringify(report.run.errors))
  return report
}

/** An app whose provisioning log a test can flush, and a SCIM tenant with an administrator signed in. */
import request from 'supertest'
import { silentLog, type TestStore } from './stores.js'
import { testConfig } from './app.js'
import { userWithRole } from './admin.js'
import { newTenant, PUBLIC_URL, signInActor } from './sign-in.js'
import { testKey } from './sync.js'
import { createApp } from '../../src/app.js'
import { UsageRecorder, issueToken } from '../../src/domain/credentials/tokens.js'
import { ProvisioningLogWriter } from '../../src/domain/provisioning/writer.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'

export type App = ReturnType<ReturnType<typeof createApp>['callback']>

/** The app with a writer the test flushes. */
export function logApp(t: TestStore, config: Parameters<typeof testConfig>[0] = {}): { app: App; writer: ProvisioningLogWriter } {
  const writer = new ProvisioningLogWriter(t.store, silentLog)
  const koa = createApp({ config: testConfig({ publicUrl: PUBLIC_URL, encryptionKey: testKey, ...config }), log: silentLog, store: t.store, usage: new UsageRecorder(t.store, silentLog, 60_000), provisioningLog: writer })
  return { app: koa.callback(), writer }
}

export async function scimTenant(t: TestStore, app: App, prefix: string): Promise<{ tenant: Tenant; token: string; cookie: string; scim: ReturnType<typeof scimAs> }> {
  const tenant = await newTenant(t.store, prefix, 'scim')
  const { cookie } = await userWithRole(t.store, app, tenant, 'Administrator', 'root')
  const token = (await issueToken(t.store, tenant, 'Entra', signInActor)).secret
  return { tenant, token, cookie, scim: scimAs(app, token) }
}

export function scimAs(app: App, token: string) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`)
  const send = (r: request.Test, body: unknown) => r.set('Content-Type', 'application/scim+json').send(JSON.stringify(body))
  return {
    get: (path: string) => auth(request(app).get(`/scim/v2${path}`)),
    post: (path: string, body: unknown) => send(auth(request(app).post(`/scim/v2${path}`)), body),
    patch: (path: string, body: unknown) => send(auth(request(app).patch(`/scim/v2${path}`)), body),
    put: (path: string, body: unknown) => send(auth(request(app).put(`/scim/v2${path}`)), body),
    delete: (path: string) => auth(request(app).delete(`/scim/v2${path}`)),
  }
}


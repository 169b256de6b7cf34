import request from 'supertest'
import type { Backend, TestStore } from './stores.js'
import { testApp } from './app.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import type { Actor } from '../../src/domain/audit/model.js'
import type { IdentitySource, Tenant } from '../../src/domain/tenancy/model.js'

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'

const actor: Actor = { type: 'system', id: null, label: 'test' }
let seq = 0

export interface ScimClient {
  tenant: Tenant
  token: string
  get(path: string): request.Test
  post(path: string, body?: unknown): request.Test
  put(path: string, body: unknown): request.Test
  patch(path: string, body: unknown): request.Test
  delete(path: string): request.Test
}

export interface ScimFixture {
  t: TestStore
  callback: ReturnType<typeof testApp>['callback']
  /** A new tenant with its own token: tests stay independent without a fresh database each. */
  client(options?: { source?: IdentitySource; strict?: boolean }): Promise<ScimClient>
  dispose(): Promise<void>
}

export const BASE = 'http://localhost:3000/scim/v2'

export async function scimFixture(backend: Backend): Promise<ScimFixture> {
  const t = await backend.open()
  const { callback } = testApp(t.store, { config: { publicUrl: 'http://localhost:3000' } })
  return {
    t,
    callback,
    async client(options = {}) {
      let tenant = await createTenant(t.store, actor, { slug: `scim-${Date.now().toString(36)}-${(seq++).toString(36)}`, source: options.source ?? 'scim' })
      if (options.strict) tenant = (await t.store.tenants.update(tenant.id, { settings: { scimStrict: true } }))!
      const token = (await issueToken(t.store, tenant, 'test', actor)).secret
      const auth = (r: request.Test) => r.set('Authorization', `Bearer ${token}`)
      const withBody = (r: request.Test, body: unknown) => (body === undefined ? r : r.set('Content-Type', 'application/scim+json').send(JSON.stringify(body)))
      return {
        tenant,
        token,
        get: (path) => auth(request(callback).get(`/scim/v2${path}`)),
        post: (path, body) => withBody(auth(request(callback).post(`/scim/v2${path}`)), body),
        put: (path, body) => withBody(auth(request(callback).put(`/scim/v2${path}`)), body),
        patch: (path, body) => withBody(auth(request(callback).patch(`/scim/v2${path}`)), body),
        delete: (path) => auth(request(callback).delete(`/scim/v2${path}`)),
      }
    },
    dispose: () => t.dispose(),
  }
}

export function patchOp(...operations: Array<{ op: string; path?: string; value?: unknown }>) {
  return { schemas: [PATCH_OP], Operations: operations }
}

export function userBody(userName: string, extra: Record<string, unknown> = {}) {
  return { schemas: [USER], userName, ...extra }
}

import assert from 'node:assert/strict'
import request from 'supertest'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import type { Store } from '../../src/domain/store.js'
import { assignRole } from '../../src/domain/access/roles.js'
import type { Backend, TestStore } from './stores.js'
import { cookieOf, newTenant, newUser, sessionCookie, signInActor, signInApp } from './sign-in.js'

type App = ReturnType<typeof signInApp>

/** Signs in through the tenant's password form (anti-forgery token included); returns the session cookie. */
export async function passwordSession(app: App, tenant: Tenant, userName: string, password: string): Promise<string> {
  const form = await request(app).get(`/login/${tenant.slug}`)
  const formCookie = cookieOf(form, 'roster_form')!
  const res = await request(app)
    .post(`/login/${tenant.slug}`)
    .set('Cookie', formCookie)
    .type('form')
    .send({ formToken: formCookie.split('=')[1], username: userName, password })
  assert.equal(res.status, 303, `sign-in of ${userName}: ${res.status} ${res.text.slice(0, 200)}`)
  return sessionCookie(res)!
}

/** /api requests with a session cookie; bodies go as JSON (the API refuses anything else). */
export function apiAs(app: App, cookie: string) {
  return {
    get: (path: string) => request(app).get(`/api${path}`).set('Cookie', cookie),
    post: (path: string, body: object = {}) => request(app).post(`/api${path}`).set('Cookie', cookie).send(body),
    put: (path: string, body: object) => request(app).put(`/api${path}`).set('Cookie', cookie).send(body),
    patch: (path: string, body: object, etag?: string) => {
      const r = request(app).patch(`/api${path}`).set('Cookie', cookie)
      return (etag ? r.set('If-Match', etag) : r).send(body)
    },
    delete: (path: string) => request(app).delete(`/api${path}`).set('Cookie', cookie).set('Content-Type', 'application/json'),
  }
}

/** A user of `tenant` holding `role`, signed in through the password form (password `<userName> password 1`). */
export async function userWithRole(store: Store, app: App, tenant: Tenant, role: string, userName: string): Promise<{ user: User; cookie: string }> {
  const password = `${userName} password 1`
  const user = await newUser(store, tenant, userName, { password })
  await assignRole(store, { tenant, actor: signInActor, requestId: null }, role, { type: 'User', id: user.id, label: userName })
  return { user, cookie: await passwordSession(app, tenant, userName, password) }
}

/** A fresh tenant (local unless `source` says who manages it) with an administrator signed in through the password form. */
export async function tenantWithAdmin(store: Store, app: App, prefix: string, userName = 'root', source: Tenant['source'] = 'local'): Promise<{ tenant: Tenant; admin: User; cookie: string }> {
  const tenant = await newTenant(store, prefix, source)
  const { user: admin, cookie } = await userWithRole(store, app, tenant, 'Administrator', userName)
  return { tenant, admin, cookie }
}

export interface AdminSuite {
  t: TestStore
  app: App
  tenant: Tenant
  admin: User
  cookie: string
}

/**
 * The hooks of an admin API suite: one database for the file with the app on it, and before each
 * test a fresh tenant with an administrator signed in, handed to `take` for the suite's own
 * variables (so tests never share a tenant).
 */
export function adminSuiteHooks(backend: Backend, prefix: string, take: (suite: AdminSuite) => void, userName = 'root'): void {
  let t: TestStore
  let app: App
  before(async () => {
    t = await backend.open()
    app = signInApp(t.store)
  })
  after(async () => t?.dispose())
  beforeEach(async () => take({ t, app, ...(await tenantWithAdmin(t.store, app, prefix, userName)) }))
}

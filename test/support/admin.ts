import assert from 'node:assert/strict'
import request from 'supertest'
import type { Tenant, User } from '../../src/directory/model.js'
import type { Store } from '../../src/store/port.js'
import { assignRole } from '../../src/directory/roles.js'
import { cookieOf, newTenant, newUser, sessionCookie, signInActor, type signInApp } from './sign-in.js'

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

/** A fresh tenant with an administrator signed in through the password form. */
export async function tenantWithAdmin(store: Store, app: App, prefix: string, userName = 'root'): Promise<{ tenant: Tenant; admin: User; cookie: string }> {
  const tenant = await newTenant(store, prefix)
  const password = `${userName} password 1`
  const admin = await newUser(store, tenant, userName, { password })
  await assignRole(store, { tenant, actor: signInActor, requestId: null }, 'Administrator', { type: 'User', id: admin.id, label: userName })
  return { tenant, admin, cookie: await passwordSession(app, tenant, userName, password) }
}

import assert from 'node:assert/strict'
import request from 'supertest'
import type { Store } from '../../src/domain/store.js'
import type { Config } from '../../src/config.js'
import type { Actor } from '../../src/domain/audit/model.js'
import type { Tenant } from '../../src/domain/tenancy/model.js'
import type { User } from '../../src/domain/identity/model.js'
import type { Clock } from '../../src/domain/sign-in/sessions.js'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { createUser } from '../../src/domain/identity/users.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import { SecretBox } from '../../src/domain/credentials/secrets.js'
import { setSamlSettings, type SamlSettingsInput } from '../../src/saml/settings.js'
import { spEndpoints, type SpEndpoints } from '../../src/saml/service-provider.js'
import { testKey } from './sync.js'
import { testApp } from './app.js'
import { generateKeyPair, TestIdp } from './saml-idp.js'

export const PUBLIC_URL = 'http://roster.test:3000'
export const signInActor: Actor = { type: 'system', id: null, label: 'test' }
export const box = new SecretBox(testKey)

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number
  constructor(start = Date.now()) {
    this.#now = start
  }
  now(): Date {
    return new Date(this.#now)
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

let seq = 0
export const uniqueSlug = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}`

export async function newTenant(store: Store, prefix: string, source: Tenant['source'] = 'local'): Promise<Tenant> {
  return createTenant(store, signInActor, { slug: uniqueSlug(prefix), source })
}

export async function newUser(store: Store, tenant: Tenant, userName: string, extra: { email?: string; password?: string; active?: boolean } = {}): Promise<User> {
  const doc: Record<string, unknown> = { userName, active: extra.active ?? true }
  if (extra.email) doc.emails = [{ value: extra.email, primary: true }]
  return createUser(
    store,
    { tenant, actor: signInActor, channel: tenant.source === 'ldap' ? 'sync' : tenant.source === 'scim' ? 'scim' : 'cli', requestId: null },
    { userName, externalId: null, displayName: null, email: extra.email ?? null, active: extra.active ?? true, managerId: null, document: doc as never, password: extra.password },
  )
}

export interface SamlTenant {
  tenant: Tenant
  idp: TestIdp
  sp: SpEndpoints
}

/** A tenant with SSO set up against an in-process samlify IdP. */
export async function samlTenant(store: Store, prefix: string, options: SamlSettingsInput & { source?: Tenant['source'] } = {}): Promise<SamlTenant> {
  const tenant = await newTenant(store, prefix, options.source ?? 'local')
  const idp = new TestIdp({
    entityId: `https://idp.example/${tenant.slug}`,
    keys: generateKeyPair('test-idp'),
    ssoUrl: 'https://idp.example/sso',
    sloUrl: 'https://idp.example/slo',
  })
  const { source: _source, ...input } = options
  await setSamlSettings(store, box, { tenant, actor: signInActor, requestId: null }, { metadataXml: idp.metadataXml(), ...input })
  return { tenant, idp, sp: spEndpoints(PUBLIC_URL, tenant.slug) }
}

/** The app with ENCRYPTION_KEY and PUBLIC_URL as the sign-in tests need them. */
export function signInApp(store: Store, clock?: Clock, config: Partial<Config> = {}) {
  return testApp(store, { config: { publicUrl: PUBLIC_URL, encryptionKey: testKey, ...config }, clock }).callback
}

/** The session cookie a response set, as `name=value` for the next request's Cookie header. */
export function sessionCookie(res: request.Response): string | null {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  const c = set.find((h) => /^(__Host-)?roster_session=[^;]+/.test(h) && !/Max-Age=0/.test(h))
  return c ? c.split(';')[0]! : null
}

export function cookieOf(res: request.Response, name: string): string | null {
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
  const c = set.find((h) => h.startsWith(`${name}=`))
  return c ? c.split(';')[0]! : null
}

/** Starts SP-initiated sign-in and returns the AuthnRequest id the IdP would answer. */
export async function startLogin(callback: ReturnType<typeof signInApp>, t: SamlTenant, returnTo = '/admin'): Promise<string> {
  const res = await request(callback).get(`/saml/${t.tenant.slug}/login?returnTo=${encodeURIComponent(returnTo)}`).expect(302)
  const parsed = t.idp.parseRedirect(res.headers.location!)
  assert.equal(parsed.acsUrl, t.sp.acsUrl)
  return parsed.id
}

export async function scimToken(store: Store, tenant: Tenant): Promise<string> {
  return (await issueToken(store, tenant, `t-${seq++}`, signInActor)).secret
}

/**
 * Opens the tenant's sign-in form (for its anti-forgery cookie and field) and posts the credentials;
 * the answer as it is (303 signed in, 401 refused, 429 locked out).
 */
export async function passwordLogin(
  app: ReturnType<typeof signInApp>,
  tenant: Tenant,
  username: string,
  password: string,
  extra: { cookie?: string; returnTo?: string; ip?: string } = {},
): Promise<request.Response> {
  const form = await request(app).get(`/login/${tenant.slug}`).expect(200)
  const formCookie = cookieOf(form, 'roster_form')!
  // The field carries the cookie's value (double submit); a page without the form still sets it.
  const token = formCookie.slice(formCookie.indexOf('=') + 1)
  return request(app)
    .post(`/login/${tenant.slug}`)
    .set('Cookie', [formCookie, ...(extra.cookie ? [extra.cookie] : [])].join('; '))
    .set('X-Forwarded-For', extra.ip ?? '')
    .type('form')
    .send({ formToken: token, username, password, ...(extra.returnTo ? { returnTo: extra.returnTo } : {}) })
}

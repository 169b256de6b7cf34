/**
 * Several Roster node processes on one PostgreSQL database, and the HTTP a browser, a SCIM client
 * and an operator would speak to them (directly or through the balancer), for the operations tests.
 */
import assert from 'node:assert/strict'
import { startServer, freePort, type ServerProcess } from '../support/process.js'

export interface Node {
  name: string
  port: number
  url: string
  server: ServerProcess
}

/** Starts `count` nodes at once (they race on migrations and on the first start's bootstrap). */
export async function startNodes(count: number, env: Record<string, string>): Promise<Node[]> {
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()))
  return Promise.all(ports.map((port, i) => startNode(`n${i + 1}`, port, env)))
}

export async function startNode(name: string, port: number, env: Record<string, string>): Promise<Node> {
  const server = await startServer({ ...env, PORT: String(port) }, { waitMs: 60_000 })
  return { name, port, url: `http://127.0.0.1:${port}`, server }
}

/** What the first start printed (tenant, SCIM token, administrator), from whichever node made it. */
export function firstStartBanner(nodes: Node[]): { nodes: string[]; scimToken: string; adminUser: string; adminPassword: string } {
  const made = nodes.filter((n) => /^SCIM token: /m.test(n.server.stdout()))
  const out = made[0]?.server.stdout() ?? ''
  const field = (label: string) => new RegExp(`^${label}: (.*)$`, 'm').exec(out)?.[1] ?? ''
  return { nodes: made.map((n) => n.name), scimToken: field('SCIM token'), adminUser: field('Admin user'), adminPassword: field('Admin password') }
}

export interface Answer {
  status: number
  body: unknown
  headers: Headers
}

export interface Call {
  cookie?: string
  bearer?: string
  json?: unknown
  form?: Record<string, string>
  contentType?: string
  /** The client's address as a balancer passes it on (X-Forwarded-For; nodes run with TRUST_PROXY=on). */
  client?: string
}

/** One request; the body parsed as JSON when it is JSON. Redirects are answers, not followed. */
export async function call(base: string, method: string, path: string, c: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (c.cookie) headers.Cookie = c.cookie
  if (c.bearer) headers.Authorization = `Bearer ${c.bearer}`
  if (c.client) headers['X-Forwarded-For'] = c.client
  let body: string | undefined
  if (c.json !== undefined) {
    body = JSON.stringify(c.json)
    headers['Content-Type'] = c.contentType ?? 'application/json'
  } else if (c.form) {
    body = new URLSearchParams(c.form).toString()
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
  } else if (method === 'DELETE') {
    headers['Content-Type'] = 'application/json'
  }
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) })
  const text = await res.text()
  let parsed: unknown = text
  if (/json/.test(res.headers.get('content-type') ?? '')) parsed = text ? (JSON.parse(text) as unknown) : null
  return { status: res.status, body: parsed, headers: res.headers }
}

function cookieFrom(res: Answer, name: string): string | null {
  const c = res.headers.getSetCookie().find((h) => h.startsWith(`${name}=`) && !/Max-Age=0/i.test(h))
  return c ? c.split(';')[0]! : null
}

/** Password sign-in through the tenant's form (anti-forgery cookie and field); the answer and the session cookie it set. */
export async function passwordSignIn(base: string, tenant: string, userName: string, password: string, client?: string): Promise<{ res: Answer; cookie: string | null }> {
  const form = await call(base, 'GET', `/login/${tenant}`, { client })
  assert.equal(form.status, 200, `the sign-in form of ${tenant}`)
  const formCookie = cookieFrom(form, 'roster_form')!
  const res = await call(base, 'POST', `/login/${tenant}`, {
    cookie: formCookie,
    client,
    form: { formToken: formCookie.slice(formCookie.indexOf('=') + 1), username: userName, password },
  })
  return { res, cookie: cookieFrom(res, 'roster_session') }
}

export const scimUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  emails: [{ value: `${userName}@example.org`, primary: true }],
  active: true,
  ...extra,
})

/**
 * The admin API as the console and scripts reach it, for `npm run bench:users`: the real app
 * (createApp, as src/service.ts assembles it) on a loopback port in this process, an administrator
 * signed in through the password form (session cookie) and a personal access token, and a
 * keep-alive client that sends one request at a time.
 */
import http from 'node:http'
import { Writable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/log.js'
import { createApp } from '../src/app.js'
import { UsageRecorder } from '../src/domain/credentials/tokens.js'
import { createUser } from '../src/domain/identity/users.js'
import { assignRole } from '../src/domain/access/roles.js'
import { issuePersonalToken } from '../src/domain/credentials/personal-tokens.js'
import type { Actor } from '../src/domain/audit/model.js'
import type { Tenant } from '../src/domain/tenancy/model.js'
import type { Store } from '../src/domain/store.js'

export interface AdminClient {
  /** GET path with the session cookie or the token; resolves once the whole body has arrived. */
  get(path: string, auth: 'cookie' | 'token'): Promise<{ status: number; body: string }>
  close(): Promise<void>
}

const ADMIN = 'bench-admin'
const PASSWORD = 'bench admin password 1'

/**
 * Serves the app over `store` and signs in as a new administrator of `tenant`. The request log is
 * written as in production (JSON at info, one line a request), into a sink, so its cost counts.
 */
export async function adminClient(store: Store, tenant: Tenant, actor: Actor): Promise<AdminClient> {
  const config = loadConfig({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' })
  const log = createLogger(config, 'roster', new Writable({ write: (_chunk, _enc, cb) => cb() }))
  const usage = new UsageRecorder(store, log, config.tokenUsageFlushMs)
  const server = http.createServer(createApp({ config, log, store, usage }).callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; body: string; cookies: string[] }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), cookies: res.headers['set-cookie'] ?? [] }))
        res.on('error', reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  const cookie = (cookies: string[], name: string) => cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith(`${name}=`))

  try {
    const admin = await createUser(
      store,
      { tenant, actor, channel: tenant.source === 'local' ? 'cli' : tenant.source === 'ldap' ? 'sync' : 'scim', requestId: null },
      { userName: ADMIN, externalId: null, displayName: null, email: null, active: true, managerId: null, document: { userName: ADMIN, active: true }, password: PASSWORD },
    )
    await assignRole(store, { tenant, actor, requestId: null }, 'Administrator', { type: 'User', id: admin.id, label: ADMIN })
    // The sign-in form, as a browser fills it: its anti-forgery cookie, then the password.
    const form = await send('GET', `/login/${tenant.slug}`, {})
    const formCookie = cookie(form.cookies, 'roster_form')
    if (!formCookie) throw new Error(`sign-in form: no roster_form cookie (${form.status})`)
    const signIn = await send(
      'POST',
      `/login/${tenant.slug}`,
      { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: formCookie },
      new URLSearchParams({ formToken: formCookie.split('=')[1]!, username: ADMIN, password: PASSWORD }).toString(),
    )
    const session = cookie(signIn.cookies, 'roster_session')
    if (signIn.status !== 303 || !session) throw new Error(`sign-in: ${signIn.status} ${signIn.body.slice(0, 200)}`)
    const { secret } = await issuePersonalToken(store, { tenant, user: admin, requestId: null }, admin.id, { name: 'bench', expires: null, permissions: null })
    const headers = { cookie: { Cookie: session }, token: { Authorization: `Bearer ${secret}` } }
    return {
      get: async (path, auth) => {
        const res = await send('GET', path, headers[auth])
        return { status: res.status, body: res.body }
      },
      close: async () => {
        agent.destroy()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await usage.stop()
      },
    }
  } catch (err) {
    agent.destroy()
    server.close()
    await usage.stop()
    throw err
  }
}

import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { failedStart, freePort, runCli, startServer, tempDir, type ServerProcess } from './support/process.js'

const TOKEN_LINE = /^SCIM token: (rst_\S+)$/m

async function get(url: string, token?: string): Promise<Response> {
  return fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
}

describe('npm start on the embedded store', function () {
  const dataDir = path.join(tempDir(), 'data')
  let server: ServerProcess | undefined
  let token = ''

  afterEach(async () => {
    await server?.stop('SIGKILL')
    server = undefined
  })
  after(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }))

  it('on the first start creates tenant default and prints the SCIM base URL and a token', async () => {
    server = await startServer({ DATA_DIR: dataDir, PUBLIC_URL: 'https://roster.example.com' })
    assert.match(server.stdout(), /^SCIM base URL: https:\/\/roster\.example\.com\/scim\/v2$/m)
    const m = TOKEN_LINE.exec(server.stdout())
    assert.ok(m, server.stdout())
    token = m[1]!
    const ok = await get(`${server.baseUrl}/scim/v2/Anything`, token)
    assert.equal(ok.status, 404, 'authenticated: the endpoint itself answers')
    const anon = await get(`${server.baseUrl}/scim/v2/Users`)
    assert.equal(anon.status, 401)
    assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="roster"')
  })

  it('on the first start also creates an administrator and prints its name and password once; it can sign in', async () => {
    const dir = path.join(tempDir(), 'data')
    server = await startServer({ DATA_DIR: dir })
    const deadline = Date.now() + 5000
    while (!/^Admin password: /m.test(server.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    assert.match(server.stdout(), /^Admin console: http:\/\/localhost:\d+\/admin$/m)
    assert.match(server.stdout(), /^Sign-in page: http:\/\/localhost:\d+\/login\/default$/m)
    assert.match(server.stdout(), /^Admin user: admin$/m)
    const password = /^Admin password: (\S{24})$/m.exec(server.stdout())?.[1]
    assert.ok(password, server.stdout())
    // Sign in with it through the password form.
    const form = await fetch(`${server.baseUrl}/login/default`)
    const formCookie = form.headers.getSetCookie().find((c) => c.startsWith('roster_form='))!.split(';')[0]!
    const res = await fetch(`${server.baseUrl}/login/default`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: formCookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ formToken: formCookie.split('=')[1]!, username: 'admin', password }).toString(),
    })
    assert.equal(res.status, 303)
    const session = res.headers.getSetCookie().find((c) => c.startsWith('roster_session='))!.split(';')[0]!
    const me = await fetch(`${server.baseUrl}/api/me`, { headers: { Cookie: session } })
    assert.equal(((await me.json()) as { userName: string }).userName, 'admin')
    await server.stop('SIGTERM')
    // startServer returns once the banner is out, and the banner is one write: all of it is here.
    server = await startServer({ DATA_DIR: dir })
    assert.doesNotMatch(server.stdout(), /Admin password/)
    await server.stop('SIGTERM')
    server = undefined
    const roles = await runCli(['role', 'show', '--tenant', 'default', '--user', 'admin'], { DATA_DIR: dir })
    assert.match(roles.stdout, /roles\s+Administrator$/m)
    fs.rmSync(path.dirname(dir), { recursive: true, force: true })
  })

  it('stops gracefully on SIGTERM and releases the data directory', async () => {
    server = await startServer({ DATA_DIR: dataDir })
    const code = await server.stop('SIGTERM')
    assert.equal(code, 0)
    assert.match(server.stdout(), /"msg":"stopped"/)
    assert.equal(fs.existsSync(path.join(dataDir, 'roster.lock')), false)
  })

  it('keeps its data across restarts: no second tenant or token, the old token still works', async () => {
    server = await startServer({ DATA_DIR: dataDir })
    assert.match(server.stdout(), /^SCIM base URL: http:\/\/localhost:\d+\/scim\/v2$/m)
    assert.doesNotMatch(server.stdout(), TOKEN_LINE)
    assert.equal((await get(`${server.baseUrl}/scim/v2/x`, token)).status, 404)
    assert.equal((await get(`${server.baseUrl}/readyz`)).status, 200)
    await server.stop('SIGINT')
    server = undefined
    const list = await runCli(['tenant', 'list', '--json'], { DATA_DIR: dataDir })
    assert.deepEqual(list.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { slug: string }).slug), ['default'])
    const tokens = await runCli(['token', 'list', '--tenant', 'default', '--json'], { DATA_DIR: dataDir })
    const rows = tokens.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; lastUsed: string })
    assert.equal(rows.length, 1)
    assert.notEqual(rows[0]!.lastUsed, '-', 'last use is flushed on shutdown')
  })

  it('refuses a second server on the same data directory, naming the first', async () => {
    server = await startServer({ DATA_DIR: dataDir })
    const second = await failedStart({ DATA_DIR: dataDir })
    assert.equal(second.code, 1)
    assert.match(second.stderr, new RegExp(`in use by a running Roster server \\(pid ${server.child.pid}`))
  })

  it('fails fast with a message naming the variable for invalid configuration', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT="eighty": must be a whole number/],
      [{ PUBLIC_URL: 'ftp://example.com' }, /PUBLIC_URL/],
      [{ PUBLIC_URL: 'https://example.com/roster' }, /PUBLIC_URL.*origin only/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ BODY_LIMIT: 'huge' }, /BODY_LIMIT/],
      [{ SHUTDOWN_TIMEOUT: '10' }, /SHUTDOWN_TIMEOUT/],
    ]
    for (const [env, message] of cases) {
      const r = await failedStart({ DATA_DIR: path.join(tempDir(), 'unused'), ...env })
      assert.equal(r.code, 2, JSON.stringify(env))
      assert.match(r.stderr, message)
    }
  })

  it('fails within seconds when DATA_DIR cannot be written', async () => {
    const file = path.join(tempDir(), 'a-file')
    fs.writeFileSync(file, 'x')
    const r = await failedStart({ DATA_DIR: path.join(file, 'data') })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /DATA_DIR .* is not a writable directory/)
  })

  it('fails within seconds when DATABASE_URL points at nothing', async () => {
    const port = await freePort()
    const r = await failedStart({ DATABASE_URL: `postgres://roster:secret@127.0.0.1:${port}/roster` })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /DATABASE_URL .*connection refused/)
    assert.doesNotMatch(r.stderr, /secret/, 'the password is not printed')
    assert.ok(r.ms < 15_000, `took ${r.ms} ms`)
  })

  it('fails with a clear message when the port is taken', async () => {
    server = await startServer({ DATA_DIR: dataDir })
    const r = await failedStart({ DATA_DIR: path.join(tempDir(), 'other'), PORT: String(server.port) })
    assert.equal(r.code, 1)
    assert.match(r.stderr, new RegExp(`PORT ${server.port} .*already in use`))
  })
})

import assert from 'node:assert/strict'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { runCli, startServer, tempDir, type ServerProcess } from '../support/process.js'
import { freshServerDatabase } from '../support/stores.js'
import { until } from '../support/wait.js'

const KEY = Buffer.alloc(32, 7).toString('base64')
const me = (() => {
  try {
    return os.userInfo().username
  } catch {
    return 'unknown'
  }
})()

interface Reply {
  out: string
  err: string
  exit?: number
  declined?: string
}

/** One command over the socket by hand, as bin/roster.js sends it (to choose the user name). */
function rawCommand(socket: string, request: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const reply: Reply = { out: '', err: '' }
    let buffered = ''
    const c = net.connect(socket, () => c.write(`${JSON.stringify(request)}\n`))
    c.on('data', (d: Buffer) => {
      buffered += d.toString()
      let end
      while ((end = buffered.indexOf('\n')) >= 0) {
        const m = JSON.parse(buffered.slice(0, end)) as { out?: string; err?: string; exit?: number; decline?: string }
        buffered = buffered.slice(end + 1)
        if (m.out !== undefined) reply.out += m.out
        if (m.err !== undefined) reply.err += m.err
        if (m.exit !== undefined) reply.exit = m.exit
        if (m.decline !== undefined) reply.declined = m.decline
      }
    })
    c.on('error', reject)
    c.on('close', () => resolve(reply))
  })
}

for (const storeKind of ['pglite', 'postgres'] as const) {
  describe(`roster through a running server's CLI socket (${storeKind})`, function () {
    // Server start-ups and direct CLI runs take seconds apiece on a loaded 2-core machine.
    this.timeout(300_000)
    const dir = tempDir()
    const dataDir = path.join(dir, 'data')
    const socket = path.join(dataDir, 'roster.sock')
    const clientCwd = path.join(dir, 'client')
    let databaseUrl: string | undefined
    let drop: (() => Promise<void>) | undefined
    let server: ServerProcess | undefined
    const env = () => ({ DATA_DIR: dataDir, ENCRYPTION_KEY: KEY, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) })
    const roster = (args: string[], extra: Record<string, string> = {}) => runCli(args, { ...env(), ...extra }, clientCwd)
    const start = async () => {
      // A fresh embedded database takes tens of seconds to create on a loaded machine.
      server = await startServer({ ...env(), SYNC_WORKER: 'off' }, { waitMs: 180_000 })
      await until('the CLI socket is listening', 30_000, () => fs.existsSync(socket))
      return server
    }

    before(async () => {
      fs.mkdirSync(clientCwd, { recursive: true })
      if (storeKind === 'postgres') {
        const db = await freshServerDatabase()
        databaseUrl = db.url
        drop = db.drop
        // With a server database the socket lives in DATA_DIR only where that directory exists.
        fs.mkdirSync(dataDir, { recursive: true })
      }
      await start()
    })
    after(async () => {
      await server?.stop()
      await drop?.()
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 })
    })

    it('listens on DATA_DIR/roster.sock, readable and writable by its owner only', () => {
      const st = fs.statSync(socket)
      assert.ok(st.isSocket())
      assert.equal(st.mode & 0o777, 0o600)
      assert.equal(st.uid, process.getuid!())
    })

    it('runs a write through the server, which its API sees at once, and says so', async () => {
      const created = await roster(['tenant', 'create', 'acme'])
      assert.equal(created.code, 0, created.stderr)
      assert.equal(created.stdout, 'acme\n')
      assert.match(created.stderr, /^roster: using .*, through the running server \(.*roster\.sock\)$/m)
      const token = await roster(['token', 'create', '--tenant', 'acme', '--name', 'idp'])
      assert.equal(token.code, 0, token.stderr)
      const res = await fetch(`${server!.baseUrl}/scim/v2/Users`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } })
      assert.equal(res.status, 200, 'the server authenticates a token created through the socket')
      const list = await roster(['tenant', 'list', '--json'])
      assert.deepEqual(
        list.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { slug: string }).slug).filter((s) => s === 'acme'),
        ['acme'],
      )
    })

    it('passes exit codes and both output streams back', async () => {
      const dup = await roster(['tenant', 'create', 'acme'])
      assert.equal(dup.code, 1)
      assert.match(dup.stderr, /already exists/)
      assert.equal(dup.stdout, '')
      const usage = await roster(['tenant', 'list', '--bogus'])
      assert.equal(usage.code, 2)
      assert.match(usage.stderr, /unknown option '--bogus'/)
      const missing = await roster(['audit', '--tenant', 'nobody'])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /through the running server/)
    })

    it("resolves paths against the client's working directory and reads variables from the client's environment", async () => {
      fs.writeFileSync(path.join(clientCwd, 'bind.pw'), 'secret\n')
      assert.equal((await roster(['tenant', 'create', 'corp', '--source', 'ldap'])).code, 0)
      const base = ['directory', 'set', '--tenant', 'corp', '--preset', 'openldap', '--url', 'ldap://127.0.0.1:1', '--bind-dn', 'cn=sync', '--base-dn', 'dc=corp']
      const fromFile = await roster([...base, '--bind-password-file', 'bind.pw'])
      assert.equal(fromFile.code, 0, fromFile.stderr)
      const fromEnv = await roster([...base, '--bind-password-env', 'ONLY_THE_CLIENT_HAS_IT'], { ONLY_THE_CLIENT_HAS_IT: 'secret' })
      assert.equal(fromEnv.code, 0, fromEnv.stderr)
      const missing = await roster(['saml', 'set', '--tenant', 'acme', '--metadata', 'idp.xml'])
      assert.equal(missing.code, 2)
      assert.ok(missing.stderr.includes(path.join(clientCwd, 'idp.xml')), missing.stderr)
    })

    it('records the client\'s OS user as the audit actor, and declines a client of another store', async () => {
      const request = { argv: ['tenant', 'create', 'audited'], cwd: clientCwd, env: {}, isTTY: false, user: 'alice', databaseUrl: databaseUrl ?? null }
      const reply = await rawCommand(socket, request)
      assert.equal(reply.exit, 0, reply.err)
      const audit = await roster(['audit', '--tenant', 'audited', '--json'])
      const events = audit.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: { label: string } })
      assert.equal(events.find((e) => e.action === 'tenant.create')?.actor.label, 'cli:alice')
      const created = await roster(['audit', '--tenant', 'acme', '--json'])
      assert.ok(created.stdout.includes(`"label":"cli:${me}"`), 'the CLI sends its own user name')
      const other = await rawCommand(socket, { ...request, databaseUrl: 'postgres://elsewhere/db' })
      assert.ok(other.declined, 'a client configured for another store is sent back to open its own')
      assert.equal(other.exit, undefined)
    })

    it('removes the socket on shutdown; with the server stopped, commands open the store themselves', async function () {
      await server!.stop()
      assert.equal(fs.existsSync(socket), false)
      const list = await roster(['tenant', 'list'])
      assert.equal(list.code, 0, list.stderr)
      assert.match(list.stdout, /^acme\s/m)
      assert.match(list.stderr, storeKind === 'pglite' ? /^roster: using the embedded store in / : /^roster: using PostgreSQL /m)
      assert.doesNotMatch(list.stderr, /running server/)
    })

    it('replaces the socket a killed server left behind, and commands work before and after', async () => {
      await start()
      await server!.stop('SIGKILL')
      assert.ok(fs.existsSync(socket), 'a killed server cannot remove its socket')
      const direct = await roster(['tenant', 'list'])
      assert.equal(direct.code, 0, direct.stderr)
      assert.doesNotMatch(direct.stderr, /running server/)
      await start()
      const through = await roster(['tenant', 'list'])
      assert.equal(through.code, 0, through.stderr)
      assert.match(through.stderr, /through the running server/)
      assert.equal(fs.statSync(socket).mode & 0o777, 0o600)
    })
  })
}

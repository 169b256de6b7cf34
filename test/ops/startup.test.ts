import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, ensureEncryptionKeyFile, loadConfig, parseEncryptionKey } from '../../src/config.js'
import { migrate } from '../../src/store/postgres/migrate.js'
import { migrations } from '../../src/store/postgres/migrations/index.js'
import { startServer, tempDir, type ServerProcess } from '../support/process.js'
import { backends, freshServerDatabase } from '../support/stores.js'

const LATEST = Math.max(...migrations.map((m) => m.version))
const BANNER_START = /^SCIM base URL: /

interface Output {
  /** Log messages (JSON lines), in order. */
  messages: string[]
  /** Every stdout line, in order; JSON lines as "{json}". */
  lines: string[]
}

function parse(stdout: string): Output {
  const messages: string[] = []
  const lines: string[] = []
  for (const line of stdout.split('\n').filter(Boolean)) {
    if (line.startsWith('{')) {
      messages.push((JSON.parse(line) as { msg: string }).msg)
      lines.push('{json}')
    } else {
      lines.push(line)
    }
  }
  return { messages, lines }
}

/** The index of the first message matching each pattern; fails naming the first missing one. */
function positions(messages: string[], patterns: RegExp[]): number[] {
  return patterns.map((p) => {
    const i = messages.findIndex((m) => p.test(m))
    assert.ok(i >= 0, `no log line matches ${p}:\n${messages.join('\n')}`)
    return i
  })
}

const newKey = () => randomBytes(32).toString('base64')

describe('start-up', function () {
  this.timeout(180_000)
  let server: ServerProcess | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  describe('on the embedded store', () => {
    const dataDir = path.join(tempDir('roster-startup-'), 'data')
    const keyFile = path.join(dataDir, 'encryption.key')
    after(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }))

    it('a first start says what it does, in order, then prints the banner whole, and generates the encryption key (0600)', async () => {
      server = await startServer({ DATA_DIR: dataDir }, { waitMs: 120_000 })
      // The banner is one write and the log lines share its stream: once its first line is here, all of it is.
      const { messages, lines } = parse(server.stdout())
      const order = positions(messages, [/^creating the embedded database in /, new RegExp(`^applying migrations 1–${LATEST} of ${LATEST}$`), new RegExp(`^schema is at version ${LATEST}$`), /^first start: created the tenant/, /^Roster is listening$/])
      assert.deepEqual([...order].sort((a, b) => a - b), order, `out of order:\n${messages.join('\n')}`)

      const start = lines.findIndex((l) => BANNER_START.test(l))
      const banner = lines.slice(start, start + 9)
      assert.deepEqual(
        banner.map((l) => l.split(':')[0]),
        ['SCIM base URL', 'SCIM token', 'Admin console', 'Sign-in page', 'Admin user', 'Admin password', '(First start', 'Encryption key', '  Back it up with the data directory'],
        `banner not contiguous:\n${lines.join('\n')}`,
      )
      assert.ok([...lines.slice(0, start), ...lines.slice(start + 9)].every((l) => l === '{json}'), `only log lines around the banner:\n${lines.join('\n')}`)
      assert.ok(banner[7]!.includes(keyFile), banner[7])

      assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600)
      assert.ok(parseEncryptionKey(fs.readFileSync(keyFile, 'utf8')), 'the file holds a key')
    })

    it('a restart opens the database without migrating and reuses the key file, unchanged', async () => {
      const before = fs.readFileSync(keyFile, 'utf8')
      server = await startServer({ DATA_DIR: dataDir }, { waitMs: 120_000 })
      const { messages } = parse(server.stdout())
      positions(messages, [/^opening the embedded database in /, /^Roster is listening$/])
      assert.ok(!messages.some((m) => /^applying migration|^creating the embedded/.test(m)), messages.join('\n'))
      assert.doesNotMatch(server.stdout(), /Encryption key: generated|Admin password/)
      assert.equal(fs.readFileSync(keyFile, 'utf8'), before)
    })

    it('an ENCRYPTION_KEY set in the environment wins over the key file, with a warning; the file stays', async () => {
      const before = fs.readFileSync(keyFile, 'utf8')
      server = await startServer({ DATA_DIR: dataDir, ENCRYPTION_KEY: newKey() }, { waitMs: 120_000 })
      positions(parse(server.stdout()).messages, [/^ENCRYPTION_KEY differs from the key in the data directory's key file: using ENCRYPTION_KEY/])
      assert.equal(fs.readFileSync(keyFile, 'utf8'), before)
    })
  })

  if (process.env.TEST_DATABASE_URL || process.env.CI === 'true') {
    describe('with DATABASE_URL', () => {
      it('generates no key file (the key stays the operator\'s to set on every node)', async () => {
        const db = await freshServerDatabase()
        const dataDir = path.join(tempDir('roster-startup-pg-'), 'data')
        try {
          server = await startServer({ DATABASE_URL: db.url, DATA_DIR: dataDir }, { waitMs: 120_000 })
          const { messages } = parse(server.stdout())
          positions(messages, [new RegExp(`^applying migrations 1–${LATEST} of ${LATEST}$`), /^Roster is listening$/])
          assert.doesNotMatch(server.stdout(), /Encryption key/)
          assert.equal(fs.existsSync(path.join(dataDir, 'encryption.key')), false)
        } finally {
          await server?.stop()
          server = undefined
          await db.drop()
          fs.rmSync(path.dirname(dataDir), { recursive: true, force: true })
        }
      })
    })
  }
})

describe('ENCRYPTION_KEY and the embedded store\'s key file (config)', () => {
  let dir: string
  beforeEach(() => (dir = tempDir('roster-key-')))
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('generates the key once, 0600, and every later load (server or CLI) reads the same key', () => {
    const first = ensureEncryptionKeyFile(loadConfig({ DATA_DIR: 'data' }, dir))
    const file = path.join(dir, 'data', 'encryption.key')
    assert.equal(first.created, file)
    assert.equal(first.config.encryptionKeySource, 'file')
    assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    const again = ensureEncryptionKeyFile(loadConfig({ DATA_DIR: 'data' }, dir))
    assert.equal(again.created, undefined)
    assert.deepEqual(again.config.encryptionKey, first.config.encryptionKey)
    const cli = loadConfig({ DATA_DIR: 'data' }, dir)
    assert.equal(cli.encryptionKeySource, 'file')
    assert.deepEqual(cli.encryptionKey, first.config.encryptionKey)
  })

  it('with ENCRYPTION_KEY set creates no file; with both, the environment\'s key is used and the conflict flagged', () => {
    const env = newKey()
    const set = ensureEncryptionKeyFile(loadConfig({ DATA_DIR: 'data', ENCRYPTION_KEY: env }, dir))
    assert.equal(set.created, undefined)
    assert.equal(fs.existsSync(path.join(dir, 'data', 'encryption.key')), false)
    ensureEncryptionKeyFile(loadConfig({ DATA_DIR: 'data' }, dir))
    const both = loadConfig({ DATA_DIR: 'data', ENCRYPTION_KEY: env }, dir)
    assert.equal(both.encryptionKeySource, 'env')
    assert.deepEqual(both.encryptionKey, parseEncryptionKey(env))
    assert.equal(both.encryptionKeyConflict, true)
  })

  it('with DATABASE_URL neither reads nor creates a key file', () => {
    fs.mkdirSync(path.join(dir, 'data'))
    fs.writeFileSync(path.join(dir, 'data', 'encryption.key'), newKey())
    const c = loadConfig({ DATA_DIR: 'data', DATABASE_URL: 'postgres://localhost/roster' }, dir)
    assert.equal(c.encryptionKey, undefined)
    assert.equal(c.encryptionKeyFile, undefined)
    assert.equal(ensureEncryptionKeyFile(c).created, undefined)
  })

  it('refuses a damaged key file instead of replacing it', () => {
    fs.mkdirSync(path.join(dir, 'data'))
    fs.writeFileSync(path.join(dir, 'data', 'encryption.key'), 'not a key\n')
    assert.throws(() => loadConfig({ DATA_DIR: 'data' }, dir), (e: unknown) => e instanceof ConfigError && /encryption\.key: must hold 32 bytes/.test(e.message))
    assert.equal(fs.readFileSync(path.join(dir, 'data', 'encryption.key'), 'utf8'), 'not a key\n')
  })
})

for (const backend of backends()) {
  describe(`the migration runner says what it applies (${backend.name})`, () => {
    it('names the range, and announces a migration that rewrites a table with rows, then each of its steps', async () => {
      const t = await backend.open({ migrate: false })
      try {
        const quiet = { warn: () => undefined, info: () => undefined }
        await migrate(t.db, migrations.filter((m) => m.version < 13), quiet)
        const tenant = '00000000-0000-4000-8000-00000000000a'
        await t.db.query(`INSERT INTO tenants (id, slug, display_name, source) VALUES ($1, 't-a', 't-a', 'local')`, [tenant])
        await t.db.query(`INSERT INTO users (tenant_id, id, user_name, origin) VALUES ($1, '10000000-0000-4000-8000-000000000001', 'bob', 'local')`, [tenant])
        const said: string[] = []
        const log = { warn: () => undefined, info: (_f: object, message: string) => void said.push(message) }
        await migrate(t.db, migrations, log)
        const m13 = migrations.find((m) => m.version === 13)!
        const expected = [
          `applying migrations 13–${LATEST} of ${LATEST}`,
          'migration 13 (user_name_key) rewrites users (1 row): its time grows with these tables; progress follows',
          ...m13.statements.map((_, i) => `migration 13 (user_name_key): step ${i + 1} of ${m13.statements.length} done`),
        ]
        assert.deepEqual(said.slice(0, expected.length), expected)
        assert.equal(said[said.length - 1], `schema is at version ${LATEST}`)
        assert.deepEqual(await migrate(t.db, migrations, log), [])
      } finally {
        await t.dispose()
      }
    })

    it('says nothing about rewriting on a new database, where every table is empty', async () => {
      const t = await backend.open({ migrate: false })
      try {
        const said: string[] = []
        await migrate(t.db, migrations, { warn: () => undefined, info: (_f, message) => void said.push(message) })
        assert.deepEqual(said, [`applying migrations 1–${LATEST} of ${LATEST}`, `schema is at version ${LATEST}`])
      } finally {
        await t.dispose()
      }
    })
  })
}

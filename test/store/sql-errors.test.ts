/**
 * What the database adapter makes of bad input and of a database in trouble (issue 12, findings 2
 * and 8): input the database cannot take is the caller's fault (ValidationError, 400), a lost or
 * overloaded connection is StoreUnavailableError (503), and neither is ever a 500.
 */
import assert from 'node:assert/strict'
import { StoreUnavailableError, ValidationError } from '../../src/domain/kernel/errors.js'
import { openPg } from '../../src/store/postgres/pg-database.js'
import { checkParams, translateError } from '../../src/store/postgres/sql.js'
import { backends, freshServerDatabase, postgresBackend, silentLog, type TestStore } from '../support/stores.js'
import { scimFixture, USER, type ScimClient, type ScimFixture } from '../support/scim.js'

describe('store: SQL errors (unit)', () => {
  it('refuses text PostgreSQL cannot store before it is sent', () => {
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00', ['ok', 'n\u0000'], { k: '\ud83d' }, { 'key\u0000': 1 }]) {
      assert.throws(() => checkParams([bad]), ValidationError, JSON.stringify(bad))
    }
    checkParams(['plain', '😀 paired surrogates', 42, null, new Date(), Buffer.from([0]), { nested: ['fine'] }])
  })

  it('maps SQLSTATE classes: data exceptions and limits to ValidationError, connection trouble to StoreUnavailableError', () => {
    for (const code of ['22P02', '22001', '22003', '22021', '2201B', '54000', '54001', '23514']) {
      assert.ok(translateError(Object.assign(new Error('x'), { code })) instanceof ValidationError, code)
    }
    for (const code of ['08006', '08001', '57P01', '57P02', '57P03', '57014', '53300', '53100', 'ECONNRESET']) {
      assert.ok(translateError(Object.assign(new Error('x'), { code })) instanceof StoreUnavailableError, code)
    }
    for (const code of ['42601', '42703', 'XX000']) {
      const err = Object.assign(new Error('a bug'), { code })
      assert.equal(translateError(err), err, `${code} stays a bug (500)`)
    }
  })
})

for (const backend of backends()) {
  describe(`store: SQL errors on ${backend.name}`, () => {
    let t: TestStore
    before(async () => {
      t = await backend.open()
    })
    after(async () => t?.dispose())

    it('answers bad input with ValidationError, in and out of transactions', async () => {
      await assert.rejects(t.db.query('SELECT $1::text', ['a\u0000b']), ValidationError)
      await assert.rejects(t.db.query('SELECT $1::text', ['\ud800']), ValidationError)
      await assert.rejects(t.db.query('SELECT $1::uuid', ['not-a-uuid']), ValidationError)
      // An escaped NUL passes the driver but not jsonb (22P05).
      await assert.rejects(t.db.query('SELECT $1::jsonb', ['"\\u0000"']), ValidationError)
      await assert.rejects(t.db.transaction((tx) => tx.query('SELECT $1::int', ['99999999999'])), ValidationError)
      // The connection is still good afterwards.
      assert.deepEqual(await t.db.query('SELECT 1 AS one'), [{ one: 1 }])
    })
  })

  describe(`SCIM: text the database cannot store is 400 (${backend.name})`, () => {
    let fx: ScimFixture
    let c: ScimClient
    before(async () => {
      fx = await scimFixture(backend)
      c = await fx.client()
    })
    after(async () => fx?.dispose())

    for (const [what, extra] of [
      ['NUL in title', { title: 'a\u0000b' }],
      ['NUL in displayName', { displayName: 'x\u0000' }],
      ['a lone surrogate in title', { title: '\ud800' }],
      ['a lone surrogate in displayName', { displayName: 'a\udfffb' }],
    ] as const) {
      it(`refuses ${what}`, async () => {
        const res = await c.post('/Users', { schemas: [USER], userName: `u-${what.replace(/\W/g, '')}`, ...extra })
        assert.equal(res.status, 400, res.text)
      })
    }
  })
}

describe('store: connection faults on the PostgreSQL server', () => {
  before(function () {
    // backends() always includes the server under CI=true (a missing one fails there); only a
    // developer's run without TEST_DATABASE_URL leaves it out, and says so.
    if (!backends().includes(postgresBackend)) this.skip()
  })

  it('turns a connection terminated mid-transaction into StoreUnavailableError and heals', async () => {
    const t = await postgresBackend.open({ migrate: false })
    try {
      await assert.rejects(
        t.db.transaction(async (tx) => {
          await tx.query('SELECT 1')
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())')
        }),
        StoreUnavailableError,
      )
      await assert.rejects(t.db.query('SELECT pg_terminate_backend(pg_backend_pid())'), StoreUnavailableError)
      assert.deepEqual(await t.db.query('SELECT 1 AS one'), [{ one: 1 }])
    } finally {
      await t.dispose()
    }
  })

  it('cancels a statement past DATABASE_STATEMENT_TIMEOUT with StoreUnavailableError, keeping the pool usable', async () => {
    const fresh = await freshServerDatabase()
    const db = openPg({ connectionString: fresh.url, max: 2, connectTimeoutMs: 5000, statementTimeoutMs: 200, log: silentLog })
    try {
      await assert.rejects(db.query('SELECT pg_sleep(30)'), (err: unknown) => err instanceof StoreUnavailableError && /statement timeout/.test(String((err as Error).message)))
      assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
    } finally {
      await db.close()
      await fresh.drop()
    }
  })
})

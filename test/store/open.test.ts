import assert from 'node:assert/strict'
import pg from 'pg'
import { backends, postgresBackend, requireServerUrl } from '../support/stores.js'
import { capturingLogger } from '../support/app.js'
import { openStore } from '../../src/store/open.js'

if (backends().includes(postgresBackend)) {
  describe('opening a PostgreSQL server store', () => {
    async function withDatabase(ctype: string, fn: (url: string) => Promise<void>): Promise<void> {
      const admin = requireServerUrl()
      const name = `roster_locale_${ctype.replace(/\W/g, '').toLowerCase()}_${Date.now().toString(36)}`
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE '${ctype}' LC_CTYPE '${ctype}'`)
      try {
        const url = new URL(admin)
        url.pathname = `/${name}`
        await fn(url.toString())
      } finally {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await c.end()
      }
    }
    const open = async (url: string) => {
      const { log, lines } = capturingLogger()
      const opened = await openStore({ databaseUrl: url, dataDir: '/nonexistent', databasePoolMax: 2, databaseConnectTimeoutMs: 5000 }, log, { role: 'cli', command: 'test' })
      await opened.store.close()
      return lines.filter((l) => l.level === 40).map((l) => String(l.msg))
    }

    it('warns when the database cannot fold non-ASCII case', async () => {
      await withDatabase('C', async (url) => {
        const warnings = await open(url)
        assert.ok(warnings.some((w) => /does not fold non-ASCII case/.test(w)), JSON.stringify(warnings))
      })
    })

    it('says nothing for a UTF-8 locale', async () => {
      await withDatabase('C.UTF-8', async (url) => {
        assert.deepEqual(await open(url), [])
      })
    })
  })
}

import assert from 'node:assert/strict'
import path from 'node:path'
import { ConfigError, loadConfig, parseDuration, parseSize } from '../src/config.js'

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, '/srv/roster')
    assert.equal(c.port, 3000)
    assert.equal(c.host, '127.0.0.1')
    assert.equal(c.publicUrl, 'http://localhost:3000')
    assert.equal(c.dataDir, path.resolve('/srv/roster', 'data'))
    assert.equal(c.databaseUrl, undefined)
    assert.equal(c.bodyLimitBytes, 1024 * 1024)
    assert.equal(c.shutdownTimeoutMs, 10_000)
    assert.equal(c.tokenUsageFlushMs, 30_000)
  })

  it('derives PUBLIC_URL from PORT and normalises an explicit one to its origin', () => {
    assert.equal(loadConfig({ PORT: '8080' }).publicUrl, 'http://localhost:8080')
    assert.equal(loadConfig({ PUBLIC_URL: 'https://Roster.Example.com/' }).publicUrl, 'https://roster.example.com')
  })

  it('reports every bad variable by name at once', () => {
    assert.throws(
      () => loadConfig({ PORT: '70000', DATABASE_URL: 'http://x', LOG_FORMAT: 'xml', DATABASE_POOL_MAX: '0', TOKEN_USAGE_FLUSH_INTERVAL: 'soon' }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError)
        const text = e.message
        for (const name of ['PORT', 'DATABASE_URL', 'LOG_FORMAT', 'DATABASE_POOL_MAX', 'TOKEN_USAGE_FLUSH_INTERVAL']) assert.match(text, new RegExp(`\\b${name}\\b`))
        assert.equal(e.problems.length, 5)
        return true
      },
    )
  })

  it('rejects a PUBLIC_URL with a path, query or credentials', () => {
    for (const bad of ['https://x.example/base', 'https://x.example/?a=1', 'https://u:p@x.example', 'not a url', 'mailto:a@b']) {
      assert.throws(() => loadConfig({ PUBLIC_URL: bad }), /PUBLIC_URL/)
    }
  })

  it('does not echo the database password in its error', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' }), (e: unknown) => !(e as Error).message.includes('hunter2'))
  })

  it('parses durations and sizes', () => {
    assert.equal(parseDuration('500ms'), 500)
    assert.equal(parseDuration('30s'), 30_000)
    assert.equal(parseDuration('5m'), 300_000)
    assert.equal(parseDuration('2H'), 7_200_000)
    assert.equal(parseDuration('1d'), 86_400_000)
    assert.equal(parseDuration('10'), undefined)
    assert.equal(parseDuration('-1s'), undefined)
    assert.equal(parseSize('1mb'), 1_048_576)
    assert.equal(parseSize('512KB'), 524_288)
    assert.equal(parseSize('2048'), 2048)
    assert.equal(parseSize('1tb'), undefined)
  })
})

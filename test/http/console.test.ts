/**
 * The web console's files at /admin: index.html for every console path (the console routes in the
 * browser), its modules and styles, Preact from node_modules, a strict CSP, nothing outside web/.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import request from 'supertest'
import { pgliteBackend, type TestStore } from '../support/stores.js'
import { testApp } from '../support/app.js'
import { ROOT } from '../support/process.js'

describe('web console files at /admin', () => {
  let t: TestStore
  let app: ReturnType<typeof testApp>['callback']
  before(async () => {
    t = await pgliteBackend.open()
    app = testApp(t.store).callback
  })
  after(async () => t?.dispose())

  for (const p of ['/admin', '/admin/', '/admin/users', '/admin/users/0b6e3c1e-0000-4000-8000-000000000000', '/admin/settings/directory']) {
    it(`serves the console page at ${p}, uncached, with a CSP that allows no inline script`, async () => {
      const res = await request(app).get(p).expect(200)
      assert.match(String(res.headers['content-type']), /^text\/html/)
      assert.match(res.text, /<script type="module" src="\/admin\/app\/main\.js"><\/script>/)
      assert.equal(res.headers['cache-control'], 'no-store')
      const csp = res.headers['content-security-policy'] as string
      assert.match(csp, /script-src 'self'(;|$)/)
      assert.match(csp, /frame-ancestors 'none'/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
      assert.equal(res.headers['x-content-type-options'], 'nosniff')
    })
  }

  it('serves every module the console imports, as JavaScript', async () => {
    // Follow the import graph from main.js: a missing or misnamed module would break the console.
    const seen = new Set<string>()
    const queue = ['/admin/app/main.js']
    while (queue.length) {
      const url = queue.shift()!
      if (seen.has(url)) continue
      seen.add(url)
      const res = await request(app).get(url).expect(200)
      assert.match(String(res.headers['content-type']), /javascript/, url)
      if (url.includes('/vendor/')) continue
      for (const m of res.text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        queue.push(new URL(m[1]!, `http://x${url}`).pathname)
      }
    }
    assert.ok(seen.has('/admin/vendor/htm-preact.js'))
    assert.ok(seen.size > 8, `only ${[...seen].join(', ')}`)
  })

  it('serves the stylesheets index.html links', async () => {
    const html = fs.readFileSync(path.join(ROOT, 'web/index.html'), 'utf8')
    const sheets = [...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!)
    assert.ok(sheets.length >= 1)
    for (const s of sheets) assert.match(String((await request(app).get(s).expect(200)).headers['content-type']), /text\/css/)
  })

  it('answers 404 for missing files and never serves files outside web/', async () => {
    await request(app).get('/admin/app/nope.js').expect(404)
    await request(app).get('/admin/assets/../../package.json').expect((res) => assert.notEqual(res.status, 200))
    await request(app).get('/admin/app/..%2f..%2fpackage.json').expect((res) => assert.ok(res.status === 404 || res.status === 403 || res.status === 400, String(res.status)))
    await request(app).get('/admin/app/%2e%2e/%2e%2e/src/config.ts').expect((res) => assert.ok(!res.text.includes('export'), 'source leaked'))
  })

  it('refuses methods other than GET and HEAD', async () => {
    const res = await request(app).post('/admin/users').send({}).expect(405)
    assert.equal(res.headers.allow, 'GET, HEAD')
  })
})

/**
 * The baseline for bench/scim.ts: koa on node:http answering GET /<name> with a fixed JSON document
 * (a captured Roster response), serialised per request as Roster serialises its own. No database,
 * no authentication, no routing library: what is left is the cost of HTTP, koa and JSON.
 *
 *   BARE_BODIES=<file with {"name": <json>, …}> PORT=<port> node --import tsx bench/bare-server.ts
 */
import fs from 'node:fs'
import { serveBench } from './serve.js'
import Koa from 'koa'

const bodies = new Map<string, unknown>(Object.entries(JSON.parse(fs.readFileSync(process.env.BARE_BODIES!, 'utf8')) as Record<string, unknown>))

const app = new Koa()
app.use((ctx) => {
  const body = ctx.method === 'GET' ? bodies.get(ctx.path.slice(1)) : undefined
  if (body === undefined) {
    ctx.status = 404
    return
  }
  ctx.type = 'application/scim+json'
  ctx.body = body
})

serveBench(app.callback(), 'bare server')

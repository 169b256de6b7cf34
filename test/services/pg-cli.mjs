#!/usr/bin/env node
// Command-line face of test/services/postgres.mjs, for shell scripts such as .ci/run.
//
//   node test/services/pg-cli.mjs install          # ensure the server binaries (apt as root); prints the bin dir
//   node test/services/pg-cli.mjs start [--port N] # prints the URL, then the cluster directory (2 lines)
//   node test/services/pg-cli.mjs stop <dir>       # stops the cluster and deletes <dir>
//
// Only results go to stdout; progress and errors go to stderr. Exit status 1 on failure.

import fs from 'node:fs'
import path from 'node:path'
import { ensurePostgresInstalled, startCluster, openCluster } from './postgres.mjs'

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const [command, ...rest] = process.argv.slice(2)

function usage() {
  process.stderr.write('usage: pg-cli.mjs install | start [--port N] | stop <dir>\n')
  process.exit(2)
}

async function main() {
  switch (command) {
    case 'install': {
      const binDir = await ensurePostgresInstalled({ allowInstall: isRoot })
      process.stdout.write(`${binDir}\n`)
      return
    }
    case 'start': {
      let port
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === '--port' && rest[i + 1]) port = Number(rest[++i])
        else if (rest[i].startsWith('--port=')) port = Number(rest[i].slice(7))
        else usage()
      }
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) usage()
      const t0 = Date.now()
      const binDir = await ensurePostgresInstalled({ allowInstall: isRoot })
      const cluster = await startCluster({ binDir, port, keepOnExit: true })
      process.stderr.write(`pg-cli: PostgreSQL started at ${cluster.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (${cluster.dir})\n`)
      process.stdout.write(`${cluster.url}\n${cluster.dir}\n`)
      return
    }
    case 'stop': {
      if (rest.length !== 1) usage()
      const dir = path.resolve(rest[0])
      if (!fs.existsSync(dir)) return // already gone: nothing to do
      await openCluster(dir).destroy()
      return
    }
    default:
      usage()
  }
}

main().catch((err) => {
  process.stderr.write(`pg-cli ${command}: ${err.message}\n`)
  process.exit(1)
})

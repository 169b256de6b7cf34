// Regenerates bin/roster-help.json, the `roster --help` texts the fast client answers from:
//   node --import tsx scripts/cli-help.ts
// test/cli/help.cli.test.ts fails while it is out of date (any edit in src/cli).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CATALOGUE_FILE, helpCatalogue } from '../src/cli/help-catalogue.js'
import { fingerprint } from '../bin/roster-help-fingerprint.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const catalogue = await helpCatalogue(fingerprint(path.join(root, 'src/cli')))
fs.writeFileSync(path.join(root, CATALOGUE_FILE), `${JSON.stringify(catalogue, null, 1)}\n`)
process.stdout.write(`wrote ${CATALOGUE_FILE}: ${Object.keys(catalogue.commands).length} commands\n`)

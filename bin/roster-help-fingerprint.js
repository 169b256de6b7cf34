// The help catalogue (bin/roster-help.json) is trusted only while it was generated from the
// sources in src/cli as they are now: any edit there makes it stale, and `roster` then asks the
// real program. Shared by bin/roster.js, scripts/cli-help.ts and the test that checks the catalogue.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** @param {string} cliDir */
export function fingerprint(cliDir) {
  const hash = crypto.createHash('sha256')
  for (const name of fs.readdirSync(cliDir).filter((n) => n.endsWith('.ts')).sort()) {
    hash.update(`${name}\0`).update(fs.readFileSync(path.join(cliDir, name))).update('\0')
  }
  return hash.digest('hex')
}

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { parseEnv } from 'node:util'
import { loadConfig } from '../src/config.js'
import { ROOT } from './support/process.js'

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8')

/** Variables src/config.ts reads: every read('X'), int('X', …), duration('X', …), oneOf('X', …). */
function variablesInCode(): string[] {
  const code = read('src/config.ts')
  return [...new Set([...code.matchAll(/\b(?:read|int|duration|oneOf)\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!))].sort()
}

describe('documentation stays true', () => {
  const example = read('.env.example')
  // Commented-out settings (#NAME=value) are documented too, just not active by default.
  const documented = parseEnv(example.replace(/^#([A-Z][A-Z0-9_]*=)/gm, '$1'))

  it('documents every configuration variable in .env.example and README.md', () => {
    const inCode = variablesInCode()
    assert.ok(inCode.length >= 10, `found ${inCode.length} variables`)
    assert.deepEqual(Object.keys(documented).sort(), inCode)
    const readme = read('README.md')
    for (const name of inCode) assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README.md documents ${name}`)
  })

  it('ships an .env.example whose values are all valid', () => {
    assert.doesNotThrow(() => loadConfig(documented))
  })

  it('gives exactly the two set-up commands on the README\'s first screen', () => {
    const firstScreen = read('README.md').split('\n').slice(0, 25).join('\n')
    assert.match(firstScreen, /^npm ci && npm start\b/m)
    assert.match(firstScreen, /^npm ci && npm test\b/m)
  })

  it('shows the architecture diagram generated from the code as it is (npm run docs:architecture)', function () {
    this.timeout(60_000)
    const result = spawnSync(process.execPath, ['scripts/architecture-diagram.mjs', '--check'], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(result.status, 0, result.stderr)
  })
})

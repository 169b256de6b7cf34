import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ROOT, childEnv, tempDir, type CliResult } from '../support/process.js'
import { capture, CATALOGUE_FILE, helpCatalogue, type HelpCatalogue } from '../../src/cli/help-catalogue.js'
import { fingerprint } from '../../bin/roster-help-fingerprint.js'

const REGENERATE = 'regenerate it with `node --import tsx scripts/cli-help.ts`'

/** bin/roster.js with a hook that fails the process if it loads tsx or a TypeScript file. */
function fastClient(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', path.join(ROOT, 'test/cli/no-typescript.mjs'), path.join(ROOT, 'bin/roster.js'), ...args], {
      cwd: tempDir('roster-cwd-'),
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('roster --help and unknown commands', function () {
  this.timeout(120_000)
  const probe = path.join(tempDir(), 'never-created')
  let catalogue: HelpCatalogue

  before(() => {
    catalogue = JSON.parse(fs.readFileSync(path.join(ROOT, CATALOGUE_FILE), 'utf8')) as HelpCatalogue
  })
  after(() => fs.rmSync(path.dirname(probe), { recursive: true, force: true }))

  it(`${CATALOGUE_FILE} is the help the program prints now`, async () => {
    assert.equal(catalogue.fingerprint, fingerprint(path.join(ROOT, 'src/cli')), `${CATALOGUE_FILE} was generated from other sources: ${REGENERATE}`)
    const now = await helpCatalogue(catalogue.fingerprint)
    assert.deepEqual(Object.keys(catalogue.commands).sort(), Object.keys(now.commands).sort(), REGENERATE)
    for (const [names, entry] of Object.entries(now.commands)) assert.deepEqual(catalogue.commands[names], entry, `roster ${names} --help: ${REGENERATE}`)
  })

  it('answers every --help and unknown command without loading tsx or TypeScript, as the program does', async () => {
    const cases = [
      [],
      ['--help'],
      ['-h'],
      ...Object.keys(catalogue.commands).filter(Boolean).map((names) => [...names.split(' '), '--help']),
      ['usr'],
      ['bogus', '--help'],
      ['tenant', 'lst'],
      ['tenant', 'lst', '--help'],
      ['tenant'],
    ]
    const clients = await Promise.all(cases.map((argv) => fastClient(argv, { DATA_DIR: probe })))
    for (const [i, argv] of cases.entries()) {
      const [client, program] = [clients[i]!, await capture(argv)]
      const what = `roster ${argv.join(' ')}`
      assert.equal(client.code, program.exit, `${what}: exit status (${client.stderr})`)
      assert.equal(client.stdout, program.stdout, `${what}: standard output`)
      assert.equal(client.stderr, program.stderr, `${what}: standard error`)
    }
    assert.equal(fs.existsSync(probe), false, 'help touches no store')
  })

  it('fails an unknown command with exit 2 and a suggestion, even with --help', async () => {
    for (const [argv, name, suggestion] of [
      [['usr'], 'usr', 'user'],
      [['tenat', '--help'], 'tenat', 'tenant'],
      [['tenant', 'lst'], 'lst', 'list'],
    ] as const) {
      const r = await fastClient([...argv])
      assert.equal(r.code, 2, argv.join(' '))
      assert.equal(r.stdout, '')
      assert.ok(r.stderr.startsWith(`error: unknown command '${name}'\n(Did you mean ${suggestion}?)\n`), r.stderr)
    }
  })

  it('says each default once and lists what each command does', () => {
    for (const [names, { help }] of Object.entries(catalogue.commands)) {
      assert.doesNotMatch(help, /\(default[^)]*\)\s+\(default/, `roster ${names} --help repeats a default`)
      assert.doesNotMatch(help, /\(default: \[\]\)/, `roster ${names} --help shows an empty list as a default`)
      for (const line of help.split('\n')) assert.ok(line.length <= 80, `roster ${names} --help: line wider than 80 columns: ${line}`)
    }
    assert.match(catalogue.commands.tenant!.help, /^create, update and list tenants$/m)
    assert.match(catalogue.commands.audit!.help, /--limit <n> +how many events \(default: 20\)\n/)
  })
})

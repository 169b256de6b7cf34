import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser'

// The dependency rule (.dependency-cruiser.cjs, docs/architecture.md) as `npm run lint` applies it.
// Each rule is shown to fail on a planted violation — in a scratch tree laid out like Roster's, so the
// real tree is never touched — and the real tree is shown to keep all of them.
const root = path.resolve(import.meta.dirname, '..')
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration

async function violations(baseDir: string, paths: string[]): Promise<Array<{ rule: string; from: string; to: string }>> {
  const result = await cruise(paths, {
    ...config.options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    // Scratch trees have no tsconfig; the real one is read when cruising the real tree.
    ...(baseDir === root ? {} : { tsConfig: undefined }),
  })
  const output = result.output as ICruiseResult
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }))
}

/** A scratch tree: file path → the modules it imports (paths from the tree's root). */
function plant(files: Record<string, string[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-architecture-'))
  for (const [file, imports] of Object.entries(files)) {
    const abs = path.join(dir, file)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    const lines = imports.map((target, i) => {
      let rel = path.relative(path.dirname(abs), path.join(dir, target)).replace(/\.ts$/, '')
      if (!rel.startsWith('.')) rel = './' + rel
      return `import { x as x${i} } from '${rel}'`
    })
    fs.writeFileSync(abs, `${lines.join('\n')}\nexport const x = ${imports.map((_, i) => `x${i}`).join(' + ') || '1'}\n`)
  }
  return dir
}

const PLANTED: Array<{ rule: string; files: Record<string, string[]>; from: string }> = [
  { rule: 'domain-is-pure', files: { 'src/domain/identity/users.ts': ['src/scim/resources/users.ts'], 'src/scim/resources/users.ts': [] }, from: 'src/domain/identity/users.ts' },
  { rule: 'domain-is-pure', files: { 'src/domain/credentials/tokens.ts': ['src/config.ts'], 'src/config.ts': [] }, from: 'src/domain/credentials/tokens.ts' },
  { rule: 'http-knows-no-feature', files: { 'src/http/errors.ts': ['src/domain/tenancy/source-of-truth.ts'], 'src/domain/tenancy/source-of-truth.ts': [] }, from: 'src/http/errors.ts' },
  { rule: 'faces-never-import-each-other', files: { 'src/admin/settings-api.ts': ['src/scim/router.ts'], 'src/scim/router.ts': [] }, from: 'src/admin/settings-api.ts' },
  { rule: 'services-serve-faces-not-the-reverse', files: { 'sync/run.ts': ['src/cli/sync.ts'], 'src/cli/sync.ts': [] }, from: 'sync/run.ts' },
  { rule: 'services-are-independent', files: { 'src/saml/settings.ts': ['sync/service.ts'], 'sync/service.ts': [] }, from: 'src/saml/settings.ts' },
  { rule: 'adapter-implements-the-domain', files: { 'src/store/open.ts': ['src/config.ts'], 'src/config.ts': [] }, from: 'src/store/open.ts' },
  { rule: 'only-the-root-composes', files: { 'src/scim/router.ts': ['src/store/postgres/store.ts'], 'src/store/postgres/store.ts': [] }, from: 'src/scim/router.ts' },
  { rule: 'no-circular', files: { 'src/domain/identity/users.ts': ['src/domain/identity/groups.ts'], 'src/domain/identity/groups.ts': ['src/domain/identity/users.ts'] }, from: 'src/domain/identity/users.ts' },
  {
    // No module cycle, but the folders go round: admin → http → admin.
    rule: 'no-folder-cycles',
    files: { 'src/admin/router.ts': ['src/http/body.ts'], 'src/http/body.ts': ['src/admin/schemas.ts'], 'src/admin/schemas.ts': [] },
    from: 'src/admin',
  },
]

describe('architecture: the dependency rule', function () {
  this.timeout(120_000)
  const scratch: string[] = []
  after(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })))

  for (const { rule, files, from } of PLANTED) {
    it(`${rule} fails on ${from} → ${Object.values(files)[0]![0]}`, async () => {
      const dir = plant(files)
      scratch.push(dir)
      const found = await violations(dir, Object.keys(files).map((f) => f.split('/')[0]!).filter((v, i, a) => a.indexOf(v) === i))
      assert.ok(
        // A cycle is reported from whichever of its modules the cruise meets first.
        found.some((v) => v.rule === rule && (v.from === from || (rule === 'no-circular' && v.from in files))),
        `expected ${rule} from ${from}; got ${JSON.stringify(found)}`,
      )
    })
  }

  it('every rule is planted at least once', () => {
    const planted = new Set(PLANTED.map((p) => p.rule))
    assert.deepEqual((config.forbidden ?? []).map((r) => r.name).filter((n) => !planted.has(n!)), [])
  })

  it('the same imports inside the rule pass (no false alarm)', async () => {
    const dir = plant({
      'src/domain/identity/users.ts': ['src/domain/kernel/errors.ts'],
      'src/domain/kernel/errors.ts': [],
      'src/http/errors.ts': ['src/domain/kernel/errors.ts'],
      'src/scim/router.ts': ['src/domain/identity/users.ts', 'src/http/errors.ts'],
      'src/admin/settings-api.ts': ['sync/service.ts', 'src/saml/settings.ts'],
      'sync/service.ts': ['src/domain/identity/users.ts'],
      'src/saml/settings.ts': ['src/domain/kernel/errors.ts'],
      'src/store/postgres/store.ts': ['src/domain/identity/users.ts'],
      'src/app.ts': ['src/scim/router.ts', 'src/admin/settings-api.ts', 'src/store/postgres/store.ts'],
    })
    scratch.push(dir)
    assert.deepEqual(await violations(dir, ['src', 'sync']), [])
  })

  it('Roster itself keeps every rule', async () => {
    assert.deepEqual(await violations(root, ['src', 'sync']), [])
  })
})

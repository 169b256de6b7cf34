#!/usr/bin/env node
// Moves modules and rewrites every relative import that names them, tree-wide, so that a
// restructuring commit is a move and nothing else (issue 13: "moves, splits and lint rules").
//
//   node scripts/move-modules.mjs src/domain/identity/users.ts=src/domain/identity/users.ts [old=new …]
//   node scripts/move-modules.mjs --map moves.txt      # one "old new" pair per line
//
// A pair may name a folder: every file under it moves. Relative specifiers in .ts/.mts/.mjs/.js
// files under src/, sync/, test/, bench/, bin/, scripts/ and web/ are re-resolved (an import of
// `x.js` means the module `x.ts` when that is what exists), then re-relativised from the importer's
// new place. Mentions of moved paths in Markdown, JSON and the CI script are rewritten too.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const root = process.cwd()
const args = process.argv.slice(2)
const pairs = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--map') {
    for (const line of fs.readFileSync(args[++i], 'utf8').split('\n')) {
      const t = line.trim()
      if (t && !t.startsWith('#')) pairs.push(t.split(/\s+/))
    }
  } else pairs.push(args[i].split('='))
}
if (pairs.length === 0) {
  console.error('usage: move-modules.mjs old=new … | --map file')
  process.exit(2)
}

const CODE_ROOTS = ['src', 'sync', 'test', 'bench', 'bin', 'scripts', 'web']
const CODE = /\.(ts|mts|mjs|js|cjs)$/
const walk = (dir) =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name)
        if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'data') return []
        return e.isDirectory() ? walk(p) : [p]
      })
    : []

// old absolute file → new absolute file
const moves = new Map()
for (const [from, to] of pairs) {
  const absFrom = path.resolve(root, from)
  const absTo = path.resolve(root, to)
  if (!fs.existsSync(absFrom)) throw new Error(`no such path: ${from}`)
  if (fs.statSync(absFrom).isDirectory()) {
    for (const f of walk(absFrom)) moves.set(f, path.join(absTo, path.relative(absFrom, f)))
  } else moves.set(absFrom, absTo)
}
const newPlace = (abs) => moves.get(abs) ?? abs

const SPEC = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bexport\s*\*\s*from\s*|\brequire\s*\(\s*|new URL\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g

/** The file a relative specifier names, trying the TypeScript source behind a `.js` specifier. */
function target(fromFile, spec) {
  const abs = path.resolve(path.dirname(fromFile), spec)
  if (fs.existsSync(abs) || moves.has(abs)) return { abs, ext: '' }
  for (const [js, ts] of [['.js', '.ts'], ['.mjs', '.mts'], ['.js', '.mts']]) {
    if (abs.endsWith(js)) {
      const src = abs.slice(0, -js.length) + ts
      if (fs.existsSync(src) || moves.has(src)) return { abs: src, ext: js, srcExt: ts }
    }
  }
  return null
}

function relative(fromFile, toFile) {
  let rel = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/')
  if (!rel.startsWith('.')) rel = './' + rel
  return rel
}

const files = CODE_ROOTS.flatMap((r) => walk(path.join(root, r))).filter((f) => CODE.test(f))
const rewrites = new Map()
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8')
  const fileAfter = newPlace(file)
  let changed = false
  const out = text.replace(SPEC, (whole, lead, q, spec) => {
    // new URL('…', import.meta.url) only when the path is a module or a folder we know about
    const t = target(file, spec)
    if (!t) return whole
    const destination = newPlace(t.abs)
    if (destination === t.abs && fileAfter === file) return whole
    let rel = relative(fileAfter, t.ext ? destination.slice(0, -t.srcExt.length) + t.ext : destination)
    if (spec.endsWith('/') && !rel.endsWith('/')) rel += '/'
    if (rel === spec) return whole
    changed = true
    return `${lead}${q}${rel}${q}`
  })
  if (changed) rewrites.set(file, out)
}

for (const [from, to] of moves) {
  fs.mkdirSync(path.dirname(to), { recursive: true })
  execFileSync('git', ['mv', path.relative(root, from), path.relative(root, to)], { cwd: root })
}
for (const [file, text] of rewrites) fs.writeFileSync(newPlace(file), text)

// Prose and configuration that name a moved file by its repository path.
const prose = [...walk(path.join(root, 'docs')), path.join(root, 'README.md'), ...walk(path.join(root, '.ci')), path.join(root, 'package.json'), path.join(root, '.mocharc.json'), path.join(root, 'eslint.config.js'), path.join(root, '.dependency-cruiser.cjs'), ...files.map(newPlace)].filter(
  (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
)
const byLength = [...moves].map(([a, b]) => [path.relative(root, a), path.relative(root, b)]).sort((x, y) => y[0].length - x[0].length)
for (const file of prose) {
  const text = fs.readFileSync(file, 'utf8')
  let out = text
  for (const [a, b] of byLength) {
    out = out.split(a).join(b)
    // the same module named without its extension, or by its .js twin
    const aJs = a.replace(/\.ts$/, '.js')
    if (aJs !== a) out = out.split(aJs).join(b.replace(/\.ts$/, '.js'))
  }
  if (out !== text) fs.writeFileSync(file, out)
}
console.log(`moved ${moves.size} files, rewrote imports in ${rewrites.size}`)

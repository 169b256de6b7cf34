#!/usr/bin/env node
// Splits a module's top-level declarations into other modules and rewrites every import of them,
// tree-wide (issue 13: a module that holds several concepts becomes one module per concept, as a
// mechanical step that changes no behaviour).
//
//   node scripts/split-module.mjs src/domain/model.ts --map split.txt
//
// Each map line is "Name path/to/destination.ts". Names not in the map stay. The moved
// declarations keep their comments; each destination gets the imports its declarations need;
// importers' `import {…} from` / `export {…} from` are split by destination. Run
// `npx eslint --fix` afterwards: it settles `import type` against how each name is used.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const root = process.cwd()
const [sourceArg, , mapFile] = process.argv.slice(2)
const source = path.resolve(root, sourceArg)
const destinationOf = new Map()
for (const line of fs.readFileSync(mapFile, 'utf8').split('\n')) {
  const t = line.trim()
  if (!t || t.startsWith('#')) continue
  const [name, dest] = t.split(/\s+/)
  destinationOf.set(name, path.resolve(root, dest))
}

const parse = (file, text) => ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS)
const relSpec = (fromFile, toFile) => {
  let rel = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/').replace(/\.ts$/, '.js')
  return rel.startsWith('.') ? rel : './' + rel
}
const resolveSpec = (fromFile, spec) => {
  if (!spec.startsWith('.')) return spec
  const abs = path.resolve(path.dirname(fromFile), spec)
  const ts = abs.endsWith('.js') ? abs.slice(0, -3) + '.ts' : null
  return ts && (ts === source || fs.existsSync(ts)) ? ts : abs
}

const text = fs.readFileSync(source, 'utf8')
const sf = parse(source, text)

/** name → { spec (absolute or bare), typeOnly } for the source module's own imports. */
const imported = new Map()
const declared = new Map() // name → { stmt, isType }
const keptStatements = []
const movedByDest = new Map()
const headerEnd = sf.statements.length ? sf.statements[0].getFullStart() : 0

const declName = (s) => {
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.map((d) => d.name.getText())
  return s.name ? [s.name.getText()] : []
}
for (const s of sf.statements) {
  if (ts.isImportDeclaration(s)) {
    const spec = resolveSpec(source, s.moduleSpecifier.text)
    const clause = s.importClause
    for (const el of clause?.namedBindings?.elements ?? []) imported.set(el.name.text, { spec, typeOnly: clause.isTypeOnly || el.isTypeOnly, orig: el.propertyName?.text })
    if (clause?.name) imported.set(clause.name.text, { spec, typeOnly: clause.isTypeOnly, isDefault: true })
    continue
  }
  const names = declName(s)
  const isType = ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)
  for (const n of names) declared.set(n, { stmt: s, isType })
  const dests = new Set(names.map((n) => destinationOf.get(n)).filter(Boolean))
  if (dests.size > 1) throw new Error(`one statement, several destinations: ${names}`)
  const dest = [...dests][0]
  if (dest) {
    if (!movedByDest.has(dest)) movedByDest.set(dest, [])
    movedByDest.get(dest).push(s)
  } else keptStatements.push(s)
}
const whereNow = (name) => (destinationOf.has(name) && declared.has(name) ? destinationOf.get(name) : declared.has(name) ? source : null)

function identifiersIn(node, out = new Set()) {
  if (ts.isIdentifier(node)) out.add(node.text)
  // forEachChild stops at the first callback that returns a truthy value
  ts.forEachChild(node, (c) => void identifiersIn(c, out))
  return out
}

/** Import lines a module at `file` needs for the names its statements use. */
function importsFor(file, statements) {
  const used = new Set()
  for (const s of statements) identifiersIn(s, used)
  const ownNames = new Set(statements.flatMap(declName))
  const bySpec = new Map()
  const add = (spec, name, typeOnly, orig) => {
    if (!bySpec.has(spec)) bySpec.set(spec, [])
    bySpec.get(spec).push((typeOnly ? 'type ' : '') + (orig ? `${orig} as ${name}` : name))
  }
  for (const name of used) {
    if (ownNames.has(name)) continue
    const here = whereNow(name)
    if (here) {
      if (here !== file) add(here, name, declared.get(name).isType)
    } else if (imported.has(name)) {
      const i = imported.get(name)
      if (i.isDefault) bySpec.set(`default:${i.spec}`, [name])
      else add(i.spec, name, i.typeOnly, i.orig)
    }
  }
  return [...bySpec]
    .map(([spec, names]) => {
      if (spec.startsWith('default:')) {
        const s = spec.slice(8)
        return `import ${names[0]} from '${path.isAbsolute(s) ? relSpec(file, s) : s}'`
      }
      const s = path.isAbsolute(spec) ? relSpec(file, spec) : spec
      return `import { ${names.sort().join(', ')} } from '${s}'`
    })
    .join('\n')
}

const stmtText = (s) => text.slice(s.getFullStart(), s.getEnd()).replace(/^\n+/, '')

// Destinations: append (a destination may already exist).
for (const [dest, statements] of movedByDest) {
  const body = statements.map(stmtText).join('\n\n')
  const imports = importsFor(dest, statements)
  if (fs.existsSync(dest)) {
    const existing = fs.readFileSync(dest, 'utf8')
    fs.writeFileSync(dest, `${imports ? imports + '\n' : ''}${existing.trimEnd()}\n\n${body}\n`)
  } else {
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.writeFileSync(dest, `${imports ? imports + '\n\n' : ''}${body}\n`)
  }
}

// The source: its header comment, the imports the kept statements need, the kept statements.
const header = text.slice(0, headerEnd).replace(/^(\s*import[^\n]*\n)+/m, '')
const leading = sf.statements.length ? text.slice(sf.statements[0].getFullStart(), sf.statements[0].getStart()) : ''
const keptImports = importsFor(source, keptStatements)
if (keptStatements.length) {
  fs.writeFileSync(source, `${(header + leading).trim() ? (header + leading).trimEnd() + '\n' : ''}${keptImports ? keptImports + '\n\n' : ''}${keptStatements.map(stmtText).join('\n\n')}\n`)
} else fs.rmSync(source)

// Importers across the tree.
const walk = (dir) =>
  fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name)
        if (['node_modules', 'dist', 'data'].includes(e.name)) return []
        return e.isDirectory() ? walk(p) : [p]
      })
    : []
let touched = 0
for (const file of ['src', 'sync', 'test', 'bench', 'scripts'].flatMap((d) => walk(path.join(root, d))).filter((f) => /\.(ts|mts)$/.test(f))) {
  const t = fs.readFileSync(file, 'utf8')
  const f = parse(file, t)
  const edits = []
  for (const s of f.statements) {
    const isImport = ts.isImportDeclaration(s)
    const isExport = ts.isExportDeclaration(s) && s.moduleSpecifier
    if (!isImport && !isExport) continue
    if (resolveSpec(file, s.moduleSpecifier.text) !== source) continue
    const elements = isImport ? s.importClause?.namedBindings?.elements : s.exportClause?.elements
    if (!elements) throw new Error(`${file}: namespace import of the split module`)
    const wholeType = isImport ? s.importClause.isTypeOnly : s.isTypeOnly
    const groups = new Map()
    for (const el of elements) {
      const name = (el.propertyName ?? el.name).text
      const dest = destinationOf.has(name) && declared.has(name) ? destinationOf.get(name) : source
      if (!groups.has(dest)) groups.set(dest, [])
      groups.get(dest).push(el.getText())
    }
    if (groups.size === 1 && groups.has(source)) continue
    const kw = isImport ? 'import' : 'export'
    const lines = [...groups].map(([dest, els]) => `${kw} ${wholeType ? 'type ' : ''}{ ${els.join(', ')} } from '${relSpec(file, dest)}'`)
    edits.push([s.getStart(), s.getEnd(), lines.join('\n')])
  }
  if (!edits.length) continue
  let out = t
  for (const [a, b, r] of edits.sort((x, y) => y[0] - x[0])) out = out.slice(0, a) + r + out.slice(b)
  fs.writeFileSync(file, out)
  touched++
}
console.log(`split ${[...movedByDest.values()].flat().length} declarations into ${movedByDest.size} modules; rewrote ${touched} importers`)

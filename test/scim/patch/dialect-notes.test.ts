/**
 * Every IdP dialect rule lenient mode reads (src/scim/dialect-rules.ts) is noted, under its name,
 * where it fires; strict mode refuses the same request and notes nothing. One case per rule, and
 * a check that no rule is left without one.
 */
import assert from 'node:assert/strict'
import { DIALECT_RULES, type DialectRule } from '../../../src/scim/dialect-rules.js'
import { Interpretation, type InterpretationNote } from '../../../src/scim/interpretation.js'
import { PATCH_OP_URN, parsePatchRequest } from '../../../src/scim/messages/patch-op.js'
import { applyPatch } from '../../../src/scim/patch/apply.js'
import { fromWire } from '../../../src/scim/schema/representation.js'
import { BJENSEN, ENTERPRISE, CORE_USER, registry, SMALL_USER, TOUR_GUIDES } from './support.js'

type Run = (strict: boolean, notes: Interpretation) => unknown

const patchRun =
  (doc: typeof BJENSEN, type: 'User' | 'Group', ...ops: unknown[]): Run =>
  (strict, notes) =>
    applyPatch(registry, type, doc, parsePatchRequest({ schemas: [PATCH_OP_URN], Operations: ops }, { strict, notes }), { strict, notes })
const bodyRun =
  (body: unknown): Run =>
  (strict, notes) =>
    fromWire(registry, 'User', body, { mode: 'create', strict, notes })

interface Case {
  rule: DialectRule
  run: Run
  /** The note's detail, or a pattern for it. */
  detail: string | RegExp
  /**
   * What strict mode does with the request: refuses it (the default); reads it too, noting the rule
   * (`noted`); or reads it as given, where the path grammar itself allows the form (`unnoted`).
   */
  strict?: 'noted' | 'unnoted'
}

const CASES: Case[] = [
  { rule: 'boolean-string', run: patchRun(BJENSEN, 'User', { op: 'replace', path: 'active', value: 'False' }), detail: 'Operations[0]: active: "False" read as false' },
  { rule: 'boolean-string', run: bodyRun({ schemas: [CORE_USER], userName: 'b', active: 'TRUE' }), detail: 'active: "TRUE" read as true' },
  { rule: 'single-value-as-list', run: patchRun(SMALL_USER, 'User', { op: 'add', path: 'emails', value: { value: 'b@example.com' } }), detail: 'Operations[0]: emails: a single value read as a list of one' },
  { rule: 'single-value-as-list', run: bodyRun({ schemas: [CORE_USER], userName: 'b', emails: { value: 'b@example.com' } }), detail: 'emails: a single value read as a list of one' },
  { rule: 'extension-not-in-schemas', run: bodyRun({ schemas: [CORE_USER], userName: 'b', [ENTERPRISE]: { department: 'Sales' } }), detail: new RegExp(`^${ENTERPRISE} is present but not listed`) },
  { rule: 'duplicate-schema-urn', run: bodyRun({ schemas: [CORE_USER, CORE_USER], userName: 'b' }), detail: `"schemas" lists ${CORE_USER} more than once: read once` },
  {
    rule: 'patch-schema-case',
    run: (strict, notes) => parsePatchRequest({ schemas: [PATCH_OP_URN.toUpperCase()], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, { strict, notes }),
    detail: `"schemas" "${PATCH_OP_URN.toUpperCase()}" read as "${PATCH_OP_URN}"`,
  },
  { rule: 'op-name-case', run: patchRun(BJENSEN, 'User', { op: 'add', path: 'title', value: 'x' }, { op: 'Replace', path: 'title', value: 'y' }), detail: 'Operations[1]: op "Replace" read as "replace"' },
  { rule: 'blank-path', run: patchRun(BJENSEN, 'User', { op: 'replace', path: null, value: { title: 'x' } }), detail: 'Operations[0]: "path": null read as no path' },
  { rule: 'blank-path', run: patchRun(BJENSEN, 'User', { op: 'replace', path: ' ', value: { title: 'x' } }), detail: 'Operations[0]: "path" " " read as no path' },
  // Strict mode reads the path as given, and the path grammar's tokenizer skips the spaces.
  { rule: 'padded-path', run: patchRun(BJENSEN, 'User', { op: 'replace', path: ' title ', value: 'x' }), detail: 'Operations[0]: "path" " title " read as "title"', strict: 'unnoted' },
  {
    rule: 'path-operator-space',
    run: patchRun(TOUR_GUIDES, 'Group', { op: 'remove', path: 'members[value eq"u1"]' }),
    detail: 'Operations[0]: path "members[value eq\\"u1\\"]" read as "members[value eq \\"u1\\"]"',
    strict: 'noted',
  },
  { rule: 'bare-complex-value', run: patchRun(SMALL_USER, 'User', { op: 'add', path: `${ENTERPRISE}:manager`, value: 'm1' }), detail: `Operations[0]: ${ENTERPRISE}:manager: "m1" read as {"value": …}` },
  { rule: 'server-set-key-ignored', run: patchRun(BJENSEN, 'User', { op: 'replace', value: { id: 'x', title: 't' } }), detail: 'Operations[0]: "id" in the value skipped' },
  { rule: 'path-key', run: patchRun(BJENSEN, 'User', { op: 'replace', value: { 'name.givenName': 'Ann' } }), detail: 'Operations[0]: the value\'s key "name.givenName" read as the path "name.givenName"' },
  {
    rule: 'readonly-sub-ignored',
    run: patchRun(SMALL_USER, 'User', { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1', displayName: 'Boss' } }),
    detail: `Operations[0]: ${ENTERPRISE}:manager.displayName is readOnly: skipped`,
  },
  { rule: 'members-remove-value', run: patchRun(TOUR_GUIDES, 'Group', { op: 'Remove', path: 'members', value: [{ value: 'u1' }] }), detail: /^Operations\[0\]: "remove" of members with a value/ },
  { rule: 'remove-with-value', run: patchRun(BJENSEN, 'User', { op: 'remove', path: 'emails', value: [{ value: 'babs@jensen.org' }] }), detail: /^Operations\[0\]: "remove" of emails with a value/ },
  { rule: 'remove-no-match', run: patchRun(BJENSEN, 'User', { op: 'remove', path: 'emails[type eq "other"]' }), detail: 'Operations[0]: no value of emails matches emails[type eq "other"]: nothing removed' },
  {
    rule: 'replace-creates-filtered',
    run: patchRun(SMALL_USER, 'User', { op: 'replace', path: 'emails[type eq "home"].value', value: 'h@example.com' }),
    detail: 'Operations[0]: no value of emails matches emails[type eq "home"]: one added',
  },
]

const dialects = (notes: Interpretation): Extract<InterpretationNote, { kind: 'dialect' }>[] => notes.notes.filter((n) => n.kind === 'dialect')

describe('scim/patch/dialect notes', () => {
  for (const c of CASES) {
    it(`${c.rule}: noted with what was read as what${c.strict ? '' : '; strict mode refuses it'}`, () => {
      const notes = new Interpretation()
      c.run(false, notes)
      const fired = dialects(notes).filter((n) => n.rule === c.rule)
      assert.equal(fired.length, 1, `one ${c.rule} note in ${JSON.stringify(notes.notes)}`)
      if (typeof c.detail === 'string') assert.equal(fired[0]!.detail, c.detail)
      else assert.match(fired[0]!.detail ?? '', c.detail)

      const strictNotes = new Interpretation()
      if (c.strict) {
        c.run(true, strictNotes)
        assert.deepEqual(dialects(strictNotes).map((n) => n.rule), c.strict === 'noted' ? [c.rule] : [])
      } else {
        assert.throws(() => c.run(true, strictNotes), (err: unknown) => err instanceof Error && (err as { status?: number }).status === 400)
        assert.deepEqual(dialects(strictNotes), [])
      }
    })
  }

  it('RFC forms fire no rule', () => {
    const notes = new Interpretation()
    patchRun(BJENSEN, 'User', { op: 'replace', path: 'active', value: false }, { op: 'add', path: 'emails', value: [{ value: 'x@example.com' }] }, { op: 'remove', path: 'emails[type eq "home"]' })(false, notes)
    bodyRun({ schemas: [CORE_USER, ENTERPRISE], userName: 'b', active: true, [ENTERPRISE]: { department: 'Sales' } })(false, notes)
    assert.deepEqual(notes.notes, [])
  })

  it('every rule of bodies and PATCH has a case here, and every rule a sentence for the log and the docs', () => {
    const covered = new Set(CASES.map((c) => c.rule))
    for (const [rule, sentence] of Object.entries(DIALECT_RULES)) {
      // Filter and projection rules are noted by src/scim/filter and projection.ts, and tested with them.
      if (!/^(?:filter|attributes)-/.test(rule)) assert.ok(covered.has(rule as DialectRule), `no case for ${rule}`)
      assert.match(rule, /^[a-z]+(?:-[a-z]+)*$/, 'kebab-case')
      assert.match(sentence, /^[A-Z"].*\.$/, `${rule}: a sentence`)
    }
  })
})

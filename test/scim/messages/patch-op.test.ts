import assert from 'node:assert/strict'
import { PATCH_LIMITS, PATCH_OP_URN, parsePatchRequest } from '../../../src/scim/messages/patch-op.js'
import { BOTH, body, CORE_USER, LENIENT, refuseBody, STRICT } from '../patch/support.js'

describe('scim/messages/patch-op', () => {
  describe('parsePatchRequest', () => {
    it('returns the operations, op in lower case', () => {
      const ops = parsePatchRequest(body({ op: 'Add', path: 'title', value: 'x' }, { op: 'REMOVE', path: 'nickName' }, { op: 'replace', value: { title: 'y' } }), LENIENT)
      assert.deepEqual(ops, [
        { op: 'add', path: 'title', value: 'x' },
        { op: 'remove', path: 'nickName' },
        { op: 'replace', value: { title: 'y' } },
      ])
    })

    it('reads message attribute names case-insensitively (RFC 7643 §2.1)', () => {
      const ops = parsePatchRequest({ Schemas: [PATCH_OP_URN], operations: [{ OP: 'add', Path: 'title', VALUE: 'x' }] }, STRICT)
      assert.deepEqual(ops, [{ op: 'add', path: 'title', value: 'x' }])
    })

    it('rejects what is not a PatchOp message with invalidSyntax', () => {
      for (const input of [null, 'x', 5, [], [{ op: 'add' }]]) refuseBody(input, 'invalidSyntax', LENIENT, /PatchOp message/)
      refuseBody({ Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: PATCH_OP_URN, Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: [CORE_USER], Operations: [{ op: 'remove', path: 'title' }] }, 'invalidSyntax', LENIENT, /schemas/)
      refuseBody({ schemas: [PATCH_OP_URN] }, 'invalidSyntax', LENIENT, /Operations/)
      refuseBody({ schemas: [PATCH_OP_URN], Operations: {} }, 'invalidSyntax', LENIENT, /Operations/)
      refuseBody(body(), 'invalidSyntax', LENIENT, /at least one/)
      refuseBody({ schemas: [PATCH_OP_URN], Operations: [], operations: [] }, 'invalidSyntax', LENIENT, /both/)
    })

    it('compares the PatchOp URN exactly in strict mode, case-insensitively otherwise', () => {
      const lower = { schemas: [PATCH_OP_URN.toLowerCase()], Operations: [{ op: 'remove', path: 'title' }] }
      assert.equal(parsePatchRequest(lower, LENIENT).length, 1)
      refuseBody(lower, 'invalidSyntax', STRICT)
    })

    it('bounds the number of operations', () => {
      const ops = Array.from({ length: PATCH_LIMITS.maxOperations }, () => ({ op: 'remove', path: 'title' }))
      assert.equal(parsePatchRequest(body(...ops), LENIENT).length, PATCH_LIMITS.maxOperations)
      refuseBody(body(...ops, { op: 'remove', path: 'title' }), 'invalidValue', LENIENT, /more than 1000 operations/)
    })

    it('rejects malformed operations with invalidSyntax, naming the operation', () => {
      refuseBody(body({ op: 'remove', path: 'title' }, 'remove'), 'invalidSyntax', LENIENT, /^Operations\[1\]: an operation must be a JSON object/)
      refuseBody(body({ path: 'title' }), 'invalidSyntax', LENIENT, /"op" is required/)
      refuseBody(body({ op: 'move', path: 'title' }), 'invalidSyntax', LENIENT, /unknown op "move"/)
      refuseBody(body({ op: 'test', path: 'title', value: 'x' }), 'invalidSyntax')
      refuseBody(body({ op: 5, path: 'title' }), 'invalidSyntax')
      refuseBody(body({ op: 'remove', Op: 'add', path: 'title' }), 'invalidSyntax', LENIENT, /both "op" and "Op"/)
    })

    it('requires lower-case op names in strict mode (RFC 7644 §3.5.2); Entra ID sends "Add"/"Replace"/"Remove"', () => {
      for (const op of ['Add', 'Replace', 'Remove', 'ADD']) {
        const o = { op, path: 'title', ...(op.toLowerCase() === 'remove' ? {} : { value: 'x' }) }
        assert.equal(parsePatchRequest(body(o), LENIENT)[0]?.op, op.toLowerCase())
        refuseBody(body(o), 'invalidSyntax', STRICT, /must be written/)
      }
    })

    it('answers noTarget for a remove without a path (RFC 7644 §3.5.2.2)', () => {
      for (const [, mode] of BOTH) refuseBody(body({ op: 'remove' }), 'noTarget', mode, /requires a "path"/)
      refuseBody(body({ op: 'remove', path: null }), 'noTarget', LENIENT)
    })

    it('requires a value for add and replace (invalidValue)', () => {
      refuseBody(body({ op: 'add', path: 'title' }), 'invalidValue', LENIENT, /requires a "value"/)
      refuseBody(body({ op: 'replace', path: 'title' }), 'invalidValue', LENIENT, /requires a "value"/)
      refuseBody(body({ op: 'add', path: 'title', value: null }), 'invalidValue', LENIENT, /not null/)
      // replace with null unassigns (RFC 7643 §2.5)
      assert.equal(parsePatchRequest(body({ op: 'replace', path: 'title', value: null }), STRICT).length, 1)
    })

    it('requires an object of attributes as the value of a path-less add or replace', () => {
      for (const value of ['x', 5, true, null, [{ title: 'x' }]]) {
        refuseBody(body({ op: 'replace', value }), 'invalidValue', LENIENT, /must be an object of attributes/)
        refuseBody(body({ op: 'add', value }), 'invalidValue')
      }
    })

    it('rejects a value on remove in strict mode only (invalidValue: not compatible with the operation)', () => {
      const op = { op: 'remove', path: 'members', value: [{ value: 'u1' }] }
      assert.equal(parsePatchRequest(body(op), LENIENT).length, 1)
      refuseBody(body(op), 'invalidValue', STRICT, /takes no "value"/)
      // null is no value
      assert.equal(parsePatchRequest(body({ op: 'remove', path: 'members', value: null }), STRICT).length, 1)
    })

    it('rejects a path that is not a string, or empty in strict mode (invalidPath)', () => {
      refuseBody(body({ op: 'remove', path: 5 }), 'invalidPath', LENIENT, /must be a string/)
      refuseBody(body({ op: 'remove', path: ['title'] }), 'invalidPath')
      refuseBody(body({ op: 'replace', path: '', value: 'x' }), 'invalidPath', STRICT, /empty/)
      refuseBody(body({ op: 'replace', path: null, value: { title: 'x' } }), 'invalidPath', STRICT)
      // Lenient: "" / null / whitespace mean no path
      assert.deepEqual(parsePatchRequest(body({ op: 'replace', path: '  ', value: { title: 'x' } }), LENIENT), [{ op: 'replace', value: { title: 'x' } }])
    })

    it('reports path syntax errors as invalidPath, and syntax errors inside the [filter] as invalidFilter (Table 9)', () => {
      refuseBody(body({ op: 'remove', path: 'name..givenName' }), 'invalidPath', LENIENT, /position 5/)
      refuseBody(body({ op: 'remove', path: 'name.givenName.x' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails [type eq "work"]' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails[type eq "work"]x' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: '1abc' }), 'invalidPath')
      refuseBody(body({ op: 'remove', path: 'emails[type eq ]' }), 'invalidFilter', LENIENT, /position 15/)
      refuseBody(body({ op: 'remove', path: 'emails[type eq "work"' }), 'invalidFilter')
      refuseBody(body({ op: 'remove', path: 'emails[type xx "work"]' }), 'invalidFilter')
      // An unquoted value: lenient mode reads it (filter/parse.ts), strict mode refuses it as the RFC does.
      refuseBody(body({ op: 'remove', path: 'emails[type eq work]' }), 'invalidFilter', STRICT, /double quotes/)
      assert.deepEqual(parsePatchRequest(body({ op: 'remove', path: 'emails[type eq work]' }), LENIENT), [{ op: 'remove', path: 'emails[type eq work]' }])
      refuseBody(body({ op: 'remove', path: 'emails[value[type eq "x"]]' }), 'invalidFilter')
    })

    it('accepts the missing space of the RFC\'s own example `members[value eq\\"…\\"]` in both modes', () => {
      for (const [, mode] of BOTH) {
        assert.equal(parsePatchRequest(body({ op: 'remove', path: 'members[value eq"2819c223-7f76-...413861904646"]' }), mode).length, 1)
      }
    })

    it('bounds nesting and size of values (invalidValue)', () => {
      let deep: unknown = 'x'
      for (let i = 0; i < PATCH_LIMITS.maxValueDepth; i++) deep = [deep]
      refuseBody(body({ op: 'add', path: 'emails', value: deep }), 'invalidValue', LENIENT, /nested/)
      let veryDeep: unknown = {}
      for (let i = 0; i < 100_000; i++) veryDeep = { a: veryDeep }
      refuseBody(body({ op: 'replace', value: veryDeep }), 'invalidValue', LENIENT, /nested/)
      const huge = Array.from({ length: PATCH_LIMITS.maxValueNodes + 1 }, () => 1)
      refuseBody(body({ op: 'add', path: 'emails', value: huge }), 'invalidValue', LENIENT, /too large/)
      refuseBody(body({ op: 'add', path: 'title', value: Number.NaN }), 'invalidValue', LENIENT, /not finite/)
    })
  })

})

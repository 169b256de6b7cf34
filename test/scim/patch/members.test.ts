import assert from 'node:assert/strict'
import type { PatchResult } from '../../../src/scim/patch/apply.js'
import { LENIENT, patch, refuse, STRICT, TOUR_GUIDES, type Mode } from './support.js'

describe('scim/patch/members', () => {
  describe('Group members → MemberChanges (never in the document)', () => {
    const g = (ops: unknown[], mode: Mode = LENIENT): PatchResult => patch(TOUR_GUIDES, ops, { type: 'Group', mode })

    it('add with a value list; duplicates merged; type normalised', () => {
      const r = g([{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'user' }, { value: 'g1', type: 'Group' }, { value: 'u1' }] }])
      assert.deepEqual(r.members, { add: [{ value: 'u1', type: 'User' }, { value: 'g1', type: 'Group' }], remove: [], removeAll: false })
      assert.equal('members' in r.document, false)
    })

    it('remove by value filter, also several joined with or', () => {
      const r = g([{ op: 'remove', path: 'members[value eq "u1" or value eq "u2" or VALUE eq "u3"]' }])
      assert.deepEqual(r.members, { add: [], remove: ['u1', 'u2', 'u3'], removeAll: false })
    })

    it('remove without value removes all; replace removes all and adds', () => {
      assert.deepEqual(g([{ op: 'remove', path: 'members' }]).members, { add: [], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', path: 'members', value: [{ value: 'u9' }] }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', path: 'members', value: [] }]).members, { add: [], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'replace', value: { members: [{ value: 'u9' }], displayName: 'New' } }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: true })
      assert.deepEqual(g([{ op: 'add', value: { members: [{ value: 'u9' }] } }]).members, { add: [{ value: 'u9' }], remove: [], removeAll: false })
    })

    it('composes operations in order', () => {
      const r = g([
        { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] },
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'remove', path: 'members[value eq "u3"]' },
        { op: 'add', path: 'members', value: [{ value: 'u3' }] },
      ])
      assert.deepEqual(r.members, { add: [{ value: 'u2' }, { value: 'u3' }], remove: ['u1'], removeAll: false })
      const all = g([{ op: 'add', path: 'members', value: [{ value: 'u1' }] }, { op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: 'u2' }] }])
      assert.deepEqual(all.members, { add: [{ value: 'u2' }], remove: [], removeAll: true })
    })

    it('rejects member filters other than value eq (invalidFilter), with a clear message', () => {
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[type eq "Group"]' }], 'invalidFilter', { type: 'Group', match: /can be removed by id only/ })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "u1" and type eq "User"]' }], 'invalidFilter', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value sw "u"]' }], 'invalidFilter', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[color eq "red"]' }], 'invalidFilter', { type: 'Group', match: /not a sub-attribute/ })
    })

    it('rejects changes to member sub-attributes (mutability) and add/replace through a filter (invalidPath)', () => {
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "u1"].display' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members.value', value: 'x' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u2' } }], 'invalidPath', { type: 'Group' })
    })

    it('checks member values (invalidValue)', () => {
      for (const value of [[{}], [{ value: '' }], [{ value: 5 }], ['u1'], [{ value: 'u1', type: 'Robot' }], [{ value: 'u1', type: 'User' }, { value: 'u1', type: 'Group' }]]) {
        refuse(TOUR_GUIDES, [{ op: 'add', path: 'members', value }], 'invalidValue', { type: 'Group' })
      }
      // An unknown sub-attribute: refused in strict mode, ignored in lenient mode.
      refuse(TOUR_GUIDES, [{ op: 'add', path: 'members', value: [{ value: 'u1', color: 'red' }] }], 'invalidSyntax', { type: 'Group', mode: STRICT })
      assert.deepEqual(g([{ op: 'add', path: 'members', value: [{ value: 'u1', color: 'red' }] }]).members?.add, [{ value: 'u1' }])
      refuse(TOUR_GUIDES, [{ op: 'add', path: 'members', value: { value: 'u1' } }], 'invalidValue', { type: 'Group', mode: STRICT, match: /must be an array/ })
      assert.deepEqual(g([{ op: 'add', path: 'members', value: { value: 'u1' } }]).members?.add, [{ value: 'u1' }])
    })
  })
})

import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { BJENSEN, BOTH, ENTERPRISE, patch, refuse, SMALL_USER, STRICT, TOUR_GUIDES } from './support.js'

describe('scim/patch/dialects', () => {
  describe('IdP dialects (shared IDP-DIALECTS.md): accepted in lenient mode, rejected in strict mode', () => {
    describe('Microsoft Entra ID', () => {
      it('capitalised op names', () => {
        const ops = [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        ]
        const r = patch(BJENSEN, ops)
        assert.equal((r.document.emails as JsonObject[])[0]?.value, 'updatedEmail@microsoft.com')
        assert.equal((r.document.name as JsonObject).familyName, 'updatedFamilyName')
        refuse(BJENSEN, ops, 'invalidSyntax', { mode: STRICT })
      })

      it('booleans as strings: {"op":"Replace","path":"active","value":"False"}', () => {
        assert.equal(patch(BJENSEN, [{ op: 'Replace', path: 'active', value: 'False' }]).document.active, false)
        const roles = [{ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }]
        assert.deepEqual(patch(SMALL_USER, roles).document.roles, [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }])
        refuse(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }], 'invalidValue', { mode: STRICT })
        refuse(SMALL_USER, [{ op: 'add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] }], 'invalidValue', { mode: STRICT })
      })

      it('member removal with a value list removes exactly those members — never all', () => {
        const ops = [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }, { value: 'u2' }] }]
        const r = patch(TOUR_GUIDES, ops, { type: 'Group' })
        assert.deepEqual(r.members, { add: [], remove: ['f648f8d5ea4e4cd38e9c', 'u2'], removeAll: false })
        assert.equal(r.members?.removeAll, false)
        // an empty list removes nothing
        assert.deepEqual(patch(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: [] }], { type: 'Group' }).members, { add: [], remove: [], removeAll: false })
        // a value that names no member is an error, not "remove all"
        refuse(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: [{ display: 'x' }] }], 'invalidValue', { type: 'Group' })
        refuse(TOUR_GUIDES, [{ op: 'Remove', path: 'members', value: ['u1'] }], 'invalidValue', { type: 'Group' })
        refuse(TOUR_GUIDES, [{ op: 'remove', path: 'members', value: [{ value: 'u1' }] }], 'invalidValue', { type: 'Group', mode: STRICT, match: /takes no "value"/ })
      })

      it('member add with "$ref": null', () => {
        const r = patch(TOUR_GUIDES, [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }], { type: 'Group' })
        assert.deepEqual(r.members?.add, [{ value: 'f648f8d5ea4e4cd38e9c' }])
      })

      it('a path-less value with dotted and URN-qualified keys', () => {
        const ops = [{ op: 'Replace', value: { 'name.givenName': 'Ann', [`${ENTERPRISE}:department`]: 'Sales', 'emails[type eq "work"].value': 'ann@x', [`${ENTERPRISE}:manager.value`]: 'm9' } }]
        const r = patch(BJENSEN, ops)
        assert.equal((r.document.name as JsonObject).givenName, 'Ann')
        assert.equal((r.document[ENTERPRISE] as JsonObject).department, 'Sales')
        assert.deepEqual((r.document[ENTERPRISE] as JsonObject).manager, { value: 'm9', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' })
        assert.equal((r.document.emails as JsonObject[])[0]?.value, 'ann@x')
        refuse(BJENSEN, [{ op: 'replace', value: { 'name.givenName': 'Ann' } }], 'invalidSyntax', { mode: STRICT, match: /must be attribute names/ })
        refuse(BJENSEN, [{ op: 'replace', value: { [`${ENTERPRISE}:department`]: 'Sales' } }], 'invalidSyntax', { mode: STRICT })
        // The RFC form (an object under the extension URN) works in both modes
        for (const [, mode] of BOTH) {
          assert.equal((patch(BJENSEN, [{ op: 'replace', value: { [ENTERPRISE]: { department: 'Sales' } } }], { mode }).document[ENTERPRISE] as JsonObject).department, 'Sales')
        }
      })

      it('replace on a filtered path with no match creates the value (RFC: noTarget)', () => {
        const r = patch(SMALL_USER, [{ op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '555' }])
        assert.deepEqual(r.document.phoneNumbers, [{ type: 'work', value: '555' }])
        refuse(SMALL_USER, [{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '555' }], 'noTarget', { mode: STRICT })
      })

      it('Add on emails[type eq "work"].value replaces the work email value (seen from Entra ID)', () => {
        for (const [, mode] of BOTH) {
          const r = patch(BJENSEN, [{ op: 'add', path: 'emails[type eq "work"].value', value: 'joe@joe.com' }], { mode })
          assert.deepEqual((r.document.emails as JsonObject[])[0], { value: 'joe@joe.com', type: 'work', primary: true })
        }
      })

      it('the enterprise manager set with a bare id', () => {
        const ops = [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: '2819c223-7f76-453a-919d-413861904646' }]
        const r = patch(SMALL_USER, ops)
        assert.deepEqual(r.document[ENTERPRISE], { manager: { value: '2819c223-7f76-453a-919d-413861904646' } })
        refuse(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'x' }], 'invalidValue', { mode: STRICT, match: /strict mode: write \{"value"/ })
        for (const [, mode] of BOTH) {
          assert.deepEqual(patch(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'x' } }], { mode }).document[ENTERPRISE], { manager: { value: 'x' } })
        }
      })

      it('deprovisioning with active false', () => {
        for (const [, mode] of BOTH) assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: false }], { mode }).document.active, false)
      })
    })

    describe('Okta', () => {
      it('deactivates and reactivates with a path-less replace (RFC form, both modes)', () => {
        for (const [, mode] of BOTH) {
          const off = patch(BJENSEN, [{ op: 'replace', value: { active: false } }], { mode })
          assert.equal(off.document.active, false)
          assert.deepEqual(off.changed, ['active'])
          assert.equal(patch(off.document, [{ op: 'replace', value: { active: true } }], { mode }).document.active, true)
        }
      })

      it('renames a group with {"op":"replace","value":{"id":…,"displayName":…}}', () => {
        const ops = [{ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2 (renamed)' } }]
        const r = patch(TOUR_GUIDES, ops, { type: 'Group' })
        assert.deepEqual(r.document, { displayName: 'Test SCIMv2 (renamed)' })
        assert.deepEqual(r.changed, ['displayName'])
        assert.equal(r.members, undefined)
        refuse(TOUR_GUIDES, ops, 'mutability', { type: 'Group', mode: STRICT, match: /"id" is set by the server/ })
        // meta and schemas in the value are ignored too
        assert.deepEqual(patch(TOUR_GUIDES, [{ op: 'replace', value: { schemas: ['x'], meta: {}, displayName: 'G' } }], { type: 'Group' }).document, { displayName: 'G' })
      })

      it('adds members with a value list and removes one with members[value eq "…"] (RFC forms, both modes)', () => {
        for (const [, mode] of BOTH) {
          const add = patch(TOUR_GUIDES, [{ op: 'add', path: 'members', value: [{ value: '00u1', display: 'a@example.com' }] }], { type: 'Group', mode })
          assert.deepEqual(add.members, { add: [{ value: '00u1' }], remove: [], removeAll: false })
          const rm = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "00u1"]' }], { type: 'Group', mode })
          assert.deepEqual(rm.members, { add: [], remove: ['00u1'], removeAll: false })
        }
      })
    })
  })
})

import assert from 'node:assert/strict'
import type { JsonObject } from '../../../src/domain/kernel/json.js'
import { ScimError } from '../../../src/scim/errors.js'
import { parsePatchRequest, type PatchOperation } from '../../../src/scim/messages/patch-op.js'
import { applyPatch } from '../../../src/scim/patch/apply.js'
import { Interpretation } from '../../../src/scim/interpretation.js'
import { BJENSEN, BOTH, body, CORE_USER, deepFreeze, ENTERPRISE, LENIENT, patch, refuse, registry, SMALL_USER, STRICT, TEST_EXT, testRegistry, TOUR_GUIDES } from './support.js'

describe('scim/patch/apply', () => {
  describe('RFC 7644 §3.5.2 examples, replayed exactly', () => {
    it('Figure 8 example paths: all parse; members[…].displayName is invalidPath (members has "display")', () => {
      const paths = [
        'members',
        'name.familyName',
        'addresses[type eq "work"]',
        'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
        'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
      ]
      for (const path of paths) assert.equal(parsePatchRequest(body({ op: 'remove', path }), STRICT).length, 1)
      refuse(TOUR_GUIDES, [{ op: 'remove', path: paths[4] }], 'invalidPath', { type: 'Group', mode: STRICT, match: /"displayName" is not a sub-attribute of "members"/ })
      // Lenient mode ignores a path naming no attribute of the tenant's schema, and notes it.
      const notes = new Interpretation()
      assert.equal(patch(TOUR_GUIDES, [{ op: 'remove', path: paths[4] }], { type: 'Group', mode: { strict: false, notes } }).members, undefined)
      assert.deepEqual(notes.ignoredPaths(), [paths[4]])
    })

    for (const [name, mode] of BOTH) {
      describe(`in ${name} mode`, () => {
        it('§3.5.2.1 adds a member to a group', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              {
                op: 'add',
                path: 'members',
                value: [
                  {
                    display: 'Babs Jensen',
                    $ref: 'https://example.com/v2/Users/2819c223...413861904646',
                    value: '2819c223-7f76-453a-919d-413861904646',
                  },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223-7f76-453a-919d-413861904646' }], remove: [], removeAll: false })
          assert.deepEqual(r.document, TOUR_GUIDES)
          assert.deepEqual(r.changed, ['members'])
        })

        it('§3.5.2.1 adds without a path: an email is appended, "nickname" is nickName', () => {
          const ops = [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } }]
          const r = patch(SMALL_USER, ops, { mode })
          assert.deepEqual(r.document, {
            userName: 'bjensen',
            emails: [
              { value: 'bjensen@example.com', type: 'work', primary: true },
              { value: 'babs@jensen.org', type: 'home' },
            ],
            nickName: 'Babs',
          })
          assert.deepEqual(r.changed, ['nickName', 'emails'])
          // "If the target location already contains the value specified, no changes SHOULD be made"
          const again = patch(BJENSEN, ops, { mode })
          assert.deepEqual(again.document, BJENSEN)
          assert.deepEqual(again.changed, [])
        })

        it('§3.5.2.2 removes a single member', () => {
          const r = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members[value eq "2819c223-7f76-...413861904646"]' }], { type: 'Group', mode })
          assert.deepEqual(r.members, { add: [], remove: ['2819c223-7f76-...413861904646'], removeAll: false })
          assert.deepEqual(r.document, TOUR_GUIDES)
        })

        it('§3.5.2.2 removes all members', () => {
          const r = patch(TOUR_GUIDES, [{ op: 'remove', path: 'members' }], { type: 'Group', mode })
          assert.deepEqual(r.members, { add: [], remove: [], removeAll: true })
        })

        it('§3.5.2.2 removes the values a complex filter selects', () => {
          const r = patch(BJENSEN, [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }], { mode })
          assert.deepEqual(r.document.emails, [{ value: 'babs@jensen.org', type: 'home' }])
          assert.deepEqual(r.changed, ['emails'])
        })

        it('§3.5.2.2 removes one member and adds another (the example writes eq\\"…\\" without a space)', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              { op: 'remove', path: 'members[value eq"2819c223-7f76-...413861904646"]' },
              {
                op: 'add',
                path: 'members',
                value: [
                  {
                    display: 'James Smith',
                    $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210',
                    value: '08e1d05d...473d93df9210',
                  },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '08e1d05d...473d93df9210' }], remove: ['2819c223-7f76-...413861904646'], removeAll: false })
        })

        it('§3.5.2.2 replaces all members with remove + add', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              { op: 'remove', path: 'members' },
              {
                op: 'add',
                path: 'members',
                value: [
                  { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223...413861904646', value: '2819c223...413861904646' },
                  { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210', value: '08e1d05d...473d93df9210' },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223...413861904646' }, { value: '08e1d05d...473d93df9210' }], remove: [], removeAll: true })
        })

        it('§3.5.2.3 replaces all members', () => {
          const r = patch(
            TOUR_GUIDES,
            [
              {
                op: 'replace',
                path: 'members',
                value: [
                  { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223...413861904646', value: '2819c223...413861904646' },
                  { display: 'James Smith', $ref: 'https://example.com/v2/Users/08e1d05d...473d93df9210', value: '08e1d05d...473d93df9210' },
                ],
              },
            ],
            { type: 'Group', mode },
          )
          assert.deepEqual(r.members, { add: [{ value: '2819c223...413861904646' }, { value: '08e1d05d...473d93df9210' }], remove: [], removeAll: true })
          assert.equal('members' in r.document, false)
        })

        it('§3.5.2.3 replaces the work address (and its primary clears the others)', () => {
          const address = {
            type: 'work',
            streetAddress: '911 Universal City Plaza',
            locality: 'Hollywood',
            region: 'CA',
            postalCode: '91608',
            country: 'US',
            formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
            primary: true,
          }
          const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "work"]', value: address }], { mode })
          assert.deepEqual(r.document.addresses, [address, (BJENSEN.addresses as JsonObject[])[1]])
          assert.deepEqual(r.changed, ['addresses'])
        })

        it('§3.5.2.3 replaces a sub-attribute of the work address', () => {
          const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }], { mode })
          const [work, home] = r.document.addresses as JsonObject[]
          assert.deepEqual(work, { ...(BJENSEN.addresses as JsonObject[])[0], streetAddress: '1010 Broadway Ave' })
          assert.deepEqual(home, (BJENSEN.addresses as JsonObject[])[1])
        })

        it('§3.5.2.3 replaces several attributes without a path', () => {
          const emails = [
            { value: 'bjensen@example.com', type: 'work', primary: true },
            { value: 'babs@jensen.org', type: 'home' },
          ]
          const before = { ...SMALL_USER, emails: [{ value: 'old@example.com', type: 'other' }], nickName: 'B' }
          const r = patch(before, [{ op: 'replace', value: { emails, nickname: 'Babs' } }], { mode })
          assert.deepEqual(r.document, { userName: 'bjensen', emails, nickName: 'Babs' })
          assert.deepEqual(r.changed, ['nickName', 'emails'])
        })
      })
    }
  })

  // -------------------------------------------------------------------------------------------
  describe('add (RFC 7644 §3.5.2.1)', () => {
    it('sets an unassigned single-valued attribute and replaces an assigned one', () => {
      assert.equal(patch(SMALL_USER, [{ op: 'add', path: 'title', value: 'Guide' }]).document.title, 'Guide')
      const r = patch(BJENSEN, [{ op: 'add', path: 'TITLE', value: 'Chief' }])
      assert.equal(r.document.title, 'Chief')
      assert.deepEqual(r.changed, ['title'])
    })

    it('merges into a complex attribute', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'name', value: { givenName: 'Babs', middleName: null } }])
      const { middleName: _m, ...rest } = BJENSEN.name as JsonObject
      assert.deepEqual(r.document.name, { ...rest, givenName: 'Babs' })
      assert.deepEqual(r.changed, ['name.givenName', 'name.middleName'])
    })

    it('sets a sub-attribute, creating the complex attribute', () => {
      assert.deepEqual(patch(SMALL_USER, [{ op: 'add', path: 'name.givenName', value: 'Barbara' }]).document.name, { givenName: 'Barbara' })
    })

    it('appends to a multi-valued attribute, dropping values already there (schema-aware equality)', () => {
      const r = patch(BJENSEN, [
        {
          op: 'add',
          path: 'phoneNumbers',
          value: [
            { value: '555-555-5555', type: 'WORK' },
            { value: '555-555-3333', type: 'home' },
            { value: '555-555-3333', type: 'home' },
          ],
        },
      ])
      assert.deepEqual(r.document.phoneNumbers, [...(BJENSEN.phoneNumbers as JsonObject[]), { value: '555-555-3333', type: 'home' }])
    })

    it('wraps a single object for a multi-valued attribute in lenient mode, and rejects it in strict mode', () => {
      const op = { op: 'add', path: 'phoneNumbers', value: { value: '1', type: 'home' } }
      assert.deepEqual(patch(SMALL_USER, [op]).document.phoneNumbers, [{ value: '1', type: 'home' }])
      refuse(SMALL_USER, [op], 'invalidValue', { mode: STRICT, match: /must be an array/ })
    })

    it('writes extension attributes under the URN key', () => {
      const r = patch(SMALL_USER, [
        { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' },
        { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'boss-id' },
      ])
      assert.deepEqual(r.document[ENTERPRISE], { department: 'Sales', manager: { value: 'boss-id' } })
      assert.deepEqual(r.changed, [`${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`])
    })

    it('resolves URNs and attribute names case-insensitively, storing canonical names', () => {
      const r = patch(SMALL_USER, [{ op: 'add', path: `${ENTERPRISE.toUpperCase().replace('URN:', 'urn:')}:DEPARTMENT`, value: 'Sales' }])
      assert.deepEqual(r.document[ENTERPRISE], { department: 'Sales' })
      const core = patch(SMALL_USER, [{ op: 'add', path: `${CORE_USER}:name.GIVENNAME`, value: 'B' }])
      assert.deepEqual(core.document.name, { givenName: 'B' })
    })

    it('takes a bare extension URN as path with an object value', () => {
      for (const [, mode] of BOTH) {
        const r = patch(BJENSEN, [{ op: 'add', path: ENTERPRISE, value: { department: 'Sales', costCenter: null, manager: { value: 'm2' } } }], { mode })
        assert.deepEqual(r.document[ENTERPRISE], {
          employeeNumber: '701984',
          organization: 'Universal Studios',
          division: 'Theme Park',
          department: 'Sales',
          manager: { value: 'm2', $ref: '../Users/26118915-6090-4610-87e4-49d8ca9f808d' },
        })
      }
      refuse(SMALL_USER, [{ op: 'add', path: ENTERPRISE, value: 'Sales' }], 'invalidValue', { match: /must be an object/ })
      refuse(SMALL_USER, [{ op: 'add', path: ENTERPRISE, value: { nope: 1 } }], 'invalidSyntax', { mode: STRICT, match: /unknown attribute ".*:nope"/ })
    })

    it('adds to a filtered path: merges into matching values, or creates the value the filter describes', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Home' } }])
      assert.deepEqual((r.document.emails as JsonObject[])[1], { value: 'babs@jensen.org', type: 'home', display: 'Home' })
      for (const [, mode] of BOTH) {
        const created = patch(SMALL_USER, [{ op: 'add', path: 'emails[type eq "home"].value', value: 'h@x' }], { mode })
        assert.deepEqual(created.document.emails, [...(SMALL_USER.emails as JsonObject[]), { type: 'home', value: 'h@x' }])
      }
      refuse(SMALL_USER, [{ op: 'add', path: 'emails[value co "zzz"].type', value: 'home' }], 'noTarget', { match: /no value of emails matches/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('replace (RFC 7644 §3.5.2.3)', () => {
    it('replaces a single-valued attribute, adding it when absent', () => {
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'displayName', value: 'B' }]).document.displayName, 'B')
      assert.equal(patch(SMALL_USER, [{ op: 'replace', path: 'displayName', value: 'B' }]).document.displayName, 'B')
    })

    it('strict mode merges a complex value as RFC 7644 §3.5.2.3 says: sub-attributes not given are left unchanged', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'name', value: { familyName: 'Smith' } }], { mode: STRICT })
      assert.deepEqual(r.document.name, { ...(BJENSEN.name as JsonObject), familyName: 'Smith' })
      assert.deepEqual(r.changed, ['name.familyName'])
    })

    it('replaces a singular complex value whole by default (interop profile §6.5.2.1); add still merges', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'name', value: { givenName: 'Barbara', familyName: 'Smith' } }])
      assert.deepEqual(r.document.name, { givenName: 'Barbara', familyName: 'Smith' })
      const added = patch(BJENSEN, [{ op: 'add', path: 'name', value: { familyName: 'Smith' } }])
      assert.deepEqual(added.document.name, { ...(BJENSEN.name as JsonObject), familyName: 'Smith' })
    })

    it('replaces all values of a multi-valued attribute', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails', value: [{ value: 'new@x', type: 'work' }] }])
      assert.deepEqual(r.document.emails, [{ value: 'new@x', type: 'work' }])
    })

    it('replaces all matching values, or their sub-attribute', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'phoneNumbers[type eq "work" or type eq "mobile"].type', value: 'other' }])
      assert.deepEqual(r.document.phoneNumbers, [
        { value: '555-555-5555', type: 'other' },
        { value: '555-555-4444', type: 'other' },
      ])
    })

    it('answers noTarget when a value filter matches nothing in strict mode; lenient creates the value (Entra ID)', () => {
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x' }], 'noTarget', { mode: STRICT })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }], 'noTarget', { mode: STRICT })
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"].value', value: 'o@x' }])
      assert.deepEqual((r.document.emails as JsonObject[])[2], { type: 'other', value: 'o@x' })
      const whole = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }])
      assert.deepEqual((whole.document.emails as JsonObject[])[2], { type: 'other', value: 'o@x' })
    })

    it('replaces the extension attributes given with a bare extension URN path, leaving the others', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: ENTERPRISE, value: { department: 'Sales' } }])
      assert.deepEqual(r.document[ENTERPRISE], { ...(BJENSEN[ENTERPRISE] as JsonObject), department: 'Sales' })
    })

    it('unassigns with null or "" (RFC 7643 §2.5), and an emptied complex value disappears', () => {
      const r = patch(BJENSEN, [
        { op: 'replace', path: 'title', value: null },
        { op: 'replace', path: 'nickName', value: '' },
        { op: 'replace', path: 'name', value: { formatted: null, familyName: null, givenName: null, middleName: null, honorificPrefix: null, honorificSuffix: null } },
      ])
      assert.equal('title' in r.document, false)
      assert.equal('nickName' in r.document, false)
      assert.equal('name' in r.document, false)
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('remove (RFC 7644 §3.5.2.2)', () => {
    it('removes a single-valued attribute, a sub-attribute, a complex attribute, a multi-valued attribute', () => {
      const r = patch(BJENSEN, [
        { op: 'remove', path: 'title' },
        { op: 'remove', path: 'name.middleName' },
        { op: 'remove', path: 'ims' },
        { op: 'remove', path: `${ENTERPRISE}:manager` },
      ])
      assert.equal('title' in r.document, false)
      assert.equal('middleName' in (r.document.name as JsonObject), false)
      assert.equal('ims' in r.document, false)
      assert.equal('manager' in (r.document[ENTERPRISE] as JsonObject), false)
      // schema order, not operation order
      assert.deepEqual(r.changed, ['name.middleName', 'title', 'ims', `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.$ref`])
    })

    it('is a no-op for an attribute that is not assigned', () => {
      const r = patch(SMALL_USER, [{ op: 'remove', path: 'title' }, { op: 'remove', path: 'name.givenName' }, { op: 'remove', path: 'phoneNumbers' }])
      assert.deepEqual(r.document, SMALL_USER)
      assert.deepEqual(r.changed, [])
    })

    it('removes the attribute with its last value, and an emptied extension', () => {
      const r = patch(SMALL_USER, [{ op: 'remove', path: 'emails[type eq "work"]' }])
      assert.equal('emails' in r.document, false)
      const e = patch({ ...SMALL_USER, [ENTERPRISE]: { department: 'Sales' } }, [{ op: 'remove', path: `${ENTERPRISE}:department` }])
      assert.deepEqual(e.document, SMALL_USER)
    })

    it('removes a sub-attribute of the matching values, dropping values left empty', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: 'phoneNumbers[type eq "mobile"].type' }])
      assert.deepEqual(r.document.phoneNumbers, [
        { value: '555-555-5555', type: 'work' },
        { value: '555-555-4444' },
      ])
      const gone = patch({ userName: 'x', ims: [{ value: 'h' }, { value: 'i', type: 'aim' }] }, [{ op: 'remove', path: 'ims[value eq "h"].value' }])
      assert.deepEqual(gone.document.ims, [{ value: 'i', type: 'aim' }])
    })

    it('removes a sub-attribute from every value (emails.display)', () => {
      const r = patch({ userName: 'x', emails: [{ value: 'a', display: 'A' }, { display: 'only' }] }, [{ op: 'remove', path: 'emails.display' }])
      assert.deepEqual(r.document.emails, [{ value: 'a' }])
    })

    it('removes the whole extension with a bare extension URN path', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: ENTERPRISE }])
      assert.equal(ENTERPRISE in r.document, false)
      assert.equal(r.changed.length, 7)
    })

    it('answers noTarget when a filter matches nothing in strict mode; lenient makes it a no-op', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"]' }], 'noTarget', { mode: STRICT })
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"].display' }], 'noTarget', { mode: STRICT })
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails[type eq "other"]' }]).document, BJENSEN)
      assert.deepEqual(patch(SMALL_USER, [{ op: 'remove', path: 'phoneNumbers[type eq "work"]' }]).changed, [])
    })

    it('removes values of a non-complex multi-valued attribute by "value" (RFC "comparing a value")', () => {
      const doc = { userName: 'x', [TEST_EXT]: { codes: ['A', 'B', 'C'] } }
      const r = patch(doc, [{ op: 'remove', path: `${TEST_EXT}:codes[value eq "B" or value eq "C"]` }], { reg: testRegistry })
      assert.deepEqual(r.document[TEST_EXT], { codes: ['A'] })
    })

    it('lenient: a value on remove of a multi-valued attribute removes exactly the values given', () => {
      const r = patch(BJENSEN, [{ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org', type: 'home' }] }])
      assert.deepEqual(r.document.emails, [(BJENSEN.emails as JsonObject[])[0]])
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails', value: [] }]).document, BJENSEN)
      assert.deepEqual(patch(BJENSEN, [{ op: 'remove', path: 'emails', value: 'bjensen@example.com' }]).document.emails, [(BJENSEN.emails as JsonObject[])[1]])
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('primary (RFC 7643 §2.4, RFC 7644 §3.5.2)', () => {
    it('a value added with primary: true clears primary on the others', () => {
      const r = patch(BJENSEN, [{ op: 'add', path: 'emails', value: [{ value: 'new@x', type: 'other', primary: true }] }])
      assert.deepEqual(r.document.emails, [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'new@x', type: 'other', primary: true },
      ])
    })

    it('a value made primary through a filter clears the others', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }])
      assert.deepEqual(r.document.emails, [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home', primary: true },
      ])
    })

    it('accepts primary on addresses (RFC 7643 §2.4/§4.1.2), which the schema representation omits', () => {
      const r = patch(BJENSEN, [{ op: 'replace', path: 'addresses[type eq "home"].primary', value: true }])
      assert.deepEqual(
        (r.document.addresses as JsonObject[]).map((a) => a.primary),
        [false, true],
      )
    })

    it('rejects more than one primary value (invalidValue)', () => {
      refuse(SMALL_USER, [{ op: 'add', path: 'emails', value: [{ value: 'a', primary: true }, { value: 'b', primary: true }] }], 'invalidValue', { match: /more than one value with "primary": true/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails[value pr].primary', value: true }], 'invalidValue', { match: /only one can be primary/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'emails.primary', value: true }], 'invalidValue', { match: /only one value can be primary/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('value types', () => {
    it('checks strings, booleans and references', () => {
      refuse(SMALL_USER, [{ op: 'replace', path: 'title', value: 5 }], 'invalidValue', { match: /title must be a string, not number/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'title', value: ['a'] }], 'invalidValue', { match: /single-valued/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'active', value: 1 }], 'invalidValue', { match: /boolean/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'profileUrl', value: {} }], 'invalidValue')
      refuse(SMALL_USER, [{ op: 'replace', path: 'name', value: 'x' }], 'invalidValue', { match: /must be an object/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'emails', value: [['x']] }], 'invalidValue')
      refuse(SMALL_USER, [{ op: 'replace', path: 'emails', value: ['x'] }], 'invalidValue')
    })

    it('accepts "True"/"False" strings as booleans in lenient mode only (Entra ID)', () => {
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }]).document.active, false)
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'active', value: 'tRUE' }]).document.active, true)
      refuse(BJENSEN, [{ op: 'replace', path: 'active', value: 'False' }], 'invalidValue', { mode: STRICT, match: /strict mode/ })
      // a string attribute keeps the string
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'title', value: 'False' }]).document.title, 'False')
    })

    it('checks integers, decimals, dateTimes (normalised to UTC) and binary', () => {
      const o = { reg: testRegistry }
      const r = patch(
        SMALL_USER,
        [
          { op: 'add', path: `${TEST_EXT}:badge`, value: 7 },
          { op: 'add', path: `${TEST_EXT}:score`, value: 0.5 },
          { op: 'add', path: `${TEST_EXT}:hired`, value: '2011-05-13T04:42:34+02:00' },
          { op: 'add', path: `${TEST_EXT}:token`, value: 'QUJD' },
        ],
        o,
      )
      assert.deepEqual(r.document[TEST_EXT], { badge: 7, score: 0.5, hired: '2011-05-13T02:42:34.000Z', token: 'QUJD' })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:badge`, value: 7.5 }], 'invalidValue', { ...o, match: /integer/ })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:badge`, value: '7' }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:score`, value: '0.5' }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:hired`, value: '2011-02-30T00:00:00Z' }], 'invalidValue', { ...o, match: /xsd:dateTime/ })
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:hired`, value: 1305261754 }], 'invalidValue', o)
      refuse(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:token`, value: 'not base64!' }], 'invalidValue', { ...o, match: /base64/ })
    })

    it('rejects unknown attributes and sub-attributes in values in strict mode (invalidSyntax, interop profile §5.3)', () => {
      const mode = STRICT
      refuse(SMALL_USER, [{ op: 'replace', value: { favoriteColor: 'red' } }], 'invalidSyntax', { mode, match: /unknown attribute "favoriteColor"/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'name', value: { nickname: 'x' } }], 'invalidSyntax', { mode, match: /unknown attribute name.nickname/ })
      refuse(SMALL_USER, [{ op: 'add', path: 'emails', value: [{ value: 'a', color: 'red' }] }], 'invalidSyntax', { mode })
      refuse(SMALL_USER, [{ op: 'add', path: ENTERPRISE, value: { nope: 1 } }], 'invalidSyntax', { mode })
    })

    it('ignores unknown attributes and sub-attributes in values in lenient mode, noting each, and applies the rest', () => {
      const notes = new Interpretation()
      const r = patch(
        SMALL_USER,
        [
          { op: 'replace', value: { favoriteColor: 'red', title: 'Boss' } },
          { op: 'replace', path: 'name', value: { nickname: 'x', givenName: 'Babs' } },
          { op: 'add', path: 'emails', value: [{ value: 'a@example.com', color: 'red' }] },
          { op: 'add', path: ENTERPRISE, value: { nope: 1, department: 'Sales' } },
        ],
        { mode: { strict: false, notes } },
      )
      assert.equal(r.document.title, 'Boss')
      assert.equal((r.document.name as JsonObject).givenName, 'Babs')
      assert.ok(!('nickname' in (r.document.name as JsonObject)))
      assert.deepEqual((r.document.emails as JsonObject[]).at(-1), { value: 'a@example.com' })
      assert.deepEqual(r.document[ENTERPRISE], { department: 'Sales' })
      assert.deepEqual(notes.ignoredPaths(), ['favoriteColor', 'name.nickname', 'emails[0].color', `${ENTERPRISE}:nope`])
    })

    it('keeps refusing wrong values of known attributes next to ignored ones in lenient mode', () => {
      refuse(SMALL_USER, [{ op: 'replace', value: { favoriteColor: 'red', active: 'maybe' } }], 'invalidValue', { match: /active must be a boolean/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'name', value: { nickname: 'x', givenName: 5 } }], 'invalidValue', { match: /givenName must be a string/ })
    })

    it('rejects the same attribute given twice in different case', () => {
      refuse(SMALL_USER, [{ op: 'replace', value: { title: 'a', Title: 'b' } }], 'invalidSyntax', { match: /given twice/ })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('paths and mutability', () => {
    it('rejects unknown attributes and sub-attributes in strict mode, and filters on single-valued attributes in both (invalidPath)', () => {
      const mode = STRICT
      refuse(SMALL_USER, [{ op: 'replace', path: 'favoriteColor', value: 'red' }], 'invalidPath', { mode, match: /unknown attribute "favoriteColor"/ })
      refuse(SMALL_USER, [{ op: 'replace', path: 'name.nickname', value: 'x' }], 'invalidPath', { mode })
      refuse(SMALL_USER, [{ op: 'replace', path: 'title.value', value: 'x' }], 'invalidPath', { mode })
      refuse(SMALL_USER, [{ op: 'replace', path: 'emails[type eq "work"].color', value: 'x' }], 'invalidPath', { mode })
      refuse(SMALL_USER, [{ op: 'replace', path: 'urn:example:nope:2.0:User:title', value: 'x' }], 'invalidPath', { mode })
      refuse(SMALL_USER, [{ op: 'remove', path: 'favoriteColor' }], 'invalidPath', { mode })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'x' }], 'invalidPath', { mode, type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'userName', value: 'x' }], 'invalidPath', { mode, type: 'Group' })
      for (const [, both] of BOTH) refuse(SMALL_USER, [{ op: 'replace', path: 'title[value eq "x"]', value: 'x' }], 'invalidPath', { mode: both, match: /not multi-valued/ })
    })

    it('ignores paths naming unknown attributes in lenient mode, for add, replace and remove, noting each', () => {
      const notes = new Interpretation()
      const paths = ['favoriteColor', 'name.nickname', 'title.value', 'emails[type eq "work"].color', 'urn:example:nope:2.0:User:title']
      const ops = [...paths.map((path) => ({ op: 'replace', path, value: 'x' })), { op: 'add', path: 'favoriteColor', value: 'x' }, { op: 'remove', path: 'adreses' }]
      const r = patch(SMALL_USER, ops, { mode: { strict: false, notes } })
      assert.deepEqual(r.document, SMALL_USER)
      assert.deepEqual(r.changed, [])
      assert.deepEqual(notes.ignoredPaths(), [...paths, 'adreses'])
      const groupNotes = new Interpretation()
      patch(TOUR_GUIDES, [{ op: 'replace', path: 'userName', value: 'x' }], { type: 'Group', mode: { strict: false, notes: groupNotes } })
      assert.deepEqual(groupNotes.ignoredPaths(), ['userName'])
    })

    it('rejects unknown sub-attributes and unsupported comparisons inside the filter (invalidFilter)', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[color eq "red"]' }], 'invalidFilter', { match: /"color" is not a sub-attribute of "emails"/ })
      refuse(BJENSEN, [{ op: 'remove', path: 'emails[primary gt true]' }], 'invalidFilter')
      refuse(SMALL_USER, [{ op: 'remove', path: 'phoneNumbers[type eq 5]' }], 'invalidFilter')
    })

    it('rejects readOnly attributes and server-set ones (mutability)', () => {
      for (const [, mode] of BOTH) {
        for (const path of ['id', 'meta', 'meta.lastModified', 'schemas', 'groups', 'groups[value eq "g"]', `${CORE_USER}:id`, `${ENTERPRISE}:manager.displayName`]) {
          refuse(BJENSEN, [{ op: 'replace', path, value: 'x' }], 'mutability', { mode })
          refuse(BJENSEN, [{ op: 'remove', path }], 'mutability', { mode })
        }
        refuse(BJENSEN, [{ op: 'add', value: { groups: [{ value: 'g' }] } }], 'mutability', { mode })
      }
    })

    it('readOnly sub-attributes inside a value: ignored in lenient mode, mutability in strict mode', () => {
      const op = { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'm2', displayName: 'Boss' } }
      assert.deepEqual((patch(SMALL_USER, [op]).document[ENTERPRISE] as JsonObject).manager, { value: 'm2' })
      refuse(SMALL_USER, [op], 'mutability', { mode: STRICT, match: /readOnly/ })
    })

    it('immutable attributes: may be set once, not changed or removed (mutability)', () => {
      const o = { reg: testRegistry }
      const set = patch(SMALL_USER, [{ op: 'add', path: `${TEST_EXT}:employeeId`, value: 'E1' }], o)
      assert.deepEqual(set.document[TEST_EXT], { employeeId: 'E1' })
      const withId = set.document
      assert.deepEqual(patch(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: 'E1' }], o).changed, [])
      refuse(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: 'E2' }], 'mutability', { ...o, match: /immutable/ })
      refuse(withId, [{ op: 'remove', path: `${TEST_EXT}:employeeId` }], 'mutability', o)
      refuse(withId, [{ op: 'replace', path: `${TEST_EXT}:employeeId`, value: null }], 'mutability', o)
      refuse(withId, [{ op: 'remove', path: TEST_EXT }], 'mutability', o)
      const badges = { userName: 'x', [TEST_EXT]: { badges: [{ value: 'b1', serial: 'S1' }] } }
      refuse(badges, [{ op: 'replace', path: `${TEST_EXT}:badges[value eq "b1"].serial`, value: 'S2' }], 'mutability', o)
      refuse(badges, [{ op: 'remove', path: `${TEST_EXT}:badges[value eq "b1"].serial` }], 'mutability', o)
      assert.deepEqual(patch(badges, [{ op: 'add', path: `${TEST_EXT}:badges[value eq "b2"].serial`, value: 'S2' }], o).document[TEST_EXT], {
        badges: [{ value: 'b1', serial: 'S1' }, { value: 'b2', serial: 'S2' }],
      })
    })

    it('required attributes cannot be removed (mutability) or emptied (invalidValue)', () => {
      refuse(BJENSEN, [{ op: 'remove', path: 'userName' }], 'mutability', { match: /required/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'userName', value: '' }], 'invalidValue', { match: /required/ })
      refuse(BJENSEN, [{ op: 'replace', path: 'userName', value: null }], 'invalidValue')
      // Group displayName: REQUIRED per RFC 7643 §4.2 (as resource.ts treats it)
      refuse(TOUR_GUIDES, [{ op: 'remove', path: 'displayName' }], 'mutability', { type: 'Group' })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'displayName', value: '' }], 'invalidValue', { type: 'Group' })
    })
  })

  // -------------------------------------------------------------------------------------------
  describe('password (writeOnly)', () => {
    it('returns the password, never in the document', () => {
      for (const [, mode] of BOTH) {
        const r = patch(BJENSEN, [{ op: 'replace', path: 'password', value: 't1meMachine' }], { mode })
        assert.equal(r.password, 't1meMachine')
        assert.deepEqual(r.document, BJENSEN)
        assert.deepEqual(r.changed, ['password'])
        assert.equal(patch(BJENSEN, [{ op: 'add', value: { Password: 'x2' } }], { mode }).password, 'x2')
      }
      assert.equal(patch(BJENSEN, [{ op: 'replace', path: 'title', value: 'x' }]).password, undefined)
    })

    it('must be a non-empty string; cannot be removed; is no Group attribute', () => {
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: 5 }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: '' }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'replace', path: 'password', value: null }], 'invalidValue')
      refuse(BJENSEN, [{ op: 'remove', path: 'password' }], 'mutability')
      refuse(BJENSEN, [{ op: 'replace', path: 'password.x', value: 'y' }], 'invalidPath', { mode: STRICT })
      refuse(TOUR_GUIDES, [{ op: 'replace', path: 'password', value: 'y' }], 'invalidPath', { type: 'Group', mode: STRICT })
      assert.deepEqual(patch(TOUR_GUIDES, [{ op: 'replace', path: 'password', value: 'y' }], { type: 'Group' }).changed, [])
    })
  })


  // -------------------------------------------------------------------------------------------
  describe('atomicity and inputs', () => {
    it('a failing third operation throws and leaves the input untouched', () => {
      const input = deepFreeze(structuredClone(BJENSEN))
      const ops: PatchOperation[] = [
        { op: 'replace', path: 'title', value: 'Changed' },
        { op: 'remove', path: 'emails[type eq "work"]' },
        { op: 'replace', path: 'title[value eq "x"]', value: 1 },
      ]
      assert.throws(
        () => applyPatch(registry, 'User', input, ops, LENIENT),
        (err: unknown) => err instanceof ScimError && err.status === 400 && err.code === 'invalidPath' && /^Operations\[2\]: /.test(err.message),
      )
      assert.deepEqual(input, BJENSEN)
    })

    it('never mutates an unfrozen input either', () => {
      const input = structuredClone(BJENSEN)
      const r = applyPatch(registry, 'User', input, [{ op: 'remove', path: 'emails[type eq "work"]' }, { op: 'add', path: 'name.givenName', value: 'X' }], LENIENT)
      assert.deepEqual(input, BJENSEN)
      assert.notEqual(r.document.name, input.name)
    })

    it('applyPatch validates operations it is given directly', () => {
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, [{ op: 'move', path: 'title' }], LENIENT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, [{ op: 'Add', path: 'title', value: 'x' }], STRICT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
      assert.throws(() => applyPatch(registry, 'User', BJENSEN, 'x' as unknown as PatchOperation[], LENIENT), (e: unknown) => e instanceof ScimError && e.code === 'invalidSyntax')
    })

    it('applies operations at its bounds (hash-based de-duplication; speed is benchmarked, not asserted)', () => {
      const emails = Array.from({ length: 999 }, (_, i) => ({ value: `a${i}@example.com`, type: 'work' }))
      const ops = Array.from({ length: 150 }, (_, i) => (i % 2 === 0 ? { op: 'add', path: 'emails', value: emails } : { op: 'remove', path: 'emails', value: emails }))
      const r = patch(SMALL_USER, ops)
      assert.deepEqual(r.document.emails, SMALL_USER.emails)
    })

    it('reports changed paths only for what changed', () => {
      const r = patch(BJENSEN, [
        { op: 'replace', path: 'title', value: 'Tour Guide' },
        { op: 'replace', path: 'externalId', value: 'e2' },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'X' },
      ])
      assert.deepEqual(r.changed, ['externalId', `${ENTERPRISE}:department`])
    })
  })
})

import assert from 'node:assert/strict'
import { ScimError } from '../../../src/scim/errors.js'
import { PATCH_OP_URN, parsePatchRequest, type PatchOperation } from '../../../src/scim/messages/patch-op.js'
import { applyPatch, type PatchResult } from '../../../src/scim/patch/apply.js'
import { prng } from '../../support/prng.js'
import { BJENSEN, body, CORE_USER, deepFreeze, ENTERPRISE, registry } from './support.js'

describe('scim/patch: generative', () => {
  describe('generative: 5,000 random PATCH bodies', () => {
    const PATHS = [
      'title', 'userName', 'active', 'name', 'name.givenName', 'NAME.FAMILYNAME', 'emails', 'emails.value', 'emails.primary',
      'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "home" or primary eq true].display',
      'emails[value ew "example.com" and not (type eq "home")]', 'emails[primary eq true].primary', 'phoneNumbers[type eq "mobile"].value',
      'addresses[type eq "work"].streetAddress', 'addresses[primary eq true]', 'ims', 'roles[value pr]', 'x509Certificates',
      `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, `${ENTERPRISE}:manager.displayName`, ENTERPRISE,
      `${CORE_USER}:displayName`, 'members', 'members[value eq "u1"]', 'members[value eq "u1" or value eq "u2"]', 'members[type eq "User"]',
      'members[value eq "u1"].display', 'displayName', 'password', 'id', 'meta.created', 'groups', 'schemas', 'externalId',
      'nope', 'emails[nope eq 1]', 'emails[type gt true]', 'emails[', 'emails]', '', ' ', 'a..b', 'urn:x:y', 'emails[type eq "work"].',
      'members[value eq"u3"]', 'emails[type eq "work"].value.x', 'urn:ietf:params:scim:schemas:core:2.0:Group:members',
    ]
    const OPS = ['add', 'remove', 'replace', 'Add', 'REPLACE', 'Remove', 'move', '', 'copy', 'test']
    const STRINGS = ['', 'work', 'home', 'True', 'false', 'u1', 'u2', 'a@example.com', '2011-05-13T04:42:34Z', 'QUJD', 'x'.repeat(50), '__proto__', 'constructor']
    const KEYS = [
      'title', 'value', 'type', 'primary', 'display', 'givenName', 'familyName', 'emails', 'members', 'name', 'active', 'id', 'meta', 'schemas',
      'name.givenName', `${ENTERPRISE}:department`, ENTERPRISE, 'department', 'manager', '$ref', 'password', 'nickname', '__proto__', 'constructor', 'toString', 'Value', 'nope',
    ]

    function randomValue(r: () => number, depth: number): unknown {
      const k = Math.floor(r() * (depth > 3 ? 6 : 9))
      switch (k) {
        case 0:
          return null
        case 1:
          return r() < 0.5
        case 2:
          return Math.floor(r() * 200) - 100 + (r() < 0.2 ? 0.5 : 0)
        case 3:
        case 4:
        case 5:
          return STRINGS[Math.floor(r() * STRINGS.length)]
        case 6:
        case 7: {
          const o: Record<string, unknown> = {}
          const n = Math.floor(r() * 4)
          for (let i = 0; i < n; i++) o[KEYS[Math.floor(r() * KEYS.length)] as string] = randomValue(r, depth + 1)
          return o
        }
        default:
          return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1))
      }
    }

    /** Operations real clients send: most bodies start from these, so that the happy paths are exercised too. */
    const USER_OPS: Record<string, unknown>[] = [
      { op: 'replace', path: 'title', value: 'T' },
      { op: 'add', path: 'nickName', value: 'N' },
      { op: 'remove', path: 'title' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'replace', path: 'active', value: true },
      { op: 'replace', path: 'name.givenName', value: 'G' },
      { op: 'add', path: 'name', value: { familyName: 'F', middleName: null } },
      { op: 'remove', path: 'name' },
      { op: 'add', path: 'emails', value: [{ value: 'n@example.com', type: 'other', primary: true }] },
      { op: 'add', path: 'emails', value: { value: 'one@example.com' } },
      { op: 'replace', path: 'emails', value: [{ value: 'r@example.com', type: 'work' }] },
      { op: 'remove', path: 'emails[type eq "work"]' },
      { op: 'remove', path: 'emails[type eq "other"]' },
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@example.com' },
      { op: 'add', path: 'emails[type eq "home"].display', value: 'Home' },
      { op: 'replace', path: 'emails[type eq "home"].primary', value: true },
      { op: 'remove', path: 'emails.display' },
      { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: 'S' },
      { op: 'remove', path: 'phoneNumbers[type eq "mobile"].type' },
      { op: 'Add', path: 'roles', value: [{ primary: 'True', value: 'Admin' }] },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'D' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm1' },
      { op: 'replace', path: ENTERPRISE, value: { costCenter: 'C', division: null } },
      { op: 'remove', path: ENTERPRISE },
      { op: 'remove', path: `${ENTERPRISE}:manager.value` },
      { op: 'Replace', value: { 'name.givenName': 'A', [`${ENTERPRISE}:department`]: 'S', active: 'true' } },
      { op: 'replace', value: { active: false } },
      { op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babs' } },
      { op: 'replace', path: 'password', value: 'secret' },
      { op: 'replace', path: 'externalId', value: 'e' },
      { op: 'replace', path: 'userName', value: 'u' },
    ]
    const GROUP_OPS: Record<string, unknown>[] = [
      { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'g1', type: 'Group' }] },
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' },
      { op: 'remove', path: 'members' },
      { op: 'Remove', path: 'members', value: [{ value: 'u2' }] },
      { op: 'replace', path: 'members', value: [{ value: 'u3' }] },
      { op: 'replace', value: { id: 'i', displayName: 'Renamed' } },
      { op: 'replace', path: 'displayName', value: 'D' },
      { op: 'remove', path: 'externalId' },
    ]

    function plausibleOperation(r: () => number, type: 'User' | 'Group'): unknown {
      const list = type === 'User' ? USER_OPS : GROUP_OPS
      const op = structuredClone(list[Math.floor(r() * list.length)] as Record<string, unknown>)
      if (r() < 0.2) {
        switch (Math.floor(r() * 4)) {
          case 0:
            if (typeof op.path === 'string') op.path = mutateString(r, op.path)
            break
          case 1:
            op.value = randomValue(r, 0)
            break
          case 2:
            op.op = mutateString(r, String(op.op))
            break
          default:
            delete op.value
        }
      }
      return op
    }

    function mutateString(r: () => number, s: string): string {
      if (s.length === 0 || r() < 0.3) return s + '[]"'.charAt(Math.floor(r() * 3))
      const i = Math.floor(r() * s.length)
      switch (Math.floor(r() * 3)) {
        case 0:
          return s.slice(0, i) + s.slice(i + 1)
        case 1:
          return s.slice(0, i) + ' ."[]():\\'.charAt(Math.floor(r() * 9)) + s.slice(i)
        default:
          return s.slice(0, i) + s.charAt(i).toUpperCase() + s.slice(i + 1)
      }
    }

    function randomOperation(r: () => number): unknown {
      if (r() < 0.03) return randomValue(r, 2)
      const op: Record<string, unknown> = {}
      if (r() < 0.97) op[r() < 0.9 ? 'op' : 'Op'] = r() < 0.9 ? OPS[Math.floor(r() * OPS.length)] : randomValue(r, 3)
      const roll = r()
      if (roll < 0.8) {
        let path = PATHS[Math.floor(r() * PATHS.length)] as string
        if (r() < 0.15) path = mutateString(r, path)
        op.path = path
      } else if (roll < 0.85) op.path = randomValue(r, 3)
      const vr = r()
      if (vr < 0.85) op.value = randomValue(r, 0)
      return op
    }

    function randomBody(r: () => number): unknown {
      const ops = Array.from({ length: 1 + Math.floor(r() * 4) }, () => randomOperation(r))
      const roll = r()
      if (roll < 0.9) return { schemas: [PATCH_OP_URN], Operations: ops }
      if (roll < 0.93) return { Operations: ops }
      if (roll < 0.96) return { schemas: [PATCH_OP_URN], Operations: randomValue(r, 2) }
      return randomValue(r, 0)
    }

    /** The document invariants of src/scim/schema/document.ts. */
    function checkInvariants(doc: unknown, where: string): void {
      const walk = (v: unknown, path: string): void => {
        assert.notEqual(v, null, `${where}: null at ${path}`)
        assert.notEqual(v, '', `${where}: "" at ${path}`)
        if (Array.isArray(v)) {
          assert.ok(v.length > 0, `${where}: empty array at ${path}`)
          assert.ok(v.filter((e) => typeof e === 'object' && e !== null && (e as Record<string, unknown>).primary === true).length <= 1, `${where}: two primaries at ${path}`)
          v.forEach((e, i) => walk(e, `${path}[${i}]`))
        } else if (typeof v === 'object' && v !== null) {
          assert.ok(Object.keys(v).length > 0 || path === '', `${where}: empty object at ${path}`)
          for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`)
        }
      }
      walk(doc, '')
      const d = doc as Record<string, unknown>
      for (const k of ['members', 'password', 'id', 'meta', 'schemas', 'groups']) assert.equal(k in d, false, `${where}: ${k} in the document`)
    }

    it('only ever throws ScimError 400, never mutates the input, and keeps the document invariants', () => {
      const r = prng(0x5c1a)
      const GROUP_DOC = deepFreeze({ displayName: 'Tour Guides', externalId: 'tg' })
      const counts = { ok: 0, scimErrors: 0, applied: 0 }
      for (let i = 0; i < 5_000; i++) {
        const strict = r() < 0.5
        const type: 'User' | 'Group' = r() < 0.7 ? 'User' : 'Group'
        const roll = r()
        const input =
          roll < 0.6
            ? body(...Array.from({ length: 1 + Math.floor(r() * 3) }, () => plausibleOperation(r, type)))
            : roll < 0.8
              ? body(...Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < 0.5 ? plausibleOperation(r, type) : randomOperation(r))))
              : randomBody(r)
        const doc = type === 'User' ? BJENSEN : GROUP_DOC
        deepFreeze(input)
        const snapshot = JSON.stringify(doc)
        const where = `case ${i}: ${JSON.stringify(input).slice(0, 300)} (${strict ? 'strict' : 'lenient'} ${type})`
        const attempt = (fn: () => PatchResult | PatchOperation[]): unknown => {
          try {
            return fn()
          } catch (err) {
            if (!(err instanceof ScimError) || err.status !== 400) {
              assert.fail(`${where}: threw ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`)
            }
            counts.scimErrors++
            return undefined
          }
        }
        const parsed = attempt(() => parsePatchRequest(input, { strict })) as PatchOperation[] | undefined
        if (parsed) {
          const result = attempt(() => applyPatch(registry, type, doc, parsed, { strict })) as PatchResult | undefined
          if (result) {
            counts.ok++
            checkInvariants(result.document, where)
            assert.deepEqual(JSON.parse(JSON.stringify(result.document)), result.document, `${where}: not plain JSON`)
            if (type === 'User') assert.equal(result.members, undefined)
            if (result.password !== undefined) assert.equal(typeof result.password, 'string')
          }
        }
        // Unvalidated operations straight into applyPatch must fail just as cleanly.
        const rawOps = (input as { Operations?: unknown })?.Operations
        if (Array.isArray(rawOps) && attempt(() => applyPatch(registry, type, doc, rawOps as PatchOperation[], { strict })) !== undefined) counts.applied++
        assert.equal(JSON.stringify(doc), snapshot, `${where}: the input document changed`)
      }
      // The generator must reach both outcomes in quantity, or it tests little.
      assert.ok(counts.ok > 1_000, `only ${counts.ok} successful patches`)
      assert.ok(counts.scimErrors > 500, `only ${counts.scimErrors} errors`)
    })
  })
})

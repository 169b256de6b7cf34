import assert from 'node:assert/strict'
import { backends, type TestStore } from '../support/stores.js'
import type { Store } from '../../src/domain/store.js'
import type { Group, User } from '../../src/domain/identity/model.js'
import type { JsonObject } from '../../src/domain/kernel/json.js'
import type { QueryResult, ResourceFilter, ResourcePage, ResourceQuery, ResourceSort } from '../../src/domain/identity/query.js'
import { parseFilter } from '../../src/scim/filter/parse.js'
import { resolveFilter, resolveSort } from '../../src/scim/filter/resolve.js'
import { InvalidCursorError } from '../../src/domain/kernel/errors.js'
import { loadSchemas, validateSchemaDefinition, type SchemaRegistry } from '../../src/scim/schema/schemas.js'
import { compileResourceQuery, type QueryTarget } from '../../src/store/postgres/query-sql.js'
import { withUserExtension } from '../support/scim-fixtures.js'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
/** A test-only extension with the attribute types the standard schemas lack (numbers, multi-valued strings, …). */
const TEST_EXT = 'urn:example:params:scim:schemas:extension:test:2.0:User'

/** The standard schemas plus TEST_EXT on User. */
function testRegistry(): SchemaRegistry {
  const ext = validateSchemaDefinition({
    id: TEST_EXT,
    name: 'Test',
    attributes: [
      { name: 'level', type: 'integer', multiValued: false },
      { name: 'score', type: 'decimal', multiValued: false },
      { name: 'tags', type: 'string', multiValued: true },
      { name: 'code', type: 'string', multiValued: false, caseExact: true },
      { name: 'hired', type: 'dateTime', multiValued: false },
      { name: 'verified', type: 'boolean', multiValued: false },
    ],
  })
  return withUserExtension(loadSchemas(), ext)
}

const uid = (n: number) => `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`
const gid = (n: number) => `aaaaaaaa-0000-4000-9000-${String(n).padStart(12, '0')}`
const otherUid = (n: number) => `11111111-0000-4000-8000-${String(n).padStart(12, '0')}`
const otherGid = (n: number) => `11111111-0000-4000-9000-${String(n).padStart(12, '0')}`

interface Seed {
  id: string
  userName: string
  externalId?: string
  displayName?: string
  active?: boolean
  created: string
  resource: JsonObject
}

/** Tenant A's users. Ids are in this order, so ties broken by id come out in this order. */
function usersOfA(): Seed[] {
  return [
    {
      id: uid(1),
      userName: 'alice@example.com',
      externalId: 'EXT-A',
      displayName: 'Alice Smith',
      created: '2024-01-01T00:00:00.123456Z',
      resource: {
        userName: 'alice@example.com',
        externalId: 'EXT-A',
        displayName: 'Alice Smith',
        title: 'Engineer',
        nickName: '50%_off',
        userType: 'Employee',
        name: { givenName: 'Alice', familyName: 'Smith' },
        emails: [
          { value: 'alice@example.com', type: 'work', primary: true },
          { value: 'alice.home@mail.test', type: 'home' },
        ],
        x509Certificates: [{ value: 'QUJD' }],
        [ENTERPRISE]: { employeeNumber: '1001', department: 'R&D', manager: { value: uid(2) } },
        [TEST_EXT]: { level: 10, score: 1.5, tags: ['red', 'Blue'], code: 'Abc', hired: '2024-03-01T00:00:00.000Z', verified: true },
      },
    },
    {
      id: uid(2),
      userName: 'Bob@Example.com',
      externalId: 'ext-a',
      displayName: 'Bob Jones',
      active: false,
      created: '2024-02-01T00:00:00.000Z',
      resource: {
        userName: 'Bob@Example.com',
        externalId: 'ext-a',
        displayName: 'Bob Jones',
        title: 'engineer',
        name: { givenName: 'Bob', familyName: 'Jones' },
        emails: [
          { value: 'bob@work.test', type: 'home' },
          { value: 'BOB@example.com', type: 'work' },
        ],
        [ENTERPRISE]: { employeeNumber: '1002', department: 'Sales' },
        [TEST_EXT]: { level: 9, score: 2.25, tags: ['green'], code: 'abc', hired: '2023-12-31T23:59:59.999Z', verified: false },
      },
    },
    {
      id: uid(3),
      userName: 'carol',
      created: '2024-03-01T00:00:00.000Z',
      resource: { userName: 'carol', nickName: 'carol_x', name: { givenName: 'Carol' } },
    },
    {
      id: uid(4),
      userName: 'dave',
      displayName: 'Dave',
      created: '2024-04-01T00:00:00.000Z',
      resource: {
        userName: 'dave',
        displayName: 'Dave',
        title: 'Manager',
        name: { familyName: 'Adams' },
        emails: [
          { value: 'dave@example.org', type: 'work' },
          { value: 'd@example.com', type: 'other', primary: true },
        ],
        [TEST_EXT]: { level: 3, tags: ['red'] },
      },
    },
    {
      id: uid(5),
      userName: 'eve',
      created: '2024-05-01T00:00:00.000Z',
      resource: {
        userName: 'eve',
        title: 'Engineer',
        emails: [{ value: 'eve@example.com', type: 'work', primary: true }],
        [ENTERPRISE]: { department: 'R&D' },
      },
    },
    {
      // Written around the store's rules on purpose: "" and [] must not count as present.
      id: uid(6),
      userName: 'frank',
      displayName: '',
      created: '2024-06-01T00:00:00.000Z',
      resource: { userName: 'frank', title: '', emails: [], name: {} },
    },
  ]
}

/** Tenant B: look-alikes of tenant A's data, which must never show up in tenant A's answers. */
function usersOfB(): Seed[] {
  return usersOfA().map((u, i) => ({ ...u, id: otherUid(i + 1), created: '2025-01-01T00:00:00.000Z' }))
}

for (const backend of backends()) {
  describe(`store query on ${backend.name}`, function () {
    let t: TestStore
    let store: Store
    let registry: SchemaRegistry
    let A: string
    let B: string

    before(async function () {
      t = await backend.open()
      store = t.store
      registry = testRegistry()
      A = (await store.tenants.create({ slug: `qa${Date.now().toString(36)}`, displayName: 'A', source: 'scim' })).id
      B = (await store.tenants.create({ slug: `qb${Date.now().toString(36)}`, displayName: 'B', source: 'scim' })).id
      // Joining a group moves a user's lastModified on, so the seeded timestamps are set last.
      const stamps: Array<[string, string, string]> = []
      for (const [tenant, users] of [[A, usersOfA()], [B, usersOfB()]] as const) {
        for (const u of users) {
          await store.users.insert({
            tenantId: tenant,
            id: u.id,
            userName: u.userName,
            externalId: u.externalId ?? null,
            displayName: u.displayName ?? null,
            active: u.active ?? true,
            origin: 'scim',
            resource: u.resource,
          })
          stamps.push([tenant, u.id, u.created])
        }
      }
      // Groups: Engineering ⊂ Staff ⊂ All; Loop1 and Loop2 contain each other; Empty has no members.
      const groups: Array<[number, string, string | null, Array<[string, 'User' | 'Group']>]> = [
        [1, 'Engineering', 'g-eng', [[uid(1), 'User'], [uid(2), 'User']]],
        [2, 'Staff', null, [[gid(1), 'Group'], [uid(3), 'User']]],
        [3, 'All', null, [[gid(2), 'Group'], [uid(4), 'User']]],
        [4, 'Empty', null, []],
        [5, 'Loop1', null, [[gid(6), 'Group']]],
        [6, 'Loop2', null, [[gid(5), 'Group'], [uid(5), 'User']]],
      ]
      for (const [tenant, g] of [[A, gid], [B, otherGid]] as const) {
        for (const [n, displayName, externalId] of groups) {
          await store.groups.insert({ tenantId: tenant, id: g(n), displayName, externalId, origin: 'scim', resource: { displayName, ...(externalId ? { externalId } : {}) } })
        }
      }
      for (const [n, , , members] of groups) {
        await store.memberships.add(A, gid(n), members.map(([memberId, memberType]) => ({ memberId, memberType })))
        const remap = (id: string) => (id.startsWith('aaaaaaaa-0000-4000-8000') ? otherUid(Number(id.slice(-12))) : otherGid(Number(id.slice(-12))))
        await store.memberships.add(B, otherGid(n), members.map(([memberId, memberType]) => ({ memberId: remap(memberId), memberType })))
      }
      // A trap: tenant B's group "Secret" lists tenant A's carol (member ids carry no foreign key).
      await store.groups.insert({ tenantId: B, id: otherGid(9), displayName: 'Secret', origin: 'scim', resource: { displayName: 'Secret' } })
      await store.memberships.add(B, otherGid(9), [{ memberId: uid(3), memberType: 'User' }])
      for (const [tenant, id, created] of stamps) {
        await t.db.query('UPDATE users SET created = $3::timestamptz, modified = $3::timestamptz WHERE tenant_id = $1 AND id = $2', [tenant, id, created])
      }
    })
    after(async () => t?.dispose())

    const userFilter = (text: string): ResourceFilter => resolveFilter(registry, 'User', parseFilter(text))
    const groupFilter = (text: string): ResourceFilter => resolveFilter(registry, 'Group', parseFilter(text))
    const all: ResourcePage = { kind: 'index', startIndex: 1, count: 1000 }

    function checkTenant(items: Array<User | Group>, tenant: string): void {
      for (const item of items) assert.equal(item.tenantId, tenant, `a record of another tenant leaked: ${JSON.stringify(item)}`)
    }

    async function users(filter: string | null, sort?: ResourceSort, page: ResourcePage = all): Promise<string[]> {
      const result = await store.users.query(A, { ...(filter ? { filter: userFilter(filter) } : {}), sort: sort ?? resolveSort(registry, 'User', 'userName'), page })
      checkTenant(result.items, A)
      return result.items.map((u) => u.userName)
    }

    async function groupNames(filter: string | null): Promise<string[]> {
      const result = await store.groups.query(A, { ...(filter ? { filter: groupFilter(filter) } : {}), sort: resolveSort(registry, 'Group', 'displayName'), page: all })
      checkTenant(result.items, A)
      return result.items.map((g) => g.displayName)
    }

    const ALL = ['alice@example.com', 'Bob@Example.com', 'carol', 'dave', 'eve', 'frank']

    describe('strings', () => {
      it('eq and ne follow caseExact: userName and title ignore case, externalId does not', async () => {
        assert.deepEqual(await users('userName eq "ALICE@example.COM"'), ['alice@example.com'])
        assert.deepEqual(await users('userName eq "bob@example.com"'), ['Bob@Example.com'])
        assert.deepEqual(await users('title eq "ENGINEER"'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('externalId eq "EXT-A"'), ['alice@example.com'])
        assert.deepEqual(await users('externalId eq "ext-a"'), ['Bob@Example.com'])
        assert.deepEqual(await users('externalId eq "Ext-A"'), [])
        assert.deepEqual(await users(`${TEST_EXT}:code eq "abc"`), ['Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:code eq "ABC"`), [])
        assert.deepEqual(await users('displayName eq "alice smith"'), ['alice@example.com'])
      })

      it('ne is true for unassigned values', async () => {
        assert.deepEqual(await users('title ne "engineer"'), ['carol', 'dave', 'frank'])
        assert.deepEqual(await users('externalId ne "EXT-A"'), ['Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('displayName ne "Dave"'), ['alice@example.com', 'Bob@Example.com', 'carol', 'eve', 'frank'])
      })

      it('co, sw and ew, with % and _ as plain characters', async () => {
        assert.deepEqual(await users('title co "GIN"'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('title sw "man"'), ['dave'])
        assert.deepEqual(await users('title ew "EER"'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('nickName co "%"'), ['alice@example.com'])
        assert.deepEqual(await users('nickName co "_"'), ['alice@example.com', 'carol'])
        assert.deepEqual(await users('nickName sw "50%_"'), ['alice@example.com'])
        assert.deepEqual(await users('nickName ew "_x"'), ['carol'])
        assert.deepEqual(await users('nickName co "5_%"'), [])
        assert.deepEqual(await users('userName sw "B"'), ['Bob@Example.com'])
        assert.deepEqual(await users('userName co "@EXAMPLE."'), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('externalId sw "ext"'), ['Bob@Example.com'])
        assert.deepEqual(await users('externalId ew "A"'), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:code co "B"`), [])
        assert.deepEqual(await users(`${TEST_EXT}:code co "b"`), ['alice@example.com', 'Bob@Example.com'])
      })

      it('gt, ge, lt and le are lexicographic, case-insensitively for case-insensitive attributes', async () => {
        assert.deepEqual(await users('userName gt "bob@example.com"'), ['carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('userName ge "BOB@example.com"'), ['Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('userName lt "c"'), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('userName le "carol"'), ['alice@example.com', 'Bob@Example.com', 'carol'])
        assert.deepEqual(await users('title lt "f"'), ['alice@example.com', 'Bob@Example.com', 'eve', 'frank'])
        assert.deepEqual(await users('title gt "engineer"'), ['dave'])
        // Case-exact: "E" (0x45) sorts before "e" (0x65).
        assert.deepEqual(await users('externalId gt "EXT-A"'), ['Bob@Example.com'])
        assert.deepEqual(await users('externalId lt "a"'), ['alice@example.com'])
      })
    })

    describe('other types', () => {
      it('booleans: eq and ne; unassigned is not equal', async () => {
        assert.deepEqual(await users('active eq false'), ['Bob@Example.com'])
        assert.deepEqual(await users('active ne false'), ['alice@example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users(`${TEST_EXT}:verified eq true`), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:verified ne true`), ['Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('emails.primary eq true'), ['alice@example.com', 'dave', 'eve'])
      })

      it('integers and decimals compare numerically', async () => {
        assert.deepEqual(await users(`${TEST_EXT}:level gt 9`), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:level ge 9`), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:level lt 10`), ['Bob@Example.com', 'dave'])
        assert.deepEqual(await users(`${TEST_EXT}:level le 3`), ['dave'])
        assert.deepEqual(await users(`${TEST_EXT}:level eq 3`), ['dave'])
        assert.deepEqual(await users(`${TEST_EXT}:level ne 3`), ['alice@example.com', 'Bob@Example.com', 'carol', 'eve', 'frank'])
        assert.deepEqual(await users(`${TEST_EXT}:score eq 1.50`), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:score gt 1.5`), ['Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:score le 2.25`), ['alice@example.com', 'Bob@Example.com'])
      })

      it('meta.created compares chronologically at millisecond precision', async () => {
        assert.deepEqual(await users('meta.created eq "2024-01-01T00:00:00.123Z"'), ['alice@example.com'])
        assert.deepEqual(await users('meta.created eq "2024-01-01T01:00:00.123+01:00"'), ['alice@example.com'])
        assert.deepEqual(await users('meta.created gt "2024-01-01T00:00:00.123Z"'), ['Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('meta.created ge "2024-01-01T00:00:00.123Z" and meta.created lt "2024-03-01T00:00:00Z"'), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('meta.created le "2024-03-01T00:00:00Z"'), ['alice@example.com', 'Bob@Example.com', 'carol'])
        assert.deepEqual(await users('meta.lastModified gt "2024-05-15T00:00:00Z"'), ['frank'])
      })

      it('document dateTimes compare chronologically, operands normalised to UTC', async () => {
        assert.deepEqual(await users(`${TEST_EXT}:hired eq "2024-03-01T01:00:00+01:00"`), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:hired gt "2023-12-31T23:59:59.998Z"`), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:hired lt "2024-01-01T00:00:00Z"`), ['Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:hired le "2024-02-29T23:00:00-01:00"`), ['alice@example.com', 'Bob@Example.com'])
      })

      it('binary values compare exactly', async () => {
        assert.deepEqual(await users('x509Certificates.value eq "QUJD"'), ['alice@example.com'])
        assert.deepEqual(await users('x509Certificates.value eq "qujd"'), [])
        assert.deepEqual(await users('x509Certificates eq "QUJD"'), ['alice@example.com'])
      })

      it('ids: eq by uuid, case-exact, and never an error for a non-uuid', async () => {
        assert.deepEqual(await users(`id eq "${uid(3)}"`), ['carol'])
        assert.deepEqual(await users(`id eq "${uid(3).toUpperCase()}"`), [])
        assert.deepEqual(await users('id eq "not-a-uuid"'), [])
        assert.deepEqual(await users(`id ne "${uid(3)}"`), ALL.filter((n) => n !== 'carol'))
        assert.deepEqual(await users('id sw "aaaaaaaa-0000-4000-8000-00000000000"'), ALL)
      })

      it('meta.resourceType and schemas', async () => {
        assert.deepEqual(await users('meta.resourceType eq "User"'), ALL)
        assert.deepEqual(await users('meta.resourceType eq "Group"'), [])
        assert.deepEqual(await users(`schemas eq "${ENTERPRISE}"`), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"'), ALL)
        assert.deepEqual(await users(`not (schemas eq "${ENTERPRISE}")`), ['carol', 'dave', 'frank'])
      })
    })

    describe('presence and null', () => {
      it('pr: assigned and non-empty', async () => {
        assert.deepEqual(await users('title pr'), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve'])
        assert.deepEqual(await users('emails pr'), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve'])
        assert.deepEqual(await users('name pr'), ['alice@example.com', 'Bob@Example.com', 'carol', 'dave'])
        assert.deepEqual(await users('name.familyName pr'), ['alice@example.com', 'Bob@Example.com', 'dave'])
        assert.deepEqual(await users('emails.primary pr'), ['alice@example.com', 'dave', 'eve'])
        assert.deepEqual(await users('externalId pr'), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('displayName pr'), ['alice@example.com', 'Bob@Example.com', 'dave'])
        assert.deepEqual(await users(`${ENTERPRISE}:department pr`), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr'), ['alice@example.com'])
        assert.deepEqual(await users('not (title pr)'), ['carol', 'frank'])
        assert.deepEqual(await users('active pr'), ALL)
      })

      it('eq null is "not present", ne null is "present"', async () => {
        assert.deepEqual(await users('title eq null'), ['carol', 'frank'])
        assert.deepEqual(await users('title ne null'), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve'])
        assert.deepEqual(await users('emails.value eq null'), ['carol', 'frank'])
      })
    })

    describe('multi-valued attributes', () => {
      it('any value matches; a bare complex attribute means its value', async () => {
        assert.deepEqual(await users('emails.value eq "BOB@EXAMPLE.COM"'), ['Bob@Example.com'])
        assert.deepEqual(await users('emails eq "alice.home@mail.test"'), ['alice@example.com'])
        assert.deepEqual(await users('emails co "example.com"'), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve'])
        assert.deepEqual(await users('emails.type eq "other"'), ['dave'])
        assert.deepEqual(await users('emails.value ew ".test"'), ['alice@example.com', 'Bob@Example.com'])
      })

      it('ne: no value equals (also no values at all)', async () => {
        assert.deepEqual(await users('emails.value ne "alice@example.com"'), ['Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users('emails.type ne "work"'), ['carol', 'frank'])
      })

      it('separate conditions may match different values; a value filter needs one value to match all', async () => {
        assert.deepEqual(await users('emails.type eq "home" and emails.value ew "example.com"'), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('emails[type eq "home" and value ew "example.com"]'), [])
        assert.deepEqual(await users('emails[type eq "work" and value ew "example.com"]'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('emails[type eq "work" and value eq "bob@example.com"]'), ['Bob@Example.com'])
        assert.deepEqual(await users('emails[type eq "home" and value eq "bob@example.com"]'), [])
        assert.deepEqual(await users('emails[type eq "home" or primary eq true]'), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve'])
        assert.deepEqual(await users('emails[not (type eq "work")]'), ['alice@example.com', 'Bob@Example.com', 'dave'])
        assert.deepEqual(await users('not (emails[type eq "work"])'), ['carol', 'frank'])
        assert.deepEqual(await users('emails[type eq "work" and primary eq true]'), ['alice@example.com', 'eve'])
        assert.deepEqual(await users('emails[value pr and type ne "work"]'), ['alice@example.com', 'Bob@Example.com', 'dave'])
      })

      it('the Entra ID form attr[filter].sub op value', async () => {
        const result = await store.users.query(A, { filter: resolveFilter(registry, 'User', parseFilter('emails[type eq "work"].value eq "Eve@Example.com"', { lenient: true })), page: all })
        assert.deepEqual(result.items.map((u) => u.userName), ['eve'])
      })

      it('multi-valued simple attributes compare element by element', async () => {
        assert.deepEqual(await users(`${TEST_EXT}:tags eq "RED"`), ['alice@example.com', 'dave'])
        assert.deepEqual(await users(`${TEST_EXT}:tags eq "blue"`), ['alice@example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:tags sw "gr"`), ['Bob@Example.com'])
        assert.deepEqual(await users(`${TEST_EXT}:tags ne "red"`), ['Bob@Example.com', 'carol', 'eve', 'frank'])
        assert.deepEqual(await users(`${TEST_EXT}:tags pr`), ['alice@example.com', 'Bob@Example.com', 'dave'])
      })

      it('extension attributes, qualified or not', async () => {
        assert.deepEqual(await users(`${ENTERPRISE}:employeeNumber eq "1002"`), ['Bob@Example.com'])
        assert.deepEqual(await users('employeeNumber eq "1001"'), ['alice@example.com'])
        assert.deepEqual(await users('department eq "r&d"'), ['alice@example.com', 'eve'])
        assert.deepEqual(await users(`${ENTERPRISE}:manager.value eq "${uid(2)}"`), ['alice@example.com'])
        assert.deepEqual(await users(`manager eq "${uid(2)}"`), ['alice@example.com'])
      })
    })

    describe('logic', () => {
      it('not binds tighter than and, and tighter than or', async () => {
        assert.deepEqual(await users('title eq "engineer" or title eq "manager" and active eq false'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('(title eq "engineer" or title eq "manager") and active eq false'), ['Bob@Example.com'])
        assert.deepEqual(await users('active eq false or title eq "manager" and userName sw "d"'), ['Bob@Example.com', 'dave'])
        assert.deepEqual(await users('not (title eq "engineer") and title pr'), ['dave'])
        assert.deepEqual(await users('not (title eq "engineer" or emails pr)'), ['carol', 'frank'])
        assert.deepEqual(await users('not (not (active eq false))'), ['Bob@Example.com'])
        assert.deepEqual(await users('not (title gt "a")'), ['carol', 'frank'])
      })
    })

    describe('members and groups', () => {
      it('Group members: value, type, presence, value filters', async () => {
        assert.deepEqual(await groupNames(`members.value eq "${uid(1)}"`), ['Engineering'])
        assert.deepEqual(await groupNames(`members eq "${gid(1)}"`), ['Staff'])
        assert.deepEqual(await groupNames(`members.value eq "${uid(3).toUpperCase()}"`), ['Staff'])
        assert.deepEqual(await groupNames('members.value eq "nonsense"'), [])
        assert.deepEqual(await groupNames('members.type eq "group"'), ['All', 'Loop1', 'Loop2', 'Staff'])
        assert.deepEqual(await groupNames('members pr'), ['All', 'Engineering', 'Loop1', 'Loop2', 'Staff'])
        assert.deepEqual(await groupNames('not (members pr)'), ['Empty'])
        assert.deepEqual(await groupNames(`members[type eq "User" and value eq "${uid(3)}"]`), ['Staff'])
        assert.deepEqual(await groupNames(`members[type eq "Group" and value eq "${uid(3)}"]`), [])
        assert.deepEqual(await groupNames(`members.value ne "${uid(1)}"`), ['All', 'Empty', 'Loop1', 'Loop2', 'Staff'])
      })

      it('Group columns, resource type', async () => {
        assert.deepEqual(await groupNames('displayName eq "ENGINEERING"'), ['Engineering'])
        assert.deepEqual(await groupNames('displayName sw "lo"'), ['Loop1', 'Loop2'])
        assert.deepEqual(await groupNames('externalId eq "g-eng"'), ['Engineering'])
        assert.deepEqual(await groupNames('meta.resourceType eq "Group"'), ['All', 'Empty', 'Engineering', 'Loop1', 'Loop2', 'Staff'])
      })

      it("User groups: direct and indirect, cycles included, never another tenant's", async () => {
        assert.deepEqual(await users('groups.display eq "all"'), ['alice@example.com', 'Bob@Example.com', 'carol', 'dave'])
        assert.deepEqual(await users(`groups.value eq "${gid(2)}"`), ['alice@example.com', 'Bob@Example.com', 'carol'])
        assert.deepEqual(await users(`groups eq "${gid(1)}"`), ['alice@example.com', 'Bob@Example.com'])
        assert.deepEqual(await users('groups.display eq "Loop1"'), ['eve'])
        assert.deepEqual(await users('groups pr'), ['alice@example.com', 'Bob@Example.com', 'carol', 'dave', 'eve'])
        assert.deepEqual(await users('not (groups pr)'), ['frank'])
        assert.deepEqual(await users('groups.display eq "Secret"'), [])
        assert.deepEqual(await users('groups[display sw "eng" or display eq "loop2"]'), ['alice@example.com', 'Bob@Example.com', 'eve'])
        assert.deepEqual(await users('groups.display ne "staff"'), ['dave', 'eve', 'frank'])
      })

      it('tenant B sees only its own records, with the same filters', async () => {
        const result = await store.users.query(B, { filter: userFilter('title eq "engineer"'), page: all })
        checkTenant(result.items, B)
        assert.equal(result.totalResults, 3)
        const secret = await store.groups.query(B, { filter: groupFilter(`members.value eq "${uid(3)}"`), page: all })
        assert.deepEqual(secret.items.map((g) => g.displayName), ['Secret'])
        const groupsOfA = await store.groups.query(A, { filter: groupFilter(`members.value eq "${otherUid(1)}"`), page: all })
        assert.deepEqual(groupsOfA.items, [])
      })
    })

    describe('sorting', () => {
      const sortBy = (by: string, order?: string) => resolveSort(registry, 'User', by, order)

      it('by userName, case-insensitively, ascending and descending', async () => {
        assert.deepEqual(await users(null, sortBy('userName')), ALL)
        assert.deepEqual(await users(null, sortBy('userName', 'descending')), [...ALL].reverse())
      })

      it('unassigned values last ascending, first descending; ties by id', async () => {
        // alice, bob, eve share "engineer"; carol and frank have no title (frank's "" is no value).
        assert.deepEqual(await users(null, sortBy('title')), ['alice@example.com', 'Bob@Example.com', 'eve', 'dave', 'carol', 'frank'])
        assert.deepEqual(await users(null, sortBy('title', 'descending')), ['frank', 'carol', 'dave', 'eve', 'Bob@Example.com', 'alice@example.com'])
        assert.deepEqual(await users(null, sortBy('externalId')), ['alice@example.com', 'Bob@Example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users(null, sortBy('name.familyName')), ['dave', 'Bob@Example.com', 'alice@example.com', 'carol', 'eve', 'frank'])
      })

      it('multi-valued: by the primary value, else the first', async () => {
        // alice: alice@example.com (primary); bob: bob@work.test (first); dave: d@example.com (primary); eve: primary.
        assert.deepEqual(await users(null, sortBy('emails')), ['alice@example.com', 'Bob@Example.com', 'dave', 'eve', 'carol', 'frank'])
        assert.deepEqual(await users(null, sortBy('emails.type', 'descending')), ['frank', 'carol', 'eve', 'alice@example.com', 'dave', 'Bob@Example.com'])
        assert.deepEqual(await users(null, sortBy(`${TEST_EXT}:tags`)), ['Bob@Example.com', 'alice@example.com', 'dave', 'carol', 'eve', 'frank'])
      })

      it('numbers numerically, booleans false first, dates chronologically', async () => {
        assert.deepEqual(await users(null, sortBy(`${TEST_EXT}:level`)), ['dave', 'Bob@Example.com', 'alice@example.com', 'carol', 'eve', 'frank'])
        assert.deepEqual(await users(null, sortBy('active')), ['Bob@Example.com', 'alice@example.com', 'carol', 'dave', 'eve', 'frank'])
        assert.deepEqual(await users(null, sortBy('meta.created', 'descending')), [...ALL].reverse())
        assert.deepEqual(await users(null, sortBy(`${TEST_EXT}:hired`)), ['Bob@Example.com', 'alice@example.com', 'carol', 'dave', 'eve', 'frank'])
      })

      it('without sortBy: by id', async () => {
        const result = await store.users.query(A, { page: all })
        assert.deepEqual(result.items.map((u) => u.id), [1, 2, 3, 4, 5, 6].map(uid))
      })
    })

    describe('index paging', () => {
      it('startIndex and count, with the exact total', async () => {
        const q = (startIndex: number, count: number): Promise<QueryResult<User>> =>
          store.users.query(A, { filter: userFilter('userName ne "carol"'), sort: resolveSort(registry, 'User', 'userName'), page: { kind: 'index', startIndex, count } })
        const p1 = await q(1, 2)
        assert.equal(p1.totalResults, 5)
        assert.deepEqual(p1.items.map((u) => u.userName), ['alice@example.com', 'Bob@Example.com'])
        assert.equal(p1.nextCursor, undefined)
        assert.deepEqual((await q(3, 2)).items.map((u) => u.userName), ['dave', 'eve'])
        assert.deepEqual((await q(5, 2)).items.map((u) => u.userName), ['frank'])
        const past = await q(9, 2)
        assert.deepEqual(past.items, [])
        assert.equal(past.totalResults, 5)
      })

      it('count=0 answers the total only', async () => {
        const result = await store.users.query(A, { filter: userFilter('title pr'), page: { kind: 'index', startIndex: 1, count: 0 } })
        assert.deepEqual(result, { items: [], totalResults: 4 })
        const none = await store.users.query(A, { filter: userFilter('title eq "nobody"'), page: { kind: 'index', startIndex: 1, count: 10 } })
        assert.deepEqual(none, { items: [], totalResults: 0 })
      })
    })

    describe('cursor paging', () => {
      async function walk(query: Omit<ResourceQuery, 'page'>, count: number): Promise<{ forward: string[]; backward: string[]; pages: number }> {
        const forward: string[] = []
        let cursor: string | null = null
        let last: QueryResult<User> | undefined
        let pages = 0
        for (;;) {
          const page: QueryResult<User> = await store.users.query(A, { ...query, page: { kind: 'cursor', cursor, count } })
          checkTenant(page.items, A)
          if (cursor === null) assert.equal(page.previousCursor, null, 'no previousCursor on the first page')
          forward.push(...page.items.map((u) => u.userName))
          last = page
          pages++
          if (!page.nextCursor) break
          assert.equal(page.items.length, count, 'only the last page is short')
          cursor = page.nextCursor
          assert.ok(pages < 50)
        }
        assert.equal(last.nextCursor, null)
        // And back again from the last page.
        const backward: string[] = []
        let prev = last.previousCursor ?? null
        while (prev) {
          const page: QueryResult<User> = await store.users.query(A, { ...query, page: { kind: 'cursor', cursor: prev, count } })
          checkTenant(page.items, A)
          assert.ok(page.nextCursor, 'a page reached backwards has a next page')
          backward.unshift(...page.items.map((u) => u.userName))
          prev = page.previousCursor ?? null
        }
        backward.push(...last.items.map((u) => u.userName))
        return { forward, backward, pages }
      }

      const cases: Array<[string, () => Omit<ResourceQuery, 'page'>]> = [
        ['by id', () => ({})],
        ['by userName descending', () => ({ sort: resolveSort(registry, 'User', 'userName', 'descending') })],
        ['by title (unassigned values, ties)', () => ({ sort: resolveSort(registry, 'User', 'title') })],
        ['by title descending', () => ({ sort: resolveSort(registry, 'User', 'title', 'descending') })],
        ['by emails (multi-valued)', () => ({ sort: resolveSort(registry, 'User', 'emails') })],
        ['by level (numbers, unassigned)', () => ({ sort: resolveSort(registry, 'User', `${TEST_EXT}:level`, 'descending') })],
        ['by meta.created', () => ({ sort: resolveSort(registry, 'User', 'meta.created') })],
        ['by active', () => ({ sort: resolveSort(registry, 'User', 'active') })],
        ['filtered', () => ({ filter: userFilter('userName ne "dave"'), sort: resolveSort(registry, 'User', 'displayName') })],
      ]
      for (const [label, make] of cases) {
        it(`walks forwards and backwards with no gaps or duplicates: ${label}`, async () => {
          const query = make()
          const expected = (await store.users.query(A, { ...query, page: all })).items.map((u) => u.userName)
          for (const count of [1, 2, 4, 10]) {
            const { forward, backward, pages } = await walk(query, count)
            assert.deepEqual(forward, expected, `forward with count=${count}`)
            assert.deepEqual(backward, expected, `backward with count=${count}`)
            assert.equal(pages, Math.max(1, Math.ceil(expected.length / count)))
          }
        })
      }

      it('reports the total on every page and a null next on the last', async () => {
        const query = { filter: userFilter('title pr') }
        const first = await store.users.query(A, { ...query, page: { kind: 'cursor', cursor: null, count: 3 } })
        assert.equal(first.totalResults, 4)
        assert.equal(first.previousCursor, null)
        const second = await store.users.query(A, { ...query, page: { kind: 'cursor', cursor: first.nextCursor!, count: 3 } })
        assert.equal(second.totalResults, 4)
        assert.equal(second.items.length, 1)
        assert.equal(second.nextCursor, null)
        assert.ok(second.previousCursor)
        assert.match(first.nextCursor!, /^[A-Za-z0-9_-]+$/, 'cursors use URL-unreserved characters only')
      })

      it('keeps its place when rows before it are added or removed', async () => {
        const sort = resolveSort(registry, 'User', 'userName')
        const first = await store.users.query(A, { sort, page: { kind: 'cursor', cursor: null, count: 2 } })
        const extra = await store.users.insert({ tenantId: A, userName: 'aaron', origin: 'scim', resource: { userName: 'aaron' } })
        try {
          const second = await store.users.query(A, { sort, page: { kind: 'cursor', cursor: first.nextCursor!, count: 2 } })
          assert.deepEqual(second.items.map((u) => u.userName), ['carol', 'dave'])
        } finally {
          await store.users.delete(A, extra.id)
        }
      })

      it('an empty page (rows gone since) still leads back to the rows before it', async () => {
        const sort = resolveSort(registry, 'User', 'userName')
        const filter = userFilter('userName sw "zz"')
        const z1 = await store.users.insert({ tenantId: A, userName: 'zz1', origin: 'scim', resource: { userName: 'zz1' } })
        const z2 = await store.users.insert({ tenantId: A, userName: 'zz2', origin: 'scim', resource: { userName: 'zz2' } })
        try {
          const first = await store.users.query(A, { filter, sort, page: { kind: 'cursor', cursor: null, count: 1 } })
          assert.deepEqual(first.items.map((u) => u.userName), ['zz1'])
          await store.users.delete(A, z2.id)
          const empty = await store.users.query(A, { filter, sort, page: { kind: 'cursor', cursor: first.nextCursor!, count: 1 } })
          assert.deepEqual(empty.items, [])
          assert.equal(empty.nextCursor, null)
          const back = await store.users.query(A, { filter, sort, page: { kind: 'cursor', cursor: empty.previousCursor!, count: 1 } })
          assert.deepEqual(back.items.map((u) => u.userName), ['zz1'])
          assert.equal(back.previousCursor, null)
          const forward = await store.users.query(A, { filter, sort, page: { kind: 'cursor', cursor: back.nextCursor!, count: 1 } })
          assert.deepEqual(forward.items, [])
        } finally {
          await store.users.delete(A, z1.id)
          await store.users.delete(A, z2.id)
        }
      })

      it('count=0: the total only', async () => {
        const result = await store.users.query(A, { page: { kind: 'cursor', cursor: null, count: 0 } })
        assert.deepEqual(result, { items: [], totalResults: 6, nextCursor: null, previousCursor: null })
      })

      it('refuses tampered, foreign and garbage cursors with invalidCursor', async () => {
        const sort = resolveSort(registry, 'User', 'userName')
        const first = await store.users.query(A, { sort, page: { kind: 'cursor', cursor: null, count: 2 } })
        const cursor = first.nextCursor!
        const isInvalidCursor = (e: unknown) => e instanceof InvalidCursorError
        const attempt = (c: string, q: Omit<ResourceQuery, 'page'> = { sort }, tenant = A) => store.users.query(tenant, { ...q, page: { kind: 'cursor', cursor: c, count: 2 } })

        // Every single-character change.
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        for (let i = 0; i < cursor.length; i += 3) {
          const replacement = alphabet[(alphabet.indexOf(cursor[i]!) + 7) % alphabet.length]!
          await assert.rejects(attempt(cursor.slice(0, i) + replacement + cursor.slice(i + 1)), isInvalidCursor, `changed at ${i}`)
        }
        // A well-formed cursor with another position but the old checksum.
        const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]
        decoded[2] = 'zzz'
        await assert.rejects(attempt(Buffer.from(JSON.stringify(decoded)).toString('base64url')), isInvalidCursor)
        for (const garbage of ['abc', 'not a cursor', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,"a",null,"x",0,"y"]').toString('base64url'), 'x'.repeat(5000), 'A'.repeat(300_000)]) {
          await assert.rejects(attempt(garbage), isInvalidCursor, garbage.slice(0, 30))
        }
        // Checked even when only the total is asked for.
        await assert.rejects(store.users.query(A, { sort, page: { kind: 'cursor', cursor: 'abc', count: 0 } }), isInvalidCursor)
        // Another query's cursor: other sort, other filter, other tenant.
        await assert.rejects(attempt(cursor, { sort: resolveSort(registry, 'User', 'userName', 'descending') }), isInvalidCursor)
        await assert.rejects(attempt(cursor, { sort, filter: userFilter('title pr') }), isInvalidCursor)
        await assert.rejects(attempt(cursor, { sort }, B), isInvalidCursor)
        // And the genuine one still works.
        assert.equal((await attempt(cursor)).items.length, 2)
      })
    })

    describe('plans', () => {
      const target: QueryTarget = { table: 'users', columns: ['id', 'user_name'] }
      const SIZE = 5000
      let C: string
      before(async function () {
        // A tenant big enough for the planner's choices to mean something, seeded in one statement.
        C = (await store.tenants.create({ slug: `qc${Date.now().toString(36)}`, displayName: 'C', source: 'scim' })).id
        await t.db.query(
          // ASCII names: lower() is their userNameKey (src/domain/identity/user-name.ts).
          `INSERT INTO users (tenant_id, id, user_name, user_name_key, external_id, origin, resource)
           SELECT $1::uuid, gen_random_uuid(), 'user' || i || '@example.com', 'user' || i || '@example.com', 'ext-' || i, 'scim',
             jsonb_build_object('userName', 'user' || i || '@example.com', 'title', 'Title ' || (i % 500),
               'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@example.com', 'type', 'work')),
               $3::text, jsonb_build_object('employeeNumber', 'E' || i),
               $4::text, jsonb_build_object('code', 'C' || i))
           FROM generate_series(1, $2::int) AS i`,
          [C, SIZE, ENTERPRISE, TEST_EXT],
        )
        await t.db.query('ANALYZE users')
      })
      async function plan(query: ResourceQuery): Promise<string> {
        const compiled = compileResourceQuery(target, C, query)
        return t.db.transaction(async (sql) => {
          // Tiny tables make a sequential scan the cheapest plan; the question is whether an index *can* serve.
          await sql.query('SET LOCAL enable_seqscan = off')
          const rows = await sql.query<Record<string, string>>(`EXPLAIN ${compiled.page!.text}`, compiled.page!.params)
          return rows.map((r) => Object.values(r)[0]).join('\n')
        })
      }
      const eq = (filter: string, sort?: ResourceSort): ResourceQuery => ({ filter: userFilter(filter), ...(sort ? { sort } : {}), page: { kind: 'index', startIndex: 1, count: 10 } })

      it('userName eq uses the unique (tenant_id, user_name_key) index', async () => {
        assert.match(await plan(eq('userName eq "User42@Example.com"')), /users_user_name_key/)
      })

      it('externalId eq uses the (tenant_id, external_id) index', async () => {
        assert.match(await plan(eq('externalId eq "ext-42"')), /users_external_id_idx/)
      })

      it('eq on document attributes uses the resource_ci GIN index', async () => {
        for (const filter of [
          'title eq "title 7"',
          'emails.value eq "USER42@example.com"',
          'emails[type eq "work" and value eq "user42@example.com"]',
          // The `eq` part is the indexed pre-filter; `co` is checked on what it finds.
          'emails[value eq "user42@example.com" and type co "wor"]',
          `${ENTERPRISE}:employeeNumber eq "E42"`,
          `${TEST_EXT}:code eq "C42"`,
        ]) {
          assert.match(await plan(eq(filter)), /users_resource_ci_idx/, filter)
        }
      })

      it('a deep cursor page by userName reads the sort index from the position (no OFFSET)', async () => {
        const sort = resolveSort(registry, 'User', 'userName')
        const first = await store.users.query(C, { sort, page: { kind: 'cursor', cursor: null, count: 2 } })
        const text = await plan({ sort, page: { kind: 'cursor', cursor: first.nextCursor!, count: 2 } })
        assert.match(text, /users_user_name_sort_idx/)
        assert.doesNotMatch(text, /OFFSET|Sort Key/i)
      })
    })
  })
}

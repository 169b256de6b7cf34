/**
 * Issue 12, finding 4: one tenant's filter must not take the database from the others.
 *
 * `groups.display co "q0" or … or groups.display co "q99"` (100 terms, within the advertised
 * limits) used to walk the nested groups once per term, as a sub-plan PostgreSQL re-ran for every
 * user. Now or-ed conditions on one collection are merged (normaliseFilter), every condition on a
 * user's groups shares one recursive walk per statement (query-sql.ts), and a filter costing more
 * than SCIM_LIMITS.filterMaxCost is refused with 400 invalidFilter before any SQL runs.
 *
 * Checked on both stores, through the HTTP API, against the in-memory value-filter evaluator
 * (src/scim/filter/evaluate.ts) applied to each user's direct and indirect groups; statements are
 * counted in a wrapper around the store's database.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import fc from 'fast-check'
import request from 'supertest'
import { createTenant } from '../../src/domain/tenancy/tenants.js'
import { issueToken } from '../../src/domain/credentials/tokens.js'
import type { Actor } from '../../src/domain/audit/model.js'
import { parseFilter, type Filter } from '../../src/scim/filter/parse.js'
import { matchesFilter } from '../../src/scim/filter/evaluate.js'
import { SCIM_LIMITS } from '../../src/scim/limits.js'
import { loadSchemas, type ResolvedAttribute, type SchemaRegistry } from '../../src/scim/schema/schemas.js'
import { resolveFilter } from '../../src/scim/filter/resolve.js'
import { filterCost, normaliseFilter, type ResourceFilter, type ValueRef } from '../../src/domain/identity/query.js'
import { compileResourceQuery } from '../../src/store/postgres/query-sql.js'
import type { Database, Sql } from '../../src/store/postgres/sql.js'
import { postgresStore } from '../../src/store/postgres/store.js'
import { testApp } from '../support/app.js'
import { prng } from '../support/prng.js'
import { ERROR, SEARCH, USER } from '../support/scim.js'
import { backends, type TestStore } from '../support/stores.js'

const actor: Actor = { type: 'system', id: null, label: 'filter-cost test' }

// ---------------------------------------------------------------------------------------------
// normaliseFilter keeps the meaning (a reference interpreter of ResourceFilter, two-valued)

interface AbstractRecord {
  doc: { a?: string; b?: string; e: Array<{ v?: string }>; f: Array<{ v?: string }> }
  groups: Array<{ display: string }>
}
type Scope = { kind: 'row'; r: AbstractRecord } | { kind: 'element'; el: { v?: string } } | { kind: 'group'; g: { display: string } }

const docRef = (path: string[]): ValueRef => ({ location: { in: 'document', path }, type: 'string', caseExact: true })
const displayRef: ValueRef = { location: { in: 'groups', sub: 'display' }, type: 'string', caseExact: true }

function valueIn(ref: ValueRef, s: Scope): string | undefined {
  const loc = ref.location
  if (loc.in === 'groups' && s.kind === 'group') return s.g.display
  if (loc.in === 'document' && s.kind === 'row') return s.r.doc[loc.path[0] as 'a' | 'b']
  if (loc.in === 'document' && s.kind === 'element') return s.el.v
  throw new Error(`test interpreter: ${JSON.stringify(loc)} in ${s.kind}`)
}

function interpret(f: ResourceFilter, s: Scope): boolean {
  switch (f.kind) {
    case 'const':
      return f.value
    case 'and':
      return f.filters.every((c) => interpret(c, s))
    case 'or':
      return f.filters.some((c) => interpret(c, s))
    case 'not':
      return !interpret(f.filter, s)
    case 'present':
      return valueIn(f.value, s) !== undefined
    case 'compare':
      return valueIn(f.value, s) === f.operand
    case 'any': {
      if (s.kind !== 'row') throw new Error('test interpreter: any outside a row')
      if (f.array.in === 'groups') return s.r.groups.some((g) => interpret(f.filter, { kind: 'group', g }))
      if (f.array.in === 'document') return s.r.doc[f.array.path[0] as 'e' | 'f'].some((el) => interpret(f.filter, { kind: 'element', el }))
      throw new Error('test interpreter: members')
    }
  }
}

/** and/or/not trees over `leaf`, at most `depth` levels. */
function tree(leaf: fc.Arbitrary<ResourceFilter>, depth: number): fc.Arbitrary<ResourceFilter> {
  if (depth === 0) return leaf
  const sub = tree(leaf, depth - 1)
  return fc.oneof(
    { weight: 2, arbitrary: leaf },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), filters: fc.array(sub, { maxLength: 4 }) }) },
    { weight: 1, arbitrary: sub.map((filter): ResourceFilter => ({ kind: 'not', filter })) },
  )
}

const xy = fc.constantFrom('x', 'y')
const constant = fc.boolean().map((value): ResourceFilter => ({ kind: 'const', value }))
const elementLeaf = fc.oneof(xy.map((operand): ResourceFilter => ({ kind: 'compare', op: 'eq', value: docRef(['v']), operand })), constant)
const groupLeaf = fc.oneof(xy.map((operand): ResourceFilter => ({ kind: 'compare', op: 'eq', value: displayRef, operand })), constant)
const anyNode = fc.oneof(
  fc.record({ path: fc.constantFrom('e', 'f'), filter: tree(elementLeaf, 2) }).map(({ path, filter }): ResourceFilter => ({ kind: 'any', array: { in: 'document', path: [path] }, filter })),
  tree(groupLeaf, 2).map((filter): ResourceFilter => ({ kind: 'any', array: { in: 'groups' }, filter })),
)
const rowLeaf = fc.oneof(
  fc.record({ k: fc.constantFrom('a', 'b'), operand: xy }).map(({ k, operand }): ResourceFilter => ({ kind: 'compare', op: 'eq', value: docRef([k]), operand })),
  fc.constantFrom('a', 'b').map((k): ResourceFilter => ({ kind: 'present', value: docRef([k]) })),
  constant,
  anyNode,
  anyNode,
)
const resourceFilter = tree(rowLeaf, 3)
const element = fc.record({ v: xy }, { requiredKeys: [] })
const abstractRecord: fc.Arbitrary<AbstractRecord> = fc.record({
  doc: fc.record({ a: xy, b: xy, e: fc.array(element, { maxLength: 3 }), f: fc.array(element, { maxLength: 3 }) }, { requiredKeys: ['e', 'f'] }),
  groups: fc.array(fc.record({ display: xy }), { maxLength: 3 }),
})

/** Same collection: what normaliseFilter merges. */
const collection = (f: ResourceFilter): string | null => (f.kind === 'any' ? JSON.stringify(f.array) : null)

/** An `or` with two `any`s over one collection, or an `and` with two `not any`s, anywhere. */
function unmerged(f: ResourceFilter): boolean {
  switch (f.kind) {
    case 'and':
    case 'or': {
      const keys = f.filters.map((c) => (f.kind === 'or' ? collection(c) : c.kind === 'not' ? collection(c.filter) : null)).filter((k) => k !== null)
      return new Set(keys).size !== keys.length || f.filters.some(unmerged)
    }
    case 'not':
      return unmerged(f.filter)
    case 'any':
      return unmerged(f.filter)
    default:
      return false
  }
}

describe('security: filter cost (issue 12 finding 4)', () => {
  describe('normaliseFilter', () => {
    it('keeps the meaning of random filters on random records', () => {
      fc.assert(
        fc.property(resourceFilter, fc.array(abstractRecord, { minLength: 1, maxLength: 8 }), (f, records) => {
          const n = normaliseFilter(f)
          for (const r of records) assert.equal(interpret(n, { kind: 'row', r }), interpret(f, { kind: 'row', r }), JSON.stringify({ f, n, r }))
        }),
        { numRuns: 2000 },
      )
    })

    it('is idempotent and leaves no or-ed any (or and-ed none) over one collection', () => {
      fc.assert(
        fc.property(resourceFilter, (f) => {
          const n = normaliseFilter(f)
          assert.deepEqual(normaliseFilter(n), n)
          assert.ok(!unmerged(n), JSON.stringify(n))
        }),
        { numRuns: 1000 },
      )
    })

    it('turns or-ed conditions on groups into one walk, whatever their number', () => {
      const or = (n: number): ResourceFilter => ({
        kind: 'or',
        filters: Array.from({ length: n }, (_, i) => ({ kind: 'any', array: { in: 'groups' }, filter: { kind: 'compare', op: 'co', value: displayRef, operand: `q${i}` } })),
      })
      assert.equal(filterCost(normaliseFilter(or(100))).groupWalks, 1)
      assert.equal(filterCost(or(100)).groupWalks, 100)
    })
  })

  describe('advertised limits', () => {
    it('docs/scim.md states the limits SCIM_LIMITS enforces', () => {
      const doc = fs.readFileSync(new URL('../../docs/scim.md', import.meta.url), 'utf8')
      const row = doc.split('\n').find((l) => l.startsWith('| filter |'))
      assert.ok(row, 'docs/scim.md has no filter row in its Limits table')
      const n = (v: number) => v.toLocaleString('en-US')
      for (const v of [SCIM_LIMITS.filterMaxLength, SCIM_LIMITS.filterMaxDepth, SCIM_LIMITS.filterMaxTerms, SCIM_LIMITS.filterMaxCost]) {
        assert.ok(row.includes(n(v)), `"${row}" should state ${n(v)}`)
      }
    })
  })

  for (const backend of backends()) {
    describe(`on ${backend.name}`, function () {
      this.timeout(180_000)
      let t: TestStore
      let statements: string[]
      let callback: ReturnType<typeof testApp>['callback']
      let registry: SchemaRegistry
      let groupsAttr: ResolvedAttribute
      let emailsAttr: ResolvedAttribute
      let tokenA: string
      let tokenB: string
      const users: SeedUser[] = []
      const groups: SeedGroup[] = []

      before(async function () {
        t = await backend.open()
        const counted = counting(t.db)
        statements = counted.statements
        const store = postgresStore(counted.db)
        callback = testApp(store, { config: { publicUrl: 'http://localhost:3000' } }).callback
        registry = loadSchemas()
        groupsAttr = registry.findAttribute([USER], 'groups') as ResolvedAttribute
        emailsAttr = registry.findAttribute([USER], 'emails') as ResolvedAttribute
        const a = await createTenant(store, actor, { slug: `cost-a-${Date.now().toString(36)}`, source: 'scim' })
        const b = await createTenant(store, actor, { slug: `cost-b-${Date.now().toString(36)}`, source: 'scim' })
        tokenA = (await issueToken(store, a, 'a', actor)).secret
        tokenB = (await issueToken(store, b, 'b', actor)).secret
        await seed(store, a.id, b.id, users, groups)
      })
      after(async () => t?.dispose())

      const search = (body: Record<string, unknown>, token = tokenA) =>
        request(callback).post('/scim/v2/Users/.search').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/scim+json').send(JSON.stringify({ schemas: [SEARCH], ...body }))

      /** The userNames the evaluator says match, in userName order. */
      function expected(filterText: string): string[] {
        const f = parseFilter(filterText)
        return users.filter((u) => evaluate(f, u)).map((u) => u.userName).sort()
      }

      function evaluate(f: Filter, u: SeedUser): boolean {
        const elements = (attr: string) => (attr === 'groups' ? u.allGroups : u.emails)
        const parent = (attr: string) => (attr === 'groups' ? groupsAttr : emailsAttr)
        switch (f.kind) {
          case 'and':
            return f.filters.every((c) => evaluate(c, u))
          case 'or':
            return f.filters.some((c) => evaluate(c, u))
          case 'not':
            return !evaluate(f.filter, u)
          case 'valuePath':
            return elements(f.path.attr).some((el) => matchesFilter(registry, parent(f.path.attr), el, f.filter))
          case 'present':
            if (!f.path.sub) return elements(f.path.attr).length > 0
            return elements(f.path.attr).some((el) => matchesFilter(registry, parent(f.path.attr), el, { kind: 'present', path: { attr: f.path.sub as string } }))
          case 'compare': {
            if (f.path.attr === 'userName') {
              const [actual, operand] = [u.userName.toLowerCase(), String(f.value).toLowerCase()]
              if (f.op === 'sw') return actual.startsWith(operand)
              if (f.op === 'eq') return actual === operand
              throw new Error(`test evaluator: userName ${f.op}`)
            }
            // A multi-valued attribute: some value matches; `ne` is "no value equals" (filter-resolve.ts).
            const inner: Filter = { kind: 'compare', op: f.op === 'ne' ? 'eq' : f.op, path: { attr: f.path.sub ?? 'value' }, value: f.value }
            const some = elements(f.path.attr).some((el) => matchesFilter(registry, parent(f.path.attr), el, inner))
            return f.op === 'ne' ? !some : some
          }
        }
      }

      /** Every userName matching, page by page, and the total every page reported. */
      async function allPages(body: Record<string, unknown>, paging: 'index' | 'cursor', count: number): Promise<{ names: string[]; total: number }> {
        const names: string[] = []
        let total: number
        let cursor = ''
        for (let startIndex = 1; ; startIndex += count) {
          const res = await search({ ...body, count, ...(paging === 'index' ? { startIndex } : { cursor }) }).expect(200)
          total = res.body.totalResults as number
          names.push(...(res.body.Resources as Array<{ userName: string }>).map((r) => r.userName))
          if (paging === 'index' ? startIndex + count > total : !res.body.nextCursor) break
          cursor = res.body.nextCursor as string
          assert.ok(names.length <= total, 'paging does not end')
        }
        return { names, total }
      }

      /** The statements that read users or groups (not the token check and its usage stamp). */
      const resourceReads = (issued: string[]) => issued.filter((s) => /\b(users|groups|group_members)\b/.test(s))

      /** Statements issued while fn runs. */
      async function during(fn: () => Promise<unknown>): Promise<string[]> {
        const from = statements.length
        await fn()
        return statements.slice(from)
      }

      function tooCostly(text: string): boolean {
        try {
          resolveFilter(registry, 'User', parseFilter(text))
          return false
        } catch (e) {
          assert.match((e as Error).message, /too costly/)
          return true
        }
      }

      const terms = (n: number) => Array.from({ length: n }, (_, i) => `groups.display co "q${i}-"`).join(' or ')

      it('answers the 100-term groups.display co search as the evaluator does, within the advertised limits', async () => {
        const filter = terms(100)
        assert.ok(filter.length < SCIM_LIMITS.filterMaxLength)
        const want = expected(filter)
        assert.ok(want.length > 10 && want.length < users.length - 10, `a filter that tells users apart (${want.length} of ${users.length})`)
        const res = await search({ filter, sortBy: 'userName', count: SCIM_LIMITS.maxPageSize }).expect(200)
        assert.equal(res.body.totalResults, want.length)
        assert.deepEqual((res.body.Resources as Array<{ userName: string }>).map((r) => r.userName), want)
      })

      it('runs as many statements for 100 terms as for 1, each walking the groups at most once', async () => {
        const one = resourceReads(await during(() => search({ filter: terms(1), count: 10 }).expect(200)))
        const hundred = resourceReads(await during(() => search({ filter: terms(100), count: 10 }).expect(200)))
        assert.equal(hundred.length, one.length, `1 term: ${one.length} statements, 100 terms: ${hundred.length}`)
        const walking = hundred.filter((s) => /group_walk/.test(s))
        assert.equal(walking.length, 1, 'one statement: the page, with the count beside its rows')
        for (const s of hundred) assert.ok((s.match(/WITH RECURSIVE/g) ?? []).length <= 1, s)
      })

      it('plans searches on groups with one recursive walk per statement and no per-user sub-plan', async () => {
        const tenantId = users[0]!.tenantId
        for (const text of [
          terms(100),
          // Walks that cannot be merged, under and, or and not: still one walk.
          '(groups.display co "q1" and groups.display co "q2") or not (groups.display co "q3") or (userName sw "user1" and not (groups.display sw "team"))',
        ]) {
          const filter = resolveFilter(registry, 'User', parseFilter(text))
          const compiled = compileResourceQuery({ table: 'users', columns: ['id', 'user_name'] }, tenantId, { filter, page: { kind: 'index', startIndex: 1, count: 10 } })
          for (const statement of [compiled.count, compiled.page!]) {
            const rows = await t.db.query<Record<string, string>>(`EXPLAIN ${statement.text}`, statement.params)
            const plan = rows.map((r) => Object.values(r)[0]).join('\n')
            assert.equal((plan.match(/Recursive Union/g) ?? []).length, 1, plan)
            assert.doesNotMatch(plan, /SubPlan/, plan)
          }
        }
      })

      it('carries the walk into every statement shape: count, index and cursor pages, sort, indexed matches, and-ed and negated walks', async () => {
        const some = groups[7]!
        for (const filter of [
          terms(100),
          'groups.display co "q1" and groups.display co "q2"',
          'not (groups.display co "q3") and userName sw "user1"',
          `emails[type eq "work"] and (groups.display co "q1" or groups.value eq "${some.id}")`,
          `groups[display sw "team-q1" and not (display ew "7-")] and not (groups.display eq "${some.displayName.toUpperCase()}")`,
          'groups.display ne "team-q4-" and groups pr',
        ]) {
          const want = expected(filter)
          for (const paging of ['index', 'cursor'] as const) {
            const asc = await allPages({ filter, sortBy: 'userName' }, paging, 23)
            assert.deepEqual(asc.names, want, `${filter} (${paging})`)
            assert.equal(asc.total, want.length, `${filter} (${paging})`)
            const desc = await allPages({ filter, sortBy: 'userName', sortOrder: 'descending' }, paging, 31)
            assert.deepEqual(desc.names, [...want].reverse(), `${filter} (${paging}, descending)`)
          }
          const unsorted = await allPages({ filter }, 'cursor', 37)
          assert.deepEqual([...unsorted.names].sort(), want, `${filter} (by id)`)
        }
      })

      it("never reaches another tenant's groups or users", async () => {
        const res = await search({ filter: terms(100), count: SCIM_LIMITS.maxPageSize }, tokenB).expect(200)
        assert.deepEqual((res.body.Resources as Array<{ userName: string }>).map((r) => r.userName), ['b-user'])
      })

      it('refuses a too costly filter with 400 invalidFilter before any SQL reads users or groups', async () => {
        for (const filter of [
          // Walks that cannot be merged: each and-ed condition is a walk of its own.
          Array.from({ length: 12 }, (_, i) => `groups.display co "q${i}-"`).join(' and '),
          // Many substring tests inside the document.
          Array.from({ length: 100 }, (_, i) => `title co "t${i}"`).join(' or '),
          Array.from({ length: 80 }, (_, i) => `emails.value co "e${i}" or groups.display co "g${i}"`).join(' or '),
        ]) {
          assert.ok(filter.length <= SCIM_LIMITS.filterMaxLength)
          let res: request.Response | undefined
          const issued = await during(async () => {
            res = await search({ filter })
          })
          assert.equal(res!.status, 400, JSON.stringify(res!.body))
          assert.deepEqual(res!.body.schemas, [ERROR])
          assert.equal(res!.body.scimType, 'invalidFilter')
          assert.match(res!.body.detail as string, /too costly/)
          assert.deepEqual(resourceReads(issued), [], 'no statement on users or groups')
        }
      })

      it('accepts as many cheap terms as the limit allows, and refuses one more with invalidFilter', async () => {
        const eqs = (n: number) => Array.from({ length: n }, (_, i) => `userName eq "user${String(i).padStart(3, '0')}"`).join(' or ')
        const ok = await search({ filter: eqs(SCIM_LIMITS.filterMaxTerms), count: 1 }).expect(200)
        assert.equal(ok.body.totalResults, users.length)
        const over = await search({ filter: eqs(SCIM_LIMITS.filterMaxTerms + 1) }).expect(400)
        assert.equal(over.body.scimType, 'invalidFilter')
      })

      it('answers random filters on groups as the evaluator does (fast-check)', async () => {
        const id = fc.constantFrom(...groups.map((g) => g.id))
        const display = fc.constantFrom(...groups.map((g) => g.displayName))
        const word = fc.constantFrom('q1', 'Q2', 'q1-', '7-', 'team', 'zz', '-')
        const term = fc.oneof(
          word.map((w) => `groups.display co "${w}"`),
          fc.constantFrom('team-q1', 'TEAM', 'x').map((w) => `groups.display sw "${w}"`),
          display.map((d) => `groups.display eq "${d.toUpperCase()}"`),
          display.map((d) => `groups.display ne "${d}"`),
          id.map((v) => `groups.value eq "${v}"`),
          id.map((v) => `groups eq "${v}"`),
          fc.constant('groups pr'),
          fc.tuple(word, fc.integer({ min: 0, max: 9 })).map(([w, d]) => `groups[display co "${w}" and not (display ew "${d}-")]`),
          fc.integer({ min: 0, max: 19 }).map((d) => `userName sw "user${String(d).padStart(2, '0')}"`),
          fc.constant('emails[type eq "work"]'),
        )
        const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
          f: fc.oneof(
            { depthSize: 'small', withCrossShrink: true },
            term,
            fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([l, op, r]) => `(${l}) ${op} (${r})`),
            tie('f').map((x) => `not (${x})`),
          ),
        })).f
        await fc.assert(
          fc.asyncProperty(filter, async (text) => {
            const res = await search({ filter: text, sortBy: 'userName', count: SCIM_LIMITS.maxPageSize })
            // Many and-ed or negated walks may cost more than allowed: then refused, never run.
            if (tooCostly(text)) {
              assert.equal(res.status, 400, text)
              assert.equal(res.body.scimType, 'invalidFilter', text)
              return
            }
            assert.equal(res.status, 200, `${text}: ${JSON.stringify(res.body)}`)
            assert.deepEqual((res.body.Resources as Array<{ userName: string }>).map((r) => r.userName), expected(text), text)
          }),
          { numRuns: 40, seed: 124 },
        )
      })
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Fixture

interface SeedUser {
  tenantId: string
  id: string
  userName: string
  emails: Array<{ value: string; type: string }>
  /** Direct and indirect groups, as elements of User.groups. */
  allGroups: Array<{ value: string; display: string }>
}
interface SeedGroup {
  id: string
  displayName: string
}

/** Counts every statement the store sends, in the pool, in transactions and on dedicated connections. */
function counting(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = []
  const wrap = (sql: Sql): Sql => ({
    query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]> {
      statements.push(text)
      return sql.query<R>(text, params)
    },
  })
  return {
    statements,
    db: {
      kind: db.kind,
      ...wrap(db),
      transaction: (fn) => db.transaction((sql) => fn(wrap(sql))),
      withConnection: (fn) => db.withConnection((sql) => fn(wrap(sql))),
      notices: db.notices,
      close: () => db.close(),
    },
  }
}

/**
 * Tenant A: 200 users and 200 groups named `team-q<n>-` (every fifth in capitals), users in 0-2
 * groups, groups nested at random (cycles included), so whether a user is in a group matching
 * `co "q<n>-"` often depends on nesting. Tenant B: a group matching every term that lists one of
 * A's users by id (ids carry no foreign key), and a user of its own.
 */
async function seed(store: ReturnType<typeof postgresStore>, A: string, B: string, users: SeedUser[], groups: SeedGroup[]): Promise<void> {
  const random = prng(4)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
  for (let i = 0; i < 200; i++) {
    const userName = `user${String(i).padStart(3, '0')}`
    const emails = [{ value: `${userName}@example.com`, type: i % 3 === 0 ? 'home' : 'work' }]
    const u = await store.users.insert({ tenantId: A, id: randomUUID(), userName, externalId: null, displayName: null, active: true, origin: 'scim', resource: { userName, emails } })
    users.push({ tenantId: A, id: u.id, userName, emails, allGroups: [] })
  }
  for (let i = 0; i < 200; i++) {
    const displayName = `${i % 5 === 0 ? 'TEAM-Q' : 'team-q'}${i}-`
    const g = await store.groups.insert({ tenantId: A, id: randomUUID(), displayName, externalId: null, origin: 'scim', resource: { displayName } })
    groups.push({ id: g.id, displayName })
  }
  const userMembers = new Map<string, string[]>()
  const groupMembers = new Map<string, string[]>()
  for (const u of users) {
    const n = Math.floor(random() * 3)
    for (let k = 0; k < n; k++) {
      // Mostly groups no term names (100-199), so matches come through nesting.
      const g = random() < 0.85 ? groups[100 + Math.floor(random() * 100)]! : pick(groups)
      userMembers.set(g.id, [...new Set([...(userMembers.get(g.id) ?? []), u.id])])
    }
  }
  for (const [i, g] of groups.entries()) {
    if (random() < 0.3) {
      const parent = random() < 0.5 ? groups[Math.floor(random() * 100)]! : pick(groups)
      if (parent.id !== g.id) groupMembers.set(parent.id, [...new Set([...(groupMembers.get(parent.id) ?? []), g.id])])
    }
    // A few cycles: the walk must end.
    if (i % 40 === 0) groupMembers.set(g.id, [...new Set([...(groupMembers.get(g.id) ?? []), groups[i + 1]!.id])])
    if (i % 40 === 1) groupMembers.set(g.id, [...new Set([...(groupMembers.get(g.id) ?? []), groups[i - 1]!.id])])
  }
  for (const g of groups) {
    const members = [
      ...(userMembers.get(g.id) ?? []).map((memberId) => ({ memberId, memberType: 'User' as const })),
      ...(groupMembers.get(g.id) ?? []).map((memberId) => ({ memberId, memberType: 'Group' as const })),
    ]
    if (members.length) await store.memberships.add(A, g.id, members)
  }
  // Direct and indirect groups: the groups containing the user, then whatever contains those.
  const containers = new Map<string, string[]>()
  for (const [parent, children] of groupMembers) for (const c of children) containers.set(c, [...(containers.get(c) ?? []), parent])
  const byId = new Map(groups.map((g) => [g.id, g]))
  for (const u of users) {
    const seen = new Set<string>()
    const queue = [...userMembers].filter(([, members]) => members.includes(u.id)).map(([g]) => g)
    while (queue.length) {
      const g = queue.pop() as string
      if (seen.has(g)) continue
      seen.add(g)
      queue.push(...(containers.get(g) ?? []))
    }
    u.allGroups = [...seen].map((id) => ({ value: id, display: byId.get(id)!.displayName }))
  }
  const bUser = await store.users.insert({ tenantId: B, id: randomUUID(), userName: 'b-user', externalId: null, displayName: null, active: true, origin: 'scim', resource: { userName: 'b-user' } })
  const bGroup = await store.groups.insert({ tenantId: B, id: randomUUID(), displayName: Array.from({ length: 100 }, (_, i) => `q${i}-`).join(''), externalId: null, origin: 'scim', resource: {} })
  await store.memberships.add(B, bGroup.id, [
    { memberId: bUser.id, memberType: 'User' },
    { memberId: users[0]!.id, memberType: 'User' },
  ])
}

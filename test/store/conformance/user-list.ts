/**
 * Conformance of the console's user list (UserListRepo, src/domain/identity/persister.ts): its
 * documented order, search, keyset cursors, validation and totals, checked against a reference
 * computed here over every seeded user. Part of the identity suite (identity.ts).
 */
import assert from 'node:assert/strict'
import { USER_LIST_SORTS, type UserListItem, type UserListQuery, type UserListSort, type UserListView } from '../../../src/domain/identity/persister.js'
import type { Store } from '../../../src/domain/store.js'
import type { NewUser } from '../../../src/domain/identity/model.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import { InvalidCursorError, ValidationError } from '../../../src/domain/kernel/errors.js'

let n = 0
export const slug = () => `ul${Date.now().toString(36)}${(n++).toString(36)}`
export const VIEWS: UserListView[] = ['active', 'inactive', 'archived']

/** What the list needs to know about a seeded user, to order and search it in JS. */
interface Row {
  id: string
  userName: string
  displayName: string | null
  given: string | null
  family: string | null
  email: string | null
  status: UserListView
  lastSignIn: Date | null
  created: Date
  /** Which insert the user came in: later inserts were created later, even within a millisecond. */
  chunk: number
}

// ---------------------------------------------------------------------------------------------
// The reference: the list's documented order and search, computed in JS over every row.

const bytes = (s: string) => Buffer.from(s, 'utf8')
/** C collation: code point order, which is UTF-8 byte order. */
export const cmpText = (a: string, b: string) => Buffer.compare(bytes(a), bytes(b))
const spaceTrim = (s: string) => s.replace(/^ +| +$/g, '')

function nameKey(r: Row): string {
  const display = spaceTrim(r.displayName ?? '')
  const parts = spaceTrim(`${r.given ?? ''} ${r.family ?? ''}`)
  return (display || parts || r.userName).toLowerCase()
}

function sortKey(r: Row, sort: UserListSort): Array<string | number> {
  switch (sort) {
    case 'userName':
    case 'status':
      return [r.userName.toLowerCase()]
    case 'name':
      return [nameKey(r)]
    case 'email':
      return [r.email ? 0 : 1, (r.email ?? '').toLowerCase()]
    case 'lastSignIn':
      return [r.lastSignIn ? r.lastSignIn.getTime() : -Infinity]
    case 'created':
      return [r.created.getTime(), r.chunk]
  }
}

function compare(a: Row, b: Row, sort: UserListSort): number {
  const ka = sortKey(a, sort)
  const kb = sortKey(b, sort)
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i]!
    const y = kb[i]!
    const c = typeof x === 'string' ? cmpText(x, y as string) : x < (y as number) ? -1 : x > (y as number) ? 1 : 0
    if (c) return c
  }
  return cmpText(a.id, b.id)
}

// eslint-disable-next-line no-control-regex -- as the implementation: control characters separate words
const SEPARATOR = /[\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]/u
const searchText = (r: Row) => [r.userName, r.displayName ?? '', r.given ?? '', r.family ?? '', r.email ?? ''].join(' ').toLowerCase()

/** A term of 3+ consecutive word characters (or starting with punctuation) matches anywhere; otherwise at a word start. */
function termMatches(text: string, term: string): boolean {
  const t = term.toLowerCase()
  const runs = t.split(new RegExp(`${SEPARATOR.source}+`, 'u')).filter(Boolean)
  if (runs.some((r) => [...r].length >= 3) || !runs.length || SEPARATOR.test(t[0]!)) return text.includes(t)
  for (let i = text.indexOf(t); i >= 0; i = text.indexOf(t, i + 1)) if (i === 0 || SEPARATOR.test(text[i - 1]!) || text[i - 1] === ' ') return true
  return false
}

function expected(rows: Row[], q: Pick<UserListQuery, 'view' | 'sort' | 'order' | 'search'>): Row[] {
  const terms = (q.search ?? '').split(/\s+/u).filter(Boolean)
  const out = rows.filter((r) => r.status === q.view && terms.every((t) => termMatches(searchText(r), t))).sort((a, b) => compare(a, b, q.sort))
  return q.order === 'desc' ? out.reverse() : out
}

// ---------------------------------------------------------------------------------------------
// The seeded tenant: ~60 users with ties in every sort key, missing values, non-ASCII names, and
// names holding LIKE wildcards.

interface Spec {
  userName: string
  displayName?: string | null
  given?: string
  family?: string
  email?: string | null
  status?: UserListView
}

function specs(): Spec[] {
  const given = ['Ann', 'Bob', 'Li', 'Lisa', 'Alice', 'Jürgen', 'Zoë', 'Oscar']
  const family = ['Lee', 'Müller', 'Smith', 'Ng', 'Åberg', 'Jansen']
  const out: Spec[] = []
  for (let i = 0; i < 48; i++) {
    const g = given[i % given.length]!
    const f = family[i % family.length]!
    const domain = i % 3 === 0 ? 'Example.COM' : 'corp.example.org'
    out.push({
      userName: `${g.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')}.${i}@${domain}`,
      // Display names: mostly "Given Family" (ties every 24 users), some "Family, Given", some
      // missing or blank (the name falls back to given + family).
      displayName: i % 8 === 5 ? null : i % 8 === 6 ? '  ' : i % 8 === 7 ? `${f}, ${g}` : `${g} ${f}`,
      given: g,
      family: f,
      // Some without an email, one empty, duplicates (ties), mixed case.
      email: i % 10 === 4 ? null : i % 10 === 9 ? '' : i % 5 === 0 ? `Shared.Inbox@Example.com` : `${g}.${f}.${i}@Mail.Example`,
      status: i % 6 === 1 ? 'inactive' : i % 9 === 2 ? 'archived' : 'active',
    })
  }
  out.push(
    { userName: 'percent', displayName: '100%_sure', email: 'a%b@example.com' },
    { userName: 'underscore', displayName: 'a_b', email: 'x_y@example.com' },
    { userName: 'wild-look-alike', displayName: 'axb 100xxsure', email: 'aXb@example.com' },
    { userName: 'MÜLLER.Upper', displayName: 'MÜLLER-Lüdenscheidt', email: null },
    { userName: 'no.name', displayName: null, email: 'no.name@example.com' },
    { userName: 'only.given', displayName: '', given: 'Solo', email: null },
    { userName: 'only.family', family: 'Lonely', email: 'lonely@example.com', status: 'inactive' },
    { userName: 'Zed', displayName: 'zed', email: 'ZED@example.com', status: 'archived' },
    { userName: 'backslash\\name', displayName: "O'Brien \\ Co", email: 'obrien@example.com' },
    { userName: 'dots.and-dashes', displayName: 'J.R.R. Tolkien', email: 'j.r.r@example.com' },
    { userName: 'alice.two', displayName: 'Alice Lee', given: 'Alice', family: 'Lee', email: 'alice.two@example.com', status: 'inactive' },
    { userName: 'malice', displayName: 'Malice Aforethought', email: 'malice@example.com' },
  )
  return out
}

/**
 * Inserts the users in ten batches: each batch is created at one time (ties), later batches later.
 * Sign-in times repeat every 7 users (ties); every 4th user never signed in.
 */
async function seed(store: Store, tenant: Tenant): Promise<Row[]> {
  const list = specs()
  const base = Date.parse('2026-03-01T08:00:00.000Z')
  const rows: Row[] = []
  for (let chunk = 0; chunk < 10; chunk++) {
    const indexes = list.map((_, i) => i).filter((i) => i % 10 === chunk)
    const users = await store.users.insertMany(
      indexes.map((i): NewUser => {
        const s = list[i]!
        return {
          tenantId: tenant.id,
          userName: s.userName,
          displayName: s.displayName ?? null,
          email: s.email ?? null,
          status: s.status ?? 'active',
          origin: 'scim',
          resource: { userName: s.userName, ...(s.given || s.family ? { name: { ...(s.given ? { givenName: s.given } : {}), ...(s.family ? { familyName: s.family } : {}) } } : {}) },
        }
      }),
    )
    for (const u of users) {
      const i = list.findIndex((s) => s.userName === u.userName)
      const s = list[i]!
      const lastSignIn = i % 4 === 3 ? null : new Date(base + 86_400_000 + (i % 7) * 3_600_000 + 123)
      if (lastSignIn) await store.userList.recordSignIn(tenant.id, u.id, lastSignIn)
      rows.push({
        id: u.id,
        userName: s.userName,
        displayName: s.displayName ?? null,
        given: s.given ?? null,
        family: s.family ?? null,
        email: s.email ?? null,
        status: s.status ?? 'active',
        lastSignIn,
        created: u.created,
        chunk,
      })
    }
  }
  return rows
}

/** Every page of a query (limit 7 unless said), following `next`. */
async function allPages(store: Store, tenantId: string, q: Omit<UserListQuery, 'limit' | 'after'>, limit = 7): Promise<{ items: UserListItem[]; totals: number[]; pages: number }> {
  const items: UserListItem[] = []
  const totals: number[] = []
  let after: string | null = null
  let pages = 0
  do {
    const page = await store.userList.list(tenantId, { ...q, limit, after })
    assert.ok(page.items.length <= limit)
    items.push(...(page.items as UserListItem[]))
    totals.push(page.total)
    after = page.next
    pages++
    assert.ok(pages < 1000, 'paging does not end')
  } while (after)
  return { items, totals, pages }
}

export const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id)
export const isCursorError = (e: unknown) => e instanceof InvalidCursorError && e instanceof ValidationError && e.field === 'cursor'
const isValidation = (field: string) => (e: unknown) => e instanceof ValidationError && e.field === field

export function describeUserListConformance(ctx: { readonly store: Store }): void {
  describe('user list', function () {
    let store: Store
    let tenant: Tenant
    let other: Tenant
    let rows: Row[]
    before(async function () {
      this.timeout(120_000)
      store = ctx.store
      tenant = await store.tenants.create({ slug: slug(), displayName: 'List', source: 'scim' })
      other = await store.tenants.create({ slug: slug(), displayName: 'Other', source: 'scim' })
      rows = await seed(store, tenant)
      // The other tenant: the same kind of names, so that any leak would show in every search.
      await store.users.insertMany(
        ['ann.other@example.com', 'li.other@example.com', 'percent.other', 'Müller.other'].map((userName) => ({
          tenantId: other.id,
          userName,
          displayName: `${userName} Ann Li Müller 100%_sure a_b`,
          email: userName.includes('@') ? userName : null,
          origin: 'scim' as const,
        })),
      )
    })

    describe('sorting and paging', () => {
      for (const sort of USER_LIST_SORTS) {
        for (const order of ['asc', 'desc'] as const) {
          it(`${sort} ${order}: every view, paged by 7, is the documented order`, async () => {
            for (const view of VIEWS) {
              const want = expected(rows, { view, sort, order })
              assert.ok(want.length >= 7, `the ${view} view has too few users to page (${want.length})`)
              const got = await allPages(store, tenant.id, { view, sort, order })
              assert.deepEqual(ids(got.items), ids(want), `${view} ${sort} ${order}`)
              assert.deepEqual(new Set(got.totals), new Set([want.length]))
              assert.equal(got.pages, Math.ceil(want.length / 7))
            }
          })
        }
      }

      it('has ties in every sort key, so that the id tiebreaker is exercised', () => {
        for (const sort of ['name', 'email', 'lastSignIn', 'created'] as const) {
          const keys = rows.filter((r) => r.status === 'active').map((r) => JSON.stringify(sortKey(r, sort)))
          assert.ok(new Set(keys).size < keys.length, `no tie in ${sort}`)
        }
      })

      it('never-signed-in users come first ascending and last descending; users without an email last ascending', async () => {
        const desc = await allPages(store, tenant.id, { view: 'active', sort: 'lastSignIn', order: 'desc' }, 500)
        const firstNever = desc.items.findIndex((u) => u.lastSignIn === null)
        assert.ok(firstNever > 0 && desc.items.slice(firstNever).every((u) => u.lastSignIn === null))
        const asc = await store.userList.list(tenant.id, { view: 'active', sort: 'lastSignIn', order: 'asc', limit: 1 })
        assert.equal((asc.items[0] as UserListItem).lastSignIn, null)
        const byEmail = (await allPages(store, tenant.id, { view: 'active', sort: 'email', order: 'asc' }, 500)).items
        const firstMissing = byEmail.findIndex((u) => !u.email)
        assert.ok(firstMissing > 0 && byEmail.slice(firstMissing).every((u) => !u.email))
      })

      it('returns whole users, with the time of their last sign-in', async () => {
        const page = await store.userList.list(tenant.id, { view: 'active', sort: 'userName', order: 'asc', limit: 500 })
        for (const item of page.items satisfies UserListItem[]) {
          const row = rows.find((r) => r.id === item.id)!
          const { lastSignIn, ...rest } = item
          assert.deepEqual(rest, await store.users.get(tenant.id, item.id))
          assert.deepEqual(rest.created, row.created)
          assert.deepEqual(lastSignIn, row.lastSignIn)
        }
      })

      it('a page after the last row is empty and has no next', async () => {
        const all = await store.userList.list(tenant.id, { view: 'archived', sort: 'name', order: 'asc', limit: 500 })
        assert.equal(all.next, null)
        const want = expected(rows, { view: 'archived', sort: 'name', order: 'asc' })
        const exact = await store.userList.list(tenant.id, { view: 'archived', sort: 'name', order: 'asc', limit: want.length - 1 })
        const last = await store.userList.list(tenant.id, { view: 'archived', sort: 'name', order: 'asc', limit: 1, after: exact.next })
        assert.equal(last.items.length, 1)
        assert.equal(last.next, null)
        assert.equal(last.total, want.length)
      })
    })

    describe('search', () => {
      const check = async (search: string, minimum = 1, q: Partial<UserListQuery> = {}) => {
        const query = { view: 'active' as const, sort: 'userName' as const, order: 'asc' as const, ...q, search }
        const want = expected(rows, query)
        const got = await allPages(store, tenant.id, query, 3)
        assert.deepEqual(
          got.items.map((u) => u.userName),
          want.map((r) => r.userName),
          `search ${JSON.stringify(search)}`,
        )
        assert.deepEqual(new Set(got.totals), new Set([want.length]))
        assert.ok(want.length >= minimum, `search ${JSON.stringify(search)} should find at least ${minimum}, found ${want.length}`)
        return got.items
      }

      it('finds by userName, display name, given name, family name and email, case-insensitively', async () => {
        await check('ALICE.1') // userName
        await check('aforeTHOUGHT') // display name only
        await check('solo') // given name only (display name blank)
        await check('LONELY', 1, { view: 'inactive' }) // family name only
        await check('mail.example') // email only
        await check('shared.inbox') // email, mixed case stored
        await check('smith')
        await check('ee', 0) // two letters: a word start, so not "Lee"
        await check('lee', 2)
      })

      it('matches substrings of three or more characters anywhere, and one or two only at the start of a word', async () => {
        const alice = await check('lic', 2)
        assert.ok(alice.some((u) => u.userName === 'malice'), '"lic" is inside "Malice"')
        const li = await check('li', 2)
        assert.ok(li.every((u) => u.userName !== 'malice'), '"li" starts no word of Malice')
        assert.ok(li.some((u) => u.userName.startsWith('lisa.')) && li.some((u) => u.userName.startsWith('li.')))
        assert.ok(!li.some((u) => u.userName.startsWith('alice.')), '"li" is not at the start of "Alice"')
        await check('a', 5)
        await check('j.r', 1) // punctuation inside a short term: at a word start
        await check('r.r', 1)
        await check('.r.r', 1) // starting with punctuation: anywhere
      })

      it('handles non-ASCII letters in any case', async () => {
        const mixed = await check('mÜl', 1)
        assert.ok(mixed.some((u) => u.userName === 'MÜLLER.Upper'))
        await check('MüL', 3, { view: 'inactive' })
        await check('MÜLLER-lüd', 1)
        await check('zoë', 2)
        await check('åb', 2)
        await check('ü', 0)
        await check('jü', 2)
      })

      it('treats LIKE wildcards, backslashes and quotes as themselves', async () => {
        const percent = await check('%', 1)
        assert.deepEqual(percent.map((u) => u.userName), ['percent'])
        const underscore = await check('_', 2)
        assert.deepEqual(underscore.map((u) => u.userName).sort(), ['percent', 'underscore'])
        assert.deepEqual((await check('a%b')).map((u) => u.userName), ['percent'])
        assert.deepEqual((await check('a_b')).map((u) => u.userName), ['underscore'])
        assert.deepEqual((await check('100%_s')).map((u) => u.userName), ['percent'])
        await check('x_y')
        assert.deepEqual((await check('\\')).map((u) => u.userName), ['backslash\\name'])
        assert.deepEqual((await check("o'brien")).map((u) => u.userName), ['backslash\\name'])
        assert.deepEqual((await check('\\na')).map((u) => u.userName), ['backslash\\name'])
        await check('h\\n', 0) // not at the start of a word
        await check('.*', 0)
        await check('(a', 0)
      })

      it('needs every term to match; blank and whitespace-only searches are no search', async () => {
        await check('alice lee')
        await check('LEE   alice')
        await check('ann smith example', 0)
        for (const blank of ['', '   ', '\t\n']) {
          const page = await store.userList.list(tenant.id, { view: 'active', sort: 'userName', order: 'asc', limit: 500, search: blank })
          assert.deepEqual(ids(page.items), ids(expected(rows, { view: 'active', sort: 'userName', order: 'asc' })))
        }
      })

      it('sorts and pages search results in every sort and view', async () => {
        for (const sort of USER_LIST_SORTS) {
          for (const order of ['asc', 'desc'] as const) {
            for (const view of VIEWS) await check('e', 0, { sort, order, view })
          }
        }
        await check('example', 10, { sort: 'lastSignIn', order: 'desc' })
      })

      it('finds nothing when nothing matches', async () => {
        const page = await store.userList.list(tenant.id, { view: 'active', sort: 'name', order: 'asc', limit: 10, search: 'zzzqqq' })
        assert.deepEqual(page, { items: [], next: null, total: 0, totalExact: true })
        const page2 = await store.userList.list(tenant.id, { view: 'active', sort: 'name', order: 'asc', limit: 10, search: '%%%' })
        assert.deepEqual(page2, { items: [], next: null, total: 0, totalExact: true })
      })
    })

    describe('cursors', () => {
      const base = { view: 'active', sort: 'userName', order: 'asc', limit: 5 } as const
      it('refuses a cursor from another query', async () => {
        const first = await store.userList.list(tenant.id, base)
        assert.ok(first.next)
        const second = await store.userList.list(tenant.id, { ...base, after: first.next })
        assert.equal(second.items.length, 5)
        const others: Array<[string, Partial<UserListQuery>]> = [
          ['view', { view: 'inactive' }],
          ['sort', { sort: 'status' }],
          ['sort', { sort: 'name' }],
          ['order', { order: 'desc' }],
          ['search', { search: 'a' }],
        ]
        for (const [what, change] of others) {
          await assert.rejects(store.userList.list(tenant.id, { ...base, ...change, after: first.next }), isCursorError, what)
        }
        await assert.rejects(store.userList.list(other.id, { ...base, after: first.next }), isCursorError, 'tenant')
        const searched = await store.userList.list(tenant.id, { ...base, search: 'e', limit: 2 })
        assert.ok(searched.next)
        await store.userList.list(tenant.id, { ...base, search: '  e ', limit: 2, after: searched.next })
        await assert.rejects(store.userList.list(tenant.id, { ...base, search: 'ex', after: searched.next }), isCursorError)
        await assert.rejects(store.userList.list(tenant.id, { ...base, after: searched.next }), isCursorError)
      })

      it('refuses malformed cursors', async () => {
        const first = await store.userList.list(tenant.id, { ...base, sort: 'lastSignIn' })
        for (const bad of ['x', '!!!', `${first.next}A`, Buffer.from('[1,[],"x","y"]').toString('base64url'), Buffer.from('{}').toString('base64url')]) {
          await assert.rejects(store.userList.list(tenant.id, { ...base, sort: 'lastSignIn', after: bad }), isCursorError, bad)
        }
      })

      it('an empty or null cursor is the first page', async () => {
        const first = await store.userList.list(tenant.id, base)
        assert.deepEqual(await store.userList.list(tenant.id, { ...base, after: '' }), first)
        assert.deepEqual(await store.userList.list(tenant.id, { ...base, after: null }), first)
      })
    })

    describe('tenants', () => {
      it("never shows another tenant's users, and counts each tenant's own", async () => {
        for (const search of [undefined, 'ann', 'li', 'müller', '%', 'a_b', 'other', 'example']) {
          const page = await store.userList.list(tenant.id, { view: 'active', sort: 'userName', order: 'asc', limit: 500, ...(search ? { search } : {}) })
          assert.ok(page.items.every((u) => u.tenantId === tenant.id))
          assert.ok(!page.items.some((u) => u.userName.includes('other')))
        }
        const theirs = await store.userList.list(other.id, { view: 'active', sort: 'userName', order: 'asc', limit: 500 })
        assert.equal(theirs.total, 4)
        assert.ok(theirs.items.every((u) => u.tenantId === other.id))
        const searched = await store.userList.list(other.id, { view: 'active', sort: 'name', order: 'asc', limit: 500, search: 'ann' })
        assert.equal(searched.total, 4)
        const unknown = await store.userList.list('00000000-0000-4000-8000-000000000000', { view: 'active', sort: 'userName', order: 'asc', limit: 5 })
        assert.deepEqual(unknown, { items: [], next: null, total: 0, totalExact: true })
      })
    })

    describe('validation', () => {
      const q = { view: 'active', sort: 'userName', order: 'asc', limit: 5 } as const
      it('takes a limit from 1 to 500', async () => {
        for (const limit of [0, -1, 501, 1.5, Number.NaN]) await assert.rejects(store.userList.list(tenant.id, { ...q, limit }), isValidation('limit'), String(limit))
        assert.equal((await store.userList.list(tenant.id, { ...q, limit: 1 })).items.length, 1)
        assert.equal((await store.userList.list(tenant.id, { ...q, limit: 500 })).items.length, expected(rows, q).length)
      })

      it('takes a search of at most 200 characters', async () => {
        await assert.rejects(store.userList.list(tenant.id, { ...q, search: 'a'.repeat(201) }), isValidation('search'))
        assert.equal((await store.userList.list(tenant.id, { ...q, search: 'a'.repeat(200) })).total, 0)
        assert.equal((await store.userList.list(tenant.id, { ...q, search: 'a '.repeat(100) })).total, expected(rows, { ...q, search: 'a' }).length)
      })

      it('refuses an unknown view, sort or order', async () => {
        await assert.rejects(store.userList.list(tenant.id, { ...q, view: 'all' as UserListView }), isValidation('view'))
        await assert.rejects(store.userList.list(tenant.id, { ...q, sort: 'title' as UserListSort }), isValidation('sort'))
        await assert.rejects(store.userList.list(tenant.id, { ...q, order: 'up' as 'asc' }), isValidation('order'))
      })
    })

    describe('totals', () => {
      it('follow inserts, status changes and deletes', async () => {
        const t2 = await store.tenants.create({ slug: slug(), displayName: 'Counts', source: 'local' })
        const totals = async () => {
          const out: Record<string, number> = {}
          for (const view of VIEWS) out[view] = (await store.userList.list(t2.id, { view, sort: 'userName', order: 'asc', limit: 1 })).total
          return out
        }
        assert.deepEqual(await totals(), { active: 0, inactive: 0, archived: 0 })
        const made = await store.users.insertMany(
          (['active', 'active', 'inactive', 'archived', 'archived', 'archived'] as const).map((status, i) => ({ tenantId: t2.id, userName: `u${i}`, status, origin: 'local' as const })),
        )
        const one = await store.users.insert({ tenantId: t2.id, userName: 'single', status: 'inactive', origin: 'local' })
        assert.deepEqual(await totals(), { active: 2, inactive: 2, archived: 3 })
        await store.users.update(t2.id, made[0]!.id, { status: 'archived' })
        await store.users.update(t2.id, made[3]!.id, { status: 'active' })
        await store.users.update(t2.id, made[4]!.id, { status: 'archived', displayName: 'unchanged status' })
        await store.users.update(t2.id, one.id, { active: true })
        assert.deepEqual(await totals(), { active: 3, inactive: 1, archived: 3 })
        await store.users.delete(t2.id, made[5]!.id)
        await store.users.delete(t2.id, one.id)
        assert.deepEqual(await totals(), { active: 2, inactive: 1, archived: 2 })
      })
    })

    describe('recordSignIn', () => {
      it('sets the last sign-in without changing version or modified, and never moves it back', async () => {
        const u = await store.users.insert({ tenantId: tenant.id, userName: 'signs.in', status: 'archived', origin: 'local' })
        const byId = async () => {
          const page = await store.userList.list(tenant.id, { view: 'archived', sort: 'lastSignIn', order: 'desc', limit: 500 })
          return page.items.find((x) => x.id === u.id) as UserListItem
        }
        assert.equal((await byId()).lastSignIn, null)
        const at = new Date('2030-05-05T05:05:05.555Z')
        await store.userList.recordSignIn(tenant.id, u.id, at)
        const after = await byId()
        assert.deepEqual(after.lastSignIn, at)
        const stored = (await store.users.get(tenant.id, u.id))!
        assert.equal(stored.version, u.version)
        assert.deepEqual(stored.modified, u.modified)
        await store.userList.recordSignIn(tenant.id, u.id, new Date('2029-01-01T00:00:00Z'))
        assert.deepEqual((await byId()).lastSignIn, at)
        const first = await store.userList.list(tenant.id, { view: 'archived', sort: 'lastSignIn', order: 'desc', limit: 1 })
        assert.equal(first.items[0]!.id, u.id, 'the most recent sign-in comes first')
        // Another tenant's id, or no user at all: nothing happens.
        await store.userList.recordSignIn(other.id, u.id, new Date('2031-01-01T00:00:00Z'))
        await store.userList.recordSignIn(tenant.id, 'not-a-uuid', new Date())
        assert.deepEqual((await byId()).lastSignIn, at)
        await store.users.delete(tenant.id, u.id)
      })
    })
  })
}

/**
 * The admin console's user list (decisions.md §15; indexes and functions in migration 0006).
 *
 * - A view is one status; every sort has an index leading with (tenant_id, status), so a page is
 *   one index range read in order, whatever statistics the planner has (PGlite has no autovacuum,
 *   and without statistics it would guess that a status filter keeps 0.5 % of the rows and read
 *   the whole table instead of walking an index).
 * - Sort keys are tuples of never-null expressions ending in id, so "after this row" is one row
 *   comparison that the same index serves: keyset paging, a deep page costs what page 1 costs.
 *   The same comparison the other way, walking the index backward, gives Previous (a cursor
 *   "before this row") and the last page; "go to" a prefix of a text sort is a row comparison
 *   with the prefix (descending: the prefix then U+10FFFF). No page is ever found by OFFSET.
 *   Text compares in C collation (code point order, the same on every server), case-insensitively.
 *   userName: user_name_lower. name: displayName, else "given family", else userName, lower-cased.
 *   email: users without one last ascending (first descending), then lower(email). status: every
 *   row of a view has the same status, so it orders as userName. lastSignIn: never signed in counts
 *   as longer ago than any sign-in (first ascending, last descending: "most recent first" ends with
 *   those who never came). created: the row's creation time. Descending is ascending reversed.
 * - Search: the text is split on whitespace into terms, and a user matches when every term is found
 *   in its userName, display name, given name, family name, email, custom text values or external
 *   id (migration 0019), case-insensitively, with `%`,
 *   `_` and `\` as themselves. A term holding three or more letters/digits in a row matches anywhere
 *   ("mit" finds Smith); a shorter one matches at the start of a word ("li" finds Li and Lisa, not
 *   Alice; "j.s" finds j.smith, not aj.smith), which is what the first keystrokes of a name or an
 *   email are; a term of punctuation only ("%", "@") matches anywhere and has no index to use.
 *   Words are runs of characters other than ASCII spaces, controls and punctuation. The index is a
 *   GIN over each user's keys (the trigrams of its words and their one- and two-character starts,
 *   behind its tenant and status), so a search reads candidates of its own tenant and view only;
 *   where the keys do not settle it, a candidate is checked against the text itself.
 * - total: without a search, the per-status counters in tenant_stats (migrations 0006, 0016): exact
 *   at any size (totalExact), one read of a tenant's stripes; with one, the count of matches, found with the page in one statement, up to
 *   USER_LIST_SEARCH_COUNT_LIMIT. A search matching more reports that limit + 1 ("more than") and
 *   takes its page from walking the sort order and testing rows, which its density makes short: an
 *   exact count would read every match (a search for a mail domain: the whole tenant).
 */
import { TENANT_TOTALS } from '../tenant-totals.js'
import { createHash } from 'node:crypto'
import { InvalidCursorError, ValidationError } from '../../../domain/kernel/errors.js'
import { USER_LIST_SORTS, type UserListItem, type UserListPage, type UserListQuery, type UserListRepo, type UserListSort, type UserListView } from '../../../domain/identity/persister.js'
import type { Sql } from '../sql.js'
import { decodeJsonCursor, isStorableKey, isUuid, toDateOrNull } from './rows.js'
import { USER_COLUMNS, toUser } from './users.js'

export const USER_LIST_MAX_LIMIT = 500
export const USER_LIST_MAX_SEARCH = 200
const VIEWS: readonly UserListView[] = ['active', 'inactive', 'archived']

/** A list row: the user and the time of its last sign-in (null: never). */

type KeyType = 'text' | 'boolean' | 'timestamptz'
interface SortKey {
  /** A never-null expression over `u`, exactly as in the migration's index (text in C collation). */
  expr: string
  type: KeyType
}

const NAME = 'roster_user_list_name(u.display_name, u.resource, u.user_name)'
const USER_NAME: SortKey[] = [{ expr: 'u.user_name_lower', type: 'text' }]
const SORTS: Record<UserListSort, SortKey[]> = {
  userName: USER_NAME,
  status: USER_NAME,
  name: [{ expr: NAME, type: 'text' }],
  email: [
    { expr: `(nullif(u.email, '') IS NULL)`, type: 'boolean' },
    { expr: `lower(coalesce(u.email, ''))`, type: 'text' },
  ],
  lastSignIn: [{ expr: `coalesce(u.last_sign_in, '-infinity'::timestamptz)`, type: 'timestamptz' }],
  created: [{ expr: 'u.created', type: 'timestamptz' }],
}

// With the external id (migration 0019): an IdP's or HR system's id ("IMS-00042") finds its user.
const SEARCH_TEXT = 'roster_user_search_text(u.user_name, u.display_name, u.resource, u.email, u.external_id)'
const SEARCH_KEYS = `roster_search_keys(u.tenant_id, u.status, ${SEARCH_TEXT}, true)`
/** What separates words: ASCII spaces, controls and punctuation (the migration's roster_search_keys). */
// eslint-disable-next-line no-control-regex -- control characters separate words too
const SEPARATOR = /[\u0000-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]+/u
/** The same class in PostgreSQL's regular expressions. */
const SEPARATOR_SQL = String.raw`[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]`
/** regexp_replace's replacement for a match: a backslash, then the match itself. */
const ESCAPE_MATCH = String.raw`'\\\1'`
const COLUMNS = `${USER_COLUMNS.split(', ')
  .map((c) => `u.${c}`)
  .join(', ')}, u.last_sign_in`

const sortable = (k: SortKey, e: string) => (k.type === 'text' ? `${e} COLLATE "C"` : e)

/**
 * One whitespace-free search term and how it is found: `trigrams` (the term has a run of three or
 * more word characters; keys: the trigrams of those runs), `starts` (runs of one or two word
 * characters that begin a word wherever the term matches; keys: those word starts), and what must
 * be checked on a candidate row beyond the keys.
 */
interface Term {
  text: string
  trigrams: boolean
  starts: string[]
  /** none: the keys are the answer; substring: the text contains the term; word-start: it contains it at the start of a word. */
  check: 'none' | 'substring' | 'word-start'
}

function parseSearch(search: string | undefined): Term[] {
  return (search ?? '')
    .split(/\s+/u)
    .filter(Boolean)
    .map((text): Term => {
      const runs = text.split(SEPARATOR).filter(Boolean)
      const single = runs.length === 1 && runs[0] === text
      if (runs.some((r) => [...r].length >= 3)) {
        // A word of exactly three characters is one trigram key: exact without looking at the row.
        return { text, trigrams: true, starts: [], check: single && [...text].length === 3 ? 'none' : 'substring' }
      }
      // Every run after a separator begins a word of the text too; a term that itself starts with
      // a word character matches only at the start of a word ("li": Lisa, not Alice).
      if (!runs.length || SEPARATOR.test(text[0]!)) return { text, trigrams: false, starts: runs, check: 'substring' }
      return { text, trigrams: false, starts: runs, check: single ? 'none' : 'word-start' }
    })
}

// ---------------------------------------------------------------------------------------------
// Cursors: base64url JSON [version, key values as text, id, checksum]. The checksum binds the
// position to the tenant, view, sort, order and search; it is not a secret (every value in it is
// bound as a parameter, so a forged cursor can only name another position in the caller's own list).

const CURSOR_VERSION = 1
/** Which side of its row a cursor reads: the rows after it (Next) or the rows before it (Previous). */
type Direction = 'after' | 'before'
const invalidCursor = (why: string) => new InvalidCursorError(`the cursor is not valid for this list (${why}); start again without one`)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const TIMESTAMP = /^(-infinity|\d{4,}-\d{2}-\d{2}[ T][0-9:.]+([+-][0-9:]+|Z)?)$/

function fingerprint(tenantId: string, q: UserListQuery, search: Term[]): string {
  return createHash('sha256')
    .update(JSON.stringify(['users', tenantId, q.view, q.sort, q.order, search.map((t) => t.text)]))
    .digest('base64url')
}

// A forward cursor keeps the encoding it always had ([version, keys, id, sum]), so links made
// before backward cursors existed still work; a backward one appends 'before', under the checksum.
function checksum(print: string, keys: string[], id: string, dir: Direction): string {
  const fields: unknown[] = [CURSOR_VERSION, keys, id]
  if (dir === 'before') fields.push(dir)
  return createHash('sha256').update(`${print}\n${JSON.stringify(fields)}`).digest('base64url').slice(0, 22)
}

function encodeCursor(print: string, keys: string[], id: string, dir: Direction): string {
  const raw: unknown[] = [CURSOR_VERSION, keys, id, checksum(print, keys, id, dir)]
  if (dir === 'before') raw.push(dir)
  return Buffer.from(JSON.stringify(raw), 'utf8').toString('base64url')
}

function decodeCursor(print: string, text: string, sort: SortKey[]): { keys: string[]; id: string; dir: Direction } {
  const raw = decodeJsonCursor(text)
  if (!raw || (raw.length !== 4 && !(raw.length === 5 && raw[4] === 'before'))) throw invalidCursor('malformed')
  const [version, keys, id, sum] = raw
  const dir: Direction = raw.length === 5 ? 'before' : 'after'
  if (version !== CURSOR_VERSION) throw invalidCursor('unknown version')
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string') || typeof id !== 'string' || typeof sum !== 'string') throw invalidCursor('malformed')
  const values = keys as string[]
  if (sum !== checksum(print, values, id, dir)) throw invalidCursor('it was issued for another list, or altered')
  if (values.length !== sort.length || !UUID.test(id)) throw invalidCursor('malformed')
  values.forEach((v, i) => {
    const type = sort[i]!.type
    if ((type === 'boolean' && v !== 'true' && v !== 'false') || (type === 'timestamptz' && (v.length > 64 || !TIMESTAMP.test(v)))) throw invalidCursor('malformed')
  })
  return { keys: values, id, dir }
}

// ---------------------------------------------------------------------------------------------

function validate(q: UserListQuery): void {
  if (!VIEWS.includes(q.view)) throw new ValidationError(`view must be one of ${VIEWS.join(', ')}`, 'view')
  if (!(USER_LIST_SORTS as readonly string[]).includes(q.sort)) throw new ValidationError(`sort must be one of ${USER_LIST_SORTS.join(', ')}`, 'sort')
  if (q.order !== 'asc' && q.order !== 'desc') throw new ValidationError('order must be asc or desc', 'order')
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > USER_LIST_MAX_LIMIT) throw new ValidationError(`limit must be a whole number from 1 to ${USER_LIST_MAX_LIMIT}`, 'limit')
  if (q.search !== undefined && q.search !== null && typeof q.search !== 'string') throw new ValidationError('search must be text', 'search')
  if (q.search && q.search.length > USER_LIST_MAX_SEARCH) throw new ValidationError(`search must be at most ${USER_LIST_MAX_SEARCH} characters`, 'search')
  if (q.search && !isStorableKey(q.search)) throw new ValidationError('search cannot contain NUL or an unpaired surrogate', 'search')
  if ([q.after, q.from, q.last].filter(Boolean).length > 1) throw new ValidationError('give one of cursor, from and last', q.from ? 'from' : 'last')
  if (q.from !== undefined && q.from !== null) {
    if (typeof q.from !== 'string' || !q.from || q.from.length > USER_LIST_MAX_SEARCH || !isStorableKey(q.from)) throw new ValidationError(`from must be 1 to ${USER_LIST_MAX_SEARCH} characters`, 'from')
    if (SORTS[q.sort].some((k) => k.type === 'timestamptz')) throw new ValidationError('from jumps within a sort by text (userName, name, email or status)', 'from')
  }
}

/** A search matching more users than this reports `total` = this + 1 ("more than"); see below. */
export const USER_LIST_SEARCH_COUNT_LIMIT = 10_000

export function userListRepo(sql: Sql): UserListRepo {
  return {
    async list(tenantId: string, q: UserListQuery): Promise<UserListPage> {
      validate(q)
      const search = parseSearch(q.search)
      const sort = SORTS[q.sort]
      const print = fingerprint(tenantId, q, search)
      const at = q.after ? decodeCursor(print, q.after, sort) : null
      const start: Position = { at: null, seek: null, backward: false }
      let pos: Position = at ? { at, seek: null, backward: at.dir === 'before' } : q.from ? { at: null, seek: q.from, backward: false } : q.last ? { at: null, seek: null, backward: true } : start
      let { rows, total } = await readPage(sql, tenantId, q, search, sort, pos)
      // Fewer rows before a cursor than a page holds: that is the first page, which shows whole.
      if (at?.dir === 'before' && rows.length <= q.limit) {
        pos = start
        ;({ rows, total } = await readPage(sql, tenantId, q, search, sort, pos))
      }

      let more = rows.length > q.limit
      let kept = rows.slice(0, q.limit)
      const totalExact = !search.length || total <= USER_LIST_SEARCH_COUNT_LIMIT
      // The last page holds what whole pages from the first leave over, so that pages line up from
      // both ends: Previous from it is the page before it counted from the first.
      const leftOver = ((total - 1) % q.limit) + 1
      if (q.last && !at && totalExact && total > 0 && kept.length > leftOver) {
        kept = kept.slice(0, leftOver)
        more = true
      }
      if (pos.backward) kept.reverse()
      const first = kept[0]
      const last = kept[kept.length - 1]
      const cursor = (r: Record<string, unknown> | undefined, dir: Direction) => (r ? encodeCursor(print, sort.map((_, i) => String(r[`k${i}`])), String(r.id), dir) : null)
      // Read backward (the last page, or Previous), "more" is what lies before the page.
      const next = pos.backward ? (pos.at ? cursor(last, 'after') : null) : more ? cursor(last, 'after') : null
      const previous = pos.backward ? (more ? cursor(first, 'before') : null) : pos.at || pos.seek !== null ? cursor(first, 'before') : null
      return {
        items: kept.map((r): UserListItem => ({ ...toUser(r), lastSignIn: toDateOrNull(r.last_sign_in) })),
        next,
        ...(previous ? { previous } : {}),
        total,
        // Without a search the total is the tenant's counters: exact, however large.
        totalExact,
      }
    },

    async recordSignIn(tenantId, userId, at) {
      if (!isUuid(userId)) return
      // Not a change of the SCIM resource: version and modified stay, so ETags do not move. Never
      // backwards (two sign-ins racing), and no new row version when nothing would change.
      await sql.query('UPDATE users SET last_sign_in = $3 WHERE tenant_id = $1 AND id = $2 AND (last_sign_in IS NULL OR last_sign_in < $3)', [tenantId, userId, at])
    },
  }
}

/**
 * Where a page starts: after or before a cursor's row, at the first row whose sort key begins at or
 * past a prefix ("jump to letter"), or at either end. Backward reads walk the same index the other
 * way (the last page, Previous): a far page costs what the first one costs, never an OFFSET.
 */
interface Position {
  at: { keys: string[]; id: string; dir: Direction } | null
  seek: string | null
  backward: boolean
}

/** limit + 1 rows from the position, in reading order (reversed when backward), and the total. */
async function readPage(sql: Sql, tenantId: string, q: UserListQuery, search: Term[], sort: SortKey[], pos: Position): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  const desc = q.order === 'desc'
  // Reading backward is reading the opposite order from the same place.
  const reading = desc !== pos.backward
  const dir = reading ? 'DESC' : 'ASC'

  /** Parameters $1 (tenant) and $2 (view), then the statement's own. */
  const params = () => {
    const values: unknown[] = [tenantId, q.view]
    return { values, add: (v: unknown) => `$${values.push(v)}` }
  }
  type P = ReturnType<typeof params>
  const keyset = (p: P, key: (i: number) => string, id: string): string => {
    const left = sort.map((k, i) => sortable(k, key(i)))
    if (pos.at) {
      const right = [...pos.at.keys.map((v, i) => `${p.add(v)}::${sort[i]!.type}`), `${p.add(pos.at.id)}::uuid`]
      return `((${[...left, id].join(', ')}) ${reading ? '<' : '>'} (${right.join(', ')}))`
    }
    if (pos.seek !== null) {
      // The text key at or past the prefix (ascending), or at or before the last text starting
      // with it (descending: the prefix then U+10FFFF, above every character). An email sort's
      // "has no email" flag is false: a jump lands among those with one.
      const t = p.add(pos.seek)
      const right = sort.map((k) => (k.type === 'boolean' ? 'false' : desc ? `(lower(${t}::text) || chr(1114111))` : `lower(${t}::text)`))
      return `((${left.join(', ')}) ${desc ? '<=' : '>='} (${right.join(', ')}))`
    }
    return 'TRUE'
  }
  const orderBy = (key: (i: number) => string, id: string) => [...sort.map((k, i) => `${sortable(k, key(i))} ${dir}`), `${id} ${dir}`].join(', ')
  const keyText = sort.map((k, i) => `(${k.expr})::text AS k${i}`).join(', ')
  /** The view in sort order from the position on, through the sort's (tenant_id, status, key, id) index. */
  const walk = (p: P) => `SELECT ${COLUMNS}, ${keyText} FROM users u
    WHERE u.tenant_id = $1 AND u.status = $2 AND ${keyset(p, (i) => sort[i]!.expr, 'u.id')}
    ORDER BY ${orderBy((i) => sort[i]!.expr, 'u.id')}`

  if (!search.length) {
    const p = params()
    const [rows, counts] = await Promise.all([
      sql.query(`${walk(p)} LIMIT ${p.add(q.limit + 1)}`, p.values),
      sql.query<{ n: number | string }>(
        `SELECT CASE $2::text WHEN 'active' THEN users - users_inactive - users_archived WHEN 'inactive' THEN users_inactive ELSE users_archived END AS n
           FROM ${TENANT_TOTALS} s`,
        [tenantId, q.view],
      ),
    ])
    return { rows, total: Number(counts[0]?.n ?? 0) }
  }

  // 1. The matches through the GIN index (at most the count limit of them), then their count
  //    and the page among them from that one scan (MATERIALIZED: found once, used twice).
  const p = params()
  const keys: string[] = []
  const checks: string[] = []
  for (const term of search) {
    const t = term.trigrams || term.check !== 'none' ? p.add(term.text) : ''
    if (term.trigrams) keys.push(`roster_search_keys($1::uuid, $2::text, lower(${t}), false)`)
    for (const run of term.starts) keys.push(`ARRAY[roster_search_key_prefix($1::uuid, $2::text) || '^' || lower(${p.add(run)})]`)
    if (term.check !== 'none') checks.push(termCheck(term.check, t))
  }
  // With keys, the tenant and view are tested in a form no B-tree index serves, so the GIN index
  // is the only way in: without statistics (PGlite has no autovacuum) the planner takes the
  // tenant and status for a few rows' worth and would walk their index computing every row's keys.
  const conditions = keys.length
    ? ['(u.tenant_id, u.status) IS NOT DISTINCT FROM ($1::uuid, $2::text)', `${SEARCH_KEYS} @> (${keys.join(' || ')})`, ...checks]
    : ['u.tenant_id = $1 AND u.status = $2', ...checks]
  const found = await sql.query(
    `WITH m AS MATERIALIZED (
       SELECT u.id, ${sort.map((k, i) => `${sortable(k, k.expr)} AS k${i}`).join(', ')} FROM users u
        WHERE ${conditions.join(' AND ')}
        LIMIT ${p.add(USER_LIST_SEARCH_COUNT_LIMIT + 1)}
     )
     SELECT c.total, p.* FROM (SELECT count(*)::int AS total FROM m) c
     LEFT JOIN (
       SELECT ${COLUMNS}, ${sort.map((_, i) => `s.k${i} AS o${i}, (s.k${i})::text AS k${i}`).join(', ')}
         FROM (SELECT * FROM m WHERE ${keyset(p, (i) => `m.k${i}`, 'm.id')} ORDER BY ${orderBy((i) => `m.k${i}`, 'm.id')} LIMIT ${p.add(q.limit + 1)}) s
         JOIN users u ON u.tenant_id = $1 AND u.id = s.id
     ) p ON TRUE
     ORDER BY ${orderBy((i) => `p.o${i}`, 'p.id')}`,
    p.values,
  )
  const total = Number(found[0]?.total ?? 0)
  if (total <= USER_LIST_SEARCH_COUNT_LIMIT) return { rows: found[0]?.id == null ? [] : found, total }
  // 2. More matches than we count: they are dense in the view (over 10,000 of it), so the page
  //    comes from walking the sort order and testing rows, which stops after a few hundred.
  //    OFFSET 0 keeps the tests out of the walk, so the walk stays an index scan.
  const w = params()
  const tests = search.map((term) => termCheck(term.check !== 'none' ? term.check : term.trigrams ? 'substring' : 'word-start', w.add(term.text)))
  return { rows: await sql.query(`SELECT * FROM (${walk(w)} OFFSET 0) u WHERE ${tests.join(' AND ')} LIMIT ${w.add(q.limit + 1)}`, w.values), total }
}

/** The row-level test of a term ($t: the term as typed) against the user's search text. */
function termCheck(check: 'substring' | 'word-start', t: string): string {
  if (check === 'substring') return `strpos(${SEARCH_TEXT}, lower(${t})) > 0`
  // At the start of the text or after a separator; the term's own punctuation escaped for the regex.
  return `${SEARCH_TEXT} ~ ('(^|${SEPARATOR_SQL})' || regexp_replace(lower(${t}), '(${SEPARATOR_SQL})', ${ESCAPE_MATCH}, 'g'))`
}

/**
 * Compiles a ResourceQuery (src/domain/identity/query.ts) into PostgreSQL for the users and groups tables,
 * and runs it: exact totalResults, index pages (OFFSET/LIMIT) and keyset cursor pages (RFC 9865).
 *
 * Every value reaches the database as a positional parameter, document path keys included
 * (`resource #> $3::text[]`); the only identifiers in the text are this module's own.
 *
 * Semantics (RFC 7644 §3.4.2.2), given the resolved filter (src/scim/filter/resolve.ts):
 * - Strings compare per caseExact: case-insensitive ones through lower() on both sides. `co`/`sw`/
 *   `ew` use strpos/starts_with/right, so `%` and `_` in an operand are plain characters.
 *   `gt`/`ge`/`lt`/`le` are lexicographic in code point order (COLLATE "C", the same on every
 *   server whatever its locale); numbers compare numerically; dateTimes chronologically (document
 *   dateTimes are stored in one UTC ISO format, so their C-collation order is chronological;
 *   meta.created/lastModified compare as timestamps at the millisecond precision clients see).
 * - A comparison with an unassigned value is false, except `ne`, which is NOT(eq) and so true. NOT
 *   compiles to `IS NOT TRUE`, so NULL (unassigned) never leaks three-valued logic into the answer.
 * - `pr`: assigned and non-empty (not null, not "", not [] and not {}).
 * - `eq` on a document value compiles to jsonb containment on `resource_ci` (the document with its
 *   strings lower-cased, GIN-indexed; migration 0002): `resource_ci @> lower('{"title":"x"}')::jsonb`,
 *   plus `resource @> '{"title":"X"}'` when the value is case-exact. Containment is exact for one
 *   value, and inside arrays it means "some element has it", so `emails.value eq "x"` is one indexed
 *   predicate. Other conditions on array elements run as EXISTS over jsonb_array_elements, behind
 *   whatever containment pre-filter the condition's `eq` parts allow. When such a containment is
 *   and-ed into the filter, the page query finds the matches first (a MATERIALIZED CTE) and then
 *   orders them: PostgreSQL guesses 1% for `@>`, and would otherwise walk an ordered index testing
 *   every row, the whole table for a rare value.
 * - Group `members` come from group_members; a user's `groups` are its direct and indirect groups
 *   (recursive over nested groups); both always within the tenant. The filter is normalised first
 *   (normaliseFilter: or-ed conditions on one relation or array become one), and every condition on
 *   a user's groups shares ONE recursive walk at the top of the statement (WITH RECURSIVE
 *   group_walk), tagged with the condition's number; the users it reaches are hash-joined once
 *   (user_groups), so a condition costs a flag test per user. A walk per condition as a sub-query
 *   (`r.id IN (WITH RECURSIVE …)`) under OR or NOT becomes a non-hashed sub-plan PostgreSQL rescans
 *   for every user: 100 such conditions held a server for minutes.
 *
 * Sorting (RFC 7644 §3.4.2.3): by the value (case-insensitive strings by lower(), all strings in
 * C collation), ties by id; a multi-valued attribute by its primary element, else its first.
 * Resources without a value (or with "", as for `pr`) come last ascending and first descending
 * ("ordered last if ascending and first if descending"), so descending is exactly ascending reversed.
 *
 * Cursors: keyset positions `(sort value, id)` plus a direction, as base64url JSON with a checksum
 * binding them to the tenant, resource type, filter and sort. A cursor that does not decode, fails
 * its checksum or belongs to another query is 400 `invalidCursor` (RFC 9865 §2.3). The checksum is
 * not a secret signature: a forged cursor only names another position in the caller's own query,
 * and every value in it is a parameter. Keyset cursors do not expire. A page by cursor costs what
 * the first page costs: no OFFSET.
 */
import { TENANT_TOTALS } from './tenant-totals.js'
import { createHash } from 'node:crypto'
import { InvalidCursorError } from '../../domain/kernel/errors.js'
import { userNameKey } from '../../domain/identity/user-name.js'
import { normaliseFilter } from '../../domain/identity/query.js'
import type { CompareOp, QueryResult, RecordColumn, ResourceFilter, ResourceQuery, ResourceSort, ValueRef } from '../../domain/identity/query.js'
import type { Sql } from './sql.js'
import { decodeJsonCursor } from './repos/rows.js'

export interface QueryTarget {
  table: 'users' | 'groups'
  /** Columns selected for each record (unqualified names of `table`). */
  columns: readonly string[]
}

export interface Statement {
  text: string
  params: unknown[]
}

export interface CompiledQuery {
  /** `count(*)` of every match: totalResults. */
  count: Statement
  /**
   * The page's rows, each carrying the count as well (column TOTAL_COLUMN), so that a page is one
   * statement; null when no rows are wanted (count = 0).
   */
  page: Statement | null
  /** Whether an empty page proves there are no matches at all (it starts at the first match). */
  fromStart: boolean
  /** Builds the result from the page's rows (in the order returned) and the total. */
  finish<T>(rows: Record<string, unknown>[], total: number, toRecord: (row: Record<string, unknown>) => T): QueryResult<T>
}

/** Alias of the queried table in every statement. */
const ROW = 'r'
/** Column carrying totalResults in page rows. */
const TOTAL_COLUMN = '__total'
/** Column carrying the sort value (as text) in page rows, for cursors. */
const SORT_KEY = '__sort_key'
/** The users reached by the group walk, with one flag per condition on groups, and its alias. */
const USER_GROUPS = 'user_groups'
const UG = 'ug'

class Params {
  readonly values: unknown[]
  constructor(first: unknown) {
    this.values = [first]
  }
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** Where a filter is being evaluated: on the record, an array element, a membership row, a group. */
type Scope =
  | { kind: 'row' }
  | { kind: 'element'; value: string }
  | { kind: 'member'; alias: string }
  | { kind: 'group'; alias: string }

class Compiler {
  private aliases = 0
  /** Whether the node being compiled is reached from the root through `and`s only. */
  private andOnly = true
  /**
   * A GIN containment on an and-only path: the filter narrows through resource_ci_idx. The planner
   * cannot estimate `@>` (it assumes 1%), so with ORDER BY … LIMIT it may walk an ordered index and
   * test every row instead; see compileResourceQuery.
   */
  indexedContainment = false
  /** Seeds of the group walk, one per condition on a user's groups: `SELECT <n>, <group id> …`. */
  private readonly walkSeeds: string[] = []
  constructor(
    readonly target: QueryTarget,
    readonly params: Params,
  ) {}

  alias(prefix: string): string {
    return `${prefix}${++this.aliases}`
  }

  get tenant(): string {
    return '$1'
  }

  // -------------------------------------------------------------------------------------------
  // Filters

  filter(f: ResourceFilter, scope: Scope): string {
    switch (f.kind) {
      case 'and':
      case 'or':
        if (f.filters.length === 0) return f.kind === 'and' ? 'TRUE' : 'FALSE'
        return this.nested(f.kind === 'and', () => `(${f.filters.map((c) => this.filter(c, scope)).join(f.kind === 'and' ? ' AND ' : ' OR ')})`)
      case 'not':
        // Unassigned values make comparisons NULL; NOT of "unknown" is "true" here (two-valued logic).
        return this.nested(false, () => `((${this.filter(f.filter, scope)}) IS NOT TRUE)`)
      case 'const':
        return f.value ? 'TRUE' : 'FALSE'
      case 'present':
        return this.present(f.value, scope)
      case 'compare':
        return this.compare(f.op, f.value, f.operand, scope)
      case 'any':
        return this.any(f, scope)
    }
  }

  private nested(stillAndOnly: boolean, fn: () => string): string {
    const saved = this.andOnly
    this.andOnly = saved && stillAndOnly
    try {
      return fn()
    } finally {
      this.andOnly = saved
    }
  }

  private docJson(path: readonly string[], scope: Scope): string {
    const base = scope.kind === 'row' ? `${ROW}.resource` : scope.kind === 'element' ? scope.value : undefined
    if (base === undefined) throw new Error(`internal: a document value inside ${scope.kind} filter`)
    return path.length ? `(${base} #> ${this.params.add(path)}::text[])` : base
  }

  private present(ref: ValueRef, scope: Scope): string {
    const loc = ref.location
    switch (loc.in) {
      case 'column': {
        const col = this.column(loc.column)
        return col.kind === 'text' ? `(${col.expr} <> '')` : `(${col.expr} IS NOT NULL)`
      }
      case 'document': {
        const j = this.docJson(loc.path, scope)
        return `(${j} IS NOT NULL AND ${j} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))`
      }
      case 'members':
      case 'groups':
        this.relationValue(loc, scope) // checks the scope
        return 'TRUE'
    }
  }

  private compare(op: CompareOp, ref: ValueRef, operand: string | number | boolean | null, scope: Scope): string {
    if (operand === null) {
      // The resolver turns `eq null`/`ne null` into presence tests; keep the same meaning if one gets here.
      if (op === 'eq') return `((${this.present(ref, scope)}) IS NOT TRUE)`
      if (op === 'ne') return this.present(ref, scope)
      return 'FALSE'
    }
    if (op === 'ne') return `((${this.compare('eq', ref, operand, scope)}) IS NOT TRUE)`
    const loc = ref.location
    switch (loc.in) {
      case 'column':
        if (scope.kind !== 'row') throw new Error('internal: a record column inside an element filter')
        return this.compareColumn(op, loc.column, ref, operand)
      case 'document':
        if (op === 'eq' && scope.kind === 'row') return this.containment(loc.path, ref, operand)
        return this.compareDocument(op, () => this.docJson(loc.path, scope), ref, operand)
      case 'members':
      case 'groups': {
        const v = this.relationValue(loc, scope)
        if (v.kind === 'uuid') return this.compareUuid(op, v.expr, ref.caseExact, operand)
        return this.compareText(op, v.expr, v.lower, ref.caseExact, operand)
      }
    }
  }

  /** `resource_ci @> lower(pattern)` (+ `resource @> pattern` when case matters): exact for one value. */
  private containment(path: readonly string[], ref: ValueRef, operand: string | number | boolean): string {
    const pattern = nest(path, JSON.stringify(operand))
    return needsExactCase(ref) ? `(${this.ci(pattern)} AND ${this.cs(pattern)})` : this.ci(pattern)
  }

  /** The document, strings compared case-insensitively, contains the pattern (GIN-indexed). */
  private ci(patternJson: string): string {
    if (this.andOnly) this.indexedContainment = true
    return `(${ROW}.resource_ci @> lower(${this.params.add(patternJson)}::text)::jsonb)`
  }

  /** The document contains the pattern exactly (checked on the rows the ci condition found). */
  private cs(patternJson: string): string {
    return `(${ROW}.resource @> ${this.params.add(patternJson)}::jsonb)`
  }

  /**
   * Containment for "some element of the array at arrayPath satisfies all these `eq`s", and whether
   * it is exact. All the values go into one element pattern (`{"emails":[{"type":"work","value":"x"}]}`),
   * so one element must hold them all. Exact unless case-exact and case-insensitive values mix (the
   * exact pattern then names only the case-exact ones, which another element might hold).
   */
  private elementContainment(arrayPath: readonly string[], leaves: readonly EqLeaf[]): { sql: string; exact: boolean } | null {
    const all = elementPattern(leaves)
    if (all === null) return null
    const exactLeaves = leaves.filter((l) => needsExactCase(l.ref))
    const ci = this.ci(nest(arrayPath, `[${all}]`))
    if (!exactLeaves.length) return { sql: ci, exact: true }
    const cs = this.cs(nest(arrayPath, `[${elementPattern(exactLeaves) as string}]`))
    return { sql: `(${ci} AND ${cs})`, exact: exactLeaves.length === leaves.length }
  }

  /** `value` is called only when the comparison needs it, so no parameter is added unused. */
  private compareDocument(op: CompareOp, value: () => string, ref: ValueRef, operand: string | number | boolean): string {
    switch (ref.type) {
      case 'string':
      case 'reference':
      case 'binary': {
        if (typeof operand !== 'string') return 'FALSE'
        const text = `(${value()} #>> '{}')`
        return this.compareText(op, text, `lower(${text})`, ref.caseExact, operand)
      }
      case 'dateTime': {
        if (typeof operand !== 'string') return 'FALSE'
        // Stored and operand alike are UTC ISO with milliseconds: text order is time order.
        const text = `(${value()} #>> '{}')`
        return this.compareText(op, text, text, true, operand)
      }
      case 'boolean':
        if (op !== 'eq' || typeof operand !== 'boolean') return 'FALSE'
        return `(${value()} = ${this.params.add(JSON.stringify(operand))}::jsonb)`
      case 'integer':
      case 'decimal': {
        const symbol = ORDER_SYMBOL[op]
        if (typeof operand !== 'number' || !symbol) return 'FALSE'
        const json = value()
        const n = `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json} #>> '{}')::numeric END)`
        return `(${n} ${symbol} ${this.params.add(String(operand))}::numeric)`
      }
    }
  }

  /** String comparison; `lower` is the lower-cased expression (an indexed column where there is one). */
  private compareText(op: CompareOp, expr: string, lower: string, caseExact: boolean, operand: string | number | boolean): string {
    if (typeof operand !== 'string') return 'FALSE'
    const p = this.params.add(operand)
    const x = caseExact ? expr : lower
    const v = caseExact ? p : `lower(${p})`
    switch (op) {
      case 'eq':
        return `(${x} = ${v})`
      case 'ne':
        return `((${x} = ${v}) IS NOT TRUE)`
      case 'co':
        return `(strpos(${x}, ${v}) > 0)`
      case 'sw':
        return `starts_with(${x}, ${v})`
      case 'ew':
        return `(right(${x}, length(${v})) = ${v})`
      default:
        return `(${x} COLLATE "C" ${ORDER_SYMBOL[op]} ${v} COLLATE "C")`
    }
  }

  /** uuid columns: `eq` stays an indexable uuid comparison; anything that is not a uuid equals nothing. */
  private compareUuid(op: CompareOp, expr: string, caseExact: boolean, operand: string | number | boolean): string {
    if (typeof operand !== 'string') return 'FALSE'
    if (op === 'eq') {
      const ok = caseExact ? LOWER_UUID.test(operand) : LOWER_UUID.test(operand.toLowerCase())
      return ok ? `(${expr} = ${this.params.add(operand.toLowerCase())}::uuid)` : 'FALSE'
    }
    return this.compareText(op, `${expr}::text`, `${expr}::text`, caseExact, operand)
  }

  private compareColumn(op: CompareOp, column: RecordColumn, ref: ValueRef, operand: string | number | boolean): string {
    const col = this.column(column)
    switch (col.kind) {
      case 'uuid':
        return this.compareUuid(op, col.expr, ref.caseExact, operand)
      case 'text':
        if (op === 'eq' && column === 'userName' && typeof operand === 'string') {
          // One name, one key (src/domain/identity/user-name.ts): through the unique (tenant_id,
          // user_name_key) index; a caseExact schema then also wants the name as entered.
          const key = `(${ROW}.user_name_key = ${this.params.add(userNameKey(operand))})`
          return ref.caseExact ? `(${key} AND ${col.expr} = ${this.params.add(operand)})` : key
        }
        return this.compareText(op, col.expr, col.lower, ref.caseExact, operand)
      case 'boolean':
        if (typeof operand !== 'boolean' || op !== 'eq') return 'FALSE'
        return `(${col.expr} = ${this.params.add(operand)}::boolean)`
      case 'timestamp': {
        if (typeof operand !== 'string' || Number.isNaN(Date.parse(operand))) return 'FALSE'
        const symbol = op === 'eq' ? '=' : ORDER_SYMBOL[op]
        if (!symbol) return 'FALSE'
        // Clients see milliseconds; the column holds microseconds.
        return `(date_trunc('milliseconds', ${col.expr}) ${symbol} ${this.params.add(operand)}::timestamptz)`
      }
    }
  }

  column(column: RecordColumn): ColumnInfo {
    const c = (name: string) => `${ROW}.${name}`
    const users = this.target.table === 'users'
    switch (column) {
      case 'id':
        return { kind: 'uuid', expr: c('id'), nullable: false }
      case 'userName':
        if (!users) break
        return { kind: 'text', expr: c('user_name'), lower: c('user_name_lower'), nullable: false }
      case 'externalId':
        return { kind: 'text', expr: c('external_id'), lower: `lower(${c('external_id')})`, nullable: true }
      case 'displayName':
        return users
          ? { kind: 'text', expr: c('display_name'), lower: `lower(${c('display_name')})`, nullable: true }
          : { kind: 'text', expr: c('display_name'), lower: c('display_name_lower'), nullable: false }
      case 'active':
        if (!users) break
        return { kind: 'boolean', expr: c('active'), nullable: false }
      case 'created':
        return { kind: 'timestamp', expr: c('created'), nullable: false }
      case 'modified':
        return { kind: 'timestamp', expr: c('modified'), nullable: false }
    }
    throw new Error(`internal: ${this.target.table} has no ${column} column`)
  }

  private relationValue(
    loc: { in: 'members'; sub: 'value' | 'type' } | { in: 'groups'; sub: 'value' | 'display' },
    scope: Scope,
  ): { kind: 'uuid'; expr: string } | { kind: 'text'; expr: string; lower: string } {
    if (loc.in === 'members') {
      if (scope.kind !== 'member') throw new Error('internal: members value outside any(members)')
      return loc.sub === 'value' ? { kind: 'uuid', expr: `${scope.alias}.member_id` } : { kind: 'text', expr: `${scope.alias}.member_type`, lower: `lower(${scope.alias}.member_type)` }
    }
    if (scope.kind !== 'group') throw new Error('internal: groups value outside any(groups)')
    return loc.sub === 'value' ? { kind: 'uuid', expr: `${scope.alias}.id` } : { kind: 'text', expr: `${scope.alias}.display_name`, lower: `${scope.alias}.display_name_lower` }
  }

  private any(f: Extract<ResourceFilter, { kind: 'any' }>, scope: Scope): string {
    const array = f.array
    if (array.in === 'document') {
      // `eq`s on the elements: containment alone is usually exact (and indexed).
      const leaves = scope.kind === 'row' ? eqLeaves(f.filter) : null
      const direct = leaves ? this.elementContainment(array.path, leaves) : null
      if (direct?.exact) return direct.sql
      // Merged or-ed conditions (normaliseFilter) stay an or of containments when each one is exact.
      const alternatives = scope.kind === 'row' && f.filter.kind === 'or' ? f.filter.filters.map(eqLeaves) : null
      if (alternatives?.every((l) => l !== null && exactContainment(l))) {
        return `(${alternatives.map((l) => (this.elementContainment(array.path, l as EqLeaf[]) as { sql: string }).sql).join(' OR ')})`
      }
      // Otherwise an indexed pre-filter from the condition's `eq` parts, where there are some.
      const hint = direct ? direct.sql : scope.kind === 'row' ? this.hint(f.filter, array.path) : null
      const json = this.docJson(array.path, scope)
      const e = this.alias('e')
      const inner = this.filter(f.filter, { kind: 'element', value: `${e}.v` })
      const exists = `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} END) AS ${e}(v) WHERE ${inner})`
      return hint ? `(${hint} AND ${exists})` : exists
    }
    if (scope.kind !== 'row') throw new Error(`internal: any(${array.in}) inside an element filter`)
    if (array.in === 'members') {
      if (this.target.table !== 'groups') throw new Error('internal: members filter on users')
      // Correlated through the primary key (tenant_id, group_id, …): a group's own rows, whatever
      // surrounds the condition. An `IN (sub-query)` under OR is rescanned per group when large.
      const m = this.alias('m')
      return `EXISTS (SELECT 1 FROM group_members ${m} WHERE ${m}.tenant_id = ${this.tenant} AND ${m}.group_id = ${ROW}.id AND ${this.filter(f.filter, { kind: 'member', alias: m })})`
    }
    if (this.target.table !== 'users') throw new Error('internal: groups filter on groups')
    if (f.filter.kind === 'const' && f.filter.value) {
      // Some group, direct or indirect, exactly when some direct one: the (tenant_id, member_id) index.
      const m = this.alias('m')
      return `EXISTS (SELECT 1 FROM group_members ${m} WHERE ${m}.tenant_id = ${this.tenant} AND ${m}.member_id = ${ROW}.id)`
    }
    // The user's groups, direct and indirect: the users in the matching groups or, transitively, in
    // their sub-groups. The groups matching this condition seed the statement's one walk, tagged
    // with the condition's number (see groupWalk); the user's flag for it is the answer.
    const g = this.alias('g')
    const term = this.walkSeeds.length + 1
    const matching = this.filter(f.filter, { kind: 'group', alias: g })
    this.walkSeeds.push(`SELECT ${term}, ${g}.id FROM groups ${g} WHERE ${g}.tenant_id = ${this.tenant} AND ${matching}`)
    return `COALESCE(${UG}.t${term}, FALSE)`
  }

  /**
   * The common table expressions and the join the conditions on groups need, or null. The
   * recursion walks groups only (UNION on (term, group): cycles end); each group reached gets one
   * row with a flag per condition (walked_groups), so users are joined once per group, not once
   * per condition; then one row per user (user_groups), which the statement joins by id.
   * MATERIALIZED: computed once, then hash-joined; never re-evaluated per record.
   */
  groupWalk(): { ctes: string; join: string } | null {
    if (!this.walkSeeds.length) return null
    const t = this.tenant
    const terms = this.walkSeeds.map((_, i) => i + 1)
    const ctes = `group_walk(term, id) AS (
          ${this.walkSeeds.join('\n          UNION ALL ')}
          UNION
          SELECT w.term, m.member_id FROM group_members m JOIN group_walk w ON m.group_id = w.id WHERE m.tenant_id = ${t} AND m.member_type = 'Group'),
        walked_groups AS (
          SELECT w.id, ${terms.map((n) => `bool_or(w.term = ${n}) AS t${n}`).join(', ')} FROM group_walk w GROUP BY w.id),
        ${USER_GROUPS} AS MATERIALIZED (
          SELECT m.member_id AS id, ${terms.map((n) => `bool_or(w.t${n}) AS t${n}`).join(', ')} FROM walked_groups w JOIN group_members m ON m.group_id = w.id
          WHERE m.tenant_id = ${t} AND m.member_type = 'User' GROUP BY m.member_id)`
    return { ctes, join: ` LEFT JOIN ${USER_GROUPS} ${UG} ON ${UG}.id = ${ROW}.id` }
  }

  /** A containment condition every element match implies (from `eq` parts), or null. */
  private hint(f: ResourceFilter, arrayPath: readonly string[]): string | null {
    switch (f.kind) {
      case 'compare': {
        const leaves = eqLeaves(f)
        return leaves ? (this.elementContainment(arrayPath, leaves)?.sql ?? null) : null
      }
      case 'and': {
        const leaves = eqLeaves(f)
        const merged = leaves ? this.elementContainment(arrayPath, leaves) : null
        if (merged) return merged.sql
        const parts = f.filters.map((c) => this.hint(c, arrayPath)).filter((h): h is string => h !== null)
        return parts.length ? `(${parts.join(' AND ')})` : null
      }
      case 'or': {
        const parts = f.filters.map((c) => this.hint(c, arrayPath))
        return parts.length && parts.every((h) => h !== null) ? `(${parts.join(' OR ')})` : null
      }
      default:
        return null
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sorting

  sort(sort: ResourceSort | undefined): SortInfo {
    if (!sort) return { expr: null, cast: 'uuid', nullable: false }
    const ref = sort.value
    const loc = ref.location
    if (loc.in === 'column') {
      const col = this.column(loc.column)
      switch (col.kind) {
        case 'uuid':
          return { expr: col.expr, cast: 'uuid', nullable: false }
        case 'text': {
          const value = ref.caseExact ? col.expr : col.lower
          // An empty string is "no data" for sorting, as it is for `pr`.
          return { expr: `${col.nullable ? `NULLIF(${value}, '')` : value} COLLATE "C"`, cast: 'text', nullable: col.nullable }
        }
        case 'boolean':
          return { expr: col.expr, cast: 'boolean', nullable: col.nullable }
        case 'timestamp':
          return { expr: `date_trunc('milliseconds', ${col.expr})`, cast: 'timestamptz', nullable: false }
      }
    }
    if (loc.in !== 'document') throw new Error(`internal: cannot sort by ${loc.in}`)
    let json: string
    if (sort.multiValued) {
      const arr = this.docJson(sort.multiValued.arrayPath, { kind: 'row' })
      const e = this.alias('s')
      const element = `(SELECT ${e}.v FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${arr}) = 'array' THEN ${arr} END) WITH ORDINALITY AS ${e}(v, i)
        ORDER BY ${e}.v @> '{"primary": true}'::jsonb DESC, ${e}.i LIMIT 1)`
      json = sort.multiValued.subPath.length ? `(${element} #> ${this.params.add(sort.multiValued.subPath)}::text[])` : element
    } else {
      json = this.docJson(loc.path, { kind: 'row' })
    }
    const text = `(${json} #>> '{}')`
    switch (ref.type) {
      case 'integer':
      case 'decimal':
        return { expr: `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json} #>> '{}')::numeric END)`, cast: 'numeric', nullable: true }
      case 'boolean':
        return { expr: `(CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${json} #>> '{}')::boolean END)`, cast: 'boolean', nullable: true }
      case 'dateTime':
        return { expr: `NULLIF(${text}, '') COLLATE "C"`, cast: 'text', nullable: true }
      default:
        return { expr: `NULLIF(${ref.caseExact ? text : `lower(${text})`}, '') COLLATE "C"`, cast: 'text', nullable: true }
    }
  }
}

type ColumnInfo =
  | { kind: 'uuid'; expr: string; nullable: boolean }
  | { kind: 'text'; expr: string; lower: string; nullable: boolean }
  | { kind: 'boolean'; expr: string; nullable: boolean }
  | { kind: 'timestamp'; expr: string; nullable: boolean }

interface SortInfo {
  /** The sort value expression; null: by id only. */
  expr: string | null
  /** SQL type a cursor's text value is cast back to. */
  cast: 'text' | 'numeric' | 'boolean' | 'timestamptz' | 'uuid'
  nullable: boolean
}

const ORDER_SYMBOL: Partial<Record<CompareOp, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' }
const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** JSON text of `{"a":{"b":<inner>}}` for path [a, b]; keys are JSON-encoded, never spliced raw. */
function nest(path: readonly string[], innerJson: string): string {
  return path.reduceRight((acc, key) => `{${JSON.stringify(key)}:${acc}}`, innerJson)
}

/** Case matters: a case-exact string-like value (dateTimes are normalised, numbers and booleans have no case). */
function needsExactCase(ref: ValueRef): boolean {
  return ref.caseExact && (ref.type === 'string' || ref.type === 'reference' || ref.type === 'binary')
}

interface EqLeaf {
  /** Path inside the element ([] for an element of a multi-valued simple attribute). */
  path: readonly string[]
  operand: string | number | boolean
  ref: ValueRef
}

/** The `eq`s of an element filter that is one `eq` on a document value or an `and` of them; else null. */
function eqLeaves(f: ResourceFilter): EqLeaf[] | null {
  if (f.kind === 'compare') {
    if (f.op !== 'eq' || f.operand === null || f.value.location.in !== 'document') return null
    return [{ path: f.value.location.path, operand: f.operand, ref: f.value }]
  }
  if (f.kind !== 'and' || f.filters.length === 0) return null
  const leaves: EqLeaf[] = []
  for (const child of f.filters) {
    const more = eqLeaves(child)
    if (!more) return null
    leaves.push(...more)
  }
  return leaves
}

/** Whether Compiler.elementContainment would be exact for these leaves (without adding parameters). */
function exactContainment(leaves: readonly EqLeaf[]): boolean {
  if (elementPattern(leaves) === null) return false
  const exact = leaves.filter((l) => needsExactCase(l.ref)).length
  return exact === 0 || exact === leaves.length
}

type PatternNode = { leaf: string } | { children: Map<string, PatternNode> }

/** One JSON pattern holding every leaf's value at its path, or null when two leaves collide. */
function elementPattern(leaves: readonly EqLeaf[]): string | null {
  let root: PatternNode | undefined
  for (const leaf of leaves) {
    const value = JSON.stringify(leaf.operand)
    if (leaf.path.length === 0) {
      if (root) return null
      root = { leaf: value }
      continue
    }
    root ??= { children: new Map() }
    let node: PatternNode = root
    for (const [i, key] of leaf.path.entries()) {
      if (!('children' in node)) return null
      const last = i === leaf.path.length - 1
      const existing: PatternNode | undefined = node.children.get(key)
      if (last) {
        if (existing) return null
        node.children.set(key, { leaf: value })
      } else {
        const next: PatternNode = existing ?? { children: new Map() }
        node.children.set(key, next)
        node = next
      }
    }
  }
  const render = (n: PatternNode): string =>
    'leaf' in n ? n.leaf : `{${[...n.children].map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`
  return root ? render(root) : null
}

// ---------------------------------------------------------------------------------------------
// Cursors

interface Cursor {
  /** a: rows after the position; b: rows before it. */
  d: 'a' | 'b'
  /** The sort value at the position, as text (null: no value); null too when sorting by id only. */
  k: string | null
  id: string
  /** Inclusive: the row at the position itself belongs to the page. */
  i: boolean
}

const CURSOR_VERSION = 1
const invalidCursor = (why: string) => new InvalidCursorError(`the cursor is not valid for this query (${why}); start again without one`)

function fingerprint(target: QueryTarget, tenantId: string, query: ResourceQuery): string {
  return createHash('sha256')
    .update(JSON.stringify([target.table, tenantId, query.filter ?? null, query.sort ?? null]))
    .digest('base64url')
}

function checksum(print: string, c: Cursor): string {
  return createHash('sha256')
    .update(`${print}\n${JSON.stringify([CURSOR_VERSION, c.d, c.k, c.id, c.i])}`)
    .digest('base64url')
    .slice(0, 22)
}

function encodeCursor(print: string, c: Cursor): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, c.d, c.k, c.id, c.i ? 1 : 0, checksum(print, c)]), 'utf8').toString('base64url')
}

function decodeCursor(print: string, text: string, cast: SortInfo['cast']): Cursor {
  const raw = decodeJsonCursor(text)
  if (!raw || raw.length !== 6) throw invalidCursor('malformed')
  const [version, d, k, id, i, sum] = raw
  if (version !== CURSOR_VERSION) throw invalidCursor('unknown version')
  if ((d !== 'a' && d !== 'b') || (k !== null && typeof k !== 'string') || typeof id !== 'string' || (i !== 0 && i !== 1) || typeof sum !== 'string') {
    throw invalidCursor('malformed')
  }
  const cursor: Cursor = { d, k, id, i: i === 1 }
  if (sum !== checksum(print, cursor)) throw invalidCursor('it was issued for another query, or altered')
  if (!LOWER_UUID.test(id) || (k !== null && !validKey(k, cast))) throw invalidCursor('malformed')
  return cursor
}

function validKey(k: string, cast: SortInfo['cast']): boolean {
  switch (cast) {
    case 'numeric':
      return /^-?\d+(\.\d+)?$/.test(k)
    case 'boolean':
      return k === 'true' || k === 'false'
    case 'timestamptz':
      return k.length < 64 && /^\d{4}-\d{2}-\d{2}[ T][0-9:.]+([+-][0-9:]+|Z)?$/.test(k)
    case 'uuid':
      return LOWER_UUID.test(k)
    case 'text':
      return true
  }
}

// ---------------------------------------------------------------------------------------------
// Statements

/**
 * Compiles a query for one tenant. Throws InvalidCursorError for a cursor this query did
 * not issue.
 */
/**
 * More data for the page's rows in the same statement: the page becomes the CTE `page` (its rows in
 * order, numbered by `__ord`), `ctes` may read it (and `$1`, the tenant), and `select` is the final
 * SELECT over them, which must keep `page`'s columns and order (`ORDER BY page.__ord`).
 */
export interface PageDecoration {
  ctes: readonly string[]
  select: string
}

export function compileResourceQuery(target: QueryTarget, tenantId: string, query: ResourceQuery, decoration?: PageDecoration): CompiledQuery {
  const params = new Params(tenantId)
  const c = new Compiler(target, params)
  // Normalised here as well as by the caller: one walk per statement must not depend on who built
  // the filter. The cursor fingerprint stays on the query as given.
  const filter = query.filter ? normaliseFilter(query.filter) : undefined
  const where = `${ROW}.tenant_id = $1${filter ? ` AND ${c.filter(filter, { kind: 'row' })}` : ''}`
  // Every statement that tests the filter carries the group walk its conditions read (count, page,
  // matched): the record table joined with the walk's users, and the walk at the head of WITH.
  const walk = c.groupWalk()
  const records = `${target.table} ${ROW}${walk ? walk.join : ''}`
  const withClause = (ctes: string[], recursive = false): string => {
    const all = walk ? [walk.ctes, ...ctes] : ctes
    return all.length ? `WITH ${walk || recursive ? 'RECURSIVE ' : ''}${all.join(', ')} ` : ''
  }
  // Without a filter the total is the tenant's kept count (migration 0003), not a scan of every row.
  const countOf = (source: string): string =>
    filter ? `SELECT count(*)::int AS n FROM ${source}` : `SELECT coalesce((SELECT ${target.table}::int FROM ${TENANT_TOTALS} s), 0) AS n`
  const count: Statement = filter
    ? { text: `${withClause([])}${countOf(`${records} WHERE ${where}`)}`, params: [...params.values] }
    : { text: countOf(''), params: [tenantId] }
  // With a GIN-indexed condition, find the matches first (through the index), then order and cut:
  // the count visits every match anyway, while an ordered scan guessing at 1% selectivity would test
  // the whole table for a rare value. MATERIALIZED keeps the planner from merging the two steps.
  const from = c.indexedContainment ? `FROM matched ${ROW} WHERE TRUE` : `FROM ${records} WHERE ${where}`
  const matched = c.indexedContainment ? [`matched AS MATERIALIZED (SELECT ${ROW}.* FROM ${records} WHERE ${where})`] : []
  // The page's statement: plain, or wrapped by the decoration (see PageDecoration).
  const statement = (body: string): string =>
    decoration
      ? `${withClause([...matched, `page AS (SELECT p.*, row_number() OVER () AS __ord FROM (${body}) p)`, ...decoration.ctes], true)}${decoration.select}`
      : `${withClause(matched)}${body}`

  const page = query.page
  const size = Math.max(0, Math.floor(page.count))
  const sort = c.sort(query.sort)
  const print = fingerprint(target, tenantId, query)
  // Checked even when no rows are wanted: a bad cursor is an error whatever the count.
  const at = page.kind !== 'cursor' || page.cursor === null || page.cursor === '' ? null : decodeCursor(print, page.cursor, sort.cast)
  if (size === 0) {
    return {
      count,
      page: null,
      fromStart: true,
      finish: (_rows, total) => ({ items: [], totalResults: total, ...(page.kind === 'cursor' ? { nextCursor: null, previousCursor: null } : {}) }),
    }
  }

  const id = `${ROW}.id`
  const descending = query.sort?.descending ?? false
  // Ascending: NULLS LAST; descending: NULLS FIRST. Descending is the exact reverse of ascending.
  const orderBy = (reverse: boolean): string => {
    const dir = descending !== reverse ? 'DESC' : 'ASC'
    const nulls = dir === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST'
    return sort.expr === null ? `${id} ${dir}` : `${sort.expr} ${dir} ${nulls}, ${id} ${dir}`
  }
  // The count rides along as an uncorrelated subquery (computed once, an InitPlan): one round trip.
  const total = `(${countOf(c.indexedContainment ? 'matched' : `${records} WHERE ${where}`)}) AS ${TOTAL_COLUMN}`
  const columns = [...target.columns.map((col) => `${ROW}.${col}`), total]
  const select = `SELECT ${columns.join(', ')}${sort.expr === null ? '' : `, (${sort.expr})::text AS ${SORT_KEY}`}`

  if (page.kind === 'index') {
    const offset = Math.max(1, Math.floor(page.startIndex)) - 1
    const text = statement(`${select} ${from} ORDER BY ${orderBy(false)} LIMIT ${params.add(size)} OFFSET ${params.add(offset)}`)
    return {
      count,
      page: { text, params: params.values },
      fromStart: offset === 0,
      finish: (rows, total, toRecord) => ({ items: rows.map(toRecord), totalResults: total }),
    }
  }

  const backward = at?.d === 'b'
  let keyset = ''
  if (at) {
    // In natural (ascending, nulls highest) terms, "after" in a descending query is "less than".
    const greater = (at.d === 'a') !== descending
    keyset = ` AND ${keysetCondition(sort, id, params, at, greater)}`
  }
  const text = statement(`${select} ${from}${keyset} ORDER BY ${orderBy(backward)} LIMIT ${params.add(size + 1)}`)
  const keyOf = (row: Record<string, unknown>): string | null => (sort.expr === null ? null : row[SORT_KEY] == null ? null : String(row[SORT_KEY]))
  const position = (row: Record<string, unknown>, d: 'a' | 'b'): string => encodeCursor(print, { d, k: keyOf(row), id: String(row.id), i: false })
  // An empty page at a position: the other direction starts at the same position, with its row.
  const turn = (c0: Cursor, d: 'a' | 'b'): string => encodeCursor(print, { d, k: c0.k, id: c0.id, i: !c0.i })

  return {
    count,
    page: { text, params: params.values },
    fromStart: at === null,
    finish(rows, total, toRecord) {
      const more = rows.length > size
      const kept = rows.slice(0, size)
      if (backward) kept.reverse()
      const first = kept[0]
      const last = kept[kept.length - 1]
      let nextCursor: string | null
      let previousCursor: string | null
      if (!backward) {
        nextCursor = more && last ? position(last, 'a') : null
        previousCursor = at === null ? null : first ? position(first, 'b') : turn(at, 'b')
      } else {
        previousCursor = more && first ? position(first, 'b') : null
        nextCursor = last ? position(last, 'a') : turn(at as Cursor, 'a')
      }
      return { items: kept.map(toRecord), totalResults: total, nextCursor, previousCursor }
    },
  }
}

/**
 * Rows strictly (or, inclusive, also at) greater — or less — than the position in the natural
 * order (value ascending with unassigned values highest, then id). Columns that are never null use
 * a row comparison, which a (tenant_id, value, id) index serves directly.
 */
function keysetCondition(sort: SortInfo, id: string, params: Params, at: Cursor, greater: boolean): string {
  const op = greater ? (at.i ? '>=' : '>') : at.i ? '<=' : '<'
  const idParam = `${params.add(at.id)}::uuid`
  if (sort.expr === null) return `(${id} ${op} ${idParam})`
  const e = sort.expr
  if (at.k === null) {
    // Position among the unassigned values, which sort after every value.
    return greater ? `(${e} IS NULL AND ${id} ${op} ${idParam})` : `(${e} IS NOT NULL OR ${id} ${op} ${idParam})`
  }
  const k = `${params.add(at.k)}::${sort.cast}`
  if (!sort.nullable) return `((${e}, ${id}) ${op} (${k}, ${idParam}))`
  const strict = greater ? '>' : '<'
  const beyond = greater ? `${e} ${strict} ${k} OR ${e} IS NULL` : `${e} ${strict} ${k}`
  return `(${beyond} OR (${e} = ${k} AND ${id} ${op} ${idParam}))`
}

/**
 * Runs a compiled query: one statement, the page with the count beside each row. Only a page that
 * comes back empty after its start (a startIndex or cursor beyond the matches) needs the count on
 * its own. A decoration adds data to the page's rows in the same statement (PageDecoration).
 */
export async function runResourceQuery<T>(
  sql: Sql,
  target: QueryTarget,
  tenantId: string,
  query: ResourceQuery,
  toRecord: (row: Record<string, unknown>) => T,
  decoration?: PageDecoration,
): Promise<QueryResult<T>> {
  const compiled = compileResourceQuery(target, tenantId, query, decoration)
  const rows = compiled.page ? await sql.query(compiled.page.text, compiled.page.params) : []
  let total: number
  if (rows.length) total = Number(rows[0]![TOTAL_COLUMN])
  else if (compiled.page && compiled.fromStart) total = 0
  else total = Number((await sql.query<{ n: number }>(compiled.count.text, compiled.count.params))[0]?.n ?? 0)
  return compiled.finish(rows, total, toRecord)
}

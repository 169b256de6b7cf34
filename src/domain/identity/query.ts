/**
 * Queries over stored users and groups, in store terms. The SCIM layer resolves a parsed SCIM
 * filter against the schemas into a ResourceFilter (src/scim/filter/resolve.ts); the PostgreSQL
 * adapter compiles it to SQL (src/store/postgres/query-sql.ts). Nothing here is SCIM syntax, and
 * nothing in the SCIM layer is SQL.
 *
 * Stored resource documents (users.resource, groups.resource) hold the SCIM attributes a client
 * may write, in canonical form (see src/scim/schema/document.ts): canonical attribute names, extension
 * attributes under their schema URN, multi-valued attributes as arrays, dateTimes as UTC ISO strings.
 */
import type { Group, User } from './model.js'

/** Comparison operators of a filter term (the names RFC 7644 §3.4.2.2 gives them; nothing else here is SCIM syntax). */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'

export type ValueType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'binary' | 'reference'

/** Record fields kept in columns (indexed or computed by the store) rather than only in the document. */
export type RecordColumn = 'id' | 'userName' | 'externalId' | 'displayName' | 'active' | 'created' | 'modified'

/** Where a filtered or sorted value lives. */
export type ValueLocation =
  /** A column of the record. */
  | { in: 'column'; column: RecordColumn }
  /**
   * A value inside the stored document, by keys from the root: `['title']`, `['name', 'givenName']`,
   * `['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager', 'value']`.
   * Inside an `any` filter the path is relative to the element (`['value']`, or `[]` for an element
   * of a multi-valued simple attribute).
   */
  | { in: 'document'; path: string[] }
  /** Group.members sub-attributes (value = member id, type = User | Group), from the membership rows. */
  | { in: 'members'; sub: 'value' | 'type' }
  /** User.groups sub-attributes (value = group id, display = group displayName), direct and indirect. */
  | { in: 'groups'; sub: 'value' | 'display' }

export interface ValueRef {
  location: ValueLocation
  type: ValueType
  /** False: string comparisons ignore case (RFC 7643 §2.2 caseExact). */
  caseExact: boolean
}

export type ResourceFilter =
  | { kind: 'and' | 'or'; filters: ResourceFilter[] }
  | { kind: 'not'; filter: ResourceFilter }
  | { kind: 'present'; value: ValueRef }
  | { kind: 'compare'; op: CompareOp; value: ValueRef; operand: string | number | boolean | null }
  /**
   * True when some element of a multi-valued attribute matches `filter`, whose document paths are
   * relative to the element. `array` is the document path of the array (e.g. `['emails']`), or the
   * members/groups relation.
   */
  | { kind: 'any'; array: { in: 'document'; path: string[] } | { in: 'members' } | { in: 'groups' }; filter: ResourceFilter }
  /** Constant truth value (e.g. `meta.resourceType eq "User"` on /Users). */
  | { kind: 'const'; value: boolean }

export interface ResourceSort {
  value: ValueRef
  /** For a multi-valued attribute: sort by the primary element's value, else the first element's. */
  multiValued?: { arrayPath: string[]; subPath: string[] }
  descending: boolean
}

export type ResourcePage =
  /** RFC 7644 §3.4.2.4: 1-based startIndex. */
  | { kind: 'index'; startIndex: number; count: number }
  /** RFC 9865: an opaque cursor from a previous answer, or null for the first page. */
  | { kind: 'cursor'; cursor: string | null; count: number }

export interface ResourceQuery {
  filter?: ResourceFilter
  sort?: ResourceSort
  page: ResourcePage
}

export interface QueryResult<T> {
  items: T[]
  /** Exact number of records matching the filter. */
  totalResults: number
  /** Cursor paging only: the cursor for the next page, null on the last page. */
  nextCursor?: string | null
  /** Cursor paging only: the cursor for the previous page, null on the first page. */
  previousCursor?: string | null
}

export type UserQueryResult = QueryResult<User>
export type GroupQueryResult = QueryResult<Group>

// ---------------------------------------------------------------------------------------------
// Normalising and costing filters (any store: nothing here depends on how a store runs them)

type AnyArray = Extract<ResourceFilter, { kind: 'any' }>['array']

/** Same key, same collection of elements. */
function arrayKey(array: AnyArray): string {
  return array.in === 'document' ? `document:${JSON.stringify(array.path)}` : array.in
}

/**
 * An equivalent filter in which each multi-valued attribute or relation is ranged over as few times
 * as logic allows, with nested and/or flattened, constants folded and double negations removed.
 *
 * - `∃x A(x) ∨ ∃x B(x) ≡ ∃x (A(x) ∨ B(x))`: or-ed conditions on one attribute become one condition,
 *   so `groups.display co "a" or groups.display co "b" or …` walks the nested groups once, not once
 *   per term;
 * - `¬∃x A(x) ∧ ¬∃x B(x) ≡ ¬∃x (A(x) ∨ B(x))`: and-ed "none of them" conditions likewise
 *   (`groups.display ne "a" and groups.display ne "b"`).
 *
 * `∃x A(x) ∧ ∃x B(x)` is NOT `∃x (A(x) ∧ B(x))` (two different groups may hold A and B), so and-ed
 * conditions stay apart: each costs its own walk, which is what filterCost charges.
 */
export function normaliseFilter(f: ResourceFilter): ResourceFilter {
  switch (f.kind) {
    case 'and':
    case 'or': {
      const out: ResourceFilter[] = []
      for (const child of f.filters.map(normaliseFilter)) {
        if (child.kind === 'const') {
          if (child.value === (f.kind === 'or')) return child // true in an or, false in an and
          continue
        }
        if (child.kind === f.kind) out.push(...child.filters)
        else out.push(child)
      }
      const merged = f.kind === 'or' ? mergeAnys(out) : mergeNones(out)
      if (merged.length === 0) return { kind: 'const', value: f.kind === 'and' }
      return merged.length === 1 ? (merged[0] as ResourceFilter) : { kind: f.kind, filters: merged }
    }
    case 'not': {
      const inner = normaliseFilter(f.filter)
      if (inner.kind === 'const') return { kind: 'const', value: !inner.value }
      if (inner.kind === 'not') return inner.filter
      return { kind: 'not', filter: inner }
    }
    case 'any': {
      const inner = normaliseFilter(f.filter)
      // No element satisfies false; `any(x, true)` stays: it means "x has an element".
      if (inner.kind === 'const' && !inner.value) return inner
      return { ...f, filter: inner }
    }
    default:
      return f
  }
}

/** The members of an `or`, with `any`s over one collection merged into the first of them. */
function mergeAnys(filters: ResourceFilter[]): ResourceFilter[] {
  return mergeBy(
    filters,
    (f) => (f.kind === 'any' ? { array: f.array, inner: f.filter } : null),
    (array, inners) => normaliseFilter({ kind: 'any', array, filter: { kind: 'or', filters: inners } }),
  )
}

/** The members of an `and`, with `not any`s over one collection merged into the first of them. */
function mergeNones(filters: ResourceFilter[]): ResourceFilter[] {
  return mergeBy(
    filters,
    (f) => (f.kind === 'not' && f.filter.kind === 'any' ? { array: f.filter.array, inner: f.filter.filter } : null),
    (array, inners) => normaliseFilter({ kind: 'not', filter: { kind: 'any', array, filter: { kind: 'or', filters: inners } } }),
  )
}

function mergeBy(
  filters: ResourceFilter[],
  match: (f: ResourceFilter) => { array: AnyArray; inner: ResourceFilter } | null,
  build: (array: AnyArray, inners: ResourceFilter[]) => ResourceFilter,
): ResourceFilter[] {
  const groups = new Map<string, { array: AnyArray; inners: ResourceFilter[] }>()
  for (const f of filters) {
    const m = match(f)
    if (!m) continue
    const key = arrayKey(m.array)
    const group = groups.get(key)
    if (group) group.inners.push(m.inner)
    else groups.set(key, { array: m.array, inners: [m.inner] })
  }
  if ([...groups.values()].every((g) => g.inners.length === 1)) return filters
  const out: ResourceFilter[] = []
  const placed = new Set<string>()
  for (const f of filters) {
    const m = match(f)
    if (!m) {
      out.push(f)
      continue
    }
    const key = arrayKey(m.array)
    if (placed.has(key)) continue
    placed.add(key)
    const group = groups.get(key) as { array: AnyArray; inners: ResourceFilter[] }
    out.push(group.inners.length === 1 ? f : build(group.array, group.inners))
  }
  return out
}

/**
 * What a filter costs to run, in units of "one comparison on one record", and what the cost is
 * made of. Computed on the normalised filter, before a store sees it; a protocol layer refuses
 * filters above its bound (src/scim/limits.ts). The weights follow what every store has to do,
 * not one store's plan:
 */
export const FILTER_COST_WEIGHTS = Object.freeze({
  /** A comparison or presence test. */
  comparison: 1,
  /** Extra when the value sits inside the stored document (found by path, not in a column). */
  inDocument: 1,
  /** Extra for `co`, `sw`, `ew`: no index serves a substring, every candidate record is read. */
  substring: 1,
  /** A condition on a multi-valued attribute of the document: its elements are read per record. */
  array: 2,
  /** A condition on a group's members: the membership rows of each group are read. */
  members: 2,
  /** "Is in some group", direct or not, reduces to a direct membership: one look-up per user. */
  anyGroup: 2,
  /** A condition on a user's groups: the matching groups, then every group nested in them, are walked. */
  groupWalk: 20,
})

export interface FilterCost {
  /** The weighted sum (FILTER_COST_WEIGHTS). */
  cost: number
  /** Comparisons and presence tests. */
  comparisons: number
  /** Of which `co`, `sw` or `ew`. */
  substrings: number
  /** Conditions on multi-valued attributes of the document and on group members. */
  arrays: number
  /** Walks through nested groups (conditions on a user's groups other than `groups pr`). */
  groupWalks: number
  /** Levels of and/or/not/any nesting. */
  depth: number
}

const SUBSTRING_OPS: ReadonlySet<CompareOp> = new Set<CompareOp>(['co', 'sw', 'ew'])

/** The cost of a normalised filter (normaliseFilter first: merged conditions cost once). */
export function filterCost(f: ResourceFilter): FilterCost {
  const w = FILTER_COST_WEIGHTS
  const total: FilterCost = { cost: 0, comparisons: 0, substrings: 0, arrays: 0, groupWalks: 0, depth: 0 }
  const visit = (node: ResourceFilter, depth: number): void => {
    total.depth = Math.max(total.depth, depth)
    switch (node.kind) {
      case 'and':
      case 'or':
        for (const child of node.filters) visit(child, depth + 1)
        return
      case 'not':
        visit(node.filter, depth + 1)
        return
      case 'const':
        return
      case 'present':
      case 'compare': {
        total.comparisons++
        total.cost += w.comparison
        if (node.value.location.in === 'document') total.cost += w.inDocument
        if (node.kind === 'compare' && SUBSTRING_OPS.has(node.op)) {
          total.substrings++
          total.cost += w.substring
        }
        return
      }
      case 'any': {
        const { array } = node
        if (array.in === 'groups' && !(node.filter.kind === 'const' && node.filter.value)) {
          total.groupWalks++
          total.cost += w.groupWalk
        } else {
          total.arrays++
          total.cost += array.in === 'document' ? w.array : array.in === 'members' ? w.members : w.anyGroup
        }
        visit(node.filter, depth + 1)
        return
      }
    }
  }
  visit(f, 0)
  return total
}

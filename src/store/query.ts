/**
 * Queries over stored users and groups, in store terms. The SCIM layer resolves a parsed SCIM
 * filter against the schemas into a ResourceFilter (src/scim/filter-resolve.ts); the PostgreSQL
 * adapter compiles it to SQL (src/store/postgres/query-sql.ts). Nothing here is SCIM syntax, and
 * nothing in the SCIM layer is SQL.
 *
 * Stored resource documents (users.resource, groups.resource) hold the SCIM attributes a client
 * may write, in canonical form (see src/scim/document.ts): canonical attribute names, extension
 * attributes under their schema URN, multi-valued attributes as arrays, dateTimes as UTC ISO strings.
 */
import type { CompareOp } from '../scim/filter.js'
import type { Group, User } from '../directory/model.js'

export type { CompareOp }

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

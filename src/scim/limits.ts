/**
 * What the service provider promises (advertised in /ServiceProviderConfig) and enforces.
 * One place, so discovery never says something the handlers do not do.
 */
export const SCIM_LIMITS = Object.freeze({
  /** Page size when the client gives no count (RFC 9865 defaultPageSize). */
  defaultPageSize: 100,
  /** Largest page (RFC 7644 filter.maxResults, RFC 9865 maxPageSize); larger counts are capped. */
  maxPageSize: 1000,
  /** Seconds a cursor stays valid (RFC 9865 cursorTimeout). Keyset cursors do not expire by time. */
  cursorTimeout: 3600,
  bulkMaxOperations: 1000,
  /** Bytes of one Bulk request body (RFC 7644 bulk.maxPayloadSize). */
  bulkMaxPayloadSize: 1_048_576,
  /** Characters of a filter or a PATCH path, checked before it is tokenized. */
  filterMaxLength: 10_000,
  /** Levels of parentheses and value filters, so that parsing cannot overflow the stack. */
  filterMaxDepth: 50,
  /** Attribute expressions in a filter or a PATCH path, counted while parsing. */
  filterMaxTerms: 250,
  /**
   * The most a list filter may cost (src/domain/identity/query.ts filterCost and FILTER_COST_WEIGHTS: about one
   * unit per comparison, more for substrings, values inside the document, multi-valued attributes
   * and walks through a user's nested groups), checked before any SQL runs. Filters IdPs send cost
   * under 20, and 100 or-ed `groups.display co` terms 220; a search that costs more than this would
   * hold the database that every tenant shares.
   */
  filterMaxCost: 250,
})

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
})

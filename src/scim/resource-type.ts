import type { WriteContext } from '../domain/identity/writes.js'
import type { VersionCheck } from '../domain/identity/users.js'
import type { ScimContext } from './context.js'
import type { ListRequest } from './messages/search-request.js'
import type { Projection } from './schema/projection.js'
import type { ResourcePage } from '../domain/identity/query.js'

/** A resource as it goes out: its SCIM representation and the version its ETag carries. */
export interface WireRecord {
  version: number
  resource: Record<string, unknown>
}

export interface ListResult {
  records: WireRecord[]
  totalResults: number
  page: ResourcePage
  nextCursor?: string | null
  previousCursor?: string | null
}

/**
 * One resource type's operations, shared by its endpoints, `/.search` and Bulk, so each rule is
 * written once. Handlers translate SCIM to domain calls; the rules live in src/directory.
 */
export interface ResourceHandler {
  type: 'User' | 'Group'
  /** The endpoint name under the base URL: `Users`, `Groups`. */
  endpoint: string
  get(sc: ScimContext, id: string, projection: Projection): Promise<WireRecord>
  list(sc: ScimContext, request: ListRequest, projection: Projection): Promise<ListResult>
  create(sc: ScimContext, body: unknown, projection: Projection, ctx: WriteContext): Promise<WireRecord>
  replace(sc: ScimContext, id: string, body: unknown, projection: Projection, ctx: WriteContext, check: VersionCheck): Promise<WireRecord>
  /**
   * Applies a PatchOp. `render` false: answer 204 without reading the resource back (RFC 7644 §3.5.2
   * allows it), so a member change of a 100,000-member group never reads its members.
   */
  patch(sc: ScimContext, id: string, body: unknown, projection: Projection, ctx: WriteContext, check: VersionCheck, render: boolean): Promise<{ version: number; resource?: Record<string, unknown> }>
  delete(sc: ScimContext, id: string, ctx: WriteContext, check: VersionCheck): Promise<void>
}

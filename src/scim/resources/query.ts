import type { QueryResult, ResourceQuery } from '../../domain/identity/query.js'
import type { ScimContext } from '../context.js'
import type { ListRequest } from '../messages/search-request.js'
import { resolveFilter, resolveSort } from '../filter/resolve.js'

/** Resolves a list request against the schemas and runs it in the store (never in memory). */
export async function runQuery<T>(
  sc: ScimContext,
  type: 'User' | 'Group',
  request: ListRequest,
  execute: (q: ResourceQuery) => Promise<QueryResult<T>>,
): Promise<QueryResult<T> & { page: ListRequest['page'] }> {
  const query: ResourceQuery = {
    ...(request.filter ? { filter: resolveFilter(sc.registry, type, request.filter, { inUri: request.filterInUri, unknownIsUnassigned: request.acrossTypes }) } : {}),
    ...(request.sortBy ? { sort: resolveSort(sc.registry, type, request.sortBy, request.sortOrder) } : {}),
    page: request.page,
  }
  return { ...(await execute(query)), page: request.page }
}

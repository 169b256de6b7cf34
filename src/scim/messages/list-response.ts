import type { ResourcePage } from '../../domain/identity/query.js'

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

export interface ListResponseInput {
  resources: unknown[]
  totalResults: number
  page: ResourcePage
  nextCursor?: string | null
  previousCursor?: string | null
}

/** RFC 7644 §3.4.2 ListResponse; cursor pages carry nextCursor/previousCursor instead of startIndex (RFC 9865). */
export function listResponse(input: ListResponseInput): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults: input.totalResults,
    itemsPerPage: input.resources.length,
    ...(input.page.kind === 'index' ? { startIndex: input.page.startIndex } : {}),
    ...(input.page.kind === 'cursor' && input.nextCursor ? { nextCursor: input.nextCursor } : {}),
    ...(input.page.kind === 'cursor' && input.previousCursor ? { previousCursor: input.previousCursor } : {}),
    Resources: input.resources,
  }
}

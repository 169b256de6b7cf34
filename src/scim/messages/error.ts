/**
 * The Error message (RFC 7644 §3.12): the body of every SCIM error response, and of each failed
 * operation in a BulkResponse. The errors themselves are src/scim/errors.ts `ScimError`.
 */
import type { ErrorFormatter } from '../../http/error-handler.js'
import type { ErrorShape } from '../../http/errors.js'
import { isScimType } from '../errors.js'

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/**
 * An Error message. A scimType goes with the status the RFC pairs it with: 400 for most, 409
 * `uniqueness`, 403 `sensitive` (§7.5.2); codes that are not scimTypes are left out.
 */
export function errorMessage(shape: Pick<ErrorShape, 'status' | 'code' | 'detail'>): Record<string, unknown> {
  const scimType = shape.code && isScimType(shape.code) ? shape.code : undefined
  return {
    schemas: [ERROR_SCHEMA],
    status: String(shape.status),
    ...(scimType ? { scimType } : {}),
    detail: shape.detail,
  }
}

/** The SCIM endpoints' error format, as application/scim+json. */
export const scimError: ErrorFormatter = (ctx, shape) => {
  ctx.type = 'application/scim+json'
  ctx.body = errorMessage(shape)
}

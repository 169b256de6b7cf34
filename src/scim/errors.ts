import type { ErrorFormatter } from '../http/error-handler.js'

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

// RFC 7644 §3.12 defines scimType only for 400 (and `uniqueness` for 409, `tooMany`…); other
// statuses carry no scimType.
const SCIM_TYPES = new Set([
  'invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive',
])

/** RFC 7644 §3.12 error body, as application/scim+json. */
export const scimError: ErrorFormatter = (ctx, shape) => {
  ctx.type = 'application/scim+json'
  const scimType = shape.code && SCIM_TYPES.has(shape.code) && (shape.status === 400 || shape.status === 409) ? shape.code : undefined
  ctx.body = {
    schemas: [ERROR_SCHEMA],
    status: String(shape.status),
    ...(scimType ? { scimType } : {}),
    detail: shape.detail,
  }
}

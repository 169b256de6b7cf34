import type { ErrorFormatter } from '../../http/error-handler.js'
import { HttpError } from '../../http/errors.js'

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** RFC 7644 §3.12, Table 9. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 §2.3 (cursor paging)
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount'

const SCIM_TYPES = new Set<string>([
  'invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive',
  'invalidCursor', 'expiredCursor', 'invalidCount',
])

export const isScimType = (code: string): code is ScimType => SCIM_TYPES.has(code)

/** A SCIM protocol error: status, optional scimType, and a detail message for the client. */
export class ScimError extends HttpError {
  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(status, detail, scimType)
    this.name = 'ScimError'
  }
}

/** 400 with a scimType: the common case. */
export const badRequest = (scimType: ScimType, detail: string): ScimError => new ScimError(400, scimType, detail)

/**
 * RFC 7644 §3.12 error body, as application/scim+json. A scimType goes with the status the RFC pairs
 * it with: 400 for most, 409 `uniqueness`, 403 `sensitive` (§7.5.2).
 */
export const scimError: ErrorFormatter = (ctx, shape) => {
  ctx.type = 'application/scim+json'
  const scimType = shape.code && isScimType(shape.code) ? shape.code : undefined
  ctx.body = {
    schemas: [ERROR_SCHEMA],
    status: String(shape.status),
    ...(scimType ? { scimType } : {}),
    detail: shape.detail,
  }
}

import type { ErrorFormatter } from '../http/error-handler.js'
import { HttpError } from '../http/errors.js'

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

/** A SCIM protocol error: status, optional scimType, and a detail message for the client. */
export class ScimError extends HttpError {
  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(status, detail, scimType)
    this.name = 'ScimError'
  }
}

/** 400 with a scimType: the common case. */
export const badRequest = (scimType: ScimType, detail: string): ScimError => new ScimError(400, scimType, detail)

/** RFC 7644 §3.12 error body, as application/scim+json. scimType accompanies 400 and 409 only. */
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

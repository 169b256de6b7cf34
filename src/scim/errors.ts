/**
 * SCIM protocol errors: a status, an optional scimType (RFC 7644 §3.12, Table 9) and a detail for the
 * client. Thrown anywhere in src/scim; the error handler renders them as the Error message
 * (messages/error.ts).
 */
import { HttpError } from '../http/errors.js'

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

/**
 * Errors the domain raises. They say what went wrong in domain terms; each protocol (SCIM, admin API,
 * CLI) maps them to its own wire format. Nothing here knows about HTTP.
 */
export class DomainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

/**
 * The change is well formed and unique, but the state it would apply to forbids it (the tenant's
 * identities are managed elsewhere, say). The message says what to do instead.
 */
export class ConflictingStateError extends DomainError {}

/** The thing asked for does not exist in this tenant (or exists only in another one). */
export class NotFoundError extends DomainError {}

/** A uniqueness rule would be broken (slug, userName, token label, …). */
export class ConflictError extends DomainError {
  constructor(message: string, readonly field?: string) {
    super(message)
  }
}

/**
 * Input that breaks a rule of the domain; `field` names the part at fault, `code` (optional) the
 * kind of fault (required, tooShort, tooLong, format, …) so a form can say it in its own words.
 */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly field?: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

/** A paging cursor that this query did not issue (tampered, from another query or tenant). */
export class InvalidCursorError extends ValidationError {
  constructor(message: string) {
    super(message, 'cursor')
  }
}

/** The caller may not do this (wrong identity source, self-protection, missing permission). */
export class ForbiddenError extends DomainError {}

/** The stored version differs from the one the caller based its change on. */
export class PreconditionFailedError extends DomainError {}

/** The credential is missing, malformed, unknown, expired or revoked. */
export class UnauthenticatedError extends DomainError {}

/** Too many failed attempts: refused without looking until `retryAfterSeconds` have passed. */
export class TooManyAttemptsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message)
  }
}

/** The database cannot be reached right now; the caller may retry. */
export class StoreUnavailableError extends DomainError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause })
  }
}

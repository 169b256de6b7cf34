import {
  ConflictError,
  ConflictingStateError,
  ForbiddenError,
  InvalidCursorError,
  NotFoundError,
  PreconditionFailedError,
  StoreUnavailableError,
  TooManyAttemptsError,
  UnauthenticatedError,
  ValidationError,
} from '../domain/kernel/errors.js'

/** An error that already knows its HTTP status (used by the HTTP layer itself, e.g. body limits). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Protocol-specific detail code: SCIM `scimType`, or the problem type's last segment. */
    readonly code?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

export interface ErrorShape {
  status: number
  /** The message to show the client; generic for unexpected errors. */
  detail: string
  code?: string
  field?: string
  headers: Record<string, string>
  /** True when the error is a bug or an outage and belongs in the error log. */
  unexpected: boolean
}

/** Maps anything thrown below the HTTP layer to what the client is told. Never leaks internals. */
export function describeError(err: unknown): ErrorShape {
  const base = { headers: {} as Record<string, string>, unexpected: false }
  if (err instanceof HttpError) return { ...base, status: err.status, detail: err.message, code: err.code, headers: err.headers }
  if (err instanceof InvalidCursorError) return { ...base, status: 400, detail: err.message, field: err.field, code: 'invalidCursor' }
  if (err instanceof ValidationError) return { ...base, status: 400, detail: err.message, field: err.field, code: err.code ?? 'invalidValue' }
  if (err instanceof UnauthenticatedError) return { ...base, status: 401, detail: err.message }
  if (err instanceof TooManyAttemptsError) return { ...base, status: 429, detail: err.message, headers: { 'Retry-After': String(err.retryAfterSeconds) } }
  if (err instanceof ForbiddenError) return { ...base, status: 403, detail: err.message }
  if (err instanceof NotFoundError) return { ...base, status: 404, detail: err.message }
  // E.g. the source-of-truth rule: 409, with the message saying where the change belongs instead.
  if (err instanceof ConflictingStateError) return { ...base, status: 409, detail: err.message }
  if (err instanceof ConflictError) return { ...base, status: 409, detail: err.message, field: err.field, code: 'uniqueness' }
  if (err instanceof PreconditionFailedError) return { ...base, status: 412, detail: err.message }
  if (err instanceof StoreUnavailableError) {
    return { status: 503, detail: 'the database is unavailable; try again shortly', headers: { 'Retry-After': '5' }, unexpected: true }
  }
  // Errors from koa/http-errors that are safe to show (client errors such as a malformed header).
  const e = err as { status?: number; expose?: boolean; message?: string }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return { ...base, status: e.status, detail: e.message ?? 'bad request' }
  }
  return { status: 500, detail: 'internal error', headers: {}, unexpected: true }
}

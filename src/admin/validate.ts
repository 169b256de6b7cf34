import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { isEmailAddress } from '../domain/identity/email.js'

const ajv = new Ajv2020({ useDefaults: true, coerceTypes: false, allErrors: false, strict: true })
ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i)
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)))
// The domain's rule, the one every admin form and the API share (src/domain/identity/email.ts).
ajv.addFormat('email', isEmailAddress)
const compiled = new WeakMap<object, ValidateFunction>()

/**
 * Validates (and fills defaults into) a request value against its schema; the first problem
 * becomes a 400 naming the field at fault.
 */
export function validated<T>(schema: object, value: unknown, where = 'body'): T {
  let check = compiled.get(schema)
  if (!check) compiled.set(schema, (check = ajv.compile(schema)))
  if (check(value)) return value as T
  // Of a field that takes several shapes (anyOf: "generate", a password, null), the fault of the
  // shape the value has (too short) says more than that of the first shape tried (not "generate").
  const errors = check.errors!
  const e = errors.find((x) => !['const', 'type', 'anyOf', 'oneOf', 'enum'].includes(x.keyword)) ?? errors.find((x) => x.keyword === 'anyOf') ?? errors[0]!
  const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : null
  const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : null
  const field = missing ?? extra ?? (e.instancePath.replace(/^\//, '').replace(/\//g, '.') || where)
  const { code, says } = fault(e)
  const message = missing ? `${missing} is required` : extra ? `${extra} is not a field of this request` : `${field} ${says}`
  throw new ValidationError(message, field, code)
}

/**
 * The kind of fault (the problem's `code`, for a form to word in its own terms) and how the API
 * says it, in words rather than ajv's ("must NOT have fewer than 1 characters").
 */
function fault(e: ErrorObject): { code: string; says: string } {
  const limit = (e.params as { limit?: number }).limit
  switch (e.keyword) {
    case 'required':
      return { code: 'required', says: 'is required' }
    case 'additionalProperties':
      return { code: 'unknownField', says: 'is not a field of this request' }
    case 'minLength':
      return { code: limit === 1 ? 'required' : 'tooShort', says: limit === 1 ? 'must not be empty' : `must be at least ${limit} characters long` }
    case 'maxLength':
      return { code: 'tooLong', says: `must be at most ${limit} characters long` }
    case 'maxItems':
      return { code: 'tooMany', says: `may list at most ${limit} items` }
    case 'format':
      return (e.params as { format: string }).format === 'email'
        ? { code: 'format', says: 'must be an email address such as name@example.com' }
        : { code: 'format', says: `must be a ${(e.params as { format: string }).format}` }
    case 'pattern':
      return { code: 'format', says: 'is not in the form this field takes' }
    case 'type':
      return { code: 'invalidValue', says: `must be ${['array', 'object', 'integer'].includes(String((e.params as { type: unknown }).type)) ? 'an' : 'a'} ${String((e.params as { type: unknown }).type).replace(',', ' or ')}` }
    case 'enum':
      return { code: 'invalidValue', says: `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}` }
    case 'anyOf':
      return { code: 'invalidValue', says: 'is none of the values this field takes' }
    default:
      return { code: 'invalidValue', says: e.message ?? 'is invalid' }
  }
}


/** Validates query parameters: they arrive as strings, so a whole-number `limit` is made a number first. */
export function validatedQuery<T>(schema: object, query: Record<string, unknown>): T {
  const raw: Record<string, unknown> = { ...query }
  if (typeof raw.limit === 'string' && /^\d+$/.test(raw.limit)) raw.limit = Number(raw.limit)
  return validated<T>(schema, raw, 'query')
}

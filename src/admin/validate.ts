import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import { ValidationError } from '../domain/kernel/errors.js'

const ajv = new Ajv2020({ useDefaults: true, coerceTypes: false, allErrors: false, strict: true })
ajv.addFormat('uuid', /^[0-9a-f-]{36}$/i)
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)))
const compiled = new WeakMap<object, ValidateFunction>()

/**
 * Validates (and fills defaults into) a request value against its schema; the first problem
 * becomes a 400 naming the field at fault.
 */
export function validated<T>(schema: object, value: unknown, where = 'body'): T {
  let check = compiled.get(schema)
  if (!check) compiled.set(schema, (check = ajv.compile(schema)))
  if (check(value)) return value as T
  const e = check.errors![0]!
  const missing = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : null
  const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : null
  const field = missing ?? extra ?? (e.instancePath.replace(/^\//, '').replace(/\//g, '.') || where)
  const message = missing ? `${missing} is required` : extra ? `${extra} is not a field of this request` : `${field} ${e.message ?? 'is invalid'}`
  throw new ValidationError(message, field)
}

/** Validates query parameters: they arrive as strings, so a whole-number `limit` is made a number first. */
export function validatedQuery<T>(schema: object, query: Record<string, unknown>): T {
  const raw: Record<string, unknown> = { ...query }
  if (typeof raw.limit === 'string' && /^\d+$/.test(raw.limit)) raw.limit = Number(raw.limit)
  return validated<T>(schema, raw, 'query')
}

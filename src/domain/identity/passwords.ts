import { randomBytes } from 'node:crypto'
import argon2 from 'argon2'
import { ValidationError } from '../kernel/errors.js'

/**
 * Password hashing: argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane). The same
 * hash serves the SCIM `password` attribute and local password sign-in. Parameters live in the hash
 * string, so raising them later keeps old hashes verifiable.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const MAX_PASSWORD_LENGTH = 1024

export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new ValidationError('password must be a non-empty string', 'password')
  if (password.length > MAX_PASSWORD_LENGTH) throw new ValidationError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`, 'password')
  return argon2.hash(password, OPTIONS)
}

/** Constant-time verification (argon2's own comparison); false for a malformed hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password)
  } catch {
    return false
  }
}

/** 24 characters from a 64-symbol alphabet: 144 bits, typeable, no look-alike confusion worth a rule. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url')
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { DomainError } from '../kernel/errors.js'

/**
 * Seals secrets Roster must be able to use again (a directory's bind password), as opposed to
 * secrets it only verifies (tokens, passwords: those are hashed). AES-256-GCM with the key from
 * ENCRYPTION_KEY; the sealed text names the key by a short fingerprint, so a wrong key is
 * reported as such instead of as corrupt data, and carries a context (tenant and purpose) as
 * associated data, so a sealed value copied into another tenant's row does not open.
 *
 * Format: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export class SecretKeyError extends DomainError {}

export class SecretBox {
  readonly keyId: string

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new SecretKeyError('the encryption key must be 32 bytes')
    this.keyId = createHash('sha256').update('roster-key-id').update(key).digest('hex').slice(0, 8)
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    cipher.setAAD(Buffer.from(context, 'utf8'))
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return ['v1', this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.')
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split('.')
    if (parts.length !== 5 || parts[0] !== 'v1') throw new SecretKeyError('the stored secret is not in a format this release knows')
    const [, keyId, iv, tag, ct] = parts as [string, string, string, string, string]
    if (keyId !== this.keyId) {
      throw new SecretKeyError(`the stored secret was sealed with another ENCRYPTION_KEY (key id ${keyId}; the configured key is ${this.keyId}): set the key it was sealed with, or set the secret again`)
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
    } catch {
      throw new SecretKeyError('the stored secret does not open with the configured ENCRYPTION_KEY (altered, or sealed for another record)')
    }
  }
}

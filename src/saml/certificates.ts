import { X509Certificate } from 'node:crypto'
import { generate } from 'selfsigned'
import { ValidationError } from '../domain/kernel/errors.js'

/**
 * A certificate as PEM, from PEM or the bare base64 body metadata carries. Refused when it does not
 * parse as X.509 (a truncated paste is caught here, not at the first sign-in).
 */
export function normaliseCertificate(text: string, field: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
  if (!body || !/^[A-Za-z0-9+/]+=*$/.test(body)) throw new ValidationError('not a certificate (expected PEM or base64 DER)', field)
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`
  try {
    new X509Certificate(pem)
  } catch (err) {
    throw new ValidationError(`the certificate does not parse: ${(err as Error).message}`, field)
  }
  return pem
}

export interface CertificateSummary {
  subject: string
  notAfter: string
  fingerprint256: string
  expired: boolean
}

export function describeCertificate(pem: string, now = new Date()): CertificateSummary {
  const c = new X509Certificate(pem)
  return { subject: c.subject.replace(/\n/g, ', '), notAfter: new Date(c.validTo).toISOString(), fingerprint256: c.fingerprint256, expired: new Date(c.validTo) < now }
}

/** A fresh SP signing key and its self-signed certificate (SAML trusts the key, not a CA). */
export async function generateSpKeyPair(commonName: string): Promise<{ privateKeyPem: string; certificatePem: string }> {
  const pair = await generate([{ name: 'commonName', value: commonName.slice(0, 64) }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
  })
  return { privateKeyPem: pair.private, certificatePem: pair.cert }
}

/** Records of sign-in: SAML settings per tenant, sessions, and password-failure counters. */

/** Where the value that names the signing-in user comes from. */
export type SamlIdentifier = 'nameid' | 'email' | 'upn' | 'username'
export const SAML_IDENTIFIERS: readonly SamlIdentifier[] = ['nameid', 'email', 'upn', 'username']

export interface SamlSettings {
  idpEntityId: string
  ssoUrl: string
  sloUrl: string | null
  /** PEM certificates whose keys may sign; several during a rotation. */
  idpCertificates: string[]
  identifier: SamlIdentifier
  /** The SAML attribute to read instead of the identifier's usual names (email, upn, username only). */
  identifierAttribute: string | null
  allowIdpInitiated: boolean
  signRequests: boolean
  jitProvisioning: boolean
  /** Whether the tenant's password form stays open next to SSO. */
  passwordSignIn: boolean
}

export interface StoredSamlConfig {
  tenantId: string
  settings: SamlSettings
  spCertificate: string
  /** The SP signing key, sealed (src/domain/credentials/secrets.ts). */
  sealedSpKey: string
  created: Date
  modified: Date
}

export type SamlRequestKind = 'authn' | 'logout'

export interface SamlRequestRecord {
  tenantId: string
  id: string
  kind: SamlRequestKind
  returnTo: string | null
  /** Hash of the session the browser had when it asked to sign in; the sign-in ends it. */
  replacesSession: Buffer | null
  created: Date
  expires: Date
}

export type SignInMethod = 'saml' | 'password'

export interface SessionRecord {
  /** SHA-256 of the cookie value. */
  idHash: Buffer
  tenantId: string
  userId: string
  method: SignInMethod
  fingerprint: string
  samlNameId: string | null
  samlNameIdFormat: string | null
  samlSessionIndex: string | null
  created: Date
  lastSeen: Date
  /** The absolute end (SESSION_MAX after sign-in). */
  expires: Date
}

export interface LoginFailureRecord {
  failures: number
  windowStart: Date
  lockedUntil: Date | null
}

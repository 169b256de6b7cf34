/**
 * A tenant's SAML settings: the IdP it trusts (entityID, endpoints, certificates), how a signing-in
 * user is identified, and the options. The SP signing key is generated here, once per tenant (or on
 * request); the domain stores it sealed with ENCRYPTION_KEY (src/domain/sign-in/saml-settings.ts).
 */
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { SecretBox } from '../domain/credentials/secrets.js'
import { SAML_IDENTIFIERS, type SamlIdentifier, type SamlSettings, type StoredSamlConfig } from '../domain/sign-in/model.js'
import { saveSamlSettings, type SamlSettingsWrite } from '../domain/sign-in/saml-settings.js'
import { ValidationError } from '../domain/kernel/errors.js'
import { generateSpKeyPair, normaliseCertificate } from './certificates.js'
import { parseIdpMetadata } from './idp-metadata.js'

export interface SamlSettingsInput {
  /** IdP metadata XML; the fields below override what it says. */
  metadataXml?: string
  entityId?: string
  ssoUrl?: string
  /** null removes the SLO endpoint. */
  sloUrl?: string | null
  /** Replace the trusted certificates (with metadata: added to the metadata's). */
  certificates?: string[]
  identifier?: SamlIdentifier
  identifierAttribute?: string | null
  allowIdpInitiated?: boolean
  signRequests?: boolean
  jitProvisioning?: boolean
  passwordSignIn?: boolean
  /** Generate a new SP key pair (the IdP must be given the new SP metadata). */
  rotateSpKey?: boolean
}

const DEFAULTS = { identifier: 'nameid', identifierAttribute: null, allowIdpInitiated: false, signRequests: true, jitProvisioning: false, passwordSignIn: true } as const

function httpUrl(value: string, field: string): string {
  let u: URL
  try {
    u = new URL(value.trim())
  } catch {
    throw new ValidationError(`${field} must be an absolute URL`, field)
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ValidationError(`${field} must be an https:// (or http://) URL`, field)
  return u.href
}

function resolveSettings(tenant: Tenant, before: SamlSettings | null, input: SamlSettingsInput): SamlSettings {
  const meta = input.metadataXml !== undefined ? parseIdpMetadata(input.metadataXml, input.entityId) : null
  const entityId = (input.entityId ?? meta?.entityId ?? before?.idpEntityId)?.trim()
  if (!entityId) throw new ValidationError('the IdP entityID is required: give --metadata or --entity-id', 'entityId')
  if (entityId.length > 1024) throw new ValidationError('the IdP entityID is longer than 1024 characters', 'entityId')
  const ssoUrl = input.ssoUrl ?? meta?.ssoUrl ?? before?.ssoUrl
  if (!ssoUrl) throw new ValidationError('the IdP sign-in URL is required: give --metadata or --sso-url', 'ssoUrl')
  const sloUrl = input.sloUrl !== undefined ? input.sloUrl : meta ? meta.sloUrl : (before?.sloUrl ?? null)
  const given = input.certificates?.map((c, i) => normaliseCertificate(c, `certificates[${i}]`))
  const certificates = meta ? [...new Set([...meta.certificates, ...(given ?? [])])] : (given ?? before?.idpCertificates ?? [])
  if (!certificates.length) throw new ValidationError('at least one IdP signing certificate is required: give --metadata or --cert-file', 'certificates')

  const identifier = input.identifier ?? before?.identifier ?? DEFAULTS.identifier
  if (!SAML_IDENTIFIERS.includes(identifier)) throw new ValidationError(`identifier must be one of ${SAML_IDENTIFIERS.join(', ')}`, 'identifier')
  // An attribute name belongs to the identifier it was given with: changing the identifier drops it.
  const keep = before && before.identifier === identifier ? before.identifierAttribute : null
  let identifierAttribute = input.identifierAttribute !== undefined ? input.identifierAttribute : keep
  if (identifier === 'nameid') identifierAttribute = null
  else if (identifierAttribute !== null && !identifierAttribute.trim()) identifierAttribute = null

  const jitProvisioning = input.jitProvisioning ?? before?.jitProvisioning ?? DEFAULTS.jitProvisioning
  if (jitProvisioning && tenant.source !== 'local') {
    throw new ValidationError(
      `just-in-time creation is only possible for tenants Roster manages itself; ${tenant.slug} is managed by ${tenant.source === 'ldap' ? 'its directory' : 'its identity provider over SCIM'}`,
      'jitProvisioning',
    )
  }
  return {
    idpEntityId: entityId,
    ssoUrl: httpUrl(ssoUrl, 'ssoUrl'),
    sloUrl: sloUrl ? httpUrl(sloUrl, 'sloUrl') : null,
    idpCertificates: certificates,
    identifier,
    identifierAttribute,
    allowIdpInitiated: input.allowIdpInitiated ?? before?.allowIdpInitiated ?? DEFAULTS.allowIdpInitiated,
    signRequests: input.signRequests ?? before?.signRequests ?? DEFAULTS.signRequests,
    jitProvisioning,
    passwordSignIn: input.passwordSignIn ?? before?.passwordSignIn ?? DEFAULTS.passwordSignIn,
  }
}

/**
 * Creates or changes the tenant's SAML settings: resolves what the admin gave (metadata, overrides)
 * against what is stored, generates the SP key pair when there is none or a rotation is asked for,
 * and hands the write to the domain (one audited transaction).
 */
export async function setSamlSettings(
  store: Store,
  box: SecretBox,
  ctx: SamlSettingsWrite,
  input: SamlSettingsInput,
): Promise<StoredSamlConfig> {
  const existing = await store.samlConfigs.get(ctx.tenant.id)
  const settings = resolveSettings(ctx.tenant, existing?.settings ?? null, input)
  const newKey = !existing || input.rotateSpKey ? await generateSpKeyPair(`Roster SP ${ctx.tenant.slug}`) : null
  return saveSamlSettings(store, box, ctx, existing, settings, newKey)
}


import { SAML, ValidateInResponseTo, type CacheItem, type CacheProvider } from '@node-saml/node-saml'
import type { Store } from '../domain/store.js'
import type { SamlRequestKind, StoredSamlConfig } from '../domain/sign-in/model.js'
import type { Clock } from '../domain/sign-in/sessions.js'

/** Roster's SAML endpoints for one tenant, all under PUBLIC_URL (never the request's Host). */
export interface SpEndpoints {
  /** Our entityID: the metadata URL, as most IdPs expect. */
  entityId: string
  metadataUrl: string
  loginUrl: string
  acsUrl: string
  sloUrl: string
}

export function spEndpoints(publicUrl: string, slug: string): SpEndpoints {
  const base = `${publicUrl}/saml/${slug}`
  return { entityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, loginUrl: `${base}/login`, acsUrl: `${base}/acs`, sloUrl: `${base}/slo` }
}

/** How long an AuthnRequest or LogoutRequest we sent can be answered. */
export const REQUEST_TTL_MS = 10 * 60_000

/**
 * node-saml's request-id cache, kept in the database (one Roster process sends the request, another
 * may receive the answer) and scoped to the tenant: an id issued for another tenant is unknown here.
 * Removal is left to `consumeRequest`, which deletes atomically after every other check passed.
 */
export class StoredRequests implements CacheProvider {
  constructor(
    private readonly store: Store,
    private readonly tenantId: string,
    private readonly kind: SamlRequestKind,
    private readonly clock: Clock,
    private readonly returnTo: string | null = null,
    private readonly replacesSession: Buffer | null = null,
  ) {}

  async saveAsync(id: string, value: string): Promise<CacheItem> {
    const created = this.clock.now()
    await this.store.samlRequests.save({
      tenantId: this.tenantId,
      id,
      kind: this.kind,
      returnTo: this.returnTo,
      replacesSession: this.replacesSession,
      created,
      expires: new Date(created.getTime() + REQUEST_TTL_MS),
    })
    return { value, createdAt: created.getTime() }
  }

  async getAsync(id: string): Promise<string | null> {
    const found = await this.store.samlRequests.find(this.tenantId, id, this.kind, this.clock.now())
    return found ? found.created.toISOString() : null
  }

  async removeAsync(): Promise<string | null> {
    return null
  }
}

export interface ClientOptions {
  config: StoredSamlConfig
  endpoints: SpEndpoints
  /** The SP key in the clear; null when requests go unsigned. */
  spKey: string | null
  clockSkewMs: number
  requests: CacheProvider
  /** The Response carries its own signature: then it must verify too. */
  responseSigned?: boolean
}

/**
 * A node-saml client configured strictly: the assertion must be signed by one of the tenant's IdP
 * certificates (the Response may be unsigned — common and valid),
 * audience = our entityID, InResponseTo always required unless the tenant allows IdP-initiated
 * sign-in. node-saml ignores a Response signature that does not verify when the assertion's does,
 * so a Response that carries one is validated with the Response signature required. What
 * node-saml leaves out is checked in login-response.ts.
 */
export function samlClient(o: ClientOptions): SAML {
  const s = o.config.settings
  return new SAML({
    issuer: o.endpoints.entityId,
    audience: o.endpoints.entityId,
    callbackUrl: o.endpoints.acsUrl,
    logoutCallbackUrl: o.endpoints.sloUrl,
    entryPoint: s.ssoUrl,
    logoutUrl: s.sloUrl ?? s.ssoUrl,
    idpIssuer: s.idpEntityId,
    idpCert: s.idpCertificates,
    privateKey: o.spKey ?? undefined,
    publicCert: o.config.spCertificate,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: o.responseSigned === true,
    acceptedClockSkewMs: o.clockSkewMs,
    validateInResponseTo: s.allowIdpInitiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_TTL_MS,
    cacheProvider: o.requests,
    // Asking for a NameID format or an authentication context makes some IdPs refuse (Entra ID
    // with MFA, ADFS with Windows authentication); the IdP's configuration for us decides both.
    identifierFormat: null,
    disableRequestedAuthnContext: true,
  })
}

const xmlAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
const certBody = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '')

/**
 * Our SP metadata (SAML metadata §2.4.4): entityID, the signing certificate, ACS (POST) and SLO
 * (Redirect and POST). node-saml's generator omits the certificate when it is not given the private
 * key and offers SLO over POST only, so the document is written here; it is small and fixed.
 */
export function spMetadataXml(config: StoredSamlConfig, endpoints: SpEndpoints): string {
  const binding = (b: string) => `urn:oasis:names:tc:SAML:2.0:bindings:${b}`
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${xmlAttr(endpoints.entityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="${config.settings.signRequests}" WantAssertionsSigned="true">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(config.spCertificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="${binding('HTTP-Redirect')}" Location="${xmlAttr(endpoints.sloUrl)}"/>
    <md:SingleLogoutService Binding="${binding('HTTP-POST')}" Location="${xmlAttr(endpoints.sloUrl)}"/>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService Binding="${binding('HTTP-POST')}" Location="${xmlAttr(endpoints.acsUrl)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`
}

import { DOMParser } from '@xmldom/xmldom'
import type { Profile } from '@node-saml/node-saml'
import type { Store } from '../domain/store.js'
import type { Tenant } from '../domain/tenancy/model.js'
import type { SamlSettings, StoredSamlConfig } from '../domain/sign-in/model.js'
import type { Clock } from '../domain/sign-in/sessions.js'
import type { AssertedIdentity } from '../domain/sign-in/sign-in.js'
import { samlClient, StoredRequests, type SpEndpoints } from './service-provider.js'

/** A response that fails a check; `detail` names the check, for the logs and the audit. */
export class SamlRejected extends Error {
  constructor(readonly detail: string) {
    super(detail)
    this.name = 'SamlRejected'
  }
}

export interface AcceptedLogin {
  nameId: string
  nameIdFormat: string | null
  sessionIndex: string | null
  /** The value that identifies the user, per the tenant's `identifier` setting. */
  identifier: string
  identity: AssertedIdentity
  /** The returnTo of the AuthnRequest this answers; null for IdP-initiated sign-in. */
  returnTo: string | null
  /** The session the browser had when it asked to sign in (its cookie does not come with the IdP's POST). */
  replacesSession: Buffer | null
  solicited: boolean
}

export interface LoginResponseContext {
  store: Store
  tenant: Tenant
  config: StoredSamlConfig
  endpoints: SpEndpoints
  clockSkewMs: number
  clock: Clock
}

type XmlJs = Record<string, unknown> & { $?: Record<string, string>; _?: string }
const children = (node: XmlJs | undefined, name: string): XmlJs[] => (node && Array.isArray(node[name]) ? (node[name] as XmlJs[]) : [])
const textOf = (node: XmlJs | undefined): string | null => (node ? (typeof node === 'string' ? node : (node._ ?? null)) : null)

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'

/**
 * Validates a POSTed SAMLResponse for the tenant and consumes what makes it single-use. node-saml
 * checks signatures (rejecting wrapped ones), audience, validity times and that InResponseTo names
 * a request we issued; this adds what it leaves to us (../shared/SAML-NOTES.md): the assertion
 * Issuer is the tenant's IdP, Destination and Recipient are our ACS, the bearer confirmation has
 * not expired, the assertion id was never accepted before, and the request it answers is consumed
 * atomically (of two concurrent posts of one response, one wins).
 */
export async function acceptLoginResponse(c: LoginResponseContext, samlResponse: string): Promise<AcceptedLogin> {
  if (!samlResponse || !/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) throw new SamlRejected('SAMLResponse is missing or not base64')
  const settings = c.config.settings
  const client = samlClient({
    config: c.config,
    endpoints: c.endpoints,
    spKey: null,
    clockSkewMs: c.clockSkewMs,
    requests: new StoredRequests(c.store, c.tenant.id, 'authn', c.clock),
    responseSigned: hasResponseSignature(samlResponse),
  })
  let profile: Profile | null
  try {
    ;({ profile } = await client.validatePostResponseAsync({ SAMLResponse: samlResponse }))
  } catch (err) {
    throw new SamlRejected((err as Error).message)
  }
  if (!profile?.getAssertion || !profile.getSamlResponseXml) throw new SamlRejected('the response carries no assertion')

  const assertion = (profile.getAssertion() as { Assertion: XmlJs }).Assertion
  const assertionId = assertion.$?.ID
  if (!assertionId) throw new SamlRejected('the assertion has no ID')
  const issuer = textOf(children(assertion, 'Issuer')[0])
  if (issuer !== settings.idpEntityId) throw new SamlRejected(`assertion issuer "${issuer ?? ''}" is not the tenant's IdP "${settings.idpEntityId}"`)

  const response = new DOMParser().parseFromString(profile.getSamlResponseXml(), 'text/xml').documentElement
  const destination = response?.getAttribute('Destination') || null
  if (destination !== null && destination !== c.endpoints.acsUrl) throw new SamlRejected(`Destination "${destination}" is not our ACS ${c.endpoints.acsUrl}`)
  const responseIssuer = response ? Array.from(response.childNodes).find((n) => (n as { localName?: string }).localName === 'Issuer')?.textContent?.trim() : undefined
  if (responseIssuer !== undefined && responseIssuer !== settings.idpEntityId) throw new SamlRejected(`response issuer "${responseIssuer}" is not the tenant's IdP`)
  const inResponseTo = response?.getAttribute('InResponseTo') || null

  const now = c.clock.now().getTime()
  const confirmations = children(children(assertion, 'Subject')[0], 'SubjectConfirmation')
    .filter((sc) => sc.$?.Method === BEARER)
    .map((sc) => children(sc, 'SubjectConfirmationData')[0]?.$ ?? {})
  if (!confirmations.length) throw new SamlRejected('the assertion has no bearer SubjectConfirmation')
  const usable = confirmations.filter((d) => d.Recipient === c.endpoints.acsUrl)
  if (!usable.length) throw new SamlRejected(`no SubjectConfirmationData Recipient is our ACS ${c.endpoints.acsUrl} (got ${confirmations.map((d) => d.Recipient ?? 'none').join(', ')})`)
  const confirmation = usable.find((d) => d.NotOnOrAfter && Date.parse(d.NotOnOrAfter) + c.clockSkewMs > now)
  if (!confirmation) throw new SamlRejected('the bearer SubjectConfirmationData has no NotOnOrAfter or it has passed')
  if ((confirmation.InResponseTo ?? null) !== inResponseTo) throw new SamlRejected('SubjectConfirmationData InResponseTo differs from the Response InResponseTo')

  const conditions = children(assertion, 'Conditions')[0]?.$ ?? {}
  const lastValid = Math.max(Date.parse(confirmation.NotOnOrAfter!), conditions.NotOnOrAfter ? Date.parse(conditions.NotOnOrAfter) : 0)
  let returnTo: string | null = null
  let replacesSession: Buffer | null = null
  await c.store.transaction(async (tx) => {
    if (!(await tx.samlAssertions.consumeOnce(c.tenant.id, assertionId, new Date(lastValid + c.clockSkewMs)))) {
      throw new SamlRejected(`assertion ${assertionId} was already used (replay)`)
    }
    if (inResponseTo) {
      const request = await tx.samlRequests.consume(c.tenant.id, inResponseTo, 'authn', c.clock.now())
      if (!request) throw new SamlRejected(`InResponseTo ${inResponseTo} names no open request of this tenant (already answered or expired)`)
      returnTo = request.returnTo
      replacesSession = request.replacesSession
    }
  })

  if (!profile.nameID) throw new SamlRejected('the assertion has no NameID')
  const identifier = identifierOf(settings, profile)
  if (!identifier) throw new SamlRejected(`the assertion has no ${settings.identifierAttribute ?? settings.identifier} attribute to identify the user`)
  return {
    nameId: profile.nameID,
    nameIdFormat: profile.nameIDFormat ?? null,
    sessionIndex: profile.sessionIndex ?? null,
    identifier,
    identity: {
      userName: identifier,
      email: firstAttribute(profile, EMAIL_NAMES) ?? (profile.nameIDFormat?.endsWith(':emailAddress') ? profile.nameID : null),
      givenName: firstAttribute(profile, GIVEN_NAMES),
      familyName: firstAttribute(profile, FAMILY_NAMES),
      displayName: firstAttribute(profile, DISPLAY_NAMES),
    },
    returnTo,
    replacesSession,
    solicited: inResponseTo !== null,
  }
}

const DSIG = 'http://www.w3.org/2000/09/xmldsig#'

/** Whether the Response element itself (not only its assertion) carries a signature. */
function hasResponseSignature(samlResponse: string): boolean {
  let root
  try {
    root = new DOMParser({ onError: () => undefined }).parseFromString(Buffer.from(samlResponse, 'base64').toString('utf8'), 'text/xml').documentElement
  } catch {
    return false // not XML: node-saml refuses it with a message of its own
  }
  return !!root && Array.from(root.childNodes).some((n) => (n as { localName?: string; namespaceURI?: string }).localName === 'Signature' && (n as { namespaceURI?: string }).namespaceURI === DSIG)
}

// The names IdPs use for each value: plain (SimpleSAMLphp, Okta), OID (LDAP-style, Shibboleth) and
// the WS-Federation claim URIs (Entra ID, ADFS).
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims'
const EMAIL_NAMES = ['email', 'mail', 'emailAddress', 'urn:oid:0.9.2342.19200300.100.1.3', `${CLAIMS}/emailaddress`]
// Entra ID sends the UPN as the `name` claim by default.
const UPN_NAMES = ['upn', 'userPrincipalName', `${CLAIMS}/upn`, 'http://schemas.microsoft.com/identity/claims/userprincipalname', `${CLAIMS}/name`]
const USERNAME_NAMES = ['userName', 'username', 'uid', 'urn:oid:0.9.2342.19200300.100.1.1', `${CLAIMS}/name`]
const GIVEN_NAMES = ['givenName', 'firstName', 'urn:oid:2.5.4.42', `${CLAIMS}/givenname`]
const FAMILY_NAMES = ['sn', 'surname', 'lastName', 'familyName', 'urn:oid:2.5.4.4', `${CLAIMS}/surname`]
const DISPLAY_NAMES = ['displayName', 'cn', 'urn:oid:2.16.840.1.113730.3.1.241', 'http://schemas.microsoft.com/identity/claims/displayname']

/** The first single string value among these attribute names (attributes only, never NameID fields). */
function firstAttribute(profile: Profile, names: string[]): string | null {
  const attributes = (profile.attributes ?? {}) as Record<string, unknown>
  for (const name of names) {
    const v = attributes[name]
    const value = Array.isArray(v) ? v[0] : v
    if (typeof value === 'string' && value.trim()) return value.trim()
  }
  return null
}

function identifierOf(settings: SamlSettings, profile: Profile): string | null {
  if (settings.identifier === 'nameid') return profile.nameID?.trim() || null
  if (settings.identifierAttribute) return firstAttribute(profile, [settings.identifierAttribute])
  return firstAttribute(profile, settings.identifier === 'email' ? EMAIL_NAMES : settings.identifier === 'upn' ? UPN_NAMES : USERNAME_NAMES)
}

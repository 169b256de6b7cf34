import { inflateRawSync } from 'node:zlib'
import { DOMParser } from '@xmldom/xmldom'
import type { ParsedQs } from 'qs'
import type { Profile } from '@node-saml/node-saml'
import type { SessionRecord } from '../domain/sign-in/model.js'
import { samlClient, StoredRequests } from './service-provider.js'
import { SamlRejected, type LoginResponseContext } from './login-response.js'

export interface SloContext extends LoginResponseContext {
  /** The SP key in the clear (signs our LogoutRequests and LogoutResponses); null: unsigned. */
  spKey: string | null
}

/** A message that arrived at /saml/<slug>/slo, in either binding. */
export interface SloMessage {
  binding: 'redirect' | 'post'
  params: Record<string, string>
  /** The raw query string (the Redirect binding's signature covers it as sent). */
  rawQuery: string
}

export type SloOutcome =
  | { kind: 'logout-request'; nameId: string; sessionIndex: string | null; profile: Profile; relayState: string | null }
  | { kind: 'logout-response'; returnTo: string | null }

const client = (c: SloContext, returnTo: string | null = null) =>
  samlClient({ config: c.config, endpoints: c.endpoints, spKey: c.spKey, clockSkewMs: c.clockSkewMs, requests: new StoredRequests(c.store, c.tenant.id, 'logout', c.clock, returnTo) })

/**
 * Validates a Single Logout message from the tenant's IdP. Both kinds must be signed: node-saml
 * accepts a Redirect-binding message without a Signature parameter, which would let anyone end
 * anyone's sessions, so the parameter is required here first.
 */
export async function acceptSloMessage(c: SloContext, message: SloMessage): Promise<SloOutcome> {
  const p = message.params
  const isRequest = typeof p.SAMLRequest === 'string'
  if (!isRequest && typeof p.SAMLResponse !== 'string') throw new SamlRejected('neither SAMLRequest nor SAMLResponse was sent')
  if (message.binding === 'redirect' && (!p.Signature || !p.SigAlg)) throw new SamlRejected('unsigned Single Logout message (Redirect binding without Signature)')
  const saml = client(c)
  let result: { profile: Profile | null; loggedOut: boolean }
  try {
    if (message.binding === 'redirect') result = await saml.validateRedirectAsync(p as ParsedQs, message.rawQuery)
    else if (isRequest) result = await saml.validatePostRequestAsync({ SAMLRequest: p.SAMLRequest! })
    else result = await saml.validatePostResponseAsync({ SAMLResponse: p.SAMLResponse! })
  } catch (err) {
    throw new SamlRejected((err as Error).message)
  }
  if (isRequest) {
    const profile = result.profile
    if (!profile?.nameID) throw new SamlRejected('LogoutRequest without NameID')
    const sessionIndex = typeof profile.sessionIndex === 'string' ? profile.sessionIndex : null
    return { kind: 'logout-request', nameId: profile.nameID, sessionIndex, profile, relayState: p.RelayState ?? null }
  }
  if (!result.loggedOut) throw new SamlRejected('the LogoutResponse does not report success')
  const inResponseTo = new DOMParser().parseFromString(decodeMessage(message, p.SAMLResponse!), 'text/xml').documentElement?.getAttribute('InResponseTo')
  if (!inResponseTo) throw new SamlRejected('LogoutResponse without InResponseTo')
  const request = await c.store.samlRequests.consume(c.tenant.id, inResponseTo, 'logout', c.clock.now())
  if (!request) throw new SamlRejected(`LogoutResponse answers no open LogoutRequest of this tenant (${inResponseTo})`)
  return { kind: 'logout-response', returnTo: request.returnTo }
}

/** The XML of a message that already passed validation (to read its InResponseTo). */
function decodeMessage(message: SloMessage, value: string): string {
  const raw = Buffer.from(value, 'base64')
  return (message.binding === 'post' ? raw : inflateRawSync(raw)).toString('utf8')
}

/** The URL that answers an IdP's LogoutRequest with a (signed) LogoutResponse. */
export function logoutResponseUrl(c: SloContext, outcome: Extract<SloOutcome, { kind: 'logout-request' }>): Promise<string> {
  return client(c).getLogoutResponseUrlAsync(outcome.profile, outcome.relayState ?? '', {}, true)
}

/** SP-initiated Single Logout: the URL of a (signed) LogoutRequest for the session's IdP session. */
export function logoutRequestUrl(c: SloContext, session: SessionRecord, returnTo: string): Promise<string> {
  const profile: Profile = {
    issuer: c.config.settings.idpEntityId,
    nameID: session.samlNameId!,
    nameIDFormat: session.samlNameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    ...(session.samlSessionIndex ? { sessionIndex: session.samlSessionIndex } : {}),
  }
  return client(c, returnTo).getLogoutUrlAsync(profile, returnTo, {})
}

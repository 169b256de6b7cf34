import { DOMParser, type Document, type Element } from '@xmldom/xmldom'
import xpath from 'xpath'
import { ValidationError } from '../domain/kernel/errors.js'
import { normaliseCertificate } from './certificates.js'

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata'
const DS = 'http://www.w3.org/2000/09/xmldsig#'
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'

const select = xpath.useNamespaces({ md: MD, ds: DS })
// xpath is typed against the browser DOM; xmldom's nodes are what it actually walks.
const elements = (expr: string, node: unknown): Element[] => select(expr, node as Node) as unknown as Element[]

export interface IdpMetadata {
  entityId: string
  /** HTTP-Redirect SingleSignOnService: where AuthnRequests go. */
  ssoUrl: string
  sloUrl: string | null
  certificates: string[]
}

/**
 * Reads what a service provider needs from an IdP's metadata (SAML metadata §2.4.3): its entityID,
 * the Redirect-binding SSO and SLO endpoints, and every signing certificate (KeyDescriptors with
 * use="signing" or without `use`; several during a rotation). An aggregate with several IdPs needs
 * `entityId` to pick one.
 */
export function parseIdpMetadata(xml: string, entityId?: string): IdpMetadata {
  const problems: string[] = []
  let doc: Document
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problems.push(message)
      },
    }).parseFromString(xml, 'text/xml')
  } catch (err) {
    // xmldom throws on fatal errors (an unclosed tag) after reporting them.
    throw new ValidationError(`metadata is not well-formed XML: ${problems[0] ?? (err as Error).message}`, 'metadata')
  }
  if (problems.length || !doc.documentElement) throw new ValidationError(`metadata is not well-formed XML: ${problems[0] ?? 'empty document'}`, 'metadata')
  if (doc.doctype) throw new ValidationError('metadata must not contain a DOCTYPE', 'metadata')

  const entities = elements('//md:EntityDescriptor[md:IDPSSODescriptor]', doc).filter(
    (e) => !entityId || e.getAttribute('entityID') === entityId,
  )
  if (entities.length === 0) {
    throw new ValidationError(entityId ? `metadata has no identity provider with entityID "${entityId}"` : 'metadata describes no identity provider (no EntityDescriptor with an IDPSSODescriptor)', 'metadata')
  }
  if (entities.length > 1) {
    const ids = entities.map((e) => e.getAttribute('entityID')).join(', ')
    throw new ValidationError(`metadata describes several identity providers (${ids}): choose one with --entity-id`, 'metadata')
  }
  const entity = entities[0]!
  const idp = elements('md:IDPSSODescriptor', entity)[0]!
  const endpoint = (element: string): string | null => {
    const el = elements(`md:${element}[@Binding='${REDIRECT}']`, idp)[0]
    return el?.getAttribute('Location')?.trim() || null
  }
  const ssoUrl = endpoint('SingleSignOnService')
  if (!ssoUrl) throw new ValidationError('the identity provider has no SingleSignOnService with the HTTP-Redirect binding', 'metadata')
  const certificates = elements("md:KeyDescriptor[not(@use) or @use='signing']/ds:KeyInfo/ds:X509Data/ds:X509Certificate", idp).map((c) =>
    normaliseCertificate(c.textContent ?? '', 'metadata'),
  )
  if (!certificates.length) throw new ValidationError('the identity provider publishes no signing certificate (KeyDescriptor use="signing")', 'metadata')
  return { entityId: entity.getAttribute('entityID') ?? '', ssoUrl, sloUrl: endpoint('SingleLogoutService'), certificates: [...new Set(certificates)] }
}

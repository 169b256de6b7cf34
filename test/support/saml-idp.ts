// An in-process SAML identity provider for tests: signs login responses (valid ones and the hostile
// variants an attacker would send), IdP-initiated logout messages, and decodes what the SP redirects
// to it. Metadata and logout messages come from samlify; login responses are built from a string
// template and signed with xml-crypto directly, because samlify's response builder is async, ties
// signing choices to SP metadata and cannot leave everything unsigned.
import { execFileSync } from 'node:child_process'
import { randomBytes, verify } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inflateRawSync } from 'node:zlib'
import { DOMParser, XMLSerializer, type Document, type Element, type Text } from '@xmldom/xmldom'
import * as samlify from 'samlify'
import type { IdentityProviderInstance, ServiceProviderInstance } from 'samlify'
import { SignedXml } from 'xml-crypto'

/**
 * samlify's SamlLib is a getter export Node's CommonJS detection does not see: loaded as an ES
 * module (as mocha does when any module in the graph needs it) it is only on the default export.
 */
function samlLib(): typeof samlify.SamlLib {
  const m = samlify as unknown as { SamlLib?: typeof samlify.SamlLib; default?: { SamlLib?: typeof samlify.SamlLib } }
  return (m.SamlLib ?? m.default?.SamlLib)!
}

const NS_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol'
const NS_ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion'
const NS_DSIG = 'http://www.w3.org/2000/09/xmldsig#'
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'

const RESPONSE_XPATH = "/*[local-name(.)='Response']"
const ASSERTION_XPATH = `${RESPONSE_XPATH}/*[local-name(.)='Assertion']`

/** Redirect-binding SigAlg URIs and the hash node:crypto verifies them with. */
const REDIRECT_SIG_ALGS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
  [RSA_SHA256]: 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'sha512',
}

export interface KeyPair {
  privateKeyPem: string
  certPem: string
}

const keyPairs = new Map<string, KeyPair>()

/** RSA-2048 key + self-signed X.509 cert from openssl, cached per CN for the life of the process. */
export function generateKeyPair(commonName: string): KeyPair {
  const cached = keyPairs.get(commonName)
  if (cached) return cached
  // '/', '=' and '+' have a meaning of their own in openssl's -subj syntax.
  if (!/^[\w .@-]+$/.test(commonName)) throw new Error(`generateKeyPair: unsupported CN ${JSON.stringify(commonName)}`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roster-saml-idp-'))
  try {
    const keyFile = path.join(dir, 'key.pem')
    const certFile = path.join(dir, 'cert.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365', '-subj', `/CN=${commonName}`, '-keyout', keyFile, '-out', certFile], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const pair = Object.freeze({ privateKeyPem: fs.readFileSync(keyFile, 'utf8'), certPem: fs.readFileSync(certFile, 'utf8') })
    keyPairs.set(commonName, pair)
    return pair
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export interface LoginResponseOptions {
  /** Goes in AudienceRestriction/Audience. */
  spEntityId: string
  /** Response@Destination and SubjectConfirmationData@Recipient. */
  acsUrl: string
  /** Response@InResponseTo and SubjectConfirmationData@InResponseTo; null/undefined = unsolicited (both omitted). */
  inResponseTo?: string | null
  nameId: string
  /** Default urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress. */
  nameIdFormat?: string
  attributes?: Record<string, string | string[]>
  /** AuthnStatement@SessionIndex (default a random id). */
  sessionIndex?: string
  /** IssueInstant and AuthnInstant, and the base of the defaults below (default new Date()). */
  now?: Date
  /** Conditions@NotBefore (default now - 1 min). */
  notBefore?: Date
  /** Conditions@NotOnOrAfter (default now + 5 min). */
  notOnOrAfter?: Date
  /** SubjectConfirmationData@NotOnOrAfter (default now + 5 min). */
  subjectNotOnOrAfter?: Date
  /** Response and Assertion Issuer (default the IdP's entityId). */
  issuer?: string
  /** Overrides Response@Destination (null = omit). */
  destination?: string | null
  /** Overrides SubjectConfirmationData@Recipient (null = omit). */
  recipient?: string | null
  /** Overrides the Audience (default spEntityId). */
  audience?: string
  assertionId?: string
  responseId?: string
  /** Default true. */
  signAssertion?: boolean
  /** Default false: real IdPs often sign only the assertion. */
  signResponse?: boolean
  /** Default the IdP's own keys; another pair plays an attacker's key. */
  signWith?: KeyPair
}

/**
 * XML signature wrapping variants, all made from a valid response whose assertion is signed. The evil
 * assertion is a copy of the signed one with a fresh ID, no signature and the attacker's NameID.
 * - 'moved-signed-assertion': the signed assertion moves, signature intact, into a new
 *   samlp:Extensions of the Response; the evil assertion takes its place.
 * - 'signature-moved-to-evil-assertion': the evil assertion takes the original's place and carries
 *   the original ds:Signature, which now holds the original assertion in a ds:Object; the signature
 *   still verifies for anyone who resolves its Reference without checking where it points.
 * - 'second-unsigned-assertion' / 'second-unsigned-assertion-after': the evil assertion is added
 *   before / after the signed one.
 */
export type WrapVariant = 'moved-signed-assertion' | 'signature-moved-to-evil-assertion' | 'second-unsigned-assertion' | 'second-unsigned-assertion-after'

export interface LogoutRequestOptions {
  spEntityId: string
  /** The SP's SingleLogoutService URL: LogoutRequest@Destination and where the redirect goes. */
  sloUrl: string
  nameId: string
  nameIdFormat?: string
  sessionIndex?: string
  relayState?: string
  signWith?: KeyPair
}

export interface ParsedRedirect {
  id: string
  issuer: string
  destination: string | null
  /** AuthnRequest@AssertionConsumerServiceURL. */
  acsUrl: string | null
  relayState: string | null
  /** A Signature parameter is present. */
  signed: boolean
  /** null without spCertPem; otherwise whether SigAlg+Signature verify over the raw query (false when unsigned). */
  signatureValid: boolean | null
  xml: string
}

export class TestIdp {
  readonly entityId: string
  readonly keys: KeyPair
  readonly ssoUrl: string
  readonly sloUrl: string
  readonly #entities = new Map<KeyPair, IdentityProviderInstance>()

  constructor(opts: { entityId: string; keys: KeyPair; ssoUrl: string; sloUrl: string }) {
    this.entityId = opts.entityId
    this.keys = opts.keys
    this.ssoUrl = opts.ssoUrl
    this.sloUrl = opts.sloUrl
  }

  /** EntityDescriptor/IDPSSODescriptor: signing KeyDescriptor, SSO and SLO services (Redirect and POST), NameIDFormat. */
  metadataXml(): string {
    return this.#entity(this.keys).getMetadata()
  }

  /** A base64 SAMLResponse for the POST binding. */
  loginResponse(o: LoginResponseOptions): string {
    return toBase64(this.#signedResponseXml(o))
  }

  /** XML signature wrapping (see WrapVariant) of a valid base64 response whose assertion is signed. */
  wrapSignature(validResponse: string, variant: WrapVariant, evilNameId: string): string {
    const doc = parseXml(fromBase64(validResponse))
    const response = rootElement(doc, 'Response')
    const signed = onlyChild(response, 'Assertion')
    const signature = onlyChild(signed, 'Signature')
    const evil = signed.cloneNode(true) as Element
    evil.removeChild(onlyChild(evil, 'Signature'))
    evil.setAttribute('ID', newId())
    setText(doc, onlyChild(onlyChild(evil, 'Subject'), 'NameID'), evilNameId)
    switch (variant) {
      case 'moved-signed-assertion': {
        const extensions = doc.createElementNS(NS_PROTOCOL, qualified(response.prefix, 'Extensions'))
        response.insertBefore(extensions, onlyChild(response, 'Status'))
        response.replaceChild(evil, signed)
        extensions.appendChild(signed)
        break
      }
      case 'signature-moved-to-evil-assertion': {
        signed.removeChild(signature)
        evil.insertBefore(signature, onlyChild(evil, 'Issuer').nextSibling)
        const object = doc.createElementNS(NS_DSIG, qualified(signature.prefix, 'Object'))
        signature.appendChild(object)
        response.replaceChild(evil, signed)
        object.appendChild(signed)
        break
      }
      case 'second-unsigned-assertion':
        response.insertBefore(evil, signed)
        break
      case 'second-unsigned-assertion-after':
        response.insertBefore(evil, signed.nextSibling)
        break
    }
    return toBase64(serializeXml(doc))
  }

  /**
   * Comment injection (CVE-2017-11427 class): signs a response for `o.nameId`, then puts `<!---->` at
   * offset `at` of the NameID text. Exclusive c14n drops comments, so the signature stays valid and
   * a parser that reads only the first text node sees the prefix.
   */
  commentInjection(o: LoginResponseOptions, at: number): string {
    const doc = parseXml(this.#signedResponseXml(o))
    const nameId = onlyChild(onlyChild(onlyChild(rootElement(doc, 'Response'), 'Assertion'), 'Subject'), 'NameID')
    const text = nameId.firstChild
    if (!text || text.nodeType !== text.TEXT_NODE || text.nextSibling) throw new Error('commentInjection: NameID must hold a single text node')
    if (!Number.isInteger(at) || at <= 0 || at >= o.nameId.length) throw new RangeError(`commentInjection: at must fall inside the NameID (1..${o.nameId.length - 1})`)
    nameId.insertBefore(doc.createComment(''), (text as Text).splitText(at))
    return toBase64(serializeXml(doc))
  }

  /** Replaces every occurrence of `from` (matched against the raw XML text) after signing. */
  tamper(validResponse: string, from: string, to: string): string {
    const xml = fromBase64(validResponse)
    if (!xml.includes(from)) throw new Error(`tamper: ${JSON.stringify(from)} does not occur in the response`)
    return toBase64(xml.replaceAll(from, to))
  }

  /**
   * An IdP-initiated LogoutRequest, as a query for the HTTP-Redirect binding (signed per SAML bindings
   * §3.4.4.1) and as a body for HTTP-POST (enveloped signature); both carry the same ID.
   */
  logoutRequest(o: LogoutRequestOptions): { query: string; postBody: { SAMLRequest: string; RelayState?: string }; id: string } {
    const idp = this.#entity(o.signWith ?? this.keys)
    const sp = logoutTarget(o.spEntityId, o.sloUrl)
    const id = newId()
    const tags = {
      ID: id,
      Destination: o.sloUrl,
      Issuer: this.entityId,
      IssueInstant: new Date().toISOString(),
      NameIDFormat: o.nameIdFormat ?? EMAIL_FORMAT,
      NameID: o.nameId,
      SessionIndex: o.sessionIndex,
    }
    // The callback fixes ID and NameID format, which samlify otherwise draws per call from entity settings.
    const options = { relayState: o.relayState, customTagReplacement: (template: string) => ({ id, context: samlLib().replaceTagsByValue(template, tags) }) }
    const redirect = idp.createLogoutRequest(sp, 'redirect', { logoutNameID: o.nameId }, options)
    const post = idp.createLogoutRequest(sp, 'post', { logoutNameID: o.nameId }, options)
    return {
      id,
      query: queryOf(redirect.context),
      postBody: o.relayState === undefined ? { SAMLRequest: post.context } : { SAMLRequest: post.context, RelayState: o.relayState },
    }
  }

  /** A signed Redirect-binding LogoutResponse (Success) answering the SP's LogoutRequest. */
  logoutResponse(o: { spEntityId: string; sloUrl: string; inResponseTo: string; relayState?: string }): { query: string; id: string } {
    const sp = logoutTarget(o.spEntityId, o.sloUrl)
    const { id, context } = this.#entity(this.keys).createLogoutResponse(sp, { extract: { request: { id: o.inResponseTo } } }, 'redirect', { relayState: o.relayState })
    return { id, query: queryOf(context) }
  }

  /**
   * Decodes an SP's Redirect-binding URL (AuthnRequest, LogoutRequest or LogoutResponse). With
   * spCertPem, checks SigAlg+Signature over the parameters exactly as they appear in the URL.
   */
  parseRedirect(url: string, spCertPem?: string): ParsedRedirect {
    const query = (url.includes('?') ? url.slice(url.indexOf('?') + 1) : url).split('#')[0] ?? ''
    const rawPairs = new Map<string, string>()
    for (const pair of query.split('&').filter(Boolean)) {
      const name = decodeURIComponent(pair.split('=')[0] ?? '')
      if (rawPairs.has(name)) throw new Error(`parseRedirect: parameter ${name} appears twice`)
      rawPairs.set(name, pair)
    }
    const params = new URLSearchParams(query)
    const messageParam = params.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse'
    const message = params.get(messageParam)
    if (message === null) throw new Error('parseRedirect: no SAMLRequest or SAMLResponse parameter')
    const xml = inflateRawSync(Buffer.from(message, 'base64')).toString('utf8')
    const root = parseXml(xml).documentElement
    if (!root) throw new Error('parseRedirect: empty message')
    const signature = params.get('Signature')
    let signatureValid: boolean | null = null
    if (spCertPem !== undefined) {
      signatureValid = false
      const sigAlg = params.get('SigAlg')
      if (signature !== null && sigAlg !== null) {
        const hash = REDIRECT_SIG_ALGS[sigAlg]
        if (!hash) throw new Error(`parseRedirect: unsupported SigAlg ${sigAlg}`)
        const signedOctets = [messageParam, 'RelayState', 'SigAlg'].flatMap((name) => rawPairs.get(name) ?? []).join('&')
        signatureValid = verify(hash, Buffer.from(signedOctets), spCertPem, Buffer.from(signature, 'base64'))
      }
    }
    const id = attribute(root, 'ID')
    if (id === null) throw new Error('parseRedirect: message has no ID')
    return {
      id,
      issuer: onlyChild(root, 'Issuer').textContent ?? '',
      destination: attribute(root, 'Destination'),
      acsUrl: attribute(root, 'AssertionConsumerServiceURL'),
      relayState: params.get('RelayState'),
      signed: signature !== null,
      signatureValid,
      xml,
    }
  }

  #signedResponseXml(o: LoginResponseOptions): string {
    const keys = o.signWith ?? this.keys
    let xml = this.#responseXml(o)
    // Assertion first: the Response signature then covers the signed assertion, as real IdPs do.
    if (o.signAssertion ?? true) xml = signElement(xml, ASSERTION_XPATH, keys)
    if (o.signResponse ?? false) xml = signElement(xml, RESPONSE_XPATH, keys)
    return xml
  }

  #responseXml(o: LoginResponseOptions): string {
    const now = o.now ?? new Date()
    const inMinutes = (minutes: number) => new Date(now.getTime() + minutes * 60_000)
    const issuer = `<saml:Issuer>${escapeXml(o.issuer ?? this.entityId)}</saml:Issuer>`
    const inResponseTo = xmlAttr('InResponseTo', o.inResponseTo)
    const attributes = Object.entries(o.attributes ?? {}).map(
      ([name, value]) =>
        `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">` +
        [value]
          .flat()
          .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
          .join('') +
        '</saml:Attribute>',
    )
    return (
      `<samlp:Response xmlns:samlp="${NS_PROTOCOL}" xmlns:saml="${NS_ASSERTION}" ID="${escapeXml(o.responseId ?? newId())}" Version="2.0"` +
      ` IssueInstant="${now.toISOString()}"${xmlAttr('Destination', o.destination === undefined ? o.acsUrl : o.destination)}${inResponseTo}>` +
      issuer +
      '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
      `<saml:Assertion xmlns:saml="${NS_ASSERTION}" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
      ` ID="${escapeXml(o.assertionId ?? newId())}" Version="2.0" IssueInstant="${now.toISOString()}">` +
      issuer +
      '<saml:Subject>' +
      `<saml:NameID Format="${escapeXml(o.nameIdFormat ?? EMAIL_FORMAT)}">${escapeXml(o.nameId)}</saml:NameID>` +
      '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">' +
      `<saml:SubjectConfirmationData NotOnOrAfter="${(o.subjectNotOnOrAfter ?? inMinutes(5)).toISOString()}"` +
      `${xmlAttr('Recipient', o.recipient === undefined ? o.acsUrl : o.recipient)}${inResponseTo}/>` +
      '</saml:SubjectConfirmation>' +
      '</saml:Subject>' +
      `<saml:Conditions NotBefore="${(o.notBefore ?? inMinutes(-1)).toISOString()}" NotOnOrAfter="${(o.notOnOrAfter ?? inMinutes(5)).toISOString()}">` +
      `<saml:AudienceRestriction><saml:Audience>${escapeXml(o.audience ?? o.spEntityId)}</saml:Audience></saml:AudienceRestriction>` +
      '</saml:Conditions>' +
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${escapeXml(o.sessionIndex ?? newId())}">` +
      '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>' +
      '</saml:AuthnStatement>' +
      (attributes.length > 0 ? `<saml:AttributeStatement>${attributes.join('')}</saml:AttributeStatement>` : '') +
      '</saml:Assertion>' +
      '</samlp:Response>'
    )
  }

  #entity(keys: KeyPair): IdentityProviderInstance {
    let entity = this.#entities.get(keys)
    if (!entity) {
      entity = samlify.IdentityProvider({
        entityID: this.entityId,
        signingCert: keys.certPem,
        privateKey: keys.privateKeyPem,
        nameIDFormat: [EMAIL_FORMAT],
        singleSignOnService: [
          { Binding: REDIRECT, Location: this.ssoUrl },
          { Binding: POST, Location: this.ssoUrl },
        ],
        singleLogoutService: [
          { Binding: REDIRECT, Location: this.sloUrl },
          { Binding: POST, Location: this.sloUrl },
        ],
      })
      this.#entities.set(keys, entity)
    }
    return entity
  }
}

/** The SP as samlify needs to see it to address and sign logout messages to it. */
function logoutTarget(entityID: string, sloUrl: string): ServiceProviderInstance {
  return samlify.ServiceProvider({
    entityID,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    singleLogoutService: [
      { Binding: REDIRECT, Location: sloUrl },
      { Binding: POST, Location: sloUrl },
    ],
  })
}

/** Enveloped rsa-sha256 signature over the element at `xpath`, placed right after its Issuer as the schema requires. */
function signElement(xml: string, xpath: string, keys: KeyPair): string {
  const sig = new SignedXml({ privateKey: keys.privateKeyPem, publicCert: keys.certPem, signatureAlgorithm: RSA_SHA256, canonicalizationAlgorithm: EXC_C14N })
  sig.addReference({ xpath, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256 })
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${xpath}/*[local-name(.)='Issuer']`, action: 'after' } })
  return sig.getSignedXml()
}

function parseXml(xml: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`XML ${level}: ${message}`)
    },
  }).parseFromString(xml, 'text/xml')
}

function serializeXml(doc: Document): string {
  return new XMLSerializer().serializeToString(doc)
}

function rootElement(doc: Document, localName: string): Element {
  const root = doc.documentElement
  if (root?.localName !== localName) throw new Error(`expected a ${localName}, got ${root?.localName ?? 'nothing'}`)
  return root
}

function onlyChild(parent: Element, localName: string): Element {
  const found: Element[] = []
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE && (node as Element).localName === localName) found.push(node as Element)
  }
  const [only] = found
  if (found.length !== 1 || !only) throw new Error(`expected exactly one ${localName} in ${parent.localName}, found ${found.length}`)
  return only
}

function setText(doc: Document, element: Element, text: string): void {
  while (element.firstChild) element.removeChild(element.firstChild)
  element.appendChild(doc.createTextNode(text))
}

function attribute(element: Element, name: string): string | null {
  return element.hasAttribute(name) ? element.getAttribute(name) : null
}

function qualified(prefix: string | null, localName: string): string {
  return prefix ? `${prefix}:${localName}` : localName
}

/** The query string of a redirect URL samlify built, exactly as it will be sent. */
function queryOf(url: string): string {
  return url.slice(url.indexOf('?') + 1)
}

function newId(): string {
  // xs:ID must not start with a digit.
  return `_${randomBytes(20).toString('hex')}`
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

function xmlAttr(name: string, value: string | null | undefined): string {
  return value == null ? '' : ` ${name}="${escapeXml(value)}"`
}

function toBase64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64')
}

function fromBase64(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8')
}

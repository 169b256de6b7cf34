#!/usr/bin/env node
// Hand-run end-to-end check of test/services/simplesamlphp.mjs and chromium.mjs (not part of `npm test`):
//
//   node test/services/saml-check.mjs
//
// Installs what is missing (as root), starts SimpleSAMLphp with one user and a dummy SP that is never
// reached over the network (Chromium's requests to it are intercepted), signs alice in through an
// SP-initiated AuthnRequest in the Redirect binding, checks the signed SAMLResponse the IdP posts
// back, then signs her out again (SP-initiated LogoutRequest, signed LogoutResponse). Prints what it
// does with timings, then OK; exits 1 on the first failed check.
// Everything it starts is stopped and deleted at the end (also on failure).

import crypto from 'node:crypto'
import { URLSearchParams } from 'node:url'
import zlib from 'node:zlib'
import { SAML } from '@node-saml/node-saml'
import { DOMParser } from '@xmldom/xmldom'
import { ensureChromiumInstalled, launchChromium } from './chromium.mjs'
import { ensureSimpleSamlPhpInstalled, startSimpleSamlPhp } from './simplesamlphp.mjs'
import { check, stepTimer } from './common.mjs'

// Port 9 (discard): nothing listens there, and Chromium refuses to connect to it anyway.
const SP_ORIGIN = 'http://127.0.0.1:9'
const SP = { entityId: `${SP_ORIGIN}/saml/acme/metadata`, acsUrl: `${SP_ORIGIN}/saml/acme/acs`, sloUrl: `${SP_ORIGIN}/saml/acme/slo` }
const ALICE = { username: 'alice', password: 'alicepass', attributes: { uid: ['alice'], email: ['alice@example.com'] } }

const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
}
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

const started = Date.now()
const step = stepTimer()

/** A SAML request deflated into an HTTP-Redirect binding URL (unsigned: the dummy SP has no key). */
function redirectUrl(endpoint, xml, relayState) {
  const query = new URLSearchParams({ SAMLRequest: zlib.deflateRawSync(xml).toString('base64') })
  if (relayState) query.set('RelayState', relayState)
  return `${endpoint}?${query}`
}

const samlId = () => `_${crypto.randomBytes(16).toString('hex')}`
const requestAttributes = (id, destination) => `xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${destination}"`

const authnRequest = (id, ssoUrl) =>
  `<samlp:AuthnRequest ${requestAttributes(id, ssoUrl)} AssertionConsumerServiceURL="${SP.acsUrl}" ` +
  `ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">` +
  `<saml:Issuer>${SP.entityId}</saml:Issuer>` +
  `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>` +
  `</samlp:AuthnRequest>`

const logoutRequest = (id, sloUrl, { nameId, sessionIndex }) =>
  `<samlp:LogoutRequest ${requestAttributes(id, sloUrl)}>` +
  `<saml:Issuer>${SP.entityId}</saml:Issuer>` +
  `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${nameId}</saml:NameID>` +
  `<samlp:SessionIndex>${sessionIndex}</samlp:SessionIndex>` +
  `</samlp:LogoutRequest>`

/**
 * Requests the browser makes to the dummy SP, seen as they start: page.route alone misses a redirect
 * there (Chromium fails it before interception; only the automatic reload of its error page a second
 * later is routed). Routed ones, such as the POST to the ACS, get a stub page. Returns expect(what):
 * a promise of the next such request ({ url, method, form }); call it before the action leading there.
 */
async function interceptSp(page) {
  let deliver = null
  page.on('request', (request) => {
    if (!deliver || !request.url().startsWith(`${SP_ORIGIN}/`)) return
    deliver({ url: request.url(), method: request.method(), form: new URLSearchParams(request.postData() ?? '') })
    deliver = null
  })
  await page.route(`${SP_ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'dummy SP' }))
  return (what) =>
    new Promise((resolve, reject) => {
      deliver = resolve
      setTimeout(() => reject(new Error(`no request to the dummy SP (${what}) within 15 s; browser at ${page.url()}`)), 15_000).unref()
    })
}

const children = (el, ns, name) => Array.from(el.childNodes).filter((n) => n.namespaceURI === ns && n.localName === name)

function checkResponse(xml, { requestId, idp }) {
  const doc = new DOMParser().parseFromString(xml, 'text/xml')
  const response = doc.documentElement
  check(response.namespaceURI === NS.samlp && response.localName === 'Response', `a samlp:Response, got ${response.tagName}`)
  check(response.getAttribute('Destination') === SP.acsUrl, `Destination ${response.getAttribute('Destination')} = ${SP.acsUrl}`)
  check(response.getAttribute('InResponseTo') === requestId, `InResponseTo = ${requestId}`)
  const status = doc.getElementsByTagNameNS(NS.samlp, 'StatusCode')[0]?.getAttribute('Value')
  check(status === SUCCESS, `status Success, got ${status}`)
  check(children(response, NS.ds, 'Signature').length === 1, 'a Signature in the Response')
  const [assertion] = children(response, NS.saml, 'Assertion')
  check(assertion, 'an unencrypted Assertion')
  check(children(assertion, NS.ds, 'Signature').length === 1, 'a Signature inside the Assertion')
  check(assertion.getElementsByTagNameNS(NS.ds, 'SignatureMethod')[0]?.getAttribute('Algorithm') === RSA_SHA256, 'rsa-sha256')
  check(children(assertion, NS.saml, 'Issuer')[0]?.textContent === idp.entityId, `Issuer ${idp.entityId}`)
  const nameId = assertion.getElementsByTagNameNS(NS.saml, 'NameID')[0]
  check(nameId?.textContent === 'alice@example.com', `NameID alice@example.com, got ${nameId?.textContent}`)
  check(nameId.getAttribute('Format') === 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'NameID Format emailAddress')
  const attributes = Object.fromEntries(
    Array.from(assertion.getElementsByTagNameNS(NS.saml, 'Attribute')).map((a) => [
      a.getAttribute('Name'),
      { format: a.getAttribute('NameFormat'), values: Array.from(a.getElementsByTagNameNS(NS.saml, 'AttributeValue')).map((v) => v.textContent) },
    ]),
  )
  check(attributes.uid?.values.join() === 'alice' && attributes.email?.values.join() === 'alice@example.com', `attributes uid, email: ${JSON.stringify(attributes)}`)
  check(attributes.uid.format === 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic', 'attribute NameFormat basic')
  const sessionIndex = assertion.getElementsByTagNameNS(NS.saml, 'AuthnStatement')[0]?.getAttribute('SessionIndex')
  check(sessionIndex, 'an AuthnStatement with a SessionIndex')
  return { nameId: nameId.textContent, sessionIndex }
}

/** The IdP's LogoutResponse in the Redirect binding: signed (rsa-sha256, verified with idp.certPem), Success. */
function checkLogoutResponse({ url, method }, { requestId, idp }) {
  check(method === 'GET' && url.startsWith(`${SP.sloUrl}?`), `a redirect to ${SP.sloUrl}, got ${method} ${url}`)
  const query = new URL(url).searchParams
  check(query.get('SigAlg') === RSA_SHA256, `SigAlg rsa-sha256, got ${query.get('SigAlg')}`)
  // The signature covers the query string as sent, up to &Signature=.
  const raw = new URL(url).search.slice(1)
  const signed = raw.slice(0, raw.indexOf('&Signature='))
  check(crypto.verify('sha256', Buffer.from(signed), idp.certPem, Buffer.from(query.get('Signature') ?? '', 'base64')), 'the redirect signature verifies')
  const doc = new DOMParser().parseFromString(zlib.inflateRawSync(Buffer.from(query.get('SAMLResponse'), 'base64')).toString('utf8'), 'text/xml')
  const response = doc.documentElement
  check(response.localName === 'LogoutResponse' && response.getAttribute('InResponseTo') === requestId, `a LogoutResponse to ${requestId}`)
  check(response.getAttribute('Destination') === SP.sloUrl, `Destination ${SP.sloUrl}`)
  check(doc.getElementsByTagNameNS(NS.samlp, 'StatusCode')[0]?.getAttribute('Value') === SUCCESS, 'logout status Success')
}

async function main() {
  console.log('SimpleSAMLphp + Chromium')
  await ensureSimpleSamlPhpInstalled()
  step('SimpleSAMLphp installed')
  await ensureChromiumInstalled()
  step('Chromium installed')

  const idp = await startSimpleSamlPhp({ users: [ALICE], serviceProviders: [SP] })
  let browser
  try {
    step('IdP started', idp.baseUrl)
    const metadata = await idp.metadataXml()
    check(metadata.includes(`entityID="${idp.entityId}"`), 'metadata entityID')
    check(metadata.replace(/\s+/g, '').includes(idp.certPem.replace(/-----[^-]+-----|\s+/g, '')), 'metadata holds the signing certificate')
    check(metadata.includes(`Location="${idp.ssoUrl}"`) && metadata.includes(`Location="${idp.sloUrl}"`), 'metadata SSO and SLO endpoints')
    step('metadata checked')

    browser = await launchChromium()
    step('Chromium launched', browser.version())
    const page = await (await browser.newContext()).newPage()
    const spRequest = await interceptSp(page)

    const requestId = samlId()
    await page.goto(redirectUrl(idp.ssoUrl, authnRequest(requestId, idp.ssoUrl), 'relay-42'))
    check(page.url().startsWith(`${idp.baseUrl}/module.php/core/loginuserpass.php`), `redirected to the login form, at ${page.url()}`)
    step('login form shown')
    await page.fill('input[name=username]', ALICE.username)
    await page.fill('input[name=password]', ALICE.password)
    const acs = spRequest('ACS')
    await page.click('#submit_button')
    const { url, method, form } = await acs
    step('SAMLResponse posted to the ACS')

    check(method === 'POST' && url === SP.acsUrl, `POST to ${SP.acsUrl}, got ${method} ${url}`)
    check(form.get('RelayState') === 'relay-42', 'RelayState echoed')
    const samlResponse = form.get('SAMLResponse')
    check(samlResponse, 'a SAMLResponse field')
    const session = checkResponse(Buffer.from(samlResponse, 'base64').toString('utf8'), { requestId, idp })
    step('Response checked', 'Destination, InResponseTo, NameID alice@example.com, Response and Assertion signed (rsa-sha256), attributes')

    const saml = new SAML({
      callbackUrl: SP.acsUrl,
      issuer: SP.entityId,
      audience: SP.entityId,
      idpCert: idp.certPem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'never',
    })
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse })
    check(profile?.nameID === 'alice@example.com' && profile.uid === 'alice', `node-saml profile: ${JSON.stringify(profile)}`)
    step('signatures verified by @node-saml/node-saml against idp.certPem')

    const logoutId = samlId()
    const slo = spRequest('SingleLogoutService')
    // The navigation ends in ERR_UNSAFE_PORT: the redirect to the SP is not routed (see interceptSp).
    await page.goto(redirectUrl(idp.sloUrl, logoutRequest(logoutId, idp.sloUrl, session))).catch(() => {})
    checkLogoutResponse(await slo, { requestId: logoutId, idp })
    step('logged out', 'signed LogoutResponse redirected to the SP')

    // Takes effect without a restart: the IdP no longer knows the SP, then knows it again.
    const idpInitiated = () => globalThis.fetch(`${idp.ssoUrl}?spentityid=${encodeURIComponent(SP.entityId)}`, { redirect: 'manual' })
    await idp.setServiceProviders([])
    const unknown = await idpInitiated()
    check(unknown.status !== 302 && (await unknown.text()).includes('METADATANOTFOUND'), `unknown SP refused, got ${unknown.status}`)
    await idp.setServiceProviders([SP])
    check((await idpInitiated()).status === 302, 'SP known again')
    step('setServiceProviders applied without restart')
  } catch (err) {
    console.error(`--- IdP output (last lines) ---\n${idp.logs().trimEnd().split('\n').slice(-40).join('\n')}`)
    throw err
  } finally {
    await browser?.close()
    await idp.stop()
    step('stopped and removed')
  }
  console.log(`OK (${Date.now() - started} ms)`)
}

main().catch((err) => {
  console.error(err?.stack ?? err)
  process.exit(1)
})

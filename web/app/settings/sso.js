/**
 * Single sign-on (SAML): the addresses the identity provider needs from us, the IdP we trust, a test
 * sign-in, and the form that uploads the IdP's metadata and sets the options (PUT /api/settings/sso).
 */
import { html, useState } from '../lib.js'
import { get, put, ApiError } from '../api.js'
import { useAsync } from '../ui/data.js'
import { Async } from '../ui/states.js'
import { CopyField } from '../ui/forms.js'
import { formatDate } from '../ui/format.js'
import { flash } from '../ui/notices.js'
import { SettingsFormError } from './problem.js'

const IDENTIFIERS = [
  { value: 'nameid', label: 'NameID of the assertion' },
  { value: 'email', label: 'An email attribute' },
  { value: 'upn', label: 'A UPN attribute (Entra ID, AD FS)' },
  { value: 'username', label: 'A user name attribute' },
]

/** The server names some fields as its command line does; the form's fields by those names. */
const FIELD_OF = { metadata: 'metadataXml', ssoUrl: 'metadataXml', certificates: 'metadataXml' }

/** Where the test sign-in comes back to: this screen, which then says how the session started. */
function testSignInHref(sp) {
  const url = new URL(sp.testSignInUrl ?? sp.loginUrl, location.origin)
  url.searchParams.set('returnTo', '/admin/settings/sso?tested=1')
  return url.href
}

export function SsoSettings({ me, query }) {
  const state = useAsync(() => get('/settings/sso'), [])
  return html`<${Async} state=${state} loadingLabel="Loading single sign-on settings…">
    ${(d) => html`<div class="settings-sso">
      <h2>Single sign-on</h2>
      <p>People of this tenant sign in through your SAML 2.0 identity provider. Give the IdP our addresses below, then upload its metadata.</p>
      ${query?.get('tested') && html`<${TestOutcome} me=${me} />`}
      <${ServiceProvider} sp=${d.serviceProvider} configured=${Boolean(d.identityProvider)} />
      <${IdentityProvider} idp=${d.identityProvider} />
      <${SsoForm} idp=${d.identityProvider} source=${me.tenant.source} onSaved=${state.reload} />
    </div>`}
  <//>`
}

function TestOutcome({ me }) {
  const saml = me.session?.method === 'saml'
  return html`<div class=${`test-outcome ${saml ? 'ok' : 'warn'}`} role="status">
    ${saml
      ? html`<p><strong>Single sign-on works.</strong> You are signed in as <strong>${me.userName}</strong> through the identity provider (since ${formatDate(me.session.signedInAt)}).</p>`
      : html`<p><strong>This session did not start with single sign-on.</strong> If the test sign-in showed an error, the page named the reason; docs/sso.md lists what each one means.</p>`}
  </div>`
}

function ServiceProvider({ sp, configured }) {
  return html`<section class="panel" aria-labelledby="sso-sp">
    <h3 id="sso-sp">What your identity provider needs from Roster</h3>
    <div class="form-grid">
      <div class="field">
        <span class="label-like" aria-hidden="true">SP metadata URL</span>
        <${CopyField} value=${sp.metadataUrl} label="SP metadata URL" />
        <p class="hint">Also our entity ID (Identifier / Audience URI). Most IdPs can read everything from it.</p>
      </div>
      <div class="field">
        <span class="label-like" aria-hidden="true">ACS URL</span>
        <${CopyField} value=${sp.acsUrl} label="ACS URL" />
        <p class="hint">Assertion Consumer Service (Reply URL), HTTP-POST binding.</p>
      </div>
      <div class="field">
        <span class="label-like" aria-hidden="true">Sign-in URL</span>
        <${CopyField} value=${sp.loginUrl} label="Sign-in URL" />
        <p class="hint">Where sign-in starts (Entra's “Sign on URL”).</p>
      </div>
      <div class="field">
        <span class="label-like" aria-hidden="true">Single logout URL</span>
        <${CopyField} value=${sp.sloUrl} label="Single logout URL" />
      </div>
    </div>
    ${configured
      ? html`<p>
          <a class="button" href=${testSignInHref(sp)} target="_blank" rel="noopener">Test sign-in</a>
          <span class="hint"> Opens the tenant's SSO sign-in in a new tab and comes back to this page, which then says whether it worked.</span>
        </p>`
      : html`<p class="hint">Test sign-in becomes available once an identity provider is set up below.</p>`}
  </section>`
}

function IdentityProvider({ idp }) {
  if (!idp) {
    return html`<section class="panel" aria-labelledby="sso-idp">
      <h3 id="sso-idp">Identity provider</h3>
      <div class="state empty"><strong>No identity provider is set up</strong><p>Upload its SAML metadata below. Until then, people sign in with a Roster password.</p></div>
    </section>`
  }
  const identifier = IDENTIFIERS.find((i) => i.value === idp.identifier)?.label ?? idp.identifier
  return html`<section class="panel" aria-labelledby="sso-idp">
    <h3 id="sso-idp">Identity provider</h3>
    <dl class="props">
      <dt>Entity ID</dt>
      <dd class="mono">${idp.idpEntityId}</dd>
      <dt>SSO URL</dt>
      <dd class="mono">${idp.ssoUrl}</dd>
      <dt>Logout URL</dt>
      <dd class="mono">${idp.sloUrl ?? html`<span class="muted">none (single logout off)</span>`}</dd>
      <dt>Identify users by</dt>
      <dd>${identifier}${idp.identifierAttribute ? html` <code>${idp.identifierAttribute}</code>` : null}</dd>
      <dt>Options</dt>
      <dd>
        <ul class="plain">
          <li>IdP-initiated sign-in: ${idp.allowIdpInitiated ? 'allowed' : 'off'}</li>
          <li>Requests signed: ${idp.signRequests ? 'yes' : 'no'}</li>
          <li>Just-in-time creation: ${idp.jitProvisioning ? 'on' : 'off'}</li>
          <li>Password sign-in: ${idp.passwordSignIn ? 'still allowed' : 'off (SSO only)'}</li>
        </ul>
      </dd>
      ${idp.modified && html`<dt>Changed</dt><dd>${formatDate(idp.modified)}</dd>`}
    </dl>
    <h4>Signing certificates</h4>
    <div class="table-wrap">
      <table>
        <thead><tr><th scope="col">Subject</th><th scope="col">Expires</th><th scope="col" class="wide-only">SHA-256 fingerprint</th></tr></thead>
        <tbody>
          ${idp.idpCertificates.map(
            (c) => html`<tr key=${c.fingerprint256}>
              <td>${c.subject}</td>
              <td>${formatDate(c.notAfter, { time: false })} ${c.expired ? html`<span class="badge status-inactive">expired</span>` : expiresSoon(c.notAfter) ? html`<span class="badge status-inactive">expires soon</span>` : null}</td>
              <td class="wide-only mono fingerprint">${c.fingerprint256}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${idp.idpCertificates.some((c) => c.expired) && html`<p class="form-error" role="note">An expired certificate cannot verify sign-ins. Upload the IdP's current metadata.</p>`}
  </section>`
}

const expiresSoon = (iso) => new Date(iso).getTime() - Date.now() < 30 * 86_400_000

function SsoForm({ idp, source, onSaved }) {
  const [xml, setXml] = useState('')
  const [fileNote, setFileNote] = useState(null)
  // A file input cannot be cleared by value: a new key gives a fresh one after a save.
  const [fileKey, setFileKey] = useState(0)
  const [o, setO] = useState(() => ({
    entityId: '',
    identifier: idp?.identifier ?? 'nameid',
    identifierAttribute: idp?.identifierAttribute ?? '',
    allowIdpInitiated: idp?.allowIdpInitiated ?? false,
    signRequests: idp?.signRequests ?? true,
    jitProvisioning: idp?.jitProvisioning ?? false,
    passwordSignIn: idp?.passwordSignIn ?? true,
  }))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const local = source === 'local'
  const set = (k) => (e) => setO({ ...o, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value })
  const field = error ? (FIELD_OF[error.field] ?? error.field) : null

  const readFile = (e) => {
    const file = e.currentTarget.files?.[0]
    if (!file) return
    const reader = new FileReader()
    reader.onload = () => {
      setXml(String(reader.result ?? ''))
      setFileNote(`Read ${file.name} (${Math.ceil(file.size / 1024)} KB).`)
    }
    reader.onerror = () => setFileNote(`${file.name} could not be read; paste its content instead.`)
    reader.readAsText(file)
  }

  const submit = async (e) => {
    e.preventDefault()
    if (!idp && !xml.trim()) {
      setError(new ApiError(400, { detail: 'Choose the IdP metadata file or paste its XML: Roster needs it to trust the identity provider.', field: 'metadataXml' }))
      return
    }
    setBusy(true)
    setError(null)
    const body = {
      identifier: o.identifier,
      identifierAttribute: o.identifier === 'nameid' ? null : o.identifierAttribute.trim() || null,
      allowIdpInitiated: o.allowIdpInitiated,
      signRequests: o.signRequests,
      passwordSignIn: o.passwordSignIn,
    }
    if (local) body.jitProvisioning = o.jitProvisioning
    if (xml.trim()) body.metadataXml = xml
    if (o.entityId.trim()) body.entityId = o.entityId.trim()
    try {
      await put('/settings/sso', body)
      flash(idp ? 'Single sign-on settings saved' : 'Single sign-on is set up')
      setXml('')
      setFileNote(null)
      setFileKey((k) => k + 1)
      onSaved()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return html`<section class="panel" aria-labelledby="sso-form-title">
    <h3 id="sso-form-title">${idp ? 'Change the identity provider or options' : 'Set up the identity provider'}</h3>
    <form onSubmit=${submit} class="sso-form">
      <fieldset>
        <legend>Upload IdP metadata</legend>
        <p class="hint">${idp ? 'Only when the IdP changed (a new certificate, a new URL): leave empty to keep the current one.' : 'Download it from your IdP (Entra: “Federation Metadata XML”; Okta: “Identity Provider metadata”).'}</p>
        <div class="field">
          <label for="sso-metadata-file">IdP metadata file</label>
          <input key=${fileKey} id="sso-metadata-file" type="file" accept=".xml,application/xml,text/xml,application/samlmetadata+xml" onChange=${readFile} />
          ${fileNote && html`<p class="hint" role="status">${fileNote}</p>`}
        </div>
        <div class="field">
          <label for="sso-metadata-xml">IdP metadata XML</label>
          <textarea id="sso-metadata-xml" class="mono" rows="6" value=${xml} onInput=${(e) => setXml(e.currentTarget.value)} aria-invalid=${field === 'metadataXml' || undefined} aria-describedby="sso-metadata-xml-hint" spellcheck="false" placeholder="<EntityDescriptor …>"></textarea>
          <p class="hint" id="sso-metadata-xml-hint">Or paste it here. Choosing a file fills this in.</p>
        </div>
        <div class="field">
          <label for="sso-entity-id">IdP entity ID</label>
          <input id="sso-entity-id" type="text" value=${o.entityId} onInput=${set('entityId')} aria-invalid=${field === 'entityId' || undefined} aria-describedby="sso-entity-id-hint" autocomplete="off" spellcheck="false" />
          <p class="hint" id="sso-entity-id-hint">Only when the metadata describes several identity providers: the one to trust.</p>
        </div>
      </fieldset>

      <fieldset>
        <legend>How people are recognised</legend>
        <div class="field">
          <label for="sso-identifier">Identify users by</label>
          <select id="sso-identifier" value=${o.identifier} onChange=${set('identifier')} aria-invalid=${field === 'identifier' || undefined}>
            ${IDENTIFIERS.map((i) => html`<option key=${i.value} value=${i.value}>${i.label}</option>`)}
          </select>
          <p class="hint">The value must equal the user's userName or email in Roster.</p>
        </div>
        <div class="field">
          <label for="sso-identifier-attribute">Identifier attribute</label>
          <input id="sso-identifier-attribute" type="text" value=${o.identifier === 'nameid' ? '' : o.identifierAttribute} onInput=${set('identifierAttribute')} disabled=${o.identifier === 'nameid'} aria-invalid=${field === 'identifierAttribute' || undefined} aria-describedby="sso-identifier-attribute-hint" autocomplete="off" spellcheck="false" />
          <p class="hint" id="sso-identifier-attribute-hint">${o.identifier === 'nameid' ? 'Not used with NameID.' : 'The SAML attribute to read; empty: the usual names for this kind.'}</p>
        </div>
      </fieldset>

      <fieldset>
        <legend>Options</legend>
        <label class="check"><input type="checkbox" checked=${o.allowIdpInitiated} onChange=${set('allowIdpInitiated')} /> Allow IdP-initiated sign-in</label>
        <p class="hint indent">Sign-in started from the IdP's portal (an app tile). Off by default: such a response answers no request of ours.</p>
        <label class="check"><input type="checkbox" checked=${o.signRequests} onChange=${set('signRequests')} /> Sign requests</label>
        <p class="hint indent">Signs our sign-in and logout requests with Roster's key (AD FS requires it for logout).</p>
        <label class="check"><input type="checkbox" checked=${local && o.jitProvisioning} onChange=${set('jitProvisioning')} disabled=${!local} aria-describedby="sso-jit-hint" /> Create unknown users at first sign-in (just-in-time)</label>
        <p class="hint indent" id="sso-jit-hint">${local ? 'Someone the IdP vouches for but Roster does not know yet is created as they sign in.' : `Not possible here: people in this tenant come from ${source === 'ldap' ? 'the directory' : 'the identity provider over SCIM'}, so only that source creates them.`}</p>
        <label class="check"><input type="checkbox" checked=${o.passwordSignIn} onChange=${set('passwordSignIn')} /> Allow password sign-in</label>
        <p class="hint indent">Keeps the Roster password form next to SSO. Turn off to make SSO the only way in.</p>
      </fieldset>

      <${SettingsFormError} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : 'Save single sign-on settings'}</button>
      </div>
    </form>
  </section>`
}

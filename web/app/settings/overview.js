/** Settings overview (GET /api/settings): the tenant, its source of truth, and what is set up. */
import { html } from '../lib.js'
import { get } from '../api.js'
import { useAsync } from '../ui/data.js'
import { Async } from '../ui/states.js'
import { CopyField } from '../ui/forms.js'
import { Link } from '../ui/router.js'

/** What the tenant's identity source means for the people in it, in the admin's words. */
export const SOURCE_EXPLAINED = {
  local: 'Roster is the source of truth: people are created and edited here',
  scim: 'Your identity provider provisions people over SCIM; the console cannot create or edit them — change them in the IdP',
  ldap: 'A directory (Active Directory / LDAP) is the source of truth; the sync brings changes here',
}

const SOURCE_NAME = { local: 'Roster (local)', scim: 'Identity provider over SCIM', ldap: 'Directory (Active Directory / LDAP)' }

export function SettingsOverview() {
  const state = useAsync(() => get('/settings'), [])
  return html`<${Async} state=${state} loadingLabel="Loading the tenant's settings…">
    ${(s) => html`<div class="settings-overview">
      <h2>Tenant</h2>
      <dl class="props">
        <dt>Name</dt>
        <dd>${s.tenant.displayName}</dd>
        <dt>Slug</dt>
        <dd><code>${s.tenant.slug}</code> <span class="muted">(in sign-in and SAML URLs)</span></dd>
        <dt>Identity source</dt>
        <dd><strong>${SOURCE_NAME[s.tenant.source] ?? s.tenant.source}</strong></dd>
      </dl>
      <p class=${`source-explained source-${s.tenant.source}`}>${SOURCE_EXPLAINED[s.tenant.source] ?? ''}.</p>

      <div class="cards">
        <section class="card whole-row" aria-labelledby="ov-scim">
          <h2 id="ov-scim">SCIM</h2>
          <p>Identity providers provision people and groups at this address, with a SCIM token.</p>
          <div class="field wide-field">
            <span class="label-like" aria-hidden="true">SCIM base URL</span>
            <${CopyField} value=${s.scimBaseUrl} label="SCIM base URL" />
          </div>
          <p><${Link} href="/admin/settings/scim">Manage SCIM tokens<//></p>
        </section>
        <section class="card" aria-labelledby="ov-sso">
          <h2 id="ov-sso">Single sign-on</h2>
          <p>${s.sso ? html`<span class="badge status-active">Set up</span> People can sign in through your SAML identity provider.` : html`<span class="badge">Not set up</span> People sign in with a Roster password only.`}</p>
          <p><${Link} href="/admin/settings/sso">${s.sso ? 'Review single sign-on' : 'Set up single sign-on'}<//></p>
        </section>
        <section class="card" aria-labelledby="ov-dir">
          <h2 id="ov-dir">Directory</h2>
          <p>${s.directory ? html`<span class="badge status-active">Connected</span> Users and groups come from Active Directory / LDAP.` : html`<span class="badge">Not connected</span> No Active Directory or LDAP server is synced.`}</p>
          <p><${Link} href="/admin/settings/directory">${s.directory ? 'Review the connection and runs' : 'Connect a directory'}<//></p>
        </section>
        <section class="card" aria-labelledby="ov-attrs">
          <h2 id="ov-attrs">Custom attributes</h2>
          <p>Extra fields on every user (cost centre, badge number…), in the console's forms and over SCIM.</p>
          <p><${Link} href="/admin/settings/attributes">Manage custom attributes<//></p>
        </section>
      </div>
    </div>`}
  <//>`
}

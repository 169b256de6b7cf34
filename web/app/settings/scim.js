/** SCIM settings: the base URL to give the identity provider, and the tokens it authenticates with. */
import { html, useState } from '../lib.js'
import { get, post, del } from '../api.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty } from '../ui/states.js'
import { CopyField, SecretOnce, FormError, useSubmit } from '../ui/forms.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { formatDate } from '../ui/format.js'
import { flash } from '../ui/notices.js'
import { Link } from '../ui/router.js'

export function ScimSettings({ me }) {
  const [showRevoked, setShowRevoked] = useState(false)
  const state = useAsync(() => get('/settings/scim-tokens', showRevoked ? { all: 'true' } : undefined), [showRevoked])
  const [issued, setIssued] = useState(null)
  const [revoking, setRevoking] = useState(null)
  const provisioned = me.tenant.source === 'scim'

  return html`<div class="settings-scim">
    <h2>SCIM</h2>
    <p>An identity provider (Entra ID, Okta, OneLogin…) creates, updates and deactivates people and groups here over SCIM 2.0. Give it the base URL and a token.</p>
    <p><${Link} href="/admin/settings/scim/provisioning">Provisioning log<//>: every request your identity provider sent, and why any failed.</p>
    ${me.tenant.source === 'ldap' &&
    html`<div class="managed-note" role="note"><strong>This tenant is managed by its directory.</strong> SCIM clients can read people and groups, but their changes are refused: only the directory sync writes.</div>`}
    ${provisioned && html`<div class="managed-note" role="note"><strong>Your identity provider is this tenant's source of truth.</strong> It needs a live token here; without one, provisioning stops.</div>`}
    ${state.data &&
    html`<div class="field wide-field">
      <span class="label-like" aria-hidden="true">SCIM base URL</span>
      <${CopyField} value=${state.data.scimBaseUrl} label="SCIM base URL" />
    </div>`}

    <${NewTokenForm}
      onIssued=${(t) => {
        setIssued(t)
        state.reload()
      }}
    />
    ${issued &&
    html`<div class="issued">
      <${SecretOnce} label="New SCIM token" value=${issued.secret}>
        Enter it in your identity provider as the bearer token (“Secret Token”) for <strong>${issued.name}</strong>. Copy it now: Roster keeps only a hash and cannot show it again.
      <//>
      <button type="button" onClick=${() => setIssued(null)}>I have stored the token</button>
    </div>`}

    <div class="title-row section-title">
      <h3>Tokens</h3>
      <label class="check"><input type="checkbox" checked=${showRevoked} onChange=${(e) => setShowRevoked(e.currentTarget.checked)} /> Show revoked tokens</label>
    </div>
    <${Async} state=${state} loadingLabel="Loading SCIM tokens…">
      ${(d) =>
        d.items.length
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Revoked</th>
                    <th scope="col"><span class="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${d.items.map(
                    (t) => html`<tr key=${t.id}>
                      <td>${t.name}</td>
                      <td>${formatDate(t.created)}</td>
                      <td>${t.lastUsed ? formatDate(t.lastUsed) : html`<span class="muted">never</span>`}</td>
                      <td>${t.revoked ? html`<span class="badge status-archived">Revoked ${formatDate(t.revoked)}</span>` : html`<span class="muted">—</span>`}</td>
                      <td>${!t.revoked && html`<button type="button" class="link danger-link" onClick=${() => setRevoking(t)}>Revoke</button>`}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<${Empty} title=${showRevoked ? 'No SCIM tokens yet' : 'No live SCIM tokens'}>
              ${provisioned ? 'Without a token your identity provider cannot provision anyone. ' : ''}Create one above and enter it in your identity provider.
            <//>`}
    <//>

    <${ConfirmDialog}
      open=${Boolean(revoking)}
      title=${`Revoke the SCIM token “${revoking?.name ?? ''}”?`}
      confirmLabel="Revoke token"
      danger
      onClose=${() => setRevoking(null)}
      action=${async () => {
        await del(`/settings/scim-tokens/${encodeURIComponent(revoking.name)}`)
        flash(`SCIM token “${revoking.name}” revoked`)
        state.reload()
      }}
    >
      <p>Requests with this token are refused at once. An identity provider that uses it stops provisioning: new people, changes and deactivations no longer reach Roster until you create a new token and enter it in the IdP.</p>
      ${revoking?.lastUsed && html`<p>It was last used ${formatDate(revoking.lastUsed)}.</p>`}
      <p>This cannot be undone.</p>
    <//>
  </div>`
}

function NewTokenForm({ onIssued }) {
  const [name, setName] = useState('')
  const { busy, error, submit } = useSubmit(async () => {
    const t = await post('/settings/scim-tokens', { name: name.trim() })
    setName('')
    onIssued(t)
  })
  return html`<form class="panel-form" onSubmit=${submit}>
    <h3 id="new-scim-token-title">New SCIM token</h3>
    <div class="field">
      <label for="scim-token-name">Token name</label>
      <input id="scim-token-name" type="text" required maxlength="100" value=${name} onInput=${(e) => setName(e.currentTarget.value)} aria-describedby="scim-token-name-hint" aria-invalid=${error?.field === 'name' || undefined} autocomplete="off" />
      <p class="hint" id="scim-token-name-hint">Which IdP or app uses it, e.g. “Entra ID production”. You revoke it by this name.</p>
    </div>
    <${FormError} error=${error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Creating…' : 'Create SCIM token'}</button>
    </div>
  </form>`
}

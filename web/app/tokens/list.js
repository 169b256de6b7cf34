/** My tokens: the signed-in user's personal access tokens and API password, for scripts. */
import { html, useState } from '../lib.js'
import { get, post, del } from '../api.js'
import { useMe } from '../session.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty } from '../ui/states.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { SecretOnce } from '../ui/forms.js'
import { PageHeader } from '../ui/page.js'
import { formatDate } from '../ui/format.js'
import { flash } from '../ui/notices.js'
import { PermissionBadges } from '../roles/permissions.js'
import { NewTokenForm } from './form.js'
import { ApiPasswordBox } from './api-password.js'

/** How to use a token, under the secret shown once. */
export function TokenUsage() {
  return html`Copy it now: Roster keeps only a hash and will never show it again. Use it as <code>Authorization: Bearer ${'<token>'}</code>, e.g.
    <code class="usage" tabindex="0">curl -H "Authorization: Bearer ${'<token>'}" ${location.origin}/api/me</code>`
}

export function TokensPage() {
  const { me } = useMe()
  const tokens = useAsync(() => get('/me/tokens').then((d) => d.items), [])
  // The secret of the token just made or regenerated: in memory only, gone on "Done" or reload.
  const [secret, setSecret] = useState(null)
  const [confirm, setConfirm] = useState(null)
  const close = () => setConfirm(null)
  const issued = (t) => {
    setSecret({ name: t.name, value: t.secret })
    tokens.reload()
  }

  return html`<div class="tokens-page">
    <${PageHeader} title="My tokens" />
    <p class="hint">Personal access tokens let your scripts call the Roster API as you: never with more than your own permissions, and optionally with fewer. They stop working when you are deactivated or your API access is switched off.</p>
    ${secret &&
    html`<div class="issued">
      <${SecretOnce} label="New token" value=${secret.value}><${TokenUsage} /><//>
      <p><button type="button" onClick=${() => setSecret(null)}>Done, I have copied “${secret.name}”</button></p>
    </div>`}
    <${NewTokenForm} permissions=${me.permissions} onCreated=${issued} />
    <section class="panel" aria-labelledby="tokens-title">
      <h2 id="tokens-title">Your tokens</h2>
      <${Async} state=${tokens} loadingLabel="Loading your tokens…">
        ${(items) => html`<${TokenTable} items=${items} onRegenerate=${(t) => setConfirm({ kind: 'regenerate', token: t })} onRevoke=${(t) => setConfirm({ kind: 'revoke', token: t })} />`}
      <//>
    </section>
    <${ApiPasswordBox} me=${me} />
    <${ConfirmDialog} open=${confirm?.kind === 'regenerate'} title=${`Regenerate the token “${confirm?.token.name ?? ''}”?`} confirmLabel="Regenerate token" danger onClose=${close}
      action=${async () => {
        const t = await post(`/me/tokens/${confirm.token.id}/regenerate`)
        issued(t)
      }}>
      <p>The old secret stops working at once: every script using it fails until you give it the new one. Name, permissions and expiry stay the same.</p>
    <//>
    <${ConfirmDialog} open=${confirm?.kind === 'revoke'} title=${`Revoke the token “${confirm?.token.name ?? ''}”?`} confirmLabel="Revoke token" danger onClose=${close}
      action=${async () => {
        await del(`/me/tokens/${confirm.token.id}`)
        flash(`Token ${confirm.token.name} revoked.`)
        if (secret?.name === confirm.token.name) setSecret(null)
        tokens.reload()
      }}>
      <p>It stops working at once, for good. Scripts using it will get “401 Unauthorized”.</p>
    <//>
  </div>`
}

const isExpired = (t) => t.expires && new Date(t.expires) <= new Date()

function TokenTable({ items, onRegenerate, onRevoke }) {
  const live = items.filter((t) => !t.revoked)
  const revoked = items.filter((t) => t.revoked)
  return html`<div>
    ${live.length === 0
      ? html`<${Empty} title="You have no tokens.">Create one above to call the Roster API from a script.<//>`
      : html`<div class="table-wrap">
          <table class="tokens-table">
            <caption class="visually-hidden">Your personal access tokens</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Permissions</th><th scope="col" class="wide-only">Created</th><th scope="col">Expires</th><th scope="col" class="wide-only">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              ${live.map((t) => html`<tr key=${t.id}>
                <th scope="row" id=${`token-${t.id}`}>${t.name}</th>
                <td>${t.permissions === null ? html`<span>All of yours</span>` : html`<${PermissionBadges} permissions=${t.permissions} />`}</td>
                <td class="wide-only">${formatDate(t.created)}</td>
                <td>${t.expires ? html`${formatDate(t.expires, { time: false })}${isExpired(t) ? html` <span class="badge expired">expired</span>` : null}` : 'Never'}</td>
                <td class="wide-only">${t.lastUsed ? formatDate(t.lastUsed) : html`<span class="muted">Never</span>`}</td>
                <td class="row-actions">
                  ${!isExpired(t) && html`<button type="button" aria-describedby=${`token-${t.id}`} onClick=${() => onRegenerate(t)}>Regenerate</button>`}
                  <button type="button" aria-describedby=${`token-${t.id}`} onClick=${() => onRevoke(t)}>Revoke</button>
                </td>
              </tr>`)}
            </tbody>
          </table>
        </div>`}
    ${revoked.length > 0 &&
    html`<details class="revoked-tokens">
      <summary>Revoked tokens (${revoked.length})</summary>
      <ul>${revoked.map((t) => html`<li key=${t.id}>${t.name} <span class="badge revoked">revoked ${formatDate(t.revoked)}</span></li>`)}</ul>
    </details>`}
  </div>`
}

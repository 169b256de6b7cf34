/**
 * Service accounts: users for machine access (no password, never an interactive sign-in), each
 * with an owner, roles and tokens. Each is a user, so its page is the user page; tokens can be
 * made right here too.
 */
import { html, useState, useEffect } from '../lib.js'
import { get, post } from '../api.js'
import { useMe, can } from '../session.js'
import { Link } from '../ui/router.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty } from '../ui/states.js'
import { FormError, Field, SecretOnce, useDialogForm } from '../ui/forms.js'
import { Dialog } from '../ui/dialogs.js'
import { StatusBadge, formatDate } from '../ui/format.js'
import { PageHeader } from '../ui/page.js'
import { flash } from '../ui/notices.js'
import { GatedButton, needs } from '../ui/gated.js'
import { useRoles } from '../roles/data.js'
import { UserPicker, OwnerName } from '../groups/pickers.js'
import { NewTokenForm } from '../tokens/form.js'
import { TokenUsage } from '../tokens/list.js'

export function ServiceAccountsPage() {
  const { me } = useMe()
  const mayManage = can(me, 'credentials.manage')
  const accounts = useAsync(() => (mayManage ? get('/service-accounts').then((d) => d.items) : Promise.resolve(null)), [mayManage])
  const [creating, setCreating] = useState(false)
  const [tokenFor, setTokenFor] = useState(null)

  return html`<div class="service-accounts-page">
    <${PageHeader} title="Service accounts">
      <${GatedButton} id="new-service-account" class="primary" allowed=${mayManage} reason=${needs('credentials.manage')} onClick=${() => setCreating(true)}>New service account<//>
    <//>
    <p class="hint">A service account is a user for a script or an integration: it has an owner who answers for it, roles, and tokens, but no password, so nobody signs in with it. Open one to manage its tokens, API password and roles.</p>
    ${!mayManage
      ? html`<${Empty} title="You cannot see service accounts.">Service accounts need the credentials.manage permission; ask an administrator of this tenant.<//>`
      : html`<${Async} state=${accounts} loadingLabel="Loading service accounts…">
          ${(items) =>
            items.length === 0
              ? html`<div class="state empty"><strong>There are no service accounts yet.</strong>
                  <p>Create one for each integration, so that its access can be narrowed, audited and revoked on its own.</p>
                  <p><button type="button" class="primary" onClick=${() => setCreating(true)}>Create the first service account</button></p></div>`
              : html`<div class="table-wrap">
                  <table class="sa-table">
                    <caption class="visually-hidden">Service accounts</caption>
                    <thead><tr><th scope="col">Name</th><th scope="col" class="wide-only">Owner</th><th scope="col" class="wide-only">Roles</th><th scope="col">Tokens</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                    <tbody>${items.map((a) => html`<${AccountRow} key=${a.id} account=${a} onNewToken=${setTokenFor} />`)}</tbody>
                  </table>
                </div>`}
        <//>`}
    <${NewAccountDialog} open=${creating} me=${me} onClose=${() => setCreating(false)} onCreated=${accounts.reload} />
    <${TokenDialog} account=${tokenFor} onClose=${() => setTokenFor(null)} onCreated=${accounts.reload} />
  </div>`
}

// The list answer carries each account's owner, roles and token figures: a row never reads more.
function AccountRow({ account, onNewToken }) {
  return html`<tr>
    <th scope="row" id=${`sa-${account.id}`}>
      <${Link} href=${`/admin/users/${account.id}`}>${account.userName}<//>
      ${account.description && html`<div class="hint">${account.description}</div>`}
    </th>
    <td class="wide-only"><${OwnerName} owner=${account.owner} link /></td>
    <td class="wide-only">${account.roles.length ? account.roles.map((r) => html`<span class="badge" key=${r.id}>${r.name}</span> `) : html`<span class="muted">none</span>`}</td>
    <td>${account.tokenCount} live<div class="hint">${account.lastUsed ? `last used ${formatDate(account.lastUsed)}` : 'never used'}</div></td>
    <td><${StatusBadge} status=${account.status} />${account.apiAccess ? null : html` <span class="badge">API off</span>`}</td>
    <td class="row-actions"><button type="button" aria-describedby=${`sa-${account.id}`} disabled=${account.status !== 'active'} title=${account.status !== 'active' ? 'Only an active account can use tokens' : undefined} onClick=${() => onNewToken(account)}>New token</button></td>
  </tr>`
}

function NewAccountDialog({ open, me, onClose, onCreated }) {
  const roles = useRoles()
  const mayGrant = can(me, 'roles.manage')
  const { values: v, set, busy, error, submit } = useDialogForm(open, { name: '', description: '', owner: null, chosen: [] }, async ({ name, description, owner, chosen }) => {
    const a = await post('/service-accounts', { name: name.trim(), description: description.trim(), ownerId: owner?.id ?? null, roles: chosen })
    flash(`Service account ${a.userName} created. Give it a token with “New token”.`)
    onClose()
    onCreated()
  })
  const bad = (f) => error?.field === f || undefined
  const spaced = /\s/.test(v.name.trim())
  return html`<${Dialog} open=${open} title="New service account" onClose=${onClose} wide>
    <form onSubmit=${submit} noValidate>
      <${Field} label="Name" id="sa-name" hint="Its user name: no spaces, e.g. “billing-export”.">
        <input id="sa-name" required maxlength="256" value=${v.name} aria-invalid=${bad('name') || spaced || undefined} aria-describedby="sa-name-hint" onInput=${(e) => set('name', e.currentTarget.value)} />
      <//>
      ${spaced && html`<p class="form-error" role="alert">A service account name cannot contain spaces.</p>`}
      <${Field} label="Description" id="sa-description" hint="Optional: what uses it.">
        <input id="sa-description" maxlength="500" value=${v.description} aria-describedby="sa-description-hint" onInput=${(e) => set('description', e.currentTarget.value)} />
      <//>
      <${UserPicker} id="sa-owner" label="Owner" value=${v.owner} onChange=${(o) => set('owner', o)} hint=${`Who answers for it. Leave empty and it is you (${me.userName}).`} />
      <fieldset>
        <legend>Roles</legend>
        ${!mayGrant
          ? html`<p class="why">Giving it roles ${needs('roles.manage').replace(/^Needs/, 'needs')} Without, create it and ask an administrator to grant roles on its page.</p>`
          : roles === undefined
            ? html`<p class="hint">Loading roles…</p>`
            : roles.map((r) => html`<div class="check-row" key=${r.id}>
                <label class="check"><input type="checkbox" checked=${v.chosen.includes(r.id)} onChange=${(e) => set('chosen', e.currentTarget.checked ? [...v.chosen, r.id] : v.chosen.filter((x) => x !== r.id))} aria-describedby=${`sa-role-${r.id}`} />${r.name}</label>
                <span class="hint" id=${`sa-role-${r.id}`}>${r.permissions.length ? r.permissions.join(', ') : 'no permissions'}</span>
              </div>`)}
      </fieldset>
      <${FormError} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy || !v.name.trim() || spaced}>${busy ? 'Creating…' : 'Create service account'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

function TokenDialog({ account, onClose, onCreated }) {
  const [secret, setSecret] = useState(null)
  useEffect(() => setSecret(null), [account?.id])
  // What the token may be narrowed to is the account's effective permissions (its groups' roles
  // included), which only its detail has: read once the dialog opens, not for every row.
  const read = useAsync(() => (account ? get(`/users/${account.id}`) : Promise.resolve(null)), [account?.id])
  // While another account's detail is re-read, the previous one must not stand in for it.
  const detail = { ...read, data: read.data && read.data.id === account?.id ? read.data : undefined }
  return html`<${Dialog} open=${Boolean(account)} title=${account ? `Create a token for ${account.userName}` : ''} onClose=${onClose} wide>
    ${account &&
    (secret
      ? html`<div>
          <${SecretOnce} label="New token" value=${secret}><${TokenUsage} /><//>
          <div class="actions"><button type="button" class="primary" onClick=${onClose}>Done</button></div>
        </div>`
      : html`<div>
          <${Async} state=${detail} loadingLabel="Loading its permissions…">
            ${(user) => html`<${NewTokenForm} plain idPrefix="sa-token" nameLabel="Token name" path=${`/users/${account.id}/tokens`} permissions=${user.permissions ?? []}
              onCreated=${(t) => {
                setSecret(t.secret)
                onCreated()
              }} />`}
          <//>
          <div class="actions"><button type="button" onClick=${onClose}>Cancel</button></div>
        </div>`)}
  <//>`
}

/**
 * A user's personal access tokens, managed by an admin (a service account's, say): list, create,
 * regenerate and revoke. A secret is shown once, right after it is made.
 */
import { html, useState, useRef, useEffect } from '../lib.js'
import { api, get } from '../api.js'
import { useAsync } from '../ui/data.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { SecretOnce, FormError } from '../ui/forms.js'
import { Loading, ErrorBox } from '../ui/states.js'
import { formatDate } from '../ui/format.js'
import { flash } from '../ui/notices.js'
import { TextField, errorFor, unclaimed, focusField } from './form.js'

// Focus moves after the dialog has closed and handed focus back to its opener.
const focusLater = (ref) => setTimeout(() => ref.current?.focus(), 80)

const tomorrow = () => {
  const d = new Date(Date.now() + 86_400_000)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

function tokenState(t) {
  if (t.revoked) return { text: `Revoked ${formatDate(t.revoked, { time: false })}`, live: false }
  if (t.expires && new Date(t.expires) <= new Date()) return { text: 'Expired', live: false }
  return { text: null, live: true }
}

export function TokensPanel({ user, me }) {
  const path = `/users/${user.id}/tokens`
  const tokens = useAsync(() => get(path).then((r) => r.items), [path])
  const [creating, setCreating] = useState(false)
  const [secret, setSecret] = useState(null)
  const [confirm, setConfirm] = useState(null)
  const secretRef = useRef(null)
  const newRef = useRef(null)
  const own = user.id === me.id

  const shown = (token, made) => {
    setSecret({ name: token.name, value: token.secret, made })
    tokens.reload()
    focusLater(secretRef)
  }
  const regenerate = async (t) => {
    const { data } = await api('POST', `${path}/${encodeURIComponent(t.id)}/regenerate`)
    shown(data, 'regenerated')
  }
  const revoke = async (t) => {
    await api('DELETE', `${path}/${encodeURIComponent(t.id)}`)
    flash(`Revoked the token ${t.name}`)
    if (secret?.name === t.name) setSecret(null)
    tokens.reload()
    focusLater(newRef)
  }

  return html`<div class="user-tokens">
    <h3>Personal access tokens</h3>
    <p class="hint">${own ? 'Your tokens act as you, with your permissions at each use.' : `Tokens act as ${user.userName}, with their permissions at each use; they stop when the user is deactivated or archived.`}</p>
    ${secret &&
    html`<div tabindex="-1" ref=${secretRef} class="secret-wrap">
      <${SecretOnce} label="New token" value=${secret.value}>
        The ${secret.made} token “${secret.name}”. Copy it now: Roster keeps only a hash and cannot show it again. Send it as <code>Authorization: Bearer …</code>.
      <//>
      <button type="button" onClick=${() => setSecret(null)}>Done, I have copied it</button>
    </div>`}
    ${tokens.error
      ? html`<${ErrorBox} error=${tokens.error} retry=${tokens.reload} title="The tokens could not be listed." />`
      : tokens.data === undefined
        ? html`<${Loading} label="Loading tokens…" />`
        : tokens.data.length
          ? html`<${TokenTable} items=${tokens.data} onRegenerate=${(t) => setConfirm({ kind: 'regenerate', token: t })} onRevoke=${(t) => setConfirm({ kind: 'revoke', token: t })} />`
          : html`<p class="muted">No tokens yet.</p>`}
    ${creating
      ? html`<${NewTokenForm}
          path=${path}
          onCreated=${(t) => {
            setCreating(false)
            shown(t, 'new')
          }}
          onCancel=${() => {
            setCreating(false)
            focusLater(newRef)
          }}
        />`
      : html`<div class="actions"><button type="button" ref=${newRef} onClick=${() => setCreating(true)}>New token for this user</button></div>`}
    <${ConfirmDialog}
      open=${confirm?.kind === 'regenerate'}
      title=${`Regenerate ${confirm?.token.name ?? 'the token'}?`}
      confirmLabel="Regenerate"
      danger=${true}
      onClose=${() => setConfirm(null)}
      action=${() => regenerate(confirm.token)}
    >
      <p>A new secret replaces the old one, which stops working at once: every script using it must be given the new one.</p>
    <//>
    <${ConfirmDialog} open=${confirm?.kind === 'revoke'} title=${`Revoke ${confirm?.token.name ?? 'the token'}?`} confirmLabel="Revoke" danger=${true} onClose=${() => setConfirm(null)} action=${() => revoke(confirm.token)}>
      <p>Scripts using it are refused at once. This cannot be undone: a new token would be needed.</p>
    <//>
  </div>`
}

function TokenTable({ items, onRegenerate, onRevoke }) {
  return html`<div class="table-wrap">
    <table class="tokens-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" class="wide-only">Created</th>
          <th scope="col">Expires</th>
          <th scope="col" class="wide-only">Last used</th>
          <th scope="col" class="wide-only">Permissions</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${items.map((t) => {
          const state = tokenState(t)
          return html`<tr key=${t.id} class=${state.live ? '' : 'dead'}>
            <th scope="row">${t.name}${state.text && html` <span class="badge">${state.text}</span>`}</th>
            <td class="wide-only">${formatDate(t.created, { time: false })}</td>
            <td>${t.expires ? formatDate(t.expires, { time: false }) : html`<span class="muted">Never</span>`}</td>
            <td class="wide-only">${t.lastUsed ? formatDate(t.lastUsed) : html`<span class="muted">Never</span>`}</td>
            <td class="wide-only perm-codes">${t.permissions ? t.permissions.map((p) => html`<code key=${p}>${p}</code> `) : html`<span class="muted">All of the user’s</span>`}</td>
            <td class="row-actions">
              ${state.live && !t.revoked && html`<button type="button" onClick=${() => onRegenerate(t)}>Regenerate</button>`}
              ${!t.revoked && html`<button type="button" class="danger-outline" onClick=${() => onRevoke(t)}>Revoke</button>`}
            </td>
          </tr>`
        })}
      </tbody>
    </table>
  </div>`
}

function NewTokenForm({ path, onCreated, onCancel }) {
  const [name, setName] = useState('')
  const [expires, setExpires] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const nameRef = useRef(null)
  useEffect(() => nameRef.current?.focus(), [])
  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      // The end of the chosen day, where the admin is.
      const body = { name: name.trim(), ...(expires ? { expires: new Date(`${expires}T23:59:59`).toISOString() } : {}) }
      const { data } = await api('POST', path, { body })
      onCreated(data)
    } catch (err) {
      setError(err)
      focusField(err, (f) => `new-token-${f}`)
    } finally {
      setBusy(false)
    }
  }
  return html`<form class="new-token" onSubmit=${submit}>
    <div class="form-grid">
      <${TextField} id="new-token-name" label="Token name" value=${name} onInput=${setName} required=${true} maxLength=${100} autocomplete="off" hint="What uses it, e.g. “nightly export”." error=${errorFor(error, 'name')} inputRef=${nameRef} />
      <${TextField} id="new-token-expires" label="Expires" type="date" value=${expires} onInput=${setExpires} hint="Optional: leave empty for a token that never expires." error=${errorFor(error, 'expires')} min=${tomorrow()} />
    </div>
    <${FormError} error=${unclaimed(error, ['name', 'expires'])} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Creating…' : 'Create token'}</button>
      <button type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`
}

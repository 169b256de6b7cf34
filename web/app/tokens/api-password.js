/** Your API password: HTTP Basic on /api for clients that cannot send a bearer token. */
import { html, useState } from '../lib.js'
import { get, put } from '../api.js'
import { useAsync } from '../ui/data.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { SecretOnce, FormError, useSubmit } from '../ui/forms.js'
import { flash } from '../ui/notices.js'

export function ApiPasswordBox({ me }) {
  // Whether one is set is in the user's detail, which needs users.view: without it, "unknown".
  const detail = useAsync(() => get(`/users/${me.id}`).catch(() => null), [me.id])
  const [secret, setSecret] = useState(null)
  const [confirm, setConfirm] = useState(null)
  const has = detail.data?.hasApiPassword
  const login = `${me.tenant.slug}/${me.userName}`
  const { busy, error, submit: generate } = useSubmit(async () => {
    const r = await put(`/users/${me.id}/api-password`, { password: 'generate' })
    setSecret(r.generatedPassword)
    detail.reload()
  })

  return html`<section class="panel api-password">
    <h2 id="api-password-title">API password</h2>
    <p>For tools that only speak HTTP Basic: sign in to <code>/api</code> with the user name <code>${login}</code> (<code>${'<tenant>/<userName>'}</code>) and this password. It is not your sign-in password and does not open the console.
      ${has === true ? html` <strong>You have one set.</strong>` : has === false ? ' You have none yet.' : null}</p>
    ${detail.data?.apiAccess === false && html`<p class="managed-note" role="note">API access is switched off for you: neither tokens nor the API password work until an administrator switches it on.</p>`}
    ${secret &&
    html`<${SecretOnce} label="API password" value=${secret}>
        Copy it now: Roster keeps only a hash and will never show it again. Use it as <code>curl -u '${login}:${'<password>'}' ${location.origin}/api/me</code>
      <//>
      <p><button type="button" onClick=${() => setSecret(null)}>Done, I have copied it</button></p>`}
    <${FormError} error=${error} />
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${() => (has ? setConfirm('replace') : generate())}>${busy ? 'Generating…' : 'Generate API password'}</button>
      ${has && html`<button type="button" onClick=${() => setConfirm('remove')}>Remove API password</button>`}
    </div>
    <${ConfirmDialog} open=${confirm === 'replace'} title="Replace your API password?" confirmLabel="Generate a new one" danger onClose=${() => setConfirm(null)} action=${generate}>
      <p>The current API password stops working at once.</p>
    <//>
    <${ConfirmDialog} open=${confirm === 'remove'} title="Remove your API password?" confirmLabel="Remove it" danger onClose=${() => setConfirm(null)}
      action=${async () => {
        await put(`/users/${me.id}/api-password`, { password: null })
        setSecret(null)
        flash('API password removed: HTTP Basic no longer works for you.')
        detail.reload()
      }}>
      <p>Tools using it fail at once. Your tokens keep working.</p>
    <//>
  </section>`
}

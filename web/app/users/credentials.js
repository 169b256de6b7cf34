/**
 * A user's API credentials: the switch that stops them all, the API password (HTTP Basic) and the
 * personal access tokens. An admin with credentials.manage manages anyone's; everyone their own.
 */
import { html, useState, useRef, useEffect } from '../lib.js'
import { api } from '../api.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { SecretOnce, FormError } from '../ui/forms.js'
import { ApiPasswordForm } from '../tokens/api-password.js'
import { flash } from '../ui/notices.js'
import { can } from '../session.js'
import { TokensPanel } from './tokens.js'

export function CredentialsSection({ user, me, reload }) {
  // Yours, or anyone's with credentials.manage: the API says which (`allowed`).
  if (!user.allowed?.manageCredentials) return null
  const manager = can(me, 'credentials.manage')
  return html`<section class="panel">
    <h2 id="credentials-title">API access and credentials</h2>
    <${ApiAccess} user=${user} manager=${manager} reload=${reload} />
    <${ApiPassword} user=${user} me=${me} reload=${reload} />
    <${TokensPanel} user=${user} me=${me} />
  </section>`
}

function ApiAccess({ user, manager, reload }) {
  const [on, setOn] = useState(user.apiAccess !== false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  useEffect(() => setOn(user.apiAccess !== false), [user.apiAccess])
  const toggle = async (e) => {
    const enabled = e.currentTarget.checked
    setOn(enabled)
    setBusy(true)
    setError(null)
    try {
      await api('PUT', `/users/${user.id}/api-access`, { body: { enabled } })
      await reload()
      flash(enabled ? `API access switched on for ${user.userName}` : `API access switched off for ${user.userName}`)
    } catch (err) {
      setOn(!enabled)
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return html`<div class="field api-access">
    <label class="check"><input type="checkbox" id="api-access" checked=${on} disabled=${busy || !manager} onChange=${toggle} aria-describedby="api-access-hint" /> API access</label>
    <p class="hint" id="api-access-hint">
      ${on ? 'On: their tokens and API password work, within their permissions.' : 'Off: their tokens and API password are refused. Their console session is not affected.'}
      ${!manager && ' Switching it needs the credentials.manage permission.'}
    </p>
    <${FormError} error=${error} />
  </div>`
}

function ApiPassword({ user, me, reload }) {
  const [secret, setSecret] = useState(null)
  const [removing, setRemoving] = useState(false)
  const secretRef = useRef(null)
  const remove = async () => {
    await api('PUT', `/users/${user.id}/api-password`, { body: { password: null } })
    setSecret(null)
    await reload()
    flash(`Removed the API password of ${user.userName}`)
  }
  return html`<div class="api-password">
    <h3>API password</h3>
    <p>
      ${user.hasApiPassword ? 'Set.' : 'Not set.'} For clients that cannot send tokens: HTTP Basic with the user name <code>${me.tenant.slug}/${user.userName}</code> and
      this password, separate from the sign-in password.
    </p>
    ${secret &&
    html`<div tabindex="-1" ref=${secretRef} class="secret-wrap">
      <${SecretOnce} label="API password" value=${secret}>Copy it now: Roster keeps only a hash and cannot show it again. Generating another replaces it.<//>
      <button type="button" onClick=${() => setSecret(null)}>Done, I have copied it</button>
    </div>`}
    <${ApiPasswordForm} userId=${user.id} hasPassword=${Boolean(user.hasApiPassword)} idPrefix="user-api-password"
      onSet=${async (generated) => {
        setSecret(generated)
        await reload()
        if (generated) setTimeout(() => secretRef.current?.focus(), 80)
        else flash(`API password of ${user.userName} set`)
      }} />
    ${user.hasApiPassword && html`<div class="actions"><button type="button" class="danger-outline" onClick=${() => setRemoving(true)}>Remove API password</button></div>`}
    <${ConfirmDialog} open=${removing} title=${`Remove the API password of ${user.userName}?`} confirmLabel="Remove API password" danger=${true} onClose=${() => setRemoving(false)} action=${remove}>
      <p>Clients signing in with it are refused at once. Their tokens keep working.</p>
    <//>
  </div>`
}

/** The roles a group gives: every member (nested groups included) holds them while a member. */
import { html, useState } from '../lib.js'
import { post, del } from '../api.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { FormError } from '../ui/forms.js'
import { flash } from '../ui/notices.js'
import { needs } from '../ui/gated.js'
import { useRoles, roleName } from '../roles/data.js'
import { PermissionBadges } from '../roles/permissions.js'

export function GroupRoles({ group, mayEdit, onChanged }) {
  const roles = useRoles()
  const [choice, setChoice] = useState('')
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)
  const [removing, setRemoving] = useState(null)
  // The group names its roles; their permissions come from the tenant's role list.
  const held = group.roles.map((r) => roles?.find((x) => x.id === r.id) ?? { ...r, permissions: [], description: '' })
  // roles.manage hands out only what its holder has: the API says which (`allowed.grantRoles`).
  const grantable = (roles ?? []).filter((r) => !held.some((h) => h.id === r.id) && group.allowed?.grantRoles?.includes(r.id))

  const grant = async (e) => {
    e.preventDefault()
    if (!choice) return
    setBusy(true)
    setError(null)
    try {
      await post(`/groups/${group.id}/roles`, { role: choice })
      flash(`Members of ${group.displayName} now hold the role ${roleName(roles, choice)}.`)
      setChoice('')
      onChanged()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return html`<section class="panel group-roles" aria-labelledby="group-roles-title">
    <h2 id="group-roles-title">Roles</h2>
    <p class="hint">Members of this group hold these roles (members of groups inside it too), for as long as they are members.</p>
    ${held.length === 0
      ? html`<p class="muted">This group gives no roles.</p>`
      : html`<ul class="role-list">
          ${held.map((r) => html`<li key=${r.id}>
            <div><strong id=${`grole-${r.id}`}>${r.name}</strong>${r.description ? html` <span class="muted">— ${r.description}</span>` : null}
              <${PermissionBadges} permissions=${r.permissions} /></div>
            ${mayEdit && html`<button type="button" aria-describedby=${`grole-${r.id}`} onClick=${() => setRemoving(r)}>Remove</button>`}
          </li>`)}
        </ul>`}
    ${mayEdit
      ? html`<form class="grant-form" onSubmit=${grant}>
          <div class="field">
            <label for="grant-role">Role to grant</label>
            <select id="grant-role" value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)} disabled=${roles === undefined}>
              <option value="">${roles === undefined ? 'Loading roles…' : grantable.length ? 'Choose a role…' : 'The group holds every role'}</option>
              ${grantable.map((r) => html`<option key=${r.id} value=${r.id}>${r.name}</option>`)}
            </select>
          </div>
          <button type="submit" class="primary" disabled=${busy || !choice}>${busy ? 'Granting…' : 'Grant'}</button>
          <${FormError} error=${error} />
        </form>`
      : html`<p class="why">Granting and removing roles: ${needs('roles.manage')}</p>`}
    <${ConfirmDialog} open=${Boolean(removing)} title=${removing ? `Remove the role ${removing.name} from ${group.displayName}?` : ''} confirmLabel="Remove role" danger onClose=${() => setRemoving(null)}
      action=${async () => {
        const r = removing
        await del(`/groups/${group.id}/roles/${encodeURIComponent(r.id)}`)
        flash(`Members of ${group.displayName} no longer hold ${r.name} through it.`)
        onChanged()
      }}>
      <p>Members lose its permissions at their next request, unless they hold the role another way (directly or through another group).</p>
    <//>
  </section>`
}

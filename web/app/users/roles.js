/**
 * A user's effective roles, with where each comes from (directly, or through groups), and what they
 * add up to. Roles are Roster's own, so they are granted here in every tenant, managed or not.
 */
import { html, useState, useRef } from '../lib.js'
import { api, get } from '../api.js'
import { Link } from '../ui/router.js'
import { useAsync } from '../ui/data.js'
import { flash } from '../ui/notices.js'
import { FormError } from '../ui/forms.js'
import { permissionAllows } from '../roles/permissions.js'

function Via({ via }) {
  if (via === null || via === undefined) return html`<span>Assigned directly</span>`
  return html`<ul class="via-list">
    ${via.map((v) => html`<li key=${v.groupId}>via group <${Link} href=${`/admin/groups/${v.groupId}`}>${v.groupName}<//></li>`)}
  </ul>`
}

export function RolesSection({ user, me, reload }) {
  const self = user.id === me.id
  // Nobody changes their own roles (the API's `allowed` says so), and roles.manage hands out only
  // what its holder has (the API refuses both; the console does not offer them).
  const mayManage = Boolean(user.allowed?.manageRoles)
  const within = (r) => Boolean(user.allowed?.grantRoles?.includes(r.id))
  const all = useAsync(() => (mayManage ? get('/roles').then((r) => r.items) : []), [mayManage])
  const [choice, setChoice] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const selectRef = useRef(null)
  const headRef = useRef(null)
  const roles = user.roles ?? []
  const direct = new Set(roles.filter((r) => r.via === null).map((r) => r.id))
  const grantable = (all.data ?? []).filter((r) => !direct.has(r.id) && within(r))

  const change = async (method, path, body, done, focus) => {
    setBusy(true)
    setError(null)
    try {
      await api(method, path, { body })
      await reload()
      flash(done)
      setTimeout(() => focus()?.focus(), 0)
      return true
    } catch (err) {
      setError(err)
      return false
    } finally {
      setBusy(false)
    }
  }
  const grant = async (e) => {
    e.preventDefault()
    const role = grantable.find((r) => r.id === choice)
    if (!role) return
    if (await change('POST', `/users/${user.id}/roles`, { role: role.id }, `Granted ${role.name} to ${user.userName}`, () => selectRef.current)) setChoice('')
  }
  const revoke = (role) => change('DELETE', `/users/${user.id}/roles/${encodeURIComponent(role.id)}`, undefined, `Revoked ${role.name} from ${user.userName}`, () => headRef.current)

  return html`<section class="panel">
    <h2 id="roles-title" tabindex="-1" ref=${headRef}>Roles</h2>
    ${roles.length
      ? html`<div class="table-wrap">
          <table class="roles-table">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">How</th>
                <th scope="col" class="wide-only">Permissions</th>
                ${mayManage && html`<th scope="col"><span class="visually-hidden">Actions</span></th>`}
              </tr>
            </thead>
            <tbody>
              ${roles.map(
                (r) => html`<tr key=${r.id}>
                  <th scope="row">${r.name}${r.builtIn ? html` <span class="badge">built-in</span>` : null}</th>
                  <td class="via"><${Via} via=${r.via} /></td>
                  <td class="wide-only perm-codes">${r.permissions.length ? r.permissions.map((p) => html`<code key=${p}>${p}</code> `) : html`<span class="muted">none</span>`}</td>
                  ${mayManage &&
                  html`<td>${r.via === null
                    ? within(r)
                      ? html`<button type="button" onClick=${() => revoke(r)} disabled=${busy}>Revoke</button>`
                      : html`<span class="muted hint">It carries permissions you do not hold</span>`
                    : html`<span class="muted hint">Change the group’s roles or membership</span>`}</td>`}
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      : html`<p class="muted">No roles: ${user.userName} can sign in and administer nothing.</p>`}
    ${mayManage &&
    html`<form class="grant-form" onSubmit=${grant}>
      <div class="field">
        <label for="grant-role">Role to grant</label>
        <select id="grant-role" ref=${selectRef} value=${choice} onChange=${(e) => setChoice(e.currentTarget.value)} required>
          <option value="">${all.data === undefined ? 'Loading roles…' : grantable.length ? 'Choose a role…' : 'Every role is already granted'}</option>
          ${grantable.map((r) => html`<option key=${r.id} value=${r.id}>${r.name}</option>`)}
        </select>
      </div>
      <button type="submit" disabled=${busy}>Grant</button>
    </form>`}
    ${self && html`<p class="hint">These are your own roles. Nobody grants or revokes their own roles: ask another administrator.</p>`}
    ${all.error && html`<${FormError} error=${all.error} />`}
    <${FormError} error=${error} />
    ${!self && !mayManage && html`<p class="hint">Granting and revoking roles needs the roles.manage permission.</p>`}
    ${mayManage && html`<p class="hint">You can grant and revoke roles whose permissions you hold yourself.</p>`}
    <h3>Effective permissions</h3>
    ${user.permissions?.length
      ? html`<ul class="perm-list">
          ${user.permissions.map((p) => html`<li key=${p}><code>${p}</code> <span class="muted">${permissionAllows(me, p)}</span></li>`)}
        </ul>`
      : html`<p class="muted">None.</p>`}
  </section>`
}

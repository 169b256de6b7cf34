/** Roles: the named sets of permissions given to users and groups; custom ones defined here. */
import { html, useState } from '../lib.js'
import { post, del } from '../api.js'
import { useMe, can } from '../session.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty } from '../ui/states.js'
import { FormError, Field, useDialogForm } from '../ui/forms.js'
import { Dialog, ConfirmDialog } from '../ui/dialogs.js'
import { PageHeader } from '../ui/page.js'
import { flash } from '../ui/notices.js'
import { GatedButton, needs } from '../ui/gated.js'
import { loadRoles } from './data.js'
import { inCatalogueOrder, PermissionBadges, PermissionChecks } from './permissions.js'

export function RolesPage() {
  const { me } = useMe()
  const roles = useAsync(() => loadRoles({ fresh: true }), [])
  const [creating, setCreating] = useState(false)
  const [deleting, setDeleting] = useState(null)
  const mayManage = can(me, 'roles.manage')

  return html`<div class="roles-page">
    <${PageHeader} title="Roles">
      <${GatedButton} id="new-role" class="primary" allowed=${mayManage} reason=${needs('roles.manage')} onClick=${() => setCreating(true)}>New role<//>
    <//>
    <p class="hint">A role is a named set of permissions. Give roles to users (on a user’s page) or to groups (on a group’s page): a user holds its own roles and those of its groups. Built-in roles are the same in every tenant and cannot be changed.</p>
    <${Async} state=${roles} loadingLabel="Loading roles…">
      ${(items) =>
        items.length === 0
          ? html`<${Empty} title="There are no roles.">Reload the page; the built-in roles should always be listed.<//>`
          : html`<div class="table-wrap">
              <table class="roles-table">
                <caption class="visually-hidden">Roles</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Permissions</th><th scope="col" class="wide-only">Description</th>${mayManage && html`<th scope="col"><span class="visually-hidden">Actions</span></th>`}</tr></thead>
                <tbody>
                  ${items.map((r) => html`<tr key=${r.id}>
                    <th scope="row" id=${`role-${r.id}`}>${r.name}</th>
                    <td>${r.builtIn ? html`<span class="badge builtin">built-in</span>` : html`<span class="badge">custom</span>`}</td>
                    <td><${PermissionBadges} permissions=${r.permissions} none="None (signs in only)" /></td>
                    <td class="wide-only desc">${r.description || html`<span class="muted">—</span>`}</td>
                    ${mayManage && html`<td class="row-actions">${r.builtIn ? html`<span class="muted" aria-hidden="true">—</span><span class="visually-hidden">Built-in roles cannot be deleted</span>` : html`<button type="button" aria-describedby=${`role-${r.id}`} onClick=${() => setDeleting(r)}>Delete</button>`}</td>`}
                  </tr>`)}
                </tbody>
              </table>
            </div>`}
    <//>
    <${NewRoleDialog} open=${creating} onClose=${() => setCreating(false)} onCreated=${roles.reload} />
    <${ConfirmDialog} open=${Boolean(deleting)} title=${deleting ? `Delete the role ${deleting.name}?` : ''} confirmLabel="Delete role" danger onClose=${() => setDeleting(null)}
      action=${async () => {
        const r = deleting
        await del(`/roles/${encodeURIComponent(r.id)}`)
        flash(`Role ${r.name} deleted.`)
        roles.reload()
      }}>
      <p>Every user and group holding it loses it, with its permissions, at their next request; signed-in holders are signed out. This cannot be undone.</p>
    <//>
  </div>`
}

function NewRoleDialog({ open, onClose, onCreated }) {
  const { me } = useMe()
  const { values: v, set, busy, error, submit } = useDialogForm(open, { name: '', description: '', permissions: [] }, async ({ name, description, permissions }) => {
    // In the canonical order, whatever order they were ticked in.
    const ordered = inCatalogueOrder(me, permissions)
    const role = await post('/roles', { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), permissions: ordered })
    flash(`Role ${role.name} created. Give it to users or groups from their pages.`)
    onClose()
    onCreated()
  })
  const bad = (f) => error?.field === f || undefined
  return html`<${Dialog} open=${open} title="New role" onClose=${onClose} wide>
    <form onSubmit=${submit} noValidate>
      <${Field} label="Role name" id="role-name">
        <input id="role-name" required maxlength="100" value=${v.name} aria-invalid=${bad('name')} onInput=${(e) => set('name', e.currentTarget.value)} />
      <//>
      <${Field} label="Description" id="role-description" hint="Optional: who should hold this role and why.">
        <input id="role-description" maxlength="500" value=${v.description} aria-describedby="role-description-hint" onInput=${(e) => set('description', e.currentTarget.value)} />
      <//>
      <${PermissionChecks} idPrefix="role-perm" legend="Permissions" permissions=${inCatalogueOrder(me, me.permissions)} selected=${v.permissions} onChange=${(p) => set('permissions', p)}
        hint="Holders of the role may do what these allow; you can put in only permissions you hold yourself. A role without permissions only lets its holders sign in." />
      <${FormError} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy || !v.name.trim()}>${busy ? 'Creating…' : 'Create role'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

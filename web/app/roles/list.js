/** Roles: the named sets of permissions given to users and groups; custom ones defined here. */
import { html, useState } from '../lib.js'
import { post, patch, del } from '../api.js'
import { useMe, can } from '../session.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty } from '../ui/states.js'
import { FormError, Field, invalidFor, unclaimed, useDialogForm } from '../ui/forms.js'
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
  const [editing, setEditing] = useState(null)
  const mayManage = can(me, 'roles.manage')

  return html`<div class="roles-page">
    <${PageHeader} title="Roles">
      <${GatedButton} id="new-role" class="primary" allowed=${mayManage} reason=${needs('roles.manage')} onClick=${() => setCreating(true)}>New role<//>
    <//>
    <p class="hint">A role is a named set of permissions. Give roles to users (on a user’s page) or to groups (on a group’s page): a user holds its own roles and those of its groups. Built-in roles are the same in every tenant and cannot be changed; custom ones can be edited, and their holders get the change at once.</p>
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
                    ${mayManage && html`<td class="row-actions">${r.builtIn ? html`<span class="muted" aria-hidden="true">—</span><span class="visually-hidden">Built-in roles cannot be changed or deleted</span>` : html`<${EditButton} role=${r} me=${me} onClick=${() => setEditing(r)} /> <button type="button" aria-describedby=${`role-${r.id}`} onClick=${() => setDeleting(r)}>Delete</button>`}</td>`}
                  </tr>`)}
                </tbody>
              </table>
            </div>`}
    <//>
    <${RoleDialog} open=${creating} onClose=${() => setCreating(false)} onSaved=${roles.reload} />
    <${RoleDialog} open=${Boolean(editing)} role=${editing} onClose=${() => setEditing(null)} onSaved=${roles.reload} />
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

/** Permissions the role carries that the operator does not hold: a role they may not change (the API says 403). */
const beyond = (me, role) => role.permissions.filter((p) => !me.permissions.includes(p))

function EditButton({ role, me, onClick }) {
  const missing = beyond(me, role)
  if (!missing.length) return html`<button type="button" aria-label=${`Edit ${role.name}`} onClick=${onClick}>Edit</button>`
  return html`<${GatedButton} id=${`edit-role-${role.id}`} allowed=${false} reason=${`It carries permissions you do not hold: ${missing.join(', ')}`}>Edit<//>`
}

// The form's words for the API's fields (its errors say them, per field).
const LABELS = { name: 'Role name', description: 'Description', permissions: 'Permissions' }

/** A new role (no `role`), or a custom role's name, description and permissions to change. */
function RoleDialog({ open, role, onClose, onSaved }) {
  const { me } = useMe()
  const blank = role ? { name: role.name, description: role.description ?? '', permissions: role.permissions } : { name: '', description: '', permissions: [] }
  const { values: v, set, busy, error, submit } = useDialogForm(open, blank, async ({ name, description, permissions }) => {
    // In the canonical order, whatever order they were ticked in.
    const ordered = inCatalogueOrder(me, permissions)
    if (role) {
      // Only what changed: an edit of the description alone asks nothing of the permissions.
      const changes = {}
      if (name.trim() !== role.name) changes.name = name.trim()
      if (description.trim() !== (role.description ?? '')) changes.description = description.trim()
      if (ordered.join() !== inCatalogueOrder(me, role.permissions).join()) changes.permissions = ordered
      if (Object.keys(changes).length) {
        const saved = await patch(`/roles/${encodeURIComponent(role.id)}`, changes)
        flash(`Role ${saved.name} saved. Its holders have the new permissions from their next click.`)
      }
    } else {
      const created = await post('/roles', { name: name.trim(), ...(description.trim() ? { description: description.trim() } : {}), permissions: ordered })
      flash(`Role ${created.name} created. Give it to users or groups from their pages.`)
    }
    onClose()
    onSaved()
  })
  const prefix = role ? 'edit-role' : 'role'
  // What may be ticked: what you hold; a role's own permissions are shown too (all held, or you could not edit it).
  const offered = inCatalogueOrder(me, [...new Set([...me.permissions, ...(role?.permissions ?? [])])])
  return html`<${Dialog} open=${open} title=${role ? `Edit the role ${role.name}` : 'New role'} onClose=${onClose} wide>
    <form onSubmit=${submit} noValidate>
      <${Field} label="Role name" id=${`${prefix}-name`} name="name" error=${error} required>
        <input id=${`${prefix}-name`} required maxlength="100" value=${v.name} ...${invalidFor(error, 'name', `${prefix}-name`)} onInput=${(e) => set('name', e.currentTarget.value)} />
      <//>
      <${Field} label="Description" id=${`${prefix}-description`} name="description" error=${error} hint="Optional: who should hold this role and why.">
        <input id=${`${prefix}-description`} maxlength="500" value=${v.description} ...${invalidFor(error, 'description', `${prefix}-description`, `${prefix}-description-hint`)} onInput=${(e) => set('description', e.currentTarget.value)} />
      <//>
      <${PermissionChecks} idPrefix=${`${prefix}-perm`} legend="Permissions" permissions=${offered} selected=${v.permissions} onChange=${(p) => set('permissions', p)}
        hint=${role
          ? 'Every holder of the role gets exactly these, at their next click; you can put in only permissions you hold yourself.'
          : 'Holders of the role may do what these allow; you can put in only permissions you hold yourself. A role without permissions only lets its holders sign in.'} />
      <${FormError} error=${unclaimed(error, ['name', 'description'])} labels=${LABELS} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy || !v.name.trim()}>${busy ? 'Saving…' : role ? 'Save role' : 'Create role'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

/** One group: its name and owner, its members, and the roles its members hold through it. */
import { html, useState, useEffect } from '../lib.js'
import { api, del } from '../api.js'
import { useMe, can } from '../session.js'
import { navigate } from '../ui/router.js'
import { useAsync } from '../ui/data.js'
import { Loading, ErrorBox } from '../ui/states.js'
import { FormError, Field, useSubmit } from '../ui/forms.js'
import { Dialog, ConfirmDialog } from '../ui/dialogs.js'
import { ManagedNote } from '../ui/tenant.js'
import { PageHeader } from '../ui/page.js'
import { flash } from '../ui/notices.js'
import { formatDate } from '../ui/format.js'
import { GatedButton, needs } from '../ui/gated.js'
import { StillHere } from './managed.js'
import { UserPicker, OwnerName } from './pickers.js'
import { GroupMembers } from './members.js'
import { GroupRoles } from './roles.js'

export function GroupPage({ id }) {
  const { me } = useMe()
  const state = useAsync(() => api('GET', `/groups/${encodeURIComponent(id)}`), [id])
  const [dialog, setDialog] = useState(null)
  const close = () => setDialog(null)

  if (state.error && !state.data) {
    return html`<div>
      <${PageHeader} title="Group" back=${{ href: '/admin/groups', label: 'Groups' }} />
      <${ErrorBox} error=${state.error} retry=${state.reload} title=${state.error.status === 404 ? 'There is no such group.' : 'The group could not be loaded.'} />
    </div>`
  }
  if (!state.data) return html`<${Loading} label="Loading the group…" />`
  const { data: group, etag } = state.data
  const managed = Boolean(group.managedBy)
  const mayManage = can(me, 'groups.manage')
  const sourceReason = 'Renamed and deleted at its source (see the note below).'

  return html`<div class="group-page">
    <${PageHeader} title=${group.displayName} back=${{ href: '/admin/groups', label: 'Groups' }}>
      <${GatedButton} id="rename-group" allowed=${mayManage && !managed} reasonId="group-locked-why" onClick=${() => setDialog('rename')}>Rename<//>
      <${GatedButton} id="delete-group" class="danger" allowed=${mayManage && !managed} reasonId="group-locked-why" onClick=${() => setDialog('delete')}>Delete group<//>
      ${!(mayManage && !managed) && html`<span class="why" id="group-locked-why">${managed ? sourceReason : needs('groups.manage')}</span>`}
    <//>
    ${managed && html`<${ManagedNote} managedBy=${group.managedBy} source=${me.tenant.source} /><${StillHere} />`}
    <dl class="props group-props">
      <dt>Owner</dt>
      <dd>
        <${OwnerName} owner=${group.owner} link />
        ${' '}<${GatedButton} id="change-owner" class="link" allowed=${mayManage} reason=${needs('groups.manage')} onClick=${() => setDialog('owner')}>Change owner<//>
      </dd>
      <dt>Members</dt><dd>${group.memberCount}</dd>
      <dt>Source</dt><dd>${group.origin === 'local' ? 'Created in Roster' : group.origin === 'ldap' ? 'Synced from the directory' : 'Provisioned over SCIM'}</dd>
      <dt>Created</dt><dd>${formatDate(group.created)}</dd>
      <dt>Changed</dt><dd>${formatDate(group.modified)}</dd>
    </dl>

    <${GroupMembers} group=${group} mayEdit=${mayManage && !managed} reason=${managed ? 'Members are changed at the group’s source (see the note above).' : needs('groups.manage')} onChanged=${state.reload} />
    <${GroupRoles} group=${group} mayEdit=${Boolean(group.allowed?.manageRoles)} onChanged=${state.reload} />

    <${RenameDialog} open=${dialog === 'rename'} group=${group} etag=${etag} onClose=${close} reload=${state.reload} />
    <${OwnerDialog} open=${dialog === 'owner'} group=${group} etag=${etag} onClose=${close} reload=${state.reload} />
    <${ConfirmDialog} open=${dialog === 'delete'} title=${`Delete the group ${group.displayName}?`} confirmLabel="Delete" danger onClose=${close}
      action=${async () => {
        await del(`/groups/${group.id}`, { etag })
        flash(`Group ${group.displayName} deleted.`)
        navigate('/admin/groups')
      }}>
      <p>Its ${group.memberCount} member${group.memberCount === 1 ? '' : 's'} stay in Roster but lose the roles they hold through this group${group.roles.length ? ` (${group.roles.length})` : ''}, at their next request. This cannot be undone.</p>
    <//>
  </div>`
}

/** A failed save; when it failed because the group changed meanwhile, a way to re-read it that keeps what was typed. */
function SaveError({ error, setError, reload }) {
  const again = () => {
    setError(null)
    reload()
  }
  return html`<${FormError} error=${error} />
    ${error?.status === 412 && html`<p><button type="button" onClick=${again}>Reload the group</button> <span class="hint">Your typing is kept; save again after reloading.</span></p>`}`
}

function RenameDialog({ open, group, etag, onClose, reload }) {
  const [name, setName] = useState(group.displayName)
  const { busy, error, setError, submit } = useSubmit(async () => {
    await api('PATCH', `/groups/${group.id}`, { body: { displayName: name.trim() }, etag })
    flash(`Group renamed to ${name.trim()}.`)
    onClose()
    reload()
  })
  useEffect(() => {
    if (open) {
      setName(group.displayName)
      setError(null)
    }
  }, [open])
  return html`<${Dialog} open=${open} title="Rename the group" onClose=${onClose}>
    <form onSubmit=${submit} noValidate>
      <${Field} label="Group name" id="rename-group-name">
        <input id="rename-group-name" required maxlength="256" value=${name} aria-invalid=${error?.field === 'displayName' || undefined} onInput=${(e) => setName(e.currentTarget.value)} />
      <//>
      <${SaveError} error=${error} setError=${setError} reload=${reload} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy || !name.trim() || name.trim() === group.displayName}>${busy ? 'Saving…' : 'Save name'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

function OwnerDialog({ open, group, etag, onClose, reload }) {
  const [owner, setOwner] = useState(null)
  const { busy, error, setError, submit } = useSubmit(async () => {
    await api('PATCH', `/groups/${group.id}`, { body: { ownerId: owner?.id ?? null }, etag })
    flash(owner ? `The group’s owner is now ${owner.userName}.` : 'The group has no owner now.')
    onClose()
    reload()
  })
  useEffect(() => {
    if (!open) return
    setError(null)
    setOwner(group.owner)
  }, [open])
  return html`<${Dialog} open=${open} title="Change the owner" onClose=${onClose}>
    <form onSubmit=${submit}>
      <${UserPicker} id="group-owner" label="Owner" value=${owner} onChange=${setOwner}
        hint="Search by name, user name or email and choose the new owner; clear the choice to leave the group without an owner." />
      <${SaveError} error=${error} setError=${setError} reload=${reload} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : 'Save owner'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

/** The group list: search, page, see owners and roles at a glance, create a group. */
import { html, useState, useEffect } from '../lib.js'
import { get, post } from '../api.js'
import { useMe, can } from '../session.js'
import { Link, navigate, setQuery } from '../ui/router.js'
import { useAsync, useDebounced, useCursorPages } from '../ui/data.js'
import { Pager } from '../ui/tables.js'
import { Loading, ErrorBox, Empty } from '../ui/states.js'
import { FormError, Field, useDialogForm } from '../ui/forms.js'
import { Dialog } from '../ui/dialogs.js'
import { ManagedNote } from '../ui/tenant.js'
import { PageHeader } from '../ui/page.js'
import { flash } from '../ui/notices.js'
import { GatedButton, needs } from '../ui/gated.js'
import { isManagedTenant, groupsManagedText, StillHere } from './managed.js'
import { UserPicker, OwnerName } from './pickers.js'

export { GroupPage } from './detail.js'

const PAGE_SIZE = 25

export function GroupsPage({ query }) {
  const { me } = useMe()
  const [search, setSearch] = useState(query?.get('q') ?? '')
  const q = useDebounced(search.trim(), 250)
  useEffect(() => {
    if ((new URLSearchParams(location.search).get('q') ?? '') !== q) setQuery({ q })
  }, [q])
  const pages = useCursorPages(q)
  const list = useAsync(() => get('/groups', { q, cursor: pages.cursor, limit: PAGE_SIZE }), [q, pages.cursor])
  const [creating, setCreating] = useState(false)
  const managed = isManagedTenant(me)
  const mayManage = can(me, 'groups.manage')

  return html`<div class="groups-page">
    <${PageHeader} title="Groups">
      <${GatedButton} id="new-group" class="primary" allowed=${mayManage && !managed} reason=${managed ? 'Groups are created at the source (see the note below).' : needs('groups.manage')} onClick=${() => setCreating(true)}>New group<//>
    <//>
    ${managed && html`<${ManagedNote} managedBy=${groupsManagedText(me)} source=${me.tenant.source} /><${StillHere} />`}
    <div class="toolbar" role="search">
      <label class="visually-hidden" for="group-search">Search groups</label>
      <input id="group-search" type="search" placeholder="Search groups by name" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} />
    </div>
    ${list.error
      ? html`<${ErrorBox} error=${list.error} retry=${list.reload} title="The groups could not be loaded." />`
      : list.data === undefined
        ? html`<${Loading} label="Loading groups…" />`
        : html`<${GroupTable} items=${list.data.items} q=${q} loading=${list.loading} mayCreate=${mayManage && !managed} onCreate=${() => setCreating(true)} />
          ${(pages.page > 1 || list.data.next) && html`<${Pager} pages=${pages} next=${list.data.next} noun="groups" />`}`}
    <${NewGroupDialog} open=${creating} onClose=${() => setCreating(false)} />
  </div>`
}

function GroupTable({ items, q, loading, mayCreate, onCreate }) {
  if (items.length === 0) {
    return q
      ? html`<${Empty} title=${`No group matches “${q}”.`}>Check the spelling, or search for part of the name.<//>`
      : html`<div class="state empty"><strong>There are no groups yet.</strong>
          <p>Groups gather users so that you can give them roles together.</p>
          ${mayCreate && html`<p><button type="button" class="primary" onClick=${onCreate}>Create the first group</button></p>`}
        </div>`
  }
  return html`<div class="table-wrap" aria-busy=${loading}>
    <table class="groups-table">
      <caption class="visually-hidden">Groups${q ? ` matching “${q}”` : ''}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col" class="num">Members</th><th scope="col">Owner</th><th scope="col" class="wide-only">Roles</th></tr></thead>
      <tbody>
        ${items.map((g) => html`<${GroupRow} key=${g.id} group=${g} />`)}
      </tbody>
    </table>
  </div>`
}

// The list answer names each group's owner and roles: a row never reads more.
function GroupRow({ group }) {
  return html`<tr>
    <td>
      <${Link} href=${`/admin/groups/${group.id}`}>${group.displayName}<//>
      ${group.managedBy && html` <span class="badge managed" title=${group.managedBy}>${group.origin === 'ldap' ? 'directory' : group.origin === 'scim' ? 'SCIM' : 'managed'}</span>`}
    </td>
    <td class="num">${group.memberCount}</td>
    <td><${OwnerName} owner=${group.owner} /></td>
    <td class="wide-only">${group.roles.length ? group.roles.map((r) => html`<span class="badge" key=${r.id}>${r.name}</span> `) : html`<span class="muted">none</span>`}</td>
  </tr>`
}

function NewGroupDialog({ open, onClose }) {
  const { values: v, set, busy, error, submit } = useDialogForm(open, { name: '', owner: null }, async ({ name, owner }) => {
    const g = await post('/groups', { displayName: name.trim(), ownerId: owner?.id ?? null })
    flash(`Group ${g.displayName} created.`)
    onClose()
    navigate(`/admin/groups/${g.id}`)
  })
  const bad = (f) => error?.field === f || undefined
  return html`<${Dialog} open=${open} title="New group" onClose=${onClose}>
    <form onSubmit=${submit} noValidate>
      <${Field} label="Group name" id="new-group-name">
        <input id="new-group-name" required maxlength="256" value=${v.name} aria-invalid=${bad('displayName')} onInput=${(e) => set('name', e.currentTarget.value)} />
      <//>
      <${UserPicker} id="new-group-owner" label="Owner" value=${v.owner} onChange=${(o) => set('owner', o)}
        hint="Optional. The owner answers for the group; search by name, user name or email and choose one." />
      <${FormError} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy || !v.name.trim()}>${busy ? 'Creating…' : 'Create group'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}


/** A group's members: searched and paged on the server, removed one by one, added by search. */
import { html, useState } from '../lib.js'
import { get, post } from '../api.js'
import { Link } from '../ui/router.js'
import { useAsync, useDebounced, useCursorPages } from '../ui/data.js'
import { Pager } from '../ui/tables.js'
import { Loading, ErrorBox, Empty } from '../ui/states.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { flash } from '../ui/notices.js'
import { MemberFinder } from './pickers.js'

const PAGE_SIZE = 25

export function GroupMembers({ group, mayEdit, reason, onChanged }) {
  const [search, setSearch] = useState('')
  const q = useDebounced(search.trim(), 250)
  const pages = useCursorPages(q)
  const [version, setVersion] = useState(0)
  const list = useAsync(() => get(`/groups/${group.id}/members`, { q, cursor: pages.cursor, limit: PAGE_SIZE }), [group.id, q, pages.cursor, version])
  const [removing, setRemoving] = useState(null)
  // Members added in this visit, so their "Add" buttons say so even when they are on another page.
  const [added, setAdded] = useState(() => new Set())
  const changed = () => {
    setVersion((v) => v + 1)
    onChanged()
  }
  const memberIds = new Set([...(list.data?.items ?? []).map((m) => m.id), ...added])

  const add = async (m) => {
    try {
      await post(`/groups/${group.id}/members`, { add: [{ id: m.id, type: m.type }] })
      setAdded((s) => new Set([...s, m.id]))
      flash(`${m.name} added to ${group.displayName}.`)
      changed()
    } catch (err) {
      flash(`${m.name} could not be added: ${err.message}`, 'error')
    }
  }

  return html`<section class="panel group-members" aria-labelledby="members-title">
    <h2 id="members-title">Members</h2>
    <div class="toolbar" role="search">
      <label class="visually-hidden" for="member-search">Search members</label>
      <input id="member-search" type="search" placeholder="Search members by name or email" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} />
    </div>
    ${list.error
      ? html`<${ErrorBox} error=${list.error} retry=${list.reload} title="The members could not be loaded." />`
      : list.data === undefined
        ? html`<${Loading} label="Loading members…" />`
        : list.data.items.length === 0
          ? q
            ? html`<${Empty} title=${`No member matches “${q}”.`}>Search by part of a name or email.<//>`
            : html`<${Empty} title="This group has no members yet.">${mayEdit ? 'Find users or groups under “Add members” below.' : ''}<//>`
          : html`<div class="table-wrap" aria-busy=${list.loading}>
              <table>
                <caption class="visually-hidden">Members of ${group.displayName}</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col" class="wide-only">Email</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                <tbody>
                  ${list.data.items.map((m) => html`<tr key=${m.id}>
                    <td id=${`member-${m.id}`}><${Link} href=${m.type === 'Group' ? `/admin/groups/${m.id}` : `/admin/users/${m.id}`}>${m.name}<//></td>
                    <td>${m.type === 'Group' ? 'group' : 'user'}</td>
                    <td class="wide-only">${m.email ?? html`<span class="muted">—</span>`}</td>
                    <td class="row-actions">${mayEdit ? html`<button type="button" aria-describedby=${`member-${m.id}`} onClick=${() => setRemoving(m)}>Remove</button>` : null}</td>
                  </tr>`)}
                </tbody>
              </table>
            </div>
            ${(pages.page > 1 || list.data.next) && html`<${Pager} pages=${pages} next=${list.data.next} noun="members" />`}`}
    ${mayEdit
      ? html`<h3>Add members</h3><${MemberFinder} groupId=${group.id} memberIds=${memberIds} onAdd=${add} />`
      : html`<p class="why">Adding and removing members: ${reason}</p>`}
    <${ConfirmDialog} open=${Boolean(removing)} title=${removing ? `Remove ${removing.name} from ${group.displayName}?` : ''} confirmLabel="Remove member" danger onClose=${() => setRemoving(null)}
      action=${async () => {
        const m = removing
        await post(`/groups/${group.id}/members`, { remove: [m.id] })
        setAdded((s) => new Set([...s].filter((x) => x !== m.id)))
        flash(`${m.name} removed from ${group.displayName}.`)
        changed()
      }}>
      <p>${removing?.type === 'Group' ? 'Its members' : 'They'} lose the roles held through this group at their next request. You can add ${removing?.type === 'Group' ? 'it' : 'them'} back later.</p>
    <//>
  </section>`
}

/**
 * What a user owns: groups and service accounts. The user's detail names them by id; their names
 * are looked up so that the page (and the delete dialog) can say what passes to a new owner.
 */
import { html, useState, useEffect } from '../lib.js'
import { get } from '../api.js'
import { OwnedList } from './status.js'

const NONE = []

/** { groups: [{id, name}], accounts: [{id, name}], loading }: names fill in as they arrive. */
export function useOwned(user) {
  const groupIds = user?.ownedGroups ?? NONE
  const accountIds = user?.ownedServiceAccounts ?? NONE
  const key = `${groupIds.join(',')}|${accountIds.join(',')}`
  const [names, setNames] = useState({})
  const [loading, setLoading] = useState(false)
  useEffect(() => {
    let live = true
    if (!groupIds.length && !accountIds.length) return
    setLoading(true)
    // Without groups.view a group stays named by its id: the owner still sees that there is one.
    const lookups = [
      ...groupIds.map((id) => get(`/groups/${encodeURIComponent(id)}`).then((g) => [id, g.displayName], () => [id, null])),
      ...accountIds.map((id) => get(`/users/${encodeURIComponent(id)}`).then((u) => [id, u.userName], () => [id, null])),
    ]
    Promise.all(lookups).then((pairs) => {
      if (!live) return
      setNames(Object.fromEntries(pairs.filter(([, n]) => n)))
      setLoading(false)
    })
    return () => {
      live = false
    }
  }, [key])
  return {
    groups: groupIds.map((id) => ({ id, name: names[id] ?? id })),
    accounts: accountIds.map((id) => ({ id, name: names[id] ?? id })),
    loading,
  }
}

export function OwnedSection({ owned, user }) {
  const owns = owned.groups.length + owned.accounts.length > 0
  return html`<section class="panel">
    <h2 id="owned-title">Owns</h2>
    ${owns
      ? html`<${OwnedList} owned=${owned} />
          <p class="hint">Deleting ${user.userName} needs someone to take these over.</p>`
      : html`<p class="muted">${user.userName} owns no groups or service accounts.</p>`}
  </section>`
}

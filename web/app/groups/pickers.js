/**
 * Finding people and groups by name: the owner picker (one user, chosen from radio buttons under a
 * search box) and the member finder (users and groups, each with an "Add" button). Both search as
 * you type, with the same limit, so a long directory never loads whole.
 */
import { html, useState, useEffect, useRef } from '../lib.js'
import { get, explain } from '../api.js'
import { useDebounced } from '../ui/data.js'
import { Link } from '../ui/router.js'

/** The name a person goes by in lists: display name, else first and last name, else the user name. */
export function personName(u) {
  if (!u) return ''
  const full = [u.firstName, u.lastName].filter(Boolean).join(' ')
  return u.displayName || full || u.userName
}

/** An owner as the lists and the group answer carry it ({ id, userName, displayName } or null), as a name. */
export function OwnerName({ owner, link = false }) {
  if (!owner) return html`<span class="muted">No owner</span>`
  const name = personName(owner)
  return link ? html`<${Link} href=${`/admin/users/${owner.id}`}>${name}<//>` : html`<span>${name}</span>`
}

function useSearch(query, load) {
  const q = useDebounced(query.trim(), 250)
  const [state, setState] = useState({ q: '', loading: false, error: null, items: [] })
  const seq = useRef(0)
  useEffect(() => {
    const n = ++seq.current
    if (!q) {
      setState({ q, loading: false, error: null, items: [] })
      return
    }
    setState((s) => ({ ...s, loading: true, error: null }))
    load(q).then(
      (items) => n === seq.current && setState({ q, loading: false, error: null, items }),
      (error) => n === seq.current && setState({ q, loading: false, error, items: [] }),
    )
  }, [q])
  return state
}

const searchUsers = (q) => get('/users', { q, limit: 10 }).then((d) => d.items)

/**
 * One user, chosen by searching: type a name, then pick one of the matches (radio buttons, so the
 * arrow keys move between them). `value` is the chosen user or null.
 */
export function UserPicker({ id, label = 'Owner', value, onChange, hint, disabled }) {
  const [query, setQuery] = useState('')
  const found = useSearch(query, searchUsers)
  const listId = `${id}-matches`
  return html`<div class="field user-picker">
    <label for=${id}>${label}</label>
    <input id=${id} type="search" autocomplete="off" value=${query} disabled=${disabled}
      placeholder="Type a name, user name or email"
      aria-describedby=${`${id}-hint ${id}-chosen`} aria-controls=${listId}
      onInput=${(e) => setQuery(e.currentTarget.value)}
      onKeyDown=${(e) => {
        // Down arrow from the box goes to the matches, as in a combobox.
        if (e.key === 'ArrowDown') {
          const first = document.querySelector(`#${listId} input[type=radio]`)
          if (first) {
            e.preventDefault()
            first.focus()
          }
        }
        if (e.key === 'Enter') e.preventDefault()
      }} />
    <p class="hint" id=${`${id}-hint`}>${hint ?? 'Search by name, user name or email, then choose one of the matches.'}</p>
    <p class="picked" id=${`${id}-chosen`} aria-live="polite">
      ${value ? html`Chosen: <strong>${personName(value)}</strong> <span class="muted">${value.userName}</span>
        <button type="button" class="link" onClick=${() => onChange(null)} disabled=${disabled}>Clear</button>` : html`<span class="muted">No one chosen.</span>`}
    </p>
    <div id=${listId} class="picker-results">
      ${found.loading && html`<p class="hint" role="status">Searching…</p>`}
      ${found.error && html`<p class="form-error" role="alert">${explain(found.error).message}</p>`}
      ${!found.loading && !found.error && found.q && found.items.length === 0 && html`<p class="hint" role="status">No active user matches “${found.q}”.</p>`}
      ${found.items.length > 0 &&
      html`<div role="radiogroup" aria-label=${`Users matching ${found.q}`} class="radio-list">
        ${found.items.map((u) => html`<label key=${u.id} class="check">
          <input type="radio" name=${`${id}-choice`} value=${u.id} checked=${value?.id === u.id} disabled=${disabled} onChange=${() => onChange(u)} />
          <span>${personName(u)} <span class="muted">${u.userName}</span></span>
        </label>`)}
      </div>`}
    </div>
  </div>`
}

const searchMembers = (excludeGroupId) => async (q) => {
  const [users, groups] = await Promise.all([
    get('/users', { q, limit: 10 }).then((d) => d.items),
    get('/groups', { q, limit: 10 }).then((d) => d.items).catch(() => []),
  ])
  return [
    ...users.map((u) => ({ id: u.id, type: 'User', name: personName(u), detail: u.userName === personName(u) ? u.email : u.userName })),
    ...groups.filter((g) => g.id !== excludeGroupId).map((g) => ({ id: g.id, type: 'Group', name: g.displayName, detail: `group · ${g.memberCount} members` })),
  ]
}

/** Users and groups matching what is typed, each with an "Add" button. */
export function MemberFinder({ groupId, memberIds, onAdd, disabled }) {
  const [query, setQuery] = useState('')
  const loader = useRef(searchMembers(groupId)).current
  const found = useSearch(query, loader)
  const [busy, setBusy] = useState(null)
  const add = async (m) => {
    setBusy(m.id)
    try {
      await onAdd(m)
    } finally {
      setBusy(null)
    }
  }
  return html`<div class="member-finder">
    <div class="field">
      <label for="add-member">Find users or groups to add</label>
      <input id="add-member" type="search" autocomplete="off" value=${query} disabled=${disabled}
        placeholder="Search users and groups" aria-describedby="add-member-hint" onInput=${(e) => setQuery(e.currentTarget.value)} />
      <p class="hint" id="add-member-hint">Type part of a name, user name or email; groups can be members too (their members then hold this group’s roles).</p>
    </div>
    ${found.loading && html`<p class="hint" role="status">Searching…</p>`}
    ${found.error && html`<p class="form-error" role="alert">${explain(found.error).message}</p>`}
    ${!found.loading && !found.error && found.q && found.items.length === 0 && html`<p class="hint" role="status">Nothing matches “${found.q}”.</p>`}
    ${found.items.length > 0 &&
    html`<ul class="found" aria-label="Matching users and groups">
      ${found.items.map((m) => {
        const already = memberIds.has(m.id)
        return html`<li key=${m.id}>
          <span id=${`found-${m.id}`}><strong>${m.name}</strong> <span class="badge">${m.type === 'User' ? 'user' : 'group'}</span> <span class="muted">${m.detail ?? ''}</span></span>
          <button type="button" aria-describedby=${`found-${m.id}`} disabled=${disabled || already || busy === m.id} onClick=${() => add(m)}>${already ? 'Added' : busy === m.id ? 'Adding…' : 'Add'}</button>
        </li>`
      })}
    </ul>`}
  </div>`
}

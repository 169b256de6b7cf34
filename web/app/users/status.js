/**
 * Taking a user in and out of use (activate, deactivate, archive, restore) and deleting it, each
 * confirmed with its consequences. Never on yourself; never where the tenant's source of truth
 * makes these changes elsewhere.
 */
import { html, useState, useRef } from '../lib.js'
import { api } from '../api.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { flash } from '../ui/notices.js'
import { navigate, Link } from '../ui/router.js'
import { can } from '../session.js'
import { OwnerPicker } from './owner-picker.js'

const CHANGES = {
  deactivate: {
    label: 'Deactivate',
    done: 'Deactivated',
    permission: 'users.edit',
    danger: true,
    says: (name) => `Deactivating ${name} ends their sessions at once and stops their tokens and API password. They cannot sign in until someone activates them again; nothing is deleted.`,
  },
  activate: {
    label: 'Activate',
    done: 'Activated',
    permission: 'users.edit',
    says: (name) => `${name} can sign in again, and their tokens and API password work again (unless revoked or switched off).`,
  },
  archive: {
    label: 'Archive',
    done: 'Archived',
    permission: 'users.delete',
    danger: true,
    says: (name) =>
      `Archiving ${name} ends their sessions at once and stops their tokens and API password. They leave the active lists and wait in Archived with their history, where they can be restored or deleted for good.`,
  },
  restore: {
    label: 'Restore',
    done: 'Restored',
    permission: 'users.delete',
    says: (name) => `Restoring makes ${name} active again: they can sign in, and their tokens and API password work again.`,
  },
}

const CHANGES_FOR = { active: ['deactivate', 'archive'], inactive: ['activate', 'archive'], archived: ['restore'] }

const STATUS_TEXT = {
  active: 'Active: can sign in and use the API.',
  inactive: 'Inactive: cannot sign in; their tokens and API password are stopped.',
  archived: 'Archived: out of use, kept with its history. Restore it, or delete it for good.',
}

/**
 * Why the operator cannot do `action` to this user, or null: whether they may is the API's answer
 * (the user's `allowed`); the first reason that applies is named. `change.permission` only names it.
 */
function blocked(action, change, { user, me }) {
  if (user.id === me.id) return { id: 'status-self-note', text: null }
  if (user.managedBy) return { id: 'user-managed-note', text: null }
  if (user.allowed?.[action]) return null
  if (!can(me, change.permission)) return { id: `status-perm-${change.permission}`, text: `Needs the ${change.permission} permission.` }
  return { id: 'status-outranked', text: outrankedText(user) }
}

/** Why a user is not the operator's to change: the permissions they hold that the operator lacks (from the API). */
export const outrankedText = (user) =>
  `${user.userName} holds permissions you do not (${(user.permissionsBeyondYours ?? []).join(', ')}): someone who holds them can change this user.`

export function StatusSection({ user, etag, me, reload }) {
  const [open, setOpen] = useState(null)
  const headRef = useRef(null)
  const changes = CHANGES_FOR[user.status] ?? []
  const reasons = changes.map((c) => blocked(c, CHANGES[c], { user, me })).filter((r) => r?.text)
  const run = async (key) => {
    await api('POST', `/users/${user.id}/${key}`, { etag })
    await reload()
    flash(`${CHANGES[key].done} ${user.userName}`)
    // The button pressed is replaced by its opposite: start again from the section.
    setTimeout(() => headRef.current?.focus(), 80)
  }
  return html`<section class="panel">
    <h2 id="status-title" tabindex="-1" ref=${headRef}>Status</h2>
    <p>${STATUS_TEXT[user.status] ?? user.status}</p>
    <div class="actions status-actions">
      ${changes.map((key) => {
        const c = CHANGES[key]
        const why = blocked(key, c, { user, me })
        return html`<button key=${key} type="button" class=${c.danger ? 'danger-outline' : ''} disabled=${Boolean(why)} aria-describedby=${why?.id} onClick=${() => setOpen(key)}>${c.label}</button>`
      })}
    </div>
    ${user.id === me.id && html`<p class="hint" id="status-self-note">You cannot deactivate yourself, nor archive or delete your own user: another administrator can.</p>`}
    ${[...new Map(reasons.map((r) => [r.id, r])).values()].map((r) => html`<p class="hint" key=${r.id} id=${r.id}>${r.text}</p>`)}
    ${Object.keys(CHANGES).map((key) => {
      const c = CHANGES[key]
      return html`<${ConfirmDialog} key=${key} open=${open === key} title=${`${c.label} ${user.userName}?`} confirmLabel=${c.label} danger=${c.danger} onClose=${() => setOpen(null)} action=${() => run(key)}>
        <p>${c.says(user.userName)}</p>
      <//>`
    })}
  </section>`
}

export function DeleteSection({ user, etag, me, owned }) {
  const [open, setOpen] = useState(false)
  const [heir, setHeir] = useState(null)
  const blocker = blocked('delete', { permission: 'users.delete' }, { user, me })
  // Its own id: the status section may show the same permission reason.
  const why = blocker?.text ? { ...blocker, id: 'delete-reason' } : blocker
  const owns = owned.groups.length + owned.accounts.length > 0
  const remove = async () => {
    await api('DELETE', `/users/${user.id}`, { etag, query: owns && heir ? { replacementOwnerId: heir.id } : undefined })
    flash(`Deleted ${user.userName}`)
    navigate('/admin/users')
  }
  return html`<section class="panel danger-zone">
    <h2 id="delete-title">Delete</h2>
    <p>Deleting removes the user for good, with their tokens, API password and role assignments. ${user.status !== 'archived' ? 'To take them out of use but keep them, archive them instead.' : ''}</p>
    <div class="actions">
      <button
        type="button"
        class="danger"
        disabled=${Boolean(why)}
        aria-describedby=${why?.id}
        onClick=${() => {
          setHeir(null)
          setOpen(true)
        }}
      >Delete user</button>
    </div>
    ${why?.text && html`<p class="hint" id=${why.id}>${why.text}</p>`}
    <${ConfirmDialog} open=${open} title=${`Delete ${user.userName}?`} confirmLabel="Delete user" danger=${true} disabled=${owns && !heir} onClose=${() => setOpen(false)} action=${remove}>
      <p>${user.userName} will be deleted for good: their sessions end, their tokens and API password are deleted, and they leave every group. The audit log keeps their history.</p>
      ${owns
        ? html`<p>${user.userName} owns:</p>
            <${OwnedList} owned=${owned} />
            <p>Choose who takes them over: the hand-over and the deletion happen together.</p>
            <${OwnerPicker} excludeId=${user.id} value=${heir} onChange=${setHeir} />`
        : html`<p class="muted">${owned.loading ? 'Checking what they own…' : `${user.userName} owns no groups or service accounts.`}</p>`}
    <//>
  </section>`
}

export function OwnedList({ owned }) {
  return html`<ul class="owned-list">
    ${owned.groups.map((g) => html`<li key=${g.id}>Group <${Link} href=${`/admin/groups/${g.id}`}>${g.name}<//></li>`)}
    ${owned.accounts.map((a) => html`<li key=${a.id}>Service account <${Link} href="/admin/service-accounts">${a.name}<//></li>`)}
  </ul>`
}

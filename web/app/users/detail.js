/**
 * One user: details (edited in place with If-Match), status changes and deletion, roles, API
 * credentials and what the user owns. Each section lives in its own user-*.js module.
 */
import { html, useState, useEffect, useCallback, useRef } from '../lib.js'
import { api, get } from '../api.js'
import { useMe, can } from '../session.js'
import { Link } from '../ui/router.js'
import { PageHeader } from '../ui/page.js'
import { Loading, ErrorBox } from '../ui/states.js'
import { StatusBadge, formatDate } from '../ui/format.js'
import { ManagedNote } from '../ui/tenant.js'
import { useAttributeDefinitions, attributeText } from './attributes.js'
import { EditUserForm } from './edit.js'
import { StatusSection, DeleteSection, outrankedText } from './status.js'
import { RolesSection } from './roles.js'
import { CredentialsSection } from './credentials.js'
import { OwnedSection, useOwned } from './owned.js'

/** The user and its ETag; `reload()` resolves once the fresh copy is in (the 412 flow needs it). */
function useUser(id) {
  const [state, setState] = useState({ user: null, etag: null, error: null })
  const seq = useRef(0)
  const reload = useCallback(async () => {
    const n = ++seq.current
    try {
      const { data, etag } = await api('GET', `/users/${encodeURIComponent(id)}`)
      if (n === seq.current) setState({ user: data, etag, error: null })
      return data
    } catch (error) {
      if (n === seq.current) setState((s) => ({ ...s, error }))
      return null
    }
  }, [id])
  useEffect(() => {
    reload()
  }, [reload])
  return { ...state, reload }
}

export function UserPage({ id }) {
  const { me, reloadMe } = useMe()
  const { user, etag, error, reload } = useUser(id)
  const defs = useAttributeDefinitions()
  const owned = useOwned(user)
  const back = { href: '/admin/users', label: 'Users' }

  if (!user) {
    if (error) {
      return html`<div>
        <${PageHeader} title="User" back=${back} />
        ${error.status === 404
          ? html`<div class="state empty" role="alert"><strong>This user does not exist.</strong><p>Someone may have deleted it, or the link is wrong. <${Link} href="/admin/users">Go to the user list<//></p></div>`
          : html`<${ErrorBox} error=${error} retry=${reload} title="The user could not be loaded." />`}
      </div>`
    }
    return html`<div><${PageHeader} title="User" back=${back} /><${Loading} label="Loading the user…" /></div>`
  }

  // Whatever changes this user may change what the signed-in admin may do, when it is them.
  const changed = async () => {
    await reload()
    if (user.id === me.id) reloadMe()
  }
  const ctx = { user, etag, me, reload: changed }
  return html`<div class="user-page">
    <${PageHeader} title=${user.userName} back=${back} />
    <p class="user-badges">
      <${StatusBadge} status=${user.status} />
      ${user.managedBy && html`<span class="badge managed" title=${user.managedBy}>managed</span>`}
      ${user.serviceAccount && html`<span class="badge service-account">Service account</span>`}
      ${user.id === me.id && html`<span class="badge you">You</span>`}
    </p>
    ${user.managedBy && html`<div id="user-managed-note" class="managed-wrap"><${ManagedNote} managedBy=${user.managedBy} source=${me.tenant.source} /><p class="hint">So are this user’s details and status. Roles and API credentials are still managed here.</p></div>`}
    ${user.serviceAccount && html`<${ServiceAccountNote} account=${user.serviceAccount} />`}
    ${error && html`<${ErrorBox} error=${error} retry=${reload} title="The latest version could not be loaded." />`}
    <${DetailsSection} ...${ctx} defs=${defs} />
    <${StatusSection} ...${ctx} />
    <${RolesSection} ...${ctx} />
    <${CredentialsSection} ...${ctx} />
    <${OwnedSection} owned=${owned} user=${user} />
    <${DeleteSection} ...${ctx} owned=${owned} />
  </div>`
}

function ServiceAccountNote({ account }) {
  const owner = useOwnerName(account.ownerId)
  return html`<div class="service-account-note" role="note">
    <p><strong>A service account</strong> for machine access: it has no password and never signs in interactively; it uses tokens.
    Owner: <${Link} href=${`/admin/users/${account.ownerId}`}>${owner}<//>.</p>
    ${account.description && html`<p class="muted">${account.description}</p>`}
  </div>`
}

function useOwnerName(id) {
  const [name, setName] = useState('the owner')
  useEffect(() => {
    get(`/users/${encodeURIComponent(id)}`).then(
      (u) => setName(u.userName),
      () => setName('the owner'),
    )
  }, [id])
  return name
}

function DetailsSection({ user, etag, me, reload, defs }) {
  const [editing, setEditing] = useState(false)
  const editRef = useRef(null)
  const mayEdit = can(me, 'users.edit')
  const managed = Boolean(user.managedBy)
  const close = () => {
    setEditing(false)
    setTimeout(() => editRef.current?.focus(), 0)
  }
  const reason = !mayEdit
    ? 'Editing users needs the users.edit permission.'
    : managed
      ? 'Managed by the source of truth: see the note above.'
      : !user.allowed?.edit
        ? outrankedText(user)
        : null
  return html`<section class="panel">
    <div class="section-head">
      <h2 id="details-title">Details</h2>
      ${!editing &&
      html`<button type="button" ref=${editRef} onClick=${() => setEditing(true)} disabled=${Boolean(reason)} aria-describedby=${reason ? (managed && mayEdit ? 'user-managed-note' : 'details-edit-reason') : undefined}>Edit</button>`}
    </div>
    ${reason && !(managed && mayEdit) && html`<p class="hint" id="details-edit-reason">${reason}</p>`}
    ${editing
      ? html`<${EditUserForm} user=${user} etag=${etag} reload=${reload} defs=${defs} onDone=${close} />`
      : html`<dl class="props">
          <dt>Username</dt><dd>${user.userName}</dd>
          <dt>First name</dt><dd>${user.firstName ?? '—'}</dd>
          <dt>Last name</dt><dd>${user.lastName ?? '—'}</dd>
          <dt>Email</dt><dd>${user.email ?? '—'}</dd>
          <dt>Phone</dt><dd>${user.phone ?? '—'}</dd>
          <dt>External ID</dt><dd>${user.externalId ?? '—'}</dd>
          <dt>Manager</dt><dd><${ManagerText} manager=${user.manager} /></dd>
          ${(defs.data ?? []).map((d) => html`<dt key=${`t-${d.id}`}>${d.label}</dt><dd key=${`d-${d.id}`}>${attributeText(d, user.attributes?.[d.name])}</dd>`)}
          <dt>Origin</dt><dd>${{ local: 'Created in Roster', scim: 'Provisioned over SCIM', ldap: 'Synced from the directory' }[user.origin] ?? user.origin}</dd>
          <dt>Created</dt><dd>${formatDate(user.created)}</dd>
          <dt>Last changed</dt><dd>${formatDate(user.modified)}</dd>
          <dt>ID</dt><dd><code>${user.id}</code></dd>
        </dl>`}
  </section>`
}

/**
 * The enterprise manager: a link to that user, or the value an identity provider sent that names no
 * user yet (Roster keeps it and points it at that user once it is created).
 */
function ManagerText({ manager }) {
  if (!manager) return '—'
  if (manager.resolved) return html`<${Link} href=${`/admin/users/${encodeURIComponent(manager.id)}`}>${manager.displayName}<//>`
  return html`<span class="manager-unresolved">${manager.value} <span class="muted">— unresolved: no user with this id yet</span></span>`
}

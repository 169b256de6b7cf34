/** One audit entry as a table row, expandable to the attributes it changed, before → after. */
import { html } from '../lib.js'
import { Link } from '../ui/router.js'
import { formatDate } from '../ui/format.js'
import { changedAttributes, DiffTable } from '../ui/diff.js'

const ACTOR_KINDS = { user: 'user', token: 'token', sync: 'directory sync', cli: 'command line', system: 'system' }

/** Where a named resource is looked at in the console; null for what has no page (or is gone). */
function hrefOf(ref) {
  if (!ref || ref.deleted) return null
  const id = encodeURIComponent(ref.id)
  if (ref.type === 'User') return `/admin/users/${id}`
  if (ref.type === 'Group') return `/admin/groups/${id}`
  if (ref.type === 'Role') return '/admin/roles'
  return null
}

/**
 * A resource by name (the API resolves every id an entry holds: today's name, or for a deleted
 * one the name the entry recorded), linked to its page; its id stays in the title for searching.
 */
function Named({ named, id }) {
  if (!named) return html`<span class="mono">${id}</span>`
  const text = named.name ?? '(deleted)'
  const label = named.deleted && named.name ? html`${text} <span class="muted">(deleted)</span>` : text
  const href = hrefOf(named)
  return href ? html`<${Link} href=${href} title=${named.id}>${label}<//>` : html`<span title=${named.id}>${label}</span>`
}

function Target({ entry }) {
  const id = entry.resourceId
  return html`<span class="audit-target">
    <span class="muted">${entry.resourceType}</span>
    ${id && html` <${Named} named=${entry.target} id=${id} />`}
    ${(entry.attributes.includes('owner') || entry.attributes.includes('roles')) && html`<${Related} entry=${entry} />`}
  </span>`
}

/** What a change about someone else names: an owner handed from one user to another, a role given or taken. */
function Related({ entry }) {
  const side = (s) => entry[s] ?? {}
  const owner = (s) => typeof side(s).owner === 'string' && html`<${Named} named=${entry.names?.[side(s).owner]} id=${side(s).owner} />`
  const role = side('after').role ?? side('before').role
  if (typeof role === 'string') return html`<div class="via">role ${role}</div>`
  const before = owner('before')
  const after = owner('after')
  if (!before && !after) return null
  return html`<div class="via">owner ${before || '—'} → ${after || '—'}</div>`
}

// Which credential the actor used, and for whom when it is someone else's (a token issued to them).
function viaText(via) {
  if (!via) return ''
  const what = via.credential === 'personal-token' ? `token “${via.name}”` : `API password of ${via.name}`
  return via.onBehalfOf ? ` · with ${what}, acting as ${via.onBehalfOf.label}` : ` · with ${what}`
}

function Actor({ entry }) {
  const actor = entry.actor
  const named = actor.type === 'user' && actor.id ? entry.names?.[actor.id] : null
  return html`<span>${named ? html`<${Named} named=${{ ...named, name: named.name ?? actor.label }} id=${actor.id} />` : actor.label}<span class="via"> · ${ACTOR_KINDS[actor.type] ?? actor.type}${viaText(actor.via)}</span></span>`
}

function Changes({ entry }) {
  const before = entry.before ?? {}
  const after = entry.after ?? {}
  const attrs = changedAttributes({ attributes: entry.attributes, before, after })
  if (!attrs.length) return html`<p class="muted">This entry records no attribute changes.${entry.requestId ? html` Request <code>${entry.requestId}</code>.` : null}</p>`
  return html`<div>
    <${DiffTable} attributes=${attrs} before=${before} after=${after} caption="Changed attributes of this entry" />
    ${entry.requestId && html`<p class="hint">Request <code>${entry.requestId}</code> · secrets are never recorded, only that they changed.</p>`}
  </div>`
}

export function AuditRow({ entry, open, onToggle }) {
  const detailsId = `audit-changes-${entry.id}`
  const count = entry.attributes.length
  return [
    html`<tr key="row" class=${open ? 'open' : ''}>
      <td><time datetime=${entry.at} title=${entry.at}>${formatDate(entry.at)}</time></td>
      <td><${Actor} entry=${entry} /></td>
      <td><code>${entry.action}</code></td>
      <td><${Target} entry=${entry} /></td>
      <td>
        <button type="button" class="link" aria-expanded=${open ? 'true' : 'false'} aria-controls=${open ? detailsId : undefined} onClick=${onToggle}>Show changes</button>
        ${count ? html`<span class="via"> ${count} attribute${count === 1 ? '' : 's'}</span>` : null}
      </td>
    </tr>`,
    open &&
      html`<tr key="details" class="audit-details" id=${detailsId}>
        <td colspan="5"><${Changes} entry=${entry} /></td>
      </tr>`,
  ]
}

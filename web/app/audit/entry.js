/** One audit entry as a table row, expandable to the attributes it changed, before → after. */
import { html } from '../lib.js'
import { Link } from '../ui/router.js'
import { formatDate } from '../ui/format.js'
import { changedAttributes, DiffTable } from '../ui/diff.js'

const ACTOR_KINDS = { user: 'user', token: 'token', sync: 'directory sync', cli: 'command line', system: 'system' }

/** Where a target can be looked at in the console; other resources show their id only. */
function targetHref(entry) {
  if (!entry.resourceId) return null
  if (entry.resourceType === 'User') return `/admin/users/${encodeURIComponent(entry.resourceId)}`
  if (entry.resourceType === 'Group') return `/admin/groups/${encodeURIComponent(entry.resourceId)}`
  return null
}

/** A readable name for the target when the change itself recorded one (a userName, a group's name). */
function targetName(entry) {
  for (const side of [entry.after, entry.before]) {
    const name = side?.userName ?? side?.displayName ?? side?.name ?? side?.label
    if (typeof name === 'string' && name) return name
  }
  return null
}

function Target({ entry }) {
  const href = targetHref(entry)
  const id = entry.resourceId
  const name = targetName(entry)
  const text = name ?? id
  return html`<span class="audit-target">
    <span class="muted">${entry.resourceType}</span>
    ${text && html` ${href ? html`<${Link} href=${href} class=${name ? '' : 'mono'}>${text}<//>` : html`<span class=${name ? '' : 'mono'}>${text}</span>`}`}
    ${name && id && html`<div class="via mono wide-only">${id}</div>`}
  </span>`
}

// Which credential the actor used, and for whom when it is someone else's (a token issued to them).
function viaText(via) {
  if (!via) return ''
  const what = via.credential === 'personal-token' ? `token ${via.name}` : `API password of ${via.name}`
  return via.onBehalfOf ? ` · with ${what}, acting as ${via.onBehalfOf.label}` : ` · with ${what}`
}

function Actor({ actor }) {
  return html`<span>${actor.label}<span class="via"> · ${ACTOR_KINDS[actor.type] ?? actor.type}${viaText(actor.via)}</span></span>`
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
      <td><${Actor} actor=${entry.actor} /></td>
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

/**
 * One provisioning log entry (GET /api/provisioning-log/:id), read top down as an admin asks about
 * it: what happened (the summary), why it failed (the error in words), what Roster made of the
 * request (dialects read, attributes ignored, references left unresolved), what it changed, and only
 * then the request and response bodies as sent.
 */
import { html } from '../lib.js'
import { get } from '../api.js'
import { Link } from '../ui/router.js'
import { useAsync } from '../ui/data.js'
import { Async } from '../ui/states.js'
import { formatDate } from '../ui/format.js'
import { changedAttributes, DiffTable } from '../ui/diff.js'

export const failed = (status) => status >= 400

/** The outcome of a request: the HTTP status, marked failed or succeeded (not by colour alone). */
export function OutcomeBadge({ status }) {
  const bad = failed(status)
  return html`<span class=${`badge ${bad ? 'outcome-failed' : 'outcome-succeeded'}`}>${status} ${bad ? 'failed' : 'succeeded'}</span>`
}

/** Shown while the tenant has the log turned off: what the list still holds, and how to turn it on. */
export function LogOffNote({ data, slug }) {
  if (data?.enabled !== false) return null
  return html`<div class="managed-note" role="note">
    <strong>The provisioning log is off for this tenant.</strong> New SCIM requests are not recorded; the entries below are from before it was turned off and go when their retention ends. An operator turns it on again with <code>${`roster tenant update ${slug} --provisioning-log on`}</code>.
  </div>`
}

/** RFC 7644 §3.12's error types, in words an IdP admin can act on. */
const SCIM_TYPES = {
  invalidFilter: 'The filter could not be read, or compares an attribute in a way Roster does not support.',
  tooMany: 'The filter matches more resources than Roster returns at once.',
  uniqueness: 'A value that must be unique (such as the userName or a group’s displayName) is already taken.',
  mutability: 'The request tried to change an attribute that cannot be changed (read-only or immutable).',
  invalidSyntax: 'The request body is not a SCIM message Roster can read.',
  invalidPath: 'A PATCH path names no attribute of this schema, or is written wrongly.',
  noTarget: 'A PATCH path matched nothing to change.',
  invalidValue: 'A required value is missing, or a value has the wrong type or format.',
  invalidVers: 'The identity provider asked for a SCIM version Roster does not speak.',
  sensitive: 'The request put sensitive data where it does not belong (such as in the URL).',
}

const words = (rule) => rule.replace(/[-_]+/g, ' ')
const where = (at) => (at ? html`<span class="muted"> (in ${at})</span>` : null)

/** One note of the interpretation as a sentence. */
export function noteSentence(note) {
  switch (note.kind) {
    case 'dialect':
      return html`<span class="note-kind">Dialect</span> ${note.sentence ?? `Roster read an identity-provider deviation from the RFC (${words(note.rule)}).`}${note.detail ? html` Here: <code>${note.detail}</code>.` : null}${where(note.at)} <span class="via">rule <code>${note.rule}</code></span>`
    case 'ignored':
      return html`<span class="note-kind">Ignored</span> <code>${note.path}</code> is not an attribute of this tenant’s schema, so Roster did not store it.${where(note.at)} Define it as a custom attribute, or correct the mapping in your identity provider.`
    case 'unresolved':
      return html`<span class="note-kind">Unresolved</span> <code>${note.path}</code> names <code>${note.value}</code>, which is no user of this tenant yet. Roster kept it as sent and links it once that user is provisioned.${where(note.at)}`
    default:
      return html`<code>${JSON.stringify(note)}</code>`
  }
}

function WhyItFailed({ entry }) {
  if (!failed(entry.status)) return null
  const e = entry.error
  return html`<div class="result bad prov-why" role="group" aria-label="Why it failed">
    <h3>Why it failed</h3>
    ${e?.detail ? html`<p class="prov-error-detail">${e.detail}</p>` : html`<p>Roster answered ${entry.status} without a SCIM error message.</p>`}
    ${e?.scimType && html`<p>${SCIM_TYPES[e.scimType] ?? 'A SCIM error.'} <span class="via">scimType <code>${e.scimType}</code></span></p>`}
    ${entry.status === 401 && html`<p>The token is missing, revoked or wrong: create a new SCIM token and enter it in your identity provider.</p>`}
  </div>`
}

function Notes({ notes }) {
  if (!notes?.length) return html`<p class="muted">Roster read this request exactly as sent: no dialects, nothing ignored, no unresolved references.</p>`
  return html`<ul class="prov-notes">${notes.map((n, i) => html`<li key=${i} class=${`note-${n.kind}`}>${noteSentence(n)}</li>`)}</ul>`
}

function ChangeTable({ change }) {
  const before = change.before ?? {}
  const after = change.after ?? {}
  const attrs = changedAttributes({ attributes: change.attributes, before, after })
  const href = change.resourceType === 'User' ? `/admin/users/${encodeURIComponent(change.resourceId)}` : change.resourceType === 'Group' ? `/admin/groups/${encodeURIComponent(change.resourceId)}` : null
  return html`<div class="prov-change">
    <h4><code>${change.action}</code> · ${change.resourceType} ${href ? html`<${Link} href=${href} class="mono">${change.resourceId}<//>` : html`<span class="mono">${change.resourceId}</span>`}</h4>
    ${attrs.length
      ? html`<${DiffTable} attributes=${attrs} before=${before} after=${after} caption="Attributes changed, before and after" />`
      : html`<p class="muted">No attribute changed.</p>`}
  </div>`
}

function Body({ title, body }) {
  if (!body || body.body === null || body.body === undefined || body.body === '') {
    return html`<p class="muted">${title}: none.</p>`
  }
  const text = typeof body.body === 'string' ? body.body : JSON.stringify(body.body, null, 2)
  return html`<details class="advanced prov-body">
    <summary>${title}</summary>
    ${body.truncated && html`<p class="hint">Cut to the log’s size limit: the end is missing.</p>`}
    <pre class="diff">${text}</pre>
  </details>`
}

export function ProvisioningEntry({ id, back }) {
  const state = useAsync(() => get(`/provisioning-log/${encodeURIComponent(id)}`), [id])
  return html`<div class="provisioning-entry">
    <${Link} class="back" href=${back}>← Provisioning log<//>
    <${Async} state=${state} loadingLabel="Loading the request…">
      ${(entry) => html`<div>
        <h2 class="mono prov-title"><span>${entry.method}</span> ${entry.path}</h2>
        <p class="prov-summary"><${OutcomeBadge} status=${entry.status} /> <strong>${entry.summary}</strong></p>
        <dl class="props">
          <dt>Received</dt><dd><time datetime=${entry.at}>${formatDate(entry.at)}</time> <span class="via">${entry.at}</span></dd>
          <dt>Took</dt><dd>${entry.durationMs < 1 ? 'under 1' : Math.round(entry.durationMs)} ms</dd>
          <dt>Token</dt><dd>${entry.token ? entry.token.label : html`<span class="muted">none (refused before a token was recognised)</span>`}</dd>
          ${entry.resourceId && html`<dt>Resource</dt><dd>${entry.resourceType} ${entry.resourceName ?? ''} <span class="via mono">${entry.resourceId}</span></dd>`}
          ${entry.requestId && html`<dt>Request id</dt><dd><code>${entry.requestId}</code></dd>`}
        </dl>
        <${WhyItFailed} entry=${entry} />
        <h3>What Roster made of the request</h3>
        <${Notes} notes=${entry.notes} />
        <h3>What changed</h3>
        ${entry.change?.length ? entry.change.map((c, i) => html`<${ChangeTable} key=${i} change=${c} />`) : html`<p class="muted">${failed(entry.status) ? 'Nothing: the request was refused.' : 'Nothing: the request only read, or changed no value.'}</p>`}
        <h3>As sent and answered</h3>
        <p class="hint">Secrets (passwords, tokens) were redacted before the request was stored.</p>
        <${Body} title="Request body" body=${entry.request} />
        <${Body} title="Response body" body=${entry.response} />
      </div>`}
    <//>
  </div>`
}

/**
 * Custom user attributes (/api/attributes): the tenant's own fields on every user, shown in the
 * console's user forms and carried over SCIM in the tenant extension schema.
 */
import { html, useState } from '../lib.js'
import { get, del } from '../api.js'
import { useAsync } from '../ui/data.js'
import { Async, Empty, ErrorBox } from '../ui/states.js'
import { CopyField } from '../ui/forms.js'
import { Dialog } from '../ui/dialogs.js'
import { flash } from '../ui/notices.js'
import { AttributeDialog, TYPE_LABELS } from './attribute-form.js'
import { SettingsFormError } from './problem.js'

/** The schema URN the server carries custom attributes in (CUSTOM_ATTRIBUTES_URN); each item's scimPath confirms it. */
const EXTENSION_URN = 'urn:roster:params:scim:schemas:extension:tenant:2.0:User'

export function AttributeSettings() {
  const state = useAsync(() => get('/attributes'), [])
  const [editing, setEditing] = useState(null) // null, 'new', or an attribute
  const [deleting, setDeleting] = useState(null)
  const urn = state.data?.items?.[0]?.scimPath?.replace(/:[^:]+$/, '') ?? EXTENSION_URN

  return html`<div class="settings-attributes">
    <div class="title-row section-title">
      <h2>Custom attributes</h2>
      <button type="button" class="primary" onClick=${() => setEditing('new')}>New attribute</button>
    </div>
    <p>Fields of your own on every user — a cost centre, a badge number, whether someone is a contractor. They appear in the console's user forms, and over SCIM in the extension schema below, so your identity provider can map them.</p>
    <div class="field wide-field">
      <span class="label-like" aria-hidden="true">SCIM extension schema URN</span>
      <${CopyField} value=${urn} label="SCIM extension schema URN" />
      <p class="hint">An attribute's SCIM path is this URN, a colon and its name, e.g. <code>${urn}:costCenter</code>. Required attributes are enforced in the console and the admin API, never on SCIM or directory writes.</p>
    </div>

    ${state.error
      ? html`<${AttributesError} state=${state} />`
      : html`<${Async} state=${state} loadingLabel="Loading custom attributes…">
      ${(d) =>
        d.items.length
          ? html`<div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Label</th>
                    <th scope="col">Attribute name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Required</th>
                    <th scope="col" class="wide-only">Description</th>
                    <th scope="col"><span class="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${d.items.map(
                    (a) => html`<tr key=${a.id}>
                      <td>${a.label}</td>
                      <td><code>${a.name}</code></td>
                      <td>
                        ${TYPE_LABELS[a.type] ?? a.type}
                        ${a.type === 'choice' && a.choices?.length ? html`<div class="via">${a.choices.join(', ')}</div>` : null}
                      </td>
                      <td>${a.required ? 'Required' : html`<span class="muted">Optional</span>`}</td>
                      <td class="wide-only">${a.description || html`<span class="muted">—</span>`}</td>
                      <td class="row-actions">
                        <button type="button" class="link" onClick=${() => setEditing(a)}>Edit</button>
                        <button type="button" class="link danger-link" onClick=${() => setDeleting(a)}>Delete</button>
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<${Empty} title="No custom attributes yet">Create one with “New attribute”; it appears on every user's form at once.<//>`}
    <//>`}

    <${AttributeDialog}
      attribute=${editing === 'new' ? null : editing}
      open=${editing !== null}
      onClose=${() => setEditing(null)}
      onSaved=${(a, created) => {
        setEditing(null)
        flash(created ? `Attribute “${a.label}” created` : `Attribute “${a.label}” saved`)
        state.reload()
      }}
    />
    <${DeleteAttributeDialog}
      attribute=${deleting}
      onClose=${() => setDeleting(null)}
      onDeleted=${(a) => {
        setDeleting(null)
        flash(`Attribute “${a.label}” deleted`)
        state.reload()
      }}
    />
  </div>`
}

/** A server without the attributes API answers 404: say that, not "it was deleted". */
function AttributesError({ state }) {
  if (state.error.status === 404) {
    return html`<div class="state error" role="alert">
      <strong>Custom attributes are not available on this Roster server.</strong>
      <p>It does not offer the attributes API (<code>GET /api/attributes</code> answered 404), so attributes can be neither listed nor defined here.</p>
      <p class="next">Ask the operator to update Roster, then try again.</p>
      <button type="button" onClick=${state.reload}>Try again</button>
    </div>`
  }
  return html`<${ErrorBox} error=${state.error} retry=${state.reload} title="Custom attributes could not be loaded." />`
}

/** The server's 409 says how many users hold a value ("3 users hold a value for x: delete with purge=true …"). */
function holdersText(detail, attribute) {
  const count = /^(\d+) user/.exec(detail ?? '')?.[1]
  if (!count) return detail ?? 'Users hold values for it.'
  return `${Number(count).toLocaleString()} user${count === '1' ? ' holds a value' : 's hold values'} for ${attribute.label}.`
}

/**
 * Deleting is refused while users hold a value (409, with how many); the admin then chooses to
 * delete the values too. Asking first and purging only on a second, explicit choice keeps data
 * from going by accident.
 */
function DeleteAttributeDialog({ attribute, onClose, onDeleted }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const [held, setHeld] = useState(null)
  const close = () => {
    setError(null)
    setHeld(null)
    onClose()
  }
  const go = async (e) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await del(`/attributes/${encodeURIComponent(attribute.id)}`, held ? { query: { purge: 'true' } } : undefined)
      setHeld(null)
      onDeleted(attribute)
    } catch (err) {
      if (err.status === 409 && err.field === 'purge') setHeld(holdersText(err.detail, attribute))
      else setError(err)
    } finally {
      setBusy(false)
    }
  }
  return html`<${Dialog} open=${Boolean(attribute)} title=${`Delete the attribute “${attribute?.label ?? ''}”?`} onClose=${close}>
    <form onSubmit=${go}>
      <p>The field disappears from every user's form and from the SCIM schema (<code>${attribute?.name}</code>). An identity provider that still sends it is then refused, so remove its mapping there too.</p>
      ${held
        ? html`<div class="managed-note" role="alert">
            <p><strong>${held}</strong></p>
            <p>Deleting now also removes those values from every user — each change is recorded in the audit log and SCIM clients see a new version of the user. This cannot be undone.</p>
          </div>`
        : html`<p>If users hold a value for it, Roster tells you how many before anything is removed.</p>`}
      <${SettingsFormError} error=${error} />
      <div class="actions">
        <button type="submit" class="danger" disabled=${busy}>${busy ? 'Deleting…' : held ? 'Delete attribute and values' : 'Delete attribute'}</button>
        <button type="button" onClick=${close}>Cancel</button>
      </div>
    </form>
  <//>`
}

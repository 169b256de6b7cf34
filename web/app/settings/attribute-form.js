/** The dialog that defines or edits a custom attribute. Name and type are fixed once defined. */
import { html, useState, useEffect } from '../lib.js'
import { post, patch } from '../api.js'
import { Dialog } from '../ui/dialogs.js'
import { SettingsFormError } from './problem.js'

export const TYPE_LABELS = { text: 'Text', choice: 'Choice from a list', boolean: 'Yes or no' }

const blank = { name: '', label: '', type: 'text', choices: '', required: false, description: '' }

const choiceList = (text) =>
  text
    .split('\n')
    .map((c) => c.trim())
    .filter(Boolean)

export function AttributeDialog({ attribute, open, onClose, onSaved }) {
  const [f, setF] = useState(blank)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  useEffect(() => {
    if (!open) return
    setError(null)
    setF(attribute ? { ...attribute, choices: (attribute.choices ?? []).join('\n'), description: attribute.description ?? '' } : blank)
  }, [open, attribute?.id])
  const editing = Boolean(attribute)
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value })
  // choices.3 names the fourth line: the textarea is at fault either way.
  const field = error?.field?.split('.')[0] ?? null
  const bad = (k) => field === k || undefined

  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    const choices = f.type === 'choice' ? choiceList(f.choices) : undefined
    try {
      const saved = editing
        ? await patch(`/attributes/${encodeURIComponent(attribute.id)}`, {
            label: f.label.trim(),
            required: f.required,
            description: f.description.trim(),
            ...(attribute.type === 'choice' ? { choices } : {}),
          })
        : await post('/attributes', {
            name: f.name.trim(),
            label: f.label.trim(),
            type: f.type,
            ...(f.type === 'choice' ? { choices } : {}),
            required: f.required,
            description: f.description.trim(),
          })
      onSaved(saved, !editing)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return html`<${Dialog} open=${open} title=${editing ? `Edit “${attribute.label}”` : 'New attribute'} onClose=${onClose}>
    <form onSubmit=${submit} class="attribute-form">
      <div class="field">
        <label for="attr-name">Attribute name</label>
        <input id="attr-name" type="text" required maxlength="64" pattern="[A-Za-z][A-Za-z0-9_]*" value=${f.name} onInput=${set('name')} disabled=${editing} aria-invalid=${bad('name')} aria-describedby="attr-name-hint" autocomplete="off" spellcheck="false" class="mono" />
        <p class="hint" id="attr-name-hint">${editing ? 'Fixed once defined: identity provider mappings use it.' : 'The SCIM name: letters, digits and underscore, starting with a letter (e.g. costCenter). It cannot be changed later.'}</p>
      </div>
      <div class="field">
        <label for="attr-label">Label</label>
        <input id="attr-label" type="text" required maxlength="100" value=${f.label} onInput=${set('label')} aria-invalid=${bad('label')} aria-describedby="attr-label-hint" autocomplete="off" />
        <p class="hint" id="attr-label-hint">What the console's forms show, e.g. “Cost centre”.</p>
      </div>
      <div class="field">
        <label for="attr-type">Type</label>
        <select id="attr-type" value=${f.type} onChange=${set('type')} disabled=${editing} aria-invalid=${bad('type')} aria-describedby="attr-type-hint">
          ${Object.entries(TYPE_LABELS).map(([k, l]) => html`<option key=${k} value=${k}>${l}</option>`)}
        </select>
        <p class="hint" id="attr-type-hint">${editing ? 'Fixed once defined: stored values would stop matching a new type.' : 'Cannot be changed later.'}</p>
      </div>
      ${f.type === 'choice' &&
      html`<div class="field">
        <label for="attr-choices">Choices</label>
        <textarea id="attr-choices" class="short" required value=${f.choices} onInput=${set('choices')} aria-invalid=${bad('choices')} aria-describedby="attr-choices-hint"></textarea>
        <p class="hint" id="attr-choices-hint">One per line (up to 100). ${editing ? 'A choice that users hold cannot be removed: change those users first.' : ''}</p>
      </div>`}
      <label class="check"><input id="attr-required" type="checkbox" checked=${f.required} onChange=${set('required')} aria-describedby="attr-required-hint" /> Required</label>
      <p class="hint indent" id="attr-required-hint">People creating or editing a user in the console must fill it in. SCIM and the directory sync may still leave it empty.</p>
      <div class="field">
        <label for="attr-description">Description</label>
        <textarea id="attr-description" class="short" maxlength="500" value=${f.description} onInput=${set('description')} aria-invalid=${bad('description')}></textarea>
      </div>
      <${SettingsFormError} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : editing ? 'Save attribute' : 'Create attribute'}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

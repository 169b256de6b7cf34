/**
 * Custom user attributes (GET /api/attributes): the tenant's definitions become fields of the
 * create and edit forms and lines of a user's details. A server without them (404) shows none.
 */
import { html } from '../lib.js'
import { get } from '../api.js'
import { useAsync } from '../ui/data.js'
import { ErrorBox } from '../ui/states.js'
import { errorFor, FieldError, Label } from './form.js'

export function useAttributeDefinitions() {
  return useAsync(async () => {
    try {
      return (await get('/attributes')).items ?? []
    } catch (err) {
      if (err.status === 404) return []
      throw err
    }
  }, [])
}

/** The form's values: text and choice as strings ('' for none), yes/no as booleans. */
export function attributeFormValues(defs, values) {
  const out = {}
  for (const d of defs) {
    const v = values?.[d.name]
    out[d.name] = d.type === 'boolean' ? v === true : typeof v === 'string' ? v : ''
  }
  return out
}

/**
 * What to send. Creating: every value given (an empty one is left out, so a required one is named
 * by the server). Editing (`base`, the values as loaded): only what changed, '' clearing it (null).
 */
export function attributePayload(defs, form, base) {
  const out = {}
  for (const d of defs) {
    const v = form[d.name]
    if (base) {
      const was = base[d.name]
      if (d.type === 'boolean') {
        // An unset yes/no left unticked stays unset rather than becoming "no".
        if (typeof was === 'boolean' ? v === was : !v) continue
        out[d.name] = v
      } else {
        if (v === (typeof was === 'string' ? was : '')) continue
        out[d.name] = v === '' ? null : v
      }
    } else if (d.type === 'boolean') {
      out[d.name] = v
    } else if (v !== '') {
      out[d.name] = v
    }
  }
  return Object.keys(out).length ? out : undefined
}

export const attributeFieldId = (prefix, name) => `${prefix}-attr-${name}`

function AttributeField({ prefix, def, value, set, error }) {
  const id = attributeFieldId(prefix, def.name)
  const hintId = def.description ? `${id}-hint` : null
  const errorId = error ? `${id}-error` : null
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined
  const invalid = error ? 'true' : undefined
  const mark = def.required && html`<span class="req" aria-hidden="true"> *</span>`
  let control
  if (def.type === 'boolean') {
    // Named by the attribute's label; "Yes" is what the box means when ticked.
    return html`<div class=${`field${error ? ' has-error' : ''}`}>
      <span class="label-row"><span class="label" id=${`${id}-label`}>${def.label}</span>${mark}</span>
      <label class="check"><input type="checkbox" id=${id} checked=${value} onChange=${(e) => set(def.name, e.currentTarget.checked)} aria-labelledby=${`${id}-label`} aria-invalid=${invalid} aria-describedby=${describedBy} /> Yes</label>
      ${def.description && html`<p class="hint" id=${hintId}>${def.description}</p>`}
      <${FieldError} id=${errorId} error=${error} />
    </div>`
  }
  if (def.type === 'choice') {
    const choices = def.choices ?? []
    // A required choice has no "none"; until one is picked (or when a synced user lacks it) the
    // placeholder makes the admin choose rather than the first option being taken silently.
    const placeholder = !def.required ? html`<option value="">(none)</option>` : value === '' ? html`<option value="" disabled>Choose…</option>` : null
    control = html`<select id=${id} value=${value} onChange=${(e) => set(def.name, e.currentTarget.value)} required=${def.required} aria-invalid=${invalid} aria-describedby=${describedBy}>
      ${placeholder}
      ${choices.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      ${value !== '' && !choices.includes(value) && html`<option value=${value}>${value} (no longer a choice)</option>`}
    </select>`
  } else {
    control = html`<input type="text" id=${id} value=${value} onInput=${(e) => set(def.name, e.currentTarget.value)} required=${def.required} maxlength="1024" aria-invalid=${invalid} aria-describedby=${describedBy} />`
  }
  return html`<div class=${`field${error ? ' has-error' : ''}`}>
    <${Label} id=${id} label=${def.label} required=${def.required} />
    ${control}
    ${def.description && html`<p class="hint" id=${hintId}>${def.description}</p>`}
    <${FieldError} id=${errorId} error=${error} />
  </div>`
}

/** The "Custom attributes" fieldset, or nothing when the tenant defines none. */
export function AttributeFields({ prefix, defs, values, set, error }) {
  if (defs.error) {
    return html`<fieldset class="custom-attributes"><legend>Custom attributes</legend>
      <${ErrorBox} error=${defs.error} retry=${defs.reload} title="The custom attributes could not be loaded." />
    </fieldset>`
  }
  const list = defs.data ?? []
  if (!list.length) return null
  return html`<fieldset class="custom-attributes">
    <legend>Custom attributes</legend>
    ${list.map((d) => html`<${AttributeField} key=${d.id} prefix=${prefix} def=${d} value=${values[d.name] ?? (d.type === 'boolean' ? false : '')} set=${set} error=${errorFor(error, `attributes.${d.name}`)} />`)}
  </fieldset>`
}

export function attributeText(def, value) {
  if (value === undefined || value === null || value === '') return '—'
  if (def.type === 'boolean') return value ? 'Yes' : 'No'
  return String(value)
}

/**
 * Form pieces of the user screens: fields that show the server's complaint about them right under
 * them (400/409 name the field at fault), and the person fields that creating and editing share.
 */
import { html } from '../lib.js'
import { FieldError as LabelledFieldError } from '../ui/forms.js'

/** The error if the server blamed this field (or one inside it, as attributes.<name>). */
export function errorFor(error, name) {
  const field = error?.field
  if (!field) return null
  return field === name || field.startsWith(`${name}.`) ? error : null
}

/** The error if it names none of the fields the form shows: it goes under the whole form. */
export function unclaimed(error, names) {
  if (!error) return null
  return names.some((n) => errorFor(error, n)) ? null : error
}

/** Puts the keyboard on the field the server blamed, so the admin can fix it at once. */
export function focusField(error, idOf) {
  if (!error?.field) return
  setTimeout(() => document.getElementById(idOf(error.field))?.focus(), 0)
}

/** The field's error in its label's words (the shared form helper words every form's errors). */
export function FieldError({ id, error, label }) {
  return html`<${LabelledFieldError} id=${id} error=${error} label=${label} />`
}

/**
 * A field's label. The required mark sits outside the <label>, so the label's text is exactly the
 * field's name (what getByLabel matches); aria-required says it to screen readers.
 */
export function Label({ id, label, required }) {
  return html`<span class="label-row"><label for=${id}>${label}</label>${required && html`<span class="req" aria-hidden="true"> *</span>`}</span>`
}

const describedBy = (...ids) => ids.filter(Boolean).join(' ') || undefined

/** A labelled input with its hint and its own error. */
export function TextField({ id, label, value, onInput, error, hint, required, type = 'text', readOnly, autocomplete, minLength, maxLength, min, inputRef }) {
  const hintId = hint ? `${id}-hint` : null
  const errorId = error ? `${id}-error` : null
  return html`<div class=${`field${error ? ' has-error' : ''}`}>
    <${Label} id=${id} label=${label} required=${required} />
    <input
      id=${id}
      ref=${inputRef}
      type=${type}
      value=${value}
      onInput=${(e) => onInput?.(e.currentTarget.value)}
      required=${required}
      aria-required=${required ? 'true' : undefined}
      readonly=${readOnly}
      autocomplete=${autocomplete}
      minlength=${minLength}
      maxlength=${maxLength}
      min=${min}
      aria-invalid=${error ? 'true' : undefined}
      aria-describedby=${describedBy(hintId, errorId)}
    />
    ${hint && html`<p class="hint" id=${hintId}>${hint}</p>`}
    <${FieldError} id=${errorId} error=${error} label=${label} />
  </div>`
}

/** "First Last", else the display name a directory gave, else ''. */
export const personName = (u) => [u.firstName, u.lastName].filter(Boolean).join(' ') || u.displayName || ''

/** The person's own fields, in the API's names. */
export const PERSON_FIELDS = ['firstName', 'lastName', 'userName', 'email', 'phone', 'externalId']

export const personValues = (user) => ({
  firstName: user?.firstName ?? '',
  lastName: user?.lastName ?? '',
  userName: user?.userName ?? '',
  email: user?.email ?? '',
  phone: user?.phone ?? '',
  externalId: user?.externalId ?? '',
})

/**
 * First and last name, username, email, phone, external id. `userNameFixed`: editing, where the
 * username is shown but cannot change.
 */
export function PersonFields({ prefix, values, set, error, userNameFixed }) {
  const field = (name, label, extra = {}) =>
    html`<${TextField} id=${`${prefix}-${name}`} label=${label} value=${values[name]} onInput=${(v) => set(name, v)} error=${errorFor(error, name)} ...${extra} />`
  return html`<div class="form-grid">
    ${field('firstName', 'First name', { required: true, autocomplete: 'off', maxLength: 100 })}
    ${field('lastName', 'Last name', { required: true, autocomplete: 'off', maxLength: 100 })}
    ${userNameFixed
      ? field('userName', 'Username', { readOnly: true, hint: 'The username cannot change after creation.' })
      : field('userName', 'Username', { required: true, autocomplete: 'off', maxLength: 256, hint: 'How they sign in, often their email address. It cannot change later.' })}
    ${field('email', 'Email', { required: true, type: 'email', autocomplete: 'off', maxLength: 254 })}
    ${field('phone', 'Phone', { type: 'tel', autocomplete: 'off', maxLength: 50 })}
    ${field('externalId', 'External ID', { autocomplete: 'off', maxLength: 256, hint: 'The person’s id in another system (HR, payroll); optional.' })}
  </div>`
}

/** Forms: saving with a busy state and an inline error, fields, secrets shown once with a Copy button. */
import { html, useState, useEffect } from '../lib.js'
import { explain, fieldFault } from '../api.js'

/**
 * What to say about a failed save, in the form's words: a fault of a field the form labels (the
 * problem's `field`, an API name) is said with that label; anything else as explain() says it.
 * `labels`: the form's labels by API field name, e.g. { name: 'Role name' }.
 */
export function sayError(error, labels = {}) {
  const field = error?.field
  const label = field && (labels[field] ?? labels[field.split('.')[0]])
  if (label && (error.status === 400 || error.status === 409)) return { message: fieldFault(error, label), next: null }
  return explain(error)
}

/** The error if the API blamed this field (or one inside it, as attributes.<name>): it goes under that field. */
export function errorFor(error, name) {
  const field = error?.field
  if (!field) return null
  return field === name || field.startsWith(`${name}.`) ? error : null
}

/** An inline error under a form: the message in the form's words (`labels`), and what to do next. */
export function FormError({ error, labels }) {
  if (!error) return null
  const { message, next } = sayError(error, labels)
  return html`<div class="form-error" role="alert">
    <p>${message}</p>
    ${next && html`<p class="next">${next}</p>`}
  </div>`
}

/** A field's own error, right under it, with the field's label in the words. */
export function FieldError({ id, error, label }) {
  if (!error) return null
  const { message, next } = sayError(error, label && error.field ? { [error.field]: label } : {})
  return html`<p class="field-error" id=${id} role="alert">${message}${next ? html` <span class="next">${next}</span>` : null}</p>`
}

/**
 * A form's save: `busy` while `action` runs (to disable its button) and what it threw in `error`
 * (for FormError), cleared at the next try. `submit` serves as onSubmit or as a plain click handler.
 */
export function useSubmit(action) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const submit = async (e) => {
    e?.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, setError, submit }
}

/**
 * A dialog's form: `values` start again from `blank` (and the last error goes) each time the dialog
 * opens, since a closed dialog stays mounted; `action` gets the values to save.
 */
export function useDialogForm(open, blank, action) {
  const [values, setValues] = useState(blank)
  const save = useSubmit(() => action(values))
  useEffect(() => {
    if (!open) return
    setValues(blank)
    save.setError(null)
  }, [open])
  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }))
  return { values, set, ...save }
}

/**
 * A labelled field. `error`: the save's error, shown under this field in its label's words when the
 * API blamed `name` (the field's API name); the input itself should say aria-invalid (invalidFor).
 */
export function Field({ label, id, hint, children, required, name, error }) {
  const mine = name ? errorFor(error, name) : null
  return html`<div class=${`field${mine ? ' has-error' : ''}`}>
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${children}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    <${FieldError} id=${`${id}-error`} error=${mine} label=${label} />
  </div>`
}

/** An input's aria-invalid/aria-describedby for the save's error, when the API blamed `name`. */
export const invalidFor = (error, name, id, hintId) => {
  const bad = Boolean(errorFor(error, name))
  const describedBy = [hintId, bad ? `${id}-error` : null].filter(Boolean).join(' ')
  return { 'aria-invalid': bad ? 'true' : undefined, 'aria-describedby': describedBy || undefined }
}

/** An error the form shows under none of its fields (`names`: the API names of those it shows). */
export function unclaimed(error, names) {
  if (!error) return null
  return names.some((n) => errorFor(error, n)) ? null : error
}

/** A secret the server shows this once (token, password): copy it now. */
export function SecretOnce({ label, value, children }) {
  return html`<div class="secret-once" role="alert">
    <p><strong>${label}</strong></p>
    <${CopyField} value=${value} label=${label} />
    <p class="hint">${children ?? 'Copy it now: Roster keeps only a hash and cannot show it again.'}</p>
  </div>`
}

export function CopyField({ value, label }) {
  const [copied, setCopied] = useState(false)
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value)
      setCopied(true)
      setTimeout(() => setCopied(false), 2000)
    } catch {
      setCopied(false)
    }
  }
  return html`<div class="copy-field">
    <input type="text" readonly value=${value} size=${Math.max(20, String(value).length + 1)} aria-label=${label} onFocus=${(e) => e.currentTarget.select()} class="mono" />
    <button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
  </div>`
}

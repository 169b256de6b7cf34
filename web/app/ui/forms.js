/** Forms: saving with a busy state and an inline error, fields, secrets shown once with a Copy button. */
import { html, useState, useEffect } from '../lib.js'
import { explain } from '../api.js'

/** An inline error under a form: the message, what to do next, the field at fault if any. */
export function FormError({ error }) {
  if (!error) return null
  const { message, next } = explain(error)
  return html`<div class="form-error" role="alert">
    <p>${message}${error.field ? html` <span class="field-name">(field: <code>${error.field}</code>)</span>` : null}</p>
    ${next && html`<p class="next">${next}</p>`}
  </div>`
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

export function Field({ label, id, hint, children, required }) {
  return html`<div class="field">
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${children}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
  </div>`
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
    <input type="text" readonly value=${value} aria-label=${label} onFocus=${(e) => e.currentTarget.select()} class="mono" />
    <button type="button" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
  </div>`
}

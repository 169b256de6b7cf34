/** Modal dialogs, and the confirmation asked before what cannot be undone. */
import { html, useEffect, useRef } from '../lib.js'
import { useSubmit, FormError } from './forms.js'

/** A modal <dialog>: focus moves in, Escape closes, focus returns to where it was. */
let dialogSeq = 0

export function Dialog({ open, title, onClose, children, wide }) {
  const ref = useRef(null)
  // Each dialog names itself by its own heading: closed dialogs stay in the page.
  const titleId = useRef(`dialog-title-${++dialogSeq}`).current
  useEffect(() => {
    const d = ref.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  return html`<dialog ref=${ref} class=${wide ? 'wide' : ''} aria-labelledby=${titleId} onClose=${() => open && onClose?.()} onCancel=${(e) => {
    e.preventDefault()
    onClose?.()
  }}>
    ${open &&
    html`<h2 id=${titleId}>${title}</h2>
      ${children}`}
  </dialog>`
}

/**
 * Asks before doing something that cannot be undone; runs `action`, shows its error in the dialog
 * and closes on success.
 */
export function ConfirmDialog({ open, title, children, confirmLabel = 'Confirm', danger, onClose, action, disabled }) {
  const { busy, error, setError, submit: go } = useSubmit(async () => {
    await action()
    onClose()
  })
  useEffect(() => {
    if (open) setError(null)
  }, [open])
  return html`<${Dialog} open=${open} title=${title} onClose=${onClose}>
    <form onSubmit=${go}>
      ${children}
      <${FormError} error=${error} />
      <div class="actions">
        <button type="submit" class=${danger ? 'danger' : 'primary'} disabled=${busy || disabled}>${busy ? 'Working…' : confirmLabel}</button>
        <button type="button" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`
}

/**
 * Errors of the settings screens. A 502 or 503 here carries the answer the admin needs (the
 * directory refused the bind; ENCRYPTION_KEY is missing on the server), which the generic
 * "Roster failed to answer" would hide; everything else is shown as anywhere in the console.
 */
import { html } from '../lib.js'
import { ErrorBox } from '../ui/states.js'
import { FormError } from '../ui/forms.js'

const NEXT = {
  502: 'Check the server URL and port, that Roster can reach the server (firewall), the bind DN and password, and the TLS settings; then try again.',
  503: 'Ask the operator of this Roster server to set it, then try again.',
}

const carriesDetail = (error) => (error?.status === 502 || error?.status === 503) && error.detail

function ServerProblem({ error, title, role = 'alert' }) {
  return html`<div class="state error" role=${role}>
    ${title && html`<strong>${title}</strong>`}
    <p>${error.detail}</p>
    <p class="next">${NEXT[error.status]}</p>
    ${error.requestId && html`<p class="ref">Reference: <code>${error.requestId}</code></p>`}
  </div>`
}

/** Under a form: the field at fault, or the server's own explanation. */
export function SettingsFormError({ error }) {
  if (!error) return null
  if (carriesDetail(error)) return html`<${ServerProblem} error=${error} />`
  return html`<${FormError} error=${error} />`
}

/** In place of a result: what went wrong and what to do next. */
export function SettingsErrorBox({ error, title, retry }) {
  if (carriesDetail(error)) return html`<${ServerProblem} error=${error} title=${title} />`
  return html`<${ErrorBox} error=${error} title=${title} retry=${retry} />`
}

/** What a screen shows while its data loads, when there is none, and when loading failed. */
import { html } from '../lib.js'
import { explain } from '../api.js'

export function Loading({ label = 'Loading…' }) {
  return html`<p class="state loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true"></span>${label}</p>`
}

export function ErrorBox({ error, retry, title }) {
  const { message, next } = explain(error)
  return html`<div class="state error" role="alert">
    <strong>${title ?? 'Something went wrong.'}</strong>
    <p>${message}</p>
    ${next && html`<p class="next">${next}</p>`}
    ${error?.requestId && html`<p class="ref">Reference: <code>${error.requestId}</code></p>`}
    ${retry && html`<button type="button" onClick=${retry}>Try again</button>`}
  </div>`
}

export function Empty({ title, children }) {
  return html`<div class="state empty"><strong>${title}</strong>${children && html`<p>${children}</p>`}</div>`
}

/** Loading / error / content for a useAsync result. */
export function Async({ state, children, loadingLabel }) {
  if (state.error) return html`<${ErrorBox} error=${state.error} retry=${state.reload} />`
  if (state.data === undefined) return html`<${Loading} label=${loadingLabel} />`
  return children(state.data)
}

/**
 * Choosing who takes over what a deleted user owns: search active users, pick one with radio
 * buttons (arrow keys move between them). The user being deleted is never offered.
 */
import { html, useState } from '../lib.js'
import { get } from '../api.js'
import { useAsync, useDebounced } from '../ui/data.js'
import { FormError } from '../ui/forms.js'
import { personName } from './form.js'

export function OwnerPicker({ excludeId, value, onChange }) {
  const [text, setText] = useState('')
  const term = useDebounced(text.trim(), 250)
  // The active view only: an inactive or archived user cannot take anything over.
  const found = useAsync(() => get('/users', { q: term || undefined, limit: 10 }), [term])
  const matches = (found.data?.items ?? []).filter((u) => u.id !== excludeId)
  return html`<div class="owner-picker">
    <div class="field">
      <label for="replacement-owner">Replacement owner</label>
      <input
        id="replacement-owner"
        type="search"
        value=${text}
        autocomplete="off"
        aria-describedby="replacement-owner-hint"
        aria-controls="replacement-owner-matches"
        onInput=${(e) => setText(e.currentTarget.value)}
        onKeyDown=${(e) => {
          // Enter searches; it must not submit the dialog's form and delete the user.
          if (e.key === 'Enter') e.preventDefault()
        }}
      />
      <p class="hint" id="replacement-owner-hint">Search active users by username, name or email, then choose one below.</p>
    </div>
    <div id="replacement-owner-matches" role="radiogroup" aria-label="Matching users" class="owner-options" aria-busy=${found.loading ? 'true' : 'false'}>
      ${found.error && html`<${FormError} error=${found.error} />`}
      ${found.data === undefined && !found.error && html`<p class="muted">Searching…</p>`}
      ${found.data && !matches.length && html`<p class="muted">${term ? `No active user matches “${term}”.` : 'No other active user.'}</p>`}
      ${matches.map(
        (u) => html`<label class="check" key=${u.id}>
          <input type="radio" name="replacement-owner-choice" value=${u.id} checked=${value?.id === u.id} onChange=${() => onChange(u)} />
          <span><span class="owner-name">${u.userName}</span>${personName(u) && html` <span class="muted">${personName(u)}</span>`}</span>
        </label>`,
      )}
    </div>
    <p class="chosen" aria-live="polite">${value ? html`They pass to <strong>${value.userName}</strong>.` : 'No one chosen yet.'}</p>
  </div>`
}

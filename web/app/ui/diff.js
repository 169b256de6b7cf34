/** A change as the audit recorded it, attribute by attribute: the audit log and the provisioning log show it alike. */
import { html } from '../lib.js'

const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k)

/** A value as recorded: absent is not the same as empty, so it shows as a dash. */
function Value({ value, present }) {
  if (!present) return html`<span class="muted" title="not set">—</span>`
  if (value === null) return html`<span class="muted">null</span>`
  if (typeof value === 'string') return value === '' ? html`<span class="muted">(empty)</span>` : html`<span class="audit-value">${value}</span>`
  return html`<code class="audit-value">${JSON.stringify(value)}</code>`
}

/** The attributes a change names (else those its before/after hold). */
export function changedAttributes({ attributes, before, after }) {
  return attributes?.length ? attributes : [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])]
}

/** Before and after, one row per attribute. */
export function DiffTable({ attributes, before = {}, after = {}, caption }) {
  return html`<table class="audit-diff">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">Attribute</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>
      ${attributes.map(
        (a) => html`<tr key=${a}>
          <th scope="row" class="mono">${a}</th>
          <td class="before"><${Value} value=${before[a]} present=${has(before, a)} /></td>
          <td class="after"><${Value} value=${after[a]} present=${has(after, a)} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`
}

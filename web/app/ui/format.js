/** How values read on screen: dates, a user's status. */
import { html } from '../lib.js'

export function formatDate(iso, { time = true } = {}) {
  if (!iso) return '—'
  const d = new Date(iso)
  return time ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : d.toLocaleDateString(undefined, { dateStyle: 'medium' })
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${status}</span>`
}

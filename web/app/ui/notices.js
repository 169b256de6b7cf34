/** Short confirmations and failures at the top of the page ("User created"). */
import { html, useState, useEffect } from '../lib.js'

const flashListeners = new Set()
let flashes = []
let flashSeq = 0

/** A short confirmation or failure message at the top of the page ("User created"). */
export function flash(message, kind = 'ok') {
  const id = ++flashSeq
  flashes = [...flashes, { id, message, kind }]
  for (const l of flashListeners) l(flashes)
  setTimeout(() => dismissFlash(id), kind === 'ok' ? 6000 : 12000)
}

function dismissFlash(id) {
  flashes = flashes.filter((f) => f.id !== id)
  for (const l of flashListeners) l(flashes)
}

export function Flashes() {
  const [items, setItems] = useState(flashes)
  useEffect(() => {
    flashListeners.add(setItems)
    return () => flashListeners.delete(setItems)
  }, [])
  return html`<div class="flashes" role="status" aria-live="polite">
    ${items.map((f) => html`<div key=${f.id} class=${`flash ${f.kind}`}>
      <span>${f.message}</span>
      <button type="button" class="link" aria-label="Dismiss" onClick=${() => dismissFlash(f.id)}>×</button>
    </div>`)}
  </div>`
}

/** Actions the operator may not be allowed to take: shown, but disabled with the reason beside them. */
import { html } from '../lib.js'

/**
 * A button the operator may not be allowed to press: then it stays visible but disabled, with the
 * reason next to it (a tooltip alone is unreachable by keyboard and touch).
 */
export function GatedButton({ id, allowed, reason, reasonId: sharedReason, children, class: cls, onClick, type = 'button' }) {
  // With `reasonId`, the reason is shown elsewhere once for several buttons.
  const reasonId = sharedReason ?? `${id}-why`
  return html`<span class="gated">
    <button type=${type} id=${id} class=${cls} disabled=${!allowed} aria-describedby=${allowed ? undefined : reasonId} onClick=${onClick}>${children}</button>
    ${!allowed && !sharedReason && html`<span class="why" id=${reasonId}>${reason}</span>`}
  </span>`
}

export const needs = (permission) => `Needs the ${permission} permission.`

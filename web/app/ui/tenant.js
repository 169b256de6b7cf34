/** The tenant's identity source as the console names it, and why a change is made there instead. */
import { html } from '../lib.js'
import { useMe } from '../session.js'

/**
 * In a directory- or IdP-managed tenant: why an action is off and where to make the change instead
 * ("Managed by Active Directory — change it there").
 */
export function ManagedNote({ managedBy }) {
  const { me } = useMe()
  if (!managedBy) return null
  const where = me?.tenant?.sourceName ?? 'its identity source'
  const how = me?.tenant?.source === 'ldap' ? 'the next directory sync brings the change here.' : 'your identity provider provisions it here over SCIM.'
  return html`<div class="managed-note" role="note"><strong>Managed by ${where} — change it there</strong>; ${how}</div>`
}

export function sourceName(source) {
  return source === 'ldap' ? 'Managed by a directory (Active Directory / LDAP)' : source === 'scim' ? 'Managed by your identity provider (SCIM)' : 'Managed here in Roster'
}

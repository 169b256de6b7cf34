/** Groups in a tenant whose identities live elsewhere: what changes there, and what stays Roster's own. */
import { html } from '../lib.js'

export const isManagedTenant = (me) => me.tenant.source !== 'local'

/** What the managed note says about groups in a tenant whose identities live elsewhere. */
export function groupsManagedText(me) {
  const where = me.tenant.source === 'ldap' ? 'in the directory and synced here' : 'in the identity provider and provisioned here over SCIM'
  return `groups, their names and their members are changed ${where}.`
}

/** Beside the managed note: what Roster still owns in a managed tenant. */
export function StillHere() {
  return html`<p class="hint still-here">Owners and roles are Roster’s own: you can still set a group’s owner and grant it roles here.</p>`
}

/** Small pieces the groups, roles, service-account and token screens share. */
import { html, useState, useEffect } from '../lib.js'
import { get } from '../api.js'
import { sourceName } from '../ui.js'

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

// Roles change rarely; one read serves every screen until something changes them.
let rolesPromise = null
export function loadRoles({ fresh = false } = {}) {
  if (fresh || !rolesPromise) rolesPromise = get('/roles').then((d) => d.items).catch((e) => {
    rolesPromise = null
    throw e
  })
  return rolesPromise
}

/** The tenant's roles (undefined while loading, [] when they cannot be read). */
export function useRoles(version = 0) {
  const [roles, setRoles] = useState(undefined)
  useEffect(() => {
    let live = true
    loadRoles({ fresh: version > 0 }).then((r) => live && setRoles(r), () => live && setRoles([]))
    return () => {
      live = false
    }
  }, [version])
  return roles
}

export const roleName = (roles, idOrName) => roles?.find((r) => r.id === idOrName || r.name === idOrName)?.name ?? idOrName

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

export { sourceName }

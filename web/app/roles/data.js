/** The tenant's roles, read once for every screen that shows or grants them. */
import { useState, useEffect } from '../lib.js'
import { get } from '../api.js'

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

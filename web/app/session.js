import { createContext, useContext } from './lib.js'

/** The signed-in user (GET /api/me: tenant, roles, permissions, session) and a way to re-read it. */
export const MeContext = createContext({ me: null, reloadMe: () => {} })

export const useMe = () => useContext(MeContext)

/** Whether the signed-in user holds `permission` now (GET /api/me's `permissions`). */
export const can = (me, permission) => Boolean(me?.permissions?.includes(permission))

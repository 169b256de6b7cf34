import type { Store } from '../store.js'
import { ConflictError } from '../kernel/errors.js'
import type { Actor } from '../audit/model.js'
import { createTenant } from '../tenancy/tenants.js'
import { issueToken } from '../credentials/tokens.js'
import { createAdministrator } from './administrators.js'

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, label: 'roster' }

export interface FirstStart {
  tenantSlug: string
  scimToken: string
  adminUserName: string
  adminPassword: string
}

export const FIRST_ADMIN = 'admin'

/**
 * On the very first start (no tenant at all) creates tenant `default` (source `local`), a SCIM
 * token and an administrator `admin` with a generated password, in one transaction. Returns null on every later start. Two processes starting at once
 * against one server race on the tenants' unique slug: the loser's transaction rolls back and it
 * reports a later start.
 */
export async function firstStart(store: Store): Promise<FirstStart | null> {
  if ((await store.tenants.count()) > 0) return null
  try {
    return await store.transaction(async (tx) => {
      if ((await tx.tenants.count()) > 0) return null
      const tenant = await createTenant(tx, SYSTEM_ACTOR, { slug: 'default', displayName: 'Default', source: 'local' })
      const { secret } = await issueToken(tx, tenant, 'initial', SYSTEM_ACTOR)
      const admin = await createAdministrator(tx, { tenant, actor: SYSTEM_ACTOR, requestId: null }, { userName: FIRST_ADMIN })
      return { tenantSlug: tenant.slug, scimToken: secret, adminUserName: admin.user.userName, adminPassword: admin.password }
    })
  } catch (err) {
    if (err instanceof ConflictError) return null
    throw err
  }
}

/**
 * The one rule for every path that issues or renews a credential (personal access tokens and their
 * regeneration, API passwords, tokens of service accounts, SCIM tokens, and whatever comes next):
 *
 *   the new credential's permissions ⊆ the caller's effective permissions ∩ the scope of the
 *   credential the caller used.
 *
 * A credential without a list ("all of its user's permissions, whatever they are at the time of
 * use") follows its user's roles as they grow, so only a caller whose own credential is not narrowed
 * may issue one: a narrowed token can only hand out lists within its own. See docs/security.md.
 */
import type { AccessPersister } from '../access/persister.js'
import { ForbiddenError } from '../kernel/errors.js'
import { PERMISSIONS, type Permission } from '../access/model.js'
import { effectiveAccess } from '../access/roles.js'
import { lacking, requireCredentialsManage, type Operator } from '../access/operator.js'

/** What a credential can do: a fixed list, or null for everything its user holds at the time of use. */
export type CredentialReach = readonly Permission[] | null

/**
 * A SCIM token creates, changes and deletes users and groups and puts anyone into any group, and
 * groups carry roles (an administrators' group makes its members administrators): in permission
 * terms it reaches everything, so only someone holding everything may issue one.
 */
export const SCIM_TOKEN_REACH: CredentialReach = PERMISSIONS

/**
 * Refuses (403, naming what is missing) a credential for `ownerId` that would reach further than
 * this request may. Issuing for someone else needs credentials.manage as well.
 */
export async function requireMintable(store: AccessPersister, op: Operator, ownerId: string | null, reach: CredentialReach, what = 'a credential'): Promise<void> {
  if (ownerId !== null) await requireCredentialsManage(store, op, ownerId)
  if (reach === null && op.scope) {
    throw new ForbiddenError(
      `this request's token is narrowed to ${op.scope.length ? op.scope.join(', ') : 'no permissions'}: it can only issue ${what} narrowed to those permissions or fewer (send "permissions")`,
    )
  }
  const reaches = reach ?? (ownerId === null ? PERMISSIONS : (await effectiveAccess(store, op.tenant.id, ownerId)).permissions)
  const missing = await lacking(store, op, reaches)
  if (missing.length) throw new ForbiddenError(`${what}${ownerId === null ? '' : ' for this user'} would carry permissions you do not hold yourself: ${missing.join(', ')}`)
}

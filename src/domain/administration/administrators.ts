import type { IdentityPersister } from '../identity/persister.js'
import type { AccessPersister } from '../access/persister.js'
import type { AuditPersister } from '../audit/persister.js'
import type { Transactional } from '../kernel/transaction.js'
import { type AccessContext } from '../access/roles.js'
import { type User } from '../identity/model.js'
import { generatePassword } from '../identity/passwords.js'
import { type JsonObject } from '../kernel/json.js'
import { createUser } from '../identity/users.js'
import { ADMINISTRATOR } from '../access/model.js'

/** What creating an administrator uses: the identity writes, and role assignments to make them one. */
export type AdministratorStore = Transactional<Pick<IdentityPersister, 'users' | 'groups' | 'memberships'> & AuditPersister & Pick<AccessPersister, 'roleAssignments'>>

/**
 * Creates a local user with the Administrator role and a generated password, in one transaction.
 * Only where Roster manages the users (`local`): in a directory- or IdP-managed tenant the
 * administrator is a synced user given the role (`roster role assign`).
 */
export async function createAdministrator(
  store: AdministratorStore,
  ctx: AccessContext,
  input: { userName: string; email?: string | null },
): Promise<{ user: User; password: string }> {
  const password = generatePassword()
  const doc: JsonObject = { userName: input.userName, active: true }
  if (input.email) doc.emails = [{ value: input.email, type: 'work', primary: true }]
  const user = await store.transaction(async (tx) => {
    const created = await createUser(
      tx,
      { tenant: ctx.tenant, actor: ctx.actor, channel: 'cli', requestId: ctx.requestId },
      { userName: input.userName, externalId: null, displayName: null, email: input.email ?? null, active: true, managerId: null, document: doc, password },
    )
    await tx.roleAssignments.assign(ctx.tenant.id, ADMINISTRATOR, 'User', created.id)
    await tx.audit.append({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      action: 'role.assign',
      resourceType: 'User',
      resourceId: created.id,
      changes: { attributes: ['roles'], after: { role: 'Administrator' } },
      requestId: ctx.requestId,
    })
    return created
  })
  return { user, password }
}

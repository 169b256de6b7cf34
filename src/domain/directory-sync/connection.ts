/**
 * A tenant's link to its directory (AD or LDAP). Setting one makes the directory the tenant's
 * source of truth (`ldap`): from then on only the sync writes its users and groups. The bind
 * password is sealed with ENCRYPTION_KEY and never leaves this module in the clear except to open
 * a connection.
 */
import { isDeepStrictEqual } from 'node:util'
import type { ConnectionStore } from './persister.js'
import type { Actor } from '../audit/model.js'
import type { JsonObject } from '../kernel/json.js'
import type { Tenant } from '../tenancy/model.js'
import type { SecretBox } from '../credentials/secrets.js'
import type { StoredDirectoryConnection } from './model.js'
import { diffDocuments } from '../identity/writes.js'
import { ValidationError } from '../kernel/errors.js'
import { changeTenant } from '../tenancy/tenants.js'

const passwordContext = (tenantId: string) => `directory-bind-password:${tenantId}`

export interface ConnectionWriteContext {
  tenant: Tenant
  actor: Actor
  requestId: string | null
}

/**
 * Stores the tenant's connection (replacing any) and makes the tenant directory-managed, in one
 * transaction, audited without the password. `bindPassword` null keeps the stored one — but only
 * while the server and bind DN stay the same: otherwise whoever may edit settings could point the
 * connection at a server of their own and receive the stored password at the next bind.
 */
export async function setDirectoryConnection(
  store: ConnectionStore,
  box: SecretBox,
  ctx: ConnectionWriteContext,
  settings: JsonObject,
  bindPassword: string | null,
): Promise<StoredDirectoryConnection> {
  return store.transaction(async (tx) => {
    const before = await tx.directoryConnections.get(ctx.tenant.id)
    if (bindPassword === null) {
      if (!before) throw new ValidationError('bindPassword is required for a new directory connection', 'bindPassword')
      if (before.settings.url !== settings.url || before.settings.bindDn !== settings.bindDn) {
        throw new ValidationError('enter the bind password again: the server URL or bind DN changed, and Roster does not send the stored password to a different server or account', 'bindPassword')
      }
      bindPassword = box.open(before.sealedBindPassword, passwordContext(ctx.tenant.id))
    }
    const sealed = box.seal(bindPassword, passwordContext(ctx.tenant.id))
    const saved = await tx.directoryConnections.put(ctx.tenant.id, settings, sealed)
    const changes = diffDocuments(before?.settings ?? null, settings)
    const passwordChanged = !before || box.open(before.sealedBindPassword, passwordContext(ctx.tenant.id)) !== bindPassword
    if (passwordChanged) changes.attributes = [...changes.attributes, 'bindPassword'].sort()
    if (!before || changes.attributes.length || !isDeepStrictEqual(before.settings, settings)) {
      await tx.audit.append({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: before ? 'directory.update' : 'directory.create',
        resourceType: 'DirectoryConnection',
        resourceId: ctx.tenant.id,
        changes: passwordChanged ? { ...changes, after: { ...changes.after, bindPassword: '[redacted]' } } : changes,
        requestId: ctx.requestId,
      })
    }
    if (ctx.tenant.source !== 'ldap') {
      await changeTenant(tx, ctx.tenant.id, { source: 'ldap' })
      await tx.audit.append({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: 'tenant.update',
        resourceType: 'Tenant',
        resourceId: ctx.tenant.id,
        changes: { attributes: ['source'], before: { source: ctx.tenant.source }, after: { source: 'ldap' } },
        requestId: ctx.requestId,
      })
    }
    return saved
  })
}

export function getDirectoryConnection(store: Pick<ConnectionStore, 'directoryConnections'>, tenantId: string): Promise<StoredDirectoryConnection | null> {
  return store.directoryConnections.get(tenantId)
}

/** The bind password in the clear, to bind with; throws SecretKeyError when the key is wrong. */
export function openBindPassword(box: SecretBox, connection: StoredDirectoryConnection): string {
  return box.open(connection.sealedBindPassword, passwordContext(connection.tenantId))
}

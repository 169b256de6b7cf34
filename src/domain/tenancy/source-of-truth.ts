import { ConflictingStateError } from '../kernel/errors.js'
import type { Tenant } from './model.js'

/**
 * Who is writing: the path a change arrives by. A tenant's identity source decides which paths may
 * create, change or delete its users and groups (docs/decisions.md, "source of truth"):
 * - `local`: Roster itself is the source — the console, admin API, CLI and SCIM clients may write;
 * - `scim`: one identity provider is the source — only SCIM writes;
 * - `ldap`: a directory is the source — only the sync worker writes.
 * Reads are never restricted by this rule.
 */
export type WriteChannel = 'scim' | 'admin' | 'cli' | 'sync' | 'signin'

const ALLOWED: Record<Tenant['source'], readonly WriteChannel[]> = {
  local: ['scim', 'admin', 'cli', 'signin'],
  scim: ['scim'],
  ldap: ['sync'],
}

/** The tenant's identities are managed elsewhere; the message says where to make the change. */
export class ManagedBySourceError extends ConflictingStateError {
  constructor(
    readonly tenant: Pick<Tenant, 'slug' | 'source'>,
    readonly channel: WriteChannel,
  ) {
    super(
      tenant.source === 'ldap'
        ? `tenant ${tenant.slug} is managed by its directory: users and groups are changed in the directory and synced to Roster`
        : tenant.source === 'scim'
          ? `tenant ${tenant.slug} is managed by its identity provider: users and groups are changed there and provisioned over SCIM`
          : `tenant ${tenant.slug} is managed by Roster itself: the directory sync does not write to it`,
    )
  }
}

export function mayWrite(tenant: Pick<Tenant, 'source'>, channel: WriteChannel): boolean {
  return ALLOWED[tenant.source].includes(channel)
}

export function assertMayWrite(tenant: Pick<Tenant, 'slug' | 'source'>, channel: WriteChannel): void {
  if (!mayWrite(tenant, channel)) throw new ManagedBySourceError(tenant, channel)
}

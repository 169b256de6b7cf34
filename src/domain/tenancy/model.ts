/** A tenant: one organisation's users, groups and settings, isolated from every other. */

/** Who may write a tenant's users and groups (see docs/architecture.md, "source of truth"). */
export type IdentitySource = 'local' | 'scim' | 'ldap'

export const IDENTITY_SOURCES: readonly IdentitySource[] = ['local', 'scim', 'ldap']

export interface Tenant {
  id: string
  slug: string
  displayName: string
  source: IdentitySource
  /** Free-form per-tenant options that later features read (strict SCIM mode, SSO flags, …). */
  settings: Record<string, unknown>
  created: Date
  modified: Date
}

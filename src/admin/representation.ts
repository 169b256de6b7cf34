import type { Tenant } from '../domain/tenancy/model.js'
import type { User } from '../domain/identity/model.js'
import type { Role } from '../domain/access/model.js'
import { mayWrite } from '../domain/tenancy/source-of-truth.js'
import { CUSTOM_ATTRIBUTES_URN, type CustomAttribute } from '../domain/identity/custom-attribute-model.js'
import { attributeFields } from '../domain/identity/custom-attributes.js'
import { personView } from '../domain/administration/person-view.js'

/** Where a managed tenant's users are changed instead: what the console shows beside them. */
export function managedBy(tenant: Tenant): string | null {
  if (mayWrite(tenant, 'admin')) return null
  return tenant.source === 'ldap' ? 'managed by the directory: change it there; the sync brings it here' : 'managed by the identity provider: change it there; it is provisioned here over SCIM'
}

/** A user as the admin API shows it; with the tenant's definitions, its custom attribute values (`attributes`). */
export function userJson(user: User, tenant: Tenant, definitions?: readonly CustomAttribute[]): Record<string, unknown> {
  return { ...personView(user, definitions), managedBy: managedBy(tenant) }
}

export const roleJson = (r: Role) => ({ id: r.id, name: r.name, description: r.description, builtIn: r.builtIn, permissions: r.permissions })

export const attributeJson = (a: CustomAttribute) => ({
  id: a.id,
  ...attributeFields(a),
  scimPath: `${CUSTOM_ATTRIBUTES_URN}:${a.name}`,
  created: a.created.toISOString(),
  modified: a.modified.toISOString(),
})

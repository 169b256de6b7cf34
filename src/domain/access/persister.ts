/**
 * The access concept's persistence port: custom roles and their assignments to users and groups.
 * Role names are unique per tenant, case-insensitively (ConflictError); every lookup is scoped by
 * tenant.
 */
import type { Transactional } from '../kernel/transaction.js'
import type { AuditPersister } from '../audit/persister.js'
import type { IdentityPersister } from '../identity/persister.js'
import type { AssignmentReach, PrincipalType, StoredCustomRole } from './model.js'

export interface RoleRepo {
  list(tenantId: string): Promise<StoredCustomRole[]>
  get(tenantId: string, id: string): Promise<StoredCustomRole | null>
  getByName(tenantId: string, name: string): Promise<StoredCustomRole | null>
  insert(role: Omit<StoredCustomRole, 'created' | 'modified'>): Promise<StoredCustomRole>
  update(tenantId: string, id: string, changes: Partial<Pick<StoredCustomRole, 'name' | 'description' | 'permissions'>>): Promise<StoredCustomRole | null>
  delete(tenantId: string, id: string): Promise<boolean>
}

export interface RoleAssignmentRepo {
  /** False when the principal already holds the role. */
  assign(tenantId: string, role: string, principalType: PrincipalType, principalId: string): Promise<boolean>
  /** False when the principal did not hold the role. */
  unassign(tenantId: string, role: string, principalId: string): Promise<boolean>
  /** The roles assigned to this user or group itself. */
  ofPrincipal(tenantId: string, principalId: string): Promise<string[]>
  /** Every assignment that reaches the user: its own, and those of every group it is in, nested groups included. */
  reaching(tenantId: string, userId: string): Promise<AssignmentReach[]>
  /** How many principals hold the role (for refusing to delete a role in use, and for the last administrator). */
  holders(tenantId: string, role: string): Promise<Array<{ principalType: PrincipalType; principalId: string }>>
  removeForPrincipal(tenantId: string, principalId: string): Promise<string[]>
  removeForRole(tenantId: string, role: string): Promise<number>
}

export interface AccessPersister {
  roles: RoleRepo
  roleAssignments: RoleAssignmentRepo
}

/**
 * The repositories role administration uses: roles and assignments, the users and groups they are
 * assigned to, and the audit trail.
 */
export type AccessStore = Transactional<AccessPersister & Pick<IdentityPersister, 'users' | 'groups'> & AuditPersister>

import type { Migration } from './migration.js'

/**
 * Group owners: the person responsible for a group, shown in the console and handed over when the
 * owner is deleted. A table of its own rather than a column of `groups`: ownership is Roster's
 * concept, not SCIM's or the directory's, and the sync and SCIM paths never touch it.
 */
export const groupOwners: Migration = {
  version: 10,
  name: 'group_owners',
  statements: [
    `CREATE TABLE group_owners (
       tenant_id uuid NOT NULL,
       group_id uuid NOT NULL,
       owner_id uuid NOT NULL,
       PRIMARY KEY (tenant_id, group_id),
       FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
       FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE INDEX group_owners_owner_idx ON group_owners (tenant_id, owner_id)`,
    // The console's group list, by name, searched as the admin types.
    `CREATE INDEX groups_name_sort_idx ON groups (tenant_id, display_name_lower COLLATE "C", id)`,
  ],
}

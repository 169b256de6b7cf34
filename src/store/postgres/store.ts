import type { Repos, Store } from '../../domain/store.js'
import { StoreUnavailableError } from '../../domain/kernel/errors.js'
import type { Database, Sql } from './sql.js'
import type { NoticeFeed } from '../../domain/kernel/notices.js'
import { publishNotice } from './notice-feed.js'
import { auditRepo } from './repos/audit.js'
import { groupRepo } from './repos/groups.js'
import { membershipRepo } from './repos/memberships.js'
import { tenantRepo } from './repos/tenants.js'
import { tokenRepo } from './repos/tokens.js'
import { userRepo } from './repos/users.js'
import { loginFailureRepo, samlAssertionRepo, samlConfigRepo, samlRequestRepo, sessionRepo, signInHousekeeping } from './repos/sign-in.js'
import { userListRepo } from './repos/user-list.js'
import { roleAssignmentRepo, roleRepo } from './repos/access.js'
import { personalTokenRepo } from './repos/personal-tokens.js'
import { groupListRepo, groupOwnerRepo } from './repos/groups-admin.js'
import { serviceAccountRepo, userApiSettingsRepo } from './repos/credentials.js'
import { customAttributeRepo } from './repos/custom-attributes.js'
import { provisioningLogRepo } from './repos/provisioning-log.js'
import { directoryConnectionRepo, syncRunRepo, syncSnapshotRepo, syncStateRepo } from './repos/sync.js'

function repos(sql: Sql, feed: NoticeFeed): Repos {
  return {
    // On the transaction's connection: the notice goes out when the change commits.
    notices: { publish: (topic, key) => publishNotice(sql, topic, key), feed },
    tenants: tenantRepo(sql),
    tokens: tokenRepo(sql),
    users: userRepo(sql),
    groups: groupRepo(sql),
    memberships: membershipRepo(sql),
    audit: auditRepo(sql),
    directoryConnections: directoryConnectionRepo(sql),
    syncRuns: syncRunRepo(sql),
    syncState: syncStateRepo(sql),
    syncSnapshot: syncSnapshotRepo(sql),
    samlConfigs: samlConfigRepo(sql),
    samlRequests: samlRequestRepo(sql),
    samlAssertions: samlAssertionRepo(sql),
    sessions: sessionRepo(sql),
    loginFailures: loginFailureRepo(sql),
    signInHousekeeping: signInHousekeeping(sql),
    userList: userListRepo(sql),
    roles: roleRepo(sql),
    roleAssignments: roleAssignmentRepo(sql),
    personalTokens: personalTokenRepo(sql),
    groupOwners: groupOwnerRepo(sql),
    groupList: groupListRepo(sql),
    userApiSettings: userApiSettingsRepo(sql),
    serviceAccounts: serviceAccountRepo(sql),
    customAttributes: customAttributeRepo(sql),
    provisioningLog: provisioningLogRepo(sql),
  }
}

/** The PostgreSQL implementation of the store port, over either PGlite or a server. */
export function postgresStore(db: Database, onClose?: () => Promise<void>): Store {
  const bound = (sql: Sql): Store => {
    const store: Store = {
      kind: db.kind,
      ...repos(sql, db.notices),
      // Inside a transaction, a nested transaction joins it: all or nothing stays all or nothing.
      transaction: (fn) => (sql === db ? db.transaction((tx) => fn(bound(tx))) : fn(store)),
      async ping(timeoutMs = 2000) {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreUnavailableError(`database did not answer within ${timeoutMs} ms`)), timeoutMs)
        })
        try {
          await Promise.race([db.query('SELECT 1'), timeout])
        } finally {
          clearTimeout(timer)
        }
      },
      async close() {
        await db.close()
        await onClose?.()
      },
    }
    return store
  }
  return bound(db)
}

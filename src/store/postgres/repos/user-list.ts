import type { UserListRepo } from '../../port.js'
import type { Sql } from '../sql.js'

// Placeholder while the user list is being built (helper fills this in).
export function userListRepo(sql: Sql): UserListRepo {
  void sql
  return {
    list: () => Promise.reject(new Error('user list not built yet')),
    recordSignIn: () => Promise.resolve(),
  }
}

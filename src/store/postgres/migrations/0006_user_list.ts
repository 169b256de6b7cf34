import type { Migration } from './index.js'

/** The admin console's user list (placeholder while it is being built). */
export const userList: Migration = {
  version: 6,
  name: 'user_list',
  statements: [],
}

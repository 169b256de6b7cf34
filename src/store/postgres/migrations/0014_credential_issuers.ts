import type { Migration } from './migration.js'

/**
 * Who issued each credential. A token or API password issued for another user is held by its issuer
 * (the secret is shown to them once), so the audit log names the issuer as the actor of what it
 * does, on behalf of the credential's user. The label is kept beside the id so the record still
 * reads after the issuer is deleted.
 */
export const credentialIssuers: Migration = {
  version: 14,
  name: 'credential_issuers',
  statements: [
    `ALTER TABLE personal_tokens ADD COLUMN issued_by uuid, ADD COLUMN issued_by_label text`,
    `ALTER TABLE user_api_settings ADD COLUMN api_password_set_by uuid, ADD COLUMN api_password_set_by_label text`,
    // How the actor acted: the credential (token id and name, or API password) and the user it
    // belongs to when that is someone else.
    `ALTER TABLE audit_events ADD COLUMN actor_via jsonb`,
  ],
}

import type { Migration } from './migration.js'

/**
 * Sign-in: SAML settings per tenant, the SAML requests this SP issued (InResponseTo), assertion ids
 * already consumed, server-side sessions and the failure counters behind password lockout. All of
 * it lives in the database so any number of Roster processes can serve one tenant.
 */
export const signIn: Migration = {
  version: 5,
  name: 'sign_in',
  statements: [
    // settings: IdP entityID, endpoints, certificates, options (no secret).
    // sp_private_key: the tenant's SP signing key, sealed with ENCRYPTION_KEY.
    `CREATE TABLE saml_configs (
       tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
       settings jsonb NOT NULL,
       sp_certificate text NOT NULL,
       sp_private_key text NOT NULL,
       created timestamptz NOT NULL DEFAULT now(),
       modified timestamptz NOT NULL DEFAULT now()
     )`,
    // One row per AuthnRequest/LogoutRequest we sent; consumed (deleted) by the response to it.
    `CREATE TABLE saml_requests (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id text NOT NULL,
       kind text NOT NULL CHECK (kind IN ('authn', 'logout')),
       return_to text,
       -- the hash of the session the browser had when it asked to sign in: ended by the sign-in
       replaces_session bytea,
       created timestamptz NOT NULL,
       expires timestamptz NOT NULL,
       PRIMARY KEY (tenant_id, id)
     )`,
    `CREATE INDEX saml_requests_expires_idx ON saml_requests (expires)`,
    // An assertion id is remembered until the assertion itself could no longer be accepted.
    `CREATE TABLE saml_assertions (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       id text NOT NULL,
       expires timestamptz NOT NULL,
       PRIMARY KEY (tenant_id, id)
     )`,
    `CREATE INDEX saml_assertions_expires_idx ON saml_assertions (expires)`,
    // id_hash: SHA-256 of the cookie value, so a copy of the table opens no session.
    // fingerprint: what the user's access looked like at sign-in (status, roles, password);
    // a difference at the next request ends the session.
    `CREATE TABLE sessions (
       id_hash bytea PRIMARY KEY,
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       user_id uuid NOT NULL,
       method text NOT NULL CHECK (method IN ('saml', 'password')),
       fingerprint text NOT NULL,
       saml_name_id text,
       saml_name_id_format text,
       saml_session_index text,
       created timestamptz NOT NULL,
       last_seen timestamptz NOT NULL,
       expires timestamptz NOT NULL,
       FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
     )`,
    `CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id)`,
    `CREATE INDEX sessions_expires_idx ON sessions (expires)`,
    // Failed password sign-ins per key ('user:<lower userName>' or 'ip:<address>').
    `CREATE TABLE login_failures (
       tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
       key text NOT NULL,
       failures integer NOT NULL,
       window_start timestamptz NOT NULL,
       locked_until timestamptz,
       PRIMARY KEY (tenant_id, key)
     )`,
    `CREATE INDEX users_email_lower_idx ON users (tenant_id, lower(email)) WHERE email IS NOT NULL`,
  ],
}

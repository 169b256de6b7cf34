// Types for test/services/simplesamlphp.mjs (plain JavaScript), for the TypeScript tests.

export interface SimpleSamlPhpUser {
  username: string
  password: string
  /** Released as SAML attributes under these names (NameFormat basic), e.g. { uid: ['alice'], email: ['alice@example.com'] }. */
  attributes: Record<string, string[]>
}

export interface ServiceProvider {
  entityId: string
  /** HTTP-POST AssertionConsumerService */
  acsUrl: string
  /** HTTP-Redirect SingleLogoutService; the IdP signs the logout messages it sends there. */
  sloUrl?: string
  /**
   * When given, the IdP requires AuthnRequests and LogoutRequests from this SP to be signed with
   * the matching key, and validates them (unsigned or badly signed: an error page, HTTP 200).
   */
  signingCertPem?: string
  /** The user attribute whose value becomes the NameID (format emailAddress); default 'email'. */
  nameIdAttribute?: string
}

export interface SimpleSamlPhp {
  /** http://127.0.0.1:<port> (always 127.0.0.1: cookies are per host name) */
  readonly baseUrl: string
  /** <baseUrl>/saml2/idp/metadata.php */
  readonly entityId: string
  /** Same as entityId. */
  readonly metadataUrl: string
  /** <baseUrl>/saml2/idp/SSOService.php (HTTP-Redirect; also IdP-initiated with ?spentityid=) */
  readonly ssoUrl: string
  /** <baseUrl>/saml2/idp/SingleLogoutService.php (HTTP-Redirect) */
  readonly sloUrl: string
  /** The IdP signing certificate (PEM); responses and assertions are signed with rsa-sha256. */
  readonly certPem: string
  /** The temporary directory holding everything (config/, metadata/, cert/, sessions/). */
  readonly dir: string
  /** The metadata served by the running IdP: EntityDescriptor with the signing certificate, SSO and SLO endpoints. */
  metadataXml(): Promise<string>
  /** Replace the known SPs; read by the IdP on every request, so no restart. */
  setServiceProviders(serviceProviders: ServiceProvider[]): Promise<void>
  /** Server output so far (request log, PHP errors, SimpleSAMLphp's log at NOTICE and above). */
  logs(): string
  /** Kill the server's process group and delete its directory. Idempotent. */
  stop(): Promise<void>
}

export interface StartSimpleSamlPhpOptions {
  /** User names must not contain ':'. */
  users: SimpleSamlPhpUser[]
  serviceProviders?: ServiceProvider[]
}

/** Installs simplesamlphp php8.2-cli php8.2-cgi php8.2-xml lighttpd (no recommends) when missing; allowInstall defaults to true (root only). */
export function ensureSimpleSamlPhpInstalled(options?: { allowInstall?: boolean }): Promise<void>
export function startSimpleSamlPhp(options: StartSimpleSamlPhpOptions): Promise<SimpleSamlPhp>

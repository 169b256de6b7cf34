/**
 * Turns what ldapts and Node's sockets throw into one plain sentence an admin can act on, with a
 * kind (for the run record and tests) and whether trying again later may help.
 */
import * as ldap from 'ldapts'

export type DirectoryErrorKind =
  | 'credentials'
  | 'unreachable'
  | 'tls'
  | 'confidentiality'
  | 'size-limit'
  | 'time-limit'
  | 'referral'
  | 'access'
  | 'no-such-base'
  | 'busy'
  | 'timeout'
  | 'filter'
  | 'protocol'

export class DirectoryError extends Error {
  constructor(
    readonly kind: DirectoryErrorKind,
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'DirectoryError'
  }
}

/** AD's sub-codes of invalidCredentials (the `data 52e` in its diagnostic message). */
const AD_BIND_REASONS: Record<string, string> = {
  '525': 'the bind account does not exist',
  '52e': 'the password is wrong',
  '530': 'the bind account may not log on at this time',
  '531': 'the bind account may not log on from this workstation',
  '532': 'the bind account’s password has expired',
  '533': 'the bind account is disabled',
  '701': 'the bind account has expired',
  '773': 'the bind account must change its password',
  '775': 'the bind account is locked out',
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
])

export interface ErrorContext {
  url: string
  bindDn?: string
  base?: string
  operation: 'connect' | 'starttls' | 'bind' | 'search'
}

export function describeLdapError(err: unknown, ctx: ErrorContext): DirectoryError {
  if (err instanceof DirectoryError) return err
  const e = err as NodeJS.ErrnoException & { code?: string | number; host?: string }
  const where = new URL(ctx.url).host
  const message = e?.message ?? String(err)
  const code = typeof e?.code === 'string' ? e.code : undefined

  if (err instanceof ldap.InvalidCredentialsError) {
    const sub = /data ([0-9a-f]{3})/i.exec(message)?.[1]?.toLowerCase()
    const reason = sub && AD_BIND_REASONS[sub] ? `: ${AD_BIND_REASONS[sub]}` : ''
    return new DirectoryError('credentials', `the directory at ${where} refused the bind as ${ctx.bindDn} (invalid credentials${reason}); check the bind DN and password`, false, { cause: err })
  }
  if (err instanceof ldap.StrongAuthRequiredError || err instanceof ldap.ConfidentialityRequiredError) {
    return new DirectoryError(
      'confidentiality',
      `the directory at ${where} requires an encrypted connection for this bind (“${message.trim()}”); use an ldaps:// URL or --starttls`,
      false,
      { cause: err },
    )
  }
  if (err instanceof ldap.SizeLimitExceededError || err instanceof ldap.AdminLimitExceededError) {
    return new DirectoryError(
      'size-limit',
      `the directory stopped the search of ${ctx.base} at its size limit; the run read nothing and changed nothing. Lower the page size, or raise the limit for the bind account (AD: MaxPageSize; OpenLDAP: limits … size.pr=unlimited)`,
      false,
      { cause: err },
    )
  }
  if (err instanceof ldap.TimeLimitExceededError) {
    return new DirectoryError('time-limit', `the directory stopped the search of ${ctx.base} at its time limit; the run changed nothing`, true, { cause: err })
  }
  if (err instanceof ldap.NoSuchObjectError) {
    return new DirectoryError('no-such-base', `the base DN ${ctx.base} does not exist on ${where}; check --base-dn`, false, { cause: err })
  }
  if (err instanceof ldap.InsufficientAccessError) {
    return new DirectoryError('access', `the bind account ${ctx.bindDn} may not read ${ctx.base ?? 'the directory'} (insufficient access rights)`, false, { cause: err })
  }
  if (err instanceof ldap.BusyError || err instanceof ldap.UnavailableError) {
    return new DirectoryError('busy', `the directory at ${where} is busy or unavailable (“${message.trim()}”); it will be tried again`, true, { cause: err })
  }
  if (err instanceof ldap.ResultCodeError && err.code === 10) {
    return new DirectoryError(
      'referral',
      `the directory at ${where} answered with a referral for ${ctx.base}: that subtree is held by another server. Point --url at a server holding it (for AD, a domain controller of that domain or the global catalog)`,
      false,
      { cause: err },
    )
  }
  if (err instanceof ldap.ResultCodeError && /filter/i.test(message)) {
    return new DirectoryError('filter', `the directory rejected the search filter: ${message.trim()}`, false, { cause: err })
  }
  if (code && TLS_CODES.has(code)) {
    return new DirectoryError(
      'tls',
      `TLS to ${where} failed: the server certificate is not trusted (${code}: ${message}). Give the CA that issued it with --ca-file, or --insecure-tls for a lab`,
      false,
      { cause: err },
    )
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /SSL|TLS/.test(message)) {
    return new DirectoryError('tls', `TLS to ${where} failed (${message}); check that the port speaks ${ctx.url.startsWith('ldaps:') ? 'LDAPS' : 'LDAP with StartTLS'}`, false, { cause: err })
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET' || code === 'EPIPE') {
    const what = code === 'ENOTFOUND' ? 'the host name does not resolve' : code === 'ECONNREFUSED' ? 'connection refused' : code.toLowerCase()
    return new DirectoryError('unreachable', `cannot reach the directory at ${where} (${what})`, code !== 'ENOTFOUND', { cause: err })
  }
  if (/timeout|timed out/i.test(message) || code === 'ETIMEDOUT') {
    return new DirectoryError('timeout', `the directory at ${where} did not answer in time during ${ctx.operation}`, true, { cause: err })
  }
  if (/socket|connection|closed/i.test(message)) {
    return new DirectoryError('unreachable', `the connection to the directory at ${where} was lost during ${ctx.operation} (${message})`, true, { cause: err })
  }
  return new DirectoryError('protocol', `the directory at ${where} failed during ${ctx.operation}: ${message}`, false, { cause: err })
}

/**
 * What counts as an email address where Roster's own forms and admin API take one: the WHATWG
 * "valid e-mail address" (what <input type=email> checks; RFC 5321's dot-atom without quoted local
 * parts or address literals), with letters beyond ASCII allowed (internationalised addresses), and
 * a domain of at least two labels whose last is not numeric: `bob@x` and `bob@10.0.0.1` are typos,
 * not mailboxes anyone administers. SCIM does not use this rule: the identity provider is the source
 * of truth for what it sends (docs/scim.md), and refusing a person over an address it accepted
 * would stop their provisioning altogether.
 */
import { ValidationError } from '../kernel/errors.js'

const LOCAL = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]{1,64}$/u
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u

export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false
  const at = value.lastIndexOf('@')
  if (at < 1) return false
  const local = value.slice(0, at)
  const labels = value.slice(at + 1).split('.')
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1]!)
}

/** Throws a ValidationError on `field` unless `value` is an email address by the rule above. */
export function requireEmailAddress(value: string, field = 'email'): void {
  if (!isEmailAddress(value)) throw new ValidationError(`${field} must be an email address such as name@example.com`, field, 'format')
}

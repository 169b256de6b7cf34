/**
 * Throttling of password guesses, shared by every way a password is checked (the sign-in form and
 * HTTP Basic with an API password). Failures are counted per account — the user a typed name or
 * email resolves to, so typing the email instead of the user name counts against the same account —
 * and per client address, which may fail ADDRESS_FACTOR times more (a spray over many names). At the
 * limit, every check is refused for the lockout period without the password being looked at.
 */
import type { LockoutStore } from './persister.js'
import type { Tenant } from '../tenancy/model.js'
import type { User } from '../identity/model.js'
import type { Clock } from './sessions.js'
import { userNameKey } from '../identity/user-name.js'

export interface LockoutPolicy {
  maxFailures: number
  lockoutMs: number
  /** Told when a lockout begins (the metrics count lockouts, whichever way the password came). */
  onLockout?: (what: LockedOut['what']) => void
}

/** A client address may fail this many times more than one account before it is locked out too. */
const ADDRESS_FACTOR = 4

/** What is being guessed at: the account (a user, or a name that names nobody) and from where. */
export interface Attempt {
  tenant: Tenant
  /** The user the typed identifier resolves to; null when it names nobody. */
  user: User | null
  /** What was typed, for an identifier that names nobody (each such name counts on its own). */
  claimed: string
  clientAddress: string
}

export class LockedOut extends Error {
  constructor(
    readonly what: 'account' | 'client address',
    readonly until: Date,
  ) {
    super(`${what} locked until ${until.toISOString()}`)
    this.name = 'LockedOut'
  }
}

/** Whole seconds until a lockout ends (an answer's Retry-After), at least 1. */
export const retryAfterSeconds = (until: Date, now: Date): number => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))

function keys(a: Attempt, policy: LockoutPolicy): Array<{ key: string; max: number; what: LockedOut['what'] }> {
  // A name that names nobody is keyed as typed, folded: the same unknown name counts once whatever
  // its case. Known users are keyed by id, whatever identifier was typed.
  const account = a.user ? `user:${a.user.id}` : `name:${userNameKey(a.claimed)}`
  return [
    { key: account, max: policy.maxFailures, what: 'account' },
    { key: `ip:${a.clientAddress}`, max: policy.maxFailures * ADDRESS_FACTOR, what: 'client address' },
  ]
}

/**
 * Counts this attempt before its password is looked at — so that guesses sent in parallel each
 * count, and none slips through between a check and a count — and throws LockedOut when the account
 * or the address is locked, or this attempt is one over the limit (which locks it). Settle the
 * attempt with `attemptSucceeded` when the password was right.
 */
export async function countAttempt(store: LockoutStore, attempt: Attempt, policy: LockoutPolicy, clock: Clock): Promise<void> {
  const now = clock.now()
  for (const { key, max, what } of keys(attempt, policy)) {
    const record = await store.loginFailures.count(attempt.tenant.id, key, now, policy.lockoutMs)
    if (record.lockedUntil && record.lockedUntil > now) throw new LockedOut(what, record.lockedUntil)
    if (record.failures > max) {
      const until = new Date(now.getTime() + policy.lockoutMs)
      await store.loginFailures.put(attempt.tenant.id, key, { ...record, lockedUntil: until })
      policy.onLockout?.(what)
      throw new LockedOut(what, until)
    }
  }
}

/**
 * A right password: the account's count starts again, and the attempt no longer counts against the
 * address (one valid account does not reset an address that is guessing others, but a busy office
 * behind one address is not locked out by its own successful sign-ins).
 */
export async function attemptSucceeded(store: LockoutStore, attempt: Attempt, policy: LockoutPolicy): Promise<void> {
  const [account, address] = keys(attempt, policy)
  await store.loginFailures.clear(attempt.tenant.id, account!.key)
  await store.loginFailures.forgive(attempt.tenant.id, address!.key)
}

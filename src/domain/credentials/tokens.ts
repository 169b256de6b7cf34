import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { CredentialsPersister, TokenStore, TokenUsage } from './persister.js'
import type { AccessPersister } from '../access/persister.js'
import { NotFoundError, UnauthenticatedError, ValidationError } from '../kernel/errors.js'
import type { Actor } from '../audit/model.js'
import type { ApiToken } from './model.js'
import type { Tenant } from '../tenancy/model.js'
import { operatorActor, type Operator } from '../access/operator.js'
import { requireMintable, SCIM_TOKEN_REACH } from './minting.js'
import { Invalidation, type NoticeFeed } from '../kernel/notices.js'

/**
 * SCIM bearer tokens: `rst_<id>_<secret>`. The id (16 hex) finds the row; the secret (32 random
 * bytes, base64url) is checked against its stored SHA-256 in constant time. A fast hash is right
 * here: the secret has 256 bits of entropy, so there is nothing for a slow hash to protect.
 * The fixed prefix lets secret scanners recognise leaked Roster tokens.
 */
const TOKEN_FORMAT = /^rst_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest()

export function parseToken(presented: string): { id: string; secret: string } | null {
  const m = TOKEN_FORMAT.exec(presented)
  return m ? { id: m[1]!, secret: m[2]! } : null
}

export function validateLabel(label: string): string {
  const l = label.trim()
  if (!l || l.length > 100 || [...l].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw new ValidationError('token name must be 1-100 printable characters', 'name')
  return l
}

export interface IssuedToken {
  token: ApiToken
  /** The bearer credential; shown once, never stored. */
  secret: string
}

export async function issueToken(store: TokenStore, tenant: Tenant, label: string, actor: Actor, requestId: string | null = null): Promise<IssuedToken> {
  const name = validateLabel(label)
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return store.transaction(async (tx) => {
    const token = await tx.tokens.create({ id, tenantId: tenant.id, label: name, secretHash: hashSecret(secret) })
    await tx.audit.append({
      tenantId: tenant.id,
      actor,
      action: 'token.create',
      resourceType: 'Token',
      resourceId: token.id,
      changes: { attributes: ['label'], after: { label: name } },
      requestId,
    })
    return { token, secret: `rst_${id}_${secret}` }
  })
}

/**
 * A SCIM token issued by a console or API request: only within what that request may mint
 * (minting.ts), and audited under the real actor and the credential it used.
 */
export async function issueTokenAs(store: TokenStore & AccessPersister, op: Operator, label: string): Promise<IssuedToken> {
  await requireMintable(store, op, null, SCIM_TOKEN_REACH, 'a SCIM token')
  return issueToken(store, op.tenant, label, operatorActor(op), op.requestId)
}

export async function revokeToken(
  store: TokenStore,
  tenant: Tenant,
  label: string,
  actor: Actor,
  requestId: string | null = null,
  cache?: TokenCache,
): Promise<ApiToken> {
  const revoked = await store.transaction(async (tx) => {
    const token = await tx.tokens.revokeByLabel(tenant.id, label.trim(), new Date())
    if (!token) throw new NotFoundError(`tenant ${tenant.slug} has no live token named "${label}"`)
    await tx.audit.append({
      tenantId: tenant.id,
      actor,
      action: 'token.revoke',
      resourceType: 'Token',
      resourceId: token.id,
      changes: { attributes: ['revoked'] },
      requestId,
    })
    // Every node's cache forgets the token when this commits; this node's also at once, below.
    await tx.notices.publish('scim-token', token.id)
    return token
  })
  cache?.forget(revoked.id)
  return revoked
}

export interface Authenticated {
  tenant: Tenant
  token: ApiToken
}

// Compared against when the id is unknown, so that an unknown id costs the same as a wrong secret.
const DUMMY_HASH = hashSecret('roster-dummy-secret')

/**
 * A short-lived memory of tokens verified against the database, so that a busy IdP connection does
 * not cost a lookup per request. Only successes are kept (a flood of bad tokens cannot fill it);
 * the secret is still compared, in constant time, on every request.
 *
 * The service's cache follows the database's invalidation notices (`following`): a token revoked
 * on any node, or a change to its tenant (whose record each entry carries: source of truth, SCIM
 * strict mode), is forgotten on every node when it commits, and while notices may be missed the
 * cache is bypassed. `ttlMs` stays the upper bound of an entry's life. A cache that follows no
 * feed (a single process, tests) forgets only what this process revokes, and trusts the rest for
 * `ttlMs`. A ttl of 0 turns the cache off.
 */
export class TokenCache {
  private readonly entries = new Map<string, { until: number; secretHash: Buffer; auth: Authenticated }>()
  private readonly invalidation: Invalidation

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    feed?: NoticeFeed,
  ) {
    this.invalidation = new Invalidation(feed)
    if (ttlMs > 0) feed?.subscribe({
      notice: (topic, key) => {
        if (topic === 'scim-token') this.forget(key)
        else if (topic === 'tenant') this.forgetTenant(key)
      },
      reset: () => {
        this.entries.clear()
        this.invalidation.moved()
      },
    })
  }

  /** A cache kept correct across nodes by the database's notices (src/domain/kernel/notices.ts). */
  static following(feed: NoticeFeed, ttlMs: number): TokenCache {
    return new TokenCache(ttlMs, undefined, undefined, feed)
  }

  /** Take before reading the database; `set` refuses what was read before a later notice. */
  get generation(): number {
    return this.invalidation.generation
  }

  get(id: string): { secretHash: Buffer; auth: Authenticated } | undefined {
    if (!this.invalidation.trusted) return undefined
    const e = this.entries.get(id)
    if (!e) return undefined
    if (e.until <= this.now()) {
      this.entries.delete(id)
      return undefined
    }
    return e
  }

  set(id: string, secretHash: Buffer, auth: Authenticated, readAt = this.generation): void {
    if (this.ttlMs <= 0 || !this.invalidation.mayStore(readAt)) return
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string)
    this.entries.set(id, { until: this.now() + this.ttlMs, secretHash, auth })
  }

  forget(id: string): void {
    this.entries.delete(id)
    this.invalidation.moved()
  }

  private forgetTenant(tenantId: string): void {
    for (const [id, e] of this.entries) if (e.auth.tenant.id === tenantId) this.entries.delete(id)
    this.invalidation.moved()
  }
}

/** Resolves a presented bearer token to its tenant, or throws UnauthenticatedError saying why. */
export async function verifyToken(store: Pick<CredentialsPersister, 'tokens'>, presented: string, cache?: TokenCache): Promise<Authenticated> {
  const parsed = parseToken(presented)
  if (!parsed) throw new UnauthenticatedError('malformed bearer token')
  const hit = cache?.get(parsed.id)
  if (hit) {
    if (!timingSafeEqual(hashSecret(parsed.secret), hit.secretHash)) throw new UnauthenticatedError('unknown bearer token')
    return hit.auth
  }
  const readAt = cache?.generation
  const found = await store.tokens.findForVerification(parsed.id)
  const ok = timingSafeEqual(hashSecret(parsed.secret), found?.secretHash ?? DUMMY_HASH)
  if (!found || !ok) throw new UnauthenticatedError('unknown bearer token')
  if (found.token.revoked) throw new UnauthenticatedError('revoked bearer token')
  const auth = { tenant: found.tenant, token: found.token }
  cache?.set(parsed.id, found.secretHash, auth, readAt)
  return auth
}

/** Where the recorder reports a write it will retry (the service's logger fits: pino's signature). */
export interface UsageLog {
  warn(fields: object, message: string): void
}

/**
 * Keeps "last used" off the request path: uses are collected in memory and written in one batched
 * statement every interval (and on shutdown). Losing the last few seconds of last-used times in a
 * crash is an acceptable price; losing request latency to a write per request is not.
 */
export class UsageRecorder {
  private pending = new Map<string, TokenUsage>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly store: Pick<CredentialsPersister, 'tokens'>,
    private readonly log: UsageLog,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs)
    this.timer.unref()
  }

  record(tenantId: string, tokenId: string, at = new Date()): void {
    this.pending.set(tokenId, { tenantId, tokenId, at })
  }

  async flush(): Promise<void> {
    if (!this.pending.size) return
    const batch = [...this.pending.values()]
    this.pending = new Map()
    try {
      await this.store.tokens.recordUsage(batch)
    } catch (err) {
      // Put them back (unless newer uses arrived meanwhile) and try again next interval.
      for (const u of batch) if (!this.pending.has(u.tokenId)) this.pending.set(u.tokenId, u)
      this.log.warn({ err: (err as Error).message, tokens: batch.length }, 'could not record token usage; will retry')
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}

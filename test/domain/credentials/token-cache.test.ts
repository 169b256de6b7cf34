/**
 * The token cache against a feed it controls: notices and resets drop entries, nothing is trusted
 * while the feed does not deliver, and a value read before a notice is not stored after it.
 */
import assert from 'node:assert/strict'
import { TokenCache, type Authenticated } from '../../../src/domain/credentials/tokens.js'
import type { NoticeFeed, NoticeListener } from '../../../src/domain/kernel/notices.js'
import type { Tenant } from '../../../src/domain/tenancy/model.js'
import type { ApiToken } from '../../../src/domain/credentials/model.js'

class FakeFeed implements NoticeFeed {
  delivering = true
  readonly listeners: NoticeListener[] = []
  subscribe(listener: NoticeListener) {
    this.listeners.push(listener)
    return () => undefined
  }
  notice(...args: Parameters<NoticeListener['notice']>) {
    for (const l of this.listeners) l.notice(...args)
  }
  reset() {
    for (const l of this.listeners) l.reset()
  }
}

const hash = Buffer.alloc(32, 1)
const auth = (tenantId: string, tokenId: string): Authenticated => ({ tenant: { id: tenantId } as Tenant, token: { id: tokenId } as ApiToken })

describe('TokenCache following a notice feed', () => {
  let feed: FakeFeed
  let cache: TokenCache
  beforeEach(() => {
    feed = new FakeFeed()
    cache = TokenCache.following(feed, 60_000)
  })

  it('forgets a token on its notice, and every token of a tenant on the tenant\'s', () => {
    cache.set('t1', hash, auth('A', 't1'))
    cache.set('t2', hash, auth('A', 't2'))
    cache.set('t3', hash, auth('B', 't3'))
    feed.notice('scim-token', 't1')
    assert.equal(cache.get('t1'), undefined)
    assert.ok(cache.get('t2'))
    feed.notice('tenant', 'A')
    assert.equal(cache.get('t2'), undefined)
    assert.ok(cache.get('t3'))
  })

  it('does not store what was read before a notice that arrived meanwhile', () => {
    const readAt = cache.generation
    feed.notice('scim-token', 't1')
    cache.set('t1', hash, auth('A', 't1'), readAt)
    assert.equal(cache.get('t1'), undefined)
    cache.set('t1', hash, auth('A', 't1'), cache.generation)
    assert.ok(cache.get('t1'))
  })

  it('drops everything on reset, and neither serves nor stores while the feed does not deliver', () => {
    cache.set('t1', hash, auth('A', 't1'))
    feed.delivering = false
    assert.equal(cache.get('t1'), undefined, 'not served while notices may be missed')
    feed.reset()
    cache.set('t2', hash, auth('A', 't2'))
    feed.delivering = true
    const readAt = cache.generation
    feed.reset() // delivery resumed: notices of the gap are gone
    assert.equal(cache.get('t1'), undefined)
    assert.equal(cache.get('t2'), undefined)
    cache.set('t3', hash, auth('A', 't3'), readAt)
    assert.equal(cache.get('t3'), undefined, 'a read from before the resumption is not stored')
  })
})

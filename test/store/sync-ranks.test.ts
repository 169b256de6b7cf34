/**
 * The management depths the snapshot's users are paged by (src/store/postgres/repos/sync.ts):
 * managers before their reports, the longest chain when a DN names two users, nobody their own
 * manager, cycles unranked, and a bound on the depth.
 */
import assert from 'node:assert/strict'
import { managementDepths } from '../../src/store/postgres/repos/sync.js'

const user = (anchor: string, dn: string, manager: string | null = null) => ({ anchor, dn, manager })

describe('management depths of a sync snapshot', () => {
  it('counts each user’s depth below the top of its chain', () => {
    const depths = managementDepths([user('c', 'cn=c', 'cn=b'), user('b', 'cn=b', 'cn=a'), user('a', 'cn=a'), user('z', 'cn=z', 'cn=gone')])
    assert.deepEqual(Object.fromEntries(depths), { a: 0, z: 0, b: 1, c: 2 })
  })

  it('takes the longest chain when a DN names two users, and never counts a user as its own manager', () => {
    const depths = managementDepths([user('top', 'cn=top'), user('mid', 'cn=dup', 'cn=top'), user('other', 'cn=dup'), user('self', 'cn=self', 'cn=self'), user('r', 'cn=r', 'cn=dup')])
    assert.deepEqual(Object.fromEntries(depths), { top: 0, other: 0, self: 0, mid: 1, r: 2 })
  })

  it('leaves users in a manager cycle unranked', () => {
    const depths = managementDepths([user('x', 'cn=x', 'cn=y'), user('y', 'cn=y', 'cn=x'), user('w', 'cn=w', 'cn=x')])
    assert.equal(depths.size, 0)
  })

  it('ranks chains deeper than 64 as 64 deep', () => {
    const chain = Array.from({ length: 100 }, (_, i) => user(`u${i}`, `cn=${i}`, i ? `cn=${i - 1}` : null))
    const depths = managementDepths(chain)
    assert.equal(depths.get('u10'), 10)
    assert.equal(depths.get('u64'), 64)
    assert.equal(depths.get('u99'), undefined, 'beyond the bound: unranked, last')
  })
})

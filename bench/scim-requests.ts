/**
 * SCIM requests for the load generators of bench/scim.ts and bench/soak.ts: request generators over
 * the seeded dataset (bench/dataset.ts) and the checks of a preflight answer.
 */
import { randomInt } from 'node:crypto'
import { FAMILY, GIVEN, titleOf } from './dataset.js'
import type { Req } from './load.js'

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

export type Json = Record<string, unknown>
export const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)]!

/** Adds or removes users of a pool, flipping each user's membership; a user comes back after the whole pool. */
export function memberCycler(groupId: string, pool: string[], initiallyMembers: boolean): () => Req {
  const member = new Map(pool.map((id) => [id, initiallyMembers]))
  let i = 0
  return () => {
    const id = pool[i++ % pool.length]!
    const isMember = member.get(id)!
    member.set(id, !isMember)
    const op = isMember ? { op: 'remove', path: `members[value eq "${id}"]` } : { op: 'add', path: 'members', value: [{ value: id, type: 'User' }] }
    return { method: 'PATCH', path: `/scim/v2/Groups/${groupId}`, body: JSON.stringify({ schemas: [PATCH_OP], Operations: [op] }) }
  }
}

/** POST /Users of new users; `token`: as another tenant (bench/seed.ts `quietToken`) instead of the run's. */
export function postUser(runId: string, token?: string): () => Req {
  let k = 0
  const headers = token ? { authorization: `Bearer ${token}` } : undefined
  return () => {
    const n = ++k
    const given = pick(GIVEN)
    const family = pick(FAMILY)
    const name = `bench-${runId}-${n}@example.com`
    return {
      method: 'POST',
      path: '/scim/v2/Users',
      ...(headers ? { headers } : {}),
      body: JSON.stringify({
        schemas: [USER_SCHEMA],
        userName: name,
        externalId: `post-${runId}-${n}`,
        name: { givenName: given, familyName: family, formatted: `${given} ${family}` },
        displayName: `${given} ${family}`,
        emails: [{ value: name, type: 'work', primary: true }],
        title: titleOf(n),
        active: true,
      }),
    }
  }
}

/** Replaces the displayName of random seeded users, cycling through the given names. */
export function patchUser(ids: string[]): () => Req {
  let k = 0
  return () => {
    const n = ++k
    const value = `${GIVEN[n % GIVEN.length]} ${FAMILY[(n >> 3) % FAMILY.length]}`
    return { method: 'PATCH', path: `/scim/v2/Users/${pick(ids)}`, body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value }] }) }
  }
}

export const get = (p: string) => (): Req => ({ method: 'GET', path: p })
export const isList = (b: unknown): b is { totalResults: number; Resources: Json[]; nextCursor?: string } =>
  !!b && typeof b === 'object' && Array.isArray((b as Json).Resources) && typeof (b as Json).totalResults === 'number'

export const pageOf = (size: number) => (_status: number, b: unknown) =>
  !isList(b) ? 'not a ListResponse' : b.Resources.length !== Math.min(size, b.totalResults) ? `${b.Resources.length} resources, expected ${size}` : undefined
export const exactlyOne = (_s: number, b: unknown) => (!isList(b) ? 'not a ListResponse' : b.totalResults !== 1 ? `totalResults ${b.totalResults}, expected 1` : undefined)
export const hasId = (_s: number, b: unknown) => (b && typeof b === 'object' && typeof (b as Json).id === 'string' ? undefined : 'no id in the answer')

/**
 * Finding 5: `PATCH g1 add member g2` and `PATCH g2 add member g1` sent at the same moment both
 * succeeded (5 of 5 rounds on PostgreSQL): each checked for a cycle against a graph without the
 * other's edge. Membership changes that add nesting now hold the tenant's nesting lock
 * (MembershipRepo.lockNesting) from the check to the commit, so the second sees the first's edge.
 */
import assert from 'node:assert/strict'
import { backends } from '../support/stores.js'
import { GROUP, PATCH_OP, scimFixture, type ScimClient, type ScimFixture } from '../support/scim.js'

const ROUNDS = 50

for (const backend of backends()) {
  describe(`security: no group cycle from concurrent requests, on ${backend.name}`, function () {
    this.timeout(180_000)
    let f: ScimFixture
    let scim: ScimClient
    before(async () => {
      f = await scimFixture(backend)
      scim = await f.client()
    })
    after(async () => f?.dispose())

    const newGroup = async (displayName: string): Promise<string> => (await scim.post('/Groups', { schemas: [GROUP], displayName }).expect(201)).body.id
    const addMember = (groupId: string, memberId: string) =>
      scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: memberId }] }] })

    /** Whether some group of the tenant contains itself, read from the groups' members as SCIM returns them. */
    async function hasCycle(ids: string[]): Promise<boolean> {
      const children = new Map<string, string[]>()
      for (const id of ids) {
        const group = (await scim.get(`/Groups/${id}`).expect(200)).body
        children.set(id, (group.members ?? []).filter((m: { type?: string }) => m.type === 'Group').map((m: { value: string }) => m.value))
      }
      const onPath = new Set<string>()
      const done = new Set<string>()
      const visit = (g: string): boolean => {
        if (onPath.has(g)) return true
        if (done.has(g)) return false
        onPath.add(g)
        const found = (children.get(g) ?? []).some(visit)
        onPath.delete(g)
        done.add(g)
        return found
      }
      return ids.some(visit)
    }

    it(`refuses one of two opposing nestings sent together, ${ROUNDS} rounds out of ${ROUNDS}`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const [g1, g2] = [await newGroup(`g1 of round ${round}`), await newGroup(`g2 of round ${round}`)]
        const [a, b] = await Promise.all([addMember(g1, g2), addMember(g2, g1)])
        const statuses = [a.status, b.status].sort()
        assert.deepEqual(statuses, [204, 400], `round ${round}: ${a.status} ${a.text.slice(0, 200)} / ${b.status} ${b.text.slice(0, 200)}`)
        const refused = a.status === 400 ? a : b
        assert.match(refused.body.detail, /contain itself/)
        assert.equal(await hasCycle([g1, g2]), false, `round ${round}: a cycle was stored`)
      }
    })

    it('refuses a longer cycle closed by three concurrent requests', async () => {
      for (let round = 0; round < 10; round++) {
        const ids = [await newGroup(`a ${round}`), await newGroup(`b ${round}`), await newGroup(`c ${round}`)]
        const results = await Promise.all(ids.map((g, i) => addMember(g, ids[(i + 1) % ids.length]!)))
        assert.equal(results.filter((r) => r.status === 204).length, 2, `round ${round}: ${results.map((r) => r.status).join(' ')}`)
        assert.equal(await hasCycle(ids), false, `round ${round}: a cycle was stored`)
      }
    })
  })
}

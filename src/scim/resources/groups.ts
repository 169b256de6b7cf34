import type { Group } from '../../domain/identity/model.js'
import { createGroup, deleteGroup, getGroup, updateGroup, type GroupWrite, type MemberChanges } from '../../domain/identity/groups.js'
import type { ResourceDocument } from '../schema/document.js'
import type { ScimContext } from '../context.js'
import { documentColumns, fromWire, storedRecord, toWire } from '../schema/representation.js'
import { needs, type Projection } from '../schema/projection.js'
import { parsePatchRequest } from '../messages/patch-op.js'
import { applyPatch } from '../patch/apply.js'
import type { ResourceHandler, WireRecord } from '../resource-type.js'
import { runQuery } from './query.js'

function groupWrite(document: ResourceDocument): GroupWrite {
  const cols = documentColumns('Group', document)
  return { displayName: cols.displayName ?? '', externalId: cols.externalId ?? null, document }
}

/** Members are read only when the response will show them: `excludedAttributes=members` reads none. */
async function render(sc: ScimContext, groups: Group[], projection: Projection): Promise<WireRecord[]> {
  const members = needs(projection, 'members') && groups.length ? await sc.store.memberships.membersOf(sc.tenant.id, groups.map((g) => g.id)) : undefined
  return groups.map((g) => {
    const related = members ? { members: (members.get(g.id) ?? []).map((m) => ({ value: m.memberId, type: m.memberType })) } : {}
    return { version: g.version, resource: toWire(sc.registry, 'Group', storedRecord(g, related), { baseUrl: sc.baseUrl, projection }) }
  })
}

async function renderOne(sc: ScimContext, group: Group, projection: Projection): Promise<WireRecord> {
  return (await render(sc, [group], projection))[0]!
}

export const groupsHandler: ResourceHandler = {
  type: 'Group',
  endpoint: 'Groups',

  async get(sc, id, projection) {
    return renderOne(sc, await getGroup(sc.store, sc.tenant.id, id), projection)
  },

  async list(sc, request, projection) {
    const result = await runQuery(sc, 'Group', request, (q) => sc.store.groups.query(sc.tenant.id, q))
    return { ...result, records: await render(sc, result.items, projection) }
  },

  async create(sc, body, projection, ctx) {
    const input = fromWire(sc.registry, 'Group', body, { mode: 'create', strict: sc.strict, notes: sc.interpretation })
    const group = await createGroup(sc.store, ctx, groupWrite(input.document), input.members ?? [])
    return renderOne(sc, group, projection)
  },

  async replace(sc, id, body, projection, ctx, check) {
    const group = await updateGroup(
      sc.store,
      ctx,
      id,
      (current) => {
        const input = fromWire(sc.registry, 'Group', body, { mode: 'replace', existing: current.resource, strict: sc.strict, notes: sc.interpretation })
        // PUT replaces the member list as a whole.
        const members: MemberChanges = { add: input.members ?? [], remove: [], removeAll: true }
        return { group: groupWrite(input.document), members }
      },
      check,
    )
    return renderOne(sc, group, projection)
  },

  async patch(sc, id, body, projection, ctx, check, render) {
    const ops = parsePatchRequest(body, { strict: sc.strict, notes: sc.interpretation })
    const group = await updateGroup(
      sc.store,
      ctx,
      id,
      (current) => {
        const result = applyPatch(sc.registry, 'Group', current.resource, ops, { strict: sc.strict, notes: sc.interpretation })
        const documentChanged = result.changed.some((name) => name !== 'members')
        return {
          ...(documentChanged ? { group: groupWrite(result.document) } : {}),
          ...(result.members ? { members: result.members } : {}),
        }
      },
      check,
    )
    return render ? renderOne(sc, group, projection) : { version: group.version }
  },

  async delete(sc, id, ctx, check) {
    await deleteGroup(sc.store, ctx, id, check)
  },
}

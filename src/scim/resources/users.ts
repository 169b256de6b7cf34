import type { User } from '../../domain/identity/model.js'
import { createUser, deleteUser, getUser, updateUser, type UserWrite } from '../../domain/identity/users.js'
import { checkDocumentValues } from '../../domain/identity/custom-attributes.js'
import type { ResourceDocument } from '../schema/document.js'
import type { ScimContext } from '../context.js'
import { documentColumns, fromWire, storedRecord, wireRenderer } from '../schema/representation.js'
import { needs, type Projection } from '../schema/projection.js'
import { parsePatchRequest } from '../messages/patch-op.js'
import { applyPatch } from '../patch/apply.js'
import { SCHEMA_URNS } from '../schema/schemas.js'
import type { ResourceHandler, WireRecord } from '../resource-type.js'
import { runQuery } from './query.js'

/** Where an unresolved manager reference is noted (the attribute's full path). */
const MANAGER_ATTRIBUTE = `${SCHEMA_URNS.EnterpriseUser}:manager`

/**
 * The enterprise extension's manager value. RFC 7643 §4.3 wants it to name a user of the tenant;
 * strict mode refuses one that does not, lenient mode keeps it as sent until that user arrives
 * (ManagerReference, src/domain/identity/model.ts): IdPs push reports before their managers.
 */
function managerOf(document: ResourceDocument): string | null {
  const ext = document[SCHEMA_URNS.EnterpriseUser]
  if (!ext || typeof ext !== 'object' || Array.isArray(ext)) return null
  const manager = (ext as Record<string, unknown>).manager
  if (!manager || typeof manager !== 'object' || Array.isArray(manager)) return null
  const value = (manager as Record<string, unknown>).value
  return typeof value === 'string' && value ? value : null
}

/**
 * The domain's view of a user document. `active` left out (a PUT without it, `remove active`, a
 * null) keeps the user's current state: a deactivated account is never switched back on by an
 * attribute's absence. New users are active unless they say otherwise.
 */
function userWrite(sc: ScimContext, document: ResourceDocument, password: string | undefined, current?: User): UserWrite {
  // The schema checked the types; the tenant's rules (choices, lengths) are the domain's.
  checkDocumentValues(document, sc.customAttributes, current?.resource)
  const stated = Object.prototype.hasOwnProperty.call(document, 'active')
  const doc: ResourceDocument = stated ? document : { ...document, active: current?.active ?? true }
  const cols = documentColumns('User', doc)
  return {
    userName: cols.userName ?? '',
    externalId: cols.externalId ?? null,
    displayName: cols.displayName ?? null,
    email: cols.email ?? null,
    active: cols.active,
    managerId: managerOf(doc),
    managerReference: sc.strict ? 'must-resolve' : 'may-be-unresolved',
    onUnresolvedManager: (value) => sc.interpretation.unresolved(MANAGER_ATTRIBUTE, value),
    document: doc,
    ...(password !== undefined ? { password } : {}),
  }
}

/** Reads fill User.groups in their own statement when the response shows groups. */
const read = (projection: Projection) => ({ withGroups: needs(projection, 'groups') })

async function render(sc: ScimContext, users: User[], projection: Projection): Promise<WireRecord[]> {
  // Users read without their groups (none so far) are completed with one more statement.
  const missing = needs(projection, 'groups') ? users.filter((u) => !u.groups) : []
  const fetched = missing.length ? await sc.store.memberships.groupsOfMembers(sc.tenant.id, missing.map((u) => u.id)) : undefined
  // The renderer is compiled once per tenant schema and projection (src/scim/schema/renderer.ts).
  const renderUser = wireRenderer(sc.registry, 'User', projection)
  return users.map((u) => {
    const groups = u.groups ?? fetched?.get(u.id) ?? (fetched ? [] : undefined)
    const related = groups ? { groups: groups.map((g) => ({ value: g.groupId, display: g.displayName, type: g.direct ? ('direct' as const) : ('indirect' as const) })) } : {}
    // `active` follows the user's status, which the directory sync and the console change too.
    const record = storedRecord({ ...u, resource: { ...u.resource, active: u.active } }, related)
    return { version: u.version, resource: renderUser(record, sc.baseUrl) }
  })
}

async function renderOne(sc: ScimContext, user: User, projection: Projection): Promise<WireRecord> {
  return (await render(sc, [user], projection))[0]!
}

export const usersHandler: ResourceHandler = {
  type: 'User',
  endpoint: 'Users',

  async get(sc, id, projection) {
    return renderOne(sc, await getUser(sc.store, sc.tenant.id, id, read(projection)), projection)
  },

  async list(sc, request, projection) {
    const result = await runQuery(sc, 'User', request, (q) => sc.store.users.query(sc.tenant.id, q, read(projection)))
    return { ...result, records: await render(sc, result.items, projection) }
  },

  async create(sc, body, projection, ctx) {
    const input = fromWire(sc.registry, 'User', body, { mode: 'create', strict: sc.strict, notes: sc.interpretation })
    const user = await createUser(sc.store, ctx, userWrite(sc, input.document, input.password), read(projection))
    return renderOne(sc, user, projection)
  },

  async replace(sc, id, body, projection, ctx, check) {
    const user = await updateUser(
      sc.store,
      ctx,
      id,
      (current) => {
        const input = fromWire(sc.registry, 'User', body, { mode: 'replace', existing: current.resource, strict: sc.strict, notes: sc.interpretation })
        return userWrite(sc, input.document, input.password, current)
      },
      { ...check, ...read(projection) },
    )
    return renderOne(sc, user, projection)
  },

  async patch(sc, id, body, projection, ctx, check, render) {
    const ops = parsePatchRequest(body, { strict: sc.strict, notes: sc.interpretation })
    const user = await updateUser(
      sc.store,
      ctx,
      id,
      (current) => {
        const result = applyPatch(sc.registry, 'User', current.resource, ops, { strict: sc.strict, notes: sc.interpretation })
        return userWrite(sc, result.document, result.password, current)
      },
      { ...check, ...(render ? read(projection) : {}) },
    )
    return render ? renderOne(sc, user, projection) : { version: user.version }
  },

  async delete(sc, id, ctx, check) {
    await deleteUser(sc.store, ctx, id, check)
  },
}

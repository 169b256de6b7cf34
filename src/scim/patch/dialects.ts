/**
 * The IdP dialects lenient mode accepts (shared IDP-DIALECTS.md, docs/decisions-scim-patch.md), each
 * read here into the RFC 7644 form it stands for; strict mode (the tenant's strict SCIM setting)
 * rejects each of them:
 * - a capitalised `op` (`"Add"`, Entra ID), and a `null`, blank or space-padded `path` — read with
 *   the message (messages/patch-op.ts `normaliseOpName`, `normalisePathText`);
 * - a bare id for a singular complex attribute such as `manager` (Entra ID) — `complexFromBareValue`;
 * - `id`/`meta`/`schemas` keys in a path-less value (Okta's rename), ignored — `skipsServerSetKey`;
 * - path-shaped keys in a path-less value (`name.givenName`, Entra ID) — `pathFromKey`;
 * - `remove` with a value: of `members`, exactly the members listed (Entra ID) — `memberIdsFromValue`;
 *   of another multi-valued attribute, the values given — `valuesMatcher`.
 * Two more live where the rest of their rule is: `replace` of a value-filtered path that matches
 * nothing creates the element (attributes.ts), and `"True"`/`"False"` booleans and a single value
 * for a multi-valued attribute (schema/values.ts, shared with POST and PUT).
 * Each reading is noted in the request's Interpretation under its rule name (src/scim/dialect-rules.ts,
 * `noteDialectAt`), so the provisioning log shows what the IdP sent and what Roster read.
 */
import type { Json, JsonObject } from '../../domain/kernel/json.js'
import { FilterSyntaxError, formatPatchPath, parsePath, type PatchPath } from '../filter/parse.js'
import { member } from '../messages/patch-op.js'
import { subAttributesOf } from '../schema/projection.js'
import type { AttributeDefinition, SchemaDefinition } from '../schema/schemas.js'
import { isObject, kindOf, RESOURCE_LIMITS } from '../schema/values.js'
import { canonical, findByName, keyOf } from './equality.js'
import { SERVER_SET } from './path.js'
import { fail, noteDialectAt, type PatchContext } from './state.js'

/** Entra ID sets the enterprise manager with a bare id: "value": "<id>" for {"value": "<id>"}. */
export function complexFromBareValue(ctx: PatchContext, def: AttributeDefinition, value: unknown, label: string): unknown {
  const valueSub = findByName(subAttributesOf(def), 'value')
  if (ctx.strict || def.multiValued || !valueSub || typeof value !== 'string') return value
  noteDialectAt(ctx, 'bare-complex-value', `${label}: ${JSON.stringify(value.slice(0, 100))} read as {"${valueSub.name}": …}`)
  return { [valueSub.name]: value }
}

/** Whether a key of a path-less value is one the server sets, to be skipped (Okta's rename sends {"id": …, "displayName": …}). */
export function skipsServerSetKey(ctx: PatchContext, key: string): boolean {
  if (!SERVER_SET.has(key.toLowerCase())) return false
  if (ctx.strict) return fail('mutability', `"${key}" is set by the server and cannot be modified (strict mode; leave it out of the value)`)
  noteDialectAt(ctx, 'server-set-key-ignored', `"${key}" in the value skipped`)
  return true
}

/** Entra ID: {"name.givenName": …, "urn:…:enterprise:2.0:User:department": …}: a key read as a path, if it is one. */
export function pathFromKey(ctx: PatchContext, key: string, within: SchemaDefinition | undefined): PatchPath | undefined {
  try {
    const path = parsePath(within ? `${within.id}:${key}` : key)
    noteDialectAt(ctx, 'path-key', `the value's key ${JSON.stringify(key)} read as the path ${JSON.stringify(formatPatchPath(path))}`)
    return path
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err
    return undefined
  }
}

/**
 * Lenient `remove` with a value on a multi-valued attribute: an element matches a given value
 * (coerce.ts `givenValues`) when it has every sub-attribute value given. Hash lookups, one per
 * distinct set of given sub-attribute names, so the cost stays linear.
 */
export function valuesMatcher(ctx: PatchContext, def: AttributeDefinition, given: readonly Json[], label: string): (e: Json) => boolean {
  noteDialectAt(ctx, 'remove-with-value', `"remove" of ${label} with a value: the ${given.length} value(s) given removed`)
  if (def.type !== 'complex') {
    const keys = new Set(given.map((v) => keyOf(def, v)))
    return (e) => keys.has(keyOf(def, e))
  }
  const subs = subAttributesOf(def)
  /** sorted sub-attribute names → canonical projections wanted */
  const groups = new Map<string, { names: string[]; wanted: Set<string> }>()
  for (const wanted of given) {
    if (!isObject(wanted)) continue
    const names = Object.keys(wanted).sort()
    const id = names.join(' ')
    let group = groups.get(id)
    if (!group) groups.set(id, (group = { names, wanted: new Set() }))
    group.wanted.add(projectionKey(subs, wanted as JsonObject, names))
  }
  return (e) => isObject(e) && [...groups.values()].some((g) => g.wanted.has(projectionKey(subs, e as JsonObject, g.names)))
}

/** The canonical key of `e` restricted to the sub-attributes `names` (absent ones included as such). */
function projectionKey(subs: readonly AttributeDefinition[], e: JsonObject, names: readonly string[]): string {
  return JSON.stringify(
    names.map((n) => {
      const sub = findByName(subs, n)
      const v = e[n]
      return v === undefined ? ['absent'] : ['value', sub ? canonical(sub, v) : v]
    }),
  )
}

/** Entra ID's `remove` of `members` with a value list: the ids it names. */
export function memberIdsFromValue(ctx: PatchContext, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length > RESOURCE_LIMITS.maxMembers) return fail('invalidValue', `members has more than ${RESOURCE_LIMITS.maxMembers} values`)
  noteDialectAt(ctx, 'members-remove-value', `"remove" of members with a value: exactly the ${list.length} member(s) listed removed`)
  return list.flatMap((item, i) => {
    if (item === null) return []
    if (!isObject(item)) return fail('invalidValue', `members[${i}] must be an object with a "value", not ${kindOf(item)}`)
    const id = member(item, 'value', `members[${i}]`)
    if (typeof id !== 'string' || id.trim() === '') return fail('invalidValue', `members[${i}].value is required and must be a non-empty string`)
    return [id]
  })
}


/**
 * Custom user attributes (docs/admin.md, Custom user attributes): a tenant's definitions, managed
 * with settings.manage and audited, and the rules for their values, which the admin API and SCIM
 * writes both apply.
 *
 * Rules chosen here:
 * - `name` and `type` are fixed once defined: IdP mappings name the attribute, and stored values
 *   would stop matching a new type. Label, description, choices, required and position change.
 * - Removing a choice that users hold is refused (409, saying how many users hold it): the admin
 *   changes those users first, rather than leaving them with a value the form cannot show.
 * - Deleting an attribute that users hold a value for is refused (409 with the count) unless the
 *   admin asks to purge: then the values go from every user in the same transaction, each user's
 *   change audited and its version bumped (SCIM clients see a new ETag). Silently keeping
 *   invisible values, or silently dropping data, are both worse than asking.
 * - `required` is enforced where a person fills a form (console create; clearing on edit), never
 *   on SCIM or sync writes: an IdP that does not send the attribute must still provision users.
 * - Values are checked when they change: a value stored before a definition changed stays
 *   writable as it is (a sync or an IdP rewriting a user does not fail over a value it never sent).
 */
import { CUSTOM_ATTRIBUTES_URN, CUSTOM_ATTRIBUTE_LIMITS, CUSTOM_ATTRIBUTE_NAME, CUSTOM_ATTRIBUTE_TYPES, type CustomAttribute, type CustomAttributeChanges, type CustomAttributeType, type CustomAttributeValue } from './custom-attribute-model.js'
import { type CustomAttributeStore, type IdentityPersister } from './persister.js'
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.js'
import { type Json, type JsonObject } from '../kernel/json.js'
import { type Tenant } from '../tenancy/model.js'
import { type Actor } from '../audit/model.js'
import { Invalidation, type NoticeFeed, type NoticesPersister } from '../kernel/notices.js'

export { CUSTOM_ATTRIBUTES_URN }

// ---------------------------------------------------------------------------------------------
// The per-process cache

/**
 * The longest a process trusts the definitions it read. A change on any node reaches every node's
 * cache through the database's invalidation notices (src/domain/kernel/notices.ts) when it commits
 * (and this node's cache at once); while notices may be missed the cache is bypassed. SCIM reads
 * the definitions on every request (they are the tenant's schema), so they must not cost a query.
 */
export const DEFINITIONS_TTL_MS = 5_000

const MAX_CACHED_TENANTS = 10_000

interface CacheEntry {
  until: number
  value: Promise<readonly CustomAttribute[]>
}

/**
 * One per notice feed (the store and its transactions share it), or per store object for a store
 * without one. An entry is stored when its read starts, so a notice handled after that drops it:
 * a read that began before a change committed cannot outlive the change's notice.
 */
class DefinitionsCache {
  readonly byTenant = new Map<string, CacheEntry>()
  readonly invalidation: Invalidation

  constructor(feed?: NoticeFeed) {
    this.invalidation = new Invalidation(feed)
    feed?.subscribe({
      notice: (topic, key) => {
        if (topic === 'custom-attributes' || topic === 'tenant') this.forget(key)
      },
      reset: () => this.byTenant.clear(),
    })
  }

  forget(tenantId: string): void {
    this.byTenant.delete(tenantId)
  }
}

// Per feed: tests open many stores in one process, and a tenant id belongs to one of them.
const caches = new WeakMap<object, DefinitionsCache>()

type DefinitionsSource = Pick<IdentityPersister, 'customAttributes'> & Partial<NoticesPersister>

function cacheOf(store: DefinitionsSource): DefinitionsCache {
  const feed = store.notices?.feed
  const key = feed ?? store
  let cache = caches.get(key)
  if (!cache) caches.set(key, (cache = new DefinitionsCache(feed)))
  return cache
}

const fingerprint = (list: readonly CustomAttribute[]) => list.map((a) => `${a.id}@${a.modified.getTime()}`).join(',')

const deepFreeze = <T>(list: T[]): readonly T[] => Object.freeze(list.map((a) => Object.freeze(a)))

/**
 * The tenant's definitions, from the cache when fresh. An unchanged reload returns the same frozen
 * array, so what is built from it (the tenant's SCIM schema registry) is built once per change.
 */
export function tenantAttributes(store: DefinitionsSource, tenantId: string, now = Date.now()): Promise<readonly CustomAttribute[]> {
  const cache = cacheOf(store)
  if (!cache.invalidation.trusted) return store.customAttributes.list(tenantId).then(deepFreeze)
  const byTenant = cache.byTenant
  const hit = byTenant.get(tenantId)
  if (hit && hit.until > now) return hit.value
  const previous = hit?.value
  const value = store.customAttributes.list(tenantId).then(async (list) => {
    const old = previous ? await previous.catch(() => null) : null
    return old && fingerprint(old) === fingerprint(list) ? old : deepFreeze(list)
  })
  if (!hit && byTenant.size >= MAX_CACHED_TENANTS) byTenant.delete(byTenant.keys().next().value as string)
  const entry = { until: now + DEFINITIONS_TTL_MS, value }
  byTenant.set(tenantId, entry)
  // A failed read is not remembered: the next request tries again.
  value.catch(() => {
    if (byTenant.get(tenantId) === entry) byTenant.delete(tenantId)
  })
  return value
}

/** Drops the tenant's cached definitions on this node: the next read loads them. */
export function forgetTenantAttributes(store: DefinitionsSource, tenantId: string): void {
  // No cache yet, nothing to forget: a CLI process that only writes never starts listening.
  caches.get(store.notices?.feed ?? store)?.forget(tenantId)
}

// ---------------------------------------------------------------------------------------------
// Values

/** Checks one value against its definition; throws ValidationError naming `field`. */
export function checkValue(def: CustomAttribute, value: unknown, field: string): CustomAttributeValue {
  switch (def.type) {
    case 'text':
      if (typeof value !== 'string') throw new ValidationError(`${def.name} is text: give a string`, field)
      if ([...value].length > CUSTOM_ATTRIBUTE_LIMITS.maxTextLength) throw new ValidationError(`${def.name} must be at most ${CUSTOM_ATTRIBUTE_LIMITS.maxTextLength} characters`, field)
      return value
    case 'choice':
      if (typeof value !== 'string' || !def.choices.includes(value)) {
        throw new ValidationError(`${def.name} must be one of ${def.choices.map((c) => JSON.stringify(c)).join(', ')}`, field)
      }
      return value
    case 'boolean':
      if (typeof value !== 'boolean') throw new ValidationError(`${def.name} is yes/no: give true or false`, field)
      return value
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The custom attribute values a user document holds (the extension object), or an empty one. */
export function customValuesOf(document: JsonObject): JsonObject {
  const block = document[CUSTOM_ATTRIBUTES_URN]
  return isObject(block) ? block : {}
}

/** The values of defined attributes only, by name: what the admin API shows. */
export function definedValues(document: JsonObject, definitions: readonly CustomAttribute[]): Record<string, CustomAttributeValue> {
  const block = customValuesOf(document)
  const out: Record<string, CustomAttributeValue> = {}
  for (const def of definitions) {
    const v = block[def.name]
    if (typeof v === 'string' || typeof v === 'boolean') out[def.name] = v
  }
  return out
}

const findDef = (definitions: readonly CustomAttribute[], name: string) => definitions.find((d) => d.name.toLowerCase() === name.toLowerCase())

/**
 * Applies values from a form (the admin API) to a document: `null` (or an empty text) clears one,
 * an attribute left out keeps its value. With `requireAll` (creating a user), every required
 * attribute must end with a value; clearing a required one is refused in any case. Errors name
 * `attributes.<name>`. Returns the new document.
 */
export function applyFormValues(
  document: JsonObject,
  definitions: readonly CustomAttribute[],
  input: Record<string, unknown> | undefined,
  options: { requireAll: boolean },
): JsonObject {
  const block: JsonObject = { ...customValuesOf(document) }
  for (const [key, raw] of Object.entries(input ?? {})) {
    const field = `attributes.${key}`
    const def = findDef(definitions, key)
    if (!def) throw new ValidationError(`no attribute named "${key}" is defined in this tenant`, field)
    if (raw === null || raw === '') {
      if (def.required) throw new ValidationError(`${def.label} is required`, field)
      delete block[def.name]
      continue
    }
    block[def.name] = checkValue(def, raw, field)
  }
  if (options.requireAll) {
    for (const def of definitions) {
      if (def.required && block[def.name] === undefined) throw new ValidationError(`${def.label} is required`, `attributes.${def.name}`)
    }
  }
  const out: JsonObject = { ...document }
  if (Object.keys(block).length) out[CUSTOM_ATTRIBUTES_URN] = block
  else delete out[CUSTOM_ATTRIBUTES_URN]
  return out
}

/**
 * Checks the custom attribute values of a document written by a protocol (SCIM): every value that
 * differs from `previous` must belong to a defined attribute and fit its type. Errors name
 * `<urn>:<name>`.
 */
export function checkDocumentValues(document: JsonObject, definitions: readonly CustomAttribute[], previous?: JsonObject): void {
  const block = document[CUSTOM_ATTRIBUTES_URN]
  if (block === undefined) return
  if (!isObject(block)) throw new ValidationError(`${CUSTOM_ATTRIBUTES_URN} must be an object`, CUSTOM_ATTRIBUTES_URN)
  const before = previous ? customValuesOf(previous) : {}
  for (const [name, value] of Object.entries(block)) {
    if (JSON.stringify(before[name]) === JSON.stringify(value)) continue
    const field = `${CUSTOM_ATTRIBUTES_URN}:${name}`
    const def = findDef(definitions, name)
    if (!def) throw new ValidationError(`unknown attribute ${field}`, field)
    checkValue(def, value, field)
  }
}

// ---------------------------------------------------------------------------------------------
// Definitions

export interface AttributeInput {
  name: string
  label: string
  type: CustomAttributeType
  choices?: string[]
  required?: boolean
  description?: string
  position?: number
}

export type AttributeEdit = CustomAttributeChanges

function checkLabel(label: string): string {
  const l = label.trim()
  if (!l || l.length > CUSTOM_ATTRIBUTE_LIMITS.maxLabelLength) throw new ValidationError(`label must be 1-${CUSTOM_ATTRIBUTE_LIMITS.maxLabelLength} characters`, 'label')
  return l
}

function checkDescription(description: string): string {
  if (description.length > CUSTOM_ATTRIBUTE_LIMITS.maxDescriptionLength) throw new ValidationError(`description must be at most ${CUSTOM_ATTRIBUTE_LIMITS.maxDescriptionLength} characters`, 'description')
  return description.trim()
}

function checkChoices(type: CustomAttributeType, choices: string[] | undefined): string[] {
  if (type !== 'choice') {
    if (choices?.length) throw new ValidationError(`choices are for attributes of type choice, not ${type}`, 'choices')
    return []
  }
  const list = choices ?? []
  if (list.length < 1 || list.length > CUSTOM_ATTRIBUTE_LIMITS.maxChoices) throw new ValidationError(`a choice attribute needs 1-${CUSTOM_ATTRIBUTE_LIMITS.maxChoices} choices`, 'choices')
  const seen = new Set<string>()
  list.forEach((c, i) => {
    if (typeof c !== 'string' || !c.trim() || c !== c.trim() || c.length > CUSTOM_ATTRIBUTE_LIMITS.maxChoiceLength) {
      throw new ValidationError(`choice ${i + 1} must be 1-${CUSTOM_ATTRIBUTE_LIMITS.maxChoiceLength} characters without surrounding spaces`, `choices.${i}`)
    }
    if (seen.has(c)) throw new ValidationError(`the choice ${JSON.stringify(c)} is listed twice`, `choices.${i}`)
    seen.add(c)
  })
  return list
}

/**
 * Who changes definitions, for the audit log. The admin API builds it from the signed-in operator
 * after checking settings.manage (the `…As` functions); the CLI, which runs with the store's own
 * authority, passes its system actor.
 */
export interface AttributeContext {
  tenant: Tenant
  actor: Actor
  requestId: string | null
}

/** The tenant's definitions in display order, read fresh (not from the cache). */
export function listAttributes(store: Pick<IdentityPersister, 'customAttributes'>, tenantId: string): Promise<CustomAttribute[]> {
  return store.customAttributes.list(tenantId)
}

/** A definition by name, case-insensitively (names are unique that way). */
export async function attributeByName(store: Pick<IdentityPersister, 'customAttributes'>, tenantId: string, name: string): Promise<CustomAttribute> {
  const def = findDef(await store.customAttributes.list(tenantId), name)
  if (!def) throw new NotFoundError(`no attribute named "${name}" is defined in this tenant`)
  return def
}

/** A definition's fields as the admin chose them: what its audit entries record and the admin API shows. */
export const attributeFields = (a: CustomAttribute) => ({
  name: a.name,
  label: a.label,
  type: a.type,
  choices: a.choices,
  required: a.required,
  description: a.description,
  position: a.position,
})

function audit(ctx: AttributeContext, action: string, id: string, before: JsonObject | null, after: JsonObject | null) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort()
  return {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action,
    resourceType: 'CustomAttribute',
    resourceId: id,
    changes: { attributes: keys, ...(before ? { before } : {}), ...(after ? { after } : {}) },
    requestId: ctx.requestId,
  }
}

export async function defineAttribute(store: CustomAttributeStore, ctx: AttributeContext, input: AttributeInput): Promise<CustomAttribute> {
  if (!CUSTOM_ATTRIBUTE_NAME.test(input.name)) throw new ValidationError('name must start with a letter and hold at most 64 letters, digits and underscores', 'name')
  if (!CUSTOM_ATTRIBUTE_TYPES.includes(input.type)) throw new ValidationError(`type must be one of ${CUSTOM_ATTRIBUTE_TYPES.join(', ')}`, 'type')
  const label = checkLabel(input.label)
  const choices = checkChoices(input.type, input.choices)
  const description = checkDescription(input.description ?? '')
  const created = await store.transaction(async (tx) => {
    const existing = await tx.customAttributes.list(ctx.tenant.id)
    if (existing.length >= CUSTOM_ATTRIBUTE_LIMITS.maxDefinitions) throw new ConflictError(`a tenant defines at most ${CUSTOM_ATTRIBUTE_LIMITS.maxDefinitions} attributes`)
    if (findDef(existing, input.name)) throw new ConflictError(`an attribute named "${findDef(existing, input.name)!.name}" is already defined (names are case-insensitive)`, 'name')
    const position = input.position ?? existing.reduce((max, a) => Math.max(max, a.position + 1), 0)
    const attribute = await tx.customAttributes.insert({
      tenantId: ctx.tenant.id,
      name: input.name,
      label,
      type: input.type,
      choices,
      required: input.required ?? false,
      description,
      position,
    })
    await tx.audit.append(audit(ctx, 'attribute.define', attribute.id, null, attributeFields(attribute)))
    await tx.notices.publish('custom-attributes', ctx.tenant.id)
    return attribute
  })
  forgetTenantAttributes(store, ctx.tenant.id)
  return created
}

export async function updateAttribute(store: CustomAttributeStore, ctx: AttributeContext, id: string, edit: AttributeEdit): Promise<CustomAttribute> {
  const updated = await store.transaction(async (tx) => {
    const current = await tx.customAttributes.get(ctx.tenant.id, id)
    if (!current) throw new NotFoundError(`no attribute with id "${id}"`)
    const changes: CustomAttributeChanges = {}
    if (edit.label !== undefined) changes.label = checkLabel(edit.label)
    if (edit.description !== undefined) changes.description = checkDescription(edit.description)
    if (edit.required !== undefined) changes.required = edit.required
    if (edit.position !== undefined) changes.position = edit.position
    if (edit.choices !== undefined) {
      changes.choices = checkChoices(current.type, edit.choices)
      const removed = current.choices.filter((c) => !changes.choices!.includes(c))
      const held = await tx.customAttributes.countValues(ctx.tenant.id, CUSTOM_ATTRIBUTES_URN, current.name, removed)
      if (held.size) {
        const total = [...held.values()].reduce((a, b) => a + b, 0)
        const which = [...held.entries()].map(([value, n]) => `${JSON.stringify(value)} (${n})`).join(', ')
        throw new ConflictError(`${total} user${total === 1 ? '' : 's'} hold${total === 1 ? 's' : ''} a choice being removed from ${current.name}: ${which}; change their value first`, 'choices')
      }
    }
    const after = await tx.customAttributes.update(ctx.tenant.id, id, changes)
    if (!after) throw new NotFoundError(`no attribute with id "${id}"`)
    const event = audit(ctx, 'attribute.update', id, attributeFields(current), attributeFields(after))
    if (event.changes.attributes.length) await tx.audit.append(event)
    await tx.notices.publish('custom-attributes', ctx.tenant.id)
    return after
  })
  forgetTenantAttributes(store, ctx.tenant.id)
  return updated
}

export interface DeleteAttributeOptions {
  purge?: boolean
  /** How the caller asks to purge, for the refusal to name: the admin API's query, the CLI's flag. */
  purgeHint?: string
}

/**
 * Deletes a definition. While users hold a value for it, only with `purge`: their values go in the
 * same transaction, each user's change audited. Returns how many users lost a value.
 */
export async function deleteAttribute(store: CustomAttributeStore, ctx: AttributeContext, id: string, options: DeleteAttributeOptions = {}): Promise<{ usersCleared: number }> {
  const result = await store.transaction(async (tx) => {
    const current = await tx.customAttributes.get(ctx.tenant.id, id)
    if (!current) throw new NotFoundError(`no attribute with id "${id}"`)
    let cleared: Array<{ id: string; value: unknown }> = []
    if (!options.purge) {
      const holders = await tx.customAttributes.countHolders(ctx.tenant.id, CUSTOM_ATTRIBUTES_URN, current.name)
      if (holders) {
        throw new ConflictError(`${holders} user${holders === 1 ? ' holds' : 's hold'} a value for ${current.name}: delete with ${options.purgeHint ?? 'purge=true'} to remove the values too`, 'purge')
      }
    } else {
      cleared = await tx.customAttributes.removeValues(ctx.tenant.id, CUSTOM_ATTRIBUTES_URN, current.name)
    }
    await tx.customAttributes.delete(ctx.tenant.id, id)
    const key = `${CUSTOM_ATTRIBUTES_URN}:${current.name}`
    await tx.audit.appendMany([
      ...cleared.map((u) => ({
        tenantId: ctx.tenant.id,
        actor: ctx.actor,
        action: 'user.update',
        resourceType: 'User',
        resourceId: u.id,
        changes: { attributes: [key], before: { [key]: u.value as Json } },
        requestId: ctx.requestId,
      })),
      { ...audit(ctx, 'attribute.delete', id, attributeFields(current), null), changes: { attributes: Object.keys(attributeFields(current)).sort(), before: { ...attributeFields(current), usersCleared: cleared.length } } },
    ])
    await tx.notices.publish('custom-attributes', ctx.tenant.id)
    return { usersCleared: cleared.length }
  })
  forgetTenantAttributes(store, ctx.tenant.id)
  return result
}

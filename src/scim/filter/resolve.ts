/**
 * Resolves a parsed SCIM filter (src/scim/filter/parse.ts) and sortBy/sortOrder against the schemas into
 * the store's query terms (src/domain/identity/query.ts): where each value lives (column, document path,
 * membership relation), its type and case sensitivity, with operands checked and normalised.
 *
 * Semantics chosen here (RFC 7644 §3.4.2.2 and §3.4.2.3):
 * - Attribute names are case-insensitive; unqualified names are looked up in the core schema, then
 *   the extensions, then the common attributes; URN-qualified names in that schema only.
 * - A multi-valued attribute matches when any of its values does: `emails.value eq "x"` becomes
 *   `any(emails, value eq "x")`. A multi-valued complex attribute named without a sub-attribute
 *   implies `value` (`emails co "@x"`, the RFC's own example); so does a singular complex attribute
 *   that has a `value` sub-attribute (enterprise `manager`). A multi-valued simple attribute
 *   compares element by element.
 * - `ne` is the negation of `eq`, also on multi-valued attributes: `emails.value ne "x"` holds when
 *   no email is "x", including when there are no emails. An unassigned attribute is "not equal" to
 *   any value (RFC text: "the attribute and operator values are not identical"; the same as the
 *   UnboundID/Ping SCIM 2 SDK's evaluator).
 * - `eq null` means "not present" and `ne null` "present" (RFC 7643 §2.5: unassigned and null are
 *   equivalent); any other operator with null is an invalidFilter.
 * - Inside a value filter (`emails[type eq "work" and value co "@x"]`) every condition applies to
 *   the same element; `ne` there is per element.
 * - `schemas` (not stored) is evaluated from what it would hold: the core schema URN always, an
 *   extension URN when the resource has attributes of that extension.
 * - `meta.resourceType` is a constant per endpoint; `meta.created`/`meta.lastModified` compare at
 *   millisecond precision, as they are shown.
 * - Operands must fit the attribute type; operators must make sense for it (RFC: `gt`… on boolean
 *   or binary "SHALL cause a failed response … invalidFilter"); `co`/`sw`/`ew` need a string
 *   attribute. dateTime operands must be xsd:dateTime and are normalised to UTC ISO 8601
 *   (`2026-01-02T03:04:05.000Z`, the stored form); one without a zone is taken as UTC. One finer
 *   than milliseconds keeps its precision (`dateTimeLeaf`).
 * - Attributes with `returned: never` (`password`) cannot be filtered on or sorted by: a filter on
 *   them would reveal what they hold.
 */
import { ScimError, badRequest } from '../errors.js'
import { formatAttrPath, type CompareOp, type Filter, type FilterValue } from './parse.js'
import type { AttrPath } from '../schema/schemas.js'
import type { AttributeDefinition, ResolvedAttribute, SchemaRegistry } from '../schema/schemas.js'
import { characteristics } from '../schema/schemas.js'
import { normaliseDateTime } from '../schema/values.js'
import { beyondMilliseconds } from './evaluate.js'
import { filterCost, normaliseFilter, FILTER_COST_WEIGHTS } from '../../domain/identity/query.js'
import type { RecordColumn, ResourceFilter, ResourceSort, ValueLocation, ValueRef, ValueType } from '../../domain/identity/query.js'
import { SCIM_LIMITS } from '../limits.js'

export type QueryResourceType = 'User' | 'Group'

type AnyArray = Extract<ResourceFilter, { kind: 'any' }>['array']

const TRUE: ResourceFilter = { kind: 'const', value: true }
const FALSE: ResourceFilter = { kind: 'const', value: false }

const invalid = (detail: string) => badRequest('invalidFilter', detail)

/** A top-level attribute (and sub-attribute) after schema lookup: what kind of value it is and where it lives. */
type Target =
  | { kind: 'column'; column: RecordColumn; ref: ValueRef }
  | { kind: 'const'; value: string }
  | { kind: 'schemas' }
  | { kind: 'meta' }
  | { kind: 'relation'; relation: 'members' | 'groups'; top: AttributeDefinition; sub?: AttributeDefinition }
  | { kind: 'document'; basePath: string[]; top: AttributeDefinition; sub?: AttributeDefinition }

interface Scope {
  registry: SchemaRegistry
  resourceType: QueryResourceType
  urns: string[]
  /** The filter came in the request URI (GET), where naming a secret is itself the error. */
  inUri: boolean
  /**
   * Root searches (`POST /.search`): an attribute this resource type does not have is treated as
   * unassigned, so `userName eq "x"` matches no Group, as it matches no User without a userName.
   */
  unknownIsUnassigned: boolean
}

/**
 * A filter on a never-returned attribute (password) would let a client test guesses of it. In a
 * GET the guess also sits in the URI, which proxies and logs keep: RFC 7644 §3.12 `sensitive`, 403.
 */
function secret(scope: Scope, name: string) {
  return scope.inUri
    ? new ScimError(403, 'sensitive', `the attribute "${name}" cannot be used in a filter, and must never be sent in a URI`)
    : invalid(`the attribute "${name}" cannot be used in a filter`)
}

// ---------------------------------------------------------------------------------------------
// Filters

/**
 * Resolves a parsed filter for /Users or /Groups. Throws ScimError 400 `invalidFilter` naming the
 * attribute for unknown attributes, attributes that cannot be filtered, operands of the wrong type
 * and operators that do not apply to the attribute's type.
 */
export function resolveFilter(
  registry: SchemaRegistry,
  resourceType: QueryResourceType,
  filter: Filter,
  options: { inUri?: boolean; unknownIsUnassigned?: boolean } = {},
): ResourceFilter {
  const scope: Scope = {
    registry,
    resourceType,
    urns: registry.schemaUrnsFor(resourceType),
    inUri: options.inUri ?? false,
    unknownIsUnassigned: options.unknownIsUnassigned ?? false,
  }
  if (!scope.urns.length) throw new Error(`internal: no schemas for resource type ${resourceType}`)
  const resolved = normaliseFilter(resolveNode(scope, filter))
  assertAffordable(resolved)
  return resolved
}

/**
 * Refuses, before any store sees it, a filter whose cost (src/domain/identity/query.ts filterCost) is above
 * SCIM_LIMITS.filterMaxCost: one tenant's search must not hold the database others share. RFC 7644
 * §3.12: `invalidFilter` ("the specified attribute and filter comparison combination is not
 * supported"); `tooMany` is about how many results a filter yields, which is not the problem here.
 */
function assertAffordable(f: ResourceFilter): void {
  const c = filterCost(f)
  const max = SCIM_LIMITS.filterMaxCost
  if (c.cost <= max) return
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
  const parts = [plural(c.comparisons, 'comparison', 'comparisons')]
  if (c.substrings) parts.push(`${c.substrings} of them co/sw/ew`)
  if (c.arrays) parts.push(plural(c.arrays, 'condition on a multi-valued attribute', 'conditions on multi-valued attributes'))
  if (c.groupWalks) parts.push(plural(c.groupWalks, 'walk through nested groups', 'walks through nested groups'))
  const advice: string[] = []
  if (c.groupWalks > 1) {
    // Or-ed conditions on groups are merged into one walk already (normaliseFilter); these are not.
    advice.push(`each condition on groups that is and-ed or negated walks the nested groups (${FILTER_COST_WEIGHTS.groupWalk} each), while or-ed ones share one walk: ask for fewer of them at a time`)
  }
  if (c.substrings) advice.push('use eq instead of co/sw/ew where you can')
  advice.push('use fewer comparisons, or split the search into several')
  throw invalid(`the filter is too costly to run: it costs ${c.cost}, at most ${max} is allowed (${parts.join('; ')}). To simplify it: ${advice.join('; ')}`)
}

function resolveNode(scope: Scope, f: Filter): ResourceFilter {
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, filters: f.filters.map((c) => resolveNode(scope, c)) }
    case 'not':
      return { kind: 'not', filter: resolveNode(scope, f.filter) }
    case 'present':
      if (unassigned(scope, f.path)) return { kind: 'const', value: false }
      return present(f.path, lookup(scope, f.path))
    case 'compare':
      // Unassigned is "not equal" to anything and nothing else (as for absent values in the store).
      if (unassigned(scope, f.path)) return { kind: 'const', value: f.op === 'ne' && f.value !== null }
      return compare(scope, f.path, lookup(scope, f.path), f.op, f.value)
    case 'valuePath':
      if (unassigned(scope, f.path)) return { kind: 'const', value: false }
      return valuePath(scope, f.path, lookup(scope, f.path), f.filter)
  }
}

const unassigned = (scope: Scope, path: AttrPath): boolean => scope.unknownIsUnassigned && !scope.registry.findAttribute(scope.urns, path)

/** The attribute paths a filter names at its top level (value filters' inner names are relative). */
function namedPaths(f: Filter): AttrPath[] {
  switch (f.kind) {
    case 'and':
    case 'or':
      return f.filters.flatMap(namedPaths)
    case 'not':
      return namedPaths(f.filter)
    default:
      return [f.path]
  }
}

/** For searches across resource types: refuses a filter naming an attribute no type has. */
export function assertKnownToSome(registry: SchemaRegistry, resourceTypes: readonly QueryResourceType[], filter: Filter): void {
  for (const path of namedPaths(filter)) {
    if (!resourceTypes.some((t) => registry.findAttribute(registry.schemaUrnsFor(t), path))) {
      throw invalid(`unknown attribute "${formatAttrPath(path)}" in the filter`)
    }
  }
}

function lookup(scope: Scope, path: AttrPath): { resolved: ResolvedAttribute; target: Target } {
  const name = formatAttrPath(path)
  const resolved = scope.registry.findAttribute(scope.urns, path)
  if (!resolved) throw invalid(`unknown attribute "${name}" in the filter`)
  const top = resolved.parent ?? resolved.definition
  const sub = resolved.parent ? resolved.definition : undefined
  if (characteristics(top).returned === 'never' || (sub && characteristics(sub).returned === 'never')) throw secret(scope, name)
  return { resolved, target: targetOf(scope, resolved, name) }
}

function targetOf(scope: Scope, r: ResolvedAttribute, name: string): Target {
  const top = r.parent ?? r.definition
  const sub = r.parent ? r.definition : undefined
  const column = (c: RecordColumn): Target => ({ kind: 'column', column: c, ref: ref({ in: 'column', column: c }, r.definition) })
  const base = scope.urns[0] as string
  if (r.common) {
    switch (r.name) {
      case 'id':
        return column('id')
      case 'externalId':
        return column('externalId')
      case 'schemas':
        return { kind: 'schemas' }
      case 'meta':
        switch (r.subName) {
          case undefined:
            return { kind: 'meta' }
          case 'created':
            return column('created')
          case 'lastModified':
            return column('modified')
          case 'resourceType':
            return { kind: 'const', value: scope.resourceType }
          default:
            throw invalid(`the attribute "${name}" cannot be used in a filter`)
        }
    }
  }
  if (r.schema === base) {
    if (scope.resourceType === 'User') {
      if (r.name === 'userName') return column('userName')
      if (r.name === 'displayName') return column('displayName')
      if (r.name === 'active') return column('active')
      if (r.name === 'groups') return { kind: 'relation', relation: 'groups', top, ...(sub ? { sub } : {}) }
    } else {
      if (r.name === 'displayName') return column('displayName')
      if (r.name === 'members') return { kind: 'relation', relation: 'members', top, ...(sub ? { sub } : {}) }
    }
    return { kind: 'document', basePath: [], top, ...(sub ? { sub } : {}) }
  }
  return { kind: 'document', basePath: [r.schema], top, ...(sub ? { sub } : {}) }
}

function ref(location: ValueLocation, def: AttributeDefinition): ValueRef {
  // base64 is case-sensitive whatever the schema says (caseExact defaults to false, RFC 7643 §2.2).
  return { location, type: def.type as ValueType, caseExact: def.type === 'binary' || characteristics(def).caseExact }
}

/** The sub-attribute a bare complex attribute stands for (`emails` → `emails.value`), if any. */
function impliedValue(top: AttributeDefinition): AttributeDefinition | undefined {
  return top.subAttributes?.find((s) => s.name === 'value')
}

const RELATION_SUBS: Record<'members' | 'groups', readonly string[]> = { members: ['value', 'type'], groups: ['value', 'display'] }

function relationSub(relation: 'members' | 'groups', top: AttributeDefinition, sub: AttributeDefinition, name: string): ValueRef {
  if (!RELATION_SUBS[relation].includes(sub.name)) {
    throw invalid(`the attribute "${name}" cannot be used in a filter; use ${RELATION_SUBS[relation].map((s) => `${top.name}.${s}`).join(' or ')}`)
  }
  const location: ValueLocation = relation === 'members' ? { in: 'members', sub: sub.name as 'value' | 'type' } : { in: 'groups', sub: sub.name as 'value' | 'display' }
  return ref(location, sub)
}

function present(path: AttrPath, { target }: { target: Target }): ResourceFilter {
  const name = formatAttrPath(path)
  switch (target.kind) {
    case 'column':
      return { kind: 'present', value: target.ref }
    case 'const':
    case 'schemas':
    case 'meta':
      return TRUE
    case 'relation': {
      const array: AnyArray = { in: target.relation }
      if (!target.sub) return { kind: 'any', array, filter: TRUE }
      return { kind: 'any', array, filter: { kind: 'present', value: relationSub(target.relation, target.top, target.sub, name) } }
    }
    case 'document': {
      const { top, sub, basePath } = target
      const topPath = [...basePath, top.name]
      if (top.multiValued && sub) {
        return { kind: 'any', array: { in: 'document', path: topPath }, filter: { kind: 'present', value: ref({ in: 'document', path: [sub.name] }, sub) } }
      }
      const def = sub ?? top
      return { kind: 'present', value: { location: { in: 'document', path: sub ? [...topPath, sub.name] : topPath }, type: docType(def), caseExact: characteristics(def).caseExact } }
    }
  }
}

/** Presence of a complex attribute is "a non-empty node"; its ValueRef type is not used for comparing. */
function docType(def: AttributeDefinition): ValueType {
  return def.type === 'complex' ? 'string' : (def.type as ValueType)
}

function compare(scope: Scope, path: AttrPath, found: { target: Target }, op: CompareOp, operand: FilterValue): ResourceFilter {
  const name = formatAttrPath(path)
  if (operand === null) {
    if (op === 'eq') return { kind: 'not', filter: present(path, found) }
    if (op === 'ne') return present(path, found)
    throw invalid(`"${op}" needs a value, not null, for "${name}"`)
  }
  const { target } = found
  switch (target.kind) {
    case 'column':
      return leaf(op, target.ref, operand, name)
    case 'const': {
      if (typeof operand !== 'string') throw invalid(`"${name}" is a string: compare it with a string, not ${JSON.stringify(operand)}`)
      return { kind: 'const', value: evaluate(op, target.value, operand, true) }
    }
    case 'meta':
      throw invalid(`"${name}" is complex: filter on a sub-attribute such as meta.lastModified`)
    case 'schemas':
      return schemasFilter(scope, op, operand, name)
    case 'relation': {
      const sub = target.sub ?? impliedValue(target.top)
      if (!sub) throw invalid(`"${name}" is complex: filter on a sub-attribute`)
      const value = relationSub(target.relation, target.top, sub, name)
      return anyOf({ in: target.relation }, op, value, operand, name)
    }
    case 'document': {
      const { top, basePath } = target
      const topPath = [...basePath, top.name]
      if (top.type !== 'complex') {
        if (!top.multiValued) return leaf(op, ref({ in: 'document', path: topPath }, top), operand, name)
        return anyOf({ in: 'document', path: topPath }, op, ref({ in: 'document', path: [] }, top), operand, name)
      }
      const sub = target.sub ?? impliedValue(top)
      if (!sub) throw invalid(`"${name}" is complex: filter on one of its sub-attributes (${(top.subAttributes ?? []).map((s) => `${top.name}.${s.name}`).join(', ')})`)
      if (!top.multiValued) return leaf(op, ref({ in: 'document', path: [...topPath, sub.name] }, sub), operand, name)
      return anyOf({ in: 'document', path: topPath }, op, ref({ in: 'document', path: [sub.name] }, sub), operand, name)
    }
  }
}

/** "Some value matches"; `ne` is "no value equals" (the negation of `eq`, as for singular attributes). */
function anyOf(array: AnyArray, op: CompareOp, value: ValueRef, operand: string | number | boolean, name: string): ResourceFilter {
  if (op === 'ne') return { kind: 'not', filter: { kind: 'any', array, filter: leaf('eq', value, operand, name) } }
  return { kind: 'any', array, filter: leaf(op, value, operand, name) }
}

function valuePath(scope: Scope, path: AttrPath, { target }: { target: Target }, inner: Filter): ResourceFilter {
  const name = formatAttrPath(path)
  if (target.kind === 'relation') {
    return { kind: 'any', array: { in: target.relation }, filter: resolveElement(inner, target.top, name, (sub, subName) => relationSub(target.relation, target.top, sub, subName)) }
  }
  if (target.kind !== 'document' || target.top.type !== 'complex' || target.sub) {
    throw invalid(`"${name}[...]" needs a complex attribute such as emails; "${name}" is not one`)
  }
  const { top, basePath } = target
  const topPath = [...basePath, top.name]
  if (top.multiValued) {
    return { kind: 'any', array: { in: 'document', path: topPath }, filter: resolveElement(inner, top, name, (sub) => ref({ in: 'document', path: [sub.name] }, sub)) }
  }
  // A singular complex attribute: `name[givenName eq "x"]` is `name.givenName eq "x"`.
  return resolveElement(inner, top, name, (sub) => ref({ in: 'document', path: [...topPath, sub.name] }, sub))
}

/** The filter inside `attr[...]`, whose attribute names are sub-attributes of `top`. */
function resolveElement(f: Filter, top: AttributeDefinition, topName: string, refOf: (sub: AttributeDefinition, name: string) => ValueRef): ResourceFilter {
  const subOf = (p: AttrPath): { sub: AttributeDefinition; name: string } => {
    const name = `${topName}.${formatAttrPath(p)}`
    if (p.uri !== undefined || p.sub !== undefined) throw invalid(`"${formatAttrPath(p)}" inside "${topName}[...]" must be a sub-attribute name of ${top.name}`)
    const key = p.attr.toLowerCase()
    const sub = top.subAttributes?.find((s) => s.name.toLowerCase() === key)
    if (!sub) throw invalid(`unknown attribute "${name}" in the filter`)
    if (characteristics(sub).returned === 'never') throw invalid(`the attribute "${name}" cannot be used in a filter`)
    return { sub, name }
  }
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, filters: f.filters.map((c) => resolveElement(c, top, topName, refOf)) }
    case 'not':
      return { kind: 'not', filter: resolveElement(f.filter, top, topName, refOf) }
    case 'present': {
      const { sub, name } = subOf(f.path)
      return { kind: 'present', value: refOf(sub, name) }
    }
    case 'compare': {
      const { sub, name } = subOf(f.path)
      const value = refOf(sub, name)
      if (f.value === null) {
        if (f.op === 'eq') return { kind: 'not', filter: { kind: 'present', value } }
        if (f.op === 'ne') return { kind: 'present', value }
        throw invalid(`"${f.op}" needs a value, not null, for "${name}"`)
      }
      return leaf(f.op, value, f.value, name)
    }
    case 'valuePath':
      // The parser already refuses nested value filters; kept for completeness.
      throw invalid(`a value filter cannot contain another "[...]" filter (in "${topName}[...]")`)
  }
}

/** `schemas`: the core URN always, an extension URN when the resource has attributes of it. */
function schemasFilter(scope: Scope, op: CompareOp, operand: string | number | boolean, name: string): ResourceFilter {
  if (typeof operand !== 'string') throw invalid(`"${name}" holds schema URIs: compare it with a string, not ${JSON.stringify(operand)}`)
  const [base, ...extensions] = scope.urns as [string, ...string[]]
  const holds = (urn: string): ResourceFilter =>
    urn === base ? TRUE : { kind: 'present', value: { location: { in: 'document', path: [urn] }, type: 'reference', caseExact: true } }
  if (op === 'ne') return { kind: 'not', filter: schemasFilter(scope, 'eq', operand, name) }
  const matching = [base, ...extensions].filter((urn) => evaluate(op, urn, operand, true))
  return matching.length ? { kind: 'or', filters: matching.map(holds) } : FALSE
}

/** Compares two strings in JavaScript the way the store compares them (code point order). */
function evaluate(op: CompareOp, actual: string, operand: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase()
  const b = caseExact ? operand : operand.toLowerCase()
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
    case 'co':
      return a.includes(b)
    case 'sw':
      return a.startsWith(b)
    case 'ew':
      return a.endsWith(b)
    case 'gt':
      return codePointCompare(a, b) > 0
    case 'ge':
      return codePointCompare(a, b) >= 0
    case 'lt':
      return codePointCompare(a, b) < 0
    case 'le':
      return codePointCompare(a, b) <= 0
  }
}

function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number)
  const y = [...b].map((c) => c.codePointAt(0) as number)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  return x.length - y.length
}

const SUBSTRING_OPS: ReadonlySet<CompareOp> = new Set(['co', 'sw', 'ew'])

/** A comparison of one value, with the operand checked against (and normalised for) the value's type. */
function leaf(op: CompareOp, value: ValueRef, operand: string | number | boolean, name: string): ResourceFilter {
  const checked = checkOperand(op, value.type, operand, name)
  if (value.type === 'dateTime' && typeof operand === 'string' && beyondMilliseconds(operand)) return dateTimeLeaf(op, value, checked)
  return { kind: 'compare', op, value, operand: checked }
}

/**
 * A dateTime operand finer than milliseconds (`2015-10-10T14:38:21.8617979-07:00`, as .NET writes
 * them): values are compared at the milliseconds clients see, and the operand `o` lies strictly
 * inside the millisecond `m` it truncates to. So no value equals it, `ge o` is `gt m` and `lt o` is
 * `le m`; `gt`/`le` hold as they are. (Rounding it instead would move it to a millisecond it is not.)
 */
function dateTimeLeaf(op: CompareOp, value: ValueRef, truncated: string | number | boolean): ResourceFilter {
  switch (op) {
    case 'eq':
      return FALSE
    case 'ne':
      return TRUE
    case 'ge':
      return { kind: 'compare', op: 'gt', value, operand: truncated }
    case 'lt':
      return { kind: 'compare', op: 'le', value, operand: truncated }
    default:
      return { kind: 'compare', op, value, operand: truncated }
  }
}

function checkOperand(op: CompareOp, type: ValueType, operand: string | number | boolean, name: string): string | number | boolean {
  const shown = JSON.stringify(operand)
  switch (type) {
    case 'string':
    case 'reference':
      if (typeof operand !== 'string') throw invalid(`"${name}" is a ${type}: compare it with a quoted string, not ${shown}`)
      return operand
    case 'binary':
      if (op !== 'eq' && op !== 'ne') throw invalid(`"${op}" cannot be used on "${name}", which is binary: only eq, ne and pr apply`)
      if (typeof operand !== 'string') throw invalid(`"${name}" is binary: compare it with a base64 string, not ${shown}`)
      return operand
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') throw invalid(`"${op}" cannot be used on "${name}", which is a boolean: only eq, ne and pr apply`)
      if (typeof operand !== 'boolean') throw invalid(`"${name}" is a boolean: compare it with true or false, not ${shown}`)
      return operand
    case 'integer':
    case 'decimal':
      if (SUBSTRING_OPS.has(op)) throw invalid(`"${op}" cannot be used on "${name}", which is a number: it applies to strings only`)
      if (typeof operand !== 'number' || !Number.isFinite(operand)) throw invalid(`"${name}" is ${type === 'integer' ? 'an integer' : 'a decimal'}: compare it with a number, not ${shown}`)
      if (type === 'integer' && !Number.isInteger(operand)) throw invalid(`"${name}" is an integer: ${shown} is not one`)
      return operand
    case 'dateTime': {
      if (SUBSTRING_OPS.has(op)) throw invalid(`"${op}" cannot be used on "${name}", which is a dateTime: use eq, ne, gt, ge, lt, le or pr`)
      if (typeof operand !== 'string') throw invalid(`"${name}" is a dateTime: compare it with a quoted xsd:dateTime such as "2026-01-31T12:00:00Z", not ${shown}`)
      // The reading of stored values, plus 24:00:00 as the end of a day (a range bound).
      const normalised = normaliseDateTime(operand, { endOfDay: true })
      if (normalised === undefined) throw invalid(`"${name}" is a dateTime: ${shown} is not an xsd:dateTime such as "2026-01-31T12:00:00Z"`)
      return normalised
    }
  }
  throw new Error(`internal: unknown attribute type ${String(type)}`)
}

// ---------------------------------------------------------------------------------------------
// Sorting

const invalidSort = (detail: string) => badRequest('invalidValue', detail)

/**
 * Resolves sortBy/sortOrder (RFC 7644 §3.4.2.3). `sortOrder` is "ascending" (default) or
 * "descending", case-insensitively. A multi-valued attribute sorts by its primary value, else its
 * first; a bare multi-valued complex attribute means its `value`. Errors are 400 `invalidValue`
 * (the RFC defines no scimType for sorting; the parameter's value is what is wrong).
 */
export function resolveSort(registry: SchemaRegistry, resourceType: QueryResourceType, sortBy: string, sortOrder?: string): ResourceSort {
  let descending = false
  if (sortOrder !== undefined) {
    const order = sortOrder.toLowerCase()
    if (order !== 'ascending' && order !== 'descending') throw invalidSort('sortOrder must be "ascending" or "descending"')
    descending = order === 'descending'
  }
  const scope: Scope = { registry, resourceType, urns: registry.schemaUrnsFor(resourceType), inUri: false, unknownIsUnassigned: false }
  const resolved = registry.findAttribute(scope.urns, sortBy)
  if (!resolved) throw invalidSort(`cannot sort by "${sortBy}": no such attribute`)
  const top = resolved.parent ?? resolved.definition
  const sub = resolved.parent ? resolved.definition : undefined
  if (characteristics(top).returned === 'never' || (sub && characteristics(sub).returned === 'never')) {
    throw invalidSort(`cannot sort by "${sortBy}"`)
  }
  let target: Target
  try {
    target = targetOf(scope, resolved, sortBy)
  } catch {
    throw invalidSort(`cannot sort by "${sortBy}"`)
  }
  const idRef: ValueRef = { location: { in: 'column', column: 'id' }, type: 'string', caseExact: true }
  switch (target.kind) {
    case 'column':
      return { value: target.ref, descending }
    case 'const':
      // Every resource has the same value: the order is the tie-breaker's.
      return { value: idRef, descending }
    case 'schemas':
    case 'meta':
    case 'relation':
      throw invalidSort(`cannot sort by "${sortBy}"`)
    case 'document': {
      const { top: t, sub: s, basePath } = target
      const topPath = [...basePath, t.name]
      if (t.type !== 'complex') {
        if (!t.multiValued) return { value: ref({ in: 'document', path: topPath }, t), descending }
        return { value: ref({ in: 'document', path: topPath }, t), multiValued: { arrayPath: topPath, subPath: [] }, descending }
      }
      const leafDef = s ?? impliedValue(t)
      if (!leafDef) throw invalidSort(`cannot sort by "${sortBy}": it is complex; name one of its sub-attributes`)
      const value = ref({ in: 'document', path: [...topPath, leafDef.name] }, leafDef)
      return t.multiValued ? { value, multiValued: { arrayPath: topPath, subPath: [leafDef.name] }, descending } : { value, descending }
    }
  }
}

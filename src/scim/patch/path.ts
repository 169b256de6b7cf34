/**
 * What a PATCH path (or a key of a path-less value) designates: the attribute, sub-attribute,
 * value filter or whole extension schema an operation applies to. The path syntax is checked with
 * the message (messages/patch-op.ts `parsePatchPath`).
 */
import { formatPatchPath, type Filter, type PatchPath } from '../filter/parse.js'
import { subAttributesOf } from '../schema/projection.js'
import { characteristics, type AttributeDefinition, type ResolvedAttribute, type SchemaDefinition } from '../schema/schemas.js'
import { findByName } from './equality.js'
import { fail, type PatchContext } from './state.js'

/** A plain attribute name (ATTRNAME, or `$ref`): no sub-attribute, URN or filter. */
export const PLAIN_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/

/** What an operation applies to. */
export type Target =
  /** A whole schema: a bare extension URN as path, or a URN key of a path-less value. */
  | { kind: 'schema'; schema: SchemaDefinition }
  | { kind: 'password' }
  /** Lenient mode: an attribute the tenant's schema does not have, by the path the request used; ignored. */
  | { kind: 'unknown'; path: string }
  | { kind: 'members'; resolved: ResolvedAttribute; filter?: Filter; sub?: string }
  | {
      kind: 'attr'
      /** The top-level attribute. */
      resolved: ResolvedAttribute
      top: AttributeDefinition
      /** The extension URN holding the attribute; undefined for the base schema and common attributes. */
      ext?: string
      /** `name.givenName` / `emails.value`: the sub-attribute named with a dot. */
      sub?: AttributeDefinition
      filter?: Filter
      /** `emails[...].value`: the sub-attribute after the filter. */
      subAttr?: AttributeDefinition
      label: string
    }

/** Common attributes the server sets: never the target of an operation. */
export const SERVER_SET = new Set(['id', 'meta', 'schemas'])

export function resolveTarget(ctx: PatchContext, pp: PatchPath, where: 'path' | 'value'): Target {
  const unknown = (): Target => {
    const path = formatPatchPath(pp)
    if (ctx.strict) fail(where === 'path' ? 'invalidPath' : 'invalidSyntax', `unknown attribute ${JSON.stringify(path)} for a ${ctx.resourceType}`)
    return { kind: 'unknown', path }
  }
  const topPath = pp.path.uri !== undefined ? { uri: pp.path.uri, attr: pp.path.attr } : { attr: pp.path.attr }
  const resolved = ctx.registry.findAttribute(ctx.scope, topPath)
  if (!resolved) {
    if (pp.path.uri !== undefined && pp.path.sub === undefined && !pp.valueFilter) {
      const urn = `${pp.path.uri}:${pp.path.attr}`.toLowerCase()
      const schema = ctx.schemas.find((s) => s.id.toLowerCase() === urn)
      if (schema) return { kind: 'schema', schema }
    }
    return unknown()
  }
  const top = resolved.definition
  let sub: AttributeDefinition | undefined
  if (pp.path.sub !== undefined) {
    sub = top.type === 'complex' ? findByName(subAttributesOf(top), pp.path.sub) : undefined
    if (!sub) return unknown()
  }
  const label = `${resolved.schema === ctx.base.id ? '' : `${resolved.schema}:`}${top.name}`
  const fullLabel = `${label}${sub ? `.${sub.name}` : ''}`

  if (resolved.common && SERVER_SET.has(top.name)) return fail('mutability', `"${fullLabel}" is set by the server and cannot be modified`)
  if (pp.valueFilter && !top.multiValued) return fail('invalidPath', `"${label}" is not multi-valued: a value filter "[...]" needs a multi-valued attribute`)
  let subAttr: AttributeDefinition | undefined
  if (pp.subAttr !== undefined) {
    subAttr = top.type === 'complex' ? findByName(subAttributesOf(top), pp.subAttr) : undefined
    if (!subAttr) {
      if (ctx.strict) fail(where === 'path' ? 'invalidPath' : 'invalidValue', `"${pp.subAttr}" is not a sub-attribute of "${label}"`)
      return { kind: 'unknown', path: formatPatchPath(pp) }
    }
  }

  if (ctx.resourceType === 'Group' && resolved.schema === ctx.base.id && top.name === 'members') {
    const t: Target = { kind: 'members', resolved }
    if (pp.valueFilter) t.filter = pp.valueFilter
    const named = sub ?? subAttr
    if (named) t.sub = named.name
    return t
  }
  if (ctx.resourceType === 'User' && resolved.schema === ctx.base.id && top.name === 'password') {
    if (sub || pp.valueFilter) return unknown()
    return { kind: 'password' }
  }
  for (const def of [top, sub, subAttr]) {
    if (def && characteristics(def).mutability === 'readOnly') {
      return fail('mutability', `"${def === top ? label : `${label}.${def.name}`}" is readOnly and cannot be modified`)
    }
  }
  const t: Target = { kind: 'attr', resolved, top, label: fullLabel }
  if (resolved.schema !== ctx.base.id) t.ext = resolved.schema
  if (sub) t.sub = sub
  if (pp.valueFilter) t.filter = pp.valueFilter
  if (subAttr) t.subAttr = subAttr
  return t
}

/**
 * What the PATCH modules share: the operation names, the context one PATCH request is applied in
 * and the working state it builds up, and the 400 they all throw.
 */
import type { Interpretation } from '../interpretation.js'
import type { JsonObject } from '../../domain/kernel/json.js'
import type { MemberInput, ScimResourceType } from '../schema/document.js'
import { badRequest, type ScimType } from '../errors.js'
import { noteDialect, type DialectRule } from '../dialect-rules.js'
import { operationPrefix } from '../messages/patch-op.js'
import type { OpName } from '../messages/patch-op.js'
import type { SchemaDefinition, SchemaRegistry } from '../schema/schemas.js'

export type { OpName }

export const fail = (scimType: ScimType, detail: string): never => {
  throw badRequest(scimType, detail)
}

/** The resource type and schemas one PATCH request is applied with. */
export interface PatchContext {
  registry: SchemaRegistry
  resourceType: ScimResourceType
  strict: boolean
  /** Where lenient readings and ignored attributes are noted (src/scim/interpretation.ts). */
  notes?: Interpretation
  /** The operation being applied (its index in the request), named in the notes' details. */
  index?: number
  /** The schema URNs of the resource type, base first. */
  scope: string[]
  base: SchemaDefinition
  schemas: SchemaDefinition[]
}

/** Notes that lenient mode read a dialect `rule` (src/scim/dialect-rules.ts) in the current operation. */
export function noteDialectAt(ctx: PatchContext, rule: DialectRule, detail: string): void {
  noteDialect(ctx.notes, rule, `${operationPrefix(ctx.index)}${detail}`)
}

/**
 * An attribute the tenant's schema does not have, by the path the request used: ignored and noted
 * in lenient mode (schema/representation.ts says why), else the 400 `refuse` throws.
 */
export function ignoreUnknown(ctx: PatchContext, path: string, refuse: () => never): void {
  if (ctx.strict) refuse()
  ctx.notes?.ignored(path)
}

/** Group member operations so far, folded into one change set. */
export interface MemberState {
  add: Map<string, MemberInput>
  remove: Set<string>
  removeAll: boolean
}

/** The working copy the operations are applied to, one after the other. */
export interface PatchState {
  doc: JsonObject
  password?: string
  members?: MemberState
}

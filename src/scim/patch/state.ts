/**
 * What the PATCH modules share: the operation names, the context one PATCH request is applied in
 * and the working state it builds up, and the 400 they all throw.
 */
import type { JsonObject } from '../../domain/kernel/json.js'
import type { MemberInput, ScimResourceType } from '../schema/document.js'
import { badRequest, type ScimType } from '../errors.js'
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
  /** The schema URNs of the resource type, base first. */
  scope: string[]
  base: SchemaDefinition
  schemas: SchemaDefinition[]
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

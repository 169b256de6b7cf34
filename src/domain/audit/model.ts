import type { JsonObject } from '../kernel/json.js'

export type ActorType = 'system' | 'cli' | 'token' | 'user' | 'sync'

export interface Actor {
  type: ActorType
  /** Token id, user id, sync run id; null for the system itself. */
  id: string | null
  /** Human-readable name shown in the audit log: token label, userName, `cli:<os user>`. */
  label: string
  /**
   * The credential a user acted with, when it was not a session: a personal access token or an API
   * password. With `onBehalfOf`, the credential belongs to another user (it was issued to them by
   * the actor, who holds its secret): the request had that user's permissions, the actor did it.
   */
  via?: ActorCredential
}

export interface ActorCredential {
  credential: 'personal-token' | 'api-password'
  /** The token's id; null for an API password (one per user). */
  id: string | null
  /** The token's name; the user's name for an API password. */
  name: string
  onBehalfOf?: ActorRef
}

/** A user as a record of who did something names them: id, and the userName at the time. */
export interface ActorRef {
  id: string
  label: string
}

export interface AuditEvent {
  id: string
  tenantId: string
  at: Date
  actor: Actor
  /** `<resource>.<operation>`, e.g. `user.create`, `token.revoke`. */
  action: string
  resourceType: string
  resourceId: string | null
  /** Names of attributes the change touched; `before`/`after` values, secrets redacted. */
  changes: AuditChanges | null
  requestId: string | null
}

export interface AuditChanges {
  attributes: string[]
  /**
   * Attributes the request named that the change ignored, by the path it used (SCIM lenient mode:
   * not in the tenant's schema, e.g. a misspelt `adreses`), so nothing an IdP sent vanishes without
   * a trace. Absent when none were.
   */
  ignored?: string[]
  before?: JsonObject
  after?: JsonObject
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'> & { at?: Date }

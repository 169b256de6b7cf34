/**
 * The canonical resource document: how a SCIM resource's client-writable attributes are stored
 * (users.resource, groups.resource) and passed between the SCIM modules.
 *
 * - Keys are the canonical attribute names from schemas/*.json (`userName`, `name.givenName` is
 *   `{ name: { givenName } }`, `emails[].value`), whatever case the client used.
 * - Core-schema attributes sit at the top level; extension attributes sit in an object under the
 *   extension's schema URN in its canonical case
 *   (`{ "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Sales" } }`).
 * - Included: every attribute a client may write — userName, externalId, displayName, active, … .
 * - Never included: `id`, `meta` and `schemas` (the server derives them), `password` (only its hash
 *   is kept, in its own column), a user's `groups` (computed from memberships) and a group's
 *   `members` (one row each in group_members).
 * - Unassigned means absent: no nulls, no empty strings standing for "no value", no empty arrays,
 *   no empty complex values. Multi-valued attributes are always arrays.
 * - Values have their schema type: strings, booleans, numbers (integer / decimal); dateTime as an
 *   ISO 8601 UTC string (`2026-11-22T15:00:00.000Z`), references as strings.
 * - At most one element of a multi-valued attribute has `primary: true` (RFC 7643 §2.4).
 */
import type { JsonObject } from '../../domain/kernel/json.js'

export type ResourceDocument = JsonObject

export type ScimResourceType = 'User' | 'Group'

/** A member as it appears in a Group's `members` (RFC 7643 §4.2). */
export interface MemberInput {
  value: string
  type?: 'User' | 'Group'
}

import { isDeepStrictEqual } from 'node:util'
import type { Actor, AuditChanges } from '../audit/model.js'
import type { JsonObject, Json } from '../kernel/json.js'
import type { RecordOrigin } from './model.js'
import type { Tenant } from '../tenancy/model.js'
import type { WriteChannel } from '../tenancy/source-of-truth.js'

/** Who is making a change, for which tenant, by which path; every write in the domain takes one. */
export interface WriteContext {
  tenant: Tenant
  actor: Actor
  channel: WriteChannel
  requestId: string | null
  /**
   * What the protocol made of the request beyond its letter, for the change's audit event: the
   * attribute paths it ignored (SCIM lenient mode: not in the tenant's schema). A function, read
   * when the event is built: the request is interpreted inside the change's closure (a PUT or PATCH
   * is computed from the stored record), after this context was made.
   */
  notes?: () => { ignored: string[] }
}

/** A change's audit `changes` with what the request's notes say was ignored (WriteContext.notes). */
export function withNotes(ctx: WriteContext, changes: AuditChanges): AuditChanges {
  const ignored = ctx.notes?.().ignored ?? []
  return ignored.length > 0 ? { ...changes, ignored } : changes
}

/** Where a record written by this context comes from, unless the write says otherwise. */
export function originOf(ctx: WriteContext): RecordOrigin {
  return ctx.channel === 'sync' ? 'ldap' : ctx.channel === 'scim' ? 'scim' : 'local'
}

const REDACTED = '[redacted]'

/** Keys of a document, with extension objects flattened to `urn:…:attr`, so audits name what changed. */
function flatten(doc: JsonObject): Map<string, Json> {
  const out = new Map<string, Json>()
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('urn:') && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [ek, ev] of Object.entries(v)) out.set(`${k}:${ek}`, ev)
    } else out.set(k, v)
  }
  return out
}

/**
 * What a change did, for the audit log: the attributes that differ, with their values before and
 * after. Secrets never appear: `password` is listed as changed but its value is redacted.
 */
export function diffDocuments(before: JsonObject | null, after: JsonObject | null, extra: { passwordChanged?: boolean } = {}): AuditChanges {
  const a = before ? flatten(before) : new Map<string, Json>()
  const b = after ? flatten(after) : new Map<string, Json>()
  const attributes: string[] = []
  const beforeOut: JsonObject = {}
  const afterOut: JsonObject = {}
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key)
    const y = b.get(key)
    // Key order is not a change: documents come back from the store with their keys reordered.
    if (isDeepStrictEqual(x, y)) continue
    attributes.push(key)
    if (x !== undefined) beforeOut[key] = x
    if (y !== undefined) afterOut[key] = y
  }
  if (extra.passwordChanged) {
    attributes.push('password')
    afterOut.password = REDACTED
  }
  attributes.sort()
  return {
    attributes,
    ...(before ? { before: beforeOut } : {}),
    ...(after ? { after: afterOut } : {}),
  }
}

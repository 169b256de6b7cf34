/**
 * The provisioning log: what an identity provider sent over SCIM and what Roster made of it, per
 * tenant, kept for a retention window (docs/scim.md, "Provisioning log"). One entry per
 * authenticated SCIM request. The change a request made is not copied here: its audit events carry
 * the request id, and reading an entry joins them (read.ts).
 */
import type { Tenant } from '../tenancy/model.js'

/**
 * What Roster read differently from the letter of RFC 7644 (a dialect rule), ignored, or left
 * unresolved. The same shape as src/scim/interpretation.ts's notes, which the SCIM layer records.
 */
export type ProvisioningNote =
  | { kind: 'dialect'; rule: string; at?: string; detail?: string }
  | { kind: 'ignored'; path: string; at?: string }
  | { kind: 'unresolved'; path: string; value: string; at?: string }

/**
 * A body as stored: its JSON text with secrets redacted (redaction.ts), cut at the size cap. `json`
 * is null when there was no body (GET, 204) or it could not be read (not JSON).
 */
export interface StoredBody {
  json: string | null
  truncated: boolean
}

export interface ProvisioningError {
  /** RFC 7644 §3.12 scimType, when the error has one. */
  scimType: string | null
  detail: string
}

export interface NewProvisioningEntry {
  tenantId: string
  /** When the request arrived (the server's clock). */
  at: Date
  method: string
  /** Path and query as requested, secrets in the query redacted. */
  path: string
  status: number
  durationMs: number
  /** The SCIM bearer token the request came with (its id and name); null for a browser session's /Me. */
  token: { id: string; label: string } | null
  requestId: string | null
  /** `User` or `Group` when the request was about one resource (by its path, or the one it created). */
  resourceType: string | null
  resourceId: string | null
  /** userName of a User, displayName of a Group, when the request or response named it. */
  resourceName: string | null
  request: StoredBody
  response: StoredBody
  error: ProvisioningError | null
  notes: ProvisioningNote[]
}

export interface ProvisioningEntry extends NewProvisioningEntry {
  id: string
}

/** On unless the tenant turned it off (`settings.provisioningLog === false`). */
export const provisioningLogOn = (tenant: Pick<Tenant, 'settings'>): boolean => tenant.settings.provisioningLog !== false

/** Succeeded: the request was answered below 400 (a Bulk request's operations may still have failed; its body says). */
export const failed = (entry: Pick<NewProvisioningEntry, 'status'>): boolean => entry.status >= 400

/**
 * A stored body as JSON for readers: the value when it was stored whole; when it was cut at the
 * cap, the beginning of its JSON text (a string), which no longer parses.
 */
export function bodyValue(body: StoredBody): unknown {
  if (body.json === null) return null
  if (body.truncated) return body.json
  try {
    return JSON.parse(body.json) as unknown
  } catch {
    return body.json
  }
}

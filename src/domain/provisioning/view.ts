/**
 * A provisioning log entry as its readers show it — the admin API, `roster scim log --json` and,
 * through the API, the console: bodies as JSON, the one-line summary, and each dialect note with the
 * sentence of its rule, so that no reader keeps its own copy of the catalogue.
 */
import type { AuditEvent } from '../audit/model.js'
import { DIALECT_RULES } from './dialect-rules.js'
import { bodyValue, type ProvisioningEntry, type ProvisioningNote } from './model.js'
import { summary } from './summary.js'

/** A note with, for a dialect rule, the sentence that explains it (undefined for a rule no longer catalogued). */
export function noteView(note: ProvisioningNote): ProvisioningNote & { sentence?: string } {
  if (note.kind !== 'dialect') return note
  const sentence = (DIALECT_RULES as Readonly<Record<string, string>>)[note.rule]
  return sentence === undefined ? note : { ...note, sentence }
}

export const entryView = (e: ProvisioningEntry) => ({
  id: e.id,
  at: e.at.toISOString(),
  method: e.method,
  path: e.path,
  status: e.status,
  durationMs: e.durationMs,
  token: e.token,
  requestId: e.requestId,
  resourceType: e.resourceType,
  resourceId: e.resourceId,
  resourceName: e.resourceName,
  request: { body: bodyValue(e.request), truncated: e.request.truncated },
  response: { body: bodyValue(e.response), truncated: e.response.truncated },
  error: e.error,
  notes: e.notes.map(noteView),
  summary: summary(e),
})

/** The change a request made, from one of its audit events. */
export const changeView = (e: AuditEvent) => ({
  action: e.action,
  resourceType: e.resourceType,
  resourceId: e.resourceId,
  attributes: e.changes?.attributes ?? [],
  before: e.changes?.before ?? null,
  after: e.changes?.after ?? null,
})

/**
 * The human "why" of a provisioning log entry, one line that the console and the CLI both show as
 * `summary`: what happened to what, then what Roster read differently, ignored or left unresolved.
 *
 *   Refused: userName "x" is already taken (409 uniqueness)
 *   Created user bob; ignored adreses; manager SuzzyQ unresolved; read "True" as true
 *
 * A dialect note's `detail` is shown as written (helpers phrase it as `read "True" as true`); a
 * note without one shows its rule's name.
 */
import { bodyValue, type NewProvisioningEntry, type ProvisioningNote } from './model.js'

type Summarised = Pick<NewProvisioningEntry, 'method' | 'path' | 'status' | 'resourceType' | 'resourceId' | 'resourceName' | 'error' | 'notes' | 'response'>

export function summary(entry: Summarised): string {
  return [outcome(entry), ...notes(entry.notes)].join('; ')
}

function outcome(e: Summarised): string {
  if (e.error || e.status >= 400) {
    const code = [String(e.status), e.error?.scimType].filter(Boolean).join(' ')
    return `${e.status >= 500 ? 'Failed' : 'Refused'}: ${e.error?.detail ?? 'no detail'} (${code})`
  }
  const endpoint = endpointOf(e.path)
  if (endpoint === 'Bulk') return bulkOutcome(e)
  if (e.status === 304) return `Not modified: ${what(e)}`
  switch (e.method) {
    case 'POST':
      return endpoint?.endsWith('.search') ? `Searched ${plural(endpoint) ?? 'resources'}` : `Created ${what(e)}`
    case 'PUT':
      return `Replaced ${what(e)}`
    case 'PATCH':
      return `Updated ${what(e)}`
    case 'DELETE':
      return `Deleted ${what(e)}`
    default:
      if (e.resourceId) return `Read ${what(e)}`
      return endpoint === 'Users' || endpoint === 'Groups' ? `Listed ${plural(endpoint)}` : `Read ${endpoint ?? 'the service root'}`
  }
}

/** `user bob`, `group Sales`, `user 2819c223-…` when the name is not known. */
function what(e: Summarised): string {
  const kind = e.resourceType?.toLowerCase() ?? 'resource'
  const name = e.resourceName ?? e.resourceId
  return name ? `${kind} ${name}` : kind
}

/** The first path segment after /scim/v2 (`Users`, `Bulk`, `.search`), the query left out. */
function endpointOf(path: string): string | undefined {
  const bare = path.split('?')[0]!
  const rest = bare.replace(/^\/scim\/v2\/?/i, '')
  const [first, second] = rest.split('/')
  return second === '.search' ? `${first}/.search` : first || undefined
}

function plural(endpoint: string | undefined): string | undefined {
  const name = endpoint?.split('/')[0]
  return name && name !== '.search' ? name.toLowerCase() : undefined
}

function bulkOutcome(e: Summarised): string {
  const body = bodyValue(e.response) as { Operations?: Array<{ status?: unknown }> } | string | null
  const operations = body && typeof body === 'object' && Array.isArray(body.Operations) ? body.Operations : null
  if (!operations) return 'Bulk request processed'
  const failures = operations.filter((o) => Number(o.status) >= 400).length
  return `Bulk: ${operations.length} operation${operations.length === 1 ? '' : 's'}${failures ? `, ${failures} failed` : ''}`
}

/** Attribute paths as a reader knows them: without the schema URN. */
const shortPath = (path: string) => path.replace(/^urn:[^ ]*:/i, '').replace(/\.value$/, '')

function notes(all: readonly ProvisioningNote[]): string[] {
  const ignored = [...new Set(all.flatMap((n) => (n.kind === 'ignored' ? [shortPath(n.path)] : [])))]
  const lines = ignored.length ? [`ignored ${ignored.join(', ')}`] : []
  for (const n of all) if (n.kind === 'unresolved') lines.push(`${shortPath(n.path)} ${n.value} unresolved`)
  for (const n of all) if (n.kind === 'dialect') lines.push(n.detail ?? n.rule)
  return [...new Set(lines)]
}

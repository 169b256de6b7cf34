/**
 * A tenant's directory connection settings: what `roster directory set` takes, what is stored
 * (everything but the password, which is sealed separately) and what a run works from.
 */
import { FilterParser } from 'ldapts'
import type { JsonObject } from '../src/domain/kernel/json.js'
import { ValidationError } from '../src/domain/kernel/errors.js'
import { normalizeDn } from './dn.js'
import { REQUIRED_TARGETS, type MapperTable } from './mappers.js'
import { MAPPING_TARGETS, PRESETS, PRESET_NAMES, presetMappers, type Preset, type PresetName } from './presets.js'

export interface DirectorySettings {
  preset: PresetName
  /** ldap://host[:port] or ldaps://host[:port]. */
  url: string
  /** Upgrade an ldap:// connection with StartTLS before binding. */
  startTls: boolean
  /** PEM of the CA(s) that issued the server certificate; null: the system's trusted CAs. */
  caPem: string | null
  /** Lab use only: accept any server certificate (warned about on every run). */
  insecureTls: boolean
  bindDn: string
  /** Subtrees searched for users and groups. */
  baseDns: string[]
  /** Overrides of the preset's filters; null: the preset's. */
  userFilter: string | null
  groupFilter: string | null
  /** Entries per page of the Simple Paged Results control. */
  pageSize: number
  /** Overrides of the LDAP attributes of the preset's mappers, by target; an empty attribute turns the mapper off. */
  mapping: MappingOverrides
}

/** `target → LDAP attribute`, as `--map target=attribute` gives them. */
export type MappingOverrides = Record<string, string>

export const DEFAULT_PAGE_SIZE = 500
export const MAX_PAGE_SIZE = 5000

/** The settings with the preset applied: what a run actually uses. */
export interface EffectiveSettings extends DirectorySettings {
  presetDefinition: Preset
  effectiveUserFilter: string
  effectiveGroupFilter: string
  /** The preset's mapper tables with the overrides applied. */
  mappers: MapperTable
  /** The same, as `target → LDAP attribute` ('' when off): what `directory show` prints. */
  effectiveMapping: Record<string, string>
  /** Normalised base DNs. */
  bases: string[]
}

export function effectiveSettings(s: DirectorySettings): EffectiveSettings {
  const preset = PRESETS[s.preset]
  const mappers = presetMappers(s.preset, s.mapping)
  return {
    ...s,
    presetDefinition: preset,
    effectiveUserFilter: s.userFilter ?? preset.userFilter,
    effectiveGroupFilter: s.groupFilter ?? preset.groupFilter,
    mappers,
    effectiveMapping: Object.fromEntries([...mappers.users, ...mappers.groups].map((m) => [m.target, m.ldap])),
    bases: s.baseDns.map(normalizeDn),
  }
}

const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/

function checkFilter(name: string, filter: string): void {
  if (!/^\(.*\)$/s.test(filter.trim())) throw new ValidationError(`${name} must be an LDAP filter in parentheses, such as (objectClass=person)`, name)
  // Literal parentheses in values are escaped (\28, \29), so every parenthesis is syntax.
  let depth = 0
  for (const c of filter) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0
    if (depth < 0) break
  }
  if (depth !== 0) throw new ValidationError(`${name} is not a valid LDAP filter: unbalanced parentheses`, name)
  try {
    FilterParser.parseString(filter.trim())
  } catch (err) {
    throw new ValidationError(`${name} is not a valid LDAP filter: ${(err as Error).message}`, name)
  }
}

/** Parses `target=attribute` pairs (`--map`); an empty attribute turns the target off. */
export function parseMapping(pairs: string[]): MappingOverrides {
  const out: MappingOverrides = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new ValidationError(`--map ${JSON.stringify(pair)}: expected <scimAttribute>=<ldapAttribute>`, 'map')
    const target = pair.slice(0, eq).trim()
    const attribute = pair.slice(eq + 1).trim()
    if (!MAPPING_TARGETS.includes(target)) {
      throw new ValidationError(`--map ${JSON.stringify(pair)}: unknown attribute ${JSON.stringify(target)}; one of ${MAPPING_TARGETS.join(', ')}`, 'map')
    }
    if (attribute !== '' && !ATTRIBUTE.test(attribute)) throw new ValidationError(`--map ${JSON.stringify(pair)}: ${JSON.stringify(attribute)} is not an LDAP attribute name`, 'map')
    if (attribute === '' && REQUIRED_TARGETS.has(target)) {
      throw new ValidationError(`--map ${target}= : ${target} cannot be turned off`, 'map')
    }
    out[target] = attribute
  }
  return out
}

/** Checks settings as a whole; throws ValidationError naming the field. */
export function validateSettings(s: DirectorySettings): DirectorySettings {
  if (!PRESET_NAMES.includes(s.preset)) throw new ValidationError(`preset must be one of ${PRESET_NAMES.join(', ')}`, 'preset')
  let url: URL
  try {
    url = new URL(s.url)
  } catch {
    throw new ValidationError(`url ${JSON.stringify(s.url)} is not a URL; expected ldap://host[:port] or ldaps://host[:port]`, 'url')
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') throw new ValidationError(`url must start with ldap:// or ldaps://, not ${url.protocol}//`, 'url')
  if ((url.pathname && url.pathname !== '/') || url.search || url.username || url.password) {
    throw new ValidationError('url must name the server only (ldap[s]://host[:port]); give base DNs with --base-dn', 'url')
  }
  if (s.startTls && url.protocol === 'ldaps:') throw new ValidationError('--starttls applies to ldap:// URLs; an ldaps:// connection is encrypted already', 'starttls')
  if (s.caPem !== null && s.insecureTls) throw new ValidationError('give either a CA certificate or --insecure-tls, not both', 'insecureTls')
  if (s.caPem !== null && !/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(s.caPem)) {
    throw new ValidationError('the CA file holds no PEM certificate (-----BEGIN CERTIFICATE-----)', 'caFile')
  }
  if (!s.bindDn.trim() || !s.bindDn.includes('=')) {
    if (!/^[^@\s]+@[^@\s]+$/.test(s.bindDn.trim())) throw new ValidationError('bind DN must be a DN (cn=…,dc=…) or, for AD, a user principal name (user@domain)', 'bindDn')
  }
  if (!s.baseDns.length) throw new ValidationError('at least one --base-dn is required', 'baseDn')
  for (const dn of s.baseDns) if (!dn.includes('=')) throw new ValidationError(`base DN ${JSON.stringify(dn)} is not a DN (such as ou=People,dc=example,dc=org)`, 'baseDn')
  if (s.userFilter !== null) checkFilter('userFilter', s.userFilter)
  if (s.groupFilter !== null) checkFilter('groupFilter', s.groupFilter)
  if (!Number.isInteger(s.pageSize) || s.pageSize < 1 || s.pageSize > MAX_PAGE_SIZE) throw new ValidationError(`page size must be from 1 to ${MAX_PAGE_SIZE}`, 'pageSize')
  for (const [target, attribute] of Object.entries(s.mapping)) parseMapping([`${target}=${attribute}`])
  return s
}

export function settingsToJson(s: DirectorySettings): JsonObject {
  return { ...s, mapping: { ...s.mapping } } as unknown as JsonObject
}

export function settingsFromJson(json: JsonObject): DirectorySettings {
  const s = json as unknown as DirectorySettings
  return {
    preset: s.preset,
    url: s.url,
    startTls: Boolean(s.startTls),
    caPem: s.caPem ?? null,
    insecureTls: Boolean(s.insecureTls),
    bindDn: s.bindDn,
    baseDns: [...(s.baseDns ?? [])],
    userFilter: s.userFilter ?? null,
    groupFilter: s.groupFilter ?? null,
    pageSize: s.pageSize ?? DEFAULT_PAGE_SIZE,
    mapping: { ...(s.mapping ?? {}) },
  }
}

/**
 * JSON Schemas (2020-12, the dialect of OpenAPI 3.1) of the admin API's bodies and resources. The
 * same objects validate requests (ajv) and describe them in /api/openapi.json, so the two agree.
 */
import { PERMISSIONS } from '../domain/access/model.js'
import { USER_LIST_SORTS } from '../domain/identity/persister.js'

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const
const nullableText = (max: number) => ({ type: ['string', 'null'], maxLength: max }) as const
// format email: the domain's address rule (src/domain/identity/email.ts), registered in validate.ts.
const email = { type: 'string', minLength: 1, maxLength: 254, format: 'email' } as const

/** Custom attribute values by name; the domain checks them against the tenant's definitions. */
const attributeValues = {
  type: 'object',
  description: 'Custom attribute values by name (GET /api/attributes): a string for text and choice, true/false for yes/no; null clears one, a name left out keeps its value.',
  maxProperties: 100,
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 1024 }, { type: 'boolean' }, { type: 'null' }] },
} as const

export const NewUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['firstName', 'lastName', 'userName', 'email'],
  properties: {
    firstName: text(100),
    lastName: text(100),
    userName: { ...text(256), pattern: '^\\S(.*\\S)?$' },
    email,
    phone: nullableText(50),
    externalId: nullableText(256),
    status: { enum: ['active', 'inactive'], default: 'active' },
    password: {
      description: 'A password to set, "generate" for one generated and shown once in the response, or null for none (single sign-on only).',
      anyOf: [{ const: 'generate' }, { type: 'string', minLength: 12, maxLength: 1024 }, { type: 'null' }],
    },
    roles: { type: 'array', items: text(100), maxItems: 50, default: [] },
    attributes: attributeValues,
  },
} as const

export const UserEditBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields to change. userName is read-only after creation.',
  properties: {
    firstName: text(100),
    lastName: text(100),
    email,
    phone: nullableText(50),
    externalId: nullableText(256),
    attributes: attributeValues,
  },
} as const

export const UserListParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    view: { enum: ['active', 'inactive', 'archived'], default: 'active' },
    q: { type: 'string', maxLength: 200 },
    sort: { enum: [...USER_LIST_SORTS], default: 'userName' },
    order: { enum: ['asc', 'desc'], default: 'asc' },
    cursor: { type: 'string', maxLength: 2048 },
    // Far jumps without OFFSET: the first user whose sort key starts at or past `from`, or the last page.
    from: { type: 'string', minLength: 1, maxLength: 200 },
    last: { enum: ['true', 'false'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const

const dateTime = { type: 'string', format: 'date-time' } as const

export const UserResource = {
  type: 'object',
  required: ['id', 'userName', 'status', 'active', 'version', 'created', 'modified'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    userName: { type: 'string' },
    firstName: { type: ['string', 'null'] },
    lastName: { type: ['string', 'null'] },
    displayName: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    phone: { type: ['string', 'null'] },
    externalId: { type: ['string', 'null'] },
    status: { enum: ['active', 'inactive', 'archived'] },
    active: { type: 'boolean' },
    origin: { enum: ['local', 'scim', 'ldap'] },
    managedBy: { description: 'Set when the tenant\'s identity source forbids editing here: where to change it instead.', type: ['string', 'null'] },
    attributes: { description: 'Custom attribute values by name, for the attributes the tenant defines (not in the service-account and /me answers).', type: 'object', additionalProperties: { type: ['string', 'boolean'] } },
    lastSignIn: { description: 'In the list only.', type: ['string', 'null'], format: 'date-time' },
    version: { type: 'integer' },
    created: dateTime,
    modified: dateTime,
  },
} as const

export const RoleResource = {
  type: 'object',
  required: ['id', 'name', 'builtIn', 'permissions'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    builtIn: { type: 'boolean' },
    permissions: { type: 'array', items: { enum: [...PERMISSIONS] } },
  },
} as const

export const Problem = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    field: { type: 'string', description: 'The request field at fault (400, 409).' },
    code: {
      type: 'string',
      description: 'The kind of fault, for a form to word it: required, tooShort, tooLong, tooMany, format, unknownField, invalidValue (400); uniqueness (409); invalidSyntax, tooLarge.',
    },
    requestId: { type: 'string' },
  },
} as const

export const NewTokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text(100),
    expires: { description: 'When the token stops working; null or absent: never.', anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
    permissions: {
      description: 'A narrower set than the user\'s; null or absent: all of the user\'s, as they are at each use.',
      anyOf: [{ type: 'array', items: { enum: [...PERMISSIONS] }, maxItems: PERMISSIONS.length }, { type: 'null' }],
    },
  },
} as const

export const TokenResource = {
  type: 'object',
  required: ['id', 'name', 'created'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    permissions: { anyOf: [{ type: 'array', items: { enum: [...PERMISSIONS] } }, { type: 'null' }] },
    issuedBy: {
      anyOf: [{ type: 'object', required: ['id', 'label'], properties: { id: { type: 'string' }, label: { type: 'string' } } }, { type: 'null' }],
      description: 'Who issued the token and saw its secret (its holder; null for tokens issued before this was recorded)',
    },
    expires: { type: ['string', 'null'], format: 'date-time' },
    created: dateTime,
    lastUsed: { type: ['string', 'null'], format: 'date-time' },
    revoked: { type: ['string', 'null'], format: 'date-time' },
    secret: { type: 'string', description: 'Only in the answer that creates or regenerates the token: shown once.' },
  },
} as const

export const AuditListParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', maxLength: 256, description: 'Actor id, or label (userName, token name) case-insensitively.' },
    action: { type: 'string', maxLength: 100, pattern: '^[a-z-]+(\\.[a-z-]+|\\.\\*)?$', description: 'An action such as user.update, or a prefix such as user.*' },
    target: { type: 'string', maxLength: 256, description: 'The id of the resource changed.' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    cursor: { type: 'string', maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    format: { enum: ['csv', 'jsonl'], description: 'Export only.' },
  },
} as const

/** GET /api/provisioning-log: the SCIM provisioning log's filters (src/admin/provisioning-api.ts). */
export const ProvisioningLogParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { enum: ['failed', 'succeeded'], description: 'failed: answered 400 or above; succeeded: below (a Bulk request\'s operations may have failed: see its response).' },
    resource: { type: 'string', maxLength: 256, description: 'The id of the user or group the request was about (by its path, or the one it created).' },
    q: { type: 'string', minLength: 1, maxLength: 256, description: 'Text in the path (with its query) or the resource\'s userName / displayName, case-insensitively.' },
    from: { type: 'string', format: 'date-time', description: 'At or after.' },
    to: { type: 'string', format: 'date-time', description: 'Before.' },
    cursor: { type: 'string', maxLength: 400, description: '`next` of the previous page.' },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const

const storedBody = {
  type: 'object',
  required: ['body', 'truncated'],
  properties: {
    body: { description: 'The JSON as sent or answered, secrets redacted ("[redacted]"); when truncated, a string: the beginning of its JSON text (PROVISIONING_LOG_MAX_BODY bytes); null: none.' },
    truncated: { type: 'boolean' },
  },
} as const

/** An entry of the SCIM provisioning log. */
export const ProvisioningEntryResource = {
  type: 'object',
  required: ['id', 'at', 'method', 'path', 'status', 'durationMs', 'token', 'requestId', 'resourceType', 'resourceId', 'resourceName', 'request', 'response', 'error', 'notes', 'summary'],
  properties: {
    id: { type: 'string' },
    at: { ...dateTime, description: 'When the request arrived.' },
    method: { type: 'string' },
    path: { type: 'string', description: 'Path and query as requested (secret-like parameters redacted).' },
    status: { type: 'integer' },
    durationMs: { type: 'number' },
    token: { anyOf: [{ type: 'object', required: ['id', 'label'], properties: { id: { type: 'string' }, label: { type: 'string', description: 'The SCIM token\'s name' } } }, { type: 'null' }] },
    requestId: { type: ['string', 'null'], description: 'X-Request-Id; the audit events of the change carry it.' },
    resourceType: { enum: ['User', 'Group', null] },
    resourceId: { type: ['string', 'null'] },
    resourceName: { type: ['string', 'null'], description: 'userName of a User, displayName of a Group, when known.' },
    request: storedBody,
    response: storedBody,
    error: { anyOf: [{ type: 'object', required: ['scimType', 'detail'], properties: { scimType: { type: ['string', 'null'] }, detail: { type: 'string' } } }, { type: 'null' }] },
    notes: {
      type: 'array',
      description: 'What Roster made of the request: `dialect` (a rule that read an IdP deviation as its RFC form: rule, detail), `ignored` (an attribute not in the schema: path), `unresolved` (a reference naming nothing yet: path, value); `at` names a Bulk operation.',
      items: { type: 'object', required: ['kind'], properties: { kind: { enum: ['dialect', 'ignored', 'unresolved'] }, rule: { type: 'string' }, detail: { type: 'string' }, path: { type: 'string' }, value: { type: 'string' }, at: { type: 'string' } } },
    },
    summary: { type: 'string', description: 'Why, in one line: e.g. `Refused: userName "x" is already taken (409 uniqueness)`, `Created user bob; ignored adreses; manager SuzzyQ unresolved`.' },
  },
} as const

export const NewGroupBody = {
  type: 'object',
  additionalProperties: false,
  required: ['displayName'],
  properties: { displayName: { ...text(256), pattern: '^\\S(.*\\S)?$' }, ownerId: { type: ['string', 'null'], format: 'uuid' } },
} as const

export const GroupEditBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { displayName: { ...text(256), pattern: '^\\S(.*\\S)?$' }, ownerId: { type: ['string', 'null'], format: 'uuid' } },
} as const

export const MembersChangeBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    add: {
      type: 'array',
      maxItems: 1000,
      items: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid' }, type: { enum: ['User', 'Group'], default: 'User' } } },
      default: [],
    },
    remove: { type: 'array', maxItems: 1000, items: { type: 'string', format: 'uuid' }, default: [] },
  },
} as const

export const RoleRefBody = { type: 'object', additionalProperties: false, required: ['role'], properties: { role: text(100) } } as const

export const NewRoleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'permissions'],
  properties: {
    name: text(100),
    description: { type: 'string', maxLength: 500 },
    // Checked by the domain rather than by an enum here, so that the 400 names the unknown permission.
    permissions: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 50, description: `Any of ${PERMISSIONS.join(', ')}.` },
  },
} as const

export const RoleEditBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields of a custom role to change; built-in roles are read-only (409).',
  properties: NewRoleBody.properties,
} as const

export const PageParams = {
  type: 'object',
  additionalProperties: false,
  properties: { q: { type: 'string', maxLength: 200 }, cursor: { type: 'string', maxLength: 2048 }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
} as const

export const GroupResource = {
  type: 'object',
  required: ['id', 'displayName', 'version'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    displayName: { type: 'string' },
    origin: { enum: ['local', 'scim', 'ldap'] },
    ownerId: { type: ['string', 'null'] },
    owner: { description: 'Not in the answer to POST.', anyOf: [{ $ref: '#/components/schemas/UserRef' }, { type: 'null' }] },
    memberCount: { type: 'integer' },
    roles: { description: 'The roles the group gives, named; built-in first, then custom by name.', type: 'array', items: { $ref: '#/components/schemas/RoleRef' } },
    managedBy: { type: ['string', 'null'] },
    version: { type: 'integer' },
    created: dateTime,
    modified: dateTime,
  },
} as const

/** A user as a list row names it (an owner). */
export const UserRefResource = {
  type: 'object',
  required: ['id', 'userName', 'displayName'],
  properties: { id: { type: 'string', format: 'uuid' }, userName: { type: 'string' }, displayName: { type: ['string', 'null'] } },
} as const

export const RoleRefResource = { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' } } } as const

/** A row of GET /api/groups: the group with its owner and named roles, so a list needs no request per row. */
export const GroupListItemResource = {
  type: 'object',
  required: [...GroupResource.required, 'ownerId', 'owner', 'memberCount', 'roles'],
  properties: {
    ...GroupResource.properties,
    owner: { anyOf: [{ $ref: '#/components/schemas/UserRef' }, { type: 'null' }] },
    roles: { description: 'The roles the group gives, named; built-in first, then custom by name.', type: 'array', items: { $ref: '#/components/schemas/RoleRef' } },
  },
} as const

export const NewScimTokenBody = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text(100) } } as const

export const SsoBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'IdP metadata XML and/or options; what is not given keeps its value.',
  properties: {
    metadataXml: { type: 'string', minLength: 1, maxLength: 1_000_000 },
    entityId: text(1024),
    identifier: { enum: ['nameid', 'email', 'upn', 'username'] },
    identifierAttribute: nullableText(256),
    allowIdpInitiated: { type: 'boolean' },
    signRequests: { type: 'boolean' },
    jitProvisioning: { type: 'boolean' },
    passwordSignIn: { type: 'boolean' },
  },
} as const

export const DirectoryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['preset', 'url', 'bindDn', 'baseDns'],
  properties: {
    preset: { enum: ['ad', 'openldap'] },
    url: text(1024),
    startTls: { type: 'boolean', default: false },
    caPem: nullableText(100_000),
    insecureTls: { type: 'boolean', default: false },
    bindDn: text(1024),
    bindPassword: { type: 'string', minLength: 1, maxLength: 1024, writeOnly: true, description: 'Required for a new connection and when url or bindDn change; left out, the stored password is kept.' },
    baseDns: { type: 'array', minItems: 1, maxItems: 20, items: text(1024) },
    userFilter: nullableText(4096),
    groupFilter: nullableText(4096),
    pageSize: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
    mapping: { type: 'object', additionalProperties: { type: 'string', maxLength: 256 }, default: {} },
  },
} as const

export const SyncNowBody = {
  type: 'object',
  additionalProperties: false,
  properties: { full: { type: 'boolean', default: false }, dryRun: { type: 'boolean', default: false }, force: { type: 'boolean', default: false } },
} as const

export const ApiAccessBody = { type: 'object', additionalProperties: false, required: ['enabled'], properties: { enabled: { type: 'boolean' } } } as const

export const ApiPasswordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['password'],
  properties: {
    password: {
      description: 'A password to set, "generate" for one returned once, or null to remove it.',
      anyOf: [{ const: 'generate' }, { type: 'string', minLength: 12, maxLength: 1024 }, { type: 'null' }],
    },
  },
} as const

export const NewServiceAccountBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { ...text(256), pattern: '^\\S+$' },
    description: { type: 'string', maxLength: 500, default: '' },
    ownerId: { type: ['string', 'null'], format: 'uuid' },
    roles: { type: 'array', items: text(100), maxItems: 50, default: [] },
  },
} as const

/** A row of GET /api/service-accounts: the account's user with its owner, roles and token figures. */
export const ServiceAccountResource = {
  type: 'object',
  required: [...UserResource.required, 'ownerId', 'owner', 'description', 'roles', 'apiAccess', 'tokenCount', 'lastUsed'],
  properties: {
    ...UserResource.properties,
    ownerId: { type: 'string', format: 'uuid' },
    owner: { $ref: '#/components/schemas/UserRef' },
    description: { type: 'string' },
    roles: { description: 'Roles assigned to the account itself (not through groups), named.', type: 'array', items: { $ref: '#/components/schemas/RoleRef' } },
    apiAccess: { type: 'boolean' },
    tokenCount: { description: 'Personal access tokens neither revoked nor expired.', type: 'integer' },
    lastUsed: { description: 'The latest use of any of its tokens, revoked ones included.', type: ['string', 'null'], format: 'date-time' },
  },
} as const

const attributeName = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$', description: 'The SCIM attribute name; fixed once defined.' } as const
const choices = { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 256 }, description: 'The allowed values of a choice attribute (1-100, unique); only for type choice.' } as const

export const NewAttributeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'label', 'type'],
  properties: {
    name: attributeName,
    label: text(100),
    type: { enum: ['text', 'choice', 'boolean'], description: 'Fixed once defined.' },
    choices,
    required: { type: 'boolean', default: false, description: 'Enforced by the console and this API, never on SCIM writes.' },
    description: { type: 'string', maxLength: 500, default: '' },
    position: { type: 'integer', minimum: 0, maximum: 100000, description: 'Display order; default: after the others.' },
  },
} as const

export const AttributeEditBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'The fields to change; name and type are fixed. Removing a choice that users hold is refused (409).',
  properties: {
    label: text(100),
    choices,
    required: { type: 'boolean' },
    description: { type: 'string', maxLength: 500 },
    position: { type: 'integer', minimum: 0, maximum: 100000 },
  },
} as const

export const AttributeResource = {
  type: 'object',
  required: ['id', 'name', 'label', 'type', 'choices', 'required', 'description', 'position', 'scimPath', 'created', 'modified'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    label: { type: 'string' },
    type: { enum: ['text', 'choice', 'boolean'] },
    choices: { type: 'array', items: { type: 'string' } },
    required: { type: 'boolean' },
    description: { type: 'string' },
    position: { type: 'integer' },
    scimPath: { type: 'string', description: 'The attribute\'s full SCIM path, for IdP mappings and filters.' },
    created: dateTime,
    modified: dateTime,
  },
} as const

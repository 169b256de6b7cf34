import { PERMISSIONS } from '../domain/access/model.js'
import { AttributeEditBody, AttributeResource, NewAttributeBody } from './schemas.js'
import { ProvisioningEntryResource, ProvisioningLogParams } from './schemas.js'
import { ApiAccessBody, ApiPasswordBody, NewServiceAccountBody, DirectoryBody, NewScimTokenBody, SsoBody, SyncNowBody, AuditListParams, GroupEditBody, GroupListItemResource, GroupResource, MembersChangeBody, NewGroupBody, PageParams, RoleRefBody, RoleRefResource, NewRoleBody, RoleEditBody, NewTokenBody, NewUserBody, Problem, RoleResource, ServiceAccountResource, TokenResource, UserEditBody, UserListParams, UserRefResource, UserResource } from './schemas.js'

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } })
const json = (description: string, schema: object) => ({ description, content: { 'application/json': { schema } } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
const ifMatch = { name: 'If-Match', in: 'header', required: false, description: 'The ETag the change is based on; a stale one gets 412.', schema: { type: 'string' } }
const errors = {
  400: problem('Invalid input; `field` names the field at fault and `code` the kind of fault.'),
  401: problem('Not signed in.'),
  403: problem('A permission is missing; the detail names it.'),
  429: problem('Too many failed API-password attempts for this account or address; Retry-After says when to try again.'),
}
const writeErrors = {
  ...errors,
  404: problem('No such user.'),
  409: problem('Refused by the source-of-truth rule, self-protection, or uniqueness (userName, email).'),
  412: problem('The user changed since the ETag in If-Match.'),
  415: problem('Changes must be sent as application/json (or, for an action or DELETE, with no body at all).'),
}

const permissionName = { enum: [...PERMISSIONS] }
const flag = (description: string) => ({ type: 'boolean', description })
const grantRoles = { type: 'array', items: { type: 'string' }, description: 'Ids of the tenant\'s roles the caller may grant or take away here: roles.manage, and every permission of the role held by the caller' }

/** GET /api/me: the caller as a User, with what it holds and the catalogue it is drawn from. */
const Me = {
  allOf: [
    ref('User'),
    {
      type: 'object',
      required: ['tenant', 'roles', 'permissions', 'permissionCatalogue', 'session'],
      properties: {
        tenant: { type: 'object', description: 'id, slug, displayName, source (local, scim, ldap) and sourceName: where its people are changed' },
        roles: { type: 'array', items: ref('Role'), description: 'Effective roles, each with `via`: null (assigned directly) or the groups it comes through' },
        permissions: { type: 'array', items: permissionName, description: 'What this request may do: the roles\' permissions, narrowed by a token\'s scope' },
        permissionCatalogue: {
          type: 'array',
          description: 'Every permission there is, in order, with what it lets its holder do',
          items: { type: 'object', required: ['name', 'label', 'allows'], properties: { name: permissionName, label: { type: 'string', description: 'e.g. "Create users"' }, allows: { type: 'string', description: 'e.g. "creating users"' } } },
        },
        session: { type: ['object', 'null'], description: 'method, signedInAt, expiresAt; null with a token or API password' },
      },
    },
  ],
}

/** GET /api/users/{id}: the user with its access, and what the caller may do to it. */
const UserDetail = {
  allOf: [
    ref('User'),
    {
      type: 'object',
      required: ['roles', 'permissions', 'allowed', 'permissionsBeyondYours'],
      properties: {
        roles: { type: 'array', items: ref('Role'), description: 'Effective roles, each with `via`' },
        permissions: { type: 'array', items: permissionName },
        ownedGroups: { type: 'array' },
        ownedServiceAccounts: { type: 'array' },
        serviceAccount: { type: ['object', 'null'] },
        apiAccess: { type: 'boolean' },
        hasApiPassword: { type: 'boolean' },
        manager: {
          description:
            'The enterprise manager: a user of the tenant (`resolved: true`), or a reference an identity provider sent that names no user yet, kept as sent until that user is created (`resolved: false`); null when none',
          oneOf: [
            { type: 'null' },
            { type: 'object', required: ['resolved', 'id', 'userName', 'displayName'], properties: { resolved: { const: true }, id: { type: 'string', format: 'uuid' }, userName: { type: 'string' }, displayName: { type: 'string' } } },
            { type: 'object', required: ['resolved', 'value'], properties: { resolved: { const: false }, value: { type: 'string' } } },
          ],
        },
        allowed: {
          type: 'object',
          description:
            'What the caller may do to this user, by the same checks the changes make: the permission, not changing someone who holds permissions the caller lacks, never your own status, existence or roles. The tenant\'s source of truth (`managedBy`) may still refuse (409).',
          required: ['edit', 'activate', 'deactivate', 'archive', 'restore', 'delete', 'manageRoles', 'grantRoles', 'manageCredentials'],
          properties: {
            edit: flag('PATCH: users.edit, and yourself or someone you outrank'),
            activate: flag('users.edit, someone you outrank, not yourself'),
            deactivate: flag('users.edit, someone you outrank, not yourself'),
            archive: flag('users.delete, someone you outrank, not yourself'),
            restore: flag('users.delete, someone you outrank, not yourself'),
            delete: flag('users.delete, someone you outrank, not yourself'),
            manageRoles: flag('roles.manage, not yourself; each role also needs its permissions held (grantRoles)'),
            grantRoles: grantRoles,
            manageCredentials: flag('tokens, API password and API access: yours, or credentials.manage'),
          },
        },
        permissionsBeyondYours: { type: 'array', items: permissionName, description: 'Permissions this user holds that the caller does not: while any, the caller may not change the user' },
      },
    },
  ],
}

/** GET and PATCH /api/groups/{id}: the group, and what the caller may do to its roles. */
const GroupDetail = {
  allOf: [
    ref('Group'),
    {
      type: 'object',
      required: ['allowed'],
      properties: {
        allowed: {
          type: 'object',
          description: 'What the caller may do to the group\'s roles, by the checks the changes make',
          required: ['manageRoles', 'grantRoles'],
          properties: { manageRoles: flag('roles.manage'), grantRoles },
        },
      },
    },
  ],
}

const pageParameters = Object.entries(PageParams.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
const listParameters = Object.entries(UserListParams.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))

/**
 * The OpenAPI 3.1 description of /api. A test compares its paths and methods with the router's,
 * and request schemas are the very objects the handlers validate with.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Roster admin API', version: '1', description: 'Tenant administration. Authenticated by the sign-in session cookie or a personal access token. Errors are RFC 9457 problem details.' },
  servers: [{ url: '/api' }],
  paths: {
    '/me': { get: { summary: 'The signed-in user', responses: { 200: json('The signed-in user, what it may do, and its session', ref('Me')), 401: errors[401] } } },
    '/users': {
      get: {
        summary: 'List users: a view, a search, a sort by any column, cursor paging',
        parameters: listParameters,
        responses: { 200: json('A page of users', { type: 'object', properties: { items: { type: 'array', items: ref('User') }, total: { type: 'integer' }, totalExact: { type: 'boolean', description: 'false: a search matched more than 10,000 users' }, next: { type: ['string', 'null'] }, previous: { type: ['string', 'null'], description: 'cursor of the page before; null on the first page' } } }), ...errors },
      },
      post: {
        summary: 'Create a user (users.create; roles need roles.manage)',
        requestBody: { required: true, content: { 'application/json': { schema: ref('NewUser') } } },
        responses: { 201: json('Created; a generated password is in `generatedPassword`, shown this once', ref('User')), ...writeErrors },
      },
    },
    '/users/{id}': {
      get: { summary: 'A user with its effective roles (each with where it comes from) and permissions', parameters: [idParam], responses: { 200: json('The user, and what you may do to it', ref('UserDetail')), 304: { description: 'Not modified (If-None-Match)' }, ...errors, 404: problem('No such user.') } },
      patch: { summary: 'Edit a user (users.edit); userName is read-only', parameters: [idParam, ifMatch], requestBody: { required: true, content: { 'application/json': { schema: ref('UserEdit') } } }, responses: { 200: json('The user', ref('User')), ...writeErrors } },
      delete: {
        summary: 'Delete a user (users.delete); never yourself. A user who owns groups needs replacementOwnerId: the hand-over and the deletion commit together.',
        parameters: [idParam, ifMatch, { name: 'replacementOwnerId', in: 'query', required: false, schema: { type: 'string', format: 'uuid' } }], responses: { 204: { description: 'Deleted' }, ...writeErrors } },
    },
    '/groups': {
      get: { summary: 'Groups by name, searched as you type (groups.view)', parameters: pageParameters, responses: { 200: json('A page of groups with owners, named roles and member counts', { type: 'object', properties: { items: { type: 'array', items: ref('GroupListItem') }, next: { type: ['string', 'null'] } } }), ...errors } },
      post: { summary: 'Create a group (groups.manage), optionally with an owner', requestBody: { required: true, content: { 'application/json': { schema: ref('NewGroup') } } }, responses: { 201: json('The group', ref('Group')), ...writeErrors } },
    },
    '/groups/{id}': {
      get: { summary: 'A group with its owner, roles and member count (groups.view)', parameters: [idParam], responses: { 200: json('The group, and what you may do to its roles', ref('GroupDetail')), ...errors, 404: problem('No such group.') } },
      patch: { summary: 'Rename a group or change its owner (groups.manage)', parameters: [idParam, ifMatch], requestBody: { required: true, content: { 'application/json': { schema: ref('GroupEdit') } } }, responses: { 200: json('The group', ref('GroupDetail')), ...writeErrors } },
      delete: { summary: 'Delete a group (groups.manage)', parameters: [idParam, ifMatch], responses: { 204: { description: 'Deleted' }, ...writeErrors } },
    },
    '/groups/{id}/members': {
      get: { summary: 'Members (users and groups) by name; q searches name and email (groups.view)', parameters: [idParam, ...pageParameters], responses: { 200: json('A page of members', { type: 'object' }), ...errors } },
      post: { summary: 'Add and remove members in one change (groups.manage)', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: MembersChangeBody } } }, responses: { 204: { description: 'Changed' }, ...writeErrors } },
    },
    '/groups/{id}/roles': { post: { summary: 'Give the group a role; its members hold it (roles.manage)', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: RoleRefBody } } }, responses: { 204: { description: 'Assigned' }, ...writeErrors } } },
    '/groups/{id}/roles/{role}': {
      delete: { summary: 'Take a role from the group (roles.manage)', parameters: [idParam, { name: 'role', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'Unassigned' }, ...writeErrors } },
    },
    '/users/{id}/activate': { post: { summary: 'Activate a user (users.edit); never yourself', parameters: [idParam, ifMatch], responses: { 200: json('The user', ref('User')), ...writeErrors } } },
    '/users/{id}/archive': { post: { summary: 'Archive a user (users.delete); never yourself. Ends its sessions at once.', parameters: [idParam, ifMatch], responses: { 200: json('The user', ref('User')), ...writeErrors } } },
    '/users/{id}/restore': { post: { summary: 'Restore an archived user to active (users.delete); local tenants', parameters: [idParam, ifMatch], responses: { 200: json('The user', ref('User')), ...writeErrors } } },
    '/users/{id}/deactivate': {
      post: { summary: 'Deactivate a user (users.edit); never yourself. Ends its sessions at once.', parameters: [idParam, ifMatch], responses: { 200: json('The user', ref('User')), ...writeErrors } },
    },
    '/me/tokens': {
      get: { summary: 'Your personal access tokens (never their secrets)', responses: { 200: json('Tokens', { type: 'object', properties: { items: { type: 'array', items: ref('Token') } } }), ...errors } },
      post: {
        summary: 'Create a personal access token; the secret is in this answer only',
        requestBody: { required: true, content: { 'application/json': { schema: ref('NewToken') } } },
        responses: { 201: json('The token with its secret', ref('Token')), ...writeErrors },
      },
    },
    '/me/tokens/{id}/regenerate': {
      post: { summary: 'A new secret for the token; the old one stops at once', parameters: [{ ...idParam, schema: { type: 'string' } }], responses: { 200: json('The token with its new secret', ref('Token')), ...writeErrors } },
    },
    '/me/tokens/{id}': { delete: { summary: 'Revoke the token', parameters: [{ ...idParam, schema: { type: 'string' } }], responses: { 204: { description: 'Revoked' }, ...writeErrors } } },
    '/audit': {
      get: {
        summary: 'The audit log, newest first (audit.view): filter by actor, action, target and time range',
        parameters: Object.entries(AuditListParams.properties).filter(([n]) => n !== 'format').map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: { 200: json('A page of events with the changed attributes before and after (secrets redacted)', { type: 'object' }), ...errors },
      },
    },
    '/audit/export': {
      get: {
        summary: 'Export the filtered audit log as CSV or JSON Lines (audit.view; at most 100,000 events)',
        parameters: Object.entries(AuditListParams.properties).filter(([n]) => n !== 'cursor' && n !== 'limit').map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: { 200: { description: 'The events', content: { 'text/csv': { schema: { type: 'string' } }, 'application/jsonl': { schema: { type: 'string' } } } }, ...errors },
      },
    },
    '/provisioning-log': {
      get: {
        summary: 'The SCIM provisioning log, newest first (audit.view): every SCIM request with what Roster made of it; filter by status, resource, text and time range',
        parameters: Object.entries(ProvisioningLogParams.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
        responses: { 200: json('A page of entries', { type: 'object', required: ['items', 'next'], properties: { items: { type: 'array', items: ref('ProvisioningEntry') }, next: { type: ['string', 'null'] } } }), ...errors },
      },
    },
    '/provisioning-log/{id}': {
      get: {
        summary: 'One entry with the change its request made (the audit events of its request id) (audit.view)',
        parameters: [{ ...idParam, schema: { type: 'string' } }],
        responses: {
          200: json('The entry and its change', {
            allOf: [
              ref('ProvisioningEntry'),
              {
                type: 'object',
                required: ['change'],
                properties: {
                  change: {
                    type: 'array',
                    items: { type: 'object', properties: { action: { type: 'string' }, resourceType: { type: 'string' }, resourceId: { type: ['string', 'null'] }, attributes: { type: 'array', items: { type: 'string' } }, before: { type: ['object', 'null'] }, after: { type: ['object', 'null'] } } },
                  },
                },
              },
            ],
          }),
          ...errors,
          404: problem('No such entry in this tenant.'),
        },
      },
    },
    '/settings': { get: { summary: 'The tenant, its identity source, the SCIM base URL, whether SSO and a directory are set (settings.manage)', responses: { 200: json('Settings overview', { type: 'object' }), ...errors } } },
    '/settings/scim-tokens': {
      get: { summary: 'SCIM tokens (never their secrets) with the SCIM base URL to copy (settings.manage)', responses: { 200: json('Tokens', { type: 'object' }), ...errors } },
      post: { summary: 'Create a SCIM token; the secret is in this answer only', requestBody: { required: true, content: { 'application/json': { schema: NewScimTokenBody } } }, responses: { 201: json('The token with its secret', { type: 'object' }), ...writeErrors } },
    },
    '/settings/scim-tokens/{name}': { delete: { summary: 'Revoke a SCIM token by name', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'Revoked' }, ...writeErrors } } },
    '/settings/sso': {
      get: { summary: 'Our SP URLs (metadata, ACS, SLO, test sign-in) and the IdP settings', responses: { 200: json('SSO settings', { type: 'object' }), ...errors } },
      put: { summary: 'Upload IdP metadata and/or change options (503 without ENCRYPTION_KEY)', requestBody: { required: true, content: { 'application/json': { schema: SsoBody } } }, responses: { 200: json('SSO settings', { type: 'object' }), ...writeErrors, 503: problem('ENCRYPTION_KEY is not set.') } },
    },
    '/settings/directory': {
      get: { summary: 'The directory connection (never the password), the last full run and recent runs with counts and errors', responses: { 200: json('Directory settings', { type: 'object' }), ...errors } },
      put: { summary: 'Set the directory connection; the tenant becomes directory-managed', requestBody: { required: true, content: { 'application/json': { schema: DirectoryBody } } }, responses: { 204: { description: 'Saved' }, ...writeErrors, 503: problem('ENCRYPTION_KEY is not set.') } },
    },
    '/settings/directory/test': { post: { summary: 'Bind, count and show mapped samples; writes nothing', responses: { 200: json('Probe result', { type: 'object' }), ...writeErrors, 502: problem('The directory refused or could not be reached.') } } },
    '/settings/directory/sync': { post: { summary: 'Sync now, or a dry run (counts and samples, nothing written)', requestBody: { required: false, content: { 'application/json': { schema: SyncNowBody } } }, responses: { 200: json('The run record', { type: 'object' }), ...writeErrors } } },
    '/users/{id}/api-access': { put: { summary: 'Switch the user’s API access (tokens, API password) on or off (credentials.manage)', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: ApiAccessBody } } }, responses: { 204: { description: 'Set' }, ...writeErrors } } },
    '/users/{id}/api-password': { put: { summary: 'Set, generate (returned once) or remove the user’s API password for HTTP Basic (yours, or credentials.manage)', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: ApiPasswordBody } } }, responses: { 200: json('Set', { type: 'object' }), ...writeErrors } } },
    '/users/{id}/tokens': {
      get: { summary: 'A user’s personal access tokens (yours, or credentials.manage)', parameters: [idParam], responses: { 200: json('Tokens', { type: 'object' }), ...errors } },
      post: { summary: 'Create a token for the user (e.g. a service account); the secret in this answer only', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: ref('NewToken') } } }, responses: { 201: json('The token with its secret', ref('Token')), ...writeErrors } },
    },
    '/users/{id}/tokens/{tokenId}/regenerate': { post: { summary: 'A new secret for the token', parameters: [idParam, { name: 'tokenId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: json('The token with its new secret', ref('Token')), ...writeErrors } } },
    '/users/{id}/tokens/{tokenId}': { delete: { summary: 'Revoke the token', parameters: [idParam, { name: 'tokenId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'Revoked' }, ...writeErrors } } },
    '/service-accounts': {
      get: { summary: 'Service accounts by name with their owners, roles and token figures (credentials.manage)', responses: { 200: json('Service accounts', { type: 'object', properties: { items: { type: 'array', items: ref('ServiceAccount') } } }), ...errors } },
      post: { summary: 'Create a service account: a user for machine access, with an owner and roles; give it tokens at /users/{id}/tokens', requestBody: { required: true, content: { 'application/json': { schema: NewServiceAccountBody } } }, responses: { 201: json('The service account', ref('User')), ...writeErrors } },
    },
    '/roles': {
      get: { summary: 'Built-in and custom roles', responses: { 200: json('Roles', { type: 'object', properties: { items: { type: 'array', items: ref('Role') } } }), ...errors } },
      post: { summary: 'Define a custom role: a named set of permissions (roles.manage)', requestBody: { required: true, content: { 'application/json': { schema: NewRoleBody } } }, responses: { 201: json('The role', ref('Role')), ...writeErrors, 409: problem('A role with this name exists, or it is a built-in role\'s name.') } },
    },
    '/roles/{id}': {
      patch: {
        summary:
          'Edit a custom role (by id or name): name, description, permissions (roles.manage). Every permission it carries before or after must be yours (403): nobody grants what they do not hold, nor strips holders more powerful. Holders get the new permissions at their next request; audited as role.update with before and after. Built-in roles: 409.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: RoleEditBody } } },
        responses: { 200: json('The role as changed', ref('Role')), ...writeErrors, 404: problem('No such role.'), 409: problem('A built-in role, or another role has this name.'), 412: problem('The role\'s permissions changed while this request was checked; reload and retry.') },
      },
      delete: {
        summary: 'Delete a custom role (by id or name) and every assignment of it (roles.manage); its holders\' sessions end at their next request. Built-in roles: 409.',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 204: { description: 'Deleted' }, ...writeErrors, 404: problem('No such role.'), 409: problem('A built-in role.') },
      },
    },
    '/users/{id}/roles': {
      post: {
        summary: 'Give the user a role, by id or name (roles.manage); allowed in every tenant, whatever its source of truth. Nobody changes their own roles (409) or grants a role with permissions they do not hold (403).',
        parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: RoleRefBody } } },
        responses: { 204: { description: 'Assigned (or already held)' }, ...writeErrors, 404: problem('No such user in this tenant, or no such role.') },
      },
    },
    '/users/{id}/roles/{role}': {
      delete: {
        summary: 'Take a role (id or name) from the user (roles.manage); roles it holds through groups stay. Nobody changes their own roles (409) or takes away a role with permissions they do not hold (403).',
        parameters: [idParam, { name: 'role', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 204: { description: 'Unassigned (or not held)' }, ...writeErrors, 404: problem('No such user in this tenant, or no such role.') },
      },
    },
    '/attributes': {
      get: { summary: 'The tenant’s custom user attributes, in display order (users.view: the console builds its forms from them)', responses: { 200: json('Definitions', { type: 'object', properties: { items: { type: 'array', items: ref('Attribute') } } }), ...errors } },
      post: { summary: 'Define a custom user attribute (settings.manage); it joins the tenant’s SCIM extension schema', requestBody: { required: true, content: { 'application/json': { schema: ref('NewAttribute') } } }, responses: { 201: json('The definition', ref('Attribute')), ...writeErrors, 409: problem('The name is taken (case-insensitively), or the tenant has 100 attributes.') } },
    },
    '/attributes/{id}': {
      patch: { summary: 'Change a definition’s label, description, choices, required or position (settings.manage); name and type are fixed', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: AttributeEditBody } } }, responses: { 200: json('The definition', ref('Attribute')), ...writeErrors, 409: problem('A choice being removed is held by users; the detail says how many.') } },
      delete: {
        summary: 'Delete a definition (settings.manage). Refused while users hold a value for it, unless purge=true: then the values go from every user too, each change audited.',
        parameters: [idParam, { name: 'purge', in: 'query', required: false, schema: { enum: ['true', 'false'] } }],
        responses: { 204: { description: 'Deleted' }, ...writeErrors, 409: problem('Users hold a value for it; the detail says how many.') },
      },
    },
    '/session': {
      get: {
        summary: 'Whether the request carries a live console session (the session cookie); never 401. The console asks this before GET /me.',
        security: [],
        responses: { 200: json('Signed in or not', { type: 'object', required: ['signedIn'], properties: { signedIn: { type: 'boolean' } } }) },
      },
    },
    '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: json('OpenAPI 3.1', { type: 'object' }) } } },
  },
  components: {
    schemas: { Me, UserDetail, GroupDetail, Attribute: AttributeResource, NewAttribute: NewAttributeBody, ProvisioningEntry: ProvisioningEntryResource, User: UserResource, NewUser: NewUserBody, UserEdit: UserEditBody, Role: RoleResource, Token: TokenResource, NewToken: NewTokenBody, Group: GroupResource, GroupListItem: GroupListItemResource, ServiceAccount: ServiceAccountResource, UserRef: UserRefResource, RoleRef: RoleRefResource, NewGroup: NewGroupBody, GroupEdit: GroupEditBody, Problem },
    securitySchemes: {
      session: { type: 'apiKey', in: 'cookie', name: 'roster_session', description: '`__Host-roster_session` when PUBLIC_URL is https' },
      personalToken: { type: 'http', scheme: 'bearer', description: 'A personal access token, `rpt_…`' },
      apiPassword: { type: 'http', scheme: 'basic', description: 'User name `<tenant>/<userName>` and the user’s API password' },
    },
  },
  security: [{ session: [] }, { personalToken: [] }, { apiPassword: [] }],
}

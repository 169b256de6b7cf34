/**
 * Every screen of the console, once. Each route gives
 * - `path`: its URL pattern (`:name` is a path parameter, passed to the page as a prop);
 * - `page`: the component that shows it;
 * - `permission`: what the screen needs: the menus list it only to holders, and a guard;
 * - `denied` (optional): what the screen says instead to someone without the permission (its
 *   title, a heading and why); without
 *   it the page itself loads and shows the API's refusal, as a bookmarked link would;
 * - `otherwise` (optional): the path of the route shown instead to someone without the permission;
 * - `nav` (optional): its entry in a menu, by menu: `console` (the side menu) or `settings`;
 * - `layout` (optional): a frame around the page (the settings' section menu);
 * - `within` (optional): the side-menu entry that stays current on this screen.
 * The first route whose pattern matches the whole path wins. main.js routes by this table and
 * draws both menus from it.
 */
import { html } from './lib.js'
import { UsersPage } from './users/list.js'
import { NewUserPage } from './users/new.js'
import { UserPage } from './users/detail.js'
import { GroupsPage } from './groups/list.js'
import { GroupPage } from './groups/detail.js'
import { RolesPage } from './roles/list.js'
import { ServiceAccountsPage } from './service-accounts/list.js'
import { AuditPage } from './audit/list.js'
import { TokensPage } from './tokens/list.js'
import { SettingsLayout, NoSuchSection } from './settings/layout.js'
import { SettingsOverview } from './settings/overview.js'
import { ScimSettings } from './settings/scim.js'
import { ProvisioningLogPage } from './settings/provisioning.js'
import { SsoSettings } from './settings/sso.js'
import { DirectorySettings } from './settings/directory.js'
import { AttributeSettings } from './settings/attributes.js'

const settingsDenied = {
  title: 'Settings',
  heading: "You cannot change this tenant's settings.",
  says: html`SCIM tokens, single sign-on, the directory connection and custom attributes need the permission <code>settings.manage</code> (the Administrator role has it). Ask an administrator of this tenant for it.`,
}

/** A settings section: all need settings.manage and sit in the settings frame. */
const settings = (path, page, nav) => ({ path, page, permission: 'settings.manage', denied: settingsDenied, layout: SettingsLayout, nav })

export const ROUTES = [
  // Someone who may not see the user list (a general user) starts at their own tokens.
  { path: '/admin', page: UsersPage, permission: 'users.view', otherwise: '/admin/tokens', within: '/admin/users' },
  { path: '/admin/users', page: UsersPage, permission: 'users.view', nav: { console: 'Users' } },
  {
    path: '/admin/users/new',
    page: NewUserPage,
    permission: 'users.create',
    denied: {
      title: 'New user',
      back: { href: '/admin/users', label: 'Users' },
      heading: 'You cannot create users.',
      says: html`Creating users needs the permission <code>users.create</code> (the Administrator and User manager roles have it). Ask an administrator of this tenant.`,
    },
  },
  { path: '/admin/users/:id', page: UserPage, permission: 'users.view' },
  { path: '/admin/groups', page: GroupsPage, permission: 'groups.view', nav: { console: 'Groups' } },
  { path: '/admin/groups/:id', page: GroupPage, permission: 'groups.view' },
  { path: '/admin/roles', page: RolesPage, permission: 'users.view', nav: { console: 'Roles' } },
  { path: '/admin/service-accounts', page: ServiceAccountsPage, permission: 'credentials.manage', nav: { console: 'Service accounts' } },
  {
    path: '/admin/audit',
    page: AuditPage,
    permission: 'audit.view',
    nav: { console: 'Audit log' },
    denied: {
      title: 'Audit log',
      heading: 'You cannot see the audit log.',
      says: html`It needs the permission <code>audit.view</code> (the Administrator and Viewer roles have it). Ask an administrator of this tenant for it.`,
    },
  },
  settings('/admin/settings', SettingsOverview, { console: 'Settings', settings: 'Overview' }),
  settings('/admin/settings/scim', ScimSettings, { settings: 'SCIM' }),
  // What the IdP sent and what Roster made of it: a reading (audit.view), so not behind settings.manage.
  {
    path: '/admin/settings/scim/provisioning',
    page: ProvisioningLogPage,
    permission: 'audit.view',
    layout: SettingsLayout,
    nav: { settings: 'Provisioning log' },
    denied: {
      title: 'Provisioning log',
      heading: 'You cannot see the provisioning log.',
      says: html`It needs the permission <code>audit.view</code> (the Administrator and Viewer roles have it). Ask an administrator of this tenant for it.`,
    },
  },
  settings('/admin/settings/sso', SsoSettings, { settings: 'Single sign-on' }),
  settings('/admin/settings/directory', DirectorySettings, { settings: 'Directory' }),
  settings('/admin/settings/attributes', AttributeSettings, { settings: 'Custom attributes' }),
  settings('/admin/settings/:section', NoSuchSection),
  { path: '/admin/tokens', page: TokensPage, permission: null, nav: { console: 'My tokens' } },
]

const compiled = ROUTES.map((route) => {
  const names = []
  const source = route.path.replace(/:(\w+)/g, (_, name) => {
    names.push(name)
    return '([^/]+)'
  })
  return { route, pattern: new RegExp(`^${source}$`), names }
})

/** The route for a path (no trailing slash) and its parameters, or null. */
export function match(path) {
  for (const { route, pattern, names } of compiled) {
    const m = pattern.exec(path)
    if (m) return { route, params: Object.fromEntries(names.map((n, i) => [n, m[i + 1]])) }
  }
  return null
}

/** A menu's entries, in table order: `{ href, label, permission }`. */
export const menu = (name) => ROUTES.filter((r) => r.nav?.[name]).map((r) => ({ href: r.path, label: r.nav[name], permission: r.permission }))

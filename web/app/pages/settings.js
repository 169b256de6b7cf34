/**
 * Tenant settings (settings.manage): an overview, SCIM tokens, single sign-on, the directory
 * connection and custom user attributes, each section at its own /admin/settings/… URL.
 */
import { html } from '../lib.js'
import { useMe } from '../session.js'
import { PageHeader, Link, Empty, can } from '../ui.js'
import { SettingsOverview } from './settings-overview.js'
import { ScimSettings } from './settings-scim.js'
import { SsoSettings } from './settings-sso.js'
import { DirectorySettings } from './settings-directory.js'
import { AttributeSettings } from './settings-attributes.js'

export const SETTINGS_SECTIONS = [
  { id: 'overview', href: '/admin/settings', label: 'Overview', Page: SettingsOverview },
  { id: 'scim', href: '/admin/settings/scim', label: 'SCIM', Page: ScimSettings },
  { id: 'sso', href: '/admin/settings/sso', label: 'Single sign-on', Page: SsoSettings },
  { id: 'directory', href: '/admin/settings/directory', label: 'Directory', Page: DirectorySettings },
  { id: 'attributes', href: '/admin/settings/attributes', label: 'Custom attributes', Page: AttributeSettings },
]

export function SettingsPage({ section = 'overview', sub, query }) {
  const { me } = useMe()
  if (!can(me, 'settings.manage')) {
    return html`<div>
      <${PageHeader} title="Settings" />
      <${Empty} title="You cannot change this tenant's settings.">SCIM tokens, single sign-on, the directory connection and custom attributes need the permission <code>settings.manage</code> (the Administrator role has it). Ask an administrator of this tenant for it.<//>
    </div>`
  }
  const current = SETTINGS_SECTIONS.find((s) => s.id === section)
  return html`<div class="settings">
    <${PageHeader} title="Settings" />
    <nav class="settings-nav" aria-label="Settings sections">
      <ul>
        ${SETTINGS_SECTIONS.map(
          (s) => html`<li key=${s.id}><${Link} href=${s.href} aria-current=${s.id === current?.id ? 'page' : undefined}>${s.label}<//></li>`,
        )}
      </ul>
    </nav>
    ${current
      ? html`<${current.Page} me=${me} sub=${sub} query=${query} />`
      : html`<${Empty} title="There is no such settings section.">Pick one of the sections above, or <${Link} href="/admin/settings">go to the overview<//>.<//>`}
  </div>`
}

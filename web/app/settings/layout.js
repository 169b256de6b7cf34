/**
 * Tenant settings (settings.manage): an overview, SCIM tokens, single sign-on, the directory
 * connection and custom user attributes, each section at its own /admin/settings/… URL (routes.js).
 */
import { html } from '../lib.js'
import { PageHeader } from '../ui/page.js'
import { Link } from '../ui/router.js'
import { Empty } from '../ui/states.js'

/** The settings frame: its title and the menu of sections (`sections`, from routes.js) above the section. */
export function SettingsLayout({ sections, current, children }) {
  return html`<div class="settings">
    <${PageHeader} title="Settings" />
    <nav class="settings-nav" aria-label="Settings sections">
      <ul>
        ${sections.map((s) => html`<li key=${s.href}><${Link} href=${s.href} aria-current=${s.href === current ? 'page' : undefined}>${s.label}<//></li>`)}
      </ul>
    </nav>
    ${children}
  </div>`
}

export function NoSuchSection() {
  return html`<${Empty} title="There is no such settings section.">Pick one of the sections above, or <${Link} href="/admin/settings">go to the overview<//>.<//>`
}

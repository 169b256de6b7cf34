/**
 * The permissions a role or token can carry, with what each lets its holder do: the console shows
 * these next to the raw names, which are what the API and the audit log use.
 */
import { html } from '../lib.js'

export const PERMISSIONS = [
  ['users.view', 'See users and their details'],
  ['users.create', 'Create users'],
  ['users.edit', 'Edit users, activate and deactivate them'],
  ['users.delete', 'Archive and delete users'],
  ['groups.view', 'See groups and their members'],
  ['groups.manage', 'Create, rename and delete groups; change members and owners'],
  ['roles.manage', 'Define roles and give them to users and groups'],
  ['credentials.manage', 'Manage service accounts, API passwords and other users’ tokens'],
  ['audit.view', 'Read the audit log'],
  ['settings.manage', 'SCIM tokens, single sign-on and the directory connection'],
]

const DESCRIPTIONS = new Map(PERMISSIONS)

export const describePermission = (p) => DESCRIPTIONS.get(p) ?? p

/** A permission as a badge whose tooltip says what it allows. */
export function PermissionBadges({ permissions, none = 'No permissions' }) {
  if (!permissions.length) return html`<span class="muted">${none}</span>`
  return html`<ul class="perm-badges">
    ${permissions.map((p) => html`<li key=${p}><span class="badge perm" title=${describePermission(p)}>${p}</span></li>`)}
  </ul>`
}

/**
 * One checkbox per permission, named by the permission itself (the name tests and admins know) and
 * described by what it allows.
 */
export function PermissionChecks({ idPrefix, legend, permissions, selected, onChange, hint, disabled }) {
  const toggle = (p, on) => onChange(on ? [...selected, p] : selected.filter((x) => x !== p))
  return html`<fieldset class="perm-checks">
    <legend>${legend}</legend>
    ${hint && html`<p class="hint">${hint}</p>`}
    ${permissions.map((p) => {
      const id = `${idPrefix}-${p.replace('.', '-')}`
      return html`<div class="perm-check" key=${p}>
        <input type="checkbox" id=${id} checked=${selected.includes(p)} disabled=${disabled} aria-describedby=${`${id}-desc`} onChange=${(e) => toggle(p, e.currentTarget.checked)} />
        <label for=${id}><code>${p}</code></label>
        <span class="hint" id=${`${id}-desc`}>${describePermission(p)}</span>
      </div>`
    })}
  </fieldset>`
}

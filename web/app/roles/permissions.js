/**
 * The permissions a role or token can carry, with what each lets its holder do: the console shows
 * these next to the raw names, which are what the API and the audit log use.
 */
import { html } from '../lib.js'
import { useMe } from '../session.js'

/** The catalogue of permissions GET /api/me gives: `{ name, label, allows }` each, in the domain's order. */
const catalogue = (me) => me?.permissionCatalogue ?? []

/** What a permission lets its holder do, as a checkbox or badge says it. */
export const describePermission = (me, p) => catalogue(me).find((c) => c.name === p)?.label ?? p

/** What a permission allows, as a list of someone's permissions says it ("creating users"). */
export const permissionAllows = (me, p) => catalogue(me).find((c) => c.name === p)?.allows ?? ''

/** `names` in the catalogue's order (the order the API keeps a role's or token's permissions in). */
export const inCatalogueOrder = (me, names) => catalogue(me).map((c) => c.name).filter((p) => names.includes(p))

/** A permission as a badge whose tooltip says what it allows. */
export function PermissionBadges({ permissions, none = 'No permissions' }) {
  const { me } = useMe()
  if (!permissions.length) return html`<span class="muted">${none}</span>`
  return html`<ul class="perm-badges">
    ${permissions.map((p) => html`<li key=${p}><span class="badge perm" title=${describePermission(me, p)}>${p}</span></li>`)}
  </ul>`
}

/**
 * One checkbox per permission, named by the permission itself (the name tests and admins know) and
 * described by what it allows.
 */
export function PermissionChecks({ idPrefix, legend, permissions, selected, onChange, hint, disabled }) {
  const { me } = useMe()
  const toggle = (p, on) => onChange(on ? [...selected, p] : selected.filter((x) => x !== p))
  return html`<fieldset class="perm-checks">
    <legend>${legend}</legend>
    ${hint && html`<p class="hint">${hint}</p>`}
    ${permissions.map((p) => {
      const id = `${idPrefix}-${p.replace('.', '-')}`
      return html`<div class="perm-check" key=${p}>
        <input type="checkbox" id=${id} checked=${selected.includes(p)} disabled=${disabled} aria-describedby=${`${id}-desc`} onChange=${(e) => toggle(p, e.currentTarget.checked)} />
        <label for=${id}><code>${p}</code></label>
        <span class="hint" id=${`${id}-desc`}>${describePermission(me, p)}</span>
      </div>`
    })}
  </fieldset>`
}

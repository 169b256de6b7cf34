/** Making a personal access token: a name, an optional last day, optionally fewer permissions. */
import { html, useState } from '../lib.js'
import { post } from '../api.js'
import { FormError, Field, useSubmit } from '../ui/forms.js'
import { useMe } from '../session.js'
import { inCatalogueOrder, PermissionChecks } from '../roles/permissions.js'

/** The end of the chosen day where the user is: a token "until 31 March" works all of that day. */
export const endOfDay = (date) => (date ? new Date(`${date}T23:59:59.999`).toISOString() : null)

const today = () => {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/**
 * `permissions`: the ones the token may be narrowed to (the user's own); `path`: where to POST
 * (another user's tokens for a service account); `onCreated` gets the answer with its secret.
 */
export function NewTokenForm({ permissions, onCreated, path = '/me/tokens', idPrefix = 'token', title = 'Create a token', nameLabel = 'Name', submitLabel = 'Create token', plain }) {
  const [name, setName] = useState('')
  const [expires, setExpires] = useState('')
  const [narrow, setNarrow] = useState([])
  const { me } = useMe()
  const own = inCatalogueOrder(me, permissions)
  const { busy, error, submit } = useSubmit(async () => {
    const t = await post(path, { name: name.trim(), expires: endOfDay(expires), permissions: narrow.length ? own.filter((p) => narrow.includes(p)) : null })
    setName('')
    setExpires('')
    setNarrow([])
    onCreated(t)
  })
  const bad = (f) => error?.field === f || undefined
  const body = html`<form onSubmit=${submit} noValidate>
    <div class="form-grid">
      <${Field} label=${nameLabel} id=${`${idPrefix}-name`} hint="What uses it, e.g. “nightly export”. Unique among the user’s live tokens.">
        <input id=${`${idPrefix}-name`} required maxlength="100" value=${name} aria-invalid=${bad('name')} aria-describedby=${`${idPrefix}-name-hint`} onInput=${(e) => setName(e.currentTarget.value)} />
      <//>
      <${Field} label="Expires" id=${`${idPrefix}-expires`} hint="Optional: it works until the end of this day. Leave empty for a token that never expires.">
        <input id=${`${idPrefix}-expires`} type="date" min=${today()} value=${expires} aria-invalid=${bad('expires')} aria-describedby=${`${idPrefix}-expires-hint`} onInput=${(e) => setExpires(e.currentTarget.value)} />
      <//>
    </div>
    ${own.length
      ? html`<${PermissionChecks} idPrefix=${`${idPrefix}-perm`} legend="Narrow the permissions (optional)" permissions=${own} selected=${narrow} onChange=${setNarrow}
          hint="Tick none for a token that can do all you can, now and after your roles change. Tick some to limit it to those." />`
      : html`<fieldset class="perm-checks"><legend>Narrow the permissions (optional)</legend><p class="hint">There are no administration permissions to narrow: the token can only read its user’s own details (GET /api/me) and manage its tokens.</p></fieldset>`}
    <${FormError} error=${error} />
    <div class="actions"><button type="submit" class="primary" disabled=${busy || !name.trim()}>${busy ? 'Creating…' : submitLabel}</button></div>
  </form>`
  if (plain) return body
  return html`<section class="token-form">
    <h2 id=${`${idPrefix}-form-title`}>${title}</h2>
    ${body}
  </section>`
}

/**
 * Editing a user's details in place. Only the fields the admin changed are sent, with If-Match:
 * when someone else saved first (412), "Reload" fetches their version and keeps the admin's own
 * changes on top of it, so nothing typed is lost and nothing of theirs is overwritten unseen.
 */
import { html, useState, useEffect, useRef } from '../lib.js'
import { api, explain } from '../api.js'
import { flash } from '../ui/notices.js'
import { FormError } from '../ui/forms.js'
import { PersonFields, PERSON_FIELDS, personValues, unclaimed, focusField } from './form.js'
import { AttributeFields, attributeFormValues, attributePayload, attributeFieldId } from './attributes.js'

const PREFIX = 'edit-user'
const EDITABLE = ['firstName', 'lastName', 'email', 'phone', 'externalId']
const idOf = (field) => (field.startsWith('attributes.') ? attributeFieldId(PREFIX, field.slice('attributes.'.length)) : `${PREFIX}-${field}`)

/** The admin's values where they differ from what they started from; the fresh version elsewhere. */
function rebase(form, started, fresh) {
  const out = { ...fresh }
  for (const k of Object.keys(form)) if (form[k] !== started[k]) out[k] = form[k]
  return out
}

export function EditUserForm({ user, etag, reload, defs, onDone }) {
  const list = defs.data ?? []
  const [base, setBase] = useState(() => ({ user, etag, person: personValues(user), attrs: attributeFormValues(list, user.attributes) }))
  const [values, setValues] = useState(base.person)
  const [attrs, setAttrs] = useState(base.attrs)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const [rebased, setRebased] = useState(false)
  const firstRef = useRef(null)

  useEffect(() => {
    document.getElementById(`${PREFIX}-firstName`)?.focus()
  }, [])
  // Definitions that arrive after the form opened get their current values.
  useEffect(() => {
    if (!defs.data) return
    const loaded = attributeFormValues(defs.data, base.user.attributes)
    setBase((b) => ({ ...b, attrs: loaded }))
    setAttrs((a) => ({ ...loaded, ...a }))
  }, [defs.data])

  const set = (name, v) => setValues((s) => ({ ...s, [name]: v }))
  const setAttr = (name, v) => setAttrs((s) => ({ ...s, [name]: v }))

  const submit = async (e) => {
    e.preventDefault()
    const body = {}
    for (const k of EDITABLE) {
      const v = values[k].trim()
      if (v === base.person[k]) continue
      body[k] = (k === 'phone' || k === 'externalId') && v === '' ? null : v
    }
    const attributes = attributePayload(list, attrs, base.user.attributes ?? {})
    if (attributes) body.attributes = attributes
    if (!Object.keys(body).length) {
      flash('Nothing changed.')
      onDone()
      return
    }
    setBusy(true)
    setError(null)
    try {
      await api('PATCH', `/users/${user.id}`, { body, etag: base.etag })
      await reload()
      flash(`Saved changes to ${user.userName}`)
      onDone()
    } catch (err) {
      setError(err)
      focusField(err, idOf)
    } finally {
      setBusy(false)
    }
  }

  const reloadLatest = async () => {
    setBusy(true)
    try {
      // The page's reload refreshes the details behind the form; we take its answer as our base.
      const fresh = await api('GET', `/users/${user.id}`)
      await reload()
      const person = personValues(fresh.data)
      const freshAttrs = attributeFormValues(list, fresh.data.attributes)
      setValues((v) => rebase(v, base.person, person))
      setAttrs((a) => rebase(a, base.attrs, freshAttrs))
      setBase({ user: fresh.data, etag: fresh.etag, person, attrs: freshAttrs })
      setError(null)
      setRebased(true)
      setTimeout(() => firstRef.current?.focus(), 0)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  const stale = error?.status === 412
  return html`<form class="user-form edit-user" onSubmit=${submit}>
    ${rebased &&
    html`<p class="notice" role="status" tabindex="-1" ref=${firstRef}>Reloaded the latest version. Fields you had changed keep your values; the others show the new ones. Check them, then save again.</p>`}
    <${PersonFields} prefix=${PREFIX} values=${values} set=${set} error=${error} userNameFixed=${true} />
    <${AttributeFields} prefix=${PREFIX} defs=${defs} values=${attrs} set=${setAttr} error=${error} />
    ${stale
      ? html`<div class="form-error" role="alert">
          <${StaleMessage} error=${error} />
          <button type="button" onClick=${reloadLatest} disabled=${busy}>Reload</button>
        </div>`
      : html`<${FormError} error=${unclaimed(error, [...PERSON_FIELDS, ...list.map((d) => `attributes.${d.name}`)])} />`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy || stale}>${busy ? 'Saving…' : 'Save changes'}</button>
      <button type="button" onClick=${onDone}>Cancel</button>
    </div>
  </form>`
}

function StaleMessage({ error }) {
  const { message, next } = explain(error)
  return html`<p>${message}</p><p class="next">${next}</p>`
}

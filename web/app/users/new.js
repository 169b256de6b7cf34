/**
 * Creating a user: the person's fields, status, roles, a password (generated and shown once, typed,
 * or none for single sign-on) and the tenant's custom attributes.
 */
import { html, useState, useRef, useEffect } from '../lib.js'
import { api, get } from '../api.js'
import { useMe, can } from '../session.js'
import { Link, navigate } from '../ui/router.js'
import { flash } from '../ui/notices.js'
import { useAsync } from '../ui/data.js'
import { PageHeader } from '../ui/page.js'
import { ManagedNote, sourceName } from '../ui/tenant.js'
import { Loading } from '../ui/states.js'
import { FormError, SecretOnce } from '../ui/forms.js'
import { PersonFields, PERSON_FIELDS, personValues, TextField, FieldError, errorFor, unclaimed, focusField } from './form.js'
import { useAttributeDefinitions, AttributeFields, attributeFormValues, attributePayload, attributeFieldId } from './attributes.js'

const PREFIX = 'new-user'
const idOf = (field) => (field.startsWith('attributes.') ? attributeFieldId(PREFIX, field.slice('attributes.'.length)) : field === 'roles' ? `${PREFIX}-roles` : `${PREFIX}-${field}`)

export function NewUserPage() {
  const { me } = useMe()
  const [created, setCreated] = useState(null)
  const back = { href: '/admin/users', label: 'Users' }
  if (me.tenant.source !== 'local') {
    return html`<div>
      <${PageHeader} title="New user" back=${back} />
      <div class="managed-wrap"><${ManagedNote} managedBy=${me.managedBy ?? sourceName(me.tenant.source)} source=${me.tenant.source} /><p class="hint">New users are created there and appear here on their own.</p></div>
      <p><${Link} href="/admin/users">Back to the user list<//></p>
    </div>`
  }
  return html`<div class="user-new">
    <${PageHeader} title="New user" back=${back} />
    ${created ? html`<${Created} user=${created.user} password=${created.password} again=${() => setCreated(null)} />` : html`<${NewUserForm} me=${me} onCreated=${setCreated} />`}
  </div>`
}

/** After a generated password: stay until the admin has copied it, then go on. */
function Created({ user, password, again }) {
  const ref = useRef(null)
  useEffect(() => ref.current?.focus(), [])
  return html`<section class="created">
    <h2 id="created-title" tabindex="-1" ref=${ref}>Created ${user.userName}</h2>
    <${SecretOnce} label="Generated password" value=${password}>
      Give it to ${user.firstName ?? user.userName} over a safe channel. Copy it now: Roster keeps only a hash and cannot show it again.
    <//>
    <div class="actions">
      <${Link} class="button primary" href=${`/admin/users/${user.id}`}>Open the user<//>
      <button type="button" onClick=${again}>Create another user</button>
    </div>
  </section>`
}

function NewUserForm({ me, onCreated }) {
  const mayGrant = can(me, 'roles.manage')
  const roles = useAsync(() => (mayGrant ? get('/roles').then((r) => r.items) : []), [mayGrant])
  const defs = useAttributeDefinitions()
  const [values, setValues] = useState({ ...personValues(null), status: 'active' })
  const [chosenRoles, setChosenRoles] = useState([])
  const [passwordMode, setPasswordMode] = useState('generate')
  const [password, setPassword] = useState('')
  const [attrs, setAttrs] = useState({})
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)

  useEffect(() => {
    if (defs.data) setAttrs((a) => ({ ...attributeFormValues(defs.data, {}), ...a }))
  }, [defs.data])

  const set = (name, v) => setValues((s) => ({ ...s, [name]: v }))
  const setAttr = (name, v) => setAttrs((s) => ({ ...s, [name]: v }))
  const toggleRole = (id, on) => setChosenRoles((rs) => (on ? [...rs, id] : rs.filter((r) => r !== id)))

  const submit = async (e) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    const body = {
      firstName: values.firstName.trim(),
      lastName: values.lastName.trim(),
      userName: values.userName.trim(),
      email: values.email.trim(),
      phone: values.phone.trim() || null,
      externalId: values.externalId.trim() || null,
      status: values.status,
      // No password given means "generate one" (the schema refuses the word "generate" here).
      ...(passwordMode === 'type' ? { password } : passwordMode === 'none' ? { password: null } : {}),
      ...(chosenRoles.length ? { roles: chosenRoles } : {}),
    }
    const attributes = attributePayload(defs.data ?? [], attrs)
    if (attributes) body.attributes = attributes
    try {
      const { data } = await api('POST', '/users', { body })
      if (data.generatedPassword) {
        onCreated({ user: data, password: data.generatedPassword })
      } else {
        flash(`Created ${data.userName}`)
        navigate(`/admin/users/${data.id}`)
      }
    } catch (err) {
      setError(err)
      focusField(err, idOf)
    } finally {
      setBusy(false)
    }
  }

  if (defs.data === undefined && !defs.error) return html`<${Loading} label="Loading the form…" />`
  const attrNames = (defs.data ?? []).map((d) => `attributes.${d.name}`)
  return html`<form class="user-form" onSubmit=${submit}>
    <${PersonFields} prefix=${PREFIX} values=${values} set=${set} error=${error} />
    <div class="field status-field">
      <label for=${`${PREFIX}-status`}>Status</label>
      <select id=${`${PREFIX}-status`} value=${values.status} onChange=${(e) => set('status', e.currentTarget.value)} aria-describedby=${`${PREFIX}-status-hint`}>
        <option value="active">Active</option>
        <option value="inactive">Inactive</option>
      </select>
      <p class="hint" id=${`${PREFIX}-status-hint`}>An inactive user exists but cannot sign in until someone activates them.</p>
      <${FieldError} id=${`${PREFIX}-status-error`} error=${errorFor(error, 'status')} />
    </div>
    ${mayGrant && html`<${RoleChoices} roles=${roles} chosen=${chosenRoles} toggle=${toggleRole} error=${errorFor(error, 'roles')} />`}
    <${PasswordChoice} mode=${passwordMode} setMode=${setPasswordMode} password=${password} setPassword=${setPassword} error=${errorFor(error, 'password')} />
    <${AttributeFields} prefix=${PREFIX} defs=${defs} values=${attrs} set=${setAttr} error=${error} />
    <${FormError} error=${unclaimed(error, [...PERSON_FIELDS, 'status', 'roles', 'password', ...attrNames])} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Creating…' : 'Create user'}</button>
      <${Link} class="button" href="/admin/users">Cancel<//>
    </div>
  </form>`
}

function RoleChoices({ roles, chosen, toggle, error }) {
  return html`<fieldset class="role-choices" id=${`${PREFIX}-roles`} tabindex="-1" aria-describedby=${`${PREFIX}-roles-hint`}>
    <legend>Roles</legend>
    <p class="hint" id=${`${PREFIX}-roles-hint`}>What they may administer. None: they can sign in and administer nothing.</p>
    ${roles.error && html`<${FormError} error=${roles.error} />`}
    ${roles.data === undefined && !roles.error && html`<${Loading} label="Loading roles…" />`}
    ${(roles.data ?? []).map(
      (r) => html`<label class="check" key=${r.id}>
        <input type="checkbox" checked=${chosen.includes(r.id)} onChange=${(e) => toggle(r.id, e.currentTarget.checked)} />
        ${r.name}
      </label>`,
    )}
    <${FieldError} id=${`${PREFIX}-roles-error`} error=${error} />
  </fieldset>`
}

function PasswordChoice({ mode, setMode, password, setPassword, error }) {
  const option = (value, label) => html`<label class="check">
    <input type="radio" name="password-mode" value=${value} checked=${mode === value} onChange=${() => setMode(value)} />
    ${label}
  </label>`
  return html`<fieldset class="password-choice">
    <legend>Sign-in password</legend>
    ${option('generate', 'Generate a password')}
    ${option('type', 'Type a password')}
    ${option('none', 'No password (single sign-on only)')}
    ${mode === 'type' &&
    html`<${TextField}
      id=${`${PREFIX}-password`}
      label="Password"
      type="password"
      value=${password}
      onInput=${setPassword}
      required=${true}
      minLength=${12}
      maxLength=${1024}
      autocomplete="new-password"
      hint="At least 12 characters. A passphrase of a few unrelated words is strong and easy to type."
      error=${error}
    />`}
    ${mode === 'generate' && html`<p class="hint">Roster makes a strong password and shows it once, after the user is created, for you to pass on.</p>`}
    ${mode === 'none' && html`<p class="hint">They sign in only through your identity provider (single sign-on).</p>`}
    ${mode !== 'type' && html`<${FieldError} id=${`${PREFIX}-password-error`} error=${error} />`}
  </fieldset>`
}

/**
 * The directory connection form (PUT /api/settings/directory). The server wants the whole connection
 * each time, the bind password included: it never sends the stored one back.
 */
import { html, useState } from '../lib.js'
import { put, ApiError } from '../api.js'
import { Dialog } from '../ui/dialogs.js'
import { SettingsFormError } from './problem.js'

export const PRESETS = {
  ad: {
    label: 'Active Directory',
    userFilter: '(&(objectCategory=person)(objectClass=user)(!(isCriticalSystemObject=TRUE)))',
    groupFilter: '(&(objectClass=group)(!(isCriticalSystemObject=TRUE)))',
    bindDn: 'svc-roster@example.com',
  },
  openldap: {
    label: 'OpenLDAP',
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(|(objectClass=groupOfNames)(objectClass=posixGroup))',
    bindDn: 'cn=roster,ou=services,dc=example,dc=org',
  },
}

/** The server's field names (some as its command line spells them) → the form's. */
const FIELD_OF = { baseDn: 'baseDns', starttls: 'startTls', caFile: 'caPem', map: 'mapping' }

const mappingText = (m) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')

function parseMapping(text) {
  const out = {}
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim()
    if (!line) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new ApiError(400, { detail: `Line ${i + 1} of the mapping overrides: write target=ldapAttribute, e.g. userName=mail.`, field: 'mapping' })
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return out
}

const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)

export function DirectoryForm({ connection, source, onSaved, onCancel }) {
  const [f, setF] = useState(() => ({
    preset: connection?.preset ?? 'ad',
    url: connection?.url ?? '',
    startTls: connection?.startTls ?? false,
    caPem: connection?.caPem ?? '',
    insecureTls: connection?.insecureTls ?? false,
    bindDn: connection?.bindDn ?? '',
    bindPassword: '',
    baseDns: (connection?.baseDns ?? []).join('\n'),
    userFilter: connection?.userFilter ?? '',
    groupFilter: connection?.groupFilter ?? '',
    pageSize: String(connection?.pageSize ?? 500),
    mapping: mappingText(connection?.mapping),
  }))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState(null)
  const [confirming, setConfirming] = useState(false)
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value })
  const preset = PRESETS[f.preset] ?? PRESETS.ad
  const field = error ? (FIELD_OF[error.field] ?? error.field) : null
  const bad = (k) => field === k || undefined
  // Connecting a directory hands the tenant's people to it: the admin confirms that once.
  const takesOver = source !== 'ldap'

  const save = async () => {
    setBusy(true)
    setError(null)
    try {
      const body = {
        preset: f.preset,
        url: f.url.trim(),
        startTls: f.startTls,
        caPem: f.caPem.trim() ? f.caPem.trim() : null,
        insecureTls: f.insecureTls,
        bindDn: f.bindDn.trim(),
        bindPassword: f.bindPassword,
        baseDns: lines(f.baseDns),
        userFilter: f.userFilter.trim() || null,
        groupFilter: f.groupFilter.trim() || null,
        pageSize: Number(f.pageSize),
        mapping: parseMapping(f.mapping),
      }
      await put('/settings/directory', body)
      onSaved()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
      setConfirming(false)
    }
  }
  const submit = (e) => {
    e.preventDefault()
    if (takesOver) setConfirming(true)
    else save()
  }

  return html`<form class="directory-form" onSubmit=${submit} aria-labelledby="dir-form-title">
    <h3 id="dir-form-title">${connection ? 'Edit the connection' : 'Connect a directory'}</h3>
    ${takesOver &&
    html`<div class="managed-note" role="note">
      <strong>Saving makes the directory this tenant's source of truth.</strong> From then on only the sync creates, changes and archives people and groups; the console and SCIM can no longer edit them.
    </div>`}
    <div class="form-grid">
      <div class="field">
        <label for="dir-preset">Directory type</label>
        <select id="dir-preset" value=${f.preset} onChange=${set('preset')} aria-invalid=${bad('preset')}>
          ${Object.entries(PRESETS).map(([k, p]) => html`<option key=${k} value=${k}>${p.label}</option>`)}
        </select>
        <p class="hint">Sets the default filters and attribute mapping.</p>
      </div>
      <div class="field">
        <label for="dir-url">Server URL<span class="req" aria-hidden="true"> *</span></label>
        <input id="dir-url" type="text" required value=${f.url} onInput=${set('url')} placeholder="ldaps://dc1.example.com:636" aria-invalid=${bad('url')} aria-describedby="dir-url-hint" autocomplete="off" spellcheck="false" />
        <p class="hint" id="dir-url-hint"><code>ldaps://host[:port]</code>, or <code>ldap://</code> with StartTLS.</p>
      </div>
      <div class="field">
        <label for="dir-bind-dn">Bind DN<span class="req" aria-hidden="true"> *</span></label>
        <input id="dir-bind-dn" type="text" required value=${f.bindDn} onInput=${set('bindDn')} placeholder=${preset.bindDn} aria-invalid=${bad('bindDn')} autocomplete="off" spellcheck="false" />
      </div>
      <div class="field">
        <label for="dir-bind-password">Bind password<span class="req" aria-hidden="true"> *</span></label>
        <input id="dir-bind-password" type="password" required value=${f.bindPassword} onInput=${set('bindPassword')} aria-invalid=${bad('bindPassword')} aria-describedby="dir-bind-password-hint" autocomplete="new-password" />
        <p class="hint" id="dir-bind-password-hint">${connection ? 'A password is set. Roster never shows it; enter it again (or a new one) to save changes.' : 'Stored encrypted; never shown again.'}</p>
      </div>
    </div>
    <div class="field wide-field">
      <label for="dir-base-dns">Base DNs<span class="req" aria-hidden="true"> *</span></label>
      <textarea id="dir-base-dns" class="mono short" required value=${f.baseDns} onInput=${set('baseDns')} placeholder="OU=People,DC=example,DC=com" aria-invalid=${bad('baseDns')} aria-describedby="dir-base-dns-hint" spellcheck="false"></textarea>
      <p class="hint" id="dir-base-dns-hint">One per line: the subtrees searched for users and groups.</p>
    </div>
    <details class="advanced" open=${Boolean(connection?.userFilter || connection?.groupFilter || connection?.caPem || connection?.startTls || connection?.insecureTls || Object.keys(connection?.mapping ?? {}).length) || ['userFilter', 'groupFilter', 'caPem', 'startTls', 'insecureTls', 'mapping', 'pageSize'].includes(field)}>
      <summary>TLS, filters and mapping</summary>
      <label class="check"><input type="checkbox" checked=${f.startTls} onChange=${set('startTls')} aria-invalid=${bad('startTls')} /> Use StartTLS</label>
      <p class="hint indent">Encrypts an <code>ldap://</code> connection before binding. Not with <code>ldaps://</code>.</p>
      <div class="field wide-field">
        <label for="dir-ca">CA certificate (PEM)</label>
        <textarea id="dir-ca" class="mono short" value=${f.caPem} onInput=${set('caPem')} placeholder="-----BEGIN CERTIFICATE-----" aria-invalid=${bad('caPem')} aria-describedby="dir-ca-hint" spellcheck="false"></textarea>
        <p class="hint" id="dir-ca-hint">The CA that issued the server's certificate, when it is not publicly trusted. Empty: the system's CAs.</p>
      </div>
      <label class="check"><input type="checkbox" checked=${f.insecureTls} onChange=${set('insecureTls')} aria-invalid=${bad('insecureTls')} /> Skip certificate checks (lab only)</label>
      <p class="hint indent">Anyone on the network path could read the bind password. Every run warns about it.</p>
      <div class="field wide-field">
        <label for="dir-user-filter">User filter</label>
        <input id="dir-user-filter" type="text" class="mono" value=${f.userFilter} onInput=${set('userFilter')} placeholder=${preset.userFilter} aria-invalid=${bad('userFilter')} aria-describedby="dir-user-filter-hint" spellcheck="false" />
        <p class="hint" id="dir-user-filter-hint">Empty: the ${preset.label} default shown.</p>
      </div>
      <div class="field wide-field">
        <label for="dir-group-filter">Group filter</label>
        <input id="dir-group-filter" type="text" class="mono" value=${f.groupFilter} onInput=${set('groupFilter')} placeholder=${preset.groupFilter} aria-invalid=${bad('groupFilter')} spellcheck="false" />
      </div>
      <div class="field">
        <label for="dir-page-size">Page size</label>
        <input id="dir-page-size" type="number" min="1" max="5000" value=${f.pageSize} onInput=${set('pageSize')} aria-invalid=${bad('pageSize')} />
      </div>
      <div class="field wide-field">
        <label for="dir-mapping">Attribute mapping overrides</label>
        <textarea id="dir-mapping" class="mono short" value=${f.mapping} onInput=${set('mapping')} placeholder="userName=mail" aria-invalid=${bad('mapping')} aria-describedby="dir-mapping-hint" spellcheck="false"></textarea>
        <p class="hint" id="dir-mapping-hint">One <code>target=ldapAttribute</code> per line, e.g. <code>employeeNumber=employeeID</code>; an empty attribute turns a target off. Targets: userName, externalId, displayName, name.givenName, name.familyName, emails, phoneNumbers, title, department, employeeNumber, manager, active, anchor, group.displayName, group.member, group.memberUid, group.anchor.</p>
      </div>
    </details>
    <${SettingsFormError} error=${error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Saving…' : 'Save connection'}</button>
      ${onCancel && html`<button type="button" onClick=${onCancel} disabled=${busy}>Cancel</button>`}
    </div>
    <${Dialog} open=${confirming} title="Make the directory the source of truth?" onClose=${() => setConfirming(false)}>
      <p>After saving, people and groups of this tenant are created, changed and archived only by the directory sync. The console and SCIM can no longer edit them; roles can still be assigned here.</p>
      <p>Nothing is synced yet: test the connection and look at a dry run first.</p>
      <div class="actions">
        <button type="button" class="primary" disabled=${busy} onClick=${save}>${busy ? 'Saving…' : 'Save and hand over to the directory'}</button>
        <button type="button" onClick=${() => setConfirming(false)}>Cancel</button>
      </div>
    <//>
  </form>`
}

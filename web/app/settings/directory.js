/**
 * The directory (Active Directory / LDAP) section: the connection, testing it, a dry run, syncing now,
 * and the recent runs. Test, dry run and sync can take a while against a large directory, so one
 * runs at a time and the buttons say so.
 */
import { html, useState, useRef } from '../lib.js'
import { get, post } from '../api.js'
import { useAsync } from '../ui/data.js'
import { Async } from '../ui/states.js'
import { ConfirmDialog } from '../ui/dialogs.js'
import { formatDate } from '../ui/format.js'
import { flash } from '../ui/notices.js'
import { useMe } from '../session.js'
import { DirectoryForm, PRESETS } from './directory-form.js'
import { OperationResult, RunHistory } from './directory-runs.js'
import { SettingsErrorBox } from './problem.js'

export function DirectorySettings({ me }) {
  const state = useAsync(() => get('/settings/directory'), [])
  return html`<div class="settings-directory">
    <h2>Directory</h2>
    <p>Roster reads people and groups from Active Directory or an LDAP server and keeps them in step: on the server's schedule (every <code>SYNC_INTERVAL</code>, 5 minutes unless the operator changed it), or now from here.</p>
    <${Async} state=${state} loadingLabel="Loading the directory connection…">
      ${(d) => html`<${DirectoryBody} data=${d} source=${me.tenant.source} reload=${state.reload} />`}
    <//>
  </div>`
}

function DirectoryBody({ data, source, reload }) {
  const { reloadMe } = useMe()
  const [editing, setEditing] = useState(false)
  const connection = data.connection
  if (!connection || editing) {
    return html`<div>
      ${!connection && html`<div class="state empty"><strong>No directory is connected</strong><p>Enter the connection below. You can test it and preview a sync before anything changes.</p></div>`}
      <${DirectoryForm}
        connection=${connection}
        source=${source}
        onCancel=${connection ? () => setEditing(false) : null}
        onSaved=${() => {
          setEditing(false)
          flash(connection ? 'Directory connection saved' : 'Directory connected. Test it, then preview a sync with “Dry run”.')
          reload()
          // The first connection made the tenant directory-managed: the whole console must know.
          if (source !== 'ldap') reloadMe()
        }}
      />
    </div>`
  }
  return html`<div>
    <${ConnectionSummary} connection=${connection} lastFullRun=${data.lastFullRun} onEdit=${() => setEditing(true)} />
    <${Operations} onRun=${reload} />
    <${RunHistory} runs=${data.runs ?? []} />
  </div>`
}

function ConnectionSummary({ connection: c, lastFullRun, onEdit }) {
  const preset = PRESETS[c.preset]
  const tls = c.url.startsWith('ldaps:') ? 'LDAPS' : c.startTls ? 'StartTLS' : 'none (unencrypted)'
  const overrides = Object.entries(c.mapping ?? {})
  return html`<section class="panel" aria-labelledby="dir-connection">
    <div class="title-row section-title">
      <h3 id="dir-connection">Connection</h3>
      <button type="button" onClick=${onEdit}>Edit connection</button>
    </div>
    <dl class="props">
      <dt>Type</dt>
      <dd>${preset?.label ?? c.preset}</dd>
      <dt>Server URL</dt>
      <dd class="mono">${c.url}</dd>
      <dt>Encryption</dt>
      <dd>
        ${tls}${c.caPem ? ', own CA certificate' : ''}
        ${c.insecureTls && html` <span class="badge status-inactive">certificate checks off</span>`}
        ${tls.startsWith('none') && html` <span class="badge status-inactive">bind password sent in the clear</span>`}
      </dd>
      <dt>Bind DN</dt>
      <dd class="mono">${c.bindDn}</dd>
      <dt>Bind password</dt>
      <dd>set <span class="muted">(never shown)</span></dd>
      <dt>Base DNs</dt>
      <dd>${c.baseDns.map((b) => html`<div key=${b} class="mono">${b}</div>`)}</dd>
      <dt>User filter</dt>
      <dd class="mono">${c.userFilter ?? html`<span class="muted">${preset?.label ?? ''} default</span>`}</dd>
      <dt>Group filter</dt>
      <dd class="mono">${c.groupFilter ?? html`<span class="muted">${preset?.label ?? ''} default</span>`}</dd>
      <dt>Page size</dt>
      <dd>${c.pageSize}</dd>
      <dt>Mapping</dt>
      <dd>${overrides.length ? overrides.map(([k, v]) => html`<div key=${k} class="mono">${k} ← ${v || html`<span class="muted">(off)</span>`}</div>`) : html`<span class="muted">the ${preset?.label ?? ''} defaults</span>`}</dd>
      <dt>Last full run</dt>
      <dd>${lastFullRun ? formatDate(lastFullRun) : html`<span class="muted">never</span>`}</dd>
      ${c.modified && html`<dt>Changed</dt><dd>${formatDate(c.modified)}</dd>`}
    </dl>
  </section>`
}

const BUSY_LABEL = { test: 'Testing the connection…', dry: 'Running a dry run…', sync: 'Syncing…' }

function Operations({ onRun }) {
  const [busy, setBusy] = useState(null)
  const [full, setFull] = useState(false)
  const [result, setResult] = useState(null)
  const [forcing, setForcing] = useState(false)
  // The state update that disables the buttons lands after a render; a second click before it must not start a second run.
  const running = useRef(false)

  const run = async (kind, call) => {
    if (running.current) return
    running.current = true
    setBusy(kind)
    setResult(null)
    try {
      setResult({ kind, data: await call() })
    } catch (error) {
      setResult({ kind, error })
    } finally {
      running.current = false
      setBusy(null)
      if (kind !== 'test') onRun()
    }
  }
  const test = () => run('test', () => post('/settings/directory/test', {}))
  const dry = () => run('dry', () => post('/settings/directory/sync', { dryRun: true, full }))
  const sync = (force = false) => run('sync', () => post('/settings/directory/sync', { full, force }))

  return html`<section class="panel" aria-labelledby="dir-ops">
    <h3 id="dir-ops">Test and sync</h3>
    <div class="actions ops">
      <button type="button" onClick=${test} disabled=${Boolean(busy)} aria-describedby="dir-op-hint">Test connection</button>
      <button type="button" onClick=${dry} disabled=${Boolean(busy)} aria-describedby="dir-op-hint">Dry run</button>
      <button type="button" class="primary" onClick=${() => sync(false)} disabled=${Boolean(busy)} aria-describedby="dir-op-hint">Sync now</button>
      <label class="check"><input type="checkbox" checked=${full} onChange=${(e) => setFull(e.currentTarget.checked)} disabled=${Boolean(busy)} /> Full reconciliation</label>
    </div>
    <p class="hint" id="dir-op-hint">
      Test connection binds and counts, writing nothing. Dry run shows what a sync would create, update and archive, writing nothing. A full reconciliation reads every entry (and notices deletions on OpenLDAP) instead of only what changed since the last run.
    </p>
    <div class="op-result" aria-live="polite" aria-busy=${busy ? 'true' : 'false'}>
      ${busy && html`<p class="state loading" role="status"><span class="spinner" aria-hidden="true"></span>${BUSY_LABEL[busy]} This can take a while for a large directory.</p>`}
      ${!busy && result?.error && html`<${SettingsErrorBox} error=${result.error} title=${result.kind === 'test' ? 'The connection test failed.' : result.kind === 'dry' ? 'The dry run could not start.' : 'The sync could not start.'} />`}
      ${!busy && result?.data && html`<${OperationResult} kind=${result.kind} data=${result.data} onForce=${() => setForcing(true)} />`}
    </div>
    <${ConfirmDialog}
      open=${forcing}
      title="Sync despite the safety rule?"
      confirmLabel="Sync anyway"
      danger
      onClose=${() => setForcing(false)}
      action=${async () => {
        setForcing(false)
        await sync(true)
      }}
    >
      <p>The last run stopped because it would have archived more users than the safety limit (<code>SYNC_MAX_ARCHIVE_PERCENT</code>) allows. That usually means a wrong base DN or filter, or a directory that answered with part of its entries.</p>
      <p>Syncing anyway archives those users: they lose access at once (they can be restored). Look at a dry run first if you are not sure.</p>
    <//>
  </section>`
}

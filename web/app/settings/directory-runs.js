/** What a directory test, dry run or sync found, and the history of sync runs. */
import { html } from '../lib.js'
import { formatDate } from '../ui/format.js'

const USER_COUNTS = [
  ['usersCreated', 'created'],
  ['usersUpdated', 'updated'],
  ['usersArchived', 'archived'],
  ['usersRestored', 'restored'],
]
const GROUP_COUNTS = [
  ['groupsCreated', 'created'],
  ['groupsUpdated', 'updated'],
  ['groupsDeleted', 'deleted'],
  ['membersAdded', 'members added'],
  ['membersRemoved', 'members removed'],
]
const SAMPLE_TITLES = {
  usersCreated: 'Users created',
  usersUpdated: 'Users updated',
  usersArchived: 'Users archived',
  usersRestored: 'Users restored',
  groupsCreated: 'Groups created',
  groupsUpdated: 'Groups updated',
  groupsDeleted: 'Groups deleted',
  membersAdded: 'Members added',
  membersRemoved: 'Members removed',
}
const STATUS_CLASS = { succeeded: 'status-active', running: '', failed: 'status-inactive', refused: 'status-inactive' }

const n = (v) => (v ?? 0).toLocaleString()

/** A run that failed before reading anything has no counts worth showing (they are all zero). */
const readAnything = (run) => run.status === 'succeeded' || Object.values(run.counts ?? {}).some((v) => v > 0)

function Counts({ counts, dryRun }) {
  const c = counts ?? {}
  const part = (list) =>
    list
      .filter(([k]) => c[k])
      .map(([k, label]) => `${n(c[k])} ${label}`)
      .join(', ')
  const users = part(USER_COUNTS)
  const groups = part(GROUP_COUNTS)
  return html`<span class="counts">
    <span>Users: ${users || 'no changes'}${c.usersUnchanged ? html`<span class="muted">, ${n(c.usersUnchanged)} unchanged</span>` : null}</span>
    <span>Groups: ${groups || 'no changes'}</span>
    <span class="muted">Read ${n(c.usersRead)} users, ${n(c.groupsRead)} groups${c.deletionsRead ? `, ${n(c.deletionsRead)} deletions` : ''}${dryRun ? ' · nothing written (dry run)' : ''}</span>
  </span>`
}

function Problems({ errors, total }) {
  if (!total && !errors?.length) return html`<span class="muted">none</span>`
  return html`<details class="problems">
    <summary>${n(total ?? errors.length)} error${(total ?? errors.length) === 1 ? '' : 's'}</summary>
    <ul>
      ${errors.map((p, i) => html`<li key=${i}>${p.entry && html`<code>${p.entry}</code>: `}${p.message}</li>`)}
      ${total > errors.length && html`<li class="muted">…and ${n(total - errors.length)} more (only the first ${errors.length} are kept)</li>`}
    </ul>
  </details>`
}

function Warnings({ warnings }) {
  if (!warnings?.length) return null
  return html`<div class="managed-note" role="note"><ul class="plain">${warnings.map((w, i) => html`<li key=${i}>${w}</li>`)}</ul></div>`
}

function ProbeResult({ data }) {
  return html`<div class="result ok" role="status">
    <p><strong>Connected and signed in (bind OK).</strong> Found ${n(data.users)} users and ${n(data.groups)} groups under the base DNs.</p>
    <${Warnings} warnings=${data.warnings} />
    ${data.samples.length
      ? html`<h4>How Roster would map the first users</h4>
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">userName</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col" class="wide-only">Active</th><th scope="col" class="wide-only">DN</th></tr></thead>
              <tbody>
                ${data.samples.map(
                  (s) => html`<tr key=${s.dn}>
                    <td>${s.user.userName}</td>
                    <td>${s.user.displayName ?? ([s.user.givenName, s.user.familyName].filter(Boolean).join(' ') || '—')}</td>
                    <td>${s.user.email ?? '—'}</td>
                    <td class="wide-only">${s.user.active ? 'yes' : 'no'}</td>
                    <td class="wide-only mono">${s.dn}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
      : html`<p class="muted">No users matched the user filter under these base DNs: check them before syncing.</p>`}
    ${data.skippedCount > 0 &&
    html`<h4>${n(data.skippedCount)} entries would be skipped</h4>
      <ul>${data.skipped.map((s) => html`<li key=${s.dn}><code>${s.dn}</code> ${s.problem}</li>`)}</ul>`}
  </div>`
}

function Samples({ samples }) {
  const kinds = Object.entries(samples ?? {}).filter(([, list]) => list?.length)
  if (!kinds.length) return null
  return html`<div class="samples">
    ${kinds.map(
      ([k, list]) => html`<div key=${k}>
        <h4>${SAMPLE_TITLES[k] ?? k} <span class="muted">(first ${list.length})</span></h4>
        <ul>${list.map((t, i) => html`<li key=${i}>${t}</li>`)}</ul>
      </div>`,
    )}
  </div>`
}

function RunResult({ kind, data, onForce }) {
  const run = data.run
  const dry = kind === 'dry'
  const ok = run.status === 'succeeded'
  const headline = ok
    ? dry
      ? 'Dry run finished: this is what a sync would do. Nothing was changed.'
      : 'Sync finished.'
    : run.status === 'refused'
      ? `${dry ? 'The dry run' : 'The sync'} was stopped by the safety rule: nothing was changed.`
      : dry
        ? 'The dry run failed. Nothing was changed.'
        : 'The sync failed.'
  return html`<div class=${`result ${ok ? 'ok' : 'bad'}`} role=${ok ? 'status' : 'alert'}>
    <p><strong>${headline}</strong></p>
    ${run.message && html`<p>${run.message}</p>`}
    ${readAnything(run) && html`<p><${Counts} counts=${run.counts} dryRun=${dry} /></p>`}
    <${Warnings} warnings=${data.warnings} />
    <${Samples} samples=${data.samples} />
    ${run.errors?.length ? html`<${Problems} errors=${run.errors} total=${run.counts?.errors} />` : null}
    ${run.status === 'refused' && !dry && html`<p><button type="button" class="danger" onClick=${onForce}>Sync anyway…</button></p>`}
    ${run.status === 'failed' && html`<p class="next">Check the connection with “Test connection”, fix it with “Edit connection”, then try again.</p>`}
  </div>`
}

export function OperationResult({ kind, data, onForce }) {
  return kind === 'test' ? html`<${ProbeResult} data=${data} />` : html`<${RunResult} kind=${kind} data=${data} onForce=${onForce} />`
}

export function RunHistory({ runs }) {
  return html`<section class="panel" aria-labelledby="dir-runs">
    <h3 id="dir-runs">Run history</h3>
    ${runs.length
      ? html`<div class="table-wrap">
          <table class="runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col" class="wide-only">Finished</th>
                <th scope="col">Mode</th>
                <th scope="col">Status</th>
                <th scope="col">Counts</th>
                <th scope="col">Errors</th>
              </tr>
            </thead>
            <tbody>
              ${runs.map(
                (r) => html`<tr key=${r.id}>
                  <td>${formatDate(r.started)}</td>
                  <td class="wide-only">${r.finished ? formatDate(r.finished) : html`<span class="muted">running</span>`}</td>
                  <td>
                    ${r.mode}${r.dryRun ? html` <span class="badge">dry run</span>` : null}${r.forced ? html` <span class="badge status-inactive">forced</span>` : null}
                    <div class="via">${r.trigger === 'console' ? 'from the console' : r.trigger === 'scheduler' ? 'scheduled' : 'command line'}</div>
                  </td>
                  <td><span class=${`badge ${STATUS_CLASS[r.status] ?? ''}`}>${r.status}</span>${r.message && html`<div class="via run-message">${r.message}</div>`}</td>
                  <td>${readAnything(r) ? html`<${Counts} counts=${r.counts} dryRun=${r.dryRun} />` : html`<span class="muted">nothing read</span>`}</td>
                  <td><${Problems} errors=${r.errors ?? []} total=${r.counts?.errors} /></td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      : html`<div class="state empty"><strong>No runs yet</strong><p>Runs appear here after the first scheduled sync, or after “Dry run” or “Sync now”.</p></div>`}
    <p class="hint">The last ${runs.length || 20} runs, newest first.</p>
  </section>`
}

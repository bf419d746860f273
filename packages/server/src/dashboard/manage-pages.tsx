import { FRAMEWORK_SLUGS } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { GateCheckRecord } from '../grc/gate-check-history'
import type { UnattestedCallSite } from '../guard-events/call-site-report'
import type { DeliveryView, WebhookView } from '../webhooks/webhook-store'
import type { ApiKeyInfo } from '../workspaces/workspace-store'
import { DataTable, RejectForm, Time } from './dashboard-layout'
import { ManageLayout } from './people-pages'
import type { DashboardSession } from './session-store'

/** Common props of a management page. */
interface ManageProps {
  session: DashboardSession
  error?: string | undefined
  notice?: string | undefined
}

/** A secret shown once (a new API key, a generated webhook secret). */
function ShownOnce(props: { id: string; title: string; value: string }): JSX.Element {
  return (
    <section class="card" id={props.id}>
      <h2>{props.title}</h2>
      <p class="muted small">Copy it now: it is shown only this once and only its hash is kept.</p>
      <code class="secret">{props.value}</code>
    </section>
  )
}

/** API keys: create (the key shown once) and revoke. */
export function KeysPage(
  props: ManageProps & { keys: readonly ApiKeyInfo[]; created?: string | undefined },
): JSX.Element {
  return (
    <ManageLayout
      session={props.session}
      section="keys"
      title="API keys"
      error={props.error}
      notice={props.notice}
    >
      {props.created === undefined ? null : (
        <ShownOnce id="new-key" title="Your new API key" value={props.created} />
      )}
      <section class="card">
        <h2>Create a key</h2>
        <form method="post" action="/dashboard/manage/keys" class="inline" id="key-form">
          <input name="name" maxlength={100} required placeholder="name, e.g. ci" aria-label="Key name" />
          <select name="role" aria-label="Key role">
            <option value="ingest">ingest (agents)</option>
            <option value="approver">approver</option>
            <option value="admin">admin</option>
          </select>
          <button class="primary" type="submit">
            Create key
          </button>
        </form>
      </section>
      <section class="card">
        <DataTable
          id="keys"
          headings={['Name', 'Role', 'Prefix', 'Created', 'Status', '']}
          rows={props.keys}
          row={(key) => (
            <tr data-key-id={key.id}>
              <td class="wrap">{key.name}</td>
              <td>{key.role}</td>
              <td>
                <code>{key.prefix}</code>
              </td>
              <td>
                <Time value={key.created_at} />
              </td>
              <td>
                {key.revoked_at === null ? (
                  <span class="badge ok">active</span>
                ) : (
                  <span class="badge bad">revoked</span>
                )}
              </td>
              <td>
                {key.revoked_at !== null || key.id === props.session.principal.keyId ? null : (
                  <RejectForm
                    action={`/dashboard/manage/keys/${encodeURIComponent(key.id)}/revoke`}
                    label="Revoke"
                  />
                )}
              </td>
            </tr>
          )}
        />
      </section>
    </ManageLayout>
  )
}

/** Webhooks: add, test, delete, and one webhook's deliveries with their retries. */
export function WebhooksPage(
  props: ManageProps & {
    webhooks: readonly WebhookView[]
    events: readonly string[]
    secret?: string | undefined
    deliveries?: { webhook: WebhookView; rows: readonly DeliveryView[] } | undefined
  },
): JSX.Element {
  return (
    <ManageLayout
      session={props.session}
      section="webhooks"
      title="Webhooks"
      error={props.error}
      notice={props.notice}
    >
      {props.secret === undefined ? null : (
        <ShownOnce id="webhook-secret" title="Signing secret of the new webhook" value={props.secret} />
      )}
      <section class="card">
        <h2>Add a webhook</h2>
        <form method="post" action="/dashboard/manage/webhooks" class="stack" id="webhook-form">
          <label>
            URL (https)
            <input
              name="url"
              type="url"
              maxlength={2000}
              required
              placeholder="https://example.com/hooks/mima"
            />
          </label>
          <fieldset>
            <legend class="small muted">Events</legend>
            {props.events.map((event) => (
              <label class="small">
                <input type="checkbox" name="events" value={event} checked={event.startsWith('approval.')} />{' '}
                {event}
              </label>
            ))}
          </fieldset>
          <label>
            Secret (optional: one is generated and shown once)
            <input name="secret" type="password" maxlength={512} autocomplete="off" />
          </label>
          <button class="primary" type="submit">
            Add webhook
          </button>
        </form>
      </section>
      <section class="card">
        <h2>Webhooks ({props.webhooks.length})</h2>
        <DataTable
          id="webhooks"
          headings={['URL', 'Events', 'Added', '']}
          rows={props.webhooks}
          row={(webhook) => (
            <tr data-webhook-id={webhook.id}>
              <td class="wrap">
                <a href={`/dashboard/manage/webhooks?deliveries=${encodeURIComponent(webhook.id)}`}>
                  {webhook.url}
                </a>
              </td>
              <td class="wrap small">{webhook.events.join(', ')}</td>
              <td>
                <Time value={webhook.created_at} />
              </td>
              <td>
                <form
                  method="post"
                  action={`/dashboard/manage/webhooks/${encodeURIComponent(webhook.id)}/test`}
                  class="inline"
                >
                  <button type="submit">Send test</button>
                </form>{' '}
                <RejectForm
                  action={`/dashboard/manage/webhooks/${encodeURIComponent(webhook.id)}/delete`}
                  label="Delete"
                  class="inline"
                />
              </td>
            </tr>
          )}
        />
      </section>
      {props.deliveries === undefined ? null : (
        <section class="card" id="deliveries">
          <h2>Deliveries to {props.deliveries.webhook.url}</h2>
          <DataTable
            headings={['Event', 'Status', 'Attempts', 'Last answer', 'Last attempt', 'Next retry']}
            rows={props.deliveries.rows}
            row={(delivery) => (
              <tr data-delivery-id={delivery.delivery_id}>
                <td>{delivery.event_type}</td>
                <td>
                  <span
                    class={`badge ${delivery.status === 'succeeded' ? 'ok' : delivery.status === 'failed' ? 'bad' : 'warn'}`}
                  >
                    {delivery.status}
                  </span>
                </td>
                <td>{delivery.attempts}</td>
                <td class="wrap small">{delivery.last_status ?? delivery.last_error ?? '—'}</td>
                <td>
                  <Time value={delivery.last_attempt_at} />
                </td>
                <td>
                  <Time value={delivery.next_attempt_at} />
                </td>
              </tr>
            )}
            empty="No deliveries yet."
          />
        </section>
      )}
    </ManageLayout>
  )
}

/** A gate as the page lists it, with where readiness stands now. */
export interface GateRow {
  id: string
  framework: string
  scope: string
  mode: string
  threshold_pct: number
  current_pct: number
  status: 'passing' | 'failing'
}

/** Gates: set thresholds, remove them, check now, and the pass/fail history. */
export function GatesPage(
  props: ManageProps & { gates: readonly GateRow[]; history: readonly GateCheckRecord[] },
): JSX.Element {
  return (
    <ManageLayout
      session={props.session}
      section="gates"
      title="Gates"
      error={props.error}
      notice={props.notice}
    >
      <section class="card">
        <h2>Set a gate</h2>
        <form method="post" action="/dashboard/manage/gates" class="inline" id="gate-form">
          <select name="framework" aria-label="Framework">
            {FRAMEWORK_SLUGS.map((framework) => (
              <option value={framework}>{framework}</option>
            ))}
          </select>
          <input
            name="scope"
            maxlength={256}
            value="workspace"
            aria-label="Scope (workspace or a system name)"
          />
          <select name="mode" aria-label="Mode">
            <option value="required">required</option>
            <option value="advisory">advisory</option>
          </select>
          <input name="threshold_pct" type="number" min={0} max={100} value="80" aria-label="Threshold (%)" />
          <button class="primary" type="submit">
            Save gate
          </button>
        </form>
      </section>
      <section class="card">
        <div class="queue-head">
          <h2>Gates ({props.gates.length})</h2>
          <form method="post" action="/dashboard/manage/gates/check">
            <button type="submit" id="check-gates">
              Check now
            </button>
          </form>
        </div>
        <DataTable
          id="gates"
          headings={['Framework', 'Scope', 'Mode', 'Threshold', 'Now', '']}
          rows={props.gates}
          row={(gate) => (
            <tr data-gate-id={gate.id}>
              <td>{gate.framework}</td>
              <td class="wrap">{gate.scope}</td>
              <td>{gate.mode}</td>
              <td>{gate.threshold_pct}%</td>
              <td>
                <span class={`badge ${gate.status === 'passing' ? 'ok' : 'bad'}`}>
                  {`${gate.current_pct}% ${gate.status}`}
                </span>
              </td>
              <td>
                <RejectForm
                  action={`/dashboard/manage/gates/${encodeURIComponent(gate.id)}/delete`}
                  label="Remove"
                />
              </td>
            </tr>
          )}
        />
      </section>
      <section class="card">
        <h2>Pass/fail history</h2>
        <DataTable
          id="gate-history"
          headings={['Checked', 'System', 'Result', 'Failing required', 'Frameworks']}
          rows={props.history}
          row={(check) => (
            <tr data-check-id={check.checkId}>
              <td>
                <Time value={check.checkedAt} />
              </td>
              <td class="wrap">{check.systemName ?? 'workspace'}</td>
              <td>
                <span class={`badge ${check.passed ? 'ok' : 'bad'}`}>
                  {check.passed ? 'passed' : 'failed'}
                </span>
              </td>
              <td>{check.failingRequired}</td>
              <td class="wrap small">
                {check.results
                  .map((result) => `${result.framework} ${result.current_pct}%/${result.threshold_pct}%`)
                  .join(' · ')}
              </td>
            </tr>
          )}
          empty="No gate checks yet (CI runs them with `mima gate check`)."
        />
      </section>
    </ManageLayout>
  )
}

/** The guard's unattested-call reports, grouped by call site. */
export function GuardReportsPage(
  props: ManageProps & { days: number; sites: readonly UnattestedCallSite[] },
): JSX.Element {
  return (
    <ManageLayout
      session={props.session}
      section="guard"
      title="Unattested calls"
      error={props.error}
      notice={props.notice}
    >
      <section class="card">
        <p class="muted small">
          AI calls the guard saw outside an attested function in the last {props.days} days, grouped by where
          in the code they were made. Wrap each call site in <code>mima.attest(…)</code> to record it.
        </p>
        <DataTable
          id="call-sites"
          headings={['Call site', 'SDK call', 'Calls', 'First seen', 'Last seen']}
          rows={props.sites}
          row={(site) => (
            <tr>
              <td class="wrap">
                <code>{site.callSite}</code>
              </td>
              <td class="wrap">{site.call}</td>
              <td>{site.count}</td>
              <td>
                <Time value={site.firstSeen} />
              </td>
              <td>
                <Time value={site.lastSeen} />
              </td>
            </tr>
          )}
          empty="No unattested calls reported."
        />
      </section>
    </ManageLayout>
  )
}

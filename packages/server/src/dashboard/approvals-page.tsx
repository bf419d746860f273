import type { JSX } from 'hono/jsx/jsx-runtime'
import type { ApprovalRow } from '../approvals/approval-store'
import type { Principal } from '../http/context'
import { DataTable, Layout, Notice, ShortId, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

function contextText(context: unknown): string {
  try {
    return JSON.stringify(context, null, 2) ?? ''
  } catch {
    return String(context)
  }
}

/**
 * One pending request with its context and the approve/reject form. Rendered into the page and
 * into the SSE stream, so a live row is escaped exactly like a server-rendered one.
 */
export function ApprovalCard(props: {
  approval: ApprovalRow
  viewer: Principal
  /** The viewer is a person with a passkey: their browser signs the action digest to decide. */
  signWithPasskey?: boolean | undefined
}): JSX.Element {
  const { approval, viewer } = props
  // Shown before anyone clicks; the approvals service makes the decision rule either way.
  const blocked =
    viewer.role !== 'approver' && viewer.role !== 'admin'
      ? `Your role (${viewer.role}) can see requests but not decide them.`
      : approval.requested_by_key_id === viewer.keyId
        ? 'This key requested the approval, so it cannot decide it: another approver must.'
        : undefined
  const id = approval.approval_id
  return (
    <article class="approval" id={`approval-${id}`} data-approval-id={id}>
      <div class="title">
        <span class="action">{approval.action_type}</span>
        <span class="muted small">
          expires <Time value={approval.expires_at} />
        </span>
      </div>
      {approval.description === null ? null : <p class="description">{approval.description}</p>}
      <dl>
        <dt>System / agent</dt>
        <dd>
          {approval.system_name ?? '—'}
          {approval.agent_name === null ? '' : ` / ${approval.agent_name}`}
        </dd>
        <dt>Requested by</dt>
        <dd data-requested-by="">
          {approval.requested_for === null ? (
            approval.requested_by
          ) : (
            <>
              {approval.requested_for} <span class="muted">(through the key {approval.requested_by})</span>
            </>
          )}{' '}
          · <Time value={approval.requested_at} />
        </dd>
        {approval.approver_hint === null ? null : (
          <>
            <dt>Approver</dt>
            <dd>{approval.approver_hint}</dd>
          </>
        )}
        <dt>Approval</dt>
        <dd>
          <ShortId id={id} /> · context hash <ShortId id={approval.context_hash} />
        </dd>
      </dl>
      <details open>
        <summary class="small muted">Context</summary>
        <pre>{contextText(approval.context)}</pre>
      </details>
      <form
        method="post"
        action={`/dashboard/approvals/${encodeURIComponent(id)}/decide`}
        data-enhance={props.signWithPasskey === true ? 'decide-signed' : 'decide'}
        data-approval={id}
      >
        <textarea
          name="reason"
          maxlength={2000}
          placeholder="Reason (recorded in the ledger)"
          aria-label="Reason"
        ></textarea>
        <div class="actions">
          <button
            class="approve"
            type="submit"
            name="decision"
            value="approve"
            disabled={blocked !== undefined}
          >
            Approve
          </button>
          <button
            class="reject"
            type="submit"
            name="decision"
            value="reject"
            disabled={blocked !== undefined}
          >
            Reject
          </button>
        </div>
        {props.signWithPasskey === true && blocked === undefined ? (
          <p class="muted small">Your passkey signs this exact action (its digest) when you decide.</p>
        ) : null}
        <div class="error" role="alert">
          {blocked ?? ''}
        </div>
      </form>
      {viewer.role === 'admin' || approval.requested_by_key_id === viewer.keyId ? (
        <form
          method="post"
          action={`/dashboard/approvals/${encodeURIComponent(id)}/cancel`}
          class="cancel-approval"
        >
          <button
            class="secondary small"
            type="submit"
            title="For a request nobody will act on, e.g. its agent is gone"
          >
            Cancel request
          </button>
        </form>
      ) : null}
    </article>
  )
}

/** One decided (or expired, cancelled) request in "Latest decisions"; also streamed live. */
export function DecisionRow(props: {
  approval: ApprovalRow
  /** The decision carries the decider's passkey signature over the action digest. */
  signed?: boolean | undefined
}): JSX.Element {
  const { approval } = props
  const tone = approval.status === 'approved' ? 'ok' : approval.status === 'rejected' ? 'bad' : ''
  return (
    <tr data-decided-id={approval.approval_id}>
      <td>
        <Time value={approval.decided_at ?? approval.expires_at} />
      </td>
      <td class="wrap">{approval.action_type}</td>
      <td>
        <span class={`badge ${tone}`}>{approval.status}</span>
      </td>
      <td class="wrap">
        {approval.decided_by ?? '—'}
        {props.signed === true ? (
          <>
            {' '}
            <span class="badge ok" title="Signed with the approver's passkey over the action digest">
              passkey-signed
            </span>
          </>
        ) : null}
      </td>
      <td class="wrap">{approval.reason ?? ''}</td>
      <td>{approval.decision_leaf_index ?? '—'}</td>
    </tr>
  )
}

/** Approvals: the live queue of pending requests, and the latest decisions. */
export function ApprovalsPage(props: {
  session: DashboardSession
  pending: readonly ApprovalRow[]
  recent: readonly ApprovalRow[]
  /** Ids of the recent decisions that were signed with a passkey. */
  signed?: ReadonlySet<string> | undefined
  error?: string | undefined
  notice?: string | undefined
}): JSX.Element {
  const viewer = props.session.principal
  return (
    <Layout
      session={props.session}
      section="approvals"
      title="Approvals"
      pendingApprovals={props.pending.length}
    >
      <h1>Approvals</h1>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      {props.notice === undefined ? null : <Notice kind="ok">{props.notice}</Notice>}
      <section class="card">
        <div class="queue-head">
          <h2>
            Waiting for a decision (<span data-pending-count="">{props.pending.length}</span>)
          </h2>
          <span class="live" id="live-state" data-state="connecting">
            Connecting…
          </span>
        </div>
        <div id="approval-queue" data-stream="/dashboard/approvals/stream">
          {props.pending.map((approval) => (
            <ApprovalCard
              approval={approval}
              viewer={viewer}
              signWithPasskey={props.session.user?.hasPasskey}
            />
          ))}
        </div>
        <p class="muted" id="approval-empty" hidden={props.pending.length > 0}>
          Nothing is waiting. New requests appear here as they arrive.
        </p>
      </section>
      <section class="card">
        <h2>Latest decisions</h2>
        <p class="muted" id="recent-empty" hidden={props.recent.length > 0}>
          No decisions yet.
        </p>
        <DataTable
          id="recent-approvals"
          attributes={{ hidden: props.recent.length === 0 }}
          headings={['Decided', 'Action', 'Status', 'By', 'Reason', 'Ledger leaf']}
          rows={props.recent}
          row={(approval) => (
            <DecisionRow approval={approval} signed={props.signed?.has(approval.approval_id)} />
          )}
        />
      </section>
    </Layout>
  )
}

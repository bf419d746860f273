/** One record's page (attestation or evidence): payload, signature, controls, approval, proof. */
import { getControl } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { Layout, ShortId, Time } from '../dashboard-layout'
import type { ConsumedApproval } from '../dashboard-queries'
import type { DashboardSession } from '../session-store'
import { EvidenceAssets, JsonBlock } from './evidence-kit'

/** What a record page shows, whatever the record's kind. */
export interface RecordView {
  kind: 'attestation' | 'evidence'
  id: string
  title: string
  system: string
  receivedAt: string
  leafIndex: number
  /** `verified` (signature checked by the server) or `declared`. */
  signature: 'verified' | 'declared'
  signatureDetail: string
  signer: string | null
  fields: { label: string; value: string | number | null }[]
  controls: readonly string[]
  approval: ConsumedApproval | undefined
  payload: unknown
}

/** A proof section the browser script fills in (`proofs.js`). */
export function ProofBox(props: {
  id: string
  heading: string
  attributes: Record<string, string>
  children?: JSX.Element | JSX.Element[]
}): JSX.Element {
  return (
    <section class="card proof" id={props.id} data-state="pending" {...props.attributes}>
      <h2>{props.heading}</h2>
      <p class="result" role="status" aria-live="polite">
        Checking in your browser…
      </p>
      <ul class="check steps"></ul>
      <dl class="kv">
        <dt>Pinned server key</dt>
        <dd>
          <span class="fingerprint">…</span> <span class="muted small pin-note"></span>
        </dd>
        {props.children}
      </dl>
      <p class="muted small">
        This check runs in your browser (WebCrypto SHA-256 and Ed25519) on the raw proof; the server is not
        asked whether it is right. Compare the fingerprint with <code>mima verify</code> or the key your
        auditor pinned.
      </p>
    </section>
  )
}

/** `/dashboard/attestations/{id}` and `/dashboard/evidence/{id}`. */
export function RecordPage(props: { session: DashboardSession; record: RecordView }): JSX.Element {
  const { record } = props
  const listHref = record.kind === 'attestation' ? '/dashboard/attestations' : '/dashboard/evidence'
  return (
    <Layout
      session={props.session}
      section={record.kind === 'attestation' ? 'attestations' : 'evidence'}
      title={`${record.title} · ${record.kind}`}
    >
      <EvidenceAssets proofs />
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={listHref}>{record.kind === 'attestation' ? 'Attestations' : 'Evidence'}</a> ›{' '}
        <ShortId id={record.id} />
      </nav>
      <div class="page-head">
        <h1 id="record-title">{record.title}</h1>
        <span class={`status ${record.signature}`} id="signature-status">
          {record.signature}
        </span>
      </div>
      <div class="two-col">
        <section class="card">
          <h2>Record</h2>
          <dl class="kv" id="record-fields">
            <dt>Id</dt>
            <dd>
              <code>{record.id}</code>
            </dd>
            <dt>System</dt>
            <dd>{record.system}</dd>
            {record.fields.map((field) => (
              <>
                <dt>{field.label}</dt>
                <dd>
                  {field.value === null || field.value === '' ? (
                    <span class="muted">—</span>
                  ) : (
                    String(field.value)
                  )}
                </dd>
              </>
            ))}
            <dt>Received</dt>
            <dd>
              <Time value={record.receivedAt} />
            </dd>
            <dt>Ledger leaf</dt>
            <dd>{record.leafIndex}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>Signature</h2>
          <dl class="kv">
            <dt>Status</dt>
            <dd>{record.signature}</dd>
            <dt>Signer</dt>
            <dd id="signer">{record.signer ?? <span class="muted">not named</span>}</dd>
          </dl>
          <p class="muted small">{record.signatureDetail}</p>
          <h2>Controls</h2>
          {record.controls.length === 0 ? (
            <p class="muted" id="mapped-controls">
              No control is mapped to this record.
            </p>
          ) : (
            <ul class="chips" id="mapped-controls">
              {record.controls.map((id) => {
                const control = getControl(id)
                return (
                  <li class="badge info">
                    {control === undefined ? (
                      id
                    ) : (
                      <a
                        href={`/dashboard/readiness/${control.framework}/controls/${encodeURIComponent(id)}`}
                      >
                        {id}
                      </a>
                    )}
                  </li>
                )
              })}
            </ul>
          )}
          <h2>Approval</h2>
          <p id="record-approval">
            {record.approval === undefined ? (
              <span class="muted">No approval token was used by this record.</span>
            ) : (
              <>
                Approval <ShortId id={record.approval.approvalId} /> decided by{' '}
                {record.approval.decidedBy ?? 'an unknown approver'}.
              </>
            )}
          </p>
        </section>
      </div>
      <ProofBox
        id="proof"
        heading="Ledger inclusion proof"
        attributes={{ 'data-proof-url': `/dashboard/proofs/${record.kind}/${encodeURIComponent(record.id)}` }}
      >
        <dt>Leaf</dt>
        <dd>{record.leafIndex}</dd>
      </ProofBox>
      <section class="card">
        <h2>Payload</h2>
        <JsonBlock value={record.payload} id="payload" />
      </section>
    </Layout>
  )
}

import type { JSX } from 'hono/jsx/jsx-runtime'
import type { StoredAttestation } from '../attestations/attestation-store'
import { Layout, Notice, ShortId, Time } from './dashboard-layout'
import type { ConsumedApproval } from './dashboard-queries'
import type { DashboardSession } from './session-store'

/** The attestations page's filters, as read from the query string. */
export interface AttestationPageFilters {
  /** Full text over the record as received. */
  q?: string | undefined
  agent?: string | undefined
  tool?: string | undefined
  system?: string | undefined
  model?: string | undefined
  trust_tier?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

/** A link to the same page with `filters` and an optional cursor (empty filters left out). */
export function pageHref(path: string, filters: object, cursor?: string): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(filters)) {
    if (typeof value === 'string' && value !== '') query.set(name, value)
  }
  if (cursor !== undefined) query.set('cursor', cursor)
  const text = query.toString()
  return text === '' ? path : `${path}?${text}`
}

function TrustTier(props: { tier: string }): JSX.Element {
  return <span class={`badge ${props.tier === 'verified' ? 'ok' : 'warn'}`}>{props.tier}</span>
}

/** Attestations: filters, a table and cursor pagination. */
export function AttestationsPage(props: {
  session: DashboardSession
  filters: AttestationPageFilters
  attestations: readonly StoredAttestation[]
  approvals: ReadonlyMap<string, ConsumedApproval>
  nextCursor: string | null
  paged: boolean
  error?: string | undefined
}): JSX.Element {
  const { filters } = props
  return (
    <Layout session={props.session} section="attestations" title="Attestations">
      <h1>Attestations</h1>
      <section class="card">
        <form class="filters" method="get" action="/dashboard/attestations">
          <label>
            Search
            <input name="q" type="search" value={filters.q ?? ''} placeholder="any text in the record" />
          </label>
          <label>
            Agent
            <input name="agent" value={filters.agent ?? ''} />
          </label>
          <label>
            Tool
            <input name="tool" value={filters.tool ?? ''} />
          </label>
          <label>
            System
            <input name="system" value={filters.system ?? ''} />
          </label>
          <label>
            Model
            <input name="model" value={filters.model ?? ''} />
          </label>
          <label>
            Trust tier
            <select name="trust_tier">
              <option value="">any</option>
              <option value="verified" selected={filters.trust_tier === 'verified'}>
                verified
              </option>
              <option value="declared" selected={filters.trust_tier === 'declared'}>
                declared
              </option>
            </select>
          </label>
          <label>
            Received from
            <input name="since" type="date" value={filters.since ?? ''} />
          </label>
          <label>
            until
            <input name="until" type="date" value={filters.until ?? ''} />
          </label>
          <button type="submit">Filter</button>
          <a class="small" href="/dashboard/attestations">
            Clear
          </a>
        </form>
      </section>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      <section class="card">
        {props.attestations.length === 0 ? (
          <p class="muted" id="attestations-empty">
            No attestations match.
          </p>
        ) : (
          <table id="attestations">
            <thead>
              <tr>
                <th>Executed</th>
                <th>Tool</th>
                <th>System / agent</th>
                <th>Model</th>
                <th>Trust tier</th>
                <th>Approval</th>
                <th>Attestation</th>
              </tr>
            </thead>
            <tbody>
              {props.attestations.map((attestation) => {
                const approval = props.approvals.get(attestation.attestation_id)
                const system = String(attestation.system_name ?? '')
                const agent = String(attestation.agent_name ?? '')
                return (
                  <tr data-attestation-id={attestation.attestation_id}>
                    <td>
                      <Time
                        value={typeof attestation.executed_at === 'string' ? attestation.executed_at : null}
                      />
                    </td>
                    <td class="wrap tool">{String(attestation.tool_name ?? '')}</td>
                    <td class="wrap">
                      {system}
                      {agent !== '' && agent !== system ? <div class="muted small">{agent}</div> : null}
                    </td>
                    <td class="wrap">
                      {typeof attestation.model_id === 'string' ? attestation.model_id : '—'}
                    </td>
                    <td>
                      <TrustTier tier={attestation.trust_tier} />
                    </td>
                    <td>
                      {approval === undefined ? (
                        <span class="muted">—</span>
                      ) : (
                        <span title={`Approved by ${approval.decidedBy ?? ''}`}>
                          <ShortId id={approval.approvalId} />
                        </span>
                      )}
                    </td>
                    <td>
                      <a href={`/dashboard/attestations/${attestation.attestation_id}`}>
                        <ShortId id={attestation.attestation_id} />
                      </a>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        )}
        <div class="pager">
          {props.paged ? (
            <a href={pageHref('/dashboard/attestations', filters)}>← First page</a>
          ) : (
            <span></span>
          )}
          {props.nextCursor === null ? null : (
            <a id="next-page" href={pageHref('/dashboard/attestations', filters, props.nextCursor)}>
              Next page →
            </a>
          )}
        </div>
      </section>
    </Layout>
  )
}

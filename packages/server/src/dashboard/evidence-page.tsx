import { RECORD_TYPES } from '@mima/grc'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { StoredEvidence } from '../evidence/evidence-store'
import { pageHref } from './attestations-page'
import { DataTable, Layout, Notice, ShortId, Time } from './dashboard-layout'
import type { DashboardSession } from './session-store'

/** The evidence page's filters, as read from the query string. */
export interface EvidencePageFilters {
  /** Full text over the payload and fields. */
  q?: string | undefined
  record_type?: string | undefined
  system?: string | undefined
  /** Client signature status. */
  signature?: string | undefined
  since?: string | undefined
  until?: string | undefined
}

/** Evidence: counts by record type, filters, a table with mapped controls, cursor pagination. */
export function EvidencePage(props: {
  session: DashboardSession
  filters: EvidencePageFilters
  records: readonly StoredEvidence[]
  byRecordType: Readonly<Record<string, number>>
  total: number
  nextCursor: string | null
  paged: boolean
  error?: string | undefined
}): JSX.Element {
  const { filters } = props
  return (
    <Layout session={props.session} section="evidence" title="Evidence">
      <h1>Evidence</h1>
      <section class="card">
        <form class="filters" method="get" action="/dashboard/evidence">
          <label>
            Search
            <input name="q" type="search" value={filters.q ?? ''} placeholder="any text in the record" />
          </label>
          <label>
            Record type
            <select name="record_type">
              <option value="">any</option>
              {RECORD_TYPES.map((type) => (
                <option value={type} selected={filters.record_type === type}>
                  {type}
                </option>
              ))}
            </select>
          </label>
          <label>
            System
            <input name="system" value={filters.system ?? ''} />
          </label>
          <label>
            Signature
            <select name="signature">
              <option value="">any</option>
              {['verified', 'unchecked', 'unsigned'].map((status) => (
                <option value={status} selected={filters.signature === status}>
                  {status}
                </option>
              ))}
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
          <a class="small" href="/dashboard/evidence">
            Clear
          </a>
        </form>
        <p class="chips small" id="evidence-summary">
          <span class="muted">{`${props.total} ${props.total === 1 ? 'record' : 'records'}:`}</span>
          {Object.entries(props.byRecordType).map(([type, count]) => (
            <span class="badge">{`${type} ${count}`}</span>
          ))}
        </p>
      </section>
      {props.error === undefined ? null : <Notice kind="error">{props.error}</Notice>}
      <section class="card">
        <DataTable
          id="evidence"
          headings={['Received', 'Record type', 'System', 'Source', 'Mapped controls', 'Record']}
          rows={props.records}
          row={(record) => (
            <tr data-record-id={record.record_id}>
              <td>
                <Time value={record.received_at} />
              </td>
              <td>
                <code>{record.record_type}</code>
              </td>
              <td class="wrap">{record.system_name}</td>
              <td>
                <span
                  class={`badge ${record.source === 'estate_auto' ? '' : 'info'}`}
                  title={record.source === 'estate_auto' ? 'inferred' : 'attested'}
                >
                  {record.source}
                </span>
              </td>
              <td>
                <div class="chips">
                  {record.mapped_controls.length === 0 ? (
                    <span class="muted">none</span>
                  ) : (
                    record.mapped_controls.map((control) => <span class="badge">{control}</span>)
                  )}
                </div>
              </td>
              <td>
                <a href={`/dashboard/evidence/${record.record_id}`}>
                  <ShortId id={record.record_id} />
                </a>
              </td>
            </tr>
          )}
          empty="No evidence records match."
        />
        <div class="pager">
          {props.paged ? <a href={pageHref('/dashboard/evidence', filters)}>← First page</a> : <span></span>}
          {props.nextCursor === null ? null : (
            <a id="next-page" href={pageHref('/dashboard/evidence', filters, props.nextCursor)}>
              Next page →
            </a>
          )}
        </div>
      </section>
    </Layout>
  )
}

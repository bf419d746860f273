/** The overview, attestations and evidence pages. */
import type { Hono } from 'hono'
import { listAttestations } from '../attestations/attestation-store'
import { listEvidence, summarizeEvidence } from '../evidence/evidence-store'
import { readReadiness } from '../grc/grc-store'
import { countUnattestedCalls } from '../guard-events/guard-event-store'
import type { AppEnv } from '../http/context'
import { approvalsOf, pendingApprovals } from './approvals-routes'
import { type AttestationPageFilters, AttestationsPage } from './attestations-page'
import { type DashboardKit, messageOf, pageLimit, text, untilFilter } from './dashboard-kit'
import { approvalsConsumedBy, countRecentRecords } from './dashboard-queries'
import { EvidencePage, type EvidencePageFilters } from './evidence-page'
import { OverviewPage } from './overview-page'

/** `/dashboard` (overview), `/dashboard/attestations` and `/dashboard/evidence`. */
export function registerRecordPages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { server, page, html } = kit
  const { database, ledger } = server

  api.get(
    '/dashboard',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const [readiness, counts, unattested24h, pending, head] = await Promise.all([
        readReadiness(database, { workspaceId }),
        countRecentRecords(database, workspaceId),
        countUnattestedCalls(database, workspaceId),
        pendingApprovals(approvalsOf(server), session),
        ledger.treeHead(database, workspaceId),
      ])
      return html(
        c,
        <OverviewPage
          session={session}
          data={{
            readiness,
            attestations24h: counts.attestations,
            evidence24h: counts.evidence,
            unattested24h,
            pendingApprovals: pending.length,
            head,
          }}
        />,
      )
    }),
  )

  api.get(
    '/dashboard/attestations',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const filters: AttestationPageFilters = {
        q: text(c.req.query('q')),
        agent: text(c.req.query('agent')),
        tool: text(c.req.query('tool')),
        system: text(c.req.query('system')),
        model: text(c.req.query('model')),
        trust_tier: text(c.req.query('trust_tier')),
        since: text(c.req.query('since')),
        until: text(c.req.query('until')),
      }
      const cursor = text(c.req.query('cursor'))
      try {
        const { attestations, next_cursor } = await listAttestations(database, workspaceId, {
          limit: pageLimit(c),
          cursor,
          text: filters.q,
          agentName: filters.agent,
          toolName: filters.tool,
          systemName: filters.system,
          modelId: filters.model,
          trustTier: filters.trust_tier,
          since: filters.since,
          until: untilFilter(filters.until),
        })
        const approvals = await approvalsConsumedBy(
          database,
          workspaceId,
          attestations.map((attestation) => attestation.attestation_id),
        )
        return html(
          c,
          <AttestationsPage
            session={session}
            filters={filters}
            attestations={attestations}
            approvals={approvals}
            nextCursor={next_cursor}
            paged={cursor !== undefined}
          />,
        )
      } catch (error) {
        return html(
          c,
          <AttestationsPage
            session={session}
            filters={filters}
            attestations={[]}
            approvals={new Map()}
            nextCursor={null}
            paged={cursor !== undefined}
            error={messageOf(error)}
          />,
          400,
        )
      }
    }),
  )

  api.get(
    '/dashboard/evidence',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const filters: EvidencePageFilters = {
        q: text(c.req.query('q')),
        record_type: text(c.req.query('record_type')),
        system: text(c.req.query('system')),
        signature: text(c.req.query('signature')),
        since: text(c.req.query('since')),
        until: text(c.req.query('until')),
      }
      const cursor = text(c.req.query('cursor'))
      const where = {
        text: filters.q,
        recordType: filters.record_type,
        systemName: filters.system,
        clientSigStatus: filters.signature,
        since: filters.since,
        until: untilFilter(filters.until),
      }
      try {
        const [{ records, next_cursor }, summary] = await Promise.all([
          listEvidence(database, workspaceId, { ...where, limit: pageLimit(c), cursor }),
          summarizeEvidence(database, workspaceId, where),
        ])
        return html(
          c,
          <EvidencePage
            session={session}
            filters={filters}
            records={records}
            byRecordType={summary.by_record_type}
            total={summary.count}
            nextCursor={next_cursor}
            paged={cursor !== undefined}
          />,
        )
      } catch (error) {
        return html(
          c,
          <EvidencePage
            session={session}
            filters={filters}
            records={[]}
            byRecordType={{}}
            total={0}
            nextCursor={null}
            paged={cursor !== undefined}
            error={messageOf(error)}
          />,
          400,
        )
      }
    }),
  )
}

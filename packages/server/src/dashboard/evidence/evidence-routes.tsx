/**
 * The console's evidence pages (issue #18, part B): readiness drill-down, systems, reports, one
 * page per record with its proof checked in the browser, and the JSON the browser checks.
 * Registered from `dashboard-feature.tsx` with one line; everything else lives here.
 */
import { MimaError } from '@mima/core'
import { evaluateGates, resolveControl } from '@mima/grc'
import type { Hono } from 'hono'
import { getAttestation, listAttestations } from '../../attestations/attestation-store'
import { getEvidence, listEvidence } from '../../evidence/evidence-store'
import { listGates, listSystems, readReadiness } from '../../grc/grc-store'
import type { AppEnv } from '../../http/context'
import { httpError } from '../../http/errors'
import { listKeyRotations } from '../../key-custody/key-rotation'
import { buildArticle12Report } from '../../reports/article12-report'
import type { ComplianceReport } from '../../reports/compliance-report'
import {
  parseReportFilters,
  parseReportFormat,
  pdfRendererOf,
  sendReport,
} from '../../reports/reports-feature'
import { buildSummaryReport } from '../../reports/summary-report'
import { listAiBoms } from '../../scanner/ai-bom-store'
import type { DashboardKit } from '../dashboard-kit'
import { messageOf, pageLimit, text } from '../dashboard-kit'
import { approvalsConsumedBy } from '../dashboard-queries'
import {
  approvalsPerDay,
  attestationsPerDay,
  latestEvidence,
  modelsOfSystem,
  readinessHistory,
  recordsForControl,
  unattestedBySite,
} from './evidence-queries'
import { EVIDENCE_CSS } from './evidence-styles'
import { PROOFS_SCRIPT } from './proofs-script'
import {
  ControlPage,
  controlOf,
  FrameworkPage,
  frameworkOf,
  ReadinessPage,
  standingsOf,
} from './readiness-pages'
import { RecordPage, type RecordView } from './record-pages'
import { type ReportFormValues, ReportPage, ReportsIndexPage } from './report-pages'
import { SystemPage, SystemsPage } from './system-pages'

const CHART_DAYS = 30

/** Registers the readiness, systems, reports and record pages and their assets. */
export function registerEvidencePages(api: Hono<AppEnv>, kit: DashboardKit): void {
  const { server, page, html } = kit
  const { database, ledger } = server

  api.get('/dashboard/assets/evidence.css', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(EVIDENCE_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' })
  })
  api.get('/dashboard/assets/proofs.js', (c) => {
    c.header('Cache-Control', 'no-cache')
    return c.body(PROOFS_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
  })

  // Per-control record counts, canonical ids, for a workspace or one system.
  const counters = async (workspaceId: string, systemName: string | undefined) => {
    const { rows } = await database.query<{ control_id: string; attested: number; inferred: number }>(
      `select control_id, sum(attested_records)::int as attested, sum(inferred_records)::int as inferred
         from grc_control_coverage where workspace_id = $1 and ($2::text is null or system_name = $2)
        group by control_id`,
      [workspaceId, systemName ?? null],
    )
    const result = new Map<string, { attested: number; inferred: number }>()
    for (const row of rows) {
      const id = resolveControl(row.control_id)?.id ?? row.control_id
      const entry = result.get(id) ?? { attested: 0, inferred: 0 }
      entry.attested += Number(row.attested)
      entry.inferred += Number(row.inferred)
      result.set(id, entry)
    }
    return result
  }

  api.get(
    '/dashboard/readiness',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const system = text(c.req.query('system'))
      const [readiness, history] = await Promise.all([
        readReadiness(database, { workspaceId, systemName: system }),
        readinessHistory(database, workspaceId, { days: CHART_DAYS, systemName: system }),
      ])
      return html(
        c,
        <ReadinessPage session={session} readiness={readiness} history={history} system={system} />,
      )
    }),
  )

  api.get(
    '/dashboard/readiness/:framework',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const slug = frameworkOf(c.req.param('framework'))
      if (slug === undefined) throw httpError('not_found', 'No such framework.')
      const system = text(c.req.query('system'))
      const [readiness, coverage] = await Promise.all([
        readReadiness(database, { workspaceId, systemName: system }),
        counters(workspaceId, system),
      ])
      const framework = readiness.frameworks.find((item) => item.framework === slug)
      if (framework === undefined) throw httpError('not_found', 'No such framework.')
      return html(
        c,
        <FrameworkPage
          session={session}
          framework={framework}
          standings={standingsOf(slug, coverage)}
          system={system}
        />,
      )
    }),
  )

  api.get(
    '/dashboard/readiness/:framework/controls/:control',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const slug = frameworkOf(c.req.param('framework'))
      const control = slug === undefined ? undefined : controlOf(slug, c.req.param('control') ?? '')
      if (slug === undefined || control === undefined) throw httpError('not_found', 'No such control.')
      const cursor = text(c.req.query('cursor'))
      const [coverage, page, readiness] = await Promise.all([
        counters(workspaceId, undefined),
        recordsForControl(database, workspaceId, control.id, { limit: pageLimit(c), cursor }),
        readReadiness(database, { workspaceId }),
      ])
      const label = readiness.frameworks.find((item) => item.framework === slug)?.label ?? slug
      const standing = standingsOf(slug, coverage).find((item) => item.control.id === control.id) ?? {
        control,
        attestedRecords: 0,
        inferredRecords: 0,
      }
      return html(
        c,
        <ControlPage
          session={session}
          control={control}
          frameworkLabel={label}
          standing={standing}
          records={page.records}
          nextCursor={page.next_cursor}
          paged={cursor !== undefined}
          url={c.req.url}
        />,
      )
    }),
  )

  api.get(
    '/dashboard/attestations/:id',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const attestation = await getAttestation(database, workspaceId, c.req.param('id') ?? '')
      if (attestation === undefined) throw httpError('not_found', 'No such attestation in this workspace.')
      const approvals = await approvalsConsumedBy(database, workspaceId, [attestation.attestation_id])
      const record = attestation.record
      const authorised = record.authorised_by as Record<string, unknown> | undefined
      const signer =
        typeof record.verifying_key_hex === 'string'
          ? `Ed25519 key ${record.verifying_key_hex}`
          : typeof authorised?.identity === 'string'
            ? `${authorised.identity} (declared)`
            : null
      const view: RecordView = {
        kind: 'attestation',
        id: attestation.attestation_id,
        title: String(attestation.tool_name),
        system: String(attestation.system_name),
        receivedAt: attestation.received_at,
        leafIndex: attestation.leaf_index,
        signature: attestation.trust_tier === 'verified' ? 'verified' : 'declared',
        signatureDetail: String(attestation.detail),
        signer,
        fields: [
          { label: 'Agent', value: (attestation.agent_name as string | null) ?? null },
          { label: 'Model', value: (attestation.model_id as string | null) ?? null },
          { label: 'Executed', value: (attestation.executed_at as string | null) ?? null },
          { label: 'Input hash', value: String(attestation.input_hash) },
          { label: 'Output hash', value: String(attestation.output_hash) },
          {
            label: 'Authorised by',
            value: typeof authorised?.identity === 'string' ? authorised.identity : null,
          },
        ],
        controls: ['eu_ai_act:art_12'],
        approval: approvals.get(attestation.attestation_id),
        payload: record,
      }
      return html(c, <RecordPage session={session} record={view} />)
    }),
  )

  api.get(
    '/dashboard/evidence/:id',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const evidence = await getEvidence(database, workspaceId, c.req.param('id') ?? '')
      if (evidence === undefined) throw httpError('not_found', 'No such evidence record in this workspace.')
      const view: RecordView = {
        kind: 'evidence',
        id: evidence.record_id,
        title: evidence.record_type,
        system: evidence.system_name,
        receivedAt: evidence.received_at,
        leafIndex: evidence.leaf_index,
        signature: evidence.client_sig_status === 'verified' ? 'verified' : 'declared',
        signatureDetail:
          evidence.client_sig_status === 'verified'
            ? "The record's client signature (HMAC with the workspace key) was verified when it arrived."
            : `Declared: the record's client signature is ${evidence.client_sig_status}.`,
        signer: evidence.identity,
        fields: [
          { label: 'Identity', value: evidence.identity },
          { label: 'Resource', value: evidence.resource },
          { label: 'Environment', value: evidence.environment },
          { label: 'Occurred', value: evidence.occurred_at },
          {
            label: 'Source',
            value: evidence.source === 'estate_auto' ? 'inferred (estate_auto)' : evidence.source,
          },
        ],
        controls: evidence.mapped_controls,
        approval: undefined,
        payload: evidence.payload,
      }
      return html(c, <RecordPage session={session} record={view} />)
    }),
  )

  // The raw proof material the browser checks. JSON, session-authenticated, never trusted by us.
  api.get('/dashboard/proofs/:kind/:id', async (c) => {
    const session = await kit.sessionOf(c)
    if (session === undefined) throw httpError('unauthorized', 'Sign in to the dashboard first.')
    const { workspaceId } = session.principal
    const kind = c.req.param('kind')
    const id = c.req.param('id') ?? ''
    let record: unknown
    let leafIndex: number
    if (kind === 'attestation') {
      const found = await getAttestation(database, workspaceId, id)
      if (found === undefined) throw httpError('not_found', 'No such attestation in this workspace.')
      record = found.record
      leafIndex = found.leaf_index
    } else if (kind === 'evidence') {
      const found = await getEvidence(database, workspaceId, id)
      if (found === undefined) throw httpError('not_found', 'No such evidence record in this workspace.')
      record = found.record
      leafIndex = found.leaf_index
    } else {
      throw httpError('not_found', 'Proofs are served for attestation and evidence records.')
    }
    const head = await ledger.treeHead(database, workspaceId)
    const [proof, leaves] = await Promise.all([
      ledger.inclusionProof(database, workspaceId, leafIndex, head.tree_size),
      ledger.leaves(database, workspaceId, leafIndex, 1),
    ])
    const leaf = leaves[0]
    if (leaf === undefined) throw httpError('not_found', 'The record has no ledger leaf.')
    c.header('Cache-Control', 'no-store')
    return c.json({
      kind,
      record_id: id,
      record: record ?? null,
      leaf_index: leafIndex,
      leaf_data: leaf.leaf_data,
      leaf_hash: leaf.leaf_hash,
      inclusion_path: proof.inclusion_path,
      tree_head: head,
      server_public_key: ledger.publicKey,
      // Signed handovers from earlier keys: the browser follows them from the key it pinned.
      key_rotations: await listKeyRotations(database),
    })
  })

  api.get('/dashboard/ledger/consistency', async (c) => {
    const session = await kit.sessionOf(c)
    if (session === undefined) throw httpError('unauthorized', 'Sign in to the dashboard first.')
    const { workspaceId } = session.principal
    const fromText = c.req.query('from') ?? '0'
    if (!/^\d{1,15}$/.test(fromText))
      throw httpError('validation_failed', 'from must be a tree size (a non-negative integer).', {
        field: 'from',
      })
    const head = await ledger.treeHead(database, workspaceId)
    const from = Number(fromText)
    if (from > head.tree_size) {
      throw httpError(
        'conflict',
        `This ledger has ${head.tree_size} leaves, fewer than the ${from} this browser saw.`,
        {
          tree_size: head.tree_size,
        },
      )
    }
    const proof =
      from === 0
        ? { consistency_path: [] }
        : await ledger.consistencyProof(database, workspaceId, from, head.tree_size)
    c.header('Cache-Control', 'no-store')
    return c.json({
      from_size: from,
      tree_head: head,
      consistency_path: proof.consistency_path,
      server_public_key: ledger.publicKey,
      key_rotations: await listKeyRotations(database),
    })
  })

  api.get(
    '/dashboard/systems',
    page(async (c, session) => {
      const systems = await listSystems(database, session.principal.workspaceId)
      return html(c, <SystemsPage session={session} systems={systems} />)
    }),
  )

  api.get(
    '/dashboard/systems/:name',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const name = (c.req.param('name') ?? '').slice(0, 500)
      const [riskAssessment, models, attestations, evidence, policies, unattested, boms, readiness, perDay] =
        await Promise.all([
          latestEvidence(database, workspaceId, 'ai_risk_assessment', name),
          modelsOfSystem(database, workspaceId, name),
          listAttestations(database, workspaceId, { limit: 10, systemName: name }),
          listEvidence(database, workspaceId, { limit: 10, systemName: name }),
          listGates(database, workspaceId),
          unattestedBySite(database, workspaceId, name),
          listAiBoms(database, workspaceId, name),
          readReadiness(database, { workspaceId, systemName: name }),
          attestationsPerDay(database, workspaceId, { days: CHART_DAYS, systemName: name }),
        ])
      if (
        riskAssessment === undefined &&
        attestations.attestations.length === 0 &&
        evidence.records.length === 0 &&
        boms.length === 0
      ) {
        throw httpError('not_found', 'No such system in this workspace.')
      }
      const gates = evaluateGates({ policies, readiness, systemName: name })
      return html(
        c,
        <SystemPage
          session={session}
          system={{
            name,
            riskAssessment,
            models,
            attestations: attestations.attestations,
            evidence: evidence.records,
            gates: gates.results,
            gatesPassed: gates.passed,
            unattested,
            boms,
            readiness,
            perDay,
          }}
        />,
      )
    }),
  )

  api.get(
    '/dashboard/reports',
    page(async (c, session) => {
      const { workspaceId } = session.principal
      const [approvals, attestations] = await Promise.all([
        approvalsPerDay(database, workspaceId, { days: CHART_DAYS }),
        attestationsPerDay(database, workspaceId, { days: CHART_DAYS }),
      ])
      return html(c, <ReportsIndexPage session={session} approvals={approvals} attestations={attestations} />)
    }),
  )

  const formValues = (c: Parameters<Parameters<typeof page>[0]>[0]): ReportFormValues => ({
    since: text(c.req.query('since')),
    until: text(c.req.query('until')),
    system: text(c.req.query('system')),
    agent: text(c.req.query('agent')),
  })

  const build = async (
    kind: 'article12' | 'summary',
    workspaceId: string,
    query: (name: string) => string | undefined,
  ): Promise<ComplianceReport> => {
    const filters = parseReportFilters(query)
    return kind === 'article12'
      ? buildArticle12Report({ database, ledger, workspaceId, filters })
      : buildSummaryReport({ database, ledger, workspaceId, filters })
  }

  for (const kind of ['article12', 'summary'] as const) {
    api.get(
      `/dashboard/reports/${kind}`,
      page(async (c, session) => {
        const values = formValues(c)
        // A summary needs a subject: the bare page is the form.
        if (kind === 'summary' && values.agent === undefined && values.system === undefined) {
          return html(c, <ReportPage session={session} kind={kind} values={values} report={undefined} />)
        }
        try {
          const report = await build(kind, session.principal.workspaceId, (name) => c.req.query(name))
          return html(c, <ReportPage session={session} kind={kind} values={values} report={report} />)
        } catch (error) {
          return html(
            c,
            <ReportPage
              session={session}
              kind={kind}
              values={values}
              report={undefined}
              error={messageOf(error)}
            />,
            422,
          )
        }
      }),
    )

    api.get(
      `/dashboard/reports/${kind}/export`,
      page(async (c, session) => {
        const format = parseReportFormat(c.req.query('format'))
        const report = await build(kind, session.principal.workspaceId, (name) => c.req.query(name))
        let response: Response
        try {
          response = await sendReport(c, report, format, pdfRendererOf(server))
        } catch (error) {
          // No Chromium here: say so on the report's page, with the other exports still offered.
          if (!MimaError.isInstance(error) || error.status !== 409) throw error
          return html(
            c,
            <ReportPage
              session={session}
              kind={kind}
              values={formValues(c)}
              report={report}
              error={error.message}
            />,
            409,
          )
        }
        // From the console the printable page is a download: the dashboard's CSP would block its style.
        if (format === 'html') {
          response.headers.set(
            'Content-Disposition',
            `attachment; filename="mima-${kind}-${report.generated_at.slice(0, 10)}.html"`,
          )
        }
        return response
      }),
    )
  }
}

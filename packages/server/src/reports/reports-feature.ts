import type { Context } from 'hono'
import { type AppEnv, requireWorkspace, type ServerContext } from '../http/context'
import { httpError } from '../http/errors'
import { defineFeature, type ServerFeature } from '../http/feature'
import { timeFilter } from '../http/pagination'
import { buildArticle12Report } from './article12-report'
import type { ComplianceReport } from './compliance-report'
import type { ReportFilters } from './report-data'
import { reportToMarkdown } from './report-markdown'
import { createPdfRenderer, type PdfRenderer, type PdfRendererOptions } from './report-pdf'
import { PRINTABLE_CSP, printableReportHtml } from './report-view'
import { buildSummaryReport } from './summary-report'

/** The export formats of a report. */
export const REPORT_FORMATS = ['json', 'markdown', 'html', 'pdf'] as const
export type ReportExportFormat = (typeof REPORT_FORMATS)[number]

const MAX_NAME = 500

function nameFilter(value: string | undefined, field: string): string | undefined {
  const trimmed = value?.trim()
  if (trimmed === undefined || trimmed === '') return undefined
  if (trimmed.length > MAX_NAME)
    throw httpError('validation_failed', `${field} must be at most ${MAX_NAME} characters.`, { field })
  return trimmed
}

/** A date-only `until` includes that whole day; anything else is an exclusive bound. */
function untilBound(value: string | undefined): string | undefined {
  const bound = timeFilter(value, 'until')
  if (bound === undefined || value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return bound
  const next = new Date(bound)
  next.setUTCDate(next.getUTCDate() + 1)
  return next.toISOString()
}

/**
 * Reads a report's filters from a query (`since`, `until`, `system`, `agent`; `system_name` and
 * `agent_name` too). 422 for an unreadable date, a reversed range or an overlong name.
 */
export function parseReportFilters(query: (name: string) => string | undefined): ReportFilters {
  const empty = (value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value.trim()
  const since = timeFilter(empty(query('since')), 'since')
  const until = untilBound(empty(query('until')))
  if (since !== undefined && until !== undefined && since >= until)
    throw httpError('validation_failed', 'since must be before until.', { field: 'since' })
  return {
    since,
    until,
    systemName: nameFilter(query('system') ?? query('system_name'), 'system'),
    agentName: nameFilter(query('agent') ?? query('agent_name'), 'agent'),
  }
}

/** Reads `format` (json when absent; `md` means markdown). */
export function parseReportFormat(value: string | undefined): ReportExportFormat {
  const format = value === undefined || value.trim() === '' ? 'json' : value.trim().toLowerCase()
  const normalized = format === 'md' ? 'markdown' : format
  if (!(REPORT_FORMATS as readonly string[]).includes(normalized))
    throw httpError('validation_failed', `format must be one of ${REPORT_FORMATS.join(', ')}.`, {
      field: 'format',
    })
  return normalized as ReportExportFormat
}

const renderers = new WeakMap<ServerContext, PdfRenderer>()

/** The server's PDF renderer (created by the reports feature), or undefined when it is not mounted. */
export function pdfRendererOf(server: ServerContext): PdfRenderer | undefined {
  return renderers.get(server)
}

function fileName(report: ComplianceReport, extension: string): string {
  const subject = (report.filters.system_name ?? report.filters.agent_name ?? 'workspace')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .slice(0, 60)
  return `mima-${report.report_type}-${subject}-${report.generated_at.slice(0, 10)}.${extension}`
}

/** Answers a report in the requested format (shared by the API and the dashboard's downloads). */
export async function sendReport(
  c: Context<AppEnv>,
  report: ComplianceReport,
  format: ReportExportFormat,
  renderer: PdfRenderer | undefined,
): Promise<Response> {
  c.header('Cache-Control', 'no-store')
  c.header('X-Content-Type-Options', 'nosniff')
  switch (format) {
    case 'json':
      return c.json(report)
    case 'markdown':
      return c.body(reportToMarkdown(report), 200, {
        'Content-Type': 'text/markdown; charset=utf-8',
        'Content-Disposition': `attachment; filename="${fileName(report, 'md')}"`,
      })
    case 'html':
      c.header('Content-Security-Policy', PRINTABLE_CSP)
      return c.html(printableReportHtml(report))
    case 'pdf': {
      if (renderer === undefined) throw httpError('conflict', 'PDF export is not mounted on this server.')
      const pdf = await renderer.render(printableReportHtml(report))
      return c.body(pdf, 200, {
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="${fileName(report, 'pdf')}"`,
      })
    }
  }
}

/** Options for {@link createReportsFeature}. */
export interface ReportsFeatureOptions {
  pdf?: PdfRendererOptions
}

/**
 * Reports: `GET /workspaces/{ws}/governance/reports/article12` (EU AI Act Article 12 record
 * keeping: seven sections with statuses, the coverage caveat and the ledger chain check) and
 * `GET …/reports/summary?agent=…|system=…` (calls, violations and decisions, approvals, spend,
 * unattested calls, readiness). Filters `since`, `until`, `system`, `agent`; `format=json`
 * (default), `markdown`, `html` (printable) or `pdf` (Chromium's print-to-PDF; 409 with a clear
 * error where the server has no Chromium). Any key of the workspace may read them.
 */
export function createReportsFeature(options: ReportsFeatureOptions = {}): ServerFeature {
  return defineFeature({
    name: 'reports',
    register(api, server) {
      const renderer = createPdfRenderer(options.pdf)
      renderers.set(server, renderer)
      server.onClose(() => renderer.close())

      api.get('/workspaces/:ws/governance/reports/article12', async (c) => {
        const { workspaceId } = requireWorkspace(c)
        const format = parseReportFormat(c.req.query('format'))
        const filters = parseReportFilters((name) => c.req.query(name))
        const report = await buildArticle12Report({
          database: server.database,
          ledger: server.ledger,
          workspaceId,
          filters,
        })
        return sendReport(c, report, format, renderer)
      })

      api.get('/workspaces/:ws/governance/reports/summary', async (c) => {
        const { workspaceId } = requireWorkspace(c)
        const format = parseReportFormat(c.req.query('format'))
        const filters = parseReportFilters((name) => c.req.query(name))
        const report = await buildSummaryReport({
          database: server.database,
          ledger: server.ledger,
          workspaceId,
          filters,
        })
        return sendReport(c, report, format, renderer)
      })
    },
  })
}

/** The reports feature with default options (mounted in `FEATURES`). */
export const reportsFeature: ServerFeature = createReportsFeature()

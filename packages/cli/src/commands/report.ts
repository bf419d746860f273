import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { UsageError } from '../cli/cli-error'
import type { CommandContext, CommandSpec, OptionSpecs } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, parseEnumText, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'

const FORMATS = ['text', 'json', 'markdown', 'md', 'html', 'pdf'] as const
type Format = (typeof FORMATS)[number]

interface ReportSection {
  id: string
  title: string
  reference: string
  status: 'compliant' | 'partial' | 'non_compliant'
  status_reason: string
}

interface Report {
  report_type: string
  title: string
  report_id: string
  generated_at: string
  sections: ReportSection[]
  status_counts: Record<string, number>
  chain_integrity_status: 'verified' | 'failed'
  chain_verification: { tree_size: number; root_hash: string; public_key: string }
  coverage_caveat: string
  coverage_pct: number | null
}

/** `7d`, `12h`, a date or a date-time; relative spans are resolved here. */
function timeText(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const relative = /^(\d+)([dh])$/.exec(text)
  if (relative !== null) {
    const hours = Number(relative[1]) * (relative[2] === 'd' ? 24 : 1)
    return new Date(Date.now() - hours * 3_600_000).toISOString()
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text)))
    throw new UsageError(
      `--${flag} must be a date (2026-12-01), a date-time or a span like 30d or 12h; got '${text}'`,
    )
  return text
}

function defaultFile(report: 'article12' | 'summary', format: 'markdown' | 'html' | 'pdf'): string {
  const extension = format === 'markdown' ? 'md' : format
  return `mima-${report}-${new Date().toISOString().slice(0, 10)}.${extension}`
}

async function runReport(context: CommandContext, kind: 'article12' | 'summary'): Promise<ExitCode> {
  const { output, values } = context
  const requested = parseEnumText(
    'format',
    stringValue(values, 'format') ?? (output.json ? 'json' : 'text'),
    FORMATS,
  )
  const format: Exclude<Format, 'md'> = requested === 'md' ? 'markdown' : requested
  const agent = stringValue(values, 'agent')
  const system = stringValue(values, 'system')
  if (kind === 'summary' && agent === undefined && system === undefined)
    throw new UsageError('mima report summary needs --agent NAME or --system NAME')
  const query = {
    since: timeText('since', stringValue(values, 'since')),
    until: timeText('until', stringValue(values, 'until')),
    system,
    agent,
  }
  const session = await openSession(context, { timeoutMs: 120_000 })
  const path = session.api.workspacePath(`governance/reports/${kind}`)
  const strict = booleanValue(values, 'strict')

  if (format === 'markdown' || format === 'html' || format === 'pdf') {
    const response = await session.api.requestRaw('GET', path, {
      query: { ...query, format },
      headers: { accept: format === 'pdf' ? 'application/pdf' : '*/*' },
      timeoutMs: 120_000,
    })
    const bytes = Buffer.from(await response.arrayBuffer())
    const out = stringValue(values, 'out') ?? (format === 'pdf' ? defaultFile(kind, format) : undefined)
    if (out === undefined) {
      output.raw(bytes)
      return EXIT_CODES.ok
    }
    const target = resolve(out)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, bytes)
    if (output.json) output.printJson({ path: target, format, bytes: bytes.length })
    else
      output.line(
        `${output.colors.green('✓')} ${kind === 'article12' ? 'Article 12' : 'Summary'} report written to ${target}`,
      )
    return EXIT_CODES.ok
  }

  const report = await session.api.request<Report>('GET', path, { query, timeoutMs: 120_000 })
  const failed =
    report.chain_integrity_status !== 'verified' ||
    (strict && report.sections.some((section) => section.status === 'non_compliant'))
  const out = stringValue(values, 'out')
  if (out !== undefined) {
    const target = resolve(out)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, `${JSON.stringify(report, null, 2)}\n`)
  }
  if (format === 'json') {
    output.printJson(report)
    return failed ? EXIT_CODES.failed : EXIT_CODES.ok
  }
  const { colors } = output
  const mark = (status: ReportSection['status']): string =>
    status === 'compliant'
      ? colors.green('✓ compliant    ')
      : status === 'partial'
        ? colors.yellow('~ partial      ')
        : colors.red('✗ non-compliant')
  output.line(colors.bold(report.title))
  output.line(colors.dim(`${report.report_id} · generated ${report.generated_at}`))
  output.line()
  for (const [index, section] of report.sections.entries()) {
    output.line(
      `${String(index + 1).padStart(2)}. ${mark(section.status)}  ${section.title} ${colors.dim(`(${section.reference})`)}`,
    )
    output.line(`    ${colors.dim(section.status_reason)}`)
  }
  output.line()
  const chain = report.chain_verification
  output.line(
    report.chain_integrity_status === 'verified'
      ? `${colors.green('✓')} Ledger verified: ${chain.tree_size} leaves, root ${chain.root_hash}`
      : `${colors.red('✗')} Ledger verification FAILED (root ${chain.root_hash})`,
  )
  output.line(
    `  Coverage: ${report.coverage_pct === null ? 'not estimated (no guard reports in the period)' : `${Math.round(report.coverage_pct * 1000) / 10}% of the AI calls the guard saw were attested`}`,
  )
  output.line(colors.dim(`  ${report.coverage_caveat}`))
  if (out !== undefined) output.line(`JSON written to ${resolve(out)}`)
  return failed ? EXIT_CODES.failed : EXIT_CODES.ok
}

const FILTERS: OptionSpecs = {
  since: {
    type: 'string',
    valueName: 'DATE',
    description: 'From this date, date-time or span ago (30d, 12h)',
  },
  until: {
    type: 'string',
    valueName: 'DATE',
    description: 'Until this date (a date includes the whole day)',
  },
  system: { type: 'string', valueName: 'NAME', description: 'Only this AI system' },
  agent: { type: 'string', valueName: 'NAME', description: 'Only this agent' },
  format: {
    type: 'string',
    valueName: 'FORMAT',
    description: 'text, json, markdown (md), html or pdf (pdf needs Chromium on the server)',
    defaultLabel: 'text',
  },
  out: {
    type: 'string',
    valueName: 'FILE',
    description: 'Write to FILE (pdf defaults to mima-<report>-<date>.pdf)',
  },
  strict: { type: 'boolean', description: 'Exit 1 when a section is non-compliant (for CI)' },
}

/** `mima report`. */
export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'Compliance reports: EU AI Act Article 12 record keeping, summary per agent or system',
  usage: [
    'report article12 [--since DATE] [--until DATE] [--system NAME] [--agent NAME] [--format F] [--out FILE]',
    'report summary (--agent NAME | --system NAME) [--since DATE] [--until DATE] [--format F] [--out FILE]',
  ],
  description:
    'Builds a report on the server from its records and ledger. `article12` has one section per logging\n' +
    'requirement of Art. 12 (compliant / partial / non-compliant), the coverage caveat and the ledger chain\n' +
    'check; `summary` covers one agent or system: calls, violations, approvals, spend, unattested calls,\n' +
    'readiness. Exit 1 when the ledger chain does not verify (or, with --strict, a section is non-compliant).',
  json: true,
  examples: [
    'mima report article12 --since 2026-01-01 --until 2026-03-31 --system support-bot',
    'mima report article12 --format pdf --out article12.pdf',
    'mima report summary --agent billing-agent --format md > summary.md',
  ],
  subcommands: [
    {
      name: 'article12',
      aliases: ['art12'],
      summary: 'EU AI Act Article 12 record-keeping report',
      usage: [
        'report article12 [--since DATE] [--until DATE] [--system NAME] [--agent NAME] [--format F] [--out FILE]',
      ],
      options: FILTERS,
      json: true,
      examples: ['mima report article12 --since 90d', 'mima report article12 --format pdf --out art12.pdf'],
      run: (context) => runReport(context, 'article12'),
    },
    {
      name: 'summary',
      summary: 'Summary report for one agent or system',
      usage: [
        'report summary (--agent NAME | --system NAME) [--since DATE] [--until DATE] [--format F] [--out FILE]',
      ],
      options: FILTERS,
      json: true,
      examples: ['mima report summary --agent billing-agent', 'mima report summary --system checkout --json'],
      run: (context) => runReport(context, 'summary'),
    },
  ],
}

import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import type { ApiClient } from '../http/api-client'
import { bar, frameworkLabel, padStart } from '../output/format'
import { type FrameworkReadiness, fetchReadiness, type Readiness } from './readiness'

/** A record type that would close the most open controls. */
export interface QuickWin {
  record_type: string
  open_controls: number
  frameworks: string[]
}

interface FrameworksResponse {
  frameworks?: Array<{
    framework?: string
    controls?: Array<{
      control_id?: string
      evidence_record_types?: string[]
      covered?: boolean
      required?: boolean
    }>
  }>
}

/**
 * Ranks record types by how many open (uncovered) controls they evidence in frameworks with a
 * gap. Controls the server marks as covered are not counted (the Python CLI counts them).
 */
export function quickestWins(readiness: Readiness, catalog: FrameworksResponse, limit = 3): QuickWin[] {
  const gaps = new Set(
    readiness.frameworks
      .filter((framework) => framework.controls_required > framework.controls_covered)
      .map((framework) => framework.framework),
  )
  const counts = new Map<string, { count: number; frameworks: Set<string> }>()
  for (const framework of catalog.frameworks ?? []) {
    if (!framework.framework || !gaps.has(framework.framework)) continue
    for (const control of framework.controls ?? []) {
      if (control.covered === true || control.required === false) continue
      for (const recordType of control.evidence_record_types ?? []) {
        const entry = counts.get(recordType) ?? { count: 0, frameworks: new Set<string>() }
        entry.count += 1
        entry.frameworks.add(framework.framework)
        counts.set(recordType, entry)
      }
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([recordType, entry]) => ({
      record_type: recordType,
      open_controls: entry.count,
      frameworks: [...entry.frameworks].sort(),
    }))
}

async function fetchCatalog(api: ApiClient): Promise<FrameworksResponse> {
  try {
    return await api.request<FrameworksResponse>('GET', api.workspacePath('governance/grc/frameworks'), {})
  } catch {
    return {}
  }
}

function coverageText(framework: FrameworkReadiness): string {
  if (framework.controls_required === 0) return 'no controls defined'
  const attested = framework.controls_covered_attested ?? framework.controls_covered
  const inferred = framework.controls_covered - attested
  return inferred > 0 ? `${attested} attested · ${inferred} inferred` : `${attested} attested`
}

async function runStatus(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const system = stringValue(context.values, 'system')
  const readiness = await fetchReadiness(session.api, system)
  const wins = quickestWins(readiness, await fetchCatalog(session.api))
  if (output.json) {
    output.printJson({ ...readiness, quickest_wins: wins })
    return EXIT_CODES.ok
  }
  const { colors } = output
  output.line(`Readiness · workspace ${session.workspaceId}${system ? ` · system ${system}` : ''}`)
  output.line('')
  const active = readiness.frameworks.filter((framework) => framework.controls_required > 0)
  for (const framework of readiness.frameworks) {
    const pct = framework.score_pct
    const paint = pct >= 80 ? colors.green : pct >= 50 ? colors.yellow : colors.red
    const badge =
      framework.controls_required === 0
        ? ''
        : framework.validated_at
          ? colors.green('✓ validated')
          : colors.yellow('⚠ not validated')
    output.line(
      `  ${frameworkLabel(framework.framework).padEnd(16)} ${padStart(String(pct), 3)}%  ${paint(bar(pct))}  ${`${framework.controls_covered}/${framework.controls_required}`.padEnd(7)} ${coverageText(framework).padEnd(24)} ${badge}`.trimEnd(),
    )
  }
  output.line('')
  const weakestSlug =
    readiness.weakest_framework ?? [...active].sort((a, b) => a.score_pct - b.score_pct)[0]?.framework
  const rule =
    readiness.overall_rule === undefined || readiness.overall_rule === 'weakest_framework'
      ? 'the weakest framework'
      : readiness.overall_rule.replaceAll('_', ' ')
  output.line(
    `  ${colors.bold('Overall'.padEnd(16))} ${padStart(String(readiness.overall_pct), 3)}%  (${rule}${weakestSlug ? `: ${frameworkLabel(weakestSlug)}` : ''})`,
  )
  const unvalidated = active.filter((framework) => !framework.validated_at)
  if (unvalidated.length > 0) {
    output.line('')
    output.line(
      colors.yellow(
        `⚠ ${unvalidated.length} framework${unvalidated.length === 1 ? ' is' : 's are'} not validated: scores are indicative until an admin validates them.`,
      ),
    )
  }
  if (
    active.some(
      (framework) =>
        (framework.controls_covered_attested ?? framework.controls_covered) < framework.controls_covered,
    )
  ) {
    output.line(
      colors.dim(
        'Inferred controls are covered only by platform-inferred records; push evidence to attest them.',
      ),
    )
  }
  if (wins.length > 0) {
    output.line('')
    output.line('Quickest wins:')
    wins.forEach((win, index) => {
      output.line(
        `  ${index + 1}. ${win.record_type.padEnd(28)} ${win.open_controls} open control${win.open_controls === 1 ? '' : 's'}  ${colors.dim(`mima push ${win.record_type} --help`)}`,
      )
    })
  }
  return EXIT_CODES.ok
}

/** `mima status`. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Readiness per framework: attested vs inferred, validation, quickest wins',
  usage: ['status [--system NAME] [--json]'],
  options: {
    system: {
      type: 'string',
      valueName: 'NAME',
      description: 'Readiness from the evidence of one system only',
    },
  },
  description:
    'Shows readiness for EU AI Act, ISO 42001, ISO 27001, SOC 2 and NIST AI RMF: the share of required\n' +
    'controls covered, how many are attested by pushed evidence vs inferred, whether an admin has\n' +
    'validated the scores, and the record types that would close the most open controls.',
  json: true,
  examples: ['mima status', 'mima status --system checkout', 'mima status --json | jq .overall_pct'],
  run: runStatus,
}

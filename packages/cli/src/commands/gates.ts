import { RefusedError } from '../cli/cli-error'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { parseEnumText, parseIntegerText, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { ApiError } from '../http/api-client'
import { frameworkLabel, padStart } from '../output/format'

/** One gate policy from `GET …/grc/gates`. */
export interface GatePolicy {
  id: string
  framework: string
  mode: 'required' | 'advisory'
  threshold_pct: number
  scope: string
  current_pct?: number
  status?: string
  created_by?: string
  created_at?: string
}

interface GatesList {
  policies?: GatePolicy[]
  unconfigured_frameworks?: string[]
}

interface GateCheck {
  passed: boolean
  system_name?: string | null
  results?: Array<{
    framework: string
    mode: string
    threshold_pct: number
    current_pct: number
    status: string
  }>
}

const FRAMEWORKS = ['eu_ai_act', 'iso_42001', 'iso_27001', 'soc2_type2', 'nist_airf'] as const

async function listGates(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context, { timeoutMs: 30_000 })
  const list = await session.api.request<GatesList>('GET', session.api.workspacePath('governance/grc/gates'))
  const policies = list.policies ?? []
  if (output.json) {
    output.printJson({ policies, unconfigured_frameworks: list.unconfigured_frameworks ?? [] })
    return EXIT_CODES.ok
  }
  const { colors } = output
  const line = (policy: GatePolicy): string => {
    const passing = policy.status === 'passing'
    const mark = policy.status === undefined ? ' ' : passing ? colors.green('✓') : colors.red('✗')
    const current =
      policy.current_pct === undefined ? '' : `  now ${padStart(String(policy.current_pct), 3)}%`
    return `  ${mark} ${frameworkLabel(policy.framework).padEnd(16)} ${policy.mode.padEnd(9)} ≥ ${padStart(String(policy.threshold_pct), 3)}%${current}  ${colors.dim(policy.id)}`
  }
  const workspaceWide = policies.filter((policy) => policy.scope === 'workspace')
  const perSystem = policies.filter((policy) => policy.scope !== 'workspace')
  if (policies.length === 0)
    output.line('No gates set. Example: mima gates set eu_ai_act required --threshold 80')
  if (workspaceWide.length > 0) {
    output.line('WORKSPACE-WIDE')
    for (const policy of workspaceWide) output.line(line(policy))
  }
  if (perSystem.length > 0) {
    output.line('PER-SYSTEM OVERRIDES')
    const systems = [...new Set(perSystem.map((policy) => policy.scope))].sort()
    for (const system of systems) {
      output.line(`  ${system}`)
      for (const policy of perSystem.filter((candidate) => candidate.scope === system))
        output.line(`  ${line(policy)}`)
    }
  }
  const unconfigured = list.unconfigured_frameworks ?? []
  if (unconfigured.length > 0)
    output.line(`Advisory by default (no gate): ${unconfigured.map(frameworkLabel).join(', ')}`)
  const required = policies.filter((policy) => policy.mode === 'required' && policy.status !== undefined)
  if (required.length > 0) {
    const passing = required.filter((policy) => policy.status === 'passing').length
    output.line(`Required gates: ${passing} passing, ${required.length - passing} failing`)
  }
  return EXIT_CODES.ok
}

async function checkGates(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const session = await openSession(context, { timeoutMs: 30_000 })
  const system = stringValue(values, 'system')
  const check = await session.api.request<GateCheck>(
    'GET',
    session.api.workspacePath('governance/grc/gates/check'),
    {
      query: { system_name: system },
    },
  )
  const results = check.results ?? []
  const failing = results.filter((result) => result.mode === 'required' && result.status !== 'passing')
  if (output.json) {
    output.printJson(check)
    return check.passed ? EXIT_CODES.ok : EXIT_CODES.failed
  }
  const { colors } = output
  for (const result of results) {
    const passing = result.status === 'passing'
    const mark = passing
      ? colors.green('✓')
      : result.mode === 'required'
        ? colors.red('✗')
        : colors.yellow('△')
    output.line(
      `  ${mark} ${frameworkLabel(result.framework).padEnd(16)} ${padStart(String(result.current_pct), 3)}% (needs ${result.threshold_pct}%, ${result.mode})`,
    )
  }
  if (results.length === 0) output.line('  No gates configured: nothing to check.')
  output.line('')
  if (check.passed) {
    output.line(`${colors.green('Result: PASS')}${system ? ` for ${system}` : ''}`)
    return EXIT_CODES.ok
  }
  output.line(
    colors.red(
      `Result: FAIL (${failing.length} required gate${failing.length === 1 ? '' : 's'} below threshold)`,
    ),
  )
  return EXIT_CODES.failed
}

async function setGate(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const framework = parseEnumText('framework', context.positionals[0]!, FRAMEWORKS)
  const mode = parseEnumText('mode', context.positionals[1]!, ['required', 'advisory'] as const)
  const thresholdText = stringValue(values, 'threshold')
  const threshold =
    thresholdText === undefined ? 80 : parseIntegerText('threshold', thresholdText, { min: 0, max: 100 })
  const scope = stringValue(values, 'system') ?? 'workspace'
  const session = await openSession(context, { timeoutMs: 30_000 })
  const saved = await session.api.request<GatePolicy>(
    'PUT',
    session.api.workspacePath('governance/grc/gates'),
    {
      body: { framework, mode, threshold_pct: threshold, scope },
    },
  )
  if (output.json) {
    output.printJson(saved)
    return EXIT_CODES.ok
  }
  output.line(
    `${output.colors.green('✓')} Gate set: ${frameworkLabel(saved.framework ?? framework)} ${saved.mode ?? mode} ≥ ${saved.threshold_pct ?? threshold}%${scope === 'workspace' ? '' : ` for ${scope}`}`,
  )
  return EXIT_CODES.ok
}

async function unsetGate(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const framework = parseEnumText('framework', context.positionals[0]!, FRAMEWORKS)
  const scope = stringValue(values, 'system') ?? 'workspace'
  const session = await openSession(context, { timeoutMs: 30_000 })
  const list = await session.api.request<GatesList>('GET', session.api.workspacePath('governance/grc/gates'))
  const policy = (list.policies ?? []).find(
    (candidate) => candidate.framework === framework && candidate.scope === scope,
  )
  if (!policy) {
    throw new RefusedError(
      `no gate for ${frameworkLabel(framework)}${scope === 'workspace' ? ' (workspace-wide)' : ` on ${scope}`}`,
      { status: 404, hint: 'Run `mima gates list` to see the gates.' },
    )
  }
  try {
    await session.api.requestRaw(
      'DELETE',
      session.api.workspacePath(`governance/grc/gates/${encodeURIComponent(policy.id)}`),
    )
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new RefusedError(`gate ${policy.id} no longer exists`, { status: 404 })
    }
    throw error
  }
  if (output.json) {
    output.printJson({ removed: policy })
    return EXIT_CODES.ok
  }
  output.line(
    `${output.colors.green('✓')} Gate removed: ${frameworkLabel(framework)}${scope === 'workspace' ? '' : ` for ${scope}`}`,
  )
  return EXIT_CODES.ok
}

const SYSTEM_OPTION = {
  system: {
    type: 'string' as const,
    valueName: 'NAME',
    description: 'A per-system gate instead of the workspace-wide one',
  },
}

/** `mima gates`. */
export const gatesCommand: CommandSpec = {
  name: 'gates',
  summary: 'Readiness gates: list, check (for CI), set, unset',
  usage: [
    'gates [list]',
    'gates check [--system NAME]',
    'gates set FRAMEWORK required|advisory [--threshold N] [--system NAME]',
    'gates unset FRAMEWORK [--system NAME]',
  ],
  description:
    'A gate is a readiness threshold per framework. `required` gates fail `mima gates check` (exit 1) when\n' +
    'readiness is below the threshold, which makes it a CI step; `advisory` gates only report.\n' +
    `Frameworks: ${FRAMEWORKS.join(', ')}.`,
  defaultSubcommand: 'list',
  json: true,
  examples: ['mima gates', 'mima gates set eu_ai_act required --threshold 80', 'mima gates check || exit 1'],
  subcommands: [
    {
      name: 'list',
      aliases: ['ls'],
      summary: 'List gates with their current readiness',
      usage: ['gates list [--json]'],
      json: true,
      examples: ['mima gates list', 'mima gates list --json'],
      run: listGates,
    },
    {
      name: 'check',
      summary: 'Exit 1 when a required gate is below its threshold',
      usage: ['gates check [--system NAME] [--json]'],
      description:
        'Checks every gate against current readiness. Exit 0 when all required gates pass, 1 when one fails,\n' +
        '3 when the server cannot be reached. Advisory gates are reported but never fail.',
      options: {
        system: { type: 'string', valueName: 'NAME', description: 'Check with the per-system gates of NAME' },
      },
      json: true,
      examples: ['mima gates check', 'mima gates check --system checkout --json'],
      run: checkGates,
    },
    {
      name: 'set',
      summary: 'Create or update a gate',
      usage: ['gates set FRAMEWORK required|advisory [--threshold N] [--system NAME]'],
      positionals: { min: 2, max: 2, names: 'FRAMEWORK and mode (required or advisory)' },
      options: {
        threshold: {
          type: 'string',
          valueName: 'N',
          description: 'Readiness percentage 0-100',
          defaultLabel: '80',
        },
        ...SYSTEM_OPTION,
      },
      json: true,
      examples: [
        'mima gates set eu_ai_act required --threshold 80',
        'mima gates set soc2_type2 advisory --system checkout',
      ],
      run: setGate,
    },
    {
      name: 'unset',
      aliases: ['rm', 'remove'],
      summary: 'Remove a gate',
      usage: ['gates unset FRAMEWORK [--system NAME]'],
      positionals: { min: 1, max: 1, names: 'FRAMEWORK' },
      options: SYSTEM_OPTION,
      json: true,
      examples: ['mima gates unset eu_ai_act', 'mima gates unset soc2_type2 --system checkout'],
      run: unsetGate,
    },
  ],
}

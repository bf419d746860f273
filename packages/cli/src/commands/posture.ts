import { execFile } from 'node:child_process'
import type { CommandContext, CommandSpec } from '../cli/command'
import { EXIT_CODES, type ExitCode } from '../cli/exit-codes'
import { booleanValue, stringValue } from '../cli/parse-args'
import { openSession } from '../cli/session'
import { normalizeBaseUrl, resolveConfig } from '../config/config'
import { bar, frameworkLabel, padStart, table } from '../output/format'

interface PostureBrief {
  overall_pct: number
  frameworks?: Array<{ framework: string; score_pct: number }>
  failing_gates?: string[]
  unattested_24h?: number
}

async function runPosture(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const brief = await session.api.request<PostureBrief>(
    'GET',
    session.api.workspacePath('governance/grc/posture-brief'),
  )
  if (output.json) {
    output.printJson(brief)
    return EXIT_CODES.ok
  }
  const { colors } = output
  const overall = brief.overall_pct
  const glyph = overall >= 80 ? colors.green('✓') : overall >= 50 ? colors.yellow('△') : colors.red('✗')
  output.line(`${glyph} Posture ${overall}%  · workspace ${session.workspaceId}`)
  output.line('')
  const failing = new Set(brief.failing_gates ?? [])
  for (const framework of brief.frameworks ?? []) {
    output.line(
      `  ${frameworkLabel(framework.framework).padEnd(16)} ${padStart(String(framework.score_pct), 3)}%  ${bar(framework.score_pct)}${failing.has(framework.framework) ? colors.red('  ← failing gate') : ''}`,
    )
  }
  output.line('')
  const unattested = brief.unattested_24h ?? 0
  output.line(
    unattested > 0
      ? colors.yellow(
          `${unattested} unattested AI call${unattested === 1 ? '' : 's'} in the last 24 h (guard reports)`,
        )
      : 'No unattested AI calls reported in the last 24 h',
  )
  return EXIT_CODES.ok
}

/** `mima posture`. */
export const postureCommand: CommandSpec = {
  name: 'posture',
  summary: 'One-screen posture brief: scores, failing gates, unattested calls',
  usage: ['posture [--json]'],
  description:
    'Prints the posture brief: overall score, a bar per framework, failing gates and unattested AI calls (24 h).',
  json: true,
  examples: ['mima posture', 'mima posture --json'],
  run: runPosture,
}

interface SystemRow {
  system_name: string
  record_count?: number
  registered?: boolean
}

async function runListSystems(context: CommandContext): Promise<ExitCode> {
  const { output } = context
  const session = await openSession(context)
  const response = await session.api.request<SystemRow[] | { systems?: SystemRow[] }>(
    'GET',
    session.api.workspacePath('governance/grc/systems'),
  )
  const systems = Array.isArray(response) ? response : (response.systems ?? [])
  if (output.json) {
    output.printJson({ systems })
    return EXIT_CODES.ok
  }
  if (systems.length === 0) {
    output.line('No systems yet. Push evidence or run `mima register <system_name>`.')
    return EXIT_CODES.ok
  }
  const rows = [
    ['SYSTEM', 'RECORDS', 'STATUS'],
    ...systems.map((system) => [
      system.system_name,
      String(system.record_count ?? 0),
      system.registered ? 'registered' : 'unregistered ← needs a risk assessment (mima register)',
    ]),
  ]
  for (const line of table(rows)) output.line(line)
  return EXIT_CODES.ok
}

/** `mima list-systems`. */
export const listSystemsCommand: CommandSpec = {
  name: 'list-systems',
  summary: 'AI systems with evidence, and whether each is registered',
  usage: ['list-systems [--json]'],
  description:
    'Lists every system that has evidence in the workspace, its record count and whether it has a risk assessment.',
  json: true,
  examples: ['mima list-systems', 'mima list-systems --json'],
  run: runListSystems,
}

interface DeriveResponse {
  uncovered_required_controls?: Array<{
    control_id: string
    framework?: string
    record_types?: string[]
    title?: string
  }>
  total_required?: number
  total_covered?: number
  system_risk_tier?: string | null
  annex_iii_category?: string | null
  art14_applicable?: boolean | null
}

async function runDeriveControls(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const session = await openSession(context)
  const system = stringValue(values, 'system')
  const tier = stringValue(values, 'tier')
  const result = await session.api.request<DeriveResponse>(
    'POST',
    session.api.workspacePath('governance/grc/derive-controls'),
    {
      body: {
        action_description: context.positionals[0],
        ...(system === undefined ? {} : { system_name: system }),
        ...(tier === undefined ? {} : { ai_risk_tier: tier }),
      },
    },
  )
  if (output.json) {
    output.printJson(result)
    return EXIT_CODES.ok
  }
  const uncovered = result.uncovered_required_controls ?? []
  output.line(
    `Required controls: ${result.total_required ?? '?'} · covered: ${result.total_covered ?? '?'} · uncovered: ${uncovered.length}`,
  )
  if (result.system_risk_tier)
    output.line(
      `Risk tier: ${result.system_risk_tier}${result.annex_iii_category ? ` (${result.annex_iii_category})` : ''}`,
    )
  if (result.art14_applicable !== undefined && result.art14_applicable !== null) {
    output.line(
      `EU AI Act Art. 14 human oversight: ${result.art14_applicable ? 'applies' : 'does not apply'}`,
    )
  }
  if (uncovered.length > 0) {
    output.line('')
    output.line('Uncovered:')
    const rows = uncovered
      .slice(0, 8)
      .map((control) => [
        `  ${control.control_id}`,
        frameworkLabel(control.framework ?? ''),
        (control.record_types ?? []).map((type) => `mima push ${type}`).join(' | '),
      ])
    for (const line of table(rows)) output.line(line)
    if (uncovered.length > 8) output.line(`  … and ${uncovered.length - 8} more (--json for all)`)
  }
  return EXIT_CODES.ok
}

/** `mima derive-controls`. */
export const deriveControlsCommand: CommandSpec = {
  name: 'derive-controls',
  summary: 'From an action description to the controls it needs and which are uncovered',
  usage: ['derive-controls "<action description>" [--system NAME] [--tier TIER]'],
  description:
    'Asks the server which controls an AI action needs (given the system and its risk tier) and which of\n' +
    'them the workspace has not covered yet, with the record types that would cover them.',
  positionals: { min: 1, max: 1, names: '<action description>' },
  options: {
    system: { type: 'string', valueName: 'NAME', description: 'System the action runs in' },
    tier: {
      type: 'string',
      valueName: 'TIER',
      description: 'Risk tier: unacceptable, high, limited or minimal',
    },
  },
  json: true,
  examples: ['mima derive-controls "Rank job applicants with an LLM" --system cv-screening --tier high'],
  run: runDeriveControls,
}

function copyToClipboard(text: string): Promise<boolean> {
  const candidates: Array<[string, string[]]> =
    process.platform === 'darwin'
      ? [['pbcopy', []]]
      : process.platform === 'win32'
        ? [['clip', []]]
        : [
            ['wl-copy', []],
            ['xclip', ['-selection', 'clipboard']],
            ['xsel', ['--clipboard', '--input']],
          ]
  return candidates.reduce<Promise<boolean>>(
    (previous, [command, args]) =>
      previous.then(
        (done) =>
          done ||
          new Promise<boolean>((resolve) => {
            const child = execFile(command, args, (error) => resolve(error === null))
            child.on('error', () => resolve(false))
            child.stdin?.end(text)
          }),
      ),
    Promise.resolve(false),
  )
}

async function runGenerateLink(context: CommandContext): Promise<ExitCode> {
  const { output, values } = context
  const config = await resolveConfig({
    home: context.home,
    env: context.env,
    baseUrlFlag: context.baseUrlFlag,
  })
  if (!config.workspaceId) {
    const { MissingCredentialsError } = await import('../cli/cli-error')
    throw new MissingCredentialsError('generate-link', ['workspace id'])
  }
  const dashboard = normalizeBaseUrl(stringValue(values, 'dashboard') ?? config.baseUrl)
  // The dashboard signs in with an API key, which names the workspace.
  const link = `${dashboard}/dashboard`
  const copied = booleanValue(values, 'copy') ? await copyToClipboard(link) : false
  if (output.json) {
    output.printJson({ url: link, workspace_id: config.workspaceId, copied })
    return EXIT_CODES.ok
  }
  output.line(link)
  output.info(`Sign in there with an API key of workspace ${config.workspaceId}.`)
  if (booleanValue(values, 'copy'))
    output.info(copied ? 'Copied to the clipboard.' : 'Could not copy (no pbcopy, wl-copy, xclip or xsel).')
  return EXIT_CODES.ok
}

/** `mima generate-link`. */
export const generateLinkCommand: CommandSpec = {
  name: 'generate-link',
  summary: 'Print the dashboard link for this workspace',
  usage: ['generate-link [--dashboard URL] [--copy]'],
  description:
    'Prints the dashboard URL of the configured server (the dashboard is served next to the API; sign in\n' +
    'with an API key of the workspace).',
  options: {
    dashboard: {
      type: 'string',
      valueName: 'URL',
      description: 'Dashboard base URL',
      defaultLabel: 'the server URL',
    },
    copy: { type: 'boolean', description: 'Also copy it to the clipboard' },
  },
  json: true,
  examples: ['mima generate-link', 'mima generate-link --copy'],
  run: runGenerateLink,
}
